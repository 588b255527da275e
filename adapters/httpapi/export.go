package httpapi

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
)

// Every export is a sheets.Table written by package sheets; these send it
// as a download whose name is safe in the header (contentDisposition).

// sendXLSX answers with the tables (and charts) as one workbook.
func sendXLSX(c *fiber.Ctx, filename string, tables []sheets.Table, charts ...sheets.Chart) error {
	var buf bytes.Buffer
	if err := sheets.WriteXLSX(&buf, tables, charts...); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, sheets.XLSXType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(filename))
	return c.Send(buf.Bytes())
}

// sendCSV answers with the table as CSV for German Excel.
func sendCSV(c *fiber.Ctx, filename string, t sheets.Table) error {
	var buf bytes.Buffer
	if err := sheets.WriteCSV(&buf, t); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, sheets.CSVType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(filename))
	return c.Send(buf.Bytes())
}

// columns are columns with these headers, each width.
func columns(width float64, headers ...string) []sheets.Column {
	out := make([]sheets.Column, len(headers))
	for i, h := range headers {
		out[i] = sheets.Column{Header: h, Width: width}
	}
	return out
}
