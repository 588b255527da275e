package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/demo"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/schulpflicht"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// demoNutzer is who the demo city's imports, reports and runs are by.
const demoNutzer = "seed-demo"

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
	pool, _, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	return seedDemo(ctx, pool, cfg, time.Now(), stdout)
}

// seedDemo loads the demo city of the school year that contains now
// through the gateway's own services: the schools through the school
// service, every list through the import as an upload would go, the
// Einschulung's Meldungen through its service (with the school office's
// rights), the changes of school as XSchule messages through theirs, and
// one Schulpflicht reconciliation through the Schulpflicht service. What
// is loaded already is left alone, so a second run changes nothing.
func seedDemo(ctx context.Context, pool *pgxpool.Pool, cfg config, now time.Time, out io.Writer) error {
	schulen := schule.NewService(postgres.NewSchulenStore(pool, nil))
	for _, s := range demo.Schulen() {
		if _, _, err := schulen.Put(ctx, s.Schulnummer, s); err != nil {
			return fmt.Errorf("Schule %s: %w", s.Schulnummer, err)
		}
	}
	sj := importing.SchuljahrAt(now).StartYear()
	stadt := demo.Erzeuge(sj)
	ps, err := einschulung.NewPseudonymizer(cfg.PseudonymKey)
	if err != nil {
		return err
	}

	store := postgres.NewImportStore(pool, ps.ID)
	imports := importing.NewService(store, importing.Limits{MaxBytes: cfg.ImportMaxBytes})
	proc := postgres.NewProcessor(store, cfg.Uploads.Open)
	geladen := 0
	for _, l := range stadt.Listen() {
		unveraendert, err := postgres.DemoListeGeladen(ctx, pool, l.Kind, l.Dateiname, demoNutzer, l.Inhalt)
		if err != nil {
			return err
		}
		if unveraendert {
			continue
		}
		// As the CLI's import does: stored as running, processed here.
		imp, err := imports.Submit(ctx, importing.Request{Kind: string(l.Kind), Filename: l.Dateiname, CreatedBy: demoNutzer, RunHere: true},
			bytes.NewReader(l.Inhalt))
		if err != nil {
			return fmt.Errorf("%s: %w", l.Dateiname, describe(err))
		}
		if err := proc.Process(ctx, imp.ID, nil); err != nil {
			return fmt.Errorf("%s: %w", l.Dateiname, err)
		}
		if imp, err = store.Get(ctx, imp.ID); err != nil {
			return err
		}
		if imp.Status != importing.StatusSucceeded {
			return fmt.Errorf("%s: Import %s %s: %s", l.Dateiname, imp.ID, imp.Status, imp.Detail)
		}
		geladen++
	}

	// The Meldungen: a Meldung equal to the stored one changes nothing.
	bezirke := postgres.NewSchulbezirkStore(pool, nil)
	es := einschulung.NewService(postgres.NewEinschulungStore(pool), bezirke, schulen, cfg.Einschulung, ps)
	neu := 0
	for _, m := range stadt.Meldungen {
		k := stadt.Kinder[m.Kind]
		in := einschulung.Eingabe{Typ: string(m.Typ), Schulnummer: m.Schulnummer, Art: string(m.Art), Entscheidung: string(m.Entscheidung)}
		if m.PerPerson {
			in.Person = &einschulung.PersonEingabe{Familienname: k.Familienname, Vornamen: k.Vornamen, Geburtsdatum: k.Geburtsdatum.Format(time.DateOnly)}
		} else {
			in.KindID = ps.ID(k.Schluessel())
		}
		e, err := es.Melde(ctx, importing.NewSchuljahr(m.Schuljahr), in, true)
		if err != nil {
			return fmt.Errorf("Meldung %s zur Einschulung %s (Ordnungsmerkmal %s): %w", m.Typ, importing.NewSchuljahr(m.Schuljahr), k.Ordnungsmerkmal, describe(err))
		}
		if e.Neu {
			neu++
		}
	}

	// Changes of school, reported once.
	n, err := postgres.DemoSchulwechsel(ctx, pool, demoNutzer)
	if err != nil {
		return err
	}
	wechsel := 0
	if n == 0 {
		sw := schulwechsel.NewService(postgres.NewSchulwechselStore(pool), cfg.SchulwechselFrist)
		for _, w := range stadt.Wechsel {
			msg, err := xschule.Encode(w)
			if err != nil {
				return fmt.Errorf("Schulwechsel: %w", describe(err))
			}
			if _, err := sw.Create(ctx, w, schulwechsel.FormatXML, msg, demoNutzer); err != nil {
				return fmt.Errorf("Schulwechsel: %w", describe(err))
			}
			wechsel++
		}
	}

	// One reconciliation, so the Schulpflicht page has work to show.
	var lauf *schulpflicht.Anzahl
	n, err = postgres.DemoAbgleiche(ctx, pool)
	if err != nil {
		return err
	}
	if n == 0 {
		stichtag := stadt.Stichtag
		if heute := now.UTC().Truncate(24 * time.Hour); heute.Before(stichtag) {
			stichtag = heute
		}
		sp := schulpflicht.NewService(postgres.NewSchulpflichtStore(pool), schulpflicht.Spanne{Regel: cfg.Einschulung, Jahre: cfg.SchulpflichtJahre}, cfg.Schulpflicht, nil)
		a, err := sp.Starte(ctx, stichtag.Format(time.DateOnly), demoNutzer)
		if err != nil {
			return fmt.Errorf("Schulpflicht-Abgleich: %w", describe(err))
		}
		x, err := sp.Fuehre(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("Schulpflicht-Abgleich: %w", err)
		}
		lauf = &x
	}

	fmt.Fprintf(out, "Demodaten Musterstadt, Schuljahr %s: %d Schulen, %d Kinder im Melderegister, %d Schülerinnen und Schüler auf %d Schülerlisten, "+
		"%d Schulbesuchsbestätigungen, %d Meldungen zur Einschulung %s, %d Schulwechsel, Schülerzahlen %s bis %s.\n",
		importing.NewSchuljahr(sj), len(demo.Schulen()), len(stadt.Kinder), len(stadt.Schueler), len(demo.Schulen()), len(stadt.Bestaetigungen),
		len(stadt.Meldungen), importing.NewSchuljahr(sj+1), len(stadt.Wechsel), importing.NewSchuljahr(sj-10), importing.NewSchuljahr(sj-1))
	if geladen+neu+wechsel == 0 && lauf == nil {
		fmt.Fprintln(out, "Alles war schon geladen; nichts geändert.")
		return nil
	}
	fmt.Fprintf(out, "Geladen: %d Listen über den Import, %d neue Meldungen, %d Schulwechsel.\n", geladen, neu, wechsel)
	if lauf != nil {
		fmt.Fprintf(out, "Schulpflicht-Abgleich: %d Kinder im Vollzeitschulpflicht-Alter, %d automatisch zugeordnet, %d zu prüfen, %d an keiner Schule gefunden (offene Fälle).\n",
			lauf.Residents, lauf.Auto, lauf.Review, lauf.Keine)
	}
	return nil
}
