package sheets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
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

// FuzzStreamXLSX gives the streaming reader a worksheet and a shared string
// table of any bytes. It must never panic and only return typed errors;
// where the encoding/xml reader of xlsx_ref_test.go (without its byte
// filter) reads the file, the stream must read the same, through Read and
// through Rows (which refuses rows out of order, where Read sorts them).
// The scanner is more lenient than encoding/xml about markup it does not
// use, so a file only the stream reads is fine.
func FuzzStreamXLSX(f *testing.F) {
	for _, h := range handMadeSheets() {
		if len(h.xml) < 64<<10 {
			f.Add([]byte(h.xml), []byte(sstXML(h.sst)))
		}
	}
	for _, name := range []string{"schulbezirke.xlsx", "openpyxl_features.xlsx", "xlsxwriter_features.xlsx"} {
		parts := unzipAll(f, readTestdata(f, name))
		f.Add([]byte(parts["xl/worksheets/sheet1.xml"]), []byte(parts["xl/sharedStrings.xml"]))
	}
	f.Add([]byte(worksheet("", `<row r="2"><c r="B2" t="s"><v>1</v></c><c r="C2"><v>1</v></c><c r="D2" s="2"><v>43921</v></c></row><row r="1"><c><is><t>x</t></is></c></row>`)),
		[]byte(`<sst><si><t>a</t></si><si><r><t>b</t></r><rPh><t>c</t></rPh></si></sst>`))
	template := unzipAll(f, buildXLSX(f, nil, xsheet{name: "S", xml: worksheet("", "")}))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		testRepanic = true
		defer func() { testRepanic = false }()
		parts := map[string]string{}
		for k, v := range template {
			parts[k] = v
		}
		parts["xl/worksheets/sheet1.xml"] = string(sheet)
		parts["xl/sharedStrings.xml"] = string(sst)
		data := rezip(t, parts)
		lim := Limits{MaxRows: 1000, MaxColumns: 100, MaxUncompressed: 8 << 20, MaxCells: 100_000}
		ctx := context.Background()
		typed := func(err error) {
			t.Helper()
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedFormat) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
		}
		got, readErr := Read(ctx, data, "fuzz.xlsx", lim)
		ref, refErr := refRead(ctx, data, lim, false)
		switch err := readErr; {
		case err != nil:
			typed(err)
			if refErr == nil {
				t.Fatalf("stream: %v; reference read the file", err)
			}
		case refErr == nil:
			compareWorkbooks(t, got, ref)
		}
		x, err := OpenXLSX(ctx, data, "fuzz.xlsx", lim)
		if err != nil {
			typed(err)
			if got != nil {
				t.Fatalf("OpenXLSX: %v; Read read the file", err)
			}
			return
		}
		var rows []Row
		err = x.Rows(ctx, 0, func(r *Row) error {
			rows = append(rows, Row{Number: r.Number, Hidden: r.Hidden, Cells: append([]Cell(nil), r.Cells...)})
			return nil
		})
		if err != nil {
			typed(err)
			if got != nil && !strings.Contains(err.Error(), "aufsteigender Reihenfolge") {
				t.Fatalf("Rows: %v; Read read the file", err)
			}
			return
		}
		if got == nil {
			if !errors.Is(readErr, ErrTooLarge) { // Read holds cells and text, Rows does not
				t.Fatal("Rows read a file Read refused")
			}
			return
		}
		compareRows(t, rows, got.Sheets[0].Rows)
	})
}

// sstXML writes a shared string table as buildXLSX does.
func sstXML(sst []string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	for _, s := range sst {
		if strings.HasPrefix(s, "<") {
			fmt.Fprintf(&b, "<si>%s</si>", s)
		} else {
			fmt.Fprintf(&b, `<si><t xml:space="preserve">%s</t></si>`, xmlEscape(s))
		}
	}
	b.WriteString(`</sst>`)
	return b.String()
}

// FuzzStreamCSV gives the CSV stream any text, read in pieces of 1 to 16
// bytes (or the default). It must never panic; Read and the stream through
// Uploads.Open must give what the reference whole-file reader
// (csv_ref_test.go) gives: the same rows, or the same error. The stream
// may read a file the reference refused only for its size (the reference
// held every row).
func FuzzStreamCSV(f *testing.F) {
	f.Add(readTestdata(f, "melderegister_excel_export.csv"), uint8(0))
	for _, text := range tricky {
		f.Add([]byte(text), uint8(len(text)))
	}
	f.Fuzz(func(t *testing.T, data []byte, readSize uint8) {
		testRepanic = true
		defer func() { testRepanic = false }()
		u := Uploads{MaxColumns: 20, MaxUnpacked: 1 << 20}
		if bytes.HasPrefix(data, magicZip) || bytes.HasPrefix(data, magicZipEmpty) || bytes.HasPrefix(data, magicOLE2) {
			return // not text
		}
		n := csvReadSize
		if readSize%8 != 0 {
			n = int(readSize)%16 + 1
		}
		withReadSize(n, func() {
			want := refResult(data, "fuzz.csv", u.whole())
			wb, err := Read(context.Background(), data, "fuzz.csv", u.whole())
			got := csvResult{}
			if err != nil {
				got.err = messageOf(err)
			} else {
				got = workbookResult(wb)
			}
			if !equalResults(got, want) {
				t.Fatalf("read %d bytes at a time: Read gives\n%v\nthe reference\n%v", n, got, want)
			}
			got = streamResult(t, u, data, "fuzz.csv")
			if !equalResults(got, want) {
				_, refErr := refReadText(context.Background(), data, "fuzz.csv", u.whole())
				if !errors.Is(refErr, ErrTooLarge) || (got.err != "" && got.err != want.err) {
					t.Fatalf("read %d bytes at a time: the stream gives\n%v\nthe reference\n%v", n, got, want)
				}
			}
		})
	})
}
