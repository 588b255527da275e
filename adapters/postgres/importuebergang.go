package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// An application list (kind uebergang) does not fit the table kinds
// (kindSpec): a row's record is keyed by the register child it names,
// which only matching against another table (kinder) tells, and the
// Übergang has its own rules (wished schools that take Schuljahrgang 5,
// siblings only at a wished school). So each row goes through the
// Übergang service, in the import's transaction: the same checks and the
// same register matching as POST …/anmeldungen, errors at their cells.
//
// A list adds and replaces applications; it never removes one it does not
// name (no removal, so the guard has nothing to confirm). It cannot be
// undone (ImportStore.Undo): an allocation run may already have used it.

// uebergangFeld maps the pointer of an application's field error to the
// field (and so the column) of the list.
func uebergangFeld(pointer string) string {
	switch {
	case strings.HasPrefix(pointer, "/wuensche/"):
		n, err := strconv.Atoi(strings.TrimPrefix(pointer, "/wuensche/"))
		if err == nil && n >= 0 && n < uebergang.MaxWuensche {
			return fmt.Sprintf("wunsch_%d", n+1)
		}
		return "wunsch_1"
	case pointer == "/wuensche":
		return "wunsch_1"
	case strings.HasPrefix(pointer, "/geschwister"):
		return "geschwister"
	}
	return strings.TrimPrefix(pointer, "/")
}

var geschwisterTrenner = regexp.MustCompile(`[\s,;/+]+`)

// uebergangSchuljahr is the school year a row applies for: its own cell,
// else the school year that begins on the next 1 August after the upload
// (applications are made in spring for the coming school year).
func uebergangSchuljahr(rec importing.Record, hochgeladen time.Time) werte.Schuljahr {
	if sj, ok := rec.Values.Get("schuljahr").(werte.Schuljahr); ok && !sj.IsZero() {
		return sj
	}
	y := hochgeladen.Year()
	if !hochgeladen.Before(time.Date(y, time.August, 1, 0, 0, 0, 0, hochgeladen.Location())) {
		y++
	}
	return werte.NewSchuljahr(y)
}

// uebergangAntrag makes the application of a row; a Geschwister cell that
// names no school is a problem of its cell.
func uebergangAntrag(rec importing.Record) (uebergang.Antrag, *importing.StoredProblem) {
	s := func(f string) string { v, _ := rec.Values.Get(f).(string); return v }
	a := uebergang.Antrag{Ordnungsmerkmal: s("ordnungsmerkmal"), Familienname: s("familienname"), Vornamen: s("vornamen"),
		Grundschule: s("grundschule")}
	if d, ok := rec.Values.Get("geburtsdatum").(time.Time); ok {
		a.Geburtsdatum = d.Format(time.DateOnly)
	}
	for i := 1; i <= uebergang.MaxWuensche; i++ {
		if w := s(fmt.Sprintf("wunsch_%d", i)); w != "" {
			a.Wuensche = append(a.Wuensche, w)
		}
	}
	a.Haertefall, _ = rec.Values.Get("haertefall").(bool)
	for _, g := range geschwisterTrenner.Split(strings.TrimSpace(s("geschwister")), -1) {
		switch {
		case g == "" || strings.EqualFold(g, "nein"):
		case strings.Trim(g, "0123456789") == "":
			a.Geschwister = append(a.Geschwister, g)
		default:
			return a, &importing.StoredProblem{Field: "geschwister", Code: "geschwister_ohne_schule",
				Message: fmt.Sprintf("„%s“ ist keine Schulnummer. Bitte die Schulnummer der gewünschten Schule angeben, die ein Geschwisterkind besucht (mehrere durch Komma getrennt), sonst leer lassen.", g)}
		}
	}
	return a, nil
}

