package jwtauth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/schulgateway/schulgateway/adapters/jwtauth"
	"github.com/schulgateway/schulgateway/internal/auth"
)

const (
	testIss = "https://idp.example.test/realms/stadt"
	testAud = "schulgateway"
)

// Keys are generated once per test binary: RSA generation is slow, and
// nothing in the tests depends on keys being distinct between tests.
var (
	rsaKeyA  = mustRSA()
	rsaKeyB  = mustRSA()
	rsaOther = mustRSA()
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// publicJWK wraps the public half of priv as a JWK with the given kid and,
// if alg is non-empty, an explicit "alg".
func publicJWK(t testing.TB, priv any, kid, alg string) jwk.Key {
	t.Helper()
	k, err := jwk.PublicKeyOf(priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set(jwk.KeyIDKey, kid); err != nil {
		t.Fatal(err)
	}
	if alg != "" {
		if err := k.Set(jwk.AlgorithmKey, alg); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

func setOf(t testing.TB, keys ...jwk.Key) jwk.Set {
	t.Helper()
	s := jwk.NewSet()
	for _, k := range keys {
		if err := s.AddKey(k); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// claims returns a valid claim set; tests change or delete entries.
func claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss":   testIss,
		"aud":   testAud,
		"sub":   "sachbearbeiterin-7",
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(5 * time.Minute).Unix(),
		"roles": []string{"schulamt", "fremde-rolle", "admin", "schulamt"},
	}
}

func with(c map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

func without(c map[string]any, names ...string) map[string]any {
	for _, n := range names {
		delete(c, n)
	}
	return c
}

// sign produces a compact JWS over the claims with the given algorithm,
// key and kid header ("" = no kid), using jwx's signer.
func sign(t testing.TB, alg jwa.SignatureAlgorithm, priv any, kid string, c map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	if kid != "" {
		if err := h.Set(jws.KeyIDKey, kid); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Set(jws.TypeKey, "JWT"); err != nil {
		t.Fatal(err)
	}
	out, err := jws.Sign(payload, jws.WithKey(alg, priv, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// handMade builds a compact token without jwx, for tokens jwx refuses to
// create (alg none, HMAC keyed with a public key).
func handMade(t testing.TB, header map[string]any, c map[string]any, mac func(signingInput []byte) []byte) string {
	t.Helper()
	hb, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(hb) + "." + enc.EncodeToString(pb)
	var sig []byte
	if mac != nil {
		sig = mac([]byte(input))
	}
	return input + "." + enc.EncodeToString(sig)
}

func staticVerifier(t testing.TB, keys ...jwk.Key) *jwtauth.Verifier {
	t.Helper()
	v, err := jwtauth.NewFromSet(setOf(t, keys...), testIss, testAud, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantRefused asserts what an HTTP layer relies on: the error is an
// auth.ErrInvalidToken, and its text names the expected reason.
func wantRefused(t *testing.T, p auth.Principal, err error, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("token accepted (principal %+v), want refusal %q", p, reason)
	}
	if !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("error %q does not wrap auth.ErrInvalidToken", err)
	}
	if !strings.Contains(err.Error(), reason) {
		t.Fatalf("error %q, want reason containing %q", err, reason)
	}
	if p.Subject != "" || p.Roles != nil {
		t.Fatalf("refusal returned non-empty principal %+v", p)
	}
}

func TestVerifyValidToken(t *testing.T) {
	v := staticVerifier(t, publicJWK(t, rsaKeyA, "a", ""))
	p, err := v.Verify(context.Background(), sign(t, jwa.RS256(), rsaKeyA, "a", claims()))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if p.Subject != "sachbearbeiterin-7" {
		t.Errorf("Subject = %q", p.Subject)
	}
	// unknown role dropped, duplicate collapsed, order kept
	if want := []auth.Role{auth.RoleSchulamt, auth.RoleAdmin}; !slices.Equal(p.Roles, want) {
		t.Errorf("Roles = %v, want %v", p.Roles, want)
	}
}

func TestVerifyAcceptedVariants(t *testing.T) {
	v := staticVerifier(t, publicJWK(t, rsaKeyA, "a", ""))
	now := time.Now()
	tests := []struct {
		name      string
		claims    map[string]any
		wantRoles []auth.Role
	}{
		{"no roles claim gives no roles", without(claims(), "roles"), nil},
		{"empty roles", with(claims(), "roles", []string{}), nil},
		{"aud as array containing ours", with(claims(), "aud", []string{"andere-api", testAud}), []auth.Role{auth.RoleSchulamt, auth.RoleAdmin}},
		{"expired within clock skew", with(claims(), "exp", now.Add(-10*time.Second).Unix()), []auth.Role{auth.RoleSchulamt, auth.RoleAdmin}},
		{"nbf slightly ahead within skew", with(claims(), "nbf", now.Add(10*time.Second).Unix()), []auth.Role{auth.RoleSchulamt, auth.RoleAdmin}},
		{"no iat and no nbf", without(claims(), "iat", "nbf"), []auth.Role{auth.RoleSchulamt, auth.RoleAdmin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), sign(t, jwa.RS256(), rsaKeyA, "a", tt.claims))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Subject != "sachbearbeiterin-7" || !slices.Equal(p.Roles, tt.wantRoles) {
				t.Errorf("principal %+v, want roles %v", p, tt.wantRoles)
			}
		})
	}
}

func TestVerifyRefusals(t *testing.T) {
	v := staticVerifier(t, publicJWK(t, rsaKeyA, "a", ""))
	now := time.Now()

	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKeyA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hs256With := func(secret []byte) func([]byte) []byte {
		return func(in []byte) []byte {
			m := hmac.New(sha256.New, secret)
			m.Write(in)
			return m.Sum(nil)
		}
	}
	valid := sign(t, jwa.RS256(), rsaKeyA, "a", claims())
	parts := strings.Split(valid, ".")
	tamperedClaims, _ := json.Marshal(with(claims(), "roles", []string{"admin"}, "sub", "eindringling"))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tamperedClaims) + "." + parts[2]

	tests := []struct {
		name   string
		token  string
		reason string
	}{
		{"empty string", "", "Token fehlt"},
		{"garbage", "das-ist-kein-token", "Token-Format ungültig"},
		{"garbage with dots", "a.b.c", "Token-Format ungültig"},
		{"too long", strings.Repeat("a", 9000) + ".b.c", "Token zu lang"},
		{"alg none", handMade(t, map[string]any{"alg": "none", "kid": "a", "typ": "JWT"}, claims(), nil), "Signaturalgorithmus nicht erlaubt"},
		{"alg None spelled oddly", handMade(t, map[string]any{"alg": "None", "kid": "a"}, claims(), nil), "Signaturalgorithmus nicht erlaubt"},
		{"HS256 keyed with the RSA public key PEM", handMade(t, map[string]any{"alg": "HS256", "kid": "a"}, claims(), hs256With(pubPEM)), "Signaturalgorithmus nicht erlaubt"},
		{"HS256 keyed with the RSA public key DER", handMade(t, map[string]any{"alg": "HS256", "kid": "a"}, claims(), hs256With(pubDER)), "Signaturalgorithmus nicht erlaubt"},
		{"RS512 with an RS256 key", sign(t, jwa.RS512(), rsaKeyA, "a", claims()), "passt nicht zum Schlüssel"},
		{"PS256 with an RS256 key", sign(t, jwa.PS256(), rsaKeyA, "a", claims()), "passt nicht zum Schlüssel"},
		{"no kid", sign(t, jwa.RS256(), rsaKeyA, "", claims()), "kid) fehlt"},
		{"unknown kid", sign(t, jwa.RS256(), rsaKeyA, "b", claims()), "unbekannter Schlüssel"},
		{"other key with the same kid", sign(t, jwa.RS256(), rsaOther, "a", claims()), "Signatur ungültig"},
		{"payload tampered after signing", tampered, "Signatur ungültig"},
		{"signature stripped", parts[0] + "." + parts[1] + ".", "Signatur ungültig"},
		{"wrong issuer", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "iss", "https://boese.example.test")), "Aussteller (iss) falsch"},
		{"missing issuer", sign(t, jwa.RS256(), rsaKeyA, "a", without(claims(), "iss")), "Aussteller (iss) fehlt"},
		{"wrong audience", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "aud", "andere-api")), "Zielgruppe (aud) falsch"},
		{"missing audience", sign(t, jwa.RS256(), rsaKeyA, "a", without(claims(), "aud")), "Zielgruppe (aud) fehlt"},
		{"expired", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "exp", now.Add(-2*time.Minute).Unix())), "Token abgelaufen"},
		{"missing exp", sign(t, jwa.RS256(), rsaKeyA, "a", without(claims(), "exp")), "Ablaufzeit (exp) fehlt"},
		{"nbf in the future", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "nbf", now.Add(2*time.Minute).Unix())), "noch nicht gültig"},
		{"iat in the future", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "iat", now.Add(2*time.Minute).Unix())), "(iat) liegt in der Zukunft"},
		{"missing sub", sign(t, jwa.RS256(), rsaKeyA, "a", without(claims(), "sub")), "Subjekt (sub) fehlt"},
		{"empty sub", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "sub", "")), "Subjekt (sub) fehlt"},
		{"roles is a string", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "roles", "admin")), "Rollen (roles)"},
		{"roles holds numbers", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "roles", []any{"admin", 7})), "Rollen (roles)"},
		{"roles is an object", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "roles", map[string]any{"admin": true})), "Rollen (roles)"},
		{"roles is null", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "roles", nil)), "Rollen (roles)"},
		{"sub only as Sub (claim names are case-sensitive)", sign(t, jwa.RS256(), rsaKeyA, "a", with(without(claims(), "sub"), "Sub", "x")), "Subjekt (sub) fehlt"},
		{"sub is a number", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "sub", 42)), "nicht lesbar"},
		{"iss is null", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "iss", nil)), "nicht lesbar"},
		{"aud is a number", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "aud", 1)), "Zielgruppe (aud) falsch"},
		{"aud array without ours", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "aud", []string{"a", "b"})), "Zielgruppe (aud) falsch"},
		{"payload not an object", sign(t, jwa.RS256(), rsaKeyA, "a", nil), "nicht lesbar"},
		{"exp is null", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "exp", nil)), "nicht lesbar"},
		{"exp out of range", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "exp", json.RawMessage("1e400"))), "nicht lesbar"},
		{"exp is a string", sign(t, jwa.RS256(), rsaKeyA, "a", with(claims(), "exp", "morgen")), "nicht lesbar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tt.token)
			wantRefused(t, p, err, tt.reason)
			if len(err.Error()) > 120 {
				t.Errorf("refusal text too long for a client: %q", err)
			}
		})
	}
}

