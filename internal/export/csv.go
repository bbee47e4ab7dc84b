// Package export writes data for other tools: CSV that spreadsheets open safely.
package export

import (
	"encoding/csv"
	"io"
	"strings"
)

// Writer is a CSV writer whose cells cannot run as spreadsheet formulas: a cell that
// starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe, the
// defence OWASP recommends against CSV injection. Lead data comes from strangers.
type Writer struct {
	w *csv.Writer
}

// NewWriter writes CSV to w, with a byte-order mark so spreadsheet programs read
// UTF-8 names correctly.
func NewWriter(w io.Writer) (*Writer, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	return &Writer{w: csv.NewWriter(w)}, nil
}

// Write writes one row.
func (x *Writer) Write(cells ...string) error {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = Cell(c)
	}
	return x.w.Write(row)
}

// Flush writes what is buffered and reports any error of the whole write.
func (x *Writer) Flush() error {
	x.w.Flush()
	return x.w.Error()
}

// Cell neutralises a value that a spreadsheet would take for a formula.
func Cell(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
