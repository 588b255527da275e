package sheets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// Check refuses at upload what the import could not read, with the code
// the HTTP layer turns into a status, and passes every sample list.
func TestCheckAtUpload(t *testing.T) {
	wide := worksheet("", fmt.Sprintf(`<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="%s1"><v>1</v></c></row>`, "XFD"))
	entityBomb := `<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&c;&c;&c;</t></is></c></row></sheetData></worksheet>`
	for _, tc := range []struct {
		name, file string
		data       []byte
		code       string // "" = accepted
	}{
		{"truncated", "liste.xlsx", readTestdata(t, "melderegister.xlsx")[:2000], "datei_unlesbar"},
		{"truncated ods", "liste.ods", readTestdata(t, "melderegister_libreoffice.ods")[:3000], "datei_unlesbar"},
		{"zip bomb by declared size", "bombe.xlsx", setDeclaredSize(t, bomb(t, 1<<20), "xl/worksheets/sheet1.xml", 1<<31), "datei_zu_gross"},
		{"a column far to the right", "breit.xlsx", buildXLSX(t, nil, xsheet{name: "S", xml: wide}), "datei_zu_gross"},
		{"random bytes", "bild.xlsx", []byte("\x00\x01\x02 kein Tabellenblatt \xff"), "format_nicht_unterstuetzt"},
		{"entity bomb (refused, never expanded)", "entities.xlsx", buildXLSX(t, nil, xsheet{name: "S", xml: entityBomb}), "datei_unlesbar"},
		{"sample xlsx", "melderegister.xlsx", readTestdata(t, "melderegister.xlsx"), ""},
		{"sample ods", "melderegister_libreoffice.ods", readTestdata(t, "melderegister_libreoffice.ods"), ""},
		{"sample xls", "melderegister_legacy.xls", readTestdata(t, "melderegister_legacy.xls"), ""},
		{"sample csv", "melderegister_excel_export.csv", readTestdata(t, "melderegister_excel_export.csv"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Uploads{}.Check(context.Background(), bytes.NewReader(tc.data), tc.file)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe *importing.FileError
			if !errors.As(err, &fe) || fe.Code != tc.code || fe.Message == "" || strings.Contains(fe.Message, "zip:") {
				t.Fatalf("got %T %v, want code %s with a German message", err, err, tc.code)
			}
		})
	}
}

// The operator's limits hold: a sheet wider than MaxColumns and a file
// unpacking to more than MaxUnpacked are refused, the sample lists are
// not, in xlsx and in the formats read whole.
func TestUploadsLimitsAreTheOperators(t *testing.T) {
	narrow := Uploads{MaxColumns: 5}
	small := Uploads{MaxUnpacked: 1 << 20}
	for _, tc := range []struct {
		name string
		up   Uploads
		file string
		data []byte
		code string
	}{
		{"more than 5 columns (xlsx)", narrow, "melderegister.xlsx", readTestdata(t, "melderegister.xlsx"), "datei_zu_gross"},
		{"more than 5 columns (csv)", narrow, "melderegister_excel_export.csv", readTestdata(t, "melderegister_excel_export.csv"), "datei_zu_gross"},
		{"2 MB unpacked, 1 MB allowed", small, "bombe.xlsx", bomb(t, 2<<20), "datei_zu_gross"},
		{"the sample within 1 MB", small, "melderegister.xlsx", readTestdata(t, "melderegister.xlsx"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.up.Check(context.Background(), bytes.NewReader(tc.data), tc.file)
			var fe *importing.FileError
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (!errors.As(err, &fe) || fe.Code != tc.code):
				t.Fatalf("got %v, want code %s", err, tc.code)
			}
		})
	}
	if err := (Uploads{}).Check(context.Background(), bytes.NewReader(bomb(t, 2<<20)), "bombe.xlsx"); err != nil {
		t.Errorf("2 MB unpacked refused with the default limits: %v", err)
	}
}