func TestKeyAlgorithmComesFromKey(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_ = edPub
	v := staticVerifier(t,
		publicJWK(t, ecKey, "ec", ""),            // EC P-256 → ES256
		publicJWK(t, edPriv, "ed", ""),           // Ed25519 → EdDSA
		publicJWK(t, rsaKeyA, "ps", "PS256"),     // explicit alg wins over the RSA default
		publicJWK(t, rsaKeyB, "enc", "RSA-OAEP"), // encryption key: never used
	)
	tests := []struct {
		name   string
		token  string
		reason string // "" = accepted
	}{
		{"ES256 key", sign(t, jwa.ES256(), ecKey, "ec", claims()), ""},
		{"Ed25519 key", sign(t, jwa.EdDSA(), edPriv, "ed", claims()), ""},
		{"RSA key marked PS256 accepts PS256", sign(t, jwa.PS256(), rsaKeyA, "ps", claims()), ""},
		{"RSA key marked PS256 refuses RS256", sign(t, jwa.RS256(), rsaKeyA, "ps", claims()), "passt nicht zum Schlüssel"},
		{"EC key refuses ES384 header", handMade(t, map[string]any{"alg": "ES384", "kid": "ec"}, claims(), func([]byte) []byte { return make([]byte, 96) }), "passt nicht zum Schlüssel"},
		{"RSA-OAEP key is not a signing key", sign(t, jwa.RS256(), rsaKeyB, "enc", claims()), "unbekannter Schlüssel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tt.token)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if p.Subject != "sachbearbeiterin-7" {
					t.Fatalf("Subject = %q", p.Subject)
				}
				return
			}
			wantRefused(t, p, err, tt.reason)
		})
	}
}

