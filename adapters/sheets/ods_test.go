package sheets

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

const odsHead = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">
<office:automatic-styles>
<style:style style:name="ta1" style:family="table" style:master-page-name="Default"><style:table-properties table:display="true"/></style:style>
<style:style style:name="ta2" style:family="table" style:master-page-name="Default"><style:table-properties table:display="false"/></style:style>
<style:style style:name="ce1" style:family="table-cell"><style:table-cell-properties/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet>`

const odsTail = `</office:spreadsheet></office:body></office:document-content>`

func buildODS(t testing.TB, tables string) []byte {
	return zipParts(t,
		[2]string{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"},
		[2]string{"META-INF/manifest.xml", `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>`},
		[2]string{"content.xml", odsHead + tables + odsTail},
	)
}

func TestODSCells(t *testing.T) {
	tables := `<table:table table:name="Schüler" table:style-name="ta1">
<table:table-column table:number-columns-repeated="2"/>
<table:table-column table:visibility="collapse"/>
<table:table-column table:number-columns-repeated="16381"/>
<table:table-header-rows>
<table:table-row><table:table-cell table:number-columns-spanned="3" office:value-type="string"><text:p>Liste <text:span>Klasse</text:span> 1a</text:p></table:table-cell><table:covered-table-cell table:number-columns-repeated="2"/><table:table-cell table:number-columns-repeated="16381"/></table:table-row>
</table:table-header-rows>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
<table:table-row>
 <table:table-cell office:value-type="float" office:value="6108"><text:p>06108</text:p></table:table-cell>
 <table:table-cell office:value-type="float" office:value="0.30000000000000004"><text:p>0,3</text:p></table:table-cell>
 <table:table-cell office:value-type="percentage" office:value="0.25"><text:p>25 %</text:p></table:table-cell>
 <table:table-cell office:value-type="currency" office:currency="EUR" office:value="12.5"><text:p>12,50 €</text:p></table:table-cell>
 <table:table-cell office:value-type="date" office:date-value="2020-03-31T08:15:00"><text:p>31.03.20 08:15</text:p></table:table-cell>
 <table:table-cell office:value-type="date" office:date-value="2020-03-31T00:00:00"><text:p>31.03.20</text:p></table:table-cell>
 <table:table-cell office:value-type="time" office:time-value="PT08H15M00S"><text:p>08:15</text:p></table:table-cell>
 <table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>WAHR</text:p></table:table-cell>
 <table:table-cell office:value-type="string" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>
 <table:table-cell table:formula="of:=[.A4]" office:value-type="float" office:value="6108"><text:p>6108</text:p></table:table-cell>
</table:table-row>
<table:table-row table:visibility="collapse">
 <table:table-cell office:value-type="string"><text:p>Zwei<text:s text:c="3"/>Leer<text:tab/>Tab</text:p><text:p>Absatz   zwei</text:p></table:table-cell>
 <table:table-cell office:value-type="string"><office:annotation><dc:creator>Sekretariat</dc:creator><text:p>Kommentar</text:p></office:annotation><text:p>mit Kommentar</text:p></table:table-cell>
 <table:table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>doppelt</text:p></table:table-cell>
 <table:table-cell office:value-type="string" office:string-value="Attribut"><text:p>angezeigt</text:p></table:table-cell>
 <table:table-cell><text:p>ohne Typ</text:p></table:table-cell>
 <table:table-cell office:value-type="float" office:value="1"/>
 <table:table-cell table:number-columns-repeated="16377"/>
