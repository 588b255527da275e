package importing

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// Stand identifies the content of a kind's saved mappings: equal
// mappings, equal Stand; any change, another. The API shows it as the
// ETag of GET /v1/header-mappings/{kind}.
func (m Mapping) Stand() string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(m[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
