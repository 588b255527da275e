package sheets

import (
	"reflect"
	"testing"
)

// The samples in testdata are copies of shared/samples, written by exceljs
// and LibreOffice. The expectations below were checked against the files'
// XML (unzip -p), the BIFF records and the CSV bytes.
func TestSamples(t *testing.T) {
	type cellWant struct {
		ref   string
		value string
		kind  CellKind
	}
	tests := []struct {
		file       string
		format     Format
		sheets     []string
		headerRow  int    // row number of the header as LibreOffice shows it
		headerA    string // value of column A in the header row
		dataRows   int    // non-empty rows below the header
		lastRow    int    // number of the last non-empty row
		cells      []cellWant
		hiddenCols []int
	}{
		{
			file: "melderegister.xlsx", format: FormatXLSX, sheets: []string{"Auszug"},
			headerRow: 3, headerA: "Ordnungsmerkmal", dataRows: 400, lastRow: 403,
			cells: []cellWant{
				{"A1", "Melderegisterauszug Einschulung – Stand 15.01.2026", KindText}, // merged A1:K1
				{"B1", "", KindEmpty},
				{"E3", "Geburtsdatum", KindText},
				{"E4", "2020-09-30", KindDate}, // 44104 with format dd.mm.yyyy
				{"E403", "2020-02-13", KindDate},
				{"I4", "06667", KindText}, // postcode as text keeps its zero
				{"B7", "Krause-Hübner", KindText},
				{"H4", "40a", KindText},
				{"K4", "nein", KindText},
				{"A403", "OM100399", KindText},
			},
		},
		{
			file: "melderegister_legacy.xls", format: FormatXLS, sheets: []string{"Auszug"},
			headerRow: 3, headerA: "Ordnungsmerkmal", dataRows: 400, lastRow: 403,
			cells: []cellWant{
				{"A1", "Melderegisterauszug Einschulung – Stand 15.01.2026", KindText},
				{"E4", "2020-09-30", KindDate}, // RK with XF → FORMAT dd\.mm\.yyyy
				{"I4", "06667", KindText},
				{"B6", "König", KindText},
				{"A403", "OM100399", KindText},
			},
		},
		{
			file: "melderegister_libreoffice.ods", format: FormatODS, sheets: []string{"Auszug"},
			headerRow: 3, headerA: "Ordnungsmerkmal", dataRows: 400, lastRow: 403,
			cells: []cellWant{
				{"A1", "Melderegisterauszug Einschulung – Stand 15.01.2026", KindText}, // spanned 11 columns
				{"B1", "", KindEmpty},          // covered cell
				{"E4", "2020-09-30", KindDate}, // office:date-value
				{"C5", "Henry", KindText},      // number-columns-repeated="2" with a value
				{"D5", "Henry", KindText},
				{"I4", "06667", KindText},
				{"A403", "OM100399", KindText},
			},
		},
		{
			file: "melderegister_excel_export.csv", format: FormatCSV, sheets: []string{"melderegister_excel_export"},
			headerRow: 1, headerA: "Ordnungsmerkmal", dataRows: 100, lastRow: 101,
			cells: []cellWant{
				{"F1", "Straße", KindText}, // Windows-1252 0xDF
				{"B4", "König", KindText},
				{"C100", "Ömer Paul", KindText},
				{"F2", "Dr.-Külz-Straße", KindText},
				{"D2", "30.09.2020", KindText}, // every CSV value is text
				{"H2", "06667", KindText},
				{"A101", "OM100099", KindText},
			},
		},
		{
			file: "schueler_20101_libreoffice.xlsx", format: FormatXLSX, sheets: []string{"schueler_20101_libreoffice"},
			headerRow: 1, headerA: "Schul-Nr.", dataRows: 120, lastRow: 121,
			cells: []cellWant{
				// The file itself holds these strings double-encoded (bytes C3 83 C2 BC for "ü");
				// the reader returns text as stored.
				{"B1", "SchÃ¼ler-ID", KindText},
				{"A2", "20101", KindNumber}, // school number stored as a number
				{"B2", "800000", KindNumber},
				{"E2", "30.09.2020", KindText}, // a date typed as text
				{"H2", "40a", KindText},
				{"H3", "59", KindNumber},
				{"C5", "Krasue-HÃ¼bner", KindText},
			},
		},
		{
			file: "schulbezirke.xlsx", format: FormatXLSX, sheets: []string{"Verzeichnis"},
			headerRow: 3, headerA: "Straße", dataRows: 9, lastRow: 12,
			cells: []cellWant{
				{"A1", "Straßenverzeichnis Grundschulbezirke (Anlage zur Satzung)", KindText},
				{"B4", "1", KindNumber},
				{"C4", "49", KindNumber},
				{"D4", "ungerade", KindText},
				{"H4", "20102", KindText},
				{"B6", "", KindEmpty}, // whole street
				{"E7", "a", KindText}, // Hauptstraße 7a–7f
				{"F7", "f", KindText},
				{"I9", "2027/28", KindText}, // Kirchgasse changes Bezirk
			},
		},
		{
			file: "schulen.xlsx", format: FormatXLSX, sheets: []string{"Schulen"},
			headerRow: 1, headerA: "Schulnummer", dataRows: 5, lastRow: 6,
			cells: []cellWant{
				{"D1", "Trägerschaft", KindText},
				{"A2", "20101", KindText},
				{"B4", "Grundschule Mühlenviertel", KindText},
				{"E2", "2", KindNumber},
				{"F6", "24", KindNumber},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			wb := mustRead(t, readTestdata(t, tc.file), tc.file, Limits{})
			if wb.Format != tc.format {
				t.Errorf("format %q, want %q", wb.Format, tc.format)
			}
			if got := sheetNames(wb); !reflect.DeepEqual(got, tc.sheets) {
				t.Fatalf("sheets %q, want %q", got, tc.sheets)
			}
			s := wb.Sheets[0]
			if s.Hidden {
				t.Error("sheet hidden")
			}
			header := -1
			for i, r := range s.Rows {
				if r.Cell(0).Value == tc.headerA {
					header = i
					break
				}
			}
			if header < 0 {
				t.Fatalf("no header row starting with %q", tc.headerA)
			}
			if got := s.Rows[header].Number; got != tc.headerRow {
				t.Errorf("header in row %d, want %d", got, tc.headerRow)
			}
			if got := len(s.Rows) - header - 1; got != tc.dataRows {
				t.Errorf("%d data rows, want %d", got, tc.dataRows)
			}
			if got := s.Rows[len(s.Rows)-1].Number; got != tc.lastRow {
				t.Errorf("last row %d, want %d", got, tc.lastRow)
			}
			for _, c := range tc.cells {
				got := cellAt(s, c.ref)
				if got.Value != c.value || got.Kind != c.kind {
					t.Errorf("%s = %q (%s), want %q (%s)", c.ref, got.Value, got.Kind, c.value, c.kind)
				}
			}
			for i, r := range s.Rows {
				if len(r.Cells) == 0 || r.Cells[len(r.Cells)-1].Kind == KindEmpty {
					t.Errorf("row %d ends with an empty cell", r.Number)
				}
				if i > 0 && s.Rows[i-1].Number >= r.Number {
					t.Errorf("rows out of order at %d", r.Number)
				}
			}
		})
	}
}

