package postgres

import (
	"fmt"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// kindSpec says how the records of one list kind are stored: the table,
// the column that holds the natural key, the data columns an upload
// compares and writes, and what happens to stored records that a new list
// no longer contains.
type kindSpec struct {
	table  string
	keyCol string
	cols   []string
	values func(dst []any, v *importing.Values) []any // appends the values in cols order
	// removal: SQL run for each record missing from the list, as
	// "UPDATE t SET <removal>" or "" for none, or "DELETE".
	removal string
	// active limits which stored records a list is compared against for
	// removal (e.g. only children still registered).
	active string
	// scope further limits removal to what the list covers (a pupil list
	// covers its own schools only); it may refer to the staging table stg.
	scope string
	// feedEntity names the change-feed entity of the records, if the BMS
	// sees them ("" : not in the feed).
	feedEntity string
	// pseudonymous: the feed names records by the Processor's pseudonym of
	// their key, never by the key itself (children: the register's data).
	pseudonymous bool
	// pseudonymCol: the column that keeps a record's pseudonym (kinder,
	// migration 0095), written with the records an import creates, from the
	// same HMAC as their feed entries ("" : none).
	pseudonymCol string
	// bulk: into an empty table, the records are loaded with the indexes
	// that back no constraint dropped and built again afterwards, in the
	// import's transaction (Processor.bulkLoad; a large register).
	bulk bool
	// identity, for lists of people: how a row finds its stored record
	// whatever the shape of the list (with or without an id column).
	identity *identitySpec
	// sources names the fields a column is read from where they differ
	// from its name; a column with no source field (status) is always
	// delivered. A column none of whose fields has a column in the list
	// keeps its stored value.
	sources map[string][]string
	// keepIfNull: columns whose empty cell keeps the stored value (an
	// empty cell says neither yes nor no), with the value a new record
	// gets instead.
	keepIfNull map[string]string
	// scopeGroup groups the records of the removal scope for the snapshot
	// guard (a pupil list: per school); "" : one group.
	scopeGroup string
}

// identitySpec: a row is matched by the id column where both the row and
// the stored record have an id, else by personenschluessel (folded name
// and birth date), within the same value of the column within ("" : all).
type identitySpec struct {
	idCol  string
	within string
	// skip: stored records never found by name (anonymised ones).
	skip string
	// ownKey: the key (SQL over t) a record created from a row with its id
	// has; a record whose key differs got its id later.
	ownKey string
}

var kindSpecs = map[importing.Listenart]kindSpec{
	importing.ListeSchulen: {
		table: "schulen", keyCol: "schulnummer", feedEntity: changefeed.EntitySchule,
		cols: []string{"name", "schulform", "traeger", "strasse", "hausnummer", "plz", "ort", "zuege", "klassenfrequenz", "kapazitaet"},
		values: func(dst []any, v *importing.Values) []any {
			traeger := text(v.Get("traeger"))
			if traeger == "" {
				traeger = string(schule.Kommunal)
			}
			return append(dst, textValue(v.Get("name")), text(v.Get("schulform")), traeger, text(v.Get("strasse")), text(v.Get("hausnummer")),
				text(v.Get("plz")), text(v.Get("ort")), intOrNil(v.Get("zuege")), intOrNil(v.Get("klassenfrequenz")), intOrNil(v.Get("kapazitaet")))
		},
		// A list of schools is not the whole register: schools it does not
		// name stay as they are.
	},
	importing.ListeSchulbezirke: {
		table: "bezirksregeln", keyCol: "schluessel",
		cols: []string{"strasse", "hausnummer_von", "hausnummer_bis", "paritaet", "zusatz_von", "zusatz_bis", "plz", "ortsteil", "schulnummer", "gueltig_ab"},
		values: func(dst []any, v *importing.Values) []any {
			von, zv := hausnummer(v.Get("hausnummer_von"))
			bis, zb := hausnummer(v.Get("hausnummer_bis"))
			if z := text(v.Get("zusatz_von")); z != "" {
				zv = z
			}
			if z := text(v.Get("zusatz_bis")); z != "" {
				zb = z
			}
			paritaet := text(v.Get("paritaet"))
			if paritaet == "" {
				paritaet = "alle"
			}
			var ab any
			if sj, ok := v.Get("gueltig_ab").(werte.Schuljahr); ok && !sj.IsZero() {
				ab = sj.StartYear()
			}
			return append(dst, textValue(v.Get("strasse")), von, bis, paritaet, zv, zb, text(v.Get("plz")), text(v.Get("ortsteil")), text(v.Get("schulnummer")), ab)
		},
		// The directory is the Satzung's whole list: a rule it no longer
		// has is gone (and comes back if the import is undone).
		removal: "DELETE",
		sources: map[string][]string{"hausnummer_von": {"hausnummer_von"}, "zusatz_von": {"zusatz_von", "hausnummer_von"},
			"zusatz_bis": {"zusatz_bis", "hausnummer_bis"}},
	},
	importing.ListeMelderegister: {
		table: "kinder", keyCol: "schluessel",
		cols: []string{"ordnungsmerkmal", "familienname", "vornamen", "rufname", "geburtsdatum", "geschlecht", "strasse", "hausnummer",
			"plz", "ort", "ortsteil", "auskunftssperre", "zuzug", "wegzug", "sorgeberechtigte", "status"},
		values: func(dst []any, v *importing.Values) []any {
			f := &registerSlots
			sorge := text(v.At(f.sorgeberechtigte))
			if s2 := text(v.At(f.sorgeberechtigte2)); s2 != "" {
				sorge = strings.TrimPrefix(sorge+"; "+s2, "; ")
			}
			var sperre any // empty cell: keep what is stored
			if b, ok := v.At(f.auskunftssperre).(bool); ok {
				sperre = b
			}
			return append(dst, textOrNil(v.At(f.ordnungsmerkmal)), textValue(v.At(f.familienname)), textValue(v.At(f.vornamen)), textOrNil(v.At(f.rufname)),
				dateOrNil(v.At(f.geburtsdatum)), textOrNil(v.At(f.geschlecht)), textValue(v.At(f.strasse)), textValue(v.At(f.hausnummer)),
				textOrNil(v.At(f.plz)), textOrNil(v.At(f.ort)), textOrNil(v.At(f.ortsteil)), sperre, dateOrNil(v.At(f.zuzug)), dateOrNil(v.At(f.wegzug)),
				nilIfEmpty(sorge), "gemeldet")
		},
		// The register extract is a snapshot: a child it no longer lists
		// has moved away. Never deleted. For the BMS (the change feed) a
		// child that moved away is gone from the cohort: a tombstone.
		removal:    "status = 'weggezogen'",
		active:     "t.status = 'gemeldet'",
		feedEntity: changefeed.EntityKind, pseudonymous: true, pseudonymCol: "pseudonym", bulk: true,
		identity: &identitySpec{idCol: "ordnungsmerkmal", skip: "anonymisiert_am IS NOT NULL",
			ownKey: "'om:' || t.ordnungsmerkmal"},
		sources: map[string][]string{"sorgeberechtigte": {"sorgeberechtigte", "sorgeberechtigte_2"},
			"hausnummer": {"hausnummer", "zusatz"}, "status": nil},
		// An empty cell keeps an Auskunftssperre, and an id: an id is never
		// cleared by a list.
		keepIfNull: map[string]string{"auskunftssperre": "false", "ordnungsmerkmal": "NULL"},
	},
	importing.ListeSchueler: {
		table: "schueler", keyCol: "schluessel",
		cols: []string{"schulnummer", "schuelernummer", "familienname", "vornamen", "geburtsdatum", "geschlecht", "jahrgangsstufe",
			"klasse", "eintrittsdatum", "strasse", "hausnummer", "plz", "ort", "status"},
		values: func(dst []any, v *importing.Values) []any {
			return append(dst, textValue(v.Get("schulnummer")), textOrNil(v.Get("schuelernummer")), text(v.Get("familienname")), text(v.Get("vornamen")),
				dateOrNil(v.Get("geburtsdatum")), textOrNil(v.Get("geschlecht")), intOrNil(v.Get("jahrgangsstufe")), textOrNil(v.Get("klasse")),
				dateOrNil(v.Get("eintrittsdatum")), textOrNil(v.Get("strasse")), textOrNil(v.Get("hausnummer")), textOrNil(v.Get("plz")), textOrNil(v.Get("ort")), "aktiv")
		},
		// A school's list covers that school: its pupils missing from the
		// new list have left it.
		removal: "status = 'abgegangen'",
		active:  "t.status = 'aktiv'",
		// The schools the list is for (stg_scope: the upload's school, else
		// the schools its rows name).
		scope:      "t.schulnummer IN (SELECT schulnummer FROM stg_scope)",
		scopeGroup: "t.schulnummer",
		identity: &identitySpec{idCol: "schuelernummer", within: "schulnummer",
			ownKey: "t.schulnummer || '/sn:' || t.schuelernummer"},
		sources:    map[string][]string{"hausnummer": {"hausnummer", "zusatz"}, "status": nil},
		keepIfNull: map[string]string{"schuelernummer": "NULL"},
	},
	importing.ListeBestaetigungen: {
		table: "bestaetigungen", keyCol: "schluessel",
		cols: []string{"familienname", "vornamen", "geburtsdatum", "schulname", "schulnummer", "ort", "schuelernummer"},
		values: func(dst []any, v *importing.Values) []any {
			return append(dst, textValue(v.Get("familienname")), text(v.Get("vornamen")), dateOrNil(v.Get("geburtsdatum")), textOrNil(v.Get("schulname")),
				textOrNil(v.Get("schulnummer")), textOrNil(v.Get("ort")), textOrNil(v.Get("schuelernummer")))
		},
		// Each school outside sends confirmations of its own pupils: a
		// list adds and updates, it removes nobody.
	},
	importing.ListeSchuelerzahlen: {
		table: "planung_schuelerzahlen", keyCol: "schluessel",
		cols: []string{"schulnummer", "schuljahr", "jahrgangsstufe", "anzahl"},
		values: func(dst []any, v *importing.Values) []any {
			return append(dst, textValue(v.Get("schulnummer")), schuljahrOrNil(v.Get("schuljahr")), intOrNil(v.Get("jahrgangsstufe")), intOrNil(v.Get("anzahl")))
		},
		// A list gives the whole of each school year it names for each
		// school it names: a grade it no longer has is gone (undo brings it
		// back). Other schools and years stay.
		removal: "DELETE",
		scope:   "(t.schulnummer, t.schuljahr) IN (SELECT DISTINCT schulnummer, schuljahr FROM stg)",
	},
	importing.ListeBevoelkerung: {
		table: "planung_kohorten", keyCol: "schluessel",
		cols: []string{"schulnummer", "schuljahr", "anzahl"},
		values: func(dst []any, v *importing.Values) []any {
			return append(dst, textValue(v.Get("schulnummer")), schuljahrOrNil(v.Get("schuljahr")), intOrNil(v.Get("anzahl")))
		},
		// A list gives the city's figures for each year of entry it names:
		// a Bezirk missing from it for such a year loses its stored figure
		// (the count derived from the register applies again).
		removal: "DELETE",
		scope:   "t.schuljahr IN (SELECT DISTINCT schuljahr FROM stg)",
	},
}

// registerSlots are the slots of the register's fields its records are
// written from (importing.Slot), resolved once: they are read for every
// row of a register, a million in a large one, where a lookup by name
// was a tenth of writing a row (docs/performance.md, session 13).
var registerSlots = func() (f struct {
	ordnungsmerkmal, familienname, vornamen, rufname, geburtsdatum, geschlecht, strasse, hausnummer,
	plz, ort, ortsteil, auskunftssperre, zuzug, wegzug, sorgeberechtigte, sorgeberechtigte2 int
}) {
	slot := func(name string) int { return importing.Slot(importing.ListeMelderegister, name) }
	f.ordnungsmerkmal, f.familienname, f.vornamen, f.rufname = slot("ordnungsmerkmal"), slot("familienname"), slot("vornamen"), slot("rufname")
	f.geburtsdatum, f.geschlecht, f.strasse, f.hausnummer = slot("geburtsdatum"), slot("geschlecht"), slot("strasse"), slot("hausnummer")
	f.plz, f.ort, f.ortsteil, f.auskunftssperre = slot("plz"), slot("ort"), slot("ortsteil"), slot("auskunftssperre")
	f.zuzug, f.wegzug, f.sorgeberechtigte, f.sorgeberechtigte2 = slot("zuzug"), slot("wegzug"), slot("sorgeberechtigte"), slot("sorgeberechtigte_2")
	return f
}()

// delivered tells which of the spec's columns the list has a column for:
// a field the list does not have keeps its stored value.
func (spec kindSpec) delivered(kind importing.Listenart, h importing.HeaderMatch, uploadWide string) []bool {
	out := make([]bool, len(spec.cols))
	for i, c := range spec.cols {
		srcs, ok := spec.sources[c]
		if !ok {
			srcs = []string{c}
		}
		if ok && srcs == nil {
			out[i] = true
			continue
		}
		for _, f := range srcs {
			if _, has := h.Columns[f]; has {
				out[i] = true
			}
		}
		if kind == importing.ListeSchueler && c == "schulnummer" && uploadWide != "" {
			out[i] = true
		}
	}
	return out
}

// notDelivered are the labels of the fields whose stored columns the list
// leaves as they are.
func (spec kindSpec) notDelivered(kind importing.Listenart, delivered []bool) []string {
	labels := map[string]string{}
	for _, f := range importing.Fields(kind) {
		labels[f.Name] = f.Label
	}
	var out []string
	seen := map[string]bool{}
	for i, c := range spec.cols {
		if delivered[i] {
			continue
		}
		srcs, ok := spec.sources[c]
		if !ok {
			srcs = []string{c}
		}
		for _, f := range srcs[:min(1, len(srcs))] {
			if l, ok := labels[f]; ok && !seen[f] {
				seen[f] = true
				out = append(out, l)
			}
		}
	}
	return out
}

// notDeliveredFields are the names of the fields notDelivered lists.
func (spec kindSpec) notDeliveredFields(kind importing.Listenart, delivered []bool) []string {
	names := map[string]string{}
	for _, f := range importing.Fields(kind) {
		names[f.Label] = f.Name
	}
	out := []string{}
	for _, l := range spec.notDelivered(kind, delivered) {
		out = append(out, names[l])
	}
	return out
}

func schuljahrOrNil(v any) any {
	if sj, ok := v.(werte.Schuljahr); ok && !sj.IsZero() {
		return sj.StartYear()
	}
	return nil
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case importing.Schulangabe:
		return x.Schulnummer
	case importing.Geschlecht: // what fmt.Sprint gives, without fmt (a register has one in every row)
		return string(x)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// textValue is text(v) for a kind's list of values (every kind uses it
// there, with textOrNil): v itself when it is a
// string, not a new box of the same string (a register's million rows
// have ten million cells).
func textValue(v any) any {
	if _, ok := v.(string); ok {
		return v
	}
	return text(v)
}

// textOrNil is text(v), or nil for "": as textValue, a string keeps its box.
func textOrNil(v any) any {
	if s, ok := v.(string); ok && s != "" {
		return v
	}
	return nilIfEmpty(text(v))
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func intOrNil(v any) any {
	if i, ok := v.(int); ok {
		return i
	}
	return nil
}

func dateOrNil(v any) any {
	if t, ok := v.(time.Time); ok && !t.IsZero() {
		return t
	}
	return nil
}

// hausnummer splits a directory bound into its number and suffix.
func hausnummer(v any) (any, string) {
	h, ok := v.(werte.Hausnummer)
	if !ok || h.Nummer == 0 {
		return nil, ""
	}
	return h.Nummer, h.Zusatz
}
