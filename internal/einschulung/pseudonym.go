package einschulung

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"strings"
	"sync"
)

// Pseudonymizer gives each child a stable pseudonymous id: HMAC-SHA256 of
// the register record's natural key under a secret key, base64url without
// padding (43 characters). The same child keeps its id across school years
// and uploads; without the key the id reveals nothing and cannot be
// linked to the register (§ 84d SchulG LSA). The register's own id never
// leaves the gateway.
type Pseudonymizer struct {
	key []byte
	// macs holds keyed HMACs for reuse: an import pseudonymises every
	// child of the register, and keying an HMAC costs more than using it.
	macs *sync.Pool
}

// MinKeyBytes is the shortest key accepted: as long as the hash.
const MinKeyBytes = 32

// NewPseudonymizer returns a Pseudonymizer for the secret key.
func NewPseudonymizer(key []byte) (Pseudonymizer, error) {
	if len(key) < MinKeyBytes {
		return Pseudonymizer{}, errors.New("der Schlüssel für die Pseudonyme muss mindestens 32 Bytes lang sein")
	}
	k := append([]byte(nil), key...)
	return Pseudonymizer{key: k, macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}, nil
}

// ParsePseudonymKey reads a key given in configuration as base64 (standard
// or URL alphabet, with or without padding), e.g. from `openssl rand -base64 32`.
func ParsePseudonymKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) < MinKeyBytes {
				return nil, errors.New("der Schlüssel für die Pseudonyme muss mindestens 32 Bytes lang sein (base64, z. B. aus „openssl rand -base64 32“)")
			}
			return key, nil
		}
	}
	return nil, errors.New("der Schlüssel für die Pseudonyme ist kein base64")
}

// ID is the child's pseudonymous id.
func (p Pseudonymizer) ID(schluessel string) string {
	mac := p.macs.Get().(hash.Hash)
	defer p.macs.Put(mac)
	mac.Reset()
	io.WriteString(mac, schluessel) //nolint:errcheck // a hash does not fail
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(mac.Sum(sum[:0]))
}

// idLen is the length of an id.
var idLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

// GueltigeID reports whether s has the form of an id.
func GueltigeID(s string) bool {
	if len(s) != idLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}
