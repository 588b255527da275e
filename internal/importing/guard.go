package importing

import (
	"fmt"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/werte"
)

// CodeZuVieleEntfernungen marks a snapshot list that would remove more
// records than allowed without a confirmation of that exact number.
const CodeZuVieleEntfernungen = "zu_viele_entfernungen"

// CodeSchuleFremd marks a pupil row of another school than the one the
// list was uploaded for.
const CodeSchuleFremd = "schule_fremd"

// CodeZuordnungMehrdeutig marks a row that fits more than one stored
// record (same name and birth date, no id to tell them apart).
const CodeZuordnungMehrdeutig = "zuordnung_mehrdeutig"

// DefaultMaxRemovalShare is the share of the records in a list's scope
// that a commit may remove without a confirmation
// (IMPORT_MAX_REMOVAL_SHARE).
const DefaultMaxRemovalShare = 0.05

// RemovalScope is a part of the stored records a snapshot list covers
// (all children of the register; the pupils of one school), with how many
// of them it would remove.
type RemovalScope struct {
	Schulnummer string // "" : the kind's records as a whole
	Total       int    // active records in the scope before the import
	Removed     int
}

// Plan is what the storage computed for one import: the counts, the
// scopes and what it could not tell. Decide says what becomes of it.
type Plan struct {
	Import Import
	Counts Counts
	Scopes []RemovalScope
	// Unidentified counts faulty rows whose record cannot be told (no
	// Ordnungsmerkmal and a broken name or birth date): any stored record
	// might be the one they mean.
	Unidentified int
	// Refused counts rows that refuse the list as a whole whatever
	// on_error says (a directory giving one address to two schools).
	Refused int
	// NotDelivered are the labels of fields without a column: their
	// stored values stay as they are.
	NotDelivered []string
	// Schulen are the schools a pupil list changes.
	Schulen         []string
	ProblemsDropped int
	// MaxRemovalShare: more removed than this share of a scope's records
	// needs a confirmation (nil: DefaultMaxRemovalShare; 0: any removal).
	MaxRemovalShare *float64
}

// Decision is what becomes of a planned import.
type Decision struct {
	// Apply: write the changes (never for a dry run).
	Apply  bool
	Status Status
	// RemovalsToConfirm is the number to confirm with confirm_removals
	// (0: no confirmation needed, or given and matching).
	RemovalsToConfirm int
	Summary           string
	// Problems are the list-wide problems to keep with the import.
	Problems []StoredProblem
}

// Decide applies the rules of issue 14 to a plan: rows in error refuse a
// list with on_error=reject; a snapshot that would remove more than the
// allowed share of a scope, or anything while it has no data row or rows
// whose record is unknown, is applied only with the exact number
// confirmed; a confirmation of another number refuses the list (it was
// meant for another file or another stored state).
func Decide(p Plan) Decision {
	share := DefaultMaxRemovalShare
	if p.MaxRemovalShare != nil {
		share = *p.MaxRemovalShare
	}
	imp, c := p.Import, p.Counts
	faulty := imp.OnError == OnErrorReject && c.Invalid > 0 || p.Refused > 0

	var reasons []string
	if c.Removed > 0 {
		if c.Valid == 0 {
			reasons = append(reasons, "Die Liste enthält keine gültige Datenzeile.")
		}
		for _, s := range p.Scopes {
			if s.Removed > 0 && float64(s.Removed) > share*float64(s.Total) {
				reasons = append(reasons, removalPhrase(imp.Listenart, s)+".")
			}
		}
		if p.Unidentified > 0 {
			reasons = append(reasons, fmt.Sprintf("%d fehlerhafte Zeilen lassen sich keinem gespeicherten Datensatz zuordnen; ohne Bestätigung wird niemand entfernt, den sie meinen könnten.", p.Unidentified))
		}
	}
	d := Decision{Status: StatusSucceeded}
	var problem string
	switch {
	case imp.ConfirmRemovals != nil && *imp.ConfirmRemovals != c.Removed:
		problem = fmt.Sprintf("Bestätigt wurden %d Entfernungen, diese Liste würde aber %s. Es wurde nichts geschrieben. Bitte prüfen, ob es die richtige Datei ist; wenn ja, mit genau dieser Zahl erneut hochladen (confirm_removals=%d).",
			*imp.ConfirmRemovals, removalTotal(imp.Listenart, c.Removed), c.Removed)
	case len(reasons) > 0 && imp.ConfirmRemovals == nil:
		problem = fmt.Sprintf("%s Ohne Bestätigung wird das nicht übernommen: Bitte prüfen, ob die Liste vollständig ist. Wenn ja, erneut hochladen und genau diese Zahl bestätigen (confirm_removals=%d).",
			strings.Join(reasons, " "), c.Removed)
	}
	if problem != "" {
		d.RemovalsToConfirm = c.Removed
		d.Problems = append(d.Problems, StoredProblem{Row: 0, Column: -1, Code: CodeZuVieleEntfernungen, Message: problem})
	}
	rejected := faulty || d.RemovalsToConfirm > 0 && !imp.DryRun
	if rejected {
		d.Status = StatusRejected
	}
	d.Apply = !imp.DryRun && !rejected
	d.Summary = summary(p, faulty, d.RemovalsToConfirm, problem)
	return d
}