// processUebergang reads an application list and stores its applications
// (see above), ending the import as the table kinds do.
func (p *Processor) processUebergang(ctx context.Context, imp importing.Import, src importing.Source, mapping importing.Mapping,
	report func(int)) error {
	pool := p.store.pool
	svc := uebergang.NewService(NewUebergangStore(pool), NewSchulenStore(pool, nil), 0)
	return inTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('schulgateway-import-' || $1))", imp.Listenart); err != nil {
			return err
		}
		// What a row asks for, taken while reading (Run reuses a record's
		// values for the next row).
		type gelesen struct {
			sheet string
			row   int
			a     uebergang.Antrag
			sj    werte.Schuljahr
			pr    *importing.StoredProblem
		}
		var recs []gelesen
		out, err := importing.Run(ctx, src, importing.Options{Listenart: imp.Listenart, Sheet: imp.Sheet, Mapping: mapping, Progress: report},
			func(rec importing.Record) error {
				a, pr := uebergangAntrag(rec)
				recs = append(recs, gelesen{rec.Sheet, rec.RowNumber, a, uebergangSchuljahr(rec, imp.CreatedAt), pr})
				return nil
			})
		var fileErr *importing.FileError
		if errors.As(err, &fileErr) {
			return fileErr
		}
		if err != nil {
			return err
		}
		problems, dropped := out.Problems, out.ProblemsDropped
		add := func(pr importing.StoredProblem) {
			if len(problems) >= importing.DefaultMaxProblems {
				dropped++
				return
			}
			problems = append(problems, pr)
		}
		counts := importing.Counts{Rows: out.Rows, Valid: out.Valid, Invalid: out.Invalid}
		spalte := func(field string) int {
			if c, ok := out.Header.Columns[field]; ok {
				return c
			}
			return -1
		}
		txctx := context.WithValue(ctx, txKey{}, tx)
		pruefe, err := svc.Pruefer(txctx)
		if err != nil {
			return err
		}
		type zeile struct {
			row int
			g   uebergang.Gespeichert
		}
		var gut []zeile
		erste := map[string]int{} // school year and child → first row
		for _, rec := range recs {
			fehler := func(pr importing.StoredProblem) {
				pr.Sheet, pr.Row, pr.Column = rec.sheet, rec.row, spalte(pr.Field)
				add(pr)
			}
			if rec.pr != nil {
				fehler(*rec.pr)
				counts.Valid, counts.Invalid = counts.Valid-1, counts.Invalid+1
				continue
			}
			g, err := pruefe(txctx, rec.sj, rec.a)
			if e, ok := apperr.As(err); ok && e.Class == apperr.ClassInvalid {
				for _, f := range e.Fields {
					fehler(importing.StoredProblem{Field: uebergangFeld(f.Pointer), Code: f.Code, Message: f.Message})
				}
				counts.Valid, counts.Invalid = counts.Valid-1, counts.Invalid+1
				continue
			}
			if err != nil {
				return err
			}
			key := g.Schuljahr.String() + "/" + g.Kind.Schluessel
			if first, ok := erste[key]; ok {
				fehler(importing.StoredProblem{Field: "familienname", Code: "zeile_doppelt",
					Message: fmt.Sprintf("Für dieses Kind steht schon in Zeile %d eine Anmeldung zum selben Schuljahr. Bitte eine der beiden Zeilen löschen oder korrigieren.", first)})
				counts.Valid, counts.Invalid = counts.Valid-1, counts.Invalid+1
				continue
			}
			erste[key] = rec.row
			gut = append(gut, zeile{rec.row, g})
		}
		// What each valid row does: a new application, a changed one, or
		// none (stored as it is; not written, so no run becomes stale).
		var neu []zeile
		for _, z := range gut {
			var alt uebergang.Gespeichert
			err := tx.QueryRow(ctx, `SELECT grundschule, wuensche, haertefall, geschwister FROM uebergang_anmeldungen WHERE schuljahr = $1 AND kind = $2`,
				z.g.Schuljahr.StartYear(), z.g.Kind.Schluessel).Scan(&alt.Grundschule, &alt.Anmeldung.Wuensche, &alt.Anmeldung.Haertefall, &alt.Anmeldung.Geschwister)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				counts.Created++
				neu = append(neu, z)
			case err != nil:
				return err
			case z.g.Gleich(alt):
				counts.Unchanged++
			default:
				counts.Updated++
				neu = append(neu, z)
			}
		}
		// An application is replaced as a whole: no field keeps a stored
		// value, so nothing is "not delivered".
		d := importing.Decide(importing.Plan{Import: imp, Counts: counts, ProblemsDropped: dropped, MaxRemovalShare: &p.MaxRemovalShare})
		if d.Apply {
			for _, z := range neu {
				if _, _, err := svc.Speichere(txctx, z.g); err != nil {
					return err
				}
			}
		}
		if err := storeProblems(ctx, tx, imp.ID, append(d.Problems, problems...)); err != nil {
			return err
		}
		audit.Count(ctx, counts.Rows)
		switch {
		case d.Status == importing.StatusRejected:
			audit.Ende(ctx, audit.Abgewiesen, "abgewiesen, nichts geschrieben")
		case imp.DryRun:
			audit.Ende(ctx, audit.Erledigt, "Probelauf, nichts geschrieben")
		default:
			audit.Ende(ctx, audit.Erledigt, fmt.Sprintf("neu %d, geändert %d, entfernt 0", counts.Created, counts.Updated))
		}
		countsJSON, _ := json.Marshal(counts)
		if err := fence(ctx, tx, "imports", imp.ID); err != nil {
			return err
		}
		// clock_timestamp(): the end, not the transaction's start (Finish).
		_, err = tx.Exec(ctx, `UPDATE imports SET status = $2, counts = $3, detail = $4, sheet_used = $5, header_row = $6, rows_read = $7,
			nicht_geliefert = $8, schulen = '{}', zu_bestaetigen = 0, finished_at = clock_timestamp(), lease_until = NULL WHERE id = $1`,
			imp.ID, d.Status, countsJSON, d.Summary, out.Sheet, out.HeaderRow, out.Rows, []string{})
		return err
	})
}

