package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/page"
	sb "github.com/schulgateway/schulgateway/internal/schulbescheinigung"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// SchulbescheinigungDeps is what the Schulbescheinigung routes need.
type SchulbescheinigungDeps struct {
	Service     *sb.Service
	Idempotency Idempotency // postgres.IdempotencyStore, as for the Schulwechsel
}

func (s *server) schulbescheinigungRoutes() []route {
	senders := []auth.Role{auth.RoleBMS, auth.RoleSchulamt}
	return []route{
		{fiber.MethodPost, "/v1/schulbescheinigungen", senders, s.postSchulbescheinigung},
		{fiber.MethodGet, "/v1/schulbescheinigungen", senders, s.listSchulbescheinigungen},
		{fiber.MethodGet, "/v1/schulbescheinigungen/:id", senders, s.getSchulbescheinigung},
	}
}

// ---- JSON schema (components SchulbescheinigungInput and Schulbescheinigung) ----

type schulbescheinigungInput struct {
	Schueler      schuelerJSON    `json:"schueler"`
	Schule        sbSchuleJSON    `json:"schule"`
	Schulbesuch   sbSchulbesuchJS `json:"schulbesuch"`
	AusgestelltAm string          `json:"ausgestellt_am,omitempty"`
}

type sbSchuleJSON struct {
	Name string `json:"name"`
	Ort  string `json:"ort,omitempty"`
}

type sbSchulbesuchJS struct {
	Beginn         string `json:"beginn,omitempty"`
	Ende           string `json:"ende,omitempty"`
	Jahrgangsstufe string `json:"jahrgangsstufe,omitempty"`
}

type schulbescheinigungJSON struct {
	ID            string          `json:"id"`
	Format        string          `json:"format"`
	CreatedAt     time.Time       `json:"created_at"`
	Schueler      schuelerJSON    `json:"schueler"`
	Schule        sbSchuleJSON    `json:"schule"`
	Schulbesuch   sbSchulbesuchJS `json:"schulbesuch"`
	AusgestelltAm *string         `json:"ausgestellt_am"`
	GueltigVon    *string         `json:"gueltig_von"`
	GueltigBis    string          `json:"gueltig_bis"`
	Hinweise      []hinweisJSON   `json:"hinweise,omitempty"`
}

func (in schulbescheinigungInput) model(fe *[]apperr.FieldError) *sb.Schulbescheinigung {
	f := (*feldfehler)(fe)
	bad, datum := f.bad, f.datum
	b := &sb.Schulbescheinigung{
		Dokument: sw.Dokument{Sprache: sprache},
		Schueler: in.Schueler.model(datum, bad),
	}
	if d := datum("/ausgestellt_am", in.AusgestelltAm); !d.IsZero() {
		b.Dokument.Ausstellungen = []sw.Ausstellung{{Datum: d}}
	}
	if in.Schule.Name != "" {
		b.Schule.Name = &sw.Organisationsname{Name: in.Schule.Name}
	}
	if in.Schule.Ort != "" {
		b.Schule.Anschriften = []sw.Anschrift{{Ort: in.Schule.Ort}}
	}
	z := sw.Zeitraum{Beginn: datum("/schulbesuch/beginn", in.Schulbesuch.Beginn), Ende: datum("/schulbesuch/ende", in.Schulbesuch.Ende)}
	if z != (sw.Zeitraum{}) {
		b.Schulbesuch.Zeitraum = &z
	}
	if v := in.Schulbesuch.Jahrgangsstufe; v != "" {
		c, ok := listeJahrgangsstufe.code(v)
		if !ok {
			bad("/schulbesuch/jahrgangsstufe", xschule.CodeCodeUnbekannt, fmt.Sprintf("„%s“ steht nicht in der XSchule-Codeliste %s (%s, Version %s).",
				v, listeJahrgangsstufe.name, listeJahrgangsstufe.uri, listeJahrgangsstufe.version))
		} else {
			b.Schulbesuch.Jahrgangsstufe = c
		}
	}
	return b
}

// sbJSONPointers translates the pointers of Schulbescheinigung.Validate
// beyond the pupil's (schuelerPointers) into the JSON schema; the rest
// (/schule/name, …) are the same in both.
var sbJSONPointers = map[string]string{"/schulbesuch/zeitraum/ende": "/schulbesuch/ende"}

func sbJSONPointer(p string) string { return jsonPointerIn(sbJSONPointers, p) }

func schulbescheinigungFromJSON(body []byte) (*sb.Schulbescheinigung, error) {
	if t := bytes.TrimSpace(body); !json.Valid(t) || t[0] != '{' {
		return nil, apperr.BadRequest("Der Inhalt ist kein gültiges JSON-Objekt.")
	}
	var in schulbescheinigungInput
	var fe []apperr.FieldError
	decodeStrict(body, reflect.ValueOf(&in).Elem(), "", &fe)
	b := in.model(&fe)
	if err := b.Validate(); len(fe) > 0 || err != nil {
		return nil, invalidInput(fe, withPointers(err, sbJSONPointer))
	}
	return b, nil
}

// readSchulbescheinigung reads the body as JSON or XSchule XML, by its
// media type: no JSON or no well-formed XML is 400, a body breaking the
// schema or the rules 422 with every problem.
func readSchulbescheinigung(c *fiber.Ctx) (*sb.Schulbescheinigung, sw.Format, []sw.Hinweis, error) {
	return readNachricht(c, xschule.NachrichtSchulbescheinigung, schulbescheinigungFromJSON, xschule.DecodeSchulbescheinigung)
}

