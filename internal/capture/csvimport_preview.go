package capture

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ImportPreview is the start of an import file, for the mapping step: its columns,
// the field each one would fill, and its first rows.
type ImportPreview struct {
	Header    []string
	Guess     []string // per column: the field it fills by its header, "" when none
	Rows      [][]string
	Delimiter string
}

// PreviewCSV reads the header and up to n rows of a file, decoded and split as the
// import will (encoding, delimiter). It fails only when the header cannot be read.
func PreviewCSV(r io.Reader, n int) (ImportPreview, error) {
	var p ImportPreview
	text := newCSVText(r, encASCII)
	first, err := text.peekLine()
	if errors.Is(err, io.EOF) {
		return p, &FileError{Message: "the file is empty; its first line must name the columns"}
	}
	if err != nil {
		return p, err
	}
	delim := sniffDelimiter(first)
	p.Delimiter = delimiterName(delim)
	cr := csv.NewReader(text)
	cr.Comma, cr.FieldsPerRecord = delim, -1
	header, err := cr.Read()
	if ferr := text.fatal(); ferr != nil {
		return p, ferr
	}
	if err != nil {
		return p, &FileError{Line: 1, Message: fmt.Sprintf("the header line cannot be read: %v", err)}
	}
	text.recordDone(1)
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		h = strings.TrimSpace(h)
		p.Header = append(p.Header, h)
		p.Guess = append(p.Guess, GuessField(h))
	}
	for len(p.Rows) < n {
		rec, err := cr.Read()
		if text.fatal() != nil || err != nil {
			break // the import itself reports a broken row or file
		}
		line, _ := cr.FieldPos(0)
		text.recordDone(line)
		if !blankRow(rec) {
			p.Rows = append(p.Rows, rec)
		}
	}
	return p, nil
}

// GuessField is the field a column fills by its header alone, as MapHeader maps it.
func GuessField(header string) string {
	if name, ok := cutFold(header, "custom."); ok && customNameRe.MatchString(name) {
		return "custom." + name
	}
	if a, ok := importAliases[headerKey(header)]; ok {
		return ImportFields[a.field]
	}
	return ""
}
