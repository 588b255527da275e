package xschule

import (
	"strconv"
	"strings"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// domainPaths translates the JSON pointers of schulwechsel.Validate into
// XML paths. "*" in the pattern matches a 0-based index, "[*]" in the path
// receives it 1-based.
var domainPaths = []struct{ pattern, path string }{
	{"/dokument/sprache", rootPath + "/xbd:sprache"},
	{"/schueler/name/familienname", rootPath + "/xsc:schueler/xsc:nameNatuerlichePerson/xsc:familienname"},
	{"/schueler/name/vorname", rootPath + "/xsc:schueler/xsc:nameNatuerlichePerson/xsc:vorname"},
	{"/schueler/geburt/datum", rootPath + "/xsc:schueler/xsc:geburt/xsc:datum"},
	{"/sorgeberechtigte/*", rootPath + "/xsc:erziehungsberechtigter[*]/xsc:weitereDaten"},
	{"/sorgeberechtigte/*/art", rootPath + "/xsc:erziehungsberechtigter[*]/xsc:gesetzlicherVertreterSchluessel"},
	{"/aufnahme", rootPath + "/xsc:aufnehmendeSchule"},
	{"/aufnahme/schule", rootPath + "/xsc:aufnehmendeSchule/xsc:name"},
	{"/aufnahme/datum", rootPath + "/xsc:aufnehmendeSchule/xsc:aufnahme/xsc:datum"},
	{"/aufnahme/jahrgangsstufe", rootPath + "/xsc:aufnehmendeSchule/xsc:aufnahme/xsc:jahrgang"},
	{"/aufnahme/art", rootPath + "/xsc:aufnehmendeSchule/xsc:aufnahme/xsc:artDerSchulaufnahme"},
	{"/bisherigeSchule/zeitraum", rootPath + "/xsc:besuchteSchule/xsc:zeitraum"},
	{"/bisherigeSchule/zeitraum/ende", rootPath + "/xsc:besuchteSchule/xsc:zeitraum/xsc:ende"},
}

// xmlPath translates one domain pointer; ok is false if no pattern fits.
func xmlPath(ptr string) (string, bool) {
	segs := strings.Split(ptr, "/")
	for _, p := range domainPaths {
		pat := strings.Split(p.pattern, "/")
		if len(pat) != len(segs) {
			continue
		}
		path, match := p.path, true
		for i := range pat {
			if pat[i] == "*" {
				n, err := strconv.Atoi(segs[i])
				if err != nil || n < 0 {
					match = false
					break
				}
				path = strings.Replace(path, "[*]", "["+strconv.Itoa(n+1)+"]", 1)
			} else if pat[i] != segs[i] {
				match = false
				break
			}
		}
		if match {
			return path, true
		}
	}
	return "", false
}

// domainErrors runs the domain rules and gives their errors XML paths. An
// untranslatable pointer points at the root (tests keep the table
// complete).
func domainErrors(w *schulwechsel.Schulwechsel) []apperr.FieldError {
	e, ok := apperr.As(w.Validate())
	if !ok {
		return nil
	}
	out := make([]apperr.FieldError, 0, len(e.Fields))
	for _, f := range e.Fields {
		p, ok := xmlPath(f.Pointer)
		if !ok {
			p = rootPath
		}
		f.Pointer = p
		out = append(out, f)
	}
	return out
}
