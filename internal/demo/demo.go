// Package demo holds the demo data set: Musterstadt, a fictional city with
// its schools and the street directory of its Grundschulbezirke. Every name
// and number here is invented; it matches the sample lists in shared/samples.
package demo

import "github.com/schulgateway/schulgateway/internal/schule"

func n(i int) *int { return &i }

// Schulen returns the demo schools: seven Grundschulen (one of them free),
// two Sekundarschulen and one Gymnasium.
func Schulen() []schule.Schule {
	gs := func(nr, name, strasse, hnr string, zuege int) schule.Schule {
		return schule.Schule{Schulnummer: nr, Name: name, Schulform: schule.Grundschule, Traeger: schule.Kommunal,
			Strasse: strasse, Hausnummer: hnr, PLZ: "06108", Ort: "Musterstadt", Zuege: n(zuege), Klassenfrequenz: n(24), Kapazitaet: n(zuege * 4 * 24)}
	}
	list := []schule.Schule{
		gs("20101", "Grundschule Am Anger", "Am Anger", "3", 2),
		gs("20102", "Grundschule Rosenweg", "Rosenweg", "12", 2),
		gs("20103", "Grundschule Mühlenviertel", "Mühlenstraße", "20", 2),
		gs("20104", "Grundschule Lindenplatz", "Lindenplatz", "1", 3),
		gs("20105", "Grundschule Am Stadtpark", "Parkallee", "8", 2),
		gs("20106", "Grundschule Heide-Süd", "Heideweg", "44", 1),
		{Schulnummer: "20107", Name: "Freie Grundschule Regenbogen", Schulform: schule.Grundschule, Traeger: schule.Frei,
			Strasse: "Kirchgasse", Hausnummer: "5", PLZ: "06108", Ort: "Musterstadt", Zuege: n(1), Klassenfrequenz: n(22), Kapazitaet: n(88)},
		{Schulnummer: "20201", Name: "Sekundarschule Am Park", Schulform: schule.Sekundarschule, Traeger: schule.Kommunal,
			Strasse: "Parkallee", Hausnummer: "10", PLZ: "06108", Ort: "Musterstadt", Zuege: n(3), Klassenfrequenz: n(25), Kapazitaet: n(450)},
		{Schulnummer: "20202", Name: "Sekundarschule Nord", Schulform: schule.Sekundarschule, Traeger: schule.Kommunal,
			Strasse: "Nordring", Hausnummer: "2", PLZ: "06110", Ort: "Musterstadt", Zuege: n(2), Klassenfrequenz: n(25), Kapazitaet: n(300)},
		{Schulnummer: "20301", Name: "Gymnasium Musterstadt", Schulform: schule.Gymnasium, Traeger: schule.Kommunal,
			Strasse: "Dr.-Külz-Straße", Hausnummer: "1", PLZ: "06108", Ort: "Musterstadt", Zuege: n(4), Klassenfrequenz: n(28), Kapazitaet: n(900)},
	}
	return list
}

// Bezirksregel is one row of the street directory as the demo set writes it.
type Bezirksregel struct {
	Strasse       string
	HausnummerVon *int
	HausnummerBis *int // nil with HausnummerVon set: open upper end ("ab 40")
	Paritaet      string
	ZusatzVon     string
	ZusatzBis     string
	PLZ           string
	Schulnummer   string
	GueltigAbJahr *int // first year of the Schuljahr from which the row applies; nil: always
}

// Strassenverzeichnis returns the demo directory: parity rows, a suffix
// row (Hauptstraße 7a–7f), an open upper end, and a re-drawn Bezirk from
// 2027/28 (Kirchgasse).
func Strassenverzeichnis() []Bezirksregel {
	return []Bezirksregel{
		{Strasse: "Rosenweg", HausnummerVon: n(1), HausnummerBis: n(49), Paritaet: "ungerade", Schulnummer: "20102"},
		{Strasse: "Rosenweg", HausnummerVon: n(2), HausnummerBis: n(50), Paritaet: "gerade", Schulnummer: "20101"},
		{Strasse: "Hauptstraße", Paritaet: "alle", Schulnummer: "20101"},
		{Strasse: "Hauptstraße", HausnummerVon: n(7), HausnummerBis: n(7), Paritaet: "alle", ZusatzVon: "a", ZusatzBis: "f", Schulnummer: "20103"},
		{Strasse: "Am Anger", Paritaet: "alle", Schulnummer: "20101"},
		{Strasse: "Kirchgasse", Paritaet: "alle", Schulnummer: "20102"},
		{Strasse: "Kirchgasse", Paritaet: "alle", Schulnummer: "20103", GueltigAbJahr: n(2027)},
		{Strasse: "Mühlenstraße", HausnummerVon: n(1), Paritaet: "alle", Schulnummer: "20103"},
		{Strasse: "Dr.-Külz-Straße", Paritaet: "alle", Schulnummer: "20102"},
		{Strasse: "Lindenplatz", Paritaet: "alle", Schulnummer: "20104"},
		{Strasse: "Ludwig-Wucherer-Straße", HausnummerVon: n(1), HausnummerBis: n(39), Paritaet: "alle", Schulnummer: "20104"},
		{Strasse: "Ludwig-Wucherer-Straße", HausnummerVon: n(40), Paritaet: "alle", Schulnummer: "20105"},
		{Strasse: "Parkallee", Paritaet: "alle", Schulnummer: "20105"},
		{Strasse: "Heideweg", Paritaet: "alle", Schulnummer: "20106"},
		{Strasse: "Nordring", HausnummerVon: n(1), HausnummerBis: n(99), Paritaet: "ungerade", Schulnummer: "20106"},
		{Strasse: "Nordring", HausnummerVon: n(2), HausnummerBis: n(98), Paritaet: "gerade", Schulnummer: "20104"},
		{Strasse: "Schulstraße", PLZ: "06108", Paritaet: "alle", Schulnummer: "20101"},
		{Strasse: "Schulstraße", PLZ: "06110", Paritaet: "alle", Schulnummer: "20106"},
	}
}
