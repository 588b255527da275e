package sheets

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// tenThousandRows writes a register of 10,000 children with excelize's
// stream writer: title, header, text, a date column and numbers.
func tenThousandRows(b *testing.B) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		b.Fatal(err)
	}
	sw.SetRow("A1", []any{"Melderegisterauszug Einschulung – Stand 15.01.2026"})
	sw.SetRow("A3", []any{"Ordnungsmerkmal", "Familienname", "Vornamen", "Rufname", "Geburtsdatum", "Geschlecht", "Straße", "Hausnummer", "PLZ", "Ort", "Auskunftssperre"})
	birth := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 10000; i++ {
		row := []any{
			fmt.Sprintf("OM%06d", i), "Müller-Lüdenscheidt", "Mira Johanna", "Mira",
			excelize.Cell{StyleID: dateStyle, Value: birth.AddDate(0, 0, i%700)},
			"w", "Dr.-Külz-Straße", fmt.Sprintf("%da", i%90+1), "06667", "Musterstadt", "nein",
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+4), row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkReadXLSX(b *testing.B) {
	data := tenThousandRows(b)
	wb := mustRead(b, data, "", Limits{})
	if n := len(wb.Sheets[0].Rows); n != 10002 {
		b.Fatalf("%d rows", n)
	}
	if c := cellAt(wb.Sheets[0], "E4"); c != (Cell{Value: "2020-01-01", Kind: KindDate}) {
		b.Fatalf("E4 = %+v", c)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Read(context.Background(), data, "", Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadXLSXFormattedToLastRow(b *testing.B) {
	data := formattedToLastRow(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Read(context.Background(), data, "", Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadSamples(b *testing.B) {
	for _, f := range []string{"melderegister.xlsx", "melderegister_legacy.xls", "melderegister_libreoffice.ods", "melderegister_excel_export.csv"} {
		data := readTestdata(b, f)
		b.Run(f, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Read(context.Background(), data, f, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
