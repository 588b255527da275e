package importing

import (
	"fmt"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/werte"
)

// Schluessel is the natural key a record of kind k is matched by when a
// list is uploaded again: the same key means the same record.
//   - schulen: the Schulnummer.
//   - melderegister: the register's Ordnungsmerkmal where delivered
//     ("om:…"), else family name, given names and birth date, folded so
//     that case and umlaut spellings do not matter ("p:…").
//   - schueler: the school, then the Schülernummer where known, else as
//     for the register.
//   - bestaetigungen: the school (number, else folded name), then as for
//     schueler.
//   - schuelerzahlen: school|first year of the Schuljahr|grade
//     ("20101|2024|3"); bevoelkerung: Bezirk's school|year of entry.
//   - schulbezirke: the rule's street (spellings folded), number range,
//     parity, suffix range, PLZ, Ortsteil and first Schuljahr.
func Schluessel(k Listenart, v *Values) string {
	switch k {
	case ListeSchulen:
		return str(v.Get("schulnummer"))
	case ListeMelderegister:
		if om := str(v.Get("ordnungsmerkmal")); om != "" {
			return "om:" + om
		}
		return "p:" + personKey(v)
	case ListeSchueler:
		school := str(v.Get("schulnummer"))
		if sn := str(v.Get("schuelernummer")); sn != "" {
			return school + "/sn:" + sn
		}
		return school + "/p:" + personKey(v)
	case ListeBestaetigungen:
		school := str(v.Get("schulnummer"))
		if school == "" {
			school = "n:" + foldLetters(str(v.Get("schulname")))
		}
		if sn := str(v.Get("schuelernummer")); sn != "" {
			return school + "/sn:" + sn
		}
		return school + "/p:" + personKey(v)
	case ListeSchuelerzahlen:
		return fmt.Sprintf("%s|%d|%s", str(v.Get("schulnummer")), startYear(v.Get("schuljahr")), str(v.Get("jahrgangsstufe")))
	case ListeBevoelkerung:
		return fmt.Sprintf("%s|%d", str(v.Get("schulnummer")), startYear(v.Get("schuljahr")))
	case ListeSchulbezirke:
		parts := []string{
			NormalizeHeader(str(v.Get("strasse"))),
			hausnummerKey(v.Get("hausnummer_von")), hausnummerKey(v.Get("hausnummer_bis")),
			str(v.Get("paritaet")), str(v.Get("zusatz_von")), str(v.Get("zusatz_bis")),
			str(v.Get("plz")), foldLetters(str(v.Get("ortsteil"))),
		}
		if sj, ok := v.Get("gueltig_ab").(werte.Schuljahr); ok && !sj.IsZero() {
			parts = append(parts, sj.String())
		} else {
			parts = append(parts, "")
		}
		return strings.Join(parts, "|")
	}
	return ""
}

func personKey(v *Values) string {
	d, _ := v.Get("geburtsdatum").(time.Time)
	return werte.Personenschluessel(str(v.Get("familienname")), str(v.Get("vornamen")), d)
}

func hausnummerKey(v any) string {
	h, ok := v.(werte.Hausnummer)
	if !ok || h.Nummer == 0 {
		return ""
	}
	return h.String()
}

// str renders the simple value types of Record.Values as text.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

func startYear(v any) int {
	if sj, ok := v.(werte.Schuljahr); ok {
		return sj.StartYear()
	}
	return 0
}
