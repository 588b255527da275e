package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// errRejected makes `import` exit non-zero when the list was not taken.
var errRejected = errors.New("Import nicht übernommen")

func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("import", "Importiert eine Liste (xlsx, xls, ods, csv) direkt, ohne laufenden Gateway, mit Fortschrittsanzeige.\nExit-Status 0: übernommen; 1: abgelehnt, fehlgeschlagen oder (Probelauf) Bestätigung nötig; 2: falscher Aufruf.\n\nAufruf: schulgateway import --kind <art> [--dry-run] [--on-error skip] [--confirm-removals N] DATEI", stderr)
	kind := fs.String("kind", "", "Listenart: "+importing.KindNames())
	dryRun := fs.Bool("dry-run", false, "Probelauf: prüfen und zeigen, was sich ändern würde, nichts schreiben")
	onError := fs.String("on-error", "reject", "reject: nichts schreiben, wenn eine Zeile fehlerhaft ist; skip: fehlerfreie Zeilen schreiben")
	sheet := fs.String("sheet", "", "Name der Tabelle (sonst die am besten passende)")
	schulnummer := fs.String("schulnummer", "", "Schule einer Schülerliste: nur diese Schule wird geändert; Zeilen anderer Schulen sind Fehler")
	confirm := fs.Int("confirm-removals", -1, "bestätigt, dass die Liste genau N Datensätze entfernen darf (Kinder als weggezogen, Schüler als abgegangen markieren); nötig, wenn sie mehr als IMPORT_MAX_REMOVAL_SHARE (5 %) ihres Bereichs entfernen würde")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"genau eine Datei angeben: schulgateway import --kind <art> DATEI"}
	}
	path := fs.Arg(0)
	var errs []error
	up := uploads(getenv, &errs)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("Datei %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("Datei %s: %w", path, err)
	}
	data := io.NewSectionReader(f, 0, st.Size())
	pool, _, err := openDB(ctx, or(getenv("DATABASE_URL"), postgres.DefaultURL))
	if err != nil {
		return err
	}
	defer pool.Close()
	dev, _ := strconv.ParseBool(getenv("SCHULGATEWAY_DEV"))
	key, err := pseudonymKey(getenv, dev)
	if err != nil {
		return err
	}
	ps, err := einschulung.NewPseudonymizer(key)
	if err != nil {
		return err
	}
	store := postgres.NewImportStore(pool, ps.ID)
	svc := importing.NewService(store, importing.Limits{MaxBytes: importMaxBytes(getenv)})
	var confirmRemovals *int
	if *confirm >= 0 {
		confirmRemovals = confirm
	}
	var cfgErrs []error
	share := removalShare(getenv, &cfgErrs)
	if len(cfgErrs) > 0 {
		return errors.Join(cfgErrs...)
	}
	imp, err := svc.Submit(ctx, importing.Request{
		Kind: *kind, DryRun: *dryRun, OnError: *onError, Sheet: *sheet, Schulnummer: *schulnummer, ConfirmRemovals: confirmRemovals,
		Filename: filepath.Base(path), CreatedBy: "cli:" + currentUser(), RunHere: true,
	}, data)
	if err != nil {
		return describe(err)
	}
	id := imp.ID
	bar := newProgressBar(stderr)
	proc := postgres.NewProcessor(store, up.Open)
	proc.MaxRemovalShare = share
	err = proc.Process(ctx, id, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	imp, err = store.Get(ctx, id)
	if err != nil {
		return err
	}
	printSummary(ctx, stdout, svc, imp)
	if imp.Status != importing.StatusSucceeded || imp.RemovalsToConfirm > 0 {
		return errRejected
	}
	return nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unbekannt"
}

