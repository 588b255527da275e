package sheets

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func csvRows(t *testing.T, data string) [][]string {
	t.Helper()
	wb := mustRead(t, []byte(data), "liste.csv", Limits{})
	if wb.Format != FormatCSV || len(wb.Sheets) != 1 || wb.Sheets[0].Name != "liste" {
		t.Fatalf("workbook %+v", wb)
	}
	var out [][]string
	for _, r := range wb.Sheets[0].Rows {
		row := []string{"#" + strconv.Itoa(r.Number)}
		for _, c := range r.Cells {
			if c.Kind != KindText && c.Kind != KindEmpty {
				t.Errorf("CSV cell kind %s", c.Kind)
			}
			row = append(row, c.Value)
		}
		out = append(out, row)
	}
	return out
}

func TestCSV(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
	}{
		{"semicolon with decimal commas", "Name;Betrag;PLZ\r\nMüller;12,5;06108\r\nSchulz;1.234,00;39104\r\n",
			[][]string{{"#1", "Name", "Betrag", "PLZ"}, {"#2", "Müller", "12,5", "06108"}, {"#3", "Schulz", "1.234,00", "39104"}}},
		{"comma", "a,b,c\n1,2,3\n", [][]string{{"#1", "a", "b", "c"}, {"#2", "1", "2", "3"}}},
		{"tab", "a\tb;c\td\n1\t2;3\t4\n", [][]string{{"#1", "a", "b;c", "d"}, {"#2", "1", "2;3", "4"}}},
		{"quoted line breaks count as one row", "Name;Bemerkung;Ort\n\"Weber\";\"Zeile 1\r\nZeile 2\nZeile 3\";Halle\nKrause;\"\";Halle\n",
			[][]string{{"#1", "Name", "Bemerkung", "Ort"}, {"#2", "Weber", "Zeile 1\r\nZeile 2\nZeile 3", "Halle"}, {"#3", "Krause", "", "Halle"}}},
		{"doubled quotes and delimiter in quotes", "\"Sagt \"\"hallo\"\"\";\"a;b\"\n", [][]string{{"#1", "Sagt \"hallo\"", "a;b"}}},
		{"quote inside unquoted field kept", "12\" Zoll;x\n", [][]string{{"#1", "12\" Zoll", "x"}}},
		{"text after closing quote", "\"abc\"def;x\n", [][]string{{"#1", "abcdef", "x"}}},
		{"unterminated quote runs to the end", "a;\"b\nc", [][]string{{"#1", "a", "b\nc"}}},
		{"blank lines and empty records keep numbering", "Titel\n\n;;\nA;B\n1;2", [][]string{{"#1", "Titel"}, {"#4", "A", "B"}, {"#5", "1", "2"}}},
		{"title line without delimiters", "Einschulung 2027/28 – Stand 01.02.2026\n\nName;Vorname;Geb.\nA;B;C\nD;E;F\n",
			[][]string{{"#1", "Einschulung 2027/28 – Stand 01.02.2026"}, {"#3", "Name", "Vorname", "Geb."}, {"#4", "A", "B", "C"}, {"#5", "D", "E", "F"}}},
		{"trailing delimiters and empty middle cells", "a;;c;;\n", [][]string{{"#1", "a", "", "c"}}},
		{"sep line", "sep=,\na;b,c\n", [][]string{{"#1", "a;b", "c"}}},
		{"CR only line ends", "a;b\rc;d\r", [][]string{{"#1", "a", "b"}, {"#2", "c", "d"}}},
		{"UTF-8 BOM", "\xEF\xBB\xBFStraße;Nr\nÖrtel;1\n", [][]string{{"#1", "Straße", "Nr"}, {"#2", "Örtel", "1"}}},
		{"Windows-1252", "Stra\xdfe;K\xfchn;\x80;\x84Zitat\x93\n", [][]string{{"#1", "Straße", "Kühn", "€", "„Zitat“"}}},
		{"UTF-16LE with BOM (Excel Unicode text)", "\xFF\xFEN\x00r\x00\t\x00\xD6\x00\n\x001\x00\t\x002\x00\n\x00",
			[][]string{{"#1", "Nr", "Ö"}, {"#2", "1", "2"}}},
		{"single column", "Name\nA\nB\n", [][]string{{"#1", "Name"}, {"#2", "A"}, {"#3", "B"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := csvRows(t, tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestDetectDelimiter(t *testing.T) {
	for in, want := range map[string]byte{
		"a;b;c\n1,5;2,5;3\n4;5;6\n":        ';',
		"a,b,c\n1;2,3,4\n5,6,7\n":          ',',
		"a\tb\tc\n1,2\t3\t4\n":             '\t',
		"\"x;y\",b,c\n\"1;2;3\",4,5\n":     ',',
		"Titel\n\na|b|c\n1|2|3\n":          '|',
		"Name\nMüller\n":                   ';',
		"\"a\nb;c;d\";e;f\n1;2;3\n4;5;6\n": ';',
	} {
		if got := detectDelimiter(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestCSVLimits(t *testing.T) {
	_, err := Read(context.Background(), []byte(strings.Repeat("x;", 20)+"x\n"), "", Limits{MaxColumns: 20})
	expectErr(t, err, ErrTooLarge)
	// empty fields beyond the limit are fine
	mustRead(t, []byte("x"+strings.Repeat(";", 5000)+"\n"), "", Limits{MaxColumns: 20})
	_, err = Read(context.Background(), []byte(strings.Repeat("x\n", 101)), "", Limits{MaxRows: 100})
	expectErr(t, err, ErrTooLarge)
}

func TestCSVSheetName(t *testing.T) {
	for in, want := range map[string]string{
		"melderegister.csv":              "melderegister",
		`C:\Users\sekretariat\Liste.CSV`: "Liste",
		"":                               "Tabelle1",
		"ohne_endung":                    "ohne_endung",
	} {
		if got := csvSheetName(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
