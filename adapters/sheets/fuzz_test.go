package sheets

import (
	"context"
	"errors"
	"testing"
)

// FuzzRead: whatever the bytes, Read returns a workbook or a typed error,
// and never panics (testRepanic makes a recovered panic crash the fuzzer).
// go test runs the seeds; go test -fuzz FuzzRead explores further.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"schulen.xlsx", "schulbezirke.xlsx", "melderegister_excel_export.csv", "melderegister_legacy.xls"} {
		f.Add(readTestdata(f, name))
	}
	f.Add(buildODS(f, `<table:table table:name="T"><table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="2" office:value-type="float" office:value="1"/></table:table-row></table:table>`))
	f.Add([]byte("a;\"b\nc\";d\r\n\"\"\"\";;\n"))
	f.Add(buildBIFF8(nil, sampleBIFFSheets()...))
	f.Fuzz(func(t *testing.T, data []byte) {
		testRepanic = true
		defer func() { testRepanic = false }()
		lim := Limits{MaxRows: 1000, MaxColumns: 100, MaxUncompressed: 8 << 20, MaxCells: 100_000}
		wb, err := Read(context.Background(), data, "fuzz", lim)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedFormat) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, s := range wb.Sheets {
			if len(s.Rows) > lim.MaxRows {
				t.Fatalf("%d rows", len(s.Rows))
			}
			for _, r := range s.Rows {
				if len(r.Cells) == 0 || len(r.Cells) > lim.MaxColumns || r.Cells[len(r.Cells)-1].Kind == KindEmpty {
					t.Fatalf("row %d has %d cells", r.Number, len(r.Cells))
				}
			}
		}
	})
}