// removalPhrase says what a list would do to one scope: "Diese Liste
// würde 400 von 400 Kindern als weggezogen markieren".
func removalPhrase(k Listenart, s RemovalScope) string {
	switch k {
	case ListeMelderegister:
		return fmt.Sprintf("Diese Liste würde %d von %d Kindern als weggezogen markieren", s.Removed, s.Total)
	case ListeSchueler:
		return fmt.Sprintf("Diese Liste würde %d von %d Schülerinnen und Schülern der Schule %s als abgegangen markieren", s.Removed, s.Total, s.Schulnummer)
	case ListeSchulbezirke:
		return fmt.Sprintf("Diese Liste würde %d von %d Regeln des Straßenverzeichnisses löschen", s.Removed, s.Total)
	}
	return fmt.Sprintf("Diese Liste würde %d von %d gespeicherten Einträgen in ihrem Bereich löschen", s.Removed, s.Total)
}

// removalTotal names n removals of kind k: "3 Kinder als weggezogen markieren".
func removalTotal(k Listenart, n int) string {
	switch k {
	case ListeMelderegister:
		return fmt.Sprintf("%d Kinder als weggezogen markieren", n)
	case ListeSchueler:
		return fmt.Sprintf("%d Schülerinnen und Schüler als abgegangen markieren", n)
	case ListeSchulbezirke:
		return fmt.Sprintf("%d Regeln des Straßenverzeichnisses löschen", n)
	}
	return fmt.Sprintf("%d gespeicherte Einträge löschen", n)
}

// RemovalMeaning says in German what a removal does to a record of kind
// k ("als weggezogen markiert"), for pages and the CLI.
func RemovalMeaning(k Listenart) string {
	switch k {
	case ListeMelderegister:
		return "als weggezogen markiert"
	case ListeSchueler:
		return "als abgegangen markiert"
	}
	return "gelöscht"
}

func summary(p Plan, faulty bool, confirm int, problem string) string {
	imp, c := p.Import, p.Counts
	var b strings.Builder
	switch {
	case faulty && imp.DryRun:
		fmt.Fprintf(&b, "Probelauf: %d von %d Zeilen sind fehlerhaft; so würde der Import abgelehnt und nichts geschrieben.", c.Invalid, c.Rows)
	case faulty:
		fmt.Fprintf(&b, "Abgelehnt: %d von %d Zeilen sind fehlerhaft. Es wurde nichts geschrieben. Bitte die Fehler korrigieren und die Datei erneut hochladen.", c.Invalid, c.Rows)
	case confirm > 0 && imp.DryRun:
		fmt.Fprintf(&b, "Probelauf mit Warnung: %d neu, %d geändert, %d unverändert, %d entfernt würden sich ergeben; %d Zeilen fehlerhaft. Es wurde nichts geschrieben.", c.Created, c.Updated, c.Unchanged, c.Removed, c.Invalid)
	case confirm > 0:
		fmt.Fprintf(&b, "Abgelehnt: Die Liste würde %s. Es wurde nichts geschrieben.", removalTotal(imp.Listenart, c.Removed))
	case imp.DryRun:
		fmt.Fprintf(&b, "Probelauf: %d neu, %d geändert, %d unverändert, %d entfernt würden sich ergeben; %d Zeilen fehlerhaft. Es wurde nichts geschrieben.", c.Created, c.Updated, c.Unchanged, c.Removed, c.Invalid)
	case c.Created+c.Updated+c.Removed == 0 && c.Invalid == 0:
		fmt.Fprintf(&b, "Keine Änderung: alle %d Zeilen entsprechen dem gespeicherten Stand.", c.Unchanged)
	default:
		fmt.Fprintf(&b, "%d neu, %d geändert, %d unverändert, %d entfernt, %d fehlerhaft.", c.Created, c.Updated, c.Unchanged, c.Removed, c.Invalid)
	}
	if problem != "" && !faulty {
		b.WriteString(" " + problem)
	}
	if c.AuskunftssperreAufgehoben > 0 || c.AuskunftssperreNeu > 0 {
		fmt.Fprintf(&b, " Auskunftssperren: %d aufgehoben, %d neu.", c.AuskunftssperreAufgehoben, c.AuskunftssperreNeu)
	}
	if len(p.Schulen) > 0 {
		fmt.Fprintf(&b, " Die Liste betrifft die Schule(n) %s.", strings.Join(p.Schulen, ", "))
	}
	if len(p.NotDelivered) > 0 {
		fmt.Fprintf(&b, " Nicht geliefert – bleiben unverändert: %s.", strings.Join(p.NotDelivered, ", "))
	}
	if p.ProblemsDropped > 0 {
		fmt.Fprintf(&b, " Weitere %d Fehler wurden gezählt, aber nicht einzeln gespeichert.", p.ProblemsDropped)
	}
	return b.String()
}

