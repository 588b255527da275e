package sheets

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bomb returns an xlsx whose worksheet inflates to size bytes of blanks
// inside <sheetData>, deflated to a few hundred KB.
func bomb(t testing.TB, size int) []byte {
	t.Helper()
	good := unzipAll(t, buildXLSX(t, nil, xsheet{name: "S", xml: worksheet("", "")}))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range good {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if name != "xl/worksheets/sheet1.xml" {
			w.Write([]byte(content))
			continue
		}
		w.Write([]byte(`<worksheet><sheetData>`))
		blank := bytes.Repeat([]byte(" "), 1<<20)
		for n := 0; n < size; n += len(blank) {
			w.Write(blank)
		}
		w.Write([]byte(`</sheetData></worksheet>`))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// setDeclaredSize rewrites the uncompressed size of a part in the central
// directory, as a crafted zip bomb does to slip past a size check.
func setDeclaredSize(t testing.TB, data []byte, name string, size uint32) []byte {
	t.Helper()
	out := bytes.Clone(data)
	sig := []byte("PK\x01\x02")
	for i := bytes.Index(out, sig); i >= 0; {
		nameLen := int(binary.LittleEndian.Uint16(out[i+28:]))
		if string(out[i+46:i+46+nameLen]) == name {
			binary.LittleEndian.PutUint32(out[i+24:], size)
			return out
		}
		j := bytes.Index(out[i+4:], sig)
		if j < 0 {
			break
		}
		i += 4 + j
	}
	t.Fatalf("%s not in central directory", name)
	return nil
}

func TestZipBomb(t *testing.T) {
	data := bomb(t, 64<<20)
	t.Logf("bomb: %d KB packed, 64 MB unpacked", len(data)>>10)
	lim := Limits{MaxUncompressed: 16 << 20}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Read(context.Background(), data, "bombe.xlsx", lim)
	runtime.ReadMemStats(&after)
	expectErr(t, err, ErrTooLarge) // refused by its declared size, before inflating
	if !strings.Contains(err.Error(), "entpackt zu groß") {
		t.Errorf("message %q", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("declared-size check allocated %d KB", alloc>>10)
	}

	// The archive lies about the size: inflating stops at the budget or at
	// archive/zip's own check of the declared size, whichever comes first.
	for _, declared := range []uint32{1000, 15 << 20} {
		lying := setDeclaredSize(t, data, "xl/worksheets/sheet1.xml", declared)
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = Read(context.Background(), lying, "bombe.xlsx", lim)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("declared %d: err %v", declared, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*uint64(lim.MaxUncompressed) { // bounded by the budget, not by the 64 MB
			t.Errorf("declared %d: allocated %d MB", declared, alloc>>20)
		}
	}

	// Within the budget the same file is read (it has no rows).
	wb := mustRead(t, data, "", Limits{MaxUncompressed: 80 << 20})
	if len(wb.Sheets) != 1 || len(wb.Sheets[0].Rows) != 0 {
		t.Errorf("sheets %+v", wb.Sheets)
	}
}

func TestZipWithTooManyEntries(t *testing.T) {
	parts := make([][2]string, 0, maxZipEntries+1)
	for i := 0; i <= maxZipEntries; i++ {
		parts = append(parts, [2]string{"f" + strconv.Itoa(i), ""})
	}
	_, err := Read(context.Background(), zipParts(t, parts...), "", Limits{})
	expectErr(t, err, ErrTooLarge)
}

func TestTruncatedFiles(t *testing.T) {
	for _, f := range []string{"melderegister.xlsx", "schueler_20101_libreoffice.xlsx", "melderegister_libreoffice.ods", "melderegister_legacy.xls"} {
		data := readTestdata(t, f)
		for _, n := range []int{len(data) - 1, len(data) - 30, len(data) - 300, len(data) * 3 / 4, len(data) / 2, 600, 100, 9} {
			_, err := Read(context.Background(), data[:n], f, Limits{})
			if err == nil {
				t.Errorf("%s cut to %d bytes: no error", f, n)
				continue
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedFormat) {
				t.Errorf("%s cut to %d bytes: %v", f, n, err)
			}
		}
	}
	// The zip's central directory is intact but a part ends early.
	good := unzipAll(t, readTestdata(t, "melderegister.xlsx"))
	good["xl/worksheets/sheet1.xml"] = good["xl/worksheets/sheet1.xml"][:100000]
	_, err := Read(context.Background(), rezip(t, good), "", Limits{})
	expectErr(t, err, ErrCorrupt)
}

func TestRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i, prefix := range [][]byte{nil, magicZip, magicOLE2, bomUTF8, bomUTF16LE, []byte("\x09\x08\x10\x00\x00\x06")} {
		for round := 0; round < 20; round++ {
			data := make([]byte, 1+rng.Intn(64<<10))
			rng.Read(data)
			data = append(bytes.Clone(prefix), data...)
			_, err := Read(context.Background(), data, "zufall.xlsx", Limits{})
			if i == 4 && err == nil {
				continue // random UTF-16 is, in principle, text
			}
			if err == nil {
				t.Fatalf("prefix %d round %d: random bytes read without error", i, round)
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedFormat) {
				t.Fatalf("prefix %d: %v", i, err)
			}
		}
	}
	for _, s := range []string{"", "\x00", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "<html><body><table><tr><td>x</td></tr></table>",
		`<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">`} {
		_, err := Read(context.Background(), []byte(s), "liste.xls", Limits{})
		if err == nil {
			t.Errorf("%q read without error", s)
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: %T", s, err)
		}
	}
}

// Flipped bytes in every sample must end in a value or an error: never a
// panic (testRepanic lets a recovered panic fail the test), never a hang.
func TestMutatedSamples(t *testing.T) {
	testRepanic = true
	defer func() { testRepanic = false }()
	rng := rand.New(rand.NewSource(2))
	files := []string{"melderegister.xlsx", "schulbezirke.xlsx", "schueler_20101_libreoffice.xlsx", "melderegister_legacy.xls", "melderegister_libreoffice.ods", "melderegister_excel_export.csv"}
	rounds := 150
	if testing.Short() {
		rounds = 20
	}
	for _, f := range files {
		orig := readTestdata(t, f)
		var parts map[string]string
		if bytes.HasPrefix(orig, magicZip) {
			parts = unzipAll(t, orig)
		}
		for round := 0; round < rounds; round++ {
			var data []byte
			if parts != nil && round%2 == 0 {
				// mutate the XML inside the archive, so the zip checksums hold
				m := map[string]string{}
				for k, v := range parts {
					m[k] = v
				}
				for name, v := range m {
					if !strings.HasSuffix(name, ".xml") || rng.Intn(2) == 0 || len(v) == 0 {
						continue
					}
					b := []byte(v)
					for k := 0; k < 1+rng.Intn(8); k++ {
						b[rng.Intn(len(b))] = "<>/\"=0123456789x &;:"[rng.Intn(20)]
					}
					m[name] = string(b)
				}
				data = rezip(t, m)
			} else {
				data = bytes.Clone(orig)
				for k := 0; k < 1+rng.Intn(16); k++ {
					data[rng.Intn(len(data))] = byte(rng.Intn(256))
				}
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s round %d: panic %v", f, round, r)
					}
				}()
				_, err := Read(context.Background(), data, f, Limits{})
				if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedFormat) && !errors.Is(err, ErrTooLarge) {
					t.Errorf("%s round %d: untyped error %v", f, round, err)
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s round %d: no answer after 10 s", f, round)
			}
		}
	}
}

func TestPanicBecomesError(t *testing.T) {
	testHook = func() { panic("boom") }
	defer func() { testHook = nil }()
	_, err := Read(context.Background(), []byte("a;b\n"), "x.csv", Limits{})
	expectErr(t, err, ErrCorrupt)
	var e *Error
	if errors.As(err, &e); e.Cause == nil || !strings.Contains(e.Cause.Error(), "boom") {
		t.Errorf("cause lost: %+v", e)
	}
	if e.Filename != "x.csv" {
		t.Errorf("filename %q", e.Filename)
	}
}
