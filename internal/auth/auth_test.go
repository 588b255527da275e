package auth

import "testing"

func TestHasAny(t *testing.T) {
	p := Principal{Subject: "x", Roles: []Role{RolePlanung}}
	if !p.HasAny(RoleAdmin, RolePlanung) {
		t.Error("planung should match a list that contains it")
	}
	if p.HasAny(RoleAdmin, RoleSchulamt) {
		t.Error("planung must not match admin or schulamt")
	}
	if (Principal{}).HasAny(AllRoles...) {
		t.Error("a principal without roles must match nothing")
	}
}