// Personenschluessel is the folded name and birth date a person is found
// by when no id is given: "p:mueller|lena|2020-04-03", as in the
// register's key of a child without Ordnungsmerkmal.
func Personenschluessel(familienname, vornamen string, geburtsdatum time.Time) string {
	return "p:" + werte.Personenschluessel(familienname, vornamen, geburtsdatum)
}

// Identity is how a row of a list of people is told apart from others:
// its natural key, the id the list gives (Ordnungsmerkmal, Schülernummer)
// and its folded name and birth date.
type Identity struct {
	Key    string
	ID     string // "" when the row gives none
	Person string // "" when name or birth date is missing
	// Known: the row names its record at all (a faulty row may not).
	Known bool
}

// RowIdentity is the identity of a row of kind k, also of a faulty one:
// its key is known when the cells the key is made of are all readable.
// raw holds the cells as found: a cell with text but no value is broken.
func RowIdentity(k Listenart, values *Values, raw *Texts) Identity {
	has := values.Has
	broken := func(f string) bool { return !has(f) && raw.Get(f) != "" }
	id := Identity{Key: Schluessel(k, values)}
	if has("familienname") && has("vornamen") && has("geburtsdatum") {
		id.Person = "p:" + personKey(values)
	}
	switch k {
	case ListeMelderegister:
		id.ID = str(values.Get("ordnungsmerkmal"))
		id.Known = id.ID != "" || id.Person != "" && !broken("ordnungsmerkmal")
	case ListeSchueler:
		id.ID = str(values.Get("schuelernummer"))
		id.Known = has("schulnummer") && (id.ID != "" || id.Person != "" && !broken("schuelernummer"))
	case ListeSchuelerzahlen:
		id.Known = has("schulnummer") && has("schuljahr") && has("jahrgangsstufe")
	case ListeBevoelkerung:
		sa, isAngabe := values.Get("schulnummer").(Schulangabe)
		id.Known = has("schulnummer") && has("schuljahr") && (!isAngabe || sa.Schulnummer != "")
	case ListeSchulbezirke:
		id.Known = has("strasse")
		for _, f := range []string{"hausnummer_von", "hausnummer_bis", "paritaet", "zusatz_von", "zusatz_bis", "plz", "ortsteil", "gueltig_ab"} {
			if broken(f) {
				id.Known = false
			}
		}
	default:
		id.Known = id.Key != ""
	}
	return id
}

// CodeZeileDoppelt marks a later row naming a record an earlier row of
// the list names already.
const CodeZeileDoppelt = "zeile_doppelt"

// ProblemDoppelt is the problem of a row whose record already stands in
// row first of the list: the first row counts, staff decide which is right.
func ProblemDoppelt(sheet string, row, first int) StoredProblem {
	return StoredProblem{Sheet: sheet, Row: row, Column: -1, Code: CodeZeileDoppelt,
		Message: fmt.Sprintf("Dieser Datensatz steht schon in Zeile %d. Bitte eine der beiden Zeilen löschen oder korrigieren.", first)}
}

// ProblemMehrdeutig is the problem of a row of kind k that fits several
// stored records (same name and birth date, no id in the row or in the
// records); field is the id the row should have given. Never a guess.
func ProblemMehrdeutig(k Listenart, sheet string, row, candidates int, field string) StoredProblem {
	what, how := "gespeicherte Kinder", "ohne Ordnungsmerkmal"
	if k == ListeSchueler {
		what, how = "gespeicherte Schülerinnen oder Schüler dieser Schule", "ohne Schülernummer"
	}
	return StoredProblem{Sheet: sheet, Row: row, Column: -1, Field: field, Code: CodeZuordnungMehrdeutig,
		Message: fmt.Sprintf("Zu dieser Zeile passen %d %s (gleicher Name, gleiches Geburtsdatum); welche gemeint ist, lässt sich %s nicht sagen. Die Zeile wird nicht übernommen, die gespeicherten bleiben unverändert. Bitte die Kennung in der Liste mitliefern.", candidates, what, how)}
}
