package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/schulgateway/schulgateway/adapters/postgres"
)

// errChainBroken makes `audit verify` exit with status 1 after it said why.
var errChainBroken = errors.New("Zugriffsprotokoll: Kette gebrochen")

func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("audit verify", "Prüft die Hash-Kette des Zugriffsprotokolls von der ältesten noch aufbewahrten Stelle bis zum\n"+
		"jüngsten Eintrag. Exit-Status 0: unversehrt; 1: ein Eintrag fehlt oder wurde verändert (die Ausgabe nennt ihn).", stderr)
	if len(args) == 0 || args[0] != "verify" {
		fs.Usage()
		return usageError{"audit: Unterbefehl „verify“ erwartet"}
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	pool, _, err := openDB(ctx, or(getenv("DATABASE_URL"), postgres.DefaultURL))
	if err != nil {
		return err
	}
	defer pool.Close()
	n, bruch, err := postgres.NewAuditStore(pool).Verify(ctx)
	if err != nil {
		return err
	}
	if bruch != nil {
		fmt.Fprintf(stdout, "Kette gebrochen bei Eintrag %d: %s\n(%d Einträge davor sind unversehrt.)\n", bruch.Seq, bruch.Grund, n)
		return errChainBroken
	}
	fmt.Fprintf(stdout, "Zugriffsprotokoll unversehrt: %d Einträge geprüft.\n", n)
	return nil
}
