// Package openapi carries the gateway's contract, embedded so that the
// binary serves exactly the spec it was built and tested with.
package openapi

import _ "embed"

//go:embed openapi.yaml
var Spec []byte
