package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/demo"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/schulpflicht"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// ReplaceStrassenverzeichnis swaps the rows of the given schools' Bezirke for
// rows, in one transaction, so that seeding twice leaves one copy.
func ReplaceStrassenverzeichnis(ctx context.Context, pool *pgxpool.Pool, schulnummern []string, rows []demo.Bezirksregel) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM bezirksregeln WHERE schulnummer = ANY($1)", schulnummern); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"bezirksregeln"},
			[]string{"schluessel", "strasse", "hausnummer_von", "hausnummer_bis", "paritaet", "zusatz_von", "zusatz_bis", "plz", "schulnummer", "gueltig_ab"},
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				r := rows[i]
				return []any{bezirksregelKey(r), r.Strasse, r.HausnummerVon, r.HausnummerBis, r.Paritaet, r.ZusatzVon, r.ZusatzBis, r.PLZ, r.Schulnummer, r.GueltigAbJahr}, nil
			}))
		return err
	})
}

// bezirksregelKey gives a seeded rule the natural key an uploaded
// directory row would have, so a later upload matches it.
func bezirksregelKey(r demo.Bezirksregel) string {
	v := map[string]any{"strasse": r.Strasse, "paritaet": r.Paritaet, "zusatz_von": r.ZusatzVon, "zusatz_bis": r.ZusatzBis, "plz": r.PLZ}
	if r.HausnummerVon != nil {
		v["hausnummer_von"] = werte.Hausnummer{Nummer: *r.HausnummerVon}
	}
	if r.HausnummerBis != nil {
		v["hausnummer_bis"] = werte.Hausnummer{Nummer: *r.HausnummerBis}
	}
	if r.GueltigAbJahr != nil {
		v["gueltig_ab"] = werte.NewSchuljahr(*r.GueltigAbJahr)
	}
	return importing.Schluessel(importing.ListeSchulbezirke, importing.ValuesOf(importing.ListeSchulbezirke, v))
}

// DemoListeGeladen reports whether the list filename of kind was imported
// by `by` with exactly content, and no one else has imported a list of the
// kind since: then loading it again would change nothing, and the demo
// seed leaves the import history as it is.
func DemoListeGeladen(ctx context.Context, pool *pgxpool.Pool, kind importing.Listenart, filename, by string, content []byte) (bool, error) {
	var id string
	err := pool.QueryRow(ctx, `
		SELECT id FROM imports i
		WHERE kind = $1 AND filename = $2 AND created_by = $3 AND status = 'succeeded' AND NOT dry_run AND undone_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM imports j WHERE j.kind = i.kind AND j.created_at > i.created_at AND j.created_by <> $3
		                  AND j.status = 'succeeded' AND NOT j.dry_run AND j.undone_at IS NULL)
		ORDER BY created_at DESC LIMIT 1`, kind, filename, by).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, storeErr("demo: last import", err)
	}
	f, err := NewImportStore(pool, nil).File(ctx, id)
	if err != nil {
		if _, ok := apperr.As(err); ok { // the file is gone (retention): load again
			return false, nil
		}
		return false, err
	}
	if f.Size() != int64(len(content)) {
		return false, nil
	}
	stored, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	if err != nil {
		return false, storeErr("demo: read import file", err)
	}
	return bytes.Equal(stored, content), nil
}

// DemoSchulwechsel counts the changes of school that `by` reported.
func DemoSchulwechsel(ctx context.Context, pool *pgxpool.Pool, by string) (int, error) {
	var n int
	err := pool.QueryRow(ctx, `SELECT count(*) FROM schulwechsel WHERE created_by = $1`, by).Scan(&n)
	return n, storeErr("demo: count Schulwechsel", err)
}

// DemoAbgleiche counts the Schulpflicht reconciliations ever started.
func DemoAbgleiche(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	var n int
	err := pool.QueryRow(ctx, `SELECT count(*) FROM abgleiche`).Scan(&n)
	return n, storeErr("demo: count Abgleiche", err)
}

// DemoNutzer is who the demo city's imports, reports and runs are by.
const DemoNutzer = "seed-demo"

