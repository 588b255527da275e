package jwtauth_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/schulgateway/schulgateway/adapters/jwtauth"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// uncached is a verifier of the same keys without a token cache: what the
// cached one must agree with.
func uncached(t testing.TB) *jwtauth.Verifier {
	t.Helper()
	u := staticVerifier(t, publicJWK(t, rsaKeyA, "a", ""))
	jwtauth.SetTokenCacheSize(u, -1)
	return u
}

// A token seen again gives the same principal, roles mapped the same way
// (unknown dropped, duplicates collapsed, order kept), and costs no
// verification: the second call allocates next to nothing, where a full
// verification decodes the claims.
func TestTokenCacheHit(t *testing.T) {
	v := staticVerifier(t, publicJWK(t, rsaKeyA, "a", ""))
	u := uncached(t)
	ctx := context.Background()
	for _, c := range []map[string]any{
		claims(),
		without(claims(), "roles"),
		with(claims(), "roles", []string{"bms", "planung", "bms", "gesundheitsamt", "root"}),
		with(claims(), "aud", []string{"andere-api", testAud}, "sub", "bms-land"),
		without(claims(), "iat", "nbf"),
	} {
		tok := sign(t, jwa.RS256(), rsaKeyA, "a", c)
		want, err := u.Verify(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			p, err := v.Verify(ctx, tok)
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
			if p.Subject != want.Subject || !slices.Equal(p.Roles, want.Roles) {
				t.Fatalf("call %d: principal %+v, without cache %+v", i, p, want)
			}
		}
	}
	if n := jwtauth.CachedTokens(v); n != 5 {
		t.Fatalf("cached tokens = %d, want 5", n)
	}
	tok := sign(t, jwa.RS256(), rsaKeyA, "a", claims())
	miss := testing.AllocsPerRun(20, func() {
		if _, err := u.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	})
	hit := testing.AllocsPerRun(20, func() {
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	})
	if hit > 2 || miss < 10 {
		t.Fatalf("allocations per call: cached %v, full verification %v; the cache is not used", hit, miss)
	}
	// A caller appending to the roles does not change what the next one gets.
	p, _ := v.Verify(ctx, tok)
	_ = append(p.Roles, auth.RoleBMS)
	if p2, _ := v.Verify(ctx, tok); !slices.Equal(p2.Roles, []auth.Role{auth.RoleSchulamt, auth.RoleAdmin}) {
		t.Fatalf("roles after a caller's append: %v", p2.Roles)
	}
}

// A cached token is refused from the moment it would be refused without
// the cache: after exp (plus the leeway), and before nbf or iat (minus the
// leeway) if the clock goes back.
func TestTokenCacheKeepsTheTimeChecks(t *testing.T) {
	v := staticVerifier(t, publicJWK(t, rsaKeyA, "a", "")) // leeway 30 s
	u := uncached(t)
	base := time.Unix(time.Now().Unix(), 0)
	var now time.Time
	clock := func() time.Time { return now }
	jwtauth.SetClock(v, clock)
	jwtauth.SetClock(u, clock)
	tok := sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(),
		"iat", base.Unix(), "nbf", base.Add(time.Minute).Unix(), "exp", base.Add(10*time.Minute).Unix()))

	for _, step := range []struct {
		at     time.Duration // after base
		reason string        // "" accepted
	}{
		{30 * time.Second, ""},                // nbf within the leeway: verified and cached
		{5 * time.Minute, ""},                 // a hit
		{10*time.Minute + 29*time.Second, ""}, // past exp, within the leeway
		{10*time.Minute + 30*time.Second, "Token abgelaufen"},
		{time.Hour, "Token abgelaufen"},
		{5 * time.Minute, ""},                    // the clock set back: valid again, as without the cache
		{29 * time.Second, "noch nicht gültig"},  // before nbf minus the leeway
		{-31 * time.Second, "noch nicht gültig"}, // before iat too; nbf is checked first
		{2 * time.Minute, ""},
	} {
		now = base.Add(step.at)
		want, werr := u.Verify(context.Background(), tok)
		p, err := v.Verify(context.Background(), tok)
		if step.reason == "" {
			if err != nil || werr != nil {
				t.Fatalf("at %v: cached %v, without cache %v; want accepted", step.at, err, werr)
			}
			if p.Subject != want.Subject {
				t.Fatalf("at %v: subject %q, want %q", step.at, p.Subject, want.Subject)
			}
			continue
		}
		wantRefused(t, p, err, step.reason)
		wantRefused(t, want, werr, step.reason)
	}
}

// Refusals are not remembered, and a token changed in one character is
// not accepted through the cache entry of the original.
func TestTokenCacheRefusals(t *testing.T) {
	v := staticVerifier(t, publicJWK(t, rsaKeyA, "a", ""))
	ctx := context.Background()
	for _, tc := range []struct{ tok, reason string }{
		{sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "aud", "andere-api")), "Zielgruppe (aud) falsch"},
		{sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "exp", time.Now().Add(-time.Hour).Unix())), "Token abgelaufen"},
		{sign(t, jwa.RS256(), rsaOther, "a", claims()), "Signatur ungültig"},
	} {
		for range 2 {
			p, err := v.Verify(ctx, tc.tok)
			wantRefused(t, p, err, tc.reason)
		}
	}
	if n := jwtauth.CachedTokens(v); n != 0 {
		t.Fatalf("%d refused tokens cached", n)
	}

	tok := sign(t, jwa.RS256(), rsaKeyA, "a", claims())
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	dots := []int{}
	for i, r := range tok {
		if r == '.' {
			dots = append(dots, i)
		}
	}
	// One character in the middle of each part (not the last character of
	// a part, whose low bits base64 may ignore).
	for _, i := range []int{dots[0] / 2, (dots[0] + dots[1]) / 2, dots[1] + 1, (dots[1] + len(tok)) / 2} {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		p, err := v.Verify(ctx, string(b))
		if err == nil || !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("token changed at %d accepted: %+v %v", i, p, err)
		}
	}
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("the original after the changed ones: %v", err)
	}
	if n := jwtauth.CachedTokens(v); n != 1 {
		t.Fatalf("cached tokens = %d, want 1 (the original)", n)
	}
}

