package postgres

import (
	"cmp"
	"context"
	"slices"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
)

// SchulbezirkStore implements schulbezirk.Store and einschulung.Verzeichnis.
// With a Changes listener it keeps the compiled directory in memory (every
// address lookup needs it; it changes with an upload a few times a year)
// and drops it on any change of the rows or the schools in any instance.
type SchulbezirkStore struct {
	pool    *pgxpool.Pool
	changes *Changes
	cache   atomic.Pointer[bezirkCache]
}

type bezirkCache struct {
	gen   uint64
	index *schulbezirk.Index
}

// NewSchulbezirkStore returns a store; changes may be nil (no caching).
func NewSchulbezirkStore(pool *pgxpool.Pool, changes *Changes) *SchulbezirkStore {
	return &SchulbezirkStore{pool: pool, changes: changes}
}

// bezirksregelColumns reads a row of bezirksregeln r (with the school's
// name from schulen s and the sheet of the import that wrote it from
// imports i, bezirksregelnFrom) in the order scanBezirksregel expects.
// A record keeps only its row: an import reads one sheet (migration 0123).
const bezirksregelColumns = `r.id, r.strasse, coalesce(r.hausnummer_von, 0), coalesce(r.hausnummer_bis, 0), r.paritaet,
	r.zusatz_von, r.zusatz_bis, r.plz, r.ortsteil, r.schulnummer, coalesce(s.name, ''), coalesce(r.gueltig_ab, 0),
	coalesce(i.sheet_used, ''), coalesce(r.import_row, 0)`

// bezirksregelnFrom is what bezirksregelColumns reads from.
const bezirksregelnFrom = `bezirksregeln r LEFT JOIN schulen s USING (schulnummer) LEFT JOIN imports i ON i.id = r.import_id`

func scanBezirksregel(row pgx.CollectableRow) (schulbezirk.Regel, error) {
	var r schulbezirk.Regel
	err := row.Scan(&r.ID, &r.Strasse, &r.Von, &r.Bis, &r.Paritaet, &r.ZusatzVon, &r.ZusatzBis, &r.PLZ, &r.Ortsteil,
		&r.Schulnummer, &r.Schulname, &r.GueltigAb, &r.Tabelle, &r.Zeile)
	return r, err
}

// Index returns the compiled directory, every row of every validity.
// Tabelle and Zeile of a row are those of the upload that last wrote it.
func (s *SchulbezirkStore) Index(ctx context.Context) (*schulbezirk.Index, error) {
	gen, ok := s.changes.Generation()
	if ok {
		if c := s.cache.Load(); c != nil && c.gen == gen {
			return c.index, nil
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT `+bezirksregelColumns+` FROM `+bezirksregelnFrom+` ORDER BY r.id`)
	if err != nil {
		return nil, storeErr("load street directory", err)
	}
	regeln, err := pgx.CollectRows(rows, scanBezirksregel)
	if err != nil {
		return nil, storeErr("load street directory", err)
	}
	ix := schulbezirk.NewIndex(regeln)
	if ok {
		// Tagged with the generation read before the query: a change that
		// lands meanwhile moves the generation on and retires this entry.
		s.cache.Store(&bezirkCache{gen: gen, index: ix})
	}
	return ix, nil
}

// Einwohner returns the children the register lists as resident (see
// einschulung.Kind.Wohnt), by name.
func (s *SchulbezirkStore) Einwohner(ctx context.Context) ([]schulbezirk.Einwohner, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT familienname, vornamen, geburtsdatum, strasse, hausnummer, coalesce(plz, ''), coalesce(ortsteil, ''), auskunftssperre
		FROM kinder
		WHERE status = 'gemeldet' AND (wegzug IS NULL OR zuzug > wegzug)
		ORDER BY familienname, vornamen, geburtsdatum`)
	if err != nil {
		return nil, storeErr("load residents", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schulbezirk.Einwohner, error) {
		var e schulbezirk.Einwohner
		err := r.Scan(&e.Familienname, &e.Vornamen, &e.Geburtsdatum, &e.Adresse.Strasse, &e.Adresse.Hausnummer, &e.Adresse.PLZ, &e.Adresse.Ortsteil, &e.Auskunftssperre)
		return e, err
	})
	return list, storeErr("load residents", err)
}

// BezirksregelUeberschneidungen checks an uploaded street directory, staged
// in the temporary table stg of Processor.finish, for rows that give one
// address to two schools at the same specificity and validity
// (schulbezirk.Overlaps). It returns a problem at each row of each
// overlapping pair, naming both rows, and how many rows overlap. A
// directory with any must be refused as a whole, whatever on_error says.
// Processor.finish calls it for every upload of kind schulbezirke.
func BezirksregelUeberschneidungen(ctx context.Context, tx pgx.Tx) ([]importing.StoredProblem, int, error) {
	rows, err := tx.Query(ctx, `
		SELECT row, strasse, coalesce(hausnummer_von, 0), coalesce(hausnummer_bis, 0), paritaet, zusatz_von, zusatz_bis,
			plz, ortsteil, schulnummer, coalesce(gueltig_ab, 0), sheet
		FROM stg ORDER BY row`)
	if err != nil {
		return nil, 0, err
	}
	regeln, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schulbezirk.Regel, error) {
		var x schulbezirk.Regel
		err := r.Scan(&x.Zeile, &x.Strasse, &x.Von, &x.Bis, &x.Paritaet, &x.ZusatzVon, &x.ZusatzBis, &x.PLZ, &x.Ortsteil,
			&x.Schulnummer, &x.GueltigAb, &x.Tabelle)
		return x, err
	})
	if err != nil {
		return nil, 0, err
	}
	var problems []importing.StoredProblem
	betroffen := map[int]bool{}
	for _, o := range schulbezirk.Overlaps(regeln) {
		for _, r := range []schulbezirk.Regel{o.A, o.B} {
			problems = append(problems, importing.StoredProblem{Sheet: r.Tabelle, Row: r.Zeile, Column: -1,
				Code: "bezirk_ueberschneidung", Message: o.Message()})
			betroffen[r.Zeile] = true
		}
	}
	slices.SortStableFunc(problems, func(a, b importing.StoredProblem) int { return cmp.Compare(a.Row, b.Row) })
	return problems, len(betroffen), nil
}
