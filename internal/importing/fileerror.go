package importing

import "github.com/schulgateway/schulgateway/internal/apperr"

// Class says how the API answers a file the gateway refuses as a whole: a
// format it does not read is unsupported (415), a file over the limit too
// large (413); any other (damaged, no table, no such sheet) is invalid (422).
func (e *FileError) Class() apperr.Class {
	switch e.Code {
	case "format_nicht_unterstuetzt":
		return apperr.ClassUnsupported
	case "datei_zu_gross":
		return apperr.ClassTooLarge
	}
	return apperr.ClassInvalid
}