// When the IdP's key set changes, the cache starts empty: a cached token
// whose key left the set is refused from the refresh on, and one whose kid
// now names other key material too. A refresh that brings the same set
// keeps the cache.
func TestTokenCacheKeyRotation(t *testing.T) {
	srv := newJWKSServer(t, setOf(t, publicJWK(t, rsaKeyA, "a", ""), publicJWK(t, rsaKeyB, "b", "")), 0)
	v, err := jwtauth.New(t.Context(), jwtauth.Config{
		JWKSURL: srv.URL, Issuer: testIss, Audience: testAud,
		RefreshInterval: time.Hour, UnknownKidRefreshMin: time.Nanosecond, // every unknown kid fetches
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	tokA := sign(t, jwa.RS256(), rsaKeyA, "a", claims())
	tokB := sign(t, jwa.RS256(), rsaKeyB, "b", claims())
	refresh := func() {
		t.Helper()
		before := srv.hits.Load()
		if _, err := v.Verify(ctx, sign(t, jwa.RS256(), rsaKeyA, "unbekannt-"+fmt.Sprint(before), claims())); err == nil {
			t.Fatal("unknown kid accepted")
		}
		if srv.hits.Load() != before+1 {
			t.Fatal("no refresh")
		}
	}
	for _, tok := range []string{tokA, tokB} {
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}

	refresh() // the same set again
	if n := jwtauth.CachedTokens(v); n != 2 {
		t.Fatalf("after a refresh with the same keys: %d cached, want 2", n)
	}

	srv.put(t, setOf(t, publicJWK(t, rsaKeyB, "b", ""))) // a removed
	if _, err := v.Verify(ctx, tokA); err != nil {
		t.Fatalf("before the refresh the set still holds a: %v", err)
	}
	refresh()
	p, err := v.Verify(ctx, tokA)
	wantRefused(t, p, err, "unbekannter Schlüssel")
	if _, err := v.Verify(ctx, tokB); err != nil {
		t.Fatalf("b is still in the set: %v", err)
	}

	// Same kid, other key: the IdP replaced b's material.
	srv.put(t, setOf(t, publicJWK(t, rsaOther, "b", "")))
	refresh()
	p, err = v.Verify(ctx, tokB)
	wantRefused(t, p, err, "Signatur ungültig")
	if n := jwtauth.CachedTokens(v); n != 0 {
		t.Fatalf("cached after the rotation: %d, want 0", n)
	}
}

// The cache never holds more than its bound, however many tokens pass.
func TestTokenCacheBound(t *testing.T) {
	v := staticVerifier(t, publicJWK(t, rsaKeyA, "a", ""))
	const bound = 2 * jwtauth.CacheShards
	jwtauth.SetTokenCacheSize(v, bound)
	toks := make([]string, 6*bound)
	for i := range toks {
		toks[i] = sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "sub", fmt.Sprintf("client-%d", i)))
	}
	ctx := context.Background()
	for round := range 2 {
		for i, tok := range toks {
			p, err := v.Verify(ctx, tok)
			if err != nil || p.Subject != fmt.Sprintf("client-%d", i) {
				t.Fatalf("round %d token %d: %+v %v", round, i, p, err)
			}
			if n := jwtauth.CachedTokens(v); n > bound {
				t.Fatalf("round %d after token %d: %d cached, bound %d", round, i, n, bound)
			}
		}
	}
	if n := jwtauth.CachedTokens(v); n < bound/2 {
		t.Fatalf("only %d cached of a bound of %d", n, bound)
	}
}

// Many goroutines verifying while the key set changes under them (run
// with -race): every answer is either the right principal or a refusal.
func TestTokenCacheConcurrent(t *testing.T) {
	srv := newJWKSServer(t, setOf(t, publicJWK(t, rsaKeyA, "a", "")), 0)
	v, err := jwtauth.New(t.Context(), jwtauth.Config{
		JWKSURL: srv.URL, Issuer: testIss, Audience: testAud,
		RefreshInterval: time.Hour, UnknownKidRefreshMin: time.Nanosecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	toks := make([]string, 8)
	for i := range toks {
		toks[i] = sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "sub", fmt.Sprintf("c%d", i)))
	}
	unknown := sign(t, jwa.RS256(), rsaKeyA, "x", claims())
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % len(toks)
				p, err := v.Verify(t.Context(), toks[k])
				if err == nil && p.Subject != fmt.Sprintf("c%d", k) {
					t.Errorf("token %d gave %q", k, p.Subject)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 10 {
			if i%2 == 0 {
				srv.put(t, setOf(t, publicJWK(t, rsaKeyA, "a", ""), publicJWK(t, rsaKeyB, "b", "")))
			} else {
				srv.put(t, setOf(t, publicJWK(t, rsaKeyA, "a", "")))
			}
			v.Verify(t.Context(), unknown) //nolint:errcheck // triggers a refresh
		}
	})
	wg.Wait()
}
