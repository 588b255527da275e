package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/demo"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/werte"
)

func cmdSeedDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("seed-demo", "Lädt die fiktive Stadt Musterstadt: Schulen, Straßenverzeichnis, Melderegister (rund 3.200 Kinder),\n"+
		"Schülerlisten aller Schulen, Schulbesuchsbestätigungen, Meldungen zur nächsten Einschulung, Schulwechsel,\n"+
		"zehn Jahre Schülerzahlen und Einschulungsjahrgänge für die Planung und einen Schulpflicht-Abgleich.\n"+
		"Die Listen laufen durch den Import wie hochgeladene. Wiederholbar: ein zweiter Lauf im selben Schuljahr ändert nichts.", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	ps, err := einschulung.NewPseudonymizer(cfg.PseudonymKey)
	if err != nil {
		return err
	}
	pool, _, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	e, err := postgres.SeedDemo(ctx, pool, postgres.DemoOptionen{
		Open: cfg.Uploads.Open, Encode: xschule.Encode, Pseudonymizer: ps,
		Einschulung: cfg.Einschulung, Schulpflicht: cfg.Schulpflicht, SchulpflichtJahre: cfg.SchulpflichtJahre,
		SchulwechselFrist: cfg.SchulwechselFrist, ImportMaxBytes: cfg.ImportMaxBytes, Now: time.Now(),
	})
	if err != nil {
		return fmt.Errorf("Demodaten: %w", err)
	}
	s, sj := e.Stadt, werte.NewSchuljahr(e.Stadt.Schuljahr)
	fmt.Fprintf(stdout, "Demodaten Musterstadt, Schuljahr %s: %d Schulen, %d Kinder im Melderegister, %d Schülerinnen und Schüler auf %d Schülerlisten, "+
		"%d Schulbesuchsbestätigungen, %d Meldungen zur Einschulung, %d Schulwechsel, Schülerzahlen %s bis %s.\n",
		sj, len(demo.Schulen()), len(s.Kinder), len(s.Schueler), len(demo.Schulen()), len(s.Bestaetigungen), len(s.Meldungen), len(s.Wechsel),
		werte.NewSchuljahr(s.Schuljahr-10), werte.NewSchuljahr(s.Schuljahr-1))
	if e.Frueheres {
		fmt.Fprintf(stdout, "Die Datenbank enthält die Demo-Stadt des Schuljahres %s und behält sie. Für die Stadt des laufenden Schuljahres "+
			"mit einer leeren Datenbank beginnen (z. B. „dropdb schulgateway“ oder DATABASE_URL auf eine neue Datenbank) und seed-demo erneut aufrufen.\n", sj)
	}
	if !e.Geaendert() {
		fmt.Fprintln(stdout, "Alles war schon geladen; nichts geändert.")
		return nil
	}
	fmt.Fprintf(stdout, "Geladen: %d Listen über den Import, %d neue Meldungen, %d Schulwechsel.\n", e.Listen, e.Meldungen, e.Wechsel)
	if a := e.Abgleich; a != nil {
		fmt.Fprintf(stdout, "Schulpflicht-Abgleich: %d Kinder im Vollzeitschulpflicht-Alter, %d automatisch zugeordnet, %d zu prüfen, %d an keiner Schule gefunden (offene Fälle).\n",
			a.Residents, a.Auto, a.Review, a.Keine)
	}
	return nil
}
