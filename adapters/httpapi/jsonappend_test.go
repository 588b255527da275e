package httpapi

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/untersuchung"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// texts a list may hold: umlauts, HTML, quotes, controls, invalid UTF-8,
// the two line separators JavaScript chokes on, emoji.
var jsonTexts = []string{"", "Müller-Lüdenscheidt", "O'Brien", `"Zitat"`, `a\b`, "<script>&amp;</script>", "Zeile\nZeile\r\t",
	"\x00\x01\x1f\x7f", "\xff\xfeungültig\xc3", "\u2028\u2029", "Nguyễn Thị", "👩‍👧", "Straße 7 C", "06108"}

func jsonText(rng *rand.Rand) string {
	s := jsonTexts[rng.IntN(len(jsonTexts))]
	if rng.IntN(3) == 0 {
		s += jsonTexts[rng.IntN(len(jsonTexts))]
	}
	return s
}

// bodyOf runs send on a fresh context and returns the body.
func bodyOf(t *testing.T, send func(c *fiber.Ctx) error) string {
	t.Helper()
	app := fiber.New()
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	if err := send(c); err != nil {
		t.Fatal(err)
	}
	if ct := string(c.Response().Header.ContentType()); ct != fiber.MIMEApplicationJSON {
		t.Fatalf("content type %q", ct)
	}
	return string(c.Response().Body())
}

// The hand-written pages are byte for byte what the encoder gives for the
// structs, for every role, with and without Auskunftssperre and outcomes.
func TestHandWrittenJSONAsEncoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 2026))
	for round := range 300 {
		var kinder []einschulung.Eintrag
		ergebnisse := map[string]untersuchung.Untersuchung{}
		for i := range rng.IntN(6) {
			e := einschulung.Eintrag{ID: jsonText(rng) + string(rune('a'+i)), Schulnummer: jsonText(rng), Art: einschulung.ArtVorzeitig,
				Status: einschulung.StatusAngemeldet, Kind: einschulung.Kind{Familienname: jsonText(rng), Vornamen: jsonText(rng),
					Geburtsdatum: time.Date(2020+rng.IntN(3), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC),
					Geschlecht:   jsonText(rng), Strasse: jsonText(rng), Hausnummer: jsonText(rng), PLZ: jsonText(rng), Ort: jsonText(rng),
					Auskunftssperre: rng.IntN(3) == 0}}
			if rng.IntN(2) == 0 {
				ergebnisse[e.ID] = untersuchung.Untersuchung{UntersuchtAm: time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC),
					Ergebnis: untersuchung.Ergebnisse[rng.IntN(len(untersuchung.Ergebnisse))]}
			}
			kinder = append(kinder, e)
		}
		if rng.IntN(4) == 0 {
			ergebnisse = nil
		}
		p := auth.Principal{Subject: "t", Roles: []auth.Role{auth.AllRoles[rng.IntN(len(auth.AllRoles))]}}
		next := ""
		if rng.IntN(2) == 0 {
			next = jsonText(rng)
		}
		got := bodyOf(t, func(c *fiber.Ctx) error { return sendEinschulungKinder(c, kinder, p, ergebnisse, next, "next_cursor") })
		want := bodyOf(t, func(c *fiber.Ctx) error {
			items := make([]einschulungKindJSON, len(kinder))
			for i, e := range kinder {
				items[i] = toEinschulungKindJSON(e, p, ergebnisse)
			}
			return sendPage(c, items, next, "next_cursor")
		})
		if got != want {
			t.Fatalf("round %d, children, role %s:\ngot  %s\nwant %s", round, p.Roles[0], got, want)
		}
		// The same children with their rendering, as the cohort kept in
		// memory has them (each at random: both ways in one page).
		vorbereitet := slices.Clone(kinder)
		for i := range vorbereitet {
			if rng.IntN(4) != 0 {
				vorbereitet[i].Rendered = RenderEinschulungKind(&vorbereitet[i])
			}
		}
		if got := bodyOf(t, func(c *fiber.Ctx) error {
			return sendEinschulungKinder(c, vorbereitet, p, ergebnisse, next, "next_cursor")
		}); got != want {
			t.Fatalf("round %d, children with their rendering, role %s:\ngot  %s\nwant %s", round, p.Roles[0], got, want)
		}

		var feed []changefeed.Entry
		for i := range rng.IntN(6) {
			ns := rng.IntN(1e9) // trailing zeros as PostgreSQL's microseconds have them, or none at all
			ns -= ns % []int{1, 1000, 1e6, 1e9}[rng.IntN(4)]
			e := changefeed.Entry{Position: changefeed.EncodePosition(uint64(1 + rng.IntN(1<<40))),
				Time:   time.Date(2026, 12, 6, 12, i, rng.IntN(60), ns, time.FixedZone("CET", 3600)),
				Entity: jsonText(rng), ID: jsonText(rng), Operation: changefeed.Upsert}
			if rng.IntN(2) == 0 {
				e.Operation, e.Key = changefeed.Delete, map[string]string{}
				for range 1 + rng.IntN(3) {
					e.Key[jsonText(rng)] = jsonText(rng)
				}
			}
			feed = append(feed, e)
		}
		next = jsonText(rng)
		got = bodyOf(t, func(c *fiber.Ctx) error { return sendChanges(c, feed, next) })
		want = bodyOf(t, func(c *fiber.Ctx) error {
			items := make([]changeJSON, len(feed))
			for i, e := range feed {
				items[i] = changeJSON{Position: e.Position, CreatedAt: e.Time.UTC(), Time: e.Time.UTC(), Entity: e.Entity, ID: e.ID, Operation: string(e.Operation), Key: e.Key}
			}
			return sendJSON(c, fiber.Map{"items": items, "next": next})
		})
		if got != want {
			t.Fatalf("round %d, feed:\ngot  %s\nwant %s", round, got, want)
		}
		// The same entries with their rendering, as the feed's cache
		// keeps them (each at random: both ways in one page).
		feedRendered := slices.Clone(feed)
		for i := range feedRendered {
			if rng.IntN(4) != 0 {
				feedRendered[i].Rendered = RenderChange(&feedRendered[i])
			}
		}
		if got := bodyOf(t, func(c *fiber.Ctx) error { return sendChanges(c, feedRendered, next) }); got != want {
			t.Fatalf("round %d, feed with its rendering:\ngot  %s\nwant %s", round, got, want)
		}
	}
}

