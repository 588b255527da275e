package sheets

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/importing"
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

// BenchmarkStreamXLSX100k reads a register of 100,000 children × 16
// columns (written once with excelize's stream writer, so text is inline;
// the "shared" files hold the same text as a shared string table, as Excel
// saves it) with the streaming reader, through the importer's Source, with
// Read, and as baselines with the encoding/xml reader Read had before and
// with excelize's Rows iterator. MB/s is of the xlsx file, xml-MB/s of its
// parts unpacked; peak-MB is the most heap in use while reading (for Read
// and the old reader: with the workbook read) above what the benchmark
// itself holds, garbage not yet collected included.
func BenchmarkStreamXLSX100k(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "melderegister_100k.xlsx")
	if err := os.WriteFile(path, melderegisterXLSX(b, n), 0o600); err != nil {
		b.Fatal(err)
	}
	inline, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	files := []struct {
		name string
		data []byte
	}{{"inline", inline}, {"shared", withSharedStrings(b, inline)}}
	const rows = n + 2 // title and header
	for _, file := range files {
		data := file.data
		xmlBytes := unpackedSize(b, data)
		bench := func(name string, read func(peak *heapPeak) int) {
			b.Run(name+"/"+file.name, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				runtime.GC()
				peak := heapPeak{base: heapObjects()}
				for i := 0; i < b.N; i++ {
					if got := read(&peak); got != rows {
						b.Fatalf("%d rows, want %d", got, rows)
					}
				}
				b.ReportMetric(float64(peak.max-min(peak.max, peak.base))/(1<<20), "peak-MB")
				b.ReportMetric(float64(xmlBytes)/(1<<20)/(b.Elapsed().Seconds()/float64(b.N)), "xml-MB/s")
			})
		}
		bench("stream", func(peak *heapPeak) int {
			f, err := OpenXLSX(context.Background(), data, "m.xlsx", Uploads{}.stream())
			if err != nil {
				b.Fatal(err)
			}
			count := 0
			if err := f.Rows(context.Background(), 0, func(r *Row) error {
				if count++; count%8192 == 0 {
					peak.sample()
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			return count
		})
		bench("source", func(peak *heapPeak) int {
			src, err := Uploads{}.Open(context.Background(), bytes.NewReader(data), "m.xlsx")
			if err != nil {
				b.Fatal(err)
			}
			return sourceRows(b, src, peak)
		})
		bench("read", func(peak *heapPeak) int {
			wb, err := Read(context.Background(), data, "m.xlsx", Limits{MaxBytes: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			peak.sample()
			return len(wb.Sheets[0].Rows)
		})
		bench("baseline-oldreader", func(peak *heapPeak) int {
			wb, err := refRead(context.Background(), data, Limits{MaxBytes: 1 << 30}, true)
			if err != nil {
				b.Fatal(err)
			}
			peak.sample()
			return len(wb.Sheets[0].Rows)
		})
		bench("baseline-excelize-rows", func(peak *heapPeak) int {
			f, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			it, err := f.Rows("Sheet1")
			if err != nil {
				b.Fatal(err)
			}
			count := 0
			for it.Next() {
				cols, err := it.Columns()
				if err != nil {
					b.Fatal(err)
				}
				if len(cols) > 0 {
					count++
				}
				if count%8192 == 0 {
					peak.sample()
				}
			}
			return count
		})
	}
}

// BenchmarkStreamCSV100k reads a register of 100,000 children × 16
// columns as Excel exports it to CSV (registerCSV; Windows-1252, and the
// same in UTF-8), from a file as the importer does: through Open's stream
// ("source"), with Read ("read", the stream's rows collected into a
// workbook) and, as a baseline, with the whole-file reader CSV had before
// (csv_ref_test.go, the file read into memory first). MB/s is of the file;
// rows/s of rows handed out; B/row what is allocated for each row (for
// the stream, garbage by the next); peak-MB the most heap in use while
// reading above what the benchmark holds, garbage included.
func BenchmarkStreamCSV100k(b *testing.B) {
	const n = 100_000
	const rows = n + 1 // the header
	for _, utf8 := range []bool{false, true} {
		enc := map[bool]string{false: "windows-1252", true: "utf-8"}[utf8]
		path := filepath.Join(b.TempDir(), "melderegister_100k.csv")
		out, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		registerCSV(b, out, n, utf8)
		out.Close()
		file, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer file.Close()
		st, _ := file.Stat()
		upload := io.NewSectionReader(file, 0, st.Size())
		bench := func(name string, read func(peak *heapPeak) int) {
			b.Run(name+"/"+enc, func(b *testing.B) {
				b.SetBytes(st.Size())
				b.ReportAllocs()
				runtime.GC()
				peak := heapPeak{base: heapObjects()}
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if got := read(&peak); got != rows {
						b.Fatalf("%d rows, want %d", got, rows)
					}
				}
				b.StopTimer()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/rows, "B/row")
				b.ReportMetric(float64(peak.max-min(peak.max, peak.base))/(1<<20), "peak-MB")
			})
		}
		bench("source", func(peak *heapPeak) int {
			src, err := Uploads{}.Open(context.Background(), upload, "m.csv")
			if err != nil {
				b.Fatal(err)
			}
			return sourceRows(b, src, peak)
		})
		// Reading the file whole, with Read and with the old reader.
		whole := func(read func(context.Context, []byte, string, Limits) (*Workbook, error)) func(peak *heapPeak) int {
			return func(peak *heapPeak) int {
				data, err := readWhole(upload)
				if err != nil {
					b.Fatal(err)
				}
				wb, err := read(context.Background(), data, "m.csv", Limits{})
				if err != nil {
					b.Fatal(err)
				}
				peak.sample()
				return len(wb.Sheets[0].Rows)
			}
		}
		bench("read", whole(Read))
		bench("baseline-wholefile", whole(refReadText))
	}
}

// heapPeak keeps the largest heap seen by sample (live objects and garbage
// not yet collected), and the heap the benchmark itself holds (base); and
// likewise the largest heap the collector found live.
type heapPeak struct{ base, max, liveBase, liveMax uint64 }

func (p *heapPeak) sample() {
	p.max = max(p.max, heapObjects())
	p.liveMax = max(p.liveMax, heapLive())
}

// heapLive is the heap found live by the last collection.
func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// unpackedSize is the size of all parts of an xlsx file, unpacked.
func unpackedSize(tb testing.TB, data []byte) int64 {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var n int64
	for _, f := range zr.File {
		n += int64(f.UncompressedSize64)
	}
	return n
}

// BenchmarkMarkedWorkbook marks registers of 100,000 and 300,000 rows
// (16 columns, as Excel saves them; written with syntheticRegister) with
// 10,000 problems spread over them, the most an import keeps, from a file
// into a file, as the server does. peak-MB is the most heap in use while
// marking above what the benchmark holds (the problems), garbage not yet
// collected included; live-MB the most heap found live by a collection,
// likewise above the benchmark's. Neither grows with the rows, the shared
// strings of the file excepted (a unique Ordnungsmerkmal each row, some 14
// bytes a row). B/row is what is allocated for each row, garbage by the
// next.
func BenchmarkMarkedWorkbook(b *testing.B) {
	for _, n := range []int{100_000, 300_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			data := syntheticRegister(b, n)
			size := int64(len(data))
			if err := os.WriteFile(filepath.Join(dir, "melderegister.xlsx"), data, 0o600); err != nil {
				b.Fatal(err)
			}
			data = nil
			in, err := os.Open(filepath.Join(dir, "melderegister.xlsx"))
			if err != nil {
				b.Fatal(err)
			}
			defer in.Close()
			const nProblems = 10_000
			problems := make([]importing.StoredProblem, 0, nProblems)
			for i := range nProblems {
				row := 2 + i*(n/nProblems)
				problems = append(problems, importing.StoredProblem{Sheet: "Auszug", Row: row, Column: i % 16, Field: "geburtsdatum",
					Code: "datum_ungueltig", Message: "Das Geburtsdatum ist kein gültiges Datum."})
			}
			imp := importing.Import{Filename: "melderegister.xlsx", SheetUsed: "Auszug", HeaderRow: 1}
			out, err := os.Create(filepath.Join(dir, "marked.xlsx"))
			if err != nil {
				b.Fatal(err)
			}
			defer out.Close()
			var peak heapPeak
			file := sampledFile{SectionReader: io.NewSectionReader(in, 0, size), peak: &peak}
			b.SetBytes(size)
			b.ReportAllocs()
			runtime.GC()
			peak.base, peak.liveBase = heapObjects(), heapLive()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for range b.N {
				if err := out.Truncate(0); err != nil {
					b.Fatal(err)
				}
				if _, err := out.Seek(0, io.SeekStart); err != nil {
					b.Fatal(err)
				}
				if err := (Uploads{}).MarkedWorkbook(context.Background(), imp, file, problems, sampledWriter{out, &peak}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			outSize, _ := out.Seek(0, io.SeekEnd)
			b.ReportMetric(float64(peak.max-min(peak.max, peak.base))/(1<<20), "peak-MB")
			b.ReportMetric(float64(peak.liveMax-min(peak.liveMax, peak.liveBase))/(1<<20), "live-MB")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(n), "B/row")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
			b.ReportMetric(float64(outSize)/(1<<20), "out-MB")
		})
	}
}

// sampledFile is a file that samples the heap as it is read.
type sampledFile struct {
	*io.SectionReader
	peak *heapPeak
}

func (f sampledFile) ReadAt(p []byte, off int64) (int, error) {
	f.peak.sample()
	return f.SectionReader.ReadAt(p, off)
}

// sampledWriter samples the heap as it is written to.
type sampledWriter struct {
	w    io.Writer
	peak *heapPeak
}

func (w sampledWriter) Write(p []byte) (int, error) {
	w.peak.sample()
	return w.w.Write(p)
}

// sourceRows reads every row of the first sheet of src, sampling the heap
// now and then, and returns how many there were.
func sourceRows(b *testing.B, src importing.Source, peak *heapPeak) int {
	count := 0
	if err := src.Rows(context.Background(), 0, func(importing.Row) error {
		if count++; count%8192 == 0 {
			peak.sample()
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return count
}
