package sheets

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error Read returns (except a cancelled context)
// matches exactly one of them with errors.Is. Their texts are German and fit
// for the user; *Error carries a more specific German message.
var (
	ErrUnsupportedFormat = errors.New("Das Dateiformat wird nicht unterstützt. Bitte laden Sie eine Tabelle als xlsx, xls, ods oder csv hoch.")
	ErrTooLarge          = errors.New("Die Datei ist zu groß.")
	ErrCorrupt           = errors.New("Die Datei ist beschädigt oder kein unterstütztes Tabellenformat (xlsx, xls, ods, csv).")
)

// Error is the error Read returns. Error() is the German message for the
// user; Cause holds the technical reason for the log.
type Error struct {
	Kind     error  // ErrUnsupportedFormat, ErrTooLarge or ErrCorrupt
	Message  string // German, for school-office staff
	Filename string // the name the file was uploaded with
	Cause    error  // technical detail, may be nil
}

func (e *Error) Error() string {
	if e.Filename != "" {
		return fmt.Sprintf("%s: %s", e.Filename, e.Message)
	}
	return e.Message
}

// Unwrap lets errors.Is match the sentinel (and the cause).
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

func newError(kind error, cause error, msg string) *Error {
	return &Error{Kind: kind, Message: msg, Cause: cause}
}

func corrupt(cause error) *Error {
	return newError(ErrCorrupt, cause, ErrCorrupt.Error())
}

func corruptf(format string, args ...any) *Error {
	return corrupt(fmt.Errorf(format, args...))
}

func unsupported(cause error, msg string) *Error {
	if msg == "" {
		msg = ErrUnsupportedFormat.Error()
	}
	return newError(ErrUnsupportedFormat, cause, msg)
}