// DemoOptionen is what loading the demo city needs besides the database:
// the gateway's settings and the readers and writers of other adapters.
type DemoOptionen struct {
	// Open reads the lists as uploads are read (sheets.Uploads.Open).
	Open Opener
	// Encode writes a change of school as an XSchule message.
	Encode            func(*schulwechsel.Schulwechsel) ([]byte, error)
	Pseudonymizer     einschulung.Pseudonymizer
	Einschulung       einschulung.Regel
	Schulpflicht      schulpflicht.Konfiguration
	SchulpflichtJahre int
	SchulwechselFrist int
	ImportMaxBytes    int
	// Now picks the school year; the demo city is that of the school year
	// containing it.
	Now time.Time
}

// DemoErgebnis says what SeedDemo loaded and what it changed.
type DemoErgebnis struct {
	Stadt demo.Stadt
	// Listen, Meldungen, Wechsel: how many lists were imported, Meldungen
	// stored anew, changes of school reported by this run.
	Listen, Meldungen, Wechsel int
	// Abgleich is the outcome of the reconciliation this run made; nil
	// when there was one already.
	Abgleich *schulpflicht.Anzahl
	// Frueheres: the database holds the city of another school year than
	// the current one, and keeps it (Stadt is that city).
	Frueheres bool
}

// Geaendert reports whether the run changed anything.
func (e DemoErgebnis) Geaendert() bool {
	return e.Listen+e.Meldungen+e.Wechsel > 0 || e.Abgleich != nil
}

