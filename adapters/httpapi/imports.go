package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/page"
)

// ImportDeps is what the import routes need beyond the service.
type ImportDeps struct {
	Service *importing.Service
	// Queued is called after an upload was stored, to start work at once.
	Queued func()
	// MarkedWorkbook writes the uploaded rows with a "Fehler" column and
	// the faulty cells marked to w as xlsx: the rows with problems only,
	// the hidden cells left empty.
	MarkedWorkbook func(ctx context.Context, imp importing.Import, file importing.File, problems []importing.StoredProblem, w io.Writer, hidden ...importing.HiddenCells) error
	// MaxBytes is the largest file accepted.
	MaxBytes int
	// CheckFile refuses, at upload, a file the import could not read (no
	// spreadsheet, damaged, a zip bomb, far too wide) with an
	// *importing.FileError; damage further down shows when the import runs.
	CheckFile func(ctx context.Context, file importing.File, filename string) error
	// Open reads an uploaded file as rows, to show what was recognised
	// and to guess the kind when none was given.
	Open func(ctx context.Context, file importing.File, filename string) (importing.Source, error)
}

type importJSON struct {
	ID         string            `json:"id"`
	Kind       string            `json:"kind"`
	Status     string            `json:"status"`
	DryRun     bool              `json:"dry_run"`
	OnError    string            `json:"on_error"`
	Filename   string            `json:"filename"`
	Size       int64             `json:"size"`
	CreatedBy  string            `json:"created_by"`
	CreatedAt  time.Time         `json:"created_at"`
	StartedAt  *time.Time        `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at"`
	Progress   progressJSON      `json:"progress"`
	Sheet      string            `json:"sheet"`
	HeaderRow  int               `json:"header_row"`
	Counts     importing.Counts  `json:"counts"`
	Detail     string            `json:"detail"`
	UndoneAt   *time.Time        `json:"undone_at"`
	Links      map[string]string `json:"links"`
	// Recognised is what the header row said (upload and finished imports).
	Recognised *recognisedJSON `json:"recognised,omitempty"`
	// KindDetected is true in the answer to an upload without kind.
	KindDetected bool `json:"kind_detected,omitempty"`
	// ConfirmRemovals is the number of removals the upload confirmed.
	ConfirmRemovals *int `json:"confirm_removals"`
	// RemovalsToConfirm > 0: not applied (a dry run: would not be) unless
	// uploaded again with confirm_removals equal to it; RemovalMeaning
	// says what a removal does ("als weggezogen markiert").
	RemovalsToConfirm int    `json:"removals_to_confirm"`
	RemovalMeaning    string `json:"removal_meaning"`
	// NotDelivered: fields without a column, kept as stored.
	NotDelivered []fieldJSON `json:"not_delivered"`
	// Schools a pupil list changes.
	Schools []string `json:"schools"`
}

type fieldJSON struct {
	Field string `json:"field"`
	Label string `json:"label"`
}

type recognisedJSON struct {
	Sheet     string             `json:"sheet"`
	HeaderRow int                `json:"header_row"`
	Columns   []columnJSON       `json:"columns"`
	Missing   []missingFieldJSON `json:"missing"`
	Fields    []missingFieldJSON `json:"fields"`
	Problem   string             `json:"problem"`
}

type columnJSON struct {
	Column string `json:"column"`
	Header string `json:"header"`
	Field  string `json:"field"`
	Label  string `json:"label"`
	Fuzzy  bool   `json:"fuzzy"`
}

type missingFieldJSON struct {
	Field    string `json:"field"`
	Label    string `json:"label"`
	Required bool   `json:"required"`
}