func TestSymmetricKeysAreIgnored(t *testing.T) {
	secret := []byte("ein-geheimnis-das-im-jwks-steht-0123456789")
	oct, err := jwk.Import(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := oct.Set(jwk.KeyIDKey, "hmac"); err != nil {
		t.Fatal(err)
	}
	if _, err := jwtauth.NewFromSet(setOf(t, oct), testIss, testAud, 0); err == nil {
		t.Fatal("NewFromSet accepted a set with only a symmetric key")
	}

	v := staticVerifier(t, oct, publicJWK(t, rsaKeyA, "a", ""))
	tok := sign(t, jwa.HS256(), secret, "hmac", claims())
	p, err := v.Verify(context.Background(), tok)
	wantRefused(t, p, err, "nicht erlaubt")
}

func TestConfigErrors(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name string
		cfg  jwtauth.Config
		want string
	}{
		{"no source", jwtauth.Config{Issuer: testIss, Audience: testAud}, "JWT_JWKS_URL oder JWT_JWKS_FILE fehlt"},
		{"two sources", jwtauth.Config{JWKSURL: "http://127.0.0.1:1/jwks", JWKSFile: "/x", Issuer: testIss, Audience: testAud}, "beide gesetzt"},
		{"no issuer", jwtauth.Config{JWKSFile: "/x", Audience: testAud}, "JWT_ISSUER fehlt"},
		{"no audience", jwtauth.Config{JWKSFile: "/x", Issuer: testIss}, "JWT_AUDIENCE fehlt"},
		{"missing file", jwtauth.Config{JWKSFile: filepath.Join(t.TempDir(), "nope.json"), Issuer: testIss, Audience: testAud}, "JWKS-Datei nicht lesbar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := jwtauth.New(ctx, tt.cfg)
			if err == nil {
				t.Fatalf("New succeeded (%v), want error %q", v, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := jwtauth.NewFromSet(setOf(t, publicJWK(t, rsaKeyA, "a", "")), "", testAud, 0); err == nil || !strings.Contains(err.Error(), "JWT_ISSUER fehlt") {
		t.Errorf("NewFromSet without issuer: %v", err)
	}
}

func TestJWKSFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jwks.json")
	data, err := json.Marshal(setOf(t, publicJWK(t, rsaKeyA, "a", "")))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := jwtauth.New(t.Context(), jwtauth.Config{JWKSFile: path, Issuer: testIss, Audience: testAud})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := v.Verify(t.Context(), sign(t, jwa.RS256(), rsaKeyA, "a", claims())); err != nil || p.Subject == "" {
		t.Fatalf("Verify = %+v, %v", p, err)
	}
}

// jwksServer serves whatever set was last put and counts requests.
type jwksServer struct {
	*httptest.Server
	body  atomic.Pointer[[]byte]
	hits  atomic.Int64
	delay time.Duration
}

func newJWKSServer(t *testing.T, set jwk.Set, delay time.Duration) *jwksServer {
	t.Helper()
	s := &jwksServer{delay: delay}
	s.put(t, set)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := *s.body.Load()
		s.hits.Add(1)
		time.Sleep(s.delay) // a real IdP is not instant; lets concurrent callers pile up
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) put(t *testing.T, set jwk.Set) {
	t.Helper()
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	s.body.Store(&b)
}

func TestRemoteKeyRotation(t *testing.T) {
	srv := newJWKSServer(t, setOf(t, publicJWK(t, rsaKeyA, "a", "")), 0)
	v, err := jwtauth.New(t.Context(), jwtauth.Config{
		JWKSURL: srv.URL, Issuer: testIss, Audience: testAud,
		RefreshInterval: time.Hour, UnknownKidRefreshMin: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("fetches at start = %d, want 1", got)
	}
	if _, err := v.Verify(t.Context(), sign(t, jwa.RS256(), rsaKeyA, "a", claims())); err != nil {
		t.Fatalf("old key: %v", err)
	}

	// The IdP rotates: key b appears. The first token signed with it must
	// pull the new set and succeed.
	srv.put(t, setOf(t, publicJWK(t, rsaKeyA, "a", ""), publicJWK(t, rsaKeyB, "b", "")))
	p, err := v.Verify(t.Context(), sign(t, jwa.RS256(), rsaKeyB, "b", claims()))
	if err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if p.Subject != "sachbearbeiterin-7" {
		t.Fatalf("Subject = %q", p.Subject)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("fetches after rotation = %d, want 2", got)
	}
	// Key b is cached now: no more fetches for it.
	if _, err := v.Verify(t.Context(), sign(t, jwa.RS256(), rsaKeyB, "b", claims())); err != nil {
		t.Fatal(err)
	}
	// Within UnknownKidRefreshMin, another unknown kid is refused without a fetch.
	p, err = v.Verify(t.Context(), sign(t, jwa.RS256(), rsaKeyB, "c", claims()))
	wantRefused(t, p, err, "unbekannter Schlüssel")
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("fetches = %d, want still 2", got)
	}
}

func TestRemoteUnknownKidRateLimit(t *testing.T) {
	srv := newJWKSServer(t, setOf(t, publicJWK(t, rsaKeyA, "a", "")), 20*time.Millisecond)
	v, err := jwtauth.New(t.Context(), jwtauth.Config{
		JWKSURL: srv.URL, Issuer: testIss, Audience: testAud,
		RefreshInterval: time.Hour, UnknownKidRefreshMin: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := srv.hits.Load()

	// Two waves of 25 concurrent tokens with random kids: the first wave
	// overlaps the one permitted fetch, the second comes after it ended and
	// must not fetch again within UnknownKidRefreshMin.
	for wave := range 2 {
		const n = 25
		tokens := make([]string, n)
		for i := range tokens {
			tokens[i] = sign(t, jwa.RS256(), rsaKeyA, "zufall-"+rand.Text(), claims())
		}
		errs := make([]error, n)
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-gate
				_, errs[i] = v.Verify(t.Context(), tokens[i])
			})
		}
		close(gate)
		wg.Wait()
		for i, err := range errs {
			if !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), "unbekannter Schlüssel") {
				t.Fatalf("wave %d token %d: %v", wave, i, err)
			}
		}
		if extra := srv.hits.Load() - start; extra != 1 {
			t.Fatalf("after wave %d: 50 unknown kids caused %d fetches, want exactly 1", wave, extra)
		}
	}
}