</table:table-row>
<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string"><text:p>gleich</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048560"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table>
<table:table table:name="Versteckt" table:style-name="ta2"><table:table-row><table:table-cell table:number-columns-repeated="3"/><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>`
	wb := mustRead(t, buildODS(t, tables), "liste.ods", Limits{})
	if wb.Format != FormatODS {
		t.Errorf("format %s", wb.Format)
	}
	if got := sheetNames(wb); !reflect.DeepEqual(got, []string{"Schüler", "Versteckt"}) {
		t.Fatalf("sheets %q", got)
	}
	if wb.Sheets[0].Hidden || !wb.Sheets[1].Hidden {
		t.Errorf("hidden %v %v", wb.Sheets[0].Hidden, wb.Sheets[1].Hidden)
	}
	s := wb.Sheets[0]
	if got := rowNumbers(s); !reflect.DeepEqual(got, []int{1, 4, 5, 6, 7, 8}) {
		t.Fatalf("rows %v", got)
	}
	if !s.Rows[2].Hidden || s.Rows[1].Hidden {
		t.Errorf("row visibility %v %v", s.Rows[1].Hidden, s.Rows[2].Hidden)
	}
	for ref, w := range map[string]Cell{
		"A1": {Value: "Liste Klasse 1a", Kind: KindText},
		"B1": {},
		"A4": {Value: "6108", Kind: KindNumber},
		"B4": {Value: "0.3", Kind: KindNumber},
		"C4": {Value: "0.25", Kind: KindNumber, Hidden: true},
		"D4": {Value: "12.5", Kind: KindNumber},
		"E4": {Value: "2020-03-31T08:15:00", Kind: KindDate},
		"F4": {Value: "2020-03-31", Kind: KindDate},
		"G4": {Value: "08:15:00", Kind: KindDate},
		"H4": {Value: "TRUE", Kind: KindBool},
		"I4": {Value: "#DIV/0!", Kind: KindError},
		"J4": {Value: "6108", Kind: KindNumber},
		"A5": {Value: "Zwei   Leer\tTab\nAbsatz zwei", Kind: KindText},
		"B5": {Value: "mit Kommentar", Kind: KindText},
		"C5": {Value: "doppelt", Kind: KindText, Hidden: true},
		"D5": {Value: "doppelt", Kind: KindText},
		"E5": {Value: "Attribut", Kind: KindText},
		"F5": {Value: "ohne Typ", Kind: KindText},
		"G5": {Value: "1", Kind: KindNumber},
		"A6": {Value: "gleich", Kind: KindText},
		"A8": {Value: "gleich", Kind: KindText},
	} {
		if got := cellAt(s, ref); got != w {
			t.Errorf("%s = %+v, want %+v", ref, got, w)
		}
	}
	if got := cellAt(wb.Sheets[1], "D1"); got.Value != "x" {
		t.Errorf("Versteckt!D1 = %+v", got)
	}
}

func TestODSRepeatLimits(t *testing.T) {
	table := func(rows string) []byte {
		return buildODS(t, `<table:table table:name="T">`+rows+`</table:table>`)
	}
	// a million repeated empty rows and columns cost nothing
	start := time.Now()
	wb := mustRead(t, table(strings.Repeat(`<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>`, 50)+
		`<table:table-row><table:table-cell office:value-type="string"><text:p>unten</text:p></table:table-cell></table:table-row>`), "", Limits{})
	if d := time.Since(start); d > 10*time.Second { // materialising them would take minutes
		t.Errorf("empty repeats took %v", d)
	}
	if got := rowNumbers(wb.Sheets[0]); !reflect.DeepEqual(got, []int{50*1048576 + 1}) {
		t.Errorf("rows %v", got)
	}
	// a value repeated over all columns, or a row with a value repeated a million times, is too large
	_, err := Read(context.Background(), table(`<table:table-row><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>`), "", Limits{})
	expectErr(t, err, ErrTooLarge)
	_, err = Read(context.Background(), table(`<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>`), "", Limits{})
	expectErr(t, err, ErrTooLarge)
	// text:s with a huge count is capped
	wb = mustRead(t, table(`<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/>b</text:p></table:table-cell></table:table-row>`), "", Limits{})
	if v := cellAt(wb.Sheets[0], "A1").Value; len(v) > 2000 || !strings.HasPrefix(v, "a ") || !strings.HasSuffix(v, " b") {
		t.Errorf("A1 has %d bytes", len(v))
	}
}

func TestODSBroken(t *testing.T) {
	_, err := Read(context.Background(), buildODS(t, `<table:table table:name="T"><table:table-row><table:table-cell>`), "", Limits{})
	expectErr(t, err, ErrCorrupt)
	_, err = Read(context.Background(), zipParts(t, [2]string{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}), "", Limits{})
	expectErr(t, err, ErrCorrupt)
	_, err = Read(context.Background(), zipParts(t, [2]string{"mimetype", "application/vnd.oasis.opendocument.text"}, [2]string{"content.xml", "<x/>"}), "brief.odt", Limits{})
	expectErr(t, err, ErrUnsupportedFormat)

	_, err = Read(context.Background(), zipParts(t,
		[2]string{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"},
		[2]string{"META-INF/manifest.xml", `<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>`},
		[2]string{"content.xml", "\x8b\x13binary"}), "geheim.ods", Limits{})
	expectErr(t, err, ErrUnsupportedFormat)
	if !strings.Contains(err.Error(), "Kennwort") {
		t.Errorf("message %q", err)
	}
}