// schulbescheinigungOf reads the model of a stored certificate.
func schulbescheinigungOf(rec sb.Record) (*sb.Schulbescheinigung, []sw.Hinweis, error) {
	var b *sb.Schulbescheinigung
	var hinweise []sw.Hinweis
	var err error
	if rec.Format == sw.FormatXML {
		b, hinweise, err = xschule.DecodeSchulbescheinigung(rec.Nachricht)
	} else {
		b, err = schulbescheinigungFromJSON(rec.Nachricht)
	}
	if err != nil {
		// %v, not %w: a stored message that no longer reads is the
		// gateway's fault (500), not the client's (422).
		return nil, nil, fmt.Errorf("read stored schulbescheinigung %s: %v", rec.ID, err)
	}
	return b, hinweise, nil
}

func toSchulbescheinigungJSON(rec sb.Record, b *sb.Schulbescheinigung, hinweise []sw.Hinweis) schulbescheinigungJSON {
	p := b.Schueler
	out := schulbescheinigungJSON{
		ID: rec.ID, Format: string(rec.Format), CreatedAt: rec.CreatedAt.UTC(),
		Schueler: schuelerJSON{
			Familienname: p.Name.Familienname.Name, Vornamen: p.Name.Vorname.Name, Geburtsdatum: p.Geburt.Datum.String(),
			Geschlecht: p.Geschlecht.Value, Anschrift: anschriftAus(p.Anschriften),
		},
		Schule:     sbSchuleJSON{Name: b.Schulname()},
		GueltigBis: rec.GueltigBis.Format(time.DateOnly),
	}
	out.Schueler.Schuelernummer, _ = p.Schuelernummer()
	if as := b.Schule.Anschriften; len(as) > 0 {
		out.Schule.Ort = as[0].Ort
	}
	if z := b.Schulbesuch.Zeitraum; z != nil {
		out.Schulbesuch.Beginn, out.Schulbesuch.Ende = z.Beginn.String(), z.Ende.String()
	}
	if j := b.Schulbesuch.Jahrgangsstufe; !j.IsZero() {
		out.Schulbesuch.Jahrgangsstufe = listeJahrgangsstufe.wert(j)
	}
	if as := b.Dokument.Ausstellungen; len(as) > 0 && !as[0].Datum.IsZero() {
		v := as[0].Datum.String()
		out.AusgestelltAm = &v
	}
	if rec.GueltigVon != nil {
		v := rec.GueltigVon.Format(time.DateOnly)
		out.GueltigVon = &v
	}
	for _, h := range hinweise {
		out.Hinweise = append(out.Hinweise, hinweisJSON(h))
	}
	return out
}

// ---- handlers ----

func (s *server) postSchulbescheinigung(c *fiber.Ctx) error {
	key := c.Get("Idempotency-Key")
	if !validIdempotencyKey(key) {
		return apperr.BadRequest("Der Idempotency-Key muss aus 1 bis 255 sichtbaren ASCII-Zeichen bestehen, z. B. eine UUID.")
	}
	b, format, hinweise, err := readSchulbescheinigung(c)
	if err != nil {
		return err
	}
	p := principal(c)
	body := c.Body()
	create := func(ctx context.Context) (answer, error) {
		rec, err := s.Schulbescheinigung.Service.Create(ctx, b, format, body, p.Subject)
		if err != nil {
			return answer{}, err
		}
		out, err := json.Marshal(toSchulbescheinigungJSON(rec, b, hinweise))
		return answer{Status: fiber.StatusCreated, Location: "/v1/schulbescheinigungen/" + rec.ID, Body: out}, err
	}
	return answerOnce(c, s.Schulbescheinigung.Idempotency, key, create)
}

func (s *server) getSchulbescheinigung(c *fiber.Ctx) error {
	rec, err := s.Schulbescheinigung.Service.Get(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	b, hinweise, err := schulbescheinigungOf(rec)
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAccept)
	switch c.Accepts(fiber.MIMEApplicationJSON, fiber.MIMEApplicationXML, fiber.MIMETextXML) {
	case fiber.MIMEApplicationXML, fiber.MIMETextXML:
	default:
		return c.JSON(toSchulbescheinigungJSON(rec, b, hinweise))
	}
	out, err := xschule.EncodeSchulbescheinigung(b)
	if err != nil {
		return fmt.Errorf("encode schulbescheinigung %s: %v", rec.ID, err) // the model came from a valid message: a gateway fault
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationXMLCharsetUTF8)
	return c.Send(out)
}

// listSchulbescheinigungen is a finite list in order of arrival; next is
// the position of the page's last certificate.
func (s *server) listSchulbescheinigungen(c *fiber.Ctx) error {
	limit, after, err := pageQuery(c, "")
	if err != nil {
		return err
	}
	var pos int64
	if after != "" {
		if pos, err = strconv.ParseInt(after, 10, 64); err != nil || pos < 0 {
			return apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("after_ungueltig")})
		}
	}
	list, err := s.Schulbescheinigung.Service.List(c.UserContext(), pos, limit+1)
	if err != nil {
		return err
	}
	pg := page.Cut(list, limit, func(r sb.Record) string { return strconv.FormatInt(r.Ref, 10) })
	items := make([]schulbescheinigungJSON, len(pg.Items))
	for i, rec := range pg.Items {
		b, hinweise, err := schulbescheinigungOf(rec)
		if err != nil {
			return err
		}
		items[i] = toSchulbescheinigungJSON(rec, b, hinweise)
	}
	audit.Count(c.UserContext(), len(items))
	return sendPage(c, items, pg.Next, "")
}