func TestRemoteUnknownKidRefreshWindow(t *testing.T) {
	const minGap = time.Second
	srv := newJWKSServer(t, setOf(t, publicJWK(t, rsaKeyA, "a", "")), 0)
	v, err := jwtauth.New(t.Context(), jwtauth.Config{
		JWKSURL: srv.URL, Issuer: testIss, Audience: testAud,
		RefreshInterval: time.Hour, UnknownKidRefreshMin: minGap,
	})
	if err != nil {
		t.Fatal(err)
	}
	unknown := sign(t, jwa.RS256(), rsaKeyA, "unbekannt", claims())
	wantFetches := func(n int64) {
		t.Helper()
		if _, err := v.Verify(t.Context(), unknown); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("unknown kid: %v", err)
		}
		if got := srv.hits.Load(); got != n {
			t.Fatalf("fetches = %d, want %d", got, n)
		}
	}
	began := time.Now()
	wantFetches(2) // first unknown kid: one fetch
	wantFetches(2) // right after: none
	if time.Since(began) >= minGap {
		t.Fatal("test too slow to judge the window")
	}
	time.Sleep(minGap)
	wantFetches(3) // window passed: one more
}

func TestRemoteBackgroundRefreshStopsWithContext(t *testing.T) {
	srv := newJWKSServer(t, setOf(t, publicJWK(t, rsaKeyA, "a", "")), 0)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	v, err := jwtauth.New(ctx, jwtauth.Config{
		JWKSURL: srv.URL, Issuer: testIss, Audience: testAud,
		RefreshInterval: 20 * time.Millisecond, UnknownKidRefreshMin: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Spend the on-demand budget, so only the background loop can pick up b.
	if _, err := v.Verify(t.Context(), sign(t, jwa.RS256(), rsaKeyA, "x", claims())); err == nil {
		t.Fatal("unknown kid accepted")
	}

	srv.put(t, setOf(t, publicJWK(t, rsaKeyA, "a", ""), publicJWK(t, rsaKeyB, "b", "")))
	waitFor(t, func() bool {
		_, err := v.Verify(t.Context(), sign(t, jwa.RS256(), rsaKeyB, "b", claims()))
		return err == nil
	})

	cancel()
	time.Sleep(50 * time.Millisecond) // let a fetch already under way finish
	before := srv.hits.Load()
	time.Sleep(150 * time.Millisecond)
	if after := srv.hits.Load(); after != before {
		t.Fatalf("background refresh still running after cancel: %d → %d fetches", before, after)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 3s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRemoteUnreachableAtStart(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := jwtauth.New(t.Context(), jwtauth.Config{JWKSURL: url, Issuer: testIss, Audience: testAud})
	if err == nil || !strings.Contains(err.Error(), "beim Start nicht abrufbar") {
		t.Fatalf("New with unreachable IdP: %v", err)
	}

	// An IdP that answers, but not with a JWKS, is as bad.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "kaputt", http.StatusInternalServerError)
	}))
	defer bad.Close()
	_, err = jwtauth.New(t.Context(), jwtauth.Config{JWKSURL: bad.URL, Issuer: testIss, Audience: testAud})
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("New with failing IdP: %v", err)
	}
}