func printSummary(ctx context.Context, w io.Writer, svc *importing.Service, imp importing.Import) {
	c := imp.Counts
	fmt.Fprintf(w, "Import %s (%s, %s): %s\n", imp.ID, imp.Kind, imp.Filename, statusText(imp))
	if imp.SheetUsed != "" {
		fmt.Fprintf(w, "Tabelle „%s“, Kopfzeile in Zeile %d\n", imp.SheetUsed, imp.HeaderRow)
	}
	fmt.Fprintf(w, "Zeilen %d · gültig %d · fehlerhaft %d · neu %d · geändert %d · unverändert %d · entfernt %d\n",
		c.Rows, c.Valid, c.Invalid, c.Created, c.Updated, c.Unchanged, c.Removed)
	if c.AuskunftssperreAufgehoben > 0 || c.AuskunftssperreNeu > 0 {
		fmt.Fprintf(w, "Auskunftssperren: %d aufgehoben · %d neu\n", c.AuskunftssperreAufgehoben, c.AuskunftssperreNeu)
	}
	if len(imp.Schulen) > 0 {
		fmt.Fprintf(w, "Betroffene Schulen: %s\n", strings.Join(imp.Schulen, ", "))
	}
	if len(imp.NotDelivered) > 0 {
		labels := map[string]string{}
		for _, f := range importing.Fields(imp.Kind) {
			labels[f.Name] = f.Label
		}
		names := make([]string, len(imp.NotDelivered))
		for i, f := range imp.NotDelivered {
			names[i] = labels[f]
		}
		fmt.Fprintf(w, "Nicht geliefert – bleiben unverändert: %s\n", strings.Join(names, ", "))
	}
	if imp.RemovalsToConfirm > 0 {
		fmt.Fprintf(w, "Bestätigung nötig: %d Datensätze würden %s werden. Wenn das stimmt: erneut mit --confirm-removals %d.\n",
			imp.RemovalsToConfirm, importing.RemovalMeaning(imp.Kind), imp.RemovalsToConfirm)
	}
	fmt.Fprintln(w, imp.Detail)
	problems, err := svc.Problems(ctx, imp.ID)
	if err != nil || len(problems) == 0 {
		return
	}
	const show = 20
	fmt.Fprintln(w, "Fehler:")
	for i, p := range problems {
		if i == show {
			fmt.Fprintf(w, "  … und %d weitere (alle: GET /v1/imports/%s/errors oder /errors.xlsx)\n", len(problems)-show, imp.ID)
			break
		}
		where := "Datei"
		if p.Row > 0 {
			where = fmt.Sprintf("Zeile %d", p.Row)
			if p.Column >= 0 {
				where = "Zelle " + importing.CellRef(p.Column, p.Row)
			}
		}
		fmt.Fprintf(w, "  %s: %s\n", where, p.Message)
	}
}

func statusText(imp importing.Import) string {
	switch imp.Status {
	case importing.StatusSucceeded:
		if imp.DryRun {
			return "Probelauf abgeschlossen, nichts geschrieben"
		}
		return "übernommen"
	case importing.StatusRejected:
		return "abgelehnt"
	case importing.StatusFailed:
		return "fehlgeschlagen"
	}
	return string(imp.Status)
}

// describe turns a refused request into lines for a shell.
func describe(err error) error {
	if e, ok := apperr.As(err); ok && e.Class == apperr.ClassInvalid {
		lines := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			lines[i] = "  - " + strings.TrimPrefix(f.Pointer, "/") + ": " + f.Message
		}
		return usageError{e.Detail + "\n" + strings.Join(lines, "\n")}
	}
	return err
}

// importMaxBytes reads IMPORT_MAX_BYTES (default 64 MiB).
func importMaxBytes(getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("IMPORT_MAX_BYTES")); err == nil && n > 0 {
		return n
	}
	return 64 << 20
}

// progressBar shows rows read and time on one terminal line.
type progressBar struct {
	w     io.Writer
	start time.Time
	tty   bool
	last  time.Time
	rows  int
}

func newProgressBar(w io.Writer) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressBar{w: w, start: time.Now(), tty: tty}
}

func (b *progressBar) update(rows int) {
	b.rows = rows
	if !b.tty && time.Since(b.last) < 5*time.Second {
		return
	}
	b.last = time.Now()
	b.draw("\r")
}

func (b *progressBar) draw(prefix string) {
	elapsed := time.Since(b.start).Seconds()
	const width = 24
	pos := int(elapsed*8) % (2 * width) // an indeterminate bar: the total is known only at the end
	if pos >= width {
		pos = 2*width - pos - 1
	}
	bar := strings.Repeat(" ", pos) + "█" + strings.Repeat(" ", width-pos-1)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(b.rows) / elapsed
	}
	if !b.tty {
		prefix = ""
	}
	fmt.Fprintf(b.w, "%s[%s] %d Zeilen gelesen · %.1f s · %.0f Zeilen/s", prefix, bar, b.rows, elapsed, rate)
	if !b.tty {
		fmt.Fprintln(b.w)
	}
}

func (b *progressBar) done() {
	b.draw("\r")
	if b.tty {
		fmt.Fprintln(b.w)
	}
}
