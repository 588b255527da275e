package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// SchulwechselDeps is what the Schulwechsel routes need.
type SchulwechselDeps struct {
	Service *schulwechsel.Service
	// Idempotency keeps the first answer to each Idempotency-Key
	// (postgres.IdempotencyStore).
	Idempotency Idempotency
}

// answer is a response kept for an Idempotency-Key: an unnamed struct
// type, the same as postgres.Answer, so neither package imports the other.
type answer = struct {
	Status   int
	Location string
	Body     []byte
}

// Idempotency runs a write at most once per caller and key. Do returns the
// answer stored for (subject, key) if requestHash matches the request that
// stored it (else apperr.Invalid); otherwise it runs write and stores its
// answer in the same transaction as the write's own changes.
type Idempotency interface {
	Do(ctx context.Context, subject, key string, requestHash []byte, write func(context.Context) (answer, error)) (answer, error)
}

func (s *server) schulwechselRoutes() []route {
	senders := []auth.Role{auth.RoleBMS, auth.RoleSchulamt}
	viewers := []auth.Role{auth.RoleBMS, auth.RoleSchulamt, auth.RoleAdmin}
	return []route{
		{fiber.MethodPost, "/v1/schulwechsel", senders, s.postSchulwechsel},
		{fiber.MethodGet, "/v1/schulwechsel", viewers, s.listSchulwechsel},
		// Before /:id: the school office's work list.
		{fiber.MethodGet, "/v1/schulwechsel/offen", []auth.Role{auth.RoleSchulamt, auth.RoleAdmin}, s.offeneSchulwechsel},
		{fiber.MethodGet, "/v1/schulwechsel/:id", viewers, s.getSchulwechsel},
	}
}

// ---- JSON schema (components SchulwechselInput and Schulwechsel) ----

type schulwechselInput struct {
	Schueler         schuelerJSON            `json:"schueler"`
	Sorgeberechtigte []sorgeberechtigterJSON `json:"sorgeberechtigte"`
	Aufnahme         *aufnahmeJSON           `json:"aufnahme,omitempty"`
	BisherigeSchule  *bisherigeSchuleJSON    `json:"bisherige_schule,omitempty"`
}

// model is the pupil of a JSON message (Schulwechsel, Schulbescheinigung)
// as the XSchule model holds it; datum reads a date at its pointer, bad
// reports a field.
func (p schuelerJSON) model(datum func(ptr, v string) schulwechsel.Datum, bad func(ptr, code, msg string)) schulwechsel.Schueler {
	s := schulwechsel.Schueler{
		Name: schulwechsel.Name{
			Familienname: schulwechsel.Namensteil{Name: p.Familienname},
			Vorname:      schulwechsel.Namensteil{Name: p.Vornamen},
		},
		Geburt:      schulwechsel.Geburt{Datum: datum("/schueler/geburtsdatum", p.Geburtsdatum)},
		Anschriften: anschriften(p.Anschrift),
	}
	switch {
	case geschlechter[p.Geschlecht]:
		s.Geschlecht = schulwechsel.Code{Value: p.Geschlecht}
	case p.Geschlecht != "":
		bad("/schueler/geschlecht", xschule.CodeCodeUnbekannt, fmt.Sprintf("„%s“ ist kein Geschlecht. Erlaubt: m, w, d, x (ohne Angabe).", p.Geschlecht))
	}
	if p.Schuelernummer != "" {
		s.Identifikationen = []schulwechsel.Identifikation{{ID: p.Schuelernummer, Beschreibung: "Schülernummer"}}
	}
	return s
}

type schulwechselJSON struct {
	ID               string                  `json:"id"`
	Format           string                  `json:"format"`
	Bewegung         string                  `json:"bewegung"`
	CreatedAt        time.Time               `json:"created_at"`
	Schueler         schuelerJSON            `json:"schueler"`
	Sorgeberechtigte []sorgeberechtigterJSON `json:"sorgeberechtigte"`
	Aufnahme         *aufnahmeJSON           `json:"aufnahme,omitempty"`
	BisherigeSchule  *bisherigeSchuleJSON    `json:"bisherige_schule,omitempty"`
	Hinweise         []hinweisJSON           `json:"hinweise,omitempty"`
	Klaerung         *klaerungJSON           `json:"klaerung,omitempty"`
	// WithdrawnAt is set when the admission was withdrawn (an Übergang
	// admission whose family declined or whose child moved up).
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
}