func TestRemoteFailedRefreshKeepsKeys(t *testing.T) {
	srv := newJWKSServer(t, setOf(t, publicJWK(t, rsaKeyA, "a", "")), 0)
	v, err := jwtauth.New(t.Context(), jwtauth.Config{
		JWKSURL: srv.URL, Issuer: testIss, Audience: testAud,
		RefreshInterval: time.Hour, UnknownKidRefreshMin: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	empty := []byte(`{"keys":[]}`)
	srv.body.Store(&empty)
	// Triggers a refresh that yields no usable key; the old set must stay.
	if _, err := v.Verify(t.Context(), sign(t, jwa.RS256(), rsaKeyA, "unbekannt", claims())); err == nil {
		t.Fatal("unknown kid accepted")
	}
	if srv.hits.Load() != 2 {
		t.Fatalf("fetches = %d, want 2", srv.hits.Load())
	}
	if _, err := v.Verify(t.Context(), sign(t, jwa.RS256(), rsaKeyA, "a", claims())); err != nil {
		t.Fatalf("key lost after a bad refresh: %v", err)
	}
}

func TestDevSignerRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "dev")
	path := filepath.Join(dir, "dev-jwk.json")

	s1, err := jwtauth.LoadOrCreateDevKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode = %o, want 600", mode)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := di.Mode().Perm(); mode != 0o700 {
		t.Errorf("key dir mode = %o, want 700", mode)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".devkey-*")); len(leftovers) != 0 {
		t.Errorf("temp files left behind: %v", leftovers)
	}

	s2, err := jwtauth.LoadOrCreateDevKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := publicJSON(t, s1), publicJSON(t, s2); a != b {
		t.Fatalf("second load gave a different key:\n%s\n%s", a, b)
	}
	k, ok := s1.PublicSet().Key(0)
	if !ok || s1.PublicSet().Len() != 1 {
		t.Fatal("PublicSet should hold exactly one key")
	}
	if priv, err := jwk.IsPrivateKey(k); err != nil || priv {
		t.Fatalf("PublicSet holds a private key (%v, %v)", priv, err)
	}
	if kid, _ := k.KeyID(); kid == "" {
		t.Fatal("dev key has no kid")
	}

	tok, err := s1.Sign(testIss, testAud, "entwicklerin", []auth.Role{auth.RoleAdmin, auth.RolePlanung}, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// The server process loads the same file and verifies the token.
	v, err := jwtauth.NewFromSet(s2.PublicSet(), testIss, testAud, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("Verify dev token: %v", err)
	}
	if p.Subject != "entwicklerin" || !slices.Equal(p.Roles, []auth.Role{auth.RoleAdmin, auth.RolePlanung}) {
		t.Fatalf("principal = %+v", p)
	}

	// A dev token is still bound to issuer and audience.
	other, err := s1.Sign(testIss, "andere-api", "entwicklerin", nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p, err = v.Verify(t.Context(), other)
	wantRefused(t, p, err, "Zielgruppe (aud) falsch")
}

func TestDevKeyConcurrentCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev-jwk.json")
	const n = 6
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := jwtauth.LoadOrCreateDevKey(path)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = publicJSON(t, s)
		})
	}
	wg.Wait()
	for i := range got {
		if got[i] == "" || got[i] != got[0] {
			t.Fatalf("creator %d ended with a different key than creator 0", i)
		}
	}
	// And the file on disk is that same key.
	s, err := jwtauth.LoadOrCreateDevKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if publicJSON(t, s) != got[0] {
		t.Fatal("file on disk differs from the key the creators use")
	}
}

func TestDevKeyRejectsBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev-jwk.json")
	pub, err := json.Marshal(publicJWK(t, rsaKeyA, "a", ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := jwtauth.LoadOrCreateDevKey(path); err == nil {
		t.Fatal("a public key was accepted as dev signing key")
	}
}

func publicJSON(t testing.TB, s *jwtauth.DevSigner) string {
	t.Helper()
	b, err := json.Marshal(s.PublicSet())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// BenchmarkVerifyRS256 is a full verification (no token cache).
func BenchmarkVerifyRS256(b *testing.B) {
	v, err := jwtauth.NewFromSet(setOf(b, publicJWK(b, rsaKeyA, "a", "")), testIss, testAud, 30*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	jwtauth.SetTokenCacheSize(v, -1)
	c := claims()
	c["exp"] = time.Now().Add(time.Hour).Unix()
	tok := sign(b, jwa.RS256(), rsaKeyA, "a", c)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(ctx, tok); err != nil {
				panic(fmt.Sprint("Verify: ", err))
			}
		}
	})
}

// A token that brings its own key (jwk, jku or x5c in the header) is
// verified against the configured keys only: the attacker's key is never
// used, whatever kid the token names.
func TestEmbeddedKeysInTheHeaderAreIgnored(t *testing.T) {
	v := staticVerifier(t, publicJWK(t, rsaKeyA, "a", ""))
	attackerJWK, err := json.Marshal(publicJWK(t, rsaOther, "a", "RS256"))
	if err != nil {
		t.Fatal(err)
	}
	var embedded map[string]any
	if err := json.Unmarshal(attackerJWK, &embedded); err != nil {
		t.Fatal(err)
	}
	rs256Other := func(in []byte) []byte {
		sum := sha256.Sum256(in)
		sig, err := rsa.SignPKCS1v15(rand.Reader, rsaOther, crypto.SHA256, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	for name, header := range map[string]map[string]any{
		"jwk with the trusted kid": {"alg": "RS256", "kid": "a", "jwk": embedded},
		"jwk with its own kid":     {"alg": "RS256", "kid": "angreifer", "jwk": embedded},
		"jku pointing elsewhere":   {"alg": "RS256", "kid": "a", "jku": "https://angreifer.example.test/jwks.json"},
		"x5u pointing elsewhere":   {"alg": "RS256", "kid": "a", "x5u": "https://angreifer.example.test/cert.pem"},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), handMade(t, header, claims(), rs256Other))
			if err == nil {
				t.Fatalf("accepted a token signed with the key it brought along: %+v", p)
			}
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("error %v does not wrap ErrInvalidToken", err)
			}
		})
	}
}

// BenchmarkVerifyCached is a token seen before, by one token for all
// goroutines (one shard, its read lock shared) and by 1,000 tokens.
func BenchmarkVerifyCached(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("tokens=%d", n), func(b *testing.B) {
			v, err := jwtauth.NewFromSet(setOf(b, publicJWK(b, rsaKeyA, "a", "")), testIss, testAud, 30*time.Second)
			if err != nil {
				b.Fatal(err)
			}
			toks := make([]string, n)
			for i := range toks {
				toks[i] = sign(b, jwa.RS256(), rsaKeyA, "a", with(claims(), "sub", fmt.Sprint(i), "exp", time.Now().Add(time.Hour).Unix()))
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := v.Verify(ctx, toks[i%n]); err != nil {
						panic(fmt.Sprint("Verify: ", err))
					}
					i++
				}
			})
		})
	}
}
