// Package auth holds who is calling and what each role may do. It knows
// nothing of tokens or HTTP: an adapter verifies a token and hands the
// resulting Principal to the domain.
package auth

import (
	"context"
	"errors"
	"slices"
)

// Role is a coarse permission carried in the token's "roles" claim.
type Role string

const (
	RoleBMS      Role = "bms"      // the state's Bildungsmanagementsystem, a machine client
	RoleSchulamt Role = "schulamt" // the city's school-office staff
	RolePlanung  Role = "planung"  // Schulentwicklungsplanung: aggregates only
	RoleAdmin    Role = "admin"    // city IT
	// RoleGesundheitsamt is the health office: the cohort list for the
	// Schuleingangsuntersuchung and its outcomes, nothing else.
	RoleGesundheitsamt Role = "gesundheitsamt"
)

// AllRoles lists every role the gateway knows, in a stable order.
var AllRoles = []Role{RoleBMS, RoleSchulamt, RolePlanung, RoleAdmin, RoleGesundheitsamt}

// Principal is the verified caller of one request.
type Principal struct {
	Subject string
	Roles   []Role
}

// HasAny reports whether the principal holds at least one of the roles.
func (p Principal) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// Verifier turns a bearer token into a Principal or refuses it.
// Implementations must return an error wrapping ErrInvalidToken for every
// token they refuse, so that the caller can answer 401.
type Verifier interface {
	Verify(ctx context.Context, token string) (Principal, error)
}

// ErrInvalidToken marks every refusal of a presented token.
var ErrInvalidToken = errors.New("invalid token")
