package sheets

import (
	"context"
	"errors"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// Open reads an uploaded file as a row source for the importer. A file it
// cannot read gives an *importing.FileError with a German message.
func Open(ctx context.Context, data []byte, filename string) (importing.Source, error) {
	wb, err := Read(ctx, data, filename, Limits{})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			code := "datei_unlesbar"
			switch {
			case errors.Is(err, ErrTooLarge):
				code = "datei_zu_gross"
			case errors.Is(err, ErrUnsupportedFormat):
				code = "format_nicht_unterstuetzt"
			}
			return nil, &importing.FileError{Code: code, Message: e.Message}
		}
		return nil, err
	}
	return workbookSource{wb}, nil
}

type workbookSource struct{ wb *Workbook }

func (s workbookSource) SheetNames() []string {
	names := make([]string, len(s.wb.Sheets))
	for i, sh := range s.wb.Sheets {
		names[i] = sh.Name
	}
	return names
}

func (s workbookSource) Rows(ctx context.Context, sheet int, fn func(importing.Row) error) error {
	var cells []string
	for _, r := range s.wb.Sheets[sheet].Rows {
		cells = cells[:0]
		for _, c := range r.Cells {
			cells = append(cells, c.Value)
		}
		if err := fn(importing.Row{Number: r.Number, Cells: cells}); err != nil {
			return err
		}
	}
	return ctx.Err()
}