func toRecognisedJSON(r importing.Recognition) *recognisedJSON {
	out := &recognisedJSON{Sheet: r.Sheet, HeaderRow: r.HeaderRow, Problem: r.Problem,
		Columns: []columnJSON{}, Missing: []missingFieldJSON{}, Fields: []missingFieldJSON{}}
	for _, c := range r.Columns {
		out.Columns = append(out.Columns, columnJSON{Column: importing.ColumnLetter(c.Column), Header: c.Header, Field: c.Field, Label: c.Label, Fuzzy: c.Fuzzy})
	}
	for _, f := range r.Missing {
		out.Missing = append(out.Missing, missingFieldJSON{Field: f.Name, Label: f.Label, Required: f.Required})
	}
	for _, f := range importing.Fields(r.Listenart) {
		out.Fields = append(out.Fields, missingFieldJSON{Field: f.Name, Label: f.Label, Required: f.Required})
	}
	return out
}

// recognise opens the file and reports its header for kind ("" guesses
// the kind). A file that cannot be opened yields nil: the import itself
// reports why.
func (s *server) recognise(ctx context.Context, file importing.File, filename, kind, sheet string) (*importing.Recognition, error) {
	if s.Imports.Open == nil {
		return nil, nil
	}
	src, err := s.Imports.Open(ctx, file, filename)
	if err != nil {
		return nil, nil //nolint:nilerr // the import reports the unreadable file
	}
	r, err := s.Imports.Service.Recognise(ctx, src, kind, sheet)
	var fe *importing.FileError
	if errors.As(err, &fe) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

type progressJSON struct {
	RowsRead int `json:"rows_read"`
}

func toImportJSON(imp importing.Import) importJSON {
	base := "/v1/imports/" + imp.ID
	return importJSON{
		ID: imp.ID, Kind: string(imp.Listenart), Status: string(imp.Status), DryRun: imp.DryRun, OnError: string(imp.OnError),
		Filename: imp.Filename, Size: imp.Size, CreatedBy: imp.CreatedBy, CreatedAt: imp.CreatedAt.UTC(),
		StartedAt: imp.StartedAt, FinishedAt: imp.FinishedAt, Progress: progressJSON{RowsRead: imp.RowsRead},
		Sheet: imp.SheetUsed, HeaderRow: imp.HeaderRow, Counts: imp.Counts, Detail: imp.Detail, UndoneAt: imp.UndoneAt,
		Links:           map[string]string{"self": base, "errors": base + "/errors", "errors_xlsx": base + "/errors.xlsx"},
		ConfirmRemovals: imp.ConfirmRemovals, RemovalsToConfirm: imp.RemovalsToConfirm, RemovalMeaning: importing.RemovalMeaning(imp.Listenart),
		NotDelivered: notDeliveredJSON(imp), Schools: append([]string{}, imp.Schulen...),
	}
}

func notDeliveredJSON(imp importing.Import) []fieldJSON {
	labels := map[string]string{}
	for _, f := range importing.Fields(imp.Listenart) {
		labels[f.Name] = f.Label
	}
	out := []fieldJSON{}
	for _, f := range imp.NotDelivered {
		out = append(out, fieldJSON{Field: f, Label: labels[f]})
	}
	return out
}

// confirmParam reads confirm_removals: the number of removals the
// uploader confirms (nil when not given).
func confirmParam(c *fiber.Ctx, fe *[]apperr.FieldError) *int {
	v := strings.TrimSpace(c.Query("confirm_removals"))
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		*fe = append(*fe, apperr.FieldError{Pointer: "/confirm_removals", Code: "wert_ungueltig",
			Message: fmt.Sprintf("„%s“ ist für confirm_removals nicht erlaubt. Erwartet: die Zahl der Entfernungen, die der Probelauf genannt hat, z. B. 400.", c.Query("confirm_removals"))})
		return nil
	}
	return &n
}

func boolParam(c *fiber.Ctx, name string, fe *[]apperr.FieldError) bool {
	v := strings.ToLower(strings.TrimSpace(c.Query(name)))
	switch v {
	case "", "false", "0", "nein", "no":
		return false
	case "true", "1", "ja", "yes":
		return true
	}
	*fe = append(*fe, apperr.FieldError{Pointer: "/" + name, Code: "wert_unbekannt",
		Message: fmt.Sprintf("„%s“ ist für %s nicht erlaubt. Erwartet: true oder false.", c.Query(name), name)})
	return false
}

