package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
)

// Issue 14 in the CLI: a register that would mark 300 of 400 children
// weggezogen is not taken without --confirm-removals 300; the output says
// the number, what it means and the fields the list does not deliver.
func TestImportCommandConfirmsRemovals(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.URL(t), "SCHULGATEWAY_DEV": "true"}
	getenv := func(k string) string { return env[k] }
	run := func(args ...string) (string, error) {
		var out, errOut syncBuffer
		err := cmdImport(context.Background(), args, getenv, &out, &errOut)
		return out.String(), err
	}
	const testdata = "../../adapters/sheets/testdata/"
	if out, err := run("--kind", "melderegister", testdata+"melderegister.xlsx"); err != nil {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	out, err := run("--kind", "melderegister", testdata+"melderegister_excel_export.csv")
	if !errors.Is(err, errRejected) || !strings.Contains(out, "Bestätigung nötig: 300 Datensätze würden als weggezogen markiert werden") ||
		!strings.Contains(out, "--confirm-removals 300") || !strings.Contains(out, "Nicht geliefert – bleiben unverändert: Rufname") {
		t.Fatalf("without confirmation: %v\n%s", err, out)
	}
	if out, err := run("--kind", "melderegister", "--confirm-removals", "299", testdata+"melderegister_excel_export.csv"); !errors.Is(err, errRejected) {
		t.Errorf("confirmed 299 of 300: %v\n%s", err, out)
	}
	out, err = run("--kind", "melderegister", "--confirm-removals", "300", testdata+"melderegister_excel_export.csv")
	if err != nil || !strings.Contains(out, "übernommen") || !strings.Contains(out, "entfernt 300") {
		t.Errorf("confirmed 300: %v\n%s", err, out)
	}
}
