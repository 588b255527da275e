// Package jwtauth verifies bearer tokens (signed JWTs) against a JSON Web Key
// Set and turns them into an auth.Principal.
//
// The key set comes from the identity provider's JWKS URL (fetched at start,
// refreshed periodically and on demand when an unknown "kid" shows up) or
// from a static set (a file, or the dev signer's public key).
//
// Security rules that shape the code:
//   - The signature algorithm is pinned per key when the key set is loaded,
//     never taken from the token. This closes "alg":"none" and the
//     RS256→HS256 confusion attack.
//   - Symmetric ("oct") keys are never used: anyone who can read the JWKS
//     could sign with them.
//   - Every refusal wraps auth.ErrInvalidToken and carries only a short
//     German reason that is safe to show to the client.
package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// Defaults for the zero values in Config.
const (
	DefaultClockSkew            = 30 * time.Second
	DefaultRefreshInterval      = 15 * time.Minute
	DefaultUnknownKidRefreshMin = 10 * time.Second
)

// maxTokenLen bounds the work an attacker can make us do per request. Real
// access tokens are well under 2 KiB.
const maxTokenLen = 8 << 10

// Config describes where the keys come from and what a token must claim.
type Config struct {
	JWKSURL  string // IdP's JWKS endpoint; exactly one of JWKSURL and JWKSFile
	JWKSFile string // local JWKS (or single JWK) JSON file
	Issuer   string // required value of "iss"
	Audience string // value that "aud" must contain

	ClockSkew            time.Duration // tolerance for exp/nbf/iat; default 30s
	RefreshInterval      time.Duration // periodic re-fetch of JWKSURL; default 15m
	UnknownKidRefreshMin time.Duration // at most one on-demand re-fetch per this period; default 10s
	HTTPClient           *http.Client  // optional; jwx's hardened defaults (timeout, redirects) are added
}

// Verifier checks tokens. It is safe for concurrent use. A token verified
// once is remembered (by its SHA-256) with the principal it gave, until its
// validity ends or the key set changes: sending it again costs a map lookup
// under a read lock of one of 32 shards.
type Verifier struct {
	issuer   string
	audience string
	skew     float64 // seconds, compared with NumericDate claims

	// keys is swapped whole when the key set changes, together with an
	// empty cache of verified tokens, so readers never lock for it.
	keys atomic.Pointer[keyState]

	cacheSize int              // verified tokens kept; < 0: none
	now       func() time.Time // the clock; time.Now except in tests

	remote *remoteSource // nil for a static set
}

// keyState is a key set and the tokens verified with it.
type keyState struct {
	ring  keyring
	cache *tokenCache // nil: no caching
}

// keyring maps kid to the one key and algorithm that may verify it.
type keyring map[string]*keyEntry

type keyEntry struct {
	alg jwa.SignatureAlgorithm
	key any // raw public key (*rsa.PublicKey, ...), exported once so Verify never converts
}

// New builds a Verifier from configuration. With a JWKS URL it fetches the
// set before returning (an unreachable IdP at start is an error) and keeps
// it fresh in the background until ctx is done.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	switch {
	case cfg.JWKSURL == "" && cfg.JWKSFile == "":
		return nil, errors.New("JWT_JWKS_URL oder JWT_JWKS_FILE fehlt: genau eine Schlüsselquelle angeben / " +
			"missing JWT_JWKS_URL or JWT_JWKS_FILE: set exactly one key source")
	case cfg.JWKSURL != "" && cfg.JWKSFile != "":
		return nil, errors.New("JWT_JWKS_URL und JWT_JWKS_FILE sind beide gesetzt: genau eine Schlüsselquelle angeben / " +
			"both JWT_JWKS_URL and JWT_JWKS_FILE are set: set exactly one key source")
	}
	if err := checkClaimsConfig(cfg.Issuer, cfg.Audience); err != nil {
		return nil, err
	}
	skew := cmpOr(cfg.ClockSkew, DefaultClockSkew)
	if skew < 0 || cfg.RefreshInterval < 0 || cfg.UnknownKidRefreshMin < 0 {
		return nil, errors.New("negative Zeitangabe in der JWT-Konfiguration / negative duration in JWT configuration")
	}

	if cfg.JWKSFile != "" {
		data, err := os.ReadFile(cfg.JWKSFile)
		if err != nil {
			return nil, fmt.Errorf("JWKS-Datei nicht lesbar / cannot read JWKS file: %w", err)
		}
		set, err := jwk.Parse(data, jwk.WithStrictKeySetParsing(false))
		if err != nil {
			return nil, fmt.Errorf("JWKS-Datei %s ungültig / invalid JWKS file: %w", cfg.JWKSFile, err)
		}
		return NewFromSet(set, cfg.Issuer, cfg.Audience, skew)
	}

	v := newVerifier(cfg.Issuer, cfg.Audience, skew)
	client := jwk.DefaultHTTPClient()
	if cfg.HTTPClient != nil {
		client = jwk.WrapHTTPClientDefaults(cfg.HTTPClient)
	}
	v.remote = &remoteSource{
		url:    cfg.JWKSURL,
		client: client,
		minGap: cmpOr(cfg.UnknownKidRefreshMin, DefaultUnknownKidRefreshMin),
		ctx:    ctx,
	}
	if err := v.fetch(); err != nil {
		return nil, fmt.Errorf("JWKS von %s beim Start nicht abrufbar (Identity-Provider erreichbar?) / "+
			"cannot fetch JWKS at startup: %w", cfg.JWKSURL, err)
	}
	go v.refreshLoop(cmpOr(cfg.RefreshInterval, DefaultRefreshInterval))
	return v, nil
}

