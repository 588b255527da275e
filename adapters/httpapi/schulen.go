package httpapi

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/schule"
)

// schuleJSON is a school as the API shows it (schema "Schule").
type schuleJSON struct {
	Schulnummer     string    `json:"schulnummer"`
	Name            string    `json:"name"`
	Schulform       string    `json:"schulform"`
	ArtDerSchule    string    `json:"art_der_schule"`
	Traeger         string    `json:"traeger"`
	Strasse         string    `json:"strasse"`
	Hausnummer      string    `json:"hausnummer"`
	PLZ             string    `json:"plz"`
	Ort             string    `json:"ort"`
	Zuege           *int      `json:"zuege"`
	Klassenfrequenz *int      `json:"klassenfrequenz"`
	Kapazitaet      *int      `json:"kapazitaet"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// schuleInput is the body of PUT (schema "SchuleInput"): the writable
// fields, and the read-only ones of schuleJSON so that what GET returned
// can be sent back (accepted unchanged, refused changed).
type schuleInput struct {
	ArtDerSchule    *string    `json:"art_der_schule"`
	UpdatedAt       *time.Time `json:"updated_at"`
	Schulnummer     string     `json:"schulnummer"`
	Name            string     `json:"name"`
	Schulform       string     `json:"schulform"`
	Traeger         string     `json:"traeger"`
	Strasse         string     `json:"strasse"`
	Hausnummer      string     `json:"hausnummer"`
	PLZ             string     `json:"plz"`
	Ort             string     `json:"ort"`
	Zuege           *int       `json:"zuege"`
	Klassenfrequenz *int       `json:"klassenfrequenz"`
	Kapazitaet      *int       `json:"kapazitaet"`
}

func toSchuleJSON(s schule.Schule) schuleJSON {
	return schuleJSON{
		Schulnummer: s.Schulnummer, Name: s.Name, Schulform: string(s.Schulform), ArtDerSchule: s.Schulform.ArtDerSchule(),
		Traeger: string(s.Traeger), Strasse: s.Strasse, Hausnummer: s.Hausnummer, PLZ: s.PLZ, Ort: s.Ort,
		Zuege: s.Zuege, Klassenfrequenz: s.Klassenfrequenz, Kapazitaet: s.Kapazitaet, UpdatedAt: s.UpdatedAt.UTC(),
	}
}

// encodedList is the answer of GET /v1/schulen for one version of the
// stored schools: the BMS asks for it constantly and it changes a few
// times a year, so it is encoded once per version.
type encodedList struct {
	version uint64
	body    []byte
}

func (s *server) listSchulen(c *fiber.Ctx) error {
	if c.Query("limit") != "" || c.Query("after") != "" {
		return s.listSchulenPage(c)
	}
	// Without limit and after the answer is every school, as before the
	// paging convention (deprecated: clients should page).
	version, ok := s.Schulen.Version() // read before the list: a change meanwhile retires the entry
	if e := s.schulenJSON.Load(); ok && e != nil && e.version == version {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(e.body)
	}
	list, err := s.Schulen.List(c.UserContext())
	if err != nil {
		return err
	}
	items := make([]schuleJSON, len(list))
	for i, sch := range list {
		items[i] = toSchuleJSON(sch)
	}
	body, err := s.app.Config().JSONEncoder(pageJSON(items, "", ""))
	if err != nil {
		return err
	}
	if ok {
		s.schulenJSON.Store(&encodedList{version: version, body: body})
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body)
}

// listSchulenPage is a page of the schools after the Schulnummer after.
func (s *server) listSchulenPage(c *fiber.Ctx) error {
	limit, after, err := pageQuery(c, "")
	if err != nil {
		return err
	}
	list, err := s.Schulen.List(c.UserContext())
	if err != nil {
		return err
	}
	if i := slices.IndexFunc(list, func(sch schule.Schule) bool { return sch.Schulnummer > after }); i >= 0 {
		list = list[i:min(len(list), i+limit+1)]
	} else {
		list = nil
	}
	p := page.Cut(list, limit, func(sch schule.Schule) string { return sch.Schulnummer })
	items := make([]schuleJSON, len(p.Items))
	for i, sch := range p.Items {
		items[i] = toSchuleJSON(sch)
	}
	return sendPage(c, items, p.Next, "")
}

func (s *server) getSchule(c *fiber.Ctx) error {
	sch, err := s.Schulen.Get(c.UserContext(), c.Params("schulnummer"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(sch.Version))
	return c.JSON(toSchuleJSON(sch))
}

func (s *server) putSchule(c *fiber.Ctx) error {
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var passt func(int64) bool
	if match != nil {
		passt = func(v int64) bool { return match(etag(v)) }
	}
	var in schuleInput
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	sch := schule.Schule{
		Schulnummer: in.Schulnummer, Name: in.Name, Schulform: schule.Schulform(in.Schulform), Traeger: schule.Traeger(in.Traeger),
		Strasse: in.Strasse, Hausnummer: in.Hausnummer, PLZ: in.PLZ, Ort: in.Ort,
		Zuege: in.Zuege, Klassenfrequenz: in.Klassenfrequenz, Kapazitaet: in.Kapazitaet,
	}
	if len(decodeErrs) > 0 {
		_, verr := schule.Check(c.Params("schulnummer"), sch)
		return invalidInput(decodeErrs, verr)
	}
	sch, created, err := s.Schulen.Aendere(c.UserContext(), c.Params("schulnummer"), sch,
		schule.Vorgaben{PasstZu: passt, ArtDerSchule: in.ArtDerSchule, UpdatedAt: in.UpdatedAt})
	if isStale(err) {
		if cur, gerr := s.Schulen.Get(c.UserContext(), c.Params("schulnummer")); gerr == nil {
			return writeStale(c, err, etag(cur.Version), toSchuleJSON(cur))
		}
		return writeStale(c, err, "", nil)
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(sch.Version))
	if created {
		c.Status(fiber.StatusCreated)
		c.Location("/v1/schulen/" + sch.Schulnummer)
	}
	return c.JSON(toSchuleJSON(sch))
}
