package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// MaxImportLine is the longest line an import reads. A longer line is not a contact
// list (or a quote was left open), and holding it would let one file fill the memory.
const MaxImportLine = 1 << 20

// maxImportRecord bounds a record that spans lines (a quoted value with line breaks).
// encoding/csv has no limit of its own, so an unclosed quote would otherwise read the
// rest of the file into one value. The slack covers csv's read-ahead buffer.
const maxImportRecord = MaxImportLine + 64<<10

// FileError is a problem with the file as a whole: its encoding, a line too long, a
// missing header. It ends an import before anything is written.
type FileError struct {
	Line    int // physical line of the file, 1-based; 0 when it concerns no line
	Message string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// textEncoding is the character encoding of an import file.
type textEncoding int

const (
	encASCII       textEncoding = iota // nothing but ASCII seen so far: either reading is right
	encUTF8                            // a line had valid non-ASCII UTF-8
	encWindows1252                     // a line was not UTF-8: Excel's "CSV" on Western Windows
	encUTF16                           // a UTF-16 byte order mark began the file
)

func (e textEncoding) String() string {
	switch e {
	case encWindows1252:
		return "Windows-1252"
	case encUTF16:
		return "UTF-16"
	}
	return "UTF-8"
}

// csvText sits between the file and encoding/csv. It reads whole lines of at most
// MaxImportLine bytes, strips a UTF-8 byte order mark, decodes UTF-16 that starts with
// its byte order mark, refuses binary files, and decides the encoding line by line:
// UTF-8 as long as every line is valid UTF-8, Windows-1252 when a line is not. A file
// that has both kinds of lines mixes encodings and is refused, naming the line. Given
// the encoding the first pass found, the second pass decodes every line the same way.
type csvText struct {
	src     *bufio.Reader
	enc     textEncoding
	encLine int // the first line that decided enc
	line    int // physical lines read
	hadBOM  bool

	raw []byte // the line being read
	out []byte // decoded text not yet handed to csv
	pos int

	sinceRecord int // bytes handed out since the last record ended
	lastRow     int // line of the last record that ended, for error messages
	err         error
}

func newCSVText(r io.Reader, enc textEncoding) *csvText {
	src := bufio.NewReaderSize(r, 64<<10)
	if enc == encUTF16 {
		enc = encASCII // only a byte order mark makes a file UTF-16
	}
	if bom, _ := src.Peek(2); bytes.Equal(bom, []byte{0xFF, 0xFE}) || bytes.Equal(bom, []byte{0xFE, 0xFF}) {
		// UTF-16 with its byte order mark, as Facebook's lead downloads are: decoded
		// here, so the rest reads UTF-8 (a broken surrogate becomes U+FFFD).
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		src = bufio.NewReaderSize(transform.NewReader(src, dec), 64<<10)
		return &csvText{src: src, enc: encUTF16, hadBOM: true}
	}
	return &csvText{src: src, enc: enc}
}

// Read hands decoded text to encoding/csv, one line at a time.
func (t *csvText) Read(p []byte) (int, error) {
	for t.pos == len(t.out) {
		if t.err != nil {
			return 0, t.err
		}
		t.fill()
	}
	n := copy(p, t.out[t.pos:])
	t.pos += n
	t.sinceRecord += n
	if t.sinceRecord > maxImportRecord {
		t.err = &FileError{Line: t.line, Message: fmt.Sprintf(
			"a row that runs on to this line is longer than 1 MiB: a quote opened after line %d is probably never closed", t.lastRow)}
		return 0, t.err
	}
	return n, nil
}

// recordDone tells that csv finished a record, resetting the record's byte budget.
func (t *csvText) recordDone(line int) {
	t.sinceRecord = 0
	t.lastRow = line
}

// fatal is the reading error that ends the import, if any; io.EOF is not one.
func (t *csvText) fatal() error {
	if t.err == nil || errors.Is(t.err, io.EOF) {
		return nil
	}
	return t.err
}

// peekLine returns the first line, decoded, without consuming it.
func (t *csvText) peekLine() ([]byte, error) {
	for t.pos == len(t.out) && t.err == nil {
		t.fill()
	}
	if t.pos == len(t.out) {
		return nil, t.err
	}
	return t.out[t.pos:], nil
}

// fill reads and decodes the next line into out, or sets err.
func (t *csvText) fill() {
	t.out, t.pos = t.out[:0], 0
	t.raw = t.raw[:0]
	var err error
	for {
		var chunk []byte
		chunk, err = t.src.ReadSlice('\n')
		if len(t.raw)+len(chunk) > MaxImportLine {
			t.err = &FileError{Line: t.line + 1, Message: "is longer than 1 MiB; this does not look like a contact list"}
			return
		}
		t.raw = append(t.raw, chunk...)
		if err != bufio.ErrBufferFull {
			break
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		t.err = err
		return
	}
	if len(t.raw) == 0 {
		t.err = io.EOF
		return
	}
	t.line++
	line := t.raw
	if t.line == 1 {
		if line, t.err = t.firstLine(line); t.err != nil {
			return
		}
	}
	if i := bytes.IndexByte(line, 0); i >= 0 {
		t.err = &FileError{Line: t.line, Message: "holds a NUL byte: this is not a text CSV file (a spreadsheet or a UTF-16 file?); save it as \"CSV UTF-8\""}
		return
	}
	t.out, t.err = t.decode(line)
	if err != nil && t.err == nil {
		t.err = err // io.EOF after a last line without a line break
	}
}

// firstLine strips a UTF-8 byte order mark, which settles the encoding (a UTF-16
// one has become one), and refuses lines that end in a bare carriage return.
func (t *csvText) firstLine(line []byte) ([]byte, error) {
	if rest, ok := bytes.CutPrefix(line, []byte("\xEF\xBB\xBF")); ok {
		line, t.hadBOM = rest, true
		if t.enc == encASCII {
			t.enc, t.encLine = encUTF8, 1
		}
	}
	if i := bytes.IndexByte(line, '\r'); i >= 0 && i < len(line)-2 {
		return nil, &FileError{Line: 1, Message: "lines end in a bare carriage return (the old Mac format); save the file as \"CSV UTF-8\""}
	}
	return line, nil
}

// decode returns the line as UTF-8 and settles the file's encoding.
func (t *csvText) decode(line []byte) ([]byte, error) {
	if t.enc == encUTF16 || isASCII(line) {
		return append(t.out, line...), nil
	}
	if utf8.Valid(line) {
		if t.enc == encWindows1252 {
			return nil, t.mixed()
		}
		if t.enc == encASCII {
			t.enc, t.encLine = encUTF8, t.line
		}
		return append(t.out, line...), nil
	}
	if t.enc == encUTF8 {
		return nil, t.mixed()
	}
	if t.enc == encASCII {
		t.enc, t.encLine = encWindows1252, t.line
	}
	out := t.out
	for _, b := range line {
		if b < utf8.RuneSelf {
			out = append(out, b)
			continue
		}
		r := charmap.Windows1252.DecodeByte(b)
		if r == utf8.RuneError {
			return nil, &FileError{Line: t.line, Message: fmt.Sprintf(
				"holds the byte 0x%02X, which is neither UTF-8 nor Windows-1252 text; save the file as \"CSV UTF-8\"", b)}
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

func (t *csvText) mixed() error {
	const fix = "the file mixes encodings; save it again as \"CSV UTF-8\""
	if t.enc == encUTF8 {
		return &FileError{Line: t.line, Message: fmt.Sprintf("is not valid UTF-8, but line %d is UTF-8: %s", t.encLine, fix)}
	}
	return &FileError{Line: t.line, Message: fmt.Sprintf("is UTF-8, but line %d is not (Windows-1252?): %s", t.encLine, fix)}
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// sniffDelimiter picks the delimiter the header line uses most, outside quotes:
// comma, semicolon (Excel where the decimal mark is a comma) or tab.
func sniffDelimiter(header []byte) rune {
	var comma, semi, tab int
	quoted := false
	for _, c := range header {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			comma++
		case c == ';':
			semi++
		case c == '\t':
			tab++
		}
	}
	switch {
	case semi > comma && semi >= tab:
		return ';'
	case tab > comma && tab > semi:
		return '\t'
	}
	return ','
}

func delimiterName(d rune) string {
	switch d {
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	}
	return "comma"
}