// NewFromSet builds a Verifier for a fixed key set (dev mode, JWKS file).
// skew is used as given: 0 means no clock tolerance.
func NewFromSet(set jwk.Set, issuer, audience string, skew time.Duration) (*Verifier, error) {
	if set == nil {
		return nil, errors.New("kein Schlüsselsatz übergeben / nil key set")
	}
	if err := checkClaimsConfig(issuer, audience); err != nil {
		return nil, err
	}
	if skew < 0 {
		return nil, errors.New("negative Zeittoleranz / negative clock skew")
	}
	v := newVerifier(issuer, audience, skew)
	ring := buildKeyring(set)
	if len(ring) == 0 {
		return nil, errNoUsableKey
	}
	v.setKeys(ring)
	return v, nil
}

func checkClaimsConfig(issuer, audience string) error {
	if issuer == "" {
		return errors.New("JWT_ISSUER fehlt: erwarteter Aussteller (iss) der Tokens / missing JWT_ISSUER: expected token issuer")
	}
	if audience == "" {
		return errors.New("JWT_AUDIENCE fehlt: erwartete Zielgruppe (aud) der Tokens / missing JWT_AUDIENCE: expected token audience")
	}
	return nil
}

var errNoUsableKey = errors.New("Schlüsselsatz enthält keinen verwendbaren Signaturschlüssel (RSA, EC oder Ed25519 mit kid) / " +
	"key set has no usable signature key (RSA, EC or Ed25519 with kid)")

func newVerifier(issuer, audience string, skew time.Duration) *Verifier {
	return &Verifier{issuer: issuer, audience: audience, skew: skew.Seconds(), cacheSize: DefaultTokenCacheSize, now: time.Now}
}

// setKeys installs a key set read from the source. A set with the same
// kids, algorithms and key material as the current one changes nothing
// (the cache stays); any other replaces the set and, in the same atomic
// step, the cache with an empty one: from that moment no token is accepted
// by a key that is gone, exactly as without a cache.
func (v *Verifier) setKeys(ring keyring) {
	if old := v.keys.Load(); old != nil && sameKeys(old.ring, ring) {
		return
	}
	v.keys.Store(&keyState{ring: ring, cache: newTokenCache(v.cacheSize)})
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Refusals are built once: Verify under a flood of bad tokens should not
// allocate an error per request, and the texts are what the client sees.
func refusal(reason string) error { return fmt.Errorf("%w: %s", auth.ErrInvalidToken, reason) }

var (
	errEmpty        = refusal("Token fehlt")
	errTooLong      = refusal("Token zu lang")
	errMalformed    = refusal("Token-Format ungültig")
	errAlgForbidden = refusal("Signaturalgorithmus nicht erlaubt")
	errNoKid        = refusal("Schlüssel-ID (kid) fehlt")
	errUnknownKid   = refusal("unbekannter Schlüssel (kid)")
	errAlgMismatch  = refusal("Signaturalgorithmus passt nicht zum Schlüssel")
	errSignature    = refusal("Signatur ungültig")
	errUnreadable   = refusal("Token-Inhalt nicht lesbar")
	errNoIss        = refusal("Aussteller (iss) fehlt")
	errNoSub        = refusal("Subjekt (sub) fehlt")
	errNoExp        = refusal("Ablaufzeit (exp) fehlt")
	errNoAud        = refusal("Zielgruppe (aud) fehlt")
	errIssuer       = refusal("Aussteller (iss) falsch")
	errAudience     = refusal("Zielgruppe (aud) falsch")
	errExpired      = refusal("Token abgelaufen")
	errNotYetValid  = refusal("Token noch nicht gültig (nbf)")
	errIssuedFuture = refusal("Ausstellungszeit (iat) liegt in der Zukunft")
	errRoles        = refusal("Rollen (roles) müssen eine Liste von Zeichenketten sein")
)

// acceptedAlgs are the only header algorithms we ever look a key up for.
// Checking them first means junk tokens cannot trigger a JWKS re-fetch.
var acceptedAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}

