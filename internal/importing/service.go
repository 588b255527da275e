package importing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/page"
)

// Status of an import.
type Status string

const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"   // the file could not be read, or processing broke
	StatusRejected  Status = "rejected" // on_error=reject and some rows are invalid
)

// OnError says what a commit does with invalid rows.
type OnError string

const (
	OnErrorReject OnError = "reject" // write nothing if any row is invalid
	OnErrorSkip   OnError = "skip"   // write the valid rows, report the rest
)

// Counts are the numbers staff see after an import.
type Counts struct {
	Rows      int `json:"rows"`
	Valid     int `json:"valid"`
	Invalid   int `json:"invalid"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
	// Auskunftssperren lifted by an explicit "nein" in the list, and new
	// ones (on stored or new children); melderegister only.
	AuskunftssperreAufgehoben int `json:"auskunftssperre_aufgehoben,omitempty"`
	AuskunftssperreNeu        int `json:"auskunftssperre_neu,omitempty"`
}

// Import is one uploaded list and what became of it.
type Import struct {
	ID          string
	Listenart   Listenart
	Status      Status
	DryRun      bool
	OnError     OnError
	Sheet       string // asked for
	Schulnummer string // upload-wide school of a pupil list
	// ConfirmRemovals is the number of removals the uploader confirmed
	// (nil: none); see Decide.
	ConfirmRemovals *int
	Filename        string
	Size            int64
	CreatedBy       string
	CreatedAt       time.Time
	StartedAt       *time.Time
	FinishedAt      *time.Time
	RowsRead        int
	SheetUsed       string
	HeaderRow       int
	Counts          Counts
	Detail          string
	UndoneAt        *time.Time
	// NotDelivered names the fields without a column (their stored values
	// were kept); Schulen the schools a pupil list changes.
	NotDelivered []string
	Schulen      []string
	// RemovalsToConfirm > 0: the list was not applied (or, in a dry run,
	// would not be) unless exactly this many removals are confirmed.
	RemovalsToConfirm int
	// Recognised is the header the run read (sheet, header row, which
	// column fed which field), kept with the import when it finished; nil
	// while it runs, when no sheet could be read, and for imports that
	// finished before it was kept (migration 0105).
	Recognised *Recognition
}

// StoredProblem is a problem as kept with an import.
type StoredProblem struct {
	Sheet   string
	Row     int // 0: the file as a whole
	Column  int // -1: the row as a whole
	Field   string
	Code    string
	Message string
	// OhneSperre is true when the row's Auskunftssperre cell says
	// explicitly that there is none. Otherwise (no such column, an empty
	// or unreadable cell, a problem of the file) the row's address may be
	// blocked, and roles that see no address under a Sperre do not see it.
	OhneSperre bool
}

// Store keeps imports. Process runs the import with the given id to its
// end (used by the job worker and the CLI).
type Store interface {
	Create(ctx context.Context, imp Import, file File) (Import, error)
	Get(ctx context.Context, id string) (Import, error)
	// List returns up to limit imports, newest first, after the one with
	// id after ("" = from the newest).
	List(ctx context.Context, limit int, after string) ([]Import, error)
	Problems(ctx context.Context, id string) ([]StoredProblem, error)
	File(ctx context.Context, id string) (File, error)
	Undo(ctx context.Context, id string) error
	Mapping(ctx context.Context, kind Listenart) (Mapping, error)
	// SaveMapping stores m; pruefe, if not nil, sees the stored mappings
	// of the kind first (no other writer of the kind in between) and may
	// refuse.
	SaveMapping(ctx context.Context, kind Listenart, m Mapping, by string, pruefe func(alt Mapping) error) error
}

// Request is what an uploader asks for.
type Request struct {
	Kind        string
	DryRun      bool
	OnError     string
	Sheet       string
	Schulnummer string
	// ConfirmRemovals confirms that the list may remove exactly this many
	// records (nil: no confirmation).
	ConfirmRemovals *int
	Filename        string
	CreatedBy       string
	// RunHere marks an import that the caller processes itself (the CLI):
	// it is stored as running, so no background worker takes it.
	RunHere bool
}

// Limits bound what an upload may be.
type Limits struct {
	MaxBytes int
}

// Service is the import capability as callers (HTTP, CLI) use it.
type Service struct {
	store  Store
	limits Limits
}

func NewService(store Store, limits Limits) *Service { return &Service{store: store, limits: limits} }

// Submit validates the request and queues the import.
func (s *Service) Submit(ctx context.Context, req Request, file File) (Import, error) {
	var fe []apperr.FieldError
	kind, err := ParseListenart(req.Kind)
	if err != nil || req.Kind == "" {
		fe = append(fe, apperr.FieldError{Pointer: "/kind", Code: CodeListenartUnbekannt,
			Message: UnknownListenartMessage(req.Kind)})
	}
	onErr := OnError(strings.ToLower(strings.TrimSpace(req.OnError)))
	if onErr == "" {
		onErr = OnErrorReject
	}
	if onErr != OnErrorReject && onErr != OnErrorSkip {
		fe = append(fe, apperr.FieldError{Pointer: "/on_error", Code: "wert_unbekannt",
			Message: fmt.Sprintf("„%s“ ist nicht erlaubt. Erwartet: reject (nichts schreiben, wenn eine Zeile fehlerhaft ist) oder skip (fehlerfreie Zeilen schreiben).", req.OnError)})
	}
	if req.Schulnummer != "" {
		if _, p := ParseSchulnummer(req.Schulnummer, 0); p != nil {
			fe = append(fe, apperr.FieldError{Pointer: "/schulnummer", Code: p.Code, Message: p.Message})
		}
	}
	if req.ConfirmRemovals != nil && *req.ConfirmRemovals < 0 {
		fe = append(fe, apperr.FieldError{Pointer: "/confirm_removals", Code: "wert_ungueltig",
			Message: "confirm_removals muss die Zahl der Entfernungen sein, die der Probelauf genannt hat (0 oder mehr)."})
	}
	switch {
	case file.Size() == 0:
		fe = append(fe, apperr.FieldError{Pointer: "/file", Code: "datei_leer", Message: "Die hochgeladene Datei ist leer."})
	case s.limits.MaxBytes > 0 && file.Size() > int64(s.limits.MaxBytes):
		fe = append(fe, apperr.FieldError{Pointer: "/file", Code: "datei_zu_gross",
			Message: fmt.Sprintf("Die Datei ist %s groß; erlaubt sind höchstens %s.", humanBytes(file.Size()), humanBytes(int64(s.limits.MaxBytes)))})
	}
	if err := apperr.Invalid("Der Upload kann so nicht angenommen werden.", fe); err != nil {
		return Import{}, err
	}
	status := StatusQueued
	if req.RunHere {
		status = StatusRunning
	}
	return s.store.Create(ctx, Import{
		Listenart: kind, Status: status, DryRun: req.DryRun, OnError: onErr, Sheet: strings.TrimSpace(req.Sheet),
		Schulnummer: strings.TrimSpace(req.Schulnummer), ConfirmRemovals: req.ConfirmRemovals, Filename: req.Filename, Size: file.Size(), CreatedBy: req.CreatedBy,
	}, file)
}

func (s *Service) Get(ctx context.Context, id string) (Import, error) { return s.store.Get(ctx, id) }

// List returns a page of past imports, newest first; its Next is the id
// to pass as after for the following page ("" when there is none).
func (s *Service) List(ctx context.Context, limit int, after string) (page.Page[Import], error) {
	if err := page.CheckLimit(limit); err != nil {
		return page.Page[Import]{}, err
	}
	list, err := s.store.List(ctx, limit+1, after)
	if err != nil {
		return page.Page[Import]{}, err
	}
	return page.Cut(list, limit, func(imp Import) string { return imp.ID }), nil
}

// Recognise reports what an import of kind would read from src (sheet,
// header row, columns), with the kind's saved header mappings. An empty
// kind is guessed from the headers; the kind is then unknown (422) only
// when no kind's header is found at all.
func (s *Service) Recognise(ctx context.Context, src Source, kind, sheet string) (Recognition, error) {
	if kind == "" {
		mappings := map[Listenart]Mapping{}
		for _, k := range Listenarten() {
			m, err := s.store.Mapping(ctx, k)
			if err != nil {
				return Recognition{}, err
			}
			mappings[k] = m
		}
		r, ok, err := GuessListenart(ctx, src, sheet, mappings)
		if err != nil {
			return Recognition{}, err
		}
		if !ok {
			return Recognition{}, apperr.Invalid("Die Listenart ließ sich nicht erkennen.", []apperr.FieldError{{Pointer: "/kind", Code: "listenart_nicht_erkannt",
				Message: "In der Datei wurde keine Kopfzeile einer bekannten Liste gefunden. Bitte die Listenart auswählen."}})
		}
		return r, nil
	}
	k, err := ParseListenart(kind)
	if err != nil {
		return Recognition{}, apperr.Invalid("Der Upload kann so nicht angenommen werden.", []apperr.FieldError{{Pointer: "/kind", Code: CodeListenartUnbekannt,
			Message: UnknownListenartMessage(kind)}})
	}
	m, err := s.store.Mapping(ctx, k)
	if err != nil {
		return Recognition{}, err
	}
	return Recognise(ctx, src, k, sheet, m)
}

func (s *Service) Problems(ctx context.Context, id string) ([]StoredProblem, error) {
	if _, err := s.store.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.store.Problems(ctx, id)
}

func (s *Service) File(ctx context.Context, id string) (File, error) { return s.store.File(ctx, id) }

func (s *Service) Undo(ctx context.Context, id string) error { return s.store.Undo(ctx, id) }

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d Bytes", n)
}

// Mapping returns the saved header mappings of a kind (normalised header →
// field; "" = ignore the column).
func (s *Service) Mapping(ctx context.Context, kind string) (Listenart, Mapping, error) {
	k, err := ParseListenart(kind)
	if err != nil {
		return "", nil, apperr.NotFound(fmt.Sprintf("Eine Listenart „%s“ gibt es nicht. Erwartet: %s.", kind, ListenartNamen()))
	}
	m, err := s.store.Mapping(ctx, k)
	return k, m, err
}

// SaveMapping stores header mappings for later uploads of the kind: each
// header (as written in the file) names a field of the kind, or "" to
// ignore the column. Every entry is checked before anything is saved.
func (s *Service) SaveMapping(ctx context.Context, kind string, m Mapping, by string) error {
	return s.SaveMappingWenn(ctx, kind, m, by, nil)
}

// SaveMappingWenn is SaveMapping for a client that read the mappings
// first: they are saved only while passt accepts the stored ones (the
// state the client read), else apperr.ClassPreconditionFailed. passt nil: always.
func (s *Service) SaveMappingWenn(ctx context.Context, kind string, m Mapping, by string, passt func(Mapping) bool) error {
	k, err := ParseListenart(kind)
	if err != nil {
		return apperr.NotFound(fmt.Sprintf("Eine Listenart „%s“ gibt es nicht. Erwartet: %s.", kind, ListenartNamen()))
	}
	known := map[string]bool{"": true}
	var names []string
	for _, f := range Fields(k) {
		known[f.Name] = true
		names = append(names, f.Name)
	}
	var fe []apperr.FieldError
	norm := Mapping{}
	for header, field := range m {
		h := NormalizeHeader(header)
		switch {
		case h == "":
			fe = append(fe, apperr.FieldError{Pointer: "/mappings", Code: "kopfzeile_leer", Message: "Eine Spaltenüberschrift ohne Buchstaben oder Ziffern kann nicht zugeordnet werden."})
		case !known[field]:
			fe = append(fe, apperr.FieldError{Pointer: "/mappings/" + header, Code: "feld_unbekannt",
				Message: fmt.Sprintf("„%s“ ist kein Feld der Liste „%s“. Erlaubt: %s, oder leer zum Ignorieren.", field, k.Label(), strings.Join(names, ", "))})
		default:
			norm[h] = field
		}
	}
	if err := apperr.Invalid("Die Zuordnung kann so nicht gespeichert werden.", fe); err != nil {
		return err
	}
	var pruefe func(Mapping) error
	if passt != nil {
		pruefe = func(alt Mapping) error {
			if !passt(alt) {
				return apperr.PreconditionFailed(fmt.Sprintf("Die Zuordnungen der Liste „%s“ wurden inzwischen von jemand anderem geändert. Bitte den aktuellen Stand (unter „aktuell“) prüfen und die Zuordnung darauf erneut vornehmen.", k.Label()))
			}
			return nil
		}
	}
	return s.store.SaveMapping(ctx, k, norm, by, pruefe)
}
