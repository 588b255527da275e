package einschulung

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// Pseudonymizer gives each child a stable pseudonymous id: HMAC-SHA256 of
// the register record's natural key under a secret key, base64url without
// padding (43 characters). The same child keeps its id across school years
// and uploads; without the key the id reveals nothing and cannot be
// linked to the register (§ 84d SchulG LSA). The register's own id never
// leaves the gateway.
type Pseudonymizer struct{ key []byte }

// MinKeyBytes is the shortest key accepted: as long as the hash.
const MinKeyBytes = 32

// NewPseudonymizer returns a Pseudonymizer for the secret key.
func NewPseudonymizer(key []byte) (Pseudonymizer, error) {
	if len(key) < MinKeyBytes {
		return Pseudonymizer{}, errors.New("der Schlüssel für die Pseudonyme muss mindestens 32 Bytes lang sein")
	}
	return Pseudonymizer{key: append([]byte(nil), key...)}, nil
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
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(schluessel))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
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