// Verify implements auth.Verifier.
func (v *Verifier) Verify(ctx context.Context, token string) (auth.Principal, error) {
	if token == "" {
		return auth.Principal{}, errEmpty
	}
	if len(token) > maxTokenLen {
		return auth.Principal{}, errTooLong
	}
	nowS := float64(v.now().UnixNano()) / 1e9
	st := v.keys.Load()
	var sum [32]byte
	if st != nil && st.cache != nil {
		sum = tokenHash(token)
		if p, ok := st.cache.get(&sum, nowS); ok {
			return p, nil
		}
	}
	buf := []byte(token)

	// Read alg and kid from the protected header ourselves: we need kid to
	// pick the key, and we want to refuse a bad alg before any key lookup.
	hdr, _, _, err := jwsbb.SplitCompact(buf)
	if err != nil {
		return auth.Principal{}, errMalformed
	}
	h := jwsbb.HeaderParseCompact(hdr)
	alg, err := jwsbb.HeaderGetString(h, "alg")
	if err != nil {
		return auth.Principal{}, errMalformed
	}
	if !slices.Contains(acceptedAlgs, alg) {
		return auth.Principal{}, errAlgForbidden
	}
	kid, err := jwsbb.HeaderGetString(h, "kid")
	if err != nil || kid == "" {
		return auth.Principal{}, errNoKid
	}

	entry := st.lookup(kid)
	if entry == nil && v.remote != nil {
		// Possibly a key rotation at the IdP: re-fetch once (rate limited).
		v.refreshForUnknownKid(ctx)
		if st2 := v.keys.Load(); st2 != st {
			st = st2
			if st.cache != nil {
				sum = tokenHash(token)
			}
		}
		entry = st.lookup(kid)
	}
	if entry == nil {
		return auth.Principal{}, errUnknownKid
	}
	// The key decides the algorithm; the header merely has to agree.
	if alg != entry.alg.String() {
		return auth.Principal{}, errAlgMismatch
	}

	// VerifyCompactFast checks the header alg against ours once more and
	// refuses "crit"/"b64" headers we do not implement.
	payload, err := jws.VerifyCompactFast(entry.key, buf, entry.alg)
	if err != nil {
		return auth.Principal{}, errSignature
	}
	ct, err := v.principalFrom(payload, nowS)
	if err != nil {
		return auth.Principal{}, err
	}
	// Remembered with the key set that verified it: if the set has been
	// replaced meanwhile, this cache is no longer consulted.
	if st.cache != nil {
		st.cache.put(&sum, ct, nowS)
	}
	return ct.p, nil
}

func (st *keyState) lookup(kid string) *keyEntry {
	if st == nil {
		return nil
	}
	return st.ring[kid]
}