// processUebergangRun runs an application list: open the file, read it
// with the kind's mapping, match and store each row (processUebergang),
// and end the import.
func (p *Processor) processUebergangRun(ctx context.Context, imp importing.Import, file importing.File, progress func(rows int)) error {
	id := imp.ID
	src, err := p.open(ctx, file, imp.Filename)
	if err != nil {
		fe := &importing.FileError{Code: "datei_unlesbar", Message: "Die Datei konnte nicht gelesen werden."}
		errors.As(err, &fe)
		audit.Ende(ctx, audit.Gescheitert, "gescheitert")
		return p.store.fail(ctx, id, fe.Message, &importing.StoredProblem{Row: 0, Column: -1, Code: fe.Code, Message: fe.Message}, nil)
	}
	mapping, err := p.store.Mapping(ctx, imp.Listenart)
	if err != nil {
		return err
	}
	var lastProgress int
	report := func(rows int) {
		if progress != nil {
			progress(rows)
		}
		if rows != lastProgress {
			lastProgress = rows
			p.store.progress(ctx, id, rows)
		}
	}
	err = p.processUebergang(ctx, imp, src, mapping, report)
	var fe *importing.FileError
	if errors.As(err, &fe) {
		audit.Ende(ctx, audit.Gescheitert, "gescheitert")
		return p.store.fail(ctx, id, fe.Message, &importing.StoredProblem{Row: 0, Column: -1, Code: fe.Code, Message: fe.Message}, nil)
	}
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, errLeaseLost) {
			return err // shutting down, or taken over already: not this worker's any more
		}
		audit.Ende(ctx, audit.Gescheitert, "gescheitert")
		_ = p.store.fail(context.WithoutCancel(ctx), id, "Bei der Verarbeitung ist ein Fehler aufgetreten. Bitte erneut hochladen oder die Import-Kennung an den IT-Betrieb melden.", nil, nil)
		return fmt.Errorf("import %s: %w", id, err)
	}
	return nil
}