// The register exists as xlsx (exceljs), xls and ods (LibreOffice): all three
// must give the same table, cell by cell.
func TestSamplesAgreeAcrossFormats(t *testing.T) {
	ref := mustRead(t, readTestdata(t, "melderegister.xlsx"), "", Limits{}).Sheets[0]
	for _, f := range []string{"melderegister_legacy.xls", "melderegister_libreoffice.ods"} {
		s := mustRead(t, readTestdata(t, f), f, Limits{}).Sheets[0]
		if len(s.Rows) != len(ref.Rows) {
			t.Fatalf("%s: %d rows, xlsx has %d", f, len(s.Rows), len(ref.Rows))
		}
		for i := range ref.Rows {
			if !reflect.DeepEqual(s.Rows[i], ref.Rows[i]) {
				t.Fatalf("%s: row %d = %+v\nxlsx row %d = %+v", f, s.Rows[i].Number, s.Rows[i], ref.Rows[i].Number, ref.Rows[i])
			}
		}
	}
	// The CSV holds the first 100 children without Rufname and Auskunftssperre.
	// Excel wrote "Petrović" as "Petrovi?": ć has no place in Windows-1252.
	csv := mustRead(t, readTestdata(t, "melderegister_excel_export.csv"), "x.csv", Limits{}).Sheets[0]
	for i := 1; i <= 100; i++ {
		x, c := ref.Rows[1+i], csv.Rows[i] // xlsx data from row 4, csv from row 2
		name := x.Cell(1).Value
		if name == "Petrović" {
			name = "Petrovi?"
		}
		if x.Cell(0).Value != c.Cell(0).Value || name != c.Cell(1).Value || x.Cell(6).Value != c.Cell(5).Value {
			t.Fatalf("csv row %d %v differs from xlsx row %d %v", c.Number, c.Cells, x.Number, x.Cells)
		}
	}
}
