package xschule

import "github.com/schulgateway/schulgateway/internal/apperr"

// schematronSchulbescheinigung checks the Schematron rules of XSchule 1.2
// for the certificate (filled in with the rules, see schematron.go).
func schematronSchulbescheinigung(root *node) []apperr.FieldError { return nil }