// uploadPath is where lists are uploaded; its body is not buffered (see
// bufferBody).
const uploadPath = "/v1/imports"

// maxUploadParts bounds the multipart parts read before the file.
const maxUploadParts = 16

// uploadEnvelope is room for the multipart headers and boundaries around
// the file.
const uploadEnvelope = 64 << 10

// uploadReadTime is how long an upload may take to arrive: tens of MB over
// an office line take longer than the RequestTimeout other requests get.
const uploadReadTime = 10 * time.Minute

// uploadLimit is the largest file accepted (IMPORT_MAX_BYTES).
func (s *server) uploadLimit() int {
	if s.Imports.MaxBytes > 0 {
		return s.Imports.MaxBytes
	}
	return 1 << 30
}

var errNoFile = errors.New("no file in upload")

// receiveUpload copies the multipart field "file" of the request to a
// temporary file as the body arrives: an upload costs a copy buffer, not
// its size, in memory. It returns errNoFile when there is no such field.
// The caller closes and removes the file.
func (s *server) receiveUpload(c *fiber.Ctx) (*os.File, string, error) {
	req := c.Request()
	boundary := string(req.Header.MultipartFormBoundary())
	if boundary == "" {
		return nil, "", errNoFile
	}
	limit := int64(s.uploadLimit())
	tooLarge := func() error {
		c.Context().SetConnectionClose() // the rest of the body is not read
		return apperr.TooLarge(fmt.Sprintf("Die Datei ist zu groß; erlaubt sind höchstens %d MB.", limit>>20))
	}
	if int64(req.Header.ContentLength()) > limit+uploadEnvelope {
		return nil, "", tooLarge()
	}
	var body io.Reader = req.BodyStream()
	if body == nil {
		body = bytes.NewReader(req.Body())
	}
	if conn := c.Context().Conn(); conn != nil {
		conn.SetReadDeadline(time.Now().Add(uploadReadTime)) //nolint:errcheck // a closed connection fails the read below
	}
	mr := multipart.NewReader(io.LimitReader(body, limit+uploadEnvelope+1), boundary)
	for range maxUploadParts {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", errNoFile
		}
		if err != nil {
			c.Context().SetConnectionClose()
			return nil, "", apperr.BadRequest("Der Upload ist kein vollständiges multipart/form-data; bitte erneut senden.")
		}
		if part.FormName() != "file" || part.FileName() == "" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				c.Context().SetConnectionClose()
				return nil, "", apperr.BadRequest("Der Upload ist kein vollständiges multipart/form-data; bitte erneut senden.")
			}
			continue
		}
		tmp, err := os.CreateTemp("", "schulgateway-upload-*")
		if err != nil {
			return nil, "", fmt.Errorf("upload: %w", err)
		}
		n, err := io.Copy(tmp, io.LimitReader(part, limit+1))
		switch {
		case n > limit:
			discardUpload(tmp)
			return nil, "", tooLarge()
		case err != nil:
			discardUpload(tmp)
			c.Context().SetConnectionClose()
			return nil, "", apperr.BadRequest("Die Datei im Upload ist nicht vollständig angekommen; bitte erneut senden.")
		}
		return tmp, part.FileName(), nil
	}
	return nil, "", errNoFile
}