// A time is written as the library writes it in RFC 3339 with
// nanoseconds, in UTC, and a date as the library writes time.DateOnly:
// every part at its edges, times in other zones, and random instants from
// year -100 to 10100 (outside 0–9999 the library's own way is taken).
func TestAppendTimes(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	times := []time.Time{
		{}, time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 23, 30, 0, 0, time.FixedZone("", -3600)),
		time.Date(2027, 1, 1, 0, 30, 0, 1, berlin), time.Date(2026, 3, 29, 2, 30, 0, 100, berlin),
	}
	for _, ns := range []int{1, 10, 100000, 120000, 999999, 1000000, 100000000, 500000000, 999999999} {
		times = append(times, time.Date(2026, 12, 6, 12, 0, 0, ns, time.UTC))
	}
	rng := rand.New(rand.NewPCG(11, 2026))
	lo, hi := time.Date(-100, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(10100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for range 200000 {
		ns := rng.IntN(1e9)
		ns -= ns % []int{1, 1000, 1e6, 1e9}[rng.IntN(4)]
		tm := time.Unix(lo+rng.Int64N(hi-lo), int64(ns))
		if rng.IntN(2) == 0 {
			tm = tm.In(berlin)
		}
		times = append(times, tm)
	}
	var c utcTag // carried from time to time, as through a page; most change the day
	for i, tm := range times {
		if got, want := string(werte.AppendDate([]byte("x"), tm)), "x"+tm.Format(time.DateOnly); got != want {
			t.Fatalf("date of %v: got %s, want %s", tm, got, want)
		}
		got, want := string(appendRFC3339NanoUTC([]byte("x"), tm, &c)), "x"+tm.UTC().Format(time.RFC3339Nano)
		if got != want {
			t.Fatalf("%v: got %s, want %s", tm, got, want)
		}
		if i%2 == 0 { // the same day again, another time of it
			tm = tm.Add(time.Duration(rng.Int64N(int64(2*time.Hour))) - time.Hour)
			if got, want := string(appendRFC3339NanoUTC(nil, tm, &c)), tm.UTC().Format(time.RFC3339Nano); got != want {
				t.Fatalf("%v after %v: got %s, want %s", tm, times[i], got, want)
			}
		}
	}
}

func BenchmarkAppendRFC3339NanoUTC(b *testing.B) {
	tm := time.Date(2026, 12, 6, 12, 34, 56, 123456000, time.FixedZone("CET", 3600))
	buf := make([]byte, 0, 64)
	b.Run("hand", func(b *testing.B) {
		var c utcTag
		for b.Loop() {
			buf = appendRFC3339NanoUTC(buf[:0], tm, &c)
		}
	})
	b.Run("library", func(b *testing.B) {
		for b.Loop() {
			buf = tm.UTC().AppendFormat(buf[:0], time.RFC3339Nano)
		}
	})
}

// Any text is written as the encoder writes it.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := gojson.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

// toEinschulungKindJSON is how the children page was encoded before it
// was written by hand: the test's oracle.
func toEinschulungKindJSON(e einschulung.Eintrag, p auth.Principal, ergebnisse map[string]untersuchung.Untersuchung) einschulungKindJSON {
	k := e.Kind
	out := einschulungKindJSON{ID: e.ID, Familienname: k.Familienname, Vornamen: k.Vornamen, Geburtsdatum: k.Geburtsdatum.Format(time.DateOnly),
		Geschlecht: orNull(k.Geschlecht), Schulnummer: orNull(e.Schulnummer), Art: string(e.Art), Status: string(e.Status)}
	// An Auskunftssperre (§§ 51, 52 BMG) keeps the address from every role
	// but the school office (auth.Feldrichtlinien).
	if auth.Sieht(p, "EinschulungKind", "anschrift", k.Auskunftssperre) {
		out.Anschrift = &einschulungAnschriftJSON{Strasse: k.Strasse, Hausnummer: k.Hausnummer, PLZ: k.PLZ, Ort: k.Ort}
	}
	if ergebnisse != nil && auth.Sieht(p, "EinschulungKind", "untersuchung", k.Auskunftssperre) {
		out.Untersuchung = &untersuchungStandJSON{}
		if u, ok := ergebnisse[e.ID]; ok {
			out.Untersuchung.UntersuchtAm, out.Untersuchung.Ergebnis = orNull(u.UntersuchtAm.Format(time.DateOnly)), orNull(string(u.Ergebnis))
		}
	}
	return out
}

// plain8 against the rule byte by byte: every byte value at every place of
// a word, among plain neighbours and among bad ones.
func TestPlain8(t *testing.T) {
	plain := func(c byte) bool {
		return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	for _, fill := range []byte{'a', 0x7f, 0x20, 0x00, 0xff} {
		for pos := range 8 {
			for v := range 256 {
				var w uint64
				want := plain(fill) && plain(byte(v))
				for i := range 8 {
					c := fill
					if i == pos {
						c = byte(v)
					}
					w |= uint64(c) << (8 * i)
				}
				if got := plain8(w); got != want {
					t.Fatalf("fill %#x, byte %#x at %d: plain8 %v, want %v", fill, v, pos, got, want)
				}
			}
		}
	}
}

// BenchmarkSendEinschulungKinder: a page of 100 children as the BMS gets
// it, written by hand (/hand), copied from their rendering (/render)
// and by the encoder as before (/encoder).
func BenchmarkSendEinschulungKinder(b *testing.B) {
	kinder := make([]einschulung.Eintrag, 100)
	for i := range kinder {
		kinder[i] = einschulung.Eintrag{ID: fmt.Sprintf("k%031x", i*7919), Schulnummer: "20101", Art: einschulung.ArtRegeleinschulung,
			Status: einschulung.StatusErwartet, Kind: einschulung.Kind{Familienname: "Schmidt-Yılmaz", Vornamen: "Lena Marie",
				Geburtsdatum: time.Date(2021, 3, 1+i%28, 0, 0, 0, 0, time.UTC), Geschlecht: "w", Strasse: "Lindenstraße",
				Hausnummer: "12a", PLZ: "06108", Ort: "Halle (Saale)"}}
	}
	p := auth.Principal{Subject: "bms", Roles: []auth.Role{auth.RoleBMS}}
	app := fiber.New()
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	// The page as the cohort kept in memory serves it (serve has its
	// children rendered).
	vorbereitet := slices.Clone(kinder)
	for i := range vorbereitet {
		vorbereitet[i].Rendered = RenderEinschulungKind(&vorbereitet[i])
	}
	for _, f := range []struct {
		name  string
		items []einschulung.Eintrag
	}{{"hand", kinder}, {"rendered", vorbereitet}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := sendEinschulungKinder(c, f.items, p, nil, "k123", "next_cursor"); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(c.Response().Body())))
		})
	}
	b.Run("encoder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			items := make([]einschulungKindJSON, len(kinder))
			for i, e := range kinder {
				items[i] = toEinschulungKindJSON(e, p, nil)
			}
			if err := sendPage(c, items, "k123", "next_cursor"); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(c.Response().Body())))
	})
}

func BenchmarkSendChanges(b *testing.B) {
	feed := make([]changefeed.Entry, 100)
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for i := range feed {
		feed[i] = changefeed.Entry{Position: changefeed.EncodePosition(uint64(1000 + i)), Time: t0.Add(time.Duration(i) * 1234567 * time.Microsecond),
			Entity: changefeed.EntityKind, ID: fmt.Sprintf("k%031x", i*7919), Operation: changefeed.Upsert}
	}
	app := fiber.New()
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	// As the feed's cache keeps them (serve sets their rendering).
	vorbereitet := slices.Clone(feed)
	for i := range vorbereitet {
		vorbereitet[i].Rendered = RenderChange(&vorbereitet[i])
	}
	for _, f := range []struct {
		name  string
		items []changefeed.Entry
	}{{"hand", feed}, {"rendered", vorbereitet}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := sendChanges(c, f.items, "AQAAAAAAAAPo"); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(c.Response().Body())))
		})
	}
}