// principalFrom checks the claims of a payload whose signature is valid.
//
// We decode the claims ourselves instead of via jwt.Parse/jwt.Validate:
// jwt.Token's generic decoder and validator made up about a third of the
// time and most of the ~200 allocations per call, on every request. A map
// of raw values keeps key matching exact (encoding/json matches struct
// fields case-insensitively, so "Sub" would pass for "sub").
//
// It returns the principal with the interval in which the time checks
// pass, for the cache.
func (v *Verifier) principalFrom(payload []byte, nowS float64) (cachedToken, error) {
	var c map[string]json.RawMessage
	if err := json.Unmarshal(payload, &c); err != nil || c == nil {
		return cachedToken{}, errUnreadable
	}

	iss, ok, err := stringClaim(c, "iss")
	switch {
	case err != nil:
		return cachedToken{}, errUnreadable
	case !ok:
		return cachedToken{}, errNoIss
	case iss != v.issuer:
		return cachedToken{}, errIssuer
	}

	sub, _, err := stringClaim(c, "sub")
	switch {
	case err != nil:
		return cachedToken{}, errUnreadable
	case sub == "":
		return cachedToken{}, errNoSub
	}

	if err := v.checkAudience(c["aud"]); err != nil {
		return cachedToken{}, err
	}

	// NumericDate: seconds since the epoch, possibly fractional (RFC 7519).
	exp, ok, err := numberClaim(c, "exp")
	switch {
	case err != nil:
		return cachedToken{}, errUnreadable
	case !ok:
		return cachedToken{}, errNoExp
	case nowS >= exp+v.skew:
		return cachedToken{}, errExpired
	}
	from := math.Inf(-1) // the token is valid from max(nbf, iat) …
	if nbf, ok, err := numberClaim(c, "nbf"); err != nil {
		return cachedToken{}, errUnreadable
	} else if ok && nowS < nbf-v.skew {
		return cachedToken{}, errNotYetValid
	} else if ok {
		from = nbf - v.skew
	}
	if iat, ok, err := numberClaim(c, "iat"); err != nil {
		return cachedToken{}, errUnreadable
	} else if ok && nowS < iat-v.skew {
		return cachedToken{}, errIssuedFuture
	} else if ok {
		from = max(from, iat-v.skew)
	}

	roles, err := rolesOf(c["roles"])
	if err != nil {
		return cachedToken{}, err
	}
	// … until exp (and the leeway): the checks above pass exactly for
	// from <= now < until.
	return cachedToken{p: auth.Principal{Subject: sub, Roles: roles}, from: from, until: exp + v.skew}, nil
}

// stringClaim reports the claim's value and whether it is present; a
// present claim that is not a string is an error.
func stringClaim(c map[string]json.RawMessage, name string) (string, bool, error) {
	raw, ok := c[name]
	if !ok {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || isNull(raw) {
		return "", true, errUnreadable
	}
	return s, true, nil
}

func numberClaim(c map[string]json.RawMessage, name string) (float64, bool, error) {
	raw, ok := c[name]
	if !ok {
		return 0, false, nil
	}
	// raw is one valid JSON value, so ParseFloat accepts exactly the JSON
	// numbers (and refuses strings, null and out-of-range values).
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, true, errUnreadable
	}
	return f, true, nil
}