// hinweisJSON is a note on what the gateway normalised (schema Hinweis).
type hinweisJSON struct {
	Pointer string `json:"pointer"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// klaerungJSON says that a change was kept only as an open question.
type klaerungJSON struct {
	Grund  string `json:"grund"`
	Schule string `json:"schule"`
	Text   string `json:"text"`
}

type schuelerJSON struct {
	Familienname   string         `json:"familienname"`
	Vornamen       string         `json:"vornamen"`
	Geburtsdatum   string         `json:"geburtsdatum"`
	Geschlecht     string         `json:"geschlecht,omitempty"`
	Schuelernummer string         `json:"schuelernummer,omitempty"`
	Anschrift      *anschriftJSON `json:"anschrift,omitempty"`
}

type anschriftJSON struct {
	Strasse    string `json:"strasse,omitempty"`
	Hausnummer string `json:"hausnummer,omitempty"`
	PLZ        string `json:"plz,omitempty"`
	Ort        string `json:"ort,omitempty"`
	Ortsteil   string `json:"ortsteil,omitempty"`
}

type sorgeberechtigterJSON struct {
	Art                  string         `json:"art"`
	Familienname         string         `json:"familienname,omitempty"`
	Vornamen             string         `json:"vornamen,omitempty"`
	Organisation         string         `json:"organisation,omitempty"`
	Anschrift            *anschriftJSON `json:"anschrift,omitempty"`
	ZukuenftigeAnschrift *anschriftJSON `json:"zukuenftige_anschrift,omitempty"`
}

type aufnahmeJSON struct {
	Schulnummer         string `json:"schulnummer,omitempty"`
	Name                string `json:"name,omitempty"`
	Datum               string `json:"datum"`
	Jahrgangsstufe      string `json:"jahrgangsstufe"`
	ArtDerSchulaufnahme string `json:"art_der_schulaufnahme"`
}

type bisherigeSchuleJSON struct {
	Schulnummer  string `json:"schulnummer,omitempty"`
	Name         string `json:"name,omitempty"`
	Abgangsdatum string `json:"abgangsdatum,omitempty"`
}

// codeliste is an XSchule code list whose values the JSON writes without
// their common URI prefix: "regeleinschulung" for
// http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/regeleinschulung.
type codeliste struct{ name, uri, version, prefix string }

var (
	listeArtDerSchulaufnahme = codeliste{"ArtDerSchulaufnahme", "urn:xschule-digital:xschule:codeliste:artderschulaufnahme", "2025-02-25",
		"http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/"}
	listeJahrgangsstufe = codeliste{"Jahrgangsstufe", "urn:xschule-digital:xschule:codeliste:jahrgangsstufe", "1.0",
		"http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/"}
)

// code returns the full code for a JSON value; ok is false for a value
// the list does not have.
func (l codeliste) code(v string) (c schulwechsel.Code, ok bool) {
	c = schulwechsel.Code{ListURI: l.uri, ListVersion: l.version, Value: l.prefix + v}
	_, ok = xschule.Bezeichnung(c)
	return c, ok
}

func (l codeliste) wert(c schulwechsel.Code) string { return strings.TrimPrefix(c.Value, l.prefix) }

// Geschlecht after XInneres/DSMeld: männlich, weiblich, divers, ohne Angabe.
var geschlechter = map[string]bool{"m": true, "w": true, "d": true, "x": true}

// sprache is the language of a document built from JSON (German).
var sprache = schulwechsel.Code{Value: "http://publications.europa.eu/resource/authority/language/DEU"}

// feldfehler collects the field errors found while a JSON message
// (Schulwechsel, Schulbescheinigung) is mapped to the XSchule model.
type feldfehler []apperr.FieldError

func (f *feldfehler) bad(ptr, code, msg string) {
	*f = append(*f, apperr.FieldError{Pointer: ptr, Code: code, Message: msg})
}

// datum reads a date at ptr; a malformed or partial one is reported and
// left empty.
func (f *feldfehler) datum(ptr, v string) schulwechsel.Datum {
	d, err := schulwechsel.ParseDatum(v)
	if v != "" && (err != nil || !d.Vollstaendig()) {
		f.bad(ptr, "datum_ungueltig", fmt.Sprintf("„%s“ ist kein gültiges Datum. Erwartet: JJJJ-MM-TT, z. B. 2026-08-01.", v))
		return schulwechsel.Datum{}
	}
	return d
}

// model maps the JSON to the domain model; values that cannot be mapped
// (dates, codes) are reported in fe and left empty.
func (in schulwechselInput) model(fe *[]apperr.FieldError) *schulwechsel.Schulwechsel {
	f := (*feldfehler)(fe)
	bad, datum := f.bad, f.datum
	code := func(ptr, v string, l codeliste) schulwechsel.Code {
		c, ok := l.code(v)
		if v != "" && !ok {
			bad(ptr, xschule.CodeCodeUnbekannt, fmt.Sprintf("„%s“ steht nicht in der XSchule-Codeliste %s (%s, Version %s).", v, l.name, l.uri, l.version))
		}
		if !ok {
			return schulwechsel.Code{}
		}
		return c
	}

	w := &schulwechsel.Schulwechsel{
		Dokument: schulwechsel.Dokument{Sprache: sprache},
		Schueler: in.Schueler.model(datum, bad),
	}
	for i, g := range in.Sorgeberechtigte {
		sb := schulwechsel.Sorgeberechtigter{Art: schulwechsel.Code{Value: g.Art}, Anschriften: anschriften(g.Anschrift)}
		if g.Familienname != "" || g.Vornamen != "" || g.Organisation == "" {
			sb.Person = &schulwechsel.Person{Name: schulwechsel.Name{
				Familienname: schulwechsel.Namensteil{Name: g.Familienname}, Vorname: schulwechsel.Namensteil{Name: g.Vornamen}}}
			if g.Familienname == "" {
				bad("/sorgeberechtigte/"+strconv.Itoa(i)+"/familienname", schulwechsel.CodePflichtfeldFehlt,
					"Der Familienname fehlt (bei einer Organisation statt dessen „organisation“ angeben).")
			}
		}
		if g.Organisation != "" {
			sb.Organisation = &schulwechsel.Organisation{Name: schulwechsel.Organisationsname{Name: g.Organisation}}
		}
		if z := anschriften(g.ZukuenftigeAnschrift); z != nil {
			sb.ZukuenftigeAnschrift = &schulwechsel.ZukuenftigeAnschrift{Anschrift: z[0]}
		}
		w.Sorgeberechtigte = append(w.Sorgeberechtigte, sb)
	}
	if a := in.Aufnahme; a != nil {
		w.Aufnahme = &schulwechsel.Aufnahme{
			Schule:         schuleAus(a.Schulnummer, a.Name),
			Datum:          datum("/aufnahme/datum", a.Datum),
			Jahrgangsstufe: code("/aufnahme/jahrgangsstufe", a.Jahrgangsstufe, listeJahrgangsstufe),
			Art:            schulwechsel.Auswahl{Code: code("/aufnahme/art_der_schulaufnahme", a.ArtDerSchulaufnahme, listeArtDerSchulaufnahme)},
		}
	}
	if b := in.BisherigeSchule; b != nil {
		w.BisherigeSchule = &schulwechsel.BisherigeSchule{Schule: schuleAus(b.Schulnummer, b.Name)}
		if ende := datum("/bisherige_schule/abgangsdatum", b.Abgangsdatum); !ende.IsZero() {
			w.BisherigeSchule.Zeitraum = &schulwechsel.Zeitraum{Ende: ende}
		}
	}
	return w
}

func anschriften(a *anschriftJSON) []schulwechsel.Anschrift {
	if a == nil {
		return nil
	}
	return []schulwechsel.Anschrift{{Strasse: a.Strasse, Hausnummer: a.Hausnummer, Postleitzahl: a.PLZ, Ort: a.Ort, Ortsteil: a.Ortsteil}}
}

func schuleAus(schulnummer, name string) schulwechsel.Schule {
	var s schulwechsel.Schule
	if name != "" {
		s.Name = &schulwechsel.Organisationsname{Name: name}
	}
	if schulnummer != "" {
		s.Identifikationen = []schulwechsel.Identifikation{{ID: schulnummer, Beschreibung: "Schulnummer"}}
	}
	return s
}

// toSchulwechselJSON shows a stored change; a change received as XSchule
// shows the part of the message the JSON has fields for.
func toSchulwechselJSON(rec schulwechsel.Record, w *schulwechsel.Schulwechsel) schulwechselJSON {
	p := w.Schueler
	out := schulwechselJSON{
		ID: rec.ID, Format: string(rec.Format), Bewegung: string(rec.Bewegung), CreatedAt: rec.CreatedAt.UTC(),
		Schueler: schuelerJSON{
			Familienname: p.Name.Familienname.Name, Vornamen: p.Name.Vorname.Name, Geburtsdatum: p.Geburt.Datum.String(),
			Geschlecht: p.Geschlecht.Value, Anschrift: anschriftAus(p.Anschriften),
		},
		Sorgeberechtigte: []sorgeberechtigterJSON{},
	}
	for _, h := range rec.Hinweise {
		out.Hinweise = append(out.Hinweise, hinweisJSON(h))
	}
	if k := rec.Klaerung; k != nil {
		out.Klaerung = &klaerungJSON{Grund: k.Grund, Schule: k.Schule, Text: k.Text()}
	}
	if !rec.Zurueckgenommen.IsZero() {
		t := rec.Zurueckgenommen.UTC()
		out.WithdrawnAt = &t
	}
	out.Schueler.Schuelernummer, _ = p.Schuelernummer()
	for _, sb := range w.Sorgeberechtigte {
		g := sorgeberechtigterJSON{Art: sb.Art.Value, Anschrift: anschriftAus(sb.Anschriften)}
		if sb.Person != nil {
			g.Familienname, g.Vornamen = sb.Person.Name.Familienname.Name, sb.Person.Name.Vorname.Name
		}
		if sb.Organisation != nil {
			g.Organisation = sb.Organisation.Name.Name
		}
		if z := sb.ZukuenftigeAnschrift; z != nil {
			g.ZukuenftigeAnschrift = anschriftAus([]schulwechsel.Anschrift{z.Anschrift})
		}
		out.Sorgeberechtigte = append(out.Sorgeberechtigte, g)
	}
	if a := w.Aufnahme; a != nil {
		out.Aufnahme = &aufnahmeJSON{
			Datum: a.Datum.String(), Jahrgangsstufe: listeJahrgangsstufe.wert(a.Jahrgangsstufe),
			ArtDerSchulaufnahme: listeArtDerSchulaufnahme.wert(a.Art.Code),
		}
		out.Aufnahme.Schulnummer, out.Aufnahme.Name = schuleAngaben(a.Schule)
	}
	if b := w.BisherigeSchule; b != nil {
		out.BisherigeSchule = &bisherigeSchuleJSON{}
		out.BisherigeSchule.Schulnummer, out.BisherigeSchule.Name = schuleAngaben(b.Schule)
		if b.Zeitraum != nil {
			out.BisherigeSchule.Abgangsdatum = b.Zeitraum.Ende.String()
		}
	}
	return out
}

func anschriftAus(as []schulwechsel.Anschrift) *anschriftJSON {
	if len(as) == 0 {
		return nil
	}
	a := as[0]
	return &anschriftJSON{Strasse: a.Strasse, Hausnummer: a.Hausnummer, PLZ: a.Postleitzahl, Ort: a.Ort, Ortsteil: a.Ortsteil}
}

func schuleAngaben(s schulwechsel.Schule) (schulnummer, name string) {
	if ids := s.Schulnummern(); len(ids) > 0 {
		schulnummer = ids[0]
	}
	if s.Name != nil {
		name = s.Name.Name
	}
	return schulnummer, name
}

// ---- pointers ----

// schuelerPointers are where the model's pupil fields stand in the JSON
// messages (Schulwechsel and Schulbescheinigung alike).
var schuelerPointers = map[string]string{
	"/schueler/name/familienname": "/schueler/familienname",
	"/schueler/name/vorname":      "/schueler/vornamen",
	"/schueler/geburt/datum":      "/schueler/geburtsdatum",
}

// jsonPointers translates the other pointers of schulwechsel.Check into the
// JSON schema; the rest (/aufnahme, /aufnahme/datum,
// /sorgeberechtigte/0/art, …) are the same in both.
var jsonPointers = map[string]string{
	"/aufnahme/schule":               "/aufnahme/schulnummer",
	"/aufnahme/art":                  "/aufnahme/art_der_schulaufnahme",
	"/bisherigeSchule/schule":        "/bisherige_schule/schulnummer",
	"/bisherigeSchule/zeitraum":      "/bisherige_schule/abgangsdatum",
	"/bisherigeSchule/zeitraum/ende": "/bisherige_schule/abgangsdatum",
}

func jsonPointer(p string) string { return jsonPointerIn(jsonPointers, p) }

// jsonPointerIn is p in a JSON message whose own pointers m translates.
func jsonPointerIn(m map[string]string, p string) string {
	if v, ok := m[p]; ok {
		return v
	}
	if v, ok := schuelerPointers[p]; ok {
		return v
	}
	return p
}

// xmlPointer places the problems Check finds beyond xschule.Decode's own
// (which already carry XML paths) in the message.
func xmlPointer(p string) string {
	const root = "/xsc:" + xschule.Nachricht
	switch p {
	case "/schueler/geburt/datum":
		return root + "/xsc:schueler/xsc:geburt/xsc:datum"
	case "/schueler":
		return root + "/xsc:schueler"
	}
	return root
}

// withPointers rewrites the pointers of a validation error.
func withPointers(err error, to func(string) string) error {
	e, ok := apperr.As(err)
	if !ok || e.Class != apperr.ClassInvalid || len(e.Fields) == 0 {
		return err
	}
	fs := make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Pointer = to(f.Pointer)
		fs[i] = f
	}
	return &apperr.Error{Class: apperr.ClassInvalid, Detail: e.Detail, Fields: fs, Err: e.Err}
}

// ---- decoding ----

// readSchulwechsel reads the body as JSON or as XSchule XML, by its media
// type, reporting every problem at once: a body that is no JSON or no
// well-formed XML is 400, a well-formed one that breaks the schema or the
// rules 422. The notes say what was normalised (XML only).
func readSchulwechsel(c *fiber.Ctx) (*schulwechsel.Schulwechsel, schulwechsel.Format, []schulwechsel.Hinweis, error) {
	return readNachricht(c, xschule.Nachricht, schulwechselFromJSON, xschule.DecodeMitHinweisen)
}

// readNachricht reads a message the BMS or a school sends, as the
// gateway's JSON or as the XSchule message nachricht, by the body's media
// type: too large 413, no JSON object or no well-formed XML 400, a body
// breaking the schema, the code lists or the rules 422 with every problem,
// any other media type 415.
func readNachricht[T any](c *fiber.Ctx, nachricht string, fromJSON func([]byte) (T, error),
	fromXML func([]byte) (T, []schulwechsel.Hinweis, error)) (T, schulwechsel.Format, []schulwechsel.Hinweis, error) {
	var none T
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	body := c.Body()
	switch {
	case err == nil && (mt == fiber.MIMEApplicationJSON || strings.HasSuffix(mt, "+json")):
		if len(body) > BodyLimit {
			return none, "", nil, apperr.TooLarge(fmt.Sprintf("Der Inhalt ist zu groß; erlaubt sind höchstens %d KB.", BodyLimit>>10))
		}
		m, err := fromJSON(body)
		if bad := textProblems(body, "", textRule{max: MaxText}); len(bad) > 0 && apperr.ClassOf(err) != apperr.ClassBadRequest {
			return none, "", nil, invalidInput(bad, err)
		}
		return m, schulwechsel.FormatJSON, nil, err
	case err == nil && (mt == fiber.MIMEApplicationXML || mt == fiber.MIMETextXML):
		if len(body) > xschule.MaxSize {
			return none, "", nil, apperr.TooLarge(fmt.Sprintf("Die Nachricht ist zu groß; erlaubt sind höchstens %d MiB.", xschule.MaxSize>>20))
		}
		m, hinweise, err := fromXML(body)
		if errors.Is(err, xschule.ErrSyntax) {
			detail := "Die Nachricht ist kein wohlgeformtes XML."
			if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
				if detail = e.Fields[0].Message; !strings.Contains(detail, "XML") {
					detail = "Die Nachricht ist kein wohlgeformtes XML: " + detail
				}
			}
			return none, "", nil, apperr.BadRequest(detail + " Bitte eine wohlgeformte XSchule-Nachricht " + nachricht + " senden.")
		}
		return m, schulwechsel.FormatXML, hinweise, err
	}
	return none, "", nil, apperr.Unsupported(
		"Der Inhalt muss JSON (application/json) oder eine XSchule-1.2-Nachricht " + nachricht + " (application/xml) sein.")
}

// schulwechselFromJSON decodes strictly (unknown fields and wrong types at
// any depth are problems) and joins the problems of the mapping with those
// of schulwechsel.Check.
func schulwechselFromJSON(body []byte) (*schulwechsel.Schulwechsel, error) {
	if t := bytes.TrimSpace(body); !json.Valid(t) || t[0] != '{' {
		return nil, apperr.BadRequest("Der Inhalt ist kein gültiges JSON-Objekt.")
	}
	var in schulwechselInput
	var fe []apperr.FieldError
	decodeStrict(body, reflect.ValueOf(&in).Elem(), "", &fe)
	w := in.model(&fe)
	if len(fe) > 0 {
		return nil, invalidInput(fe, withPointers(schulwechsel.ValidateForCity(w), jsonPointer))
	}
	return w, nil
}

// decodeStrict decodes raw into v like json.Unmarshal, but reports unknown
// fields and values of the wrong type at every depth, each with its JSON
// pointer, instead of stopping at the first.
func decodeStrict(raw json.RawMessage, v reflect.Value, ptr string, fe *[]apperr.FieldError) {
	wrong := func() {
		v.Set(reflect.Zero(v.Type()))
		*fe = append(*fe, apperr.FieldError{Pointer: ptr, Code: "typ_falsch", Message: "Erwartet wird " + jsonTypeName(v.Type()) + "."})
	}
	switch v.Kind() {
	case reflect.Pointer:
		if string(bytes.TrimSpace(raw)) == "null" {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		decodeStrict(raw, v.Elem(), ptr, fe)
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			wrong()
			return
		}
		fields := jsonFields(v.Type())
		names := make([]string, 0, len(obj))
		for name := range obj {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p := ptr + "/" + escapePointer(name)
			idx, ok := fields[name]
			if !ok {
				*fe = append(*fe, apperr.FieldError{Pointer: p, Code: "feld_unbekannt", Message: fmt.Sprintf("Das Feld „%s“ gibt es nicht.", name)})
				continue
			}
			decodeStrict(obj[name], v.Field(idx), p, fe)
		}
	case reflect.Slice:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			wrong()
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), len(items), len(items)))
		for i, item := range items {
			decodeStrict(item, v.Index(i), ptr+"/"+strconv.Itoa(i), fe)
		}
	default:
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			wrong()
		}
	}
}

// modelOf returns the domain model of a stored change, read from its
// message.
func modelOf(rec schulwechsel.Record) (*schulwechsel.Schulwechsel, error) {
	read := schulwechselFromJSON
	if rec.Format == schulwechsel.FormatXML {
		read = xschule.Decode
	}
	w, err := read(rec.Nachricht)
	if err != nil {
		// %v, not %w: a stored message that no longer reads is the
		// gateway's fault (500), not the client's (422).
		return nil, fmt.Errorf("read stored schulwechsel %s: %v", rec.ID, err)
	}
	return w, nil
}

// ---- handlers ----

func (s *server) postSchulwechsel(c *fiber.Ctx) error {
	key := c.Get("Idempotency-Key")
	if !validIdempotencyKey(key) {
		return apperr.BadRequest("Der Idempotency-Key muss aus 1 bis 255 sichtbaren ASCII-Zeichen bestehen, z. B. eine UUID.")
	}
	w, format, hinweise, err := readSchulwechsel(c)
	if err != nil {
		return err
	}
	pointers := jsonPointer
	if format == schulwechsel.FormatXML {
		pointers = xmlPointer
	}
	p := principal(c)
	body := c.Body()
	eingang := schulwechsel.Eingang{Format: format, Nachricht: body, Hinweise: hinweise, CreatedBy: p.Subject}
	if len(hinweise) > 0 {
		// Kept in canonical form, the message as received beside it.
		canonical, err := xschule.Encode(w)
		if err != nil {
			return fmt.Errorf("encode normalised schulwechsel: %v", err) // the model came from a valid message: a gateway fault
		}
		eingang.Nachricht, eingang.Original = canonical, body
	}
	create := func(ctx context.Context) (answer, error) {
		rec, err := s.Schulwechsel.Service.Create(ctx, w, eingang)
		if err != nil {
			return answer{}, withPointers(err, pointers)
		}
		out, err := json.Marshal(toSchulwechselJSON(rec, w))
		status := fiber.StatusCreated
		if rec.Klaerung != nil {
			status = fiber.StatusAccepted // kept as an open question, the records unchanged
		}
		return answer{Status: status, Location: "/v1/schulwechsel/" + rec.ID, Body: out}, err
	}
	return answerOnce(c, s.Schulwechsel.Idempotency, key, create)
}

// answerOnce creates a record and answers with it, at most once per caller
// and Idempotency-Key (a retry gets the first answer; the same key with
// another body is refused by the store). Without a key the entry written
// with the record's transaction records 201 unless the store says
// otherwise; a failure is recorded with its own status.
func answerOnce(c *fiber.Ctx, idem Idempotency, key string, create func(context.Context) (answer, error)) error {
	var (
		a   answer
		err error
	)
	if key == "" {
		audit.Result(c.UserContext(), fiber.StatusCreated, "")
		a, err = create(c.UserContext())
	} else {
		h := sha256.New()
		fmt.Fprintf(h, "%s %s\n", c.Method(), c.Path())
		h.Write(c.Body())
		a, err = idem.Do(c.UserContext(), principal(c).Subject, key, h.Sum(nil), create)
	}
	if err != nil {
		return err
	}
	c.Location(a.Location)
	c.Status(a.Status)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(a.Body)
}

// validIdempotencyKey accepts no key, or 1 to 255 visible ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

func (s *server) getSchulwechsel(c *fiber.Ctx) error {
	rec, err := s.Schulwechsel.Service.Get(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	w, err := modelOf(rec)
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAccept)
	switch c.Accepts(fiber.MIMEApplicationJSON, fiber.MIMEApplicationXML, fiber.MIMETextXML) {
	case fiber.MIMEApplicationXML, fiber.MIMETextXML:
	default: // JSON, also when nothing offered fits
		return c.JSON(toSchulwechselJSON(rec, w))
	}
	out, err := xschule.Encode(w)
	if err != nil {
		return fmt.Errorf("encode schulwechsel %s: %v", rec.ID, err) // the model came from a valid message: a gateway fault
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationXMLCharsetUTF8)
	return c.Send(out)
}

// listSchulwechsel is a feed (package page): after is the time a
// Schulwechsel was stored (RFC 3339); since is its old name.
func (s *server) listSchulwechsel(c *fiber.Ctx) error {
	var fe []apperr.FieldError
	limit, after, err := pageQuery(c, "since")
	if e, ok := apperr.As(err); ok {
		fe = append(fe, e.Fields...)
	} else if err != nil {
		return err
	}
	var since time.Time
	if after != "" {
		t, err := time.Parse(time.RFC3339Nano, after)
		if err != nil {
			name := "after"
			if c.Query("after") == "" {
				name = "since"
			}
			fe = append(fe, apperr.FieldError{Pointer: "/" + name, Code: "zeitpunkt_ungueltig",
				Message: fmt.Sprintf("„%s“ ist kein Zeitpunkt nach RFC 3339, z. B. 2026-08-01T00:00:00Z (next einer früheren Antwort).", after)})
		}
		since = t
	}
	if len(fe) > 0 {
		return apperr.Invalid("Die Parameter der Abfrage sind fehlerhaft.", fe)
	}
	list, err := s.Schulwechsel.Service.List(c.UserContext(), since, limit)
	if err != nil {
		return err
	}
	items := make([]schulwechselJSON, len(list))
	for i, rec := range list {
		w, err := modelOf(rec)
		if err != nil {
			return err
		}
		items[i] = toSchulwechselJSON(rec, w)
	}
	var next *string
	if len(items) > 0 {
		since = items[len(items)-1].CreatedAt
	}
	if !since.IsZero() {
		v := since.UTC().Format(time.RFC3339Nano)
		next = &v
	}
	audit.Count(c.UserContext(), len(items))
	return c.JSON(fiber.Map{"items": items, "next": next})
}

// offenerPunktJSON is one entry of the school office's work list
// (schema SchulwechselOffenerPunkt).
type offenerPunktJSON struct {
	Art            string  `json:"art"`
	SchulwechselID string  `json:"schulwechsel_id"`
	Familienname   string  `json:"familienname"`
	Vornamen       string  `json:"vornamen"`
	Geburtsdatum   string  `json:"geburtsdatum"`
	Schule         string  `json:"schule"`
	Aufnehmende    *string `json:"aufnehmende,omitempty"`
	Seit           string  `json:"seit"`
	Frist          *string `json:"frist,omitempty"`
	Text           string  `json:"text"`
}

// offeneSchulwechsel lists what the school office must clear: changes kept
// as open questions, and departures without admission past their frist.
func (s *server) offeneSchulwechsel(c *fiber.Ctx) error {
	limit, err := page.ParseLimit(c.Query("limit"))
	if err != nil {
		return err
	}
	ks, as, err := s.Schulwechsel.Service.Offen(c.UserContext())
	if err != nil {
		return err
	}
	items := make([]offenerPunktJSON, 0, len(ks)+len(as))
	for _, k := range ks {
		it := offenerPunktJSON{Art: "klaerung", SchulwechselID: k.SchulwechselID, Familienname: k.Familienname, Vornamen: k.Vornamen,
			Geburtsdatum: k.Geburtsdatum.Format(time.DateOnly), Schule: k.Schule,
			Seit: k.CreatedAt.In(schulwechsel.Ortszeit).Format(time.DateOnly), Text: k.Text()}
		if k.Aufnehmende != "" {
			it.Aufnehmende = &k.Aufnehmende
		}
		items = append(items, it)
	}
	for _, o := range as {
		frist := o.Frist.Format(time.DateOnly)
		items = append(items, offenerPunktJSON{Art: "abgang_ueberfaellig", SchulwechselID: o.SchulwechselID, Familienname: o.Familienname,
			Vornamen: o.Vornamen, Geburtsdatum: o.Geburtsdatum.Format(time.DateOnly), Schule: o.Schule,
			Seit: o.Abgangsdatum.Format(time.DateOnly), Frist: &frist,
			Text: fmt.Sprintf("Abgang von %s am %s ohne gemeldete Aufnahme; die Frist bis %s ist verstrichen. "+
				"Bitte klären, ob und wo der Schüler die Schulpflicht erfüllt.", o.Schule, o.Abgangsdatum.Format("02.01.2006"), o.Frist.Format("02.01.2006"))})
	}
	// A work list of the school office, small and read whole: it pages by
	// the last entry's art and Schulwechsel id, as every list does.
	key := func(it offenerPunktJSON) string { return it.Art + ":" + it.SchulwechselID }
	if after := c.Query("after"); after != "" {
		i := slices.IndexFunc(items, func(it offenerPunktJSON) bool { return key(it) == after })
		if i < 0 {
			return apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("after_ungueltig")})
		}
		items = items[i+1:]
	}
	p := page.Cut(items, limit, key)
	audit.Count(c.UserContext(), len(p.Items))
	var next *string
	if p.Next != "" {
		next = &p.Next
	}
	return c.JSON(fiber.Map{"items": p.Items, "next": next})
}
