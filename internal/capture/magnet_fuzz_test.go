package capture

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMagnetType feeds uploaded files and their names to the lead magnet's type check.
// It never panics, and what it accepts is what the bytes are, whatever the name says:
// a type it names only for files that begin with that type's signature (a PDF, an
// image, a ZIP archive or office document, an old office document by its OLE header
// and extension), or text that is valid UTF-8 throughout, holds no control bytes a
// text has not, and does not begin with markup. HTML, SVG and programs never pass.
// The name only picks among the types the bytes allow.
func FuzzMagnetType(f *testing.F) {
	zip := "PK\x03\x04\x14\x00\x06\x00"
	ole := string(oleMagic) + "\x00\x00"
	for _, s := range []struct{ name, data string }{
		{"guide.pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"},
		{"chart.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
		{"photo.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF"},
		{"anim.gif", "GIF89a\x01\x00\x01\x00"},
		{"pic.webp", "RIFF\x24\x00\x00\x00WEBPVP8 "},
		{"bundle.zip", zip},
		{"Report.DOCX", zip},
		{"old.xls", ole},
		{"old.pdf", ole},
		{"prices.csv", "a,b\n1,2\n"},
		{"notes.txt", "Hällo"},
		{"page.pdf", "<!DOCTYPE html><p>x"},
		{"logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"},
		{"logo.txt", "\ufeff \n<svg/>"},
		{"logo.txt", "\f<svg onload=alert(1)>"},
		{"setup.exe", "MZ\x90\x00\x03\x00"},
		{"run.sh", "#!/bin/sh\nrm -rf /\n"},
		{"latin1.txt", "caf\xe9"},
		{"late.txt", strings.Repeat("text ", 120) + "\x00MZ"},
		{"late.csv", strings.Repeat("a,b\n", 200) + "\xff"},
		{"empty.pdf", ""},
	} {
		f.Add(s.name, []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		typ, err := MagnetType(name, data)
		if err != nil {
			if typ != "" {
				t.Fatalf("MagnetType(%q) refused with the type %q", name, typ)
			}
			return
		}
		if !bytesAreOf(typ, name, data) {
			t.Fatalf("MagnetType(%q, %q) = %q, but the bytes are not of that type", name, data, typ)
		}
		if bytes.HasPrefix(data, oleMagic) {
			return // an old office document is told by its extension alone
		}
		other, err := MagnetType("download", data)
		if err != nil || (other != typ && !sameFamily(other, typ)) {
			t.Fatalf("%q is %q named %q, but %q (%v) unnamed", data, typ, name, other, err)
		}
	})
}

// bytesAreOf tells whether data is a file of the type typ, by its own signature.
func bytesAreOf(typ, name string, data []byte) bool {
	has := func(p string) bool { return bytes.HasPrefix(data, []byte(p)) }
	switch typ {
	case "application/pdf":
		return has("%PDF-")
	case "image/png":
		return has("\x89PNG\r\n\x1a\n")
	case "image/jpeg":
		return has("\xff\xd8\xff")
	case "image/gif":
		return has("GIF87a") || has("GIF89a")
	case "image/webp":
		return has("RIFF") && len(data) >= 14 && string(data[8:14]) == "WEBPVP"
	case "application/zip":
		return has("PK\x03\x04")
	case "text/plain; charset=utf-8", "text/csv; charset=utf-8":
		return isPlainText(data)
	}
	ext := strings.ToLower(name[strings.LastIndexByte(name, '.')+1:])
	for e, t := range officeTypes {
		if t != typ || "."+ext != e {
			continue
		}
		if ext == "doc" || ext == "xls" || ext == "ppt" {
			return bytes.HasPrefix(data, oleMagic)
		}
		return has("PK\x03\x04")
	}
	return false
}

// isPlainText: UTF-8 throughout, no control byte but tab, line breaks and form feed,
// and no markup at its start.
func isPlainText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, b := range data {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1B {
			return false
		}
	}
	return !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n\f\ufeff"), []byte("<"))
}

// sameFamily: a ZIP archive and the office documents that are ZIP archives, or plain
// text and CSV, which the file's name tells apart.
func sameFamily(a, b string) bool {
	text := func(s string) bool { return strings.HasPrefix(s, "text/") }
	zipped := func(s string) bool {
		if s == "application/zip" {
			return true
		}
		for e, t := range officeTypes {
			if t == s && e != ".doc" && e != ".xls" && e != ".ppt" {
				return true
			}
		}
		return false
	}
	return (text(a) && text(b)) || (zipped(a) && zipped(b))
}