// isNull catches JSON null, which encoding/json silently accepts for any type.
func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// checkAudience accepts "aud" as a single string or an array of strings
// (RFC 7519 4.1.3) and requires our audience among them.
func (v *Verifier) checkAudience(raw json.RawMessage) error {
	if raw == nil {
		return errNoAud
	}
	if len(raw) > 0 && raw[0] == '"' {
		var one string
		if err := json.Unmarshal(raw, &one); err != nil || one != v.audience {
			return errAudience
		}
		return nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || !slices.Contains(list, v.audience) {
		return errAudience
	}
	return nil
}

// rolesOf reads the "roles" claim. Unknown role names are dropped rather
// than refused so the IdP may carry roles meant for other services.
func rolesOf(raw json.RawMessage) ([]auth.Role, error) {
	if raw == nil {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil || isNull(raw) {
		return nil, errRoles
	}
	var roles []auth.Role
	for _, s := range names {
		r := auth.Role(s)
		if slices.Contains(auth.AllRoles, r) && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles, nil
}

// buildKeyring turns a JWK set into kid → (alg, raw public key). Keys that
// cannot be used safely are skipped rather than failing the whole set, so an
// IdP publishing, say, an encryption key next to its signing keys still works.
func buildKeyring(set jwk.Set) keyring {
	ring := make(keyring, set.Len())
	for i := range set.Len() {
		k, ok := set.Key(i)
		if !ok || jwk.IsUnsupportedKey(k) {
			continue
		}
		// A symmetric key in a published set is a shared secret anyone can
		// read; accepting HS* with it would let anyone mint tokens.
		if k.KeyType() == jwa.OctetSeq() {
			continue
		}
		if use, ok := k.KeyUsage(); ok && use != string(jwk.ForSignature) {
			continue
		}
		kid, _ := k.KeyID()
		if kid == "" {
			continue // tokens must name their key, so a key without kid is unreachable
		}
		if _, dup := ring[kid]; dup {
			continue // first wins, as with jwk.Set.LookupKeyID
		}
		raw, err := jwk.PublicRawKeyOf(k) // also strips private parts of dev keys
		if err != nil {
			continue
		}
		alg, ok := algorithmFor(k, raw)
		if !ok {
			continue
		}
		ring[kid] = &keyEntry{alg: alg, key: raw}
	}
	return ring
}

// algorithmFor returns the one algorithm this key verifies: its own "alg"
// if set and compatible with the key type, else the default for the type.
func algorithmFor(k jwk.Key, raw any) (jwa.SignatureAlgorithm, bool) {
	var allowed []jwa.SignatureAlgorithm
	switch pub := raw.(type) {
	case *rsa.PublicKey:
		allowed = []jwa.SignatureAlgorithm{jwa.RS256(), jwa.RS384(), jwa.RS512(), jwa.PS256(), jwa.PS384(), jwa.PS512()}
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			allowed = []jwa.SignatureAlgorithm{jwa.ES256()}
		case elliptic.P384():
			allowed = []jwa.SignatureAlgorithm{jwa.ES384()}
		case elliptic.P521():
			allowed = []jwa.SignatureAlgorithm{jwa.ES512()}
		default:
			return jwa.SignatureAlgorithm{}, false
		}
	case ed25519.PublicKey:
		allowed = []jwa.SignatureAlgorithm{jwa.EdDSA(), jwa.EdDSAEd25519()}
	default:
		return jwa.SignatureAlgorithm{}, false
	}
	a, ok := k.Algorithm()
	if !ok || a.String() == "" {
		return allowed[0], true
	}
	for _, s := range allowed {
		if s.String() == a.String() {
			return s, true
		}
	}
	// e.g. an RSA key marked "RSA-OAEP": meant for encryption, not for us.
	return jwa.SignatureAlgorithm{}, false
}

// remoteSource is the state for a JWKS URL.
type remoteSource struct {
	url    string
	client *http.Client
	minGap time.Duration
	ctx    context.Context // lifetime of the Verifier; fetches are not tied to one request

	fetchMu sync.Mutex // one fetch at a time, so an older answer never overwrites a newer one

	mu        sync.Mutex
	inflight  chan struct{} // closed when the current on-demand fetch ends; nil if none
	lastOnDem time.Time     // start of the last on-demand fetch
}

// fetch downloads the set and swaps it in. A failed or empty answer keeps
// the previous keys: a hiccup at the IdP must not lock everyone out.
func (v *Verifier) fetch() error {
	r := v.remote
	r.fetchMu.Lock()
	defer r.fetchMu.Unlock()
	set, err := r.get()
	if err != nil {
		return err
	}
	ring := buildKeyring(set)
	if len(ring) == 0 {
		return errNoUsableKey
	}
	v.setKeys(ring)
	return nil
}

// maxJWKSSize bounds what we read from the IdP; real sets are a few KiB.
const maxJWKSSize = 1 << 20

// get downloads and parses the set. We do the GET ourselves rather than via
// jwk.Fetch because jwk.Fetch cannot take jwk.WithStrictKeySetParsing(false):
// without it, one key the library does not understand (e.g. a new
// post-quantum key at the IdP) would make the whole set unusable.
func (r *remoteSource) get() (jwk.Set, error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	res, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS-Abruf: HTTP-Status %d / JWKS fetch: HTTP status %d", res.StatusCode, res.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxJWKSSize {
		return nil, errors.New("JWKS zu groß / JWKS too large")
	}
	return jwk.Parse(data, jwk.WithStrictKeySetParsing(false))
}

func (v *Verifier) refreshLoop(every time.Duration) {
	r := v.remote
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			if err := v.fetch(); err != nil && r.ctx.Err() == nil {
				slog.Warn("JWKS-Aktualisierung fehlgeschlagen, bisherige Schlüssel bleiben gültig",
					"url", r.url, "err", err)
			}
		}
	}
}

// refreshForUnknownKid re-fetches the JWKS for a token whose kid we do not
// know. Across all goroutines at most one such fetch starts per minGap;
// callers arriving while it runs wait for it (so a freshly rotated key works
// for all of them) and everyone else returns at once.
func (v *Verifier) refreshForUnknownKid(ctx context.Context) {
	r := v.remote
	r.mu.Lock()
	if ch := r.inflight; ch != nil {
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		return
	}
	if !r.lastOnDem.IsZero() && time.Since(r.lastOnDem) < r.minGap {
		r.mu.Unlock()
		return
	}
	r.lastOnDem = time.Now()
	ch := make(chan struct{})
	r.inflight = ch
	r.mu.Unlock()

	if err := v.fetch(); err != nil && r.ctx.Err() == nil {
		slog.Warn("JWKS-Abruf für unbekannte Schlüssel-ID fehlgeschlagen", "url", r.url, "err", err)
	}

	r.mu.Lock()
	r.inflight = nil
	r.mu.Unlock()
	close(ch)
}
