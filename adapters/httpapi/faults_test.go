package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// swLeaWith is the Schulwechsel of Lea with her family name replaced.
func swLeaWith(t *testing.T, familienname string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(swLeaJSON), &m); err != nil {
		t.Fatal(err)
	}
	m["schueler"].(map[string]any)["familienname"] = familienname
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// nonsense is n characters that no compression makes small (a btree entry
// holds at most 2,704 bytes).
func nonsense(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%08x", uint32(i)*2654435761)
	}
	return b.String()[:n]
}

// A NUL byte or another control character in a JSON string, bytes that
// are not UTF-8, and a name of 2,800 characters, are refused with 422
// naming the field — on the
// Schulwechsel, a school's PUT, a case's PATCH and an Einschulung
// Meldung — and nothing is stored. A free-text field keeps its line
// breaks.
func TestBadTextIsNamedNotStored(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	amt, admin, bms := e.token(auth.RoleSchulamt), e.token(auth.RoleAdmin), e.token(auth.RoleBMS)
	if _, err := pool.Exec(context.Background(), `INSERT INTO schulen (schulnummer, name, schulform, traeger) VALUES
		('20107', 'Freie Grundschule Regenbogen', 'grundschule', 'frei') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	status, imp, body := e.upload(amt, "kind=melderegister", "register.csv", []byte(spRegister))
	if status != 202 || e.await(amt, imp.ID).Status != "succeeded" {
		t.Fatalf("register upload: %d %s", status, body)
	}
	// Without pupil lists every child becomes a case: forced on purpose.
	e.startAbgleichMit(amt, `{"stichtag":"2026-09-15","force":true}`)
	faelle := e.faelle(amt, "")
	if len(faelle) == 0 {
		t.Fatal("no case to change")
	}
	fall := "/v1/schulpflicht/faelle/" + faelle[0].ID
	merge := map[string]string{"Content-Type": "application/merge-patch+json"}
	long := nonsense(2800)

	for _, tc := range []struct {
		name    string
		c       call
		pointer string
		code    string
	}{
		{"Schulwechsel, NUL in the name", call{method: "POST", path: "/v1/schulwechsel", token: bms, body: swLeaWith(t, "Mül\x00ler")},
			"/schueler/familienname", "steuerzeichen"},
		{"Schulwechsel, 2,800 characters", call{method: "POST", path: "/v1/schulwechsel", token: bms, body: swLeaWith(t, long)},
			"/schueler/familienname", "zu_lang"},
		{"Schulwechsel, escape sequence", call{method: "POST", path: "/v1/schulwechsel", token: bms,
			body: strings.Replace(swLeaJSON, `"Lea Marie"`, `"Lea\u0007Marie"`, 1)}, "/schueler/vornamen", "steuerzeichen"},
		{"school PUT, NUL", call{method: "PUT", path: "/v1/schulen/20107", token: admin,
			body: `{"name":"Freie Grundschule\u0000Regenbogen","schulform":"grundschule","traeger":"frei"}`}, "/name", "steuerzeichen"},
		{"school PUT, Latin-1 bytes", call{method: "PUT", path: "/v1/schulen/20107", token: admin,
			body: "{\"name\":\"Freie Grundschule Regenbogen\",\"schulform\":\"grundschule\",\"traeger\":\"frei\",\"ort\":\"M\xfchlhausen\"}"}, "/ort", "kodierung"},
		{"school PUT, 2,800 characters in the street", call{method: "PUT", path: "/v1/schulen/20107", token: admin,
			body: `{"name":"Freie Grundschule Regenbogen","schulform":"grundschule","traeger":"frei","strasse":"` + long + `"}`}, "/strasse", "zu_lang"},
		{"case PATCH, NUL in the note", call{method: "PATCH", path: fall, token: amt, header: merge, body: `{"bemerkung":"angerufen\u0000"}`},
			"/bemerkung", "steuerzeichen"},
		{"case PATCH, 2,800 characters in the note", call{method: "PATCH", path: fall, token: amt, header: merge, body: `{"bemerkung":"` + long + `"}`},
			"/bemerkung", "zu_lang"},
		{"Einschulung Meldung, NUL in the person", call{method: "POST", path: "/v1/einschulung/2027-28/meldungen", token: amt,
			body: `{"person":{"familienname":"Wei\u0000ß","vornamen":"Ida","geburtsdatum":"2021-05-01"},"typ":"anmeldung","schulnummer":"20101"}`},
			"/person/familienname", "steuerzeichen"},
	} {
		resp, body := e.do(tc.c)
		got := swFieldErrors(t, resp.StatusCode, body)
		if got[tc.pointer] != tc.code {
			t.Errorf("%s: errors %v, want %s at %s", tc.name, got, tc.code, tc.pointer)
		}
	}
	if n := swCount(t, pool, `SELECT count(*) FROM schulwechsel`); n != 0 {
		t.Errorf("%d Schulwechsel stored from refused messages", n)
	}
	if n := swCount(t, pool, `SELECT count(*) FROM schulen WHERE schulnummer = '20107' AND name = 'Freie Grundschule Regenbogen' AND strasse IS DISTINCT FROM $1`, long); n != 1 {
		t.Error("the school was changed by a refused PUT")
	}
	resp, body := e.do(call{method: "GET", path: fall, token: amt})
	if resp.StatusCode != 200 || strings.Contains(string(body), "angerufen") {
		t.Errorf("the case was changed by a refused PATCH: %d %s", resp.StatusCode, body)
	}
	// A note may have lines; 2,000 characters are its documented limit.
	note := "Mutter angerufen.\nRückruf am Montag.\t(ok)"
	resp, body = e.do(call{method: "PATCH", path: fall, token: amt, header: merge, body: fmt.Sprintf(`{"bemerkung":%q}`, note)})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `Rückruf am Montag.\t(ok)`) {
		t.Errorf("a note with line breaks: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(call{method: "PATCH", path: fall, token: amt, header: merge, body: `{"bemerkung":"` + strings.Repeat("ä", 2000) + `"}`})
	if resp.StatusCode != 200 {
		t.Errorf("a note of 2,000 characters: %d %s", resp.StatusCode, body)
	}
}

// deadEnv is a gateway whose DATABASE_URL PostgreSQL refuses at connect.
func deadEnv(t *testing.T, dbURL string) *env {
	t.Helper()
	pool, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return newEnv(t, pool)
}

// PostgreSQL up but refusing the gateway (its database or its role does
// not exist: FATAL at connect) is 503 with Retry-After on data routes and
// /readyz, never 500.
func TestDatabaseRefusesTheGateway(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	noDB, noRole := *u, *u
	noDB.Path = fmt.Sprintf("/sgtest_gibt_es_nicht_%d", time.Now().UnixNano())
	noRole.User = url.User(fmt.Sprintf("sgtest_niemand_%d", time.Now().UnixNano()))
	for name, dbURL := range map[string]string{"no such database": noDB.String(), "no such role": noRole.String()} {
		t.Run(name, func(t *testing.T) {
			e := deadEnv(t, dbURL)
			for _, c := range []call{
				{method: "GET", path: "/readyz"},
				{method: "GET", path: "/v1/schulen", token: e.token(auth.RoleBMS)},
				{method: "GET", path: "/v1/changes", token: e.token(auth.RoleBMS)},
				{method: "PUT", path: "/v1/schulen/20101", token: e.token(auth.RoleAdmin), body: `{"name":"Grundschule Am Anger","schulform":"grundschule"}`},
			} {
				resp, body := e.do(c)
				if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s %s = %d Retry-After %q %s, want 503 problem+json with Retry-After", c.method, c.path,
						resp.StatusCode, resp.Header.Get("Retry-After"), body)
				}
				if p := problemOf(t, body); p.Type != "urn:schulgateway:problem:unavailable" || strings.Contains(p.Detail, "sgtest") {
					t.Errorf("%s %s: problem %+v", c.method, c.path, p)
				}
			}
		})
	}
}

// Backends terminated while the gateway serves (pg_terminate_backend on
// every connection of its database, again and again) give 503 with
// Retry-After or a successful answer from a fresh connection, never 500;
// afterwards the gateway serves as before.
func TestTerminatedBackendsAreNot500(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	pool, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e := newEnv(t, pool)
	if _, err := pool.Exec(context.Background(), `INSERT INTO schulen (schulnummer, name, schulform, traeger) VALUES
		('20101', 'Grundschule Am Anger', 'grundschule', 'kommunal')`); err != nil {
		t.Fatal(err)
	}
	admin, err := pgxpool.New(context.Background(), pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	u, _ := url.Parse(dbURL)
	database := strings.TrimPrefix(u.Path, "/")

	calls := []call{
		{method: "GET", path: "/v1/schulen/20101", token: e.token(auth.RoleBMS)},
		{method: "GET", path: "/v1/changes", token: e.token(auth.RoleBMS)}, // audited: writes in a transaction
		{method: "PUT", path: "/v1/schulen/20101", token: e.token(auth.RoleAdmin), body: `{"name":"Grundschule Am Anger","schulform":"grundschule"}`},
	}
	// The contract does not list 503 for every operation; the test asks
	// the app directly and judges the answer itself.
	ask := func(c call) (*http.Response, []byte, error) {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := e.srv.app.Test(req, 10_000)
		if err != nil {
			return nil, nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, body, nil
	}
	stop := make(chan struct{})
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := calls[i]
				resp, body, err := ask(c)
				if err != nil {
					t.Error(err)
					return
				}
				switch {
				case resp.StatusCode == 503 && resp.Header.Get("Retry-After") != "":
				case resp.StatusCode < 300:
				default:
					t.Errorf("%s %s while backends are terminated = %d: %s", c.method, c.path, resp.StatusCode, body)
				}
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
			}
		})
	}
	terminated := 0
	for range 40 {
		time.Sleep(20 * time.Millisecond)
		var n int
		if err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1`,
			database).Scan(&n); err != nil {
			t.Fatal(err)
		}
		terminated += n
	}
	close(stop)
	wg.Wait()
	if terminated == 0 || statuses[200] == 0 {
		t.Fatalf("terminated %d backends, answers %v: nothing was exercised", terminated, statuses)
	}
	t.Logf("terminated %d backends; answers %v", terminated, statuses)
	// Afterwards the gateway recovers: a connection the last round ended
	// may still wait in the pool (it is checked only after a second idle)
	// and answer one request with 503 and Retry-After, as a client is told
	// to retry; within two seconds every call is answered again.
	for _, c := range calls {
		deadline := time.Now().Add(2 * time.Second)
		for {
			resp, body, err := ask(c)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode == 200 {
				break
			}
			if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || time.Now().After(deadline) {
				t.Errorf("after the terminations %s %s = %d: %s", c.method, c.path, resp.StatusCode, body)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// An error of the database that is not about reaching it (here a table
// the gateway needs is gone) is the gateway's fault: 500 with the request
// id, never 503, and none of PostgreSQL's text.
func TestUnknownDatabaseErrorIs500(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	if _, err := pool.Exec(context.Background(), `DROP TABLE schulen CASCADE`); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/v1/schulen/20101", nil)
	req.Header.Set("Authorization", "Bearer "+e.token(auth.RoleBMS))
	req.Header.Set("X-Request-ID", "faults-test-1")
	resp, err := e.srv.app.Test(req, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	p := problemOf(t, body)
	if resp.StatusCode != 500 || p.RequestID != "faults-test-1" || resp.Header.Get("Retry-After") != "" {
		t.Errorf("GET with the table gone = %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if p.Detail != internalDetail || strings.Contains(string(body), "relation") || strings.Contains(string(body), "SQLSTATE") {
		t.Errorf("the problem shows more than the fixed text: %s", body)
	}
}

// A query parameter with a NUL byte or with bytes that are not UTF-8 is
// refused with 422 naming it, before the database sees it (a NUL reached
// PostgreSQL and came back as 500).
func TestBadQueryIsNamed(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	for _, tc := range []struct {
		path, token, pointer, code string
	}{
		{"/v1/audit?subject=%00", e.token(auth.RoleAdmin), "/subject", "steuerzeichen"},
		{"/v1/changes?after=abc%0Adef", e.token(auth.RoleBMS), "/after", "steuerzeichen"},
		{"/v1/einschulung/2027-28/kinder?schulnummer=2010%FC", e.token(auth.RoleSchulamt), "/schulnummer", "kodierung"},
	} {
		resp, body := e.do(call{method: "GET", path: tc.path, token: tc.token})
		if got := swFieldErrors(t, resp.StatusCode, body); got[tc.pointer] != tc.code {
			t.Errorf("GET %s: errors %v, want %s at %s", tc.path, got, tc.code, tc.pointer)
		}
	}
	// Without a token the answer stays 401: the check runs after authentication.
	if resp, _ := e.do(call{method: "GET", path: "/v1/audit?subject=%00"}); resp.StatusCode != 401 {
		t.Errorf("without a token: %d, want 401", resp.StatusCode)
	}
}
