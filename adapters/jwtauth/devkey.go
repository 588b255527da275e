package jwtauth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// DevSigner issues tokens in dev mode, where there is no identity provider.
// The server verifies them against PublicSet; the token command signs them.
type DevSigner struct {
	key jwk.Key // RSA private key carrying kid and alg=RS256
	pub jwk.Set
}

// LoadOrCreateDevKey reads the RSA private JWK at path, or creates one
// (RSA-2048, kid, alg RS256) with mode 0600 in a 0700 directory.
//
// The token command and the server may start at the same moment on a fresh
// checkout, so creation must not let them end up with different keys: the
// key is written to a temp file and then hard-linked into place, which
// fails if the other process got there first; either way both then use
// whatever is at path.
func LoadOrCreateDevKey(path string) (*DevSigner, error) {
	if path == "" {
		return nil, errors.New("Pfad für den Dev-Schlüssel fehlt / missing dev key path")
	}
	s, err := readDevKey(path)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := createDevKey(path); err != nil {
		return nil, err
	}
	return readDevKey(path)
}

func readDevKey(path string) (*DevSigner, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := jwk.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("Dev-Schlüssel %s ungültig / invalid dev key: %w", path, err)
	}
	if _, ok := key.(jwk.RSAPrivateKey); !ok {
		return nil, fmt.Errorf("Dev-Schlüssel %s ist kein privater RSA-Schlüssel / dev key is not an RSA private key", path)
	}
	if kid, _ := key.KeyID(); kid == "" {
		return nil, fmt.Errorf("Dev-Schlüssel %s hat keine kid / dev key has no kid", path)
	}
	// The verifier pins RS256 for RSA keys anyway; set it so the file and
	// the published set say the same.
	if err := key.Set(jwk.AlgorithmKey, jwa.RS256()); err != nil {
		return nil, err
	}
	pub, err := jwk.PublicKeyOf(key)
	if err != nil {
		return nil, err
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		return nil, err
	}
	return &DevSigner{key: key, pub: set}, nil
}

func createDevKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("Verzeichnis für Dev-Schlüssel nicht anlegbar / cannot create dev key directory: %w", err)
	}
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	key, err := jwk.Import(raw)
	if err != nil {
		return err
	}
	// kid = RFC 7638 thumbprint: stable and unique for the key.
	if err := jwk.AssignKeyID(key); err != nil {
		return err
	}
	if err := key.Set(jwk.AlgorithmKey, jwa.RS256()); err != nil {
		return err
	}
	if err := key.Set(jwk.KeyUsageKey, jwk.ForSignature); err != nil {
		return err
	}
	data, err := json.MarshalIndent(key, "", "  ")
	if err != nil {
		return err
	}

	// os.CreateTemp creates the file with mode 0600.
	tmp, err := os.CreateTemp(dir, ".devkey-*.tmp")
	if err != nil {
		return fmt.Errorf("Dev-Schlüssel nicht schreibbar / cannot write dev key: %w", err)
	}
	defer os.Remove(tmp.Name()) // after Link the key lives on under path
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Link, unlike Rename, never replaces an existing file, so a process
	// that already loaded the winner's key keeps a key that matches path.
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil
	default:
		// A file system without hard links: fall back to rename, which is
		// still atomic for readers but lets a simultaneous creator win.
		if rerr := os.Rename(tmp.Name(), path); rerr != nil {
			return fmt.Errorf("Dev-Schlüssel nicht speicherbar / cannot store dev key: %w", errors.Join(err, rerr))
		}
		return nil
	}
}

// PublicSet is the public half of the dev key, for NewFromSet.
func (s *DevSigner) PublicSet() jwk.Set { return s.pub }

// Sign issues an RS256 token with iss, aud, sub, iat, nbf, exp and roles.
func (s *DevSigner) Sign(issuer, audience, subject string, roles []auth.Role, ttl time.Duration) (string, error) {
	if issuer == "" || audience == "" || subject == "" {
		return "", errors.New("issuer, audience und subject sind Pflicht / issuer, audience and subject are required")
	}
	if ttl <= 0 {
		return "", errors.New("Gültigkeitsdauer muss positiv sein / ttl must be positive")
	}
	names := make([]string, 0, len(roles)) // never null in JSON
	for _, r := range roles {
		names = append(names, string(r))
	}
	now := time.Now()
	tok, err := jwt.NewBuilder().
		Issuer(issuer).
		Audience([]string{audience}).
		Subject(subject).
		IssuedAt(now).
		NotBefore(now).
		Expiration(now.Add(ttl)).
		Claim("roles", names).
		Build()
	if err != nil {
		return "", err
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256(), s.key))
	if err != nil {
		return "", err
	}
	return string(signed), nil
}