// SeedDemo loads the demo city Musterstadt (internal/demo) through the
// gateway's own services, as real data arrives: the schools through the
// school service, every list through the import Processor as an upload
// (the way the CLI's import runs one), the Einschulung's Meldungen through
// its service with the school office's rights, the changes of school as
// XSchule messages through theirs, and one Schulpflicht reconciliation
// through the Schulpflicht service. What is loaded already is left alone:
// a list seed-demo imported with the same content is not imported again,
// a Meldung equal to the stored one changes nothing, changes of school and
// the reconciliation are made once. So a second run changes nothing.
func SeedDemo(ctx context.Context, pool *pgxpool.Pool, o DemoOptionen) (DemoErgebnis, error) {
	schulen := schule.NewService(NewSchulenStore(pool, nil))
	for _, s := range demo.Schulen() {
		if _, _, err := schulen.Put(ctx, s.Schulnummer, s); err != nil {
			return DemoErgebnis{}, fmt.Errorf("Schule %s: %w", s.Schulnummer, demoFehler(err))
		}
	}
	// A database holding the city of an earlier school year keeps it:
	// loading another year's city over it would move every child away
	// and bring in new ones.
	sj := werte.SchuljahrAt(o.Now).StartYear()
	var e DemoErgebnis
	var frueher string
	err := pool.QueryRow(ctx, `SELECT filename FROM imports WHERE kind = 'melderegister' AND created_by = $1 AND status = 'succeeded'
		AND NOT dry_run AND undone_at IS NULL ORDER BY created_at DESC LIMIT 1`, DemoNutzer).Scan(&frueher)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return e, storeErr("demo: school year loaded", err)
	}
	if y, ok := demo.SchuljahrDerListe(frueher); ok && y != sj {
		sj, e.Frueheres = y, true
	}
	e.Stadt = demo.Erzeuge(sj)
	stadt := e.Stadt

	store := NewImportStore(pool, o.Pseudonymizer.ID)
	imports := importing.NewService(store, importing.Limits{MaxBytes: o.ImportMaxBytes})
	proc := NewProcessor(store, o.Open)
	for _, l := range stadt.Listen() {
		geladen, err := DemoListeGeladen(ctx, pool, l.Kind, l.Dateiname, DemoNutzer, l.Inhalt)
		if err != nil {
			return e, err
		}
		if geladen {
			continue
		}
		// As the CLI's import does: stored as running, processed here.
		imp, err := imports.Submit(ctx, importing.Request{Kind: string(l.Kind), OnError: l.OnError, Filename: l.Dateiname, CreatedBy: DemoNutzer, RunHere: true},
			bytes.NewReader(l.Inhalt))
		if err != nil {
			return e, fmt.Errorf("%s: %w", l.Dateiname, demoFehler(err))
		}
		if err := proc.Process(ctx, imp.ID, nil); err != nil {
			return e, fmt.Errorf("%s: %w", l.Dateiname, err)
		}
		if imp, err = store.Get(ctx, imp.ID); err != nil {
			return e, err
		}
		if imp.Status != importing.StatusSucceeded {
			return e, fmt.Errorf("%s: Import %s %s: %s", l.Dateiname, imp.ID, imp.Status, imp.Detail)
		}
		e.Listen++
	}

	es := einschulung.NewService(NewEinschulungStore(pool), NewSchulbezirkStore(pool, nil), schulen, o.Einschulung, o.Pseudonymizer)
	for _, m := range stadt.Meldungen {
		k := stadt.Kinder[m.Kind]
		in := einschulung.Eingabe{Typ: string(m.Typ), Schulnummer: m.Schulnummer, Art: string(m.Art), Entscheidung: string(m.Entscheidung)}
		if m.PerPerson {
			in.Person = &einschulung.PersonEingabe{Familienname: k.Familienname, Vornamen: k.Vornamen, Geburtsdatum: k.Geburtsdatum.Format(time.DateOnly)}
		} else {
			in.KindID = o.Pseudonymizer.ID(k.Schluessel())
		}
		r, err := es.Melde(ctx, werte.NewSchuljahr(m.Schuljahr), in, true)
		if err != nil {
			// The register's id, never the name.
			return e, fmt.Errorf("Meldung %s zur Einschulung %s (Ordnungsmerkmal %s): %w", m.Typ, werte.NewSchuljahr(m.Schuljahr), k.Ordnungsmerkmal, demoFehler(err))
		}
		if r.Neu {
			e.Meldungen++
		}
	}

	n, err := DemoSchulwechsel(ctx, pool, DemoNutzer)
	if err != nil {
		return e, err
	}
	if n == 0 {
		sw := schulwechsel.NewService(NewSchulwechselStore(pool), o.SchulwechselFrist)
		for _, w := range stadt.Wechsel {
			msg, err := o.Encode(w)
			if err != nil {
				return e, fmt.Errorf("Schulwechsel: %w", demoFehler(err))
			}
			if _, err := sw.Create(ctx, w, schulwechsel.Eingang{Format: schulwechsel.FormatXML, Nachricht: msg, CreatedBy: DemoNutzer}); err != nil {
				return e, fmt.Errorf("Schulwechsel: %w", demoFehler(err))
			}
			e.Wechsel++
		}
	}

	if n, err = DemoAbgleiche(ctx, pool); err != nil || n > 0 {
		return e, err
	}
	stichtag := stadt.Stichtag
	if heute := o.Now.UTC().Truncate(24 * time.Hour); heute.Before(stichtag) {
		stichtag = heute
	}
	spStore := NewSchulpflichtStore(pool)
	sp := schulpflicht.NewService(spStore, schulpflicht.Spanne{Regel: o.Einschulung, Jahre: o.SchulpflichtJahre}, o.Schulpflicht, nil)
	a, err := sp.Starte(ctx, stichtag.Format(time.DateOnly), DemoNutzer, false)
	if err != nil {
		return e, fmt.Errorf("Schulpflicht-Abgleich: %w", demoFehler(err))
	}
	// Run here as the gateway's worker runs a queued one: claimed, leased,
	// audited. (A gateway running meanwhile may claim it first; then it
	// runs there.)
	w := NewAbgleichWorker(spStore, sp.Run, slog.New(slog.DiscardHandler))
	if l, ok, err := w.queue.claim(ctx, w.MaxAttempts); err != nil {
		return e, err
	} else if ok {
		w.process(withLease(ctx, l), l.id)
	}
	if a, err = sp.Abgleich(ctx, a.ID); err != nil {
		return e, err
	}
	if a.Status == schulpflicht.StatusFailed {
		return e, fmt.Errorf("Schulpflicht-Abgleich: %s", a.Detail)
	}
	x := a.Anzahl
	e.Abgleich = &x
	return e, nil
}

// demoFehler spells out the fields of a refusal: loading the demo city
// fails only on a fault in the demo data, which these name.
func demoFehler(err error) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Pointer + ": " + f.Message
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(msgs, "; "))
}