func discardUpload(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

func (s *server) postImport(c *fiber.Ctx) error {
	var fe []apperr.FieldError
	dryRun := boolParam(c, "dry_run", &fe)
	confirm := confirmParam(c, &fe)
	tmp, filename, err := s.receiveUpload(c)
	switch {
	case errors.Is(err, errNoFile):
		fe = append(fe, apperr.FieldError{Pointer: "/file", Code: "datei_fehlt",
			Message: "Es wurde keine Datei übermittelt. Erwartet: multipart/form-data mit dem Feld „file“."})
	case err != nil:
		return err
	default:
		defer discardUpload(tmp)
	}
	if len(fe) > 0 {
		return apperr.Invalid("Der Upload kann so nicht angenommen werden.", fe)
	}
	// The request's time for its work starts once the upload is in.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), s.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	st, err := tmp.Stat()
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	// The file is read where it lies, never copied whole into memory.
	data := io.NewSectionReader(tmp, 0, st.Size())
	if s.Imports.CheckFile != nil {
		if err := s.Imports.CheckFile(c.UserContext(), data, filename); err != nil {
			var fe *importing.FileError
			if !errors.As(err, &fe) {
				return err
			}
			return apperr.Wrap(fe.Class(), fe.Message, err)
		}
	}
	// Without a kind the gateway guesses it from the headers and says so.
	kind := strings.TrimSpace(c.Query("kind"))
	var rec *importing.Recognition
	detected := false
	if kind == "" {
		if rec, err = s.recognise(c.UserContext(), data, filename, "", c.Query("sheet")); err != nil {
			return err
		}
		if rec != nil {
			kind, detected = string(rec.Listenart), true
		}
	}
	p := principal(c)
	imp, err := s.Imports.Service.Submit(c.UserContext(), importing.Request{
		Kind: kind, DryRun: dryRun, OnError: c.Query("on_error"), Sheet: c.Query("sheet"),
		Schulnummer: c.Query("schulnummer"), ConfirmRemovals: confirm, Filename: filename, CreatedBy: p.Subject,
	}, data)
	if err != nil {
		return err
	}
	if s.Imports.Queued != nil {
		s.Imports.Queued()
	}
	if rec == nil {
		if rec, err = s.recognise(c.UserContext(), data, filename, string(imp.Listenart), imp.Sheet); err != nil {
			return err
		}
	}
	c.Location("/v1/imports/" + imp.ID)
	c.Status(fiber.StatusAccepted)
	out := toImportJSON(imp)
	out.KindDetected = detected
	if rec != nil {
		out.Recognised = toRecognisedJSON(*rec)
	}
	return c.JSON(out)
}

func (s *server) getImport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	imp, err := s.Imports.Service.Get(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	out := toImportJSON(imp)
	// The header the run read, kept with the import when it finished; the
	// file is not read again (an import finished before headers were kept
	// answers without one).
	if imp.Recognised != nil {
		out.Recognised = toRecognisedJSON(*imp.Recognised)
	}
	return c.JSON(out)
}

// listImports pages through past imports, newest first.
func (s *server) listImports(c *fiber.Ctx) error {
	limit, after, err := pageQuery(c, "")
	if err != nil {
		return err
	}
	page, err := s.Imports.Service.List(c.UserContext(), limit, after)
	if err != nil {
		return err
	}
	items := make([]importJSON, len(page.Items))
	for i, imp := range page.Items {
		items[i] = toImportJSON(imp)
	}
	return sendPage(c, items, page.Next, "")
}

type importErrorJSON struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Cell    string `json:"cell"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// seesAddresses reports whether the caller sees the address in a row
// under an Auskunftssperre (field policy ImportError, message.anschrift).
func seesAddresses(c *fiber.Ctx) bool {
	return auth.Sieht(principal(c), "ImportError", "message.anschrift", true)
}

// problemsFor returns the problems of an import as the caller may see
// them: for a role that sees no address under an Auskunftssperre, the
// messages about an address in a row that may have one do not quote it.
func (s *server) problemsFor(c *fiber.Ctx, imp importing.Import) ([]importing.StoredProblem, error) {
	list, err := s.Imports.Service.Problems(c.UserContext(), imp.ID)
	if err != nil || seesAddresses(c) {
		return list, err
	}
	for i, p := range list {
		if p.Gesperrt(imp.Listenart) {
			list[i] = p.Redacted(imp.Listenart)
		}
	}
	return list, nil
}

// getImportErrors pages through an import's errors as the caller may see
// them; after is the number of errors already read. Without limit and
// after the answer is every error, as before the paging convention
// (deprecated).
func (s *server) getImportErrors(c *fiber.Ctx) error {
	paged := c.Query("limit") != "" || c.Query("after") != ""
	limit, after, err := pageQuery(c, "")
	if err != nil {
		return err
	}
	start := 0
	if after != "" {
		if start, err = strconv.Atoi(after); err != nil || start < 1 {
			return apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("position_ungueltig")})
		}
	}
	imp, err := s.Imports.Service.Get(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	list, err := s.problemsFor(c, imp)
	if err != nil {
		return err
	}
	next := ""
	if paged {
		list = list[min(start, len(list)):]
		if len(list) > limit {
			list, next = list[:limit], strconv.Itoa(start+limit)
		}
	}
	items := make([]importErrorJSON, len(list))
	for i, p := range list {
		e := importErrorJSON{Sheet: p.Sheet, Row: p.Row, Field: p.Field, Code: p.Code, Message: p.Message}
		if p.Column >= 0 && p.Row > 0 {
			e.Column = importing.ColumnLetter(p.Column)
			e.Cell = importing.CellRef(p.Column, p.Row)
		}
		items[i] = e
	}
	audit.Count(c.UserContext(), len(items))
	return sendPage(c, items, next, "")
}

// markedWorkbookTimeout bounds the work for errors.xlsx in place of
// RequestTimeout.
const markedWorkbookTimeout = 5 * time.Minute

func (s *server) getImportErrorsXLSX(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := c.Params("id")
	imp, err := s.Imports.Service.Get(ctx, id)
	if err != nil {
		return err
	}
	if imp.Status == importing.StatusQueued || imp.Status == importing.StatusRunning {
		return apperr.Conflict("Der Import läuft noch; die markierte Datei gibt es, sobald er fertig ist.")
	}
	problems, err := s.problemsFor(c, imp)
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		return apperr.NotFound("Dieser Import hat keine Fehler; eine Fehlerliste gibt es daher nicht.")
	}
	// Marking a list of a million rows takes longer than RequestTimeout
	// allows (some 15 s on two cores), so it has a time of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markedWorkbookTimeout)
	defer cancel()
	file, err := s.Imports.Service.File(ctx, id)
	if err != nil {
		return err
	}
	// The workbook goes to a temporary file first, so that a file that
	// turns out unreadable halfway still gets its problem answer, and is
	// then sent from there with its length: a list of a million rows is
	// not held in memory.
	out, err := newTempFile("schulgateway-fehler-*.xlsx")
	if err != nil {
		return err
	}
	var hidden []importing.HiddenCells
	if !seesAddresses(c) {
		h, err := s.hiddenAddresses(ctx, imp, file, problems)
		if err != nil {
			out.Close()
			return err
		}
		hidden = append(hidden, h)
	}
	if err := s.Imports.MarkedWorkbook(ctx, imp, file, problems, out, hidden...); err != nil {
		out.Close()
		return err
	}
	size, err := out.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = out.Seek(0, io.SeekStart)
	}
	if err != nil {
		out.Close()
		return fmt.Errorf("marked workbook: %w", err)
	}
	name := strings.TrimSuffix(imp.Filename, fileExt(imp.Filename))
	if name == "" {
		name = "import"
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, contentDisposition(name+"_Fehler.xlsx"))
	return c.SendStream(out, int(size)) // fasthttp closes out once it is sent or the answer replaced
}

// hiddenAddresses are the address cells of the rows with problems that
// may hold an address under an Auskunftssperre. Without a recognised
// header every cell of such a row is hidden.
func (s *server) hiddenAddresses(ctx context.Context, imp importing.Import, file importing.File, problems []importing.StoredProblem) (importing.HiddenCells, error) {
	rows := map[int]bool{}
	for _, p := range problems {
		if p.Row > 0 && p.Gesperrt(imp.Listenart) {
			rows[p.Row] = true
		}
	}
	if len(rows) == 0 {
		return func(int, int) bool { return false }, nil
	}
	rec := imp.Recognised
	if rec == nil { // finished before the header was kept with it
		var err error
		if rec, err = s.recognise(ctx, file, imp.Filename, string(imp.Listenart), imp.SheetUsed); err != nil {
			return nil, err
		}
	}
	cols := map[int]bool{}
	if rec != nil {
		for _, col := range rec.Columns {
			if importing.IsAddressField(col.Field) {
				cols[col.Column] = true
			}
		}
	}
	return func(row, col int) bool { return rows[row] && (rec == nil || cols[col]) }, nil
}

// tempFile is a temporary file that is gone once closed. Where the system
// allows it, it is removed at once and lives on only as the open file, so
// that nothing is left behind even if the process dies.
type tempFile struct {
	*os.File
	removed bool
}

func newTempFile(pattern string) (*tempFile, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, fmt.Errorf("temporary file: %w", err)
	}
	return &tempFile{File: f, removed: os.Remove(f.Name()) == nil}, nil
}

func (f *tempFile) Close() error {
	err := f.File.Close()
	if !f.removed {
		os.Remove(f.Name())
	}
	return err
}

func (s *server) deleteImport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if err := s.Imports.Service.Undo(ctx, c.Params("id")); err != nil {
		return err
	}
	imp, err := s.Imports.Service.Get(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toImportJSON(imp))
}

func fileExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && !strings.ContainsAny(name[i:], "/\\") {
		return name[i:]
	}
	return ""
}

// contentDisposition names a download safely: an ASCII fallback and the
// UTF-8 name (RFC 6266/5987), so umlauts survive and nothing can break
// out of the header.
func contentDisposition(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			ascii.WriteRune(r)
		default:
			ascii.WriteByte('_')
		}
	}
	var enc strings.Builder
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '_' {
			enc.WriteByte(b)
		} else {
			enc.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(b)|0x100, 16)[1:]))
		}
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii.String(), enc.String())
}

type mappingJSON struct {
	Kind     string            `json:"kind"`
	Mappings map[string]string `json:"mappings"`
}

func (s *server) getHeaderMappings(c *fiber.Ctx) error {
	kind, m, err := s.Imports.Service.Mapping(c.UserContext(), c.Params("kind"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, `"`+m.Stand()+`"`)
	return c.JSON(mappingJSON{Kind: string(kind), Mappings: m})
}

func (s *server) putHeaderMappings(c *fiber.Ctx) error {
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var passt func(importing.Mapping) bool
	if match != nil {
		passt = func(m importing.Mapping) bool { return match(`"` + m.Stand() + `"`) }
	}
	var in struct {
		// Kind is read-only (what GET returned): accepted when it names
		// the kind of the path, refused otherwise.
		Kind     *string           `json:"kind"`
		Mappings map[string]string `json:"mappings"`
	}
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if in.Kind != nil && *in.Kind != c.Params("kind") {
		decodeErrs = append(decodeErrs, apperr.FieldError{Pointer: "/kind", Code: "nur_lesbar",
			Message: fmt.Sprintf("kind ist nur lesbar und muss der Listenart im Pfad („%s“) gleichen; bitte weglassen oder unverändert lassen.", c.Params("kind"))})
	}
	if len(decodeErrs) > 0 {
		return invalidInput(decodeErrs, nil)
	}
	p := principal(c)
	if err := s.Imports.Service.SaveMappingWenn(c.UserContext(), c.Params("kind"), in.Mappings, p.Subject, passt); isStale(err) {
		if kind, m, gerr := s.Imports.Service.Mapping(c.UserContext(), c.Params("kind")); gerr == nil {
			return writeStale(c, err, `"`+m.Stand()+`"`, mappingJSON{Kind: string(kind), Mappings: m})
		}
		return err
	} else if err != nil {
		return err
	}
	return s.getHeaderMappings(c)
}
