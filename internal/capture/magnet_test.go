package capture

import (
	"strings"
	"testing"
)

func TestMagnetType(t *testing.T) {
	zip := []byte("PK\x03\x04\x14\x00\x06\x00")
	ole := []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}
	tests := []struct {
		name string
		data []byte
		want string // "" for a refusal
	}{
		{"guide.pdf", []byte("%PDF-1.7\n"), "application/pdf"},
		{"guide.txt", []byte("%PDF-1.7\n"), "application/pdf"},
		{"chart.png", []byte("\x89PNG\r\n\x1a\n\x00"), "image/png"},
		{"photo.jpg", []byte("\xff\xd8\xff\xe0"), "image/jpeg"},
		{"bundle.zip", zip, "application/zip"},
		{"Report.DOCX", zip, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"sheet.ods", zip, "application/vnd.oasis.opendocument.spreadsheet"},
		{"old.xls", ole, "application/vnd.ms-excel"},
		{"old.pdf", ole, ""},
		{"prices.csv", []byte("a,b\n1,2\n"), "text/csv; charset=utf-8"},
		{"notes.txt", []byte("Hällo"), "text/plain; charset=utf-8"},
		{"notes.pdf", []byte("plain words"), "text/plain; charset=utf-8"},
		{"page.pdf", []byte("<!DOCTYPE html><p>x"), ""},
		{"logo.svg", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), ""},
		{"logo.txt", []byte("\f<svg onload=alert(1)>"), ""},
		// The sniffer reads 512 bytes; a text whose later bytes are binary is no text.
		{"late.txt", []byte(strings.Repeat("text ", 120) + "\x00MZ"), ""},
		{"escapes.txt", []byte(strings.Repeat("text ", 120) + "\x1b[1mbold\x1b[0m\f\r\n"), "text/plain; charset=utf-8"},
		{"setup.exe", []byte("MZ\x90\x00\x03\x00"), ""},
		{"empty.pdf", nil, ""},
	}
	for _, tt := range tests {
		got, err := MagnetType(tt.name, tt.data)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("MagnetType(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestMagnetFileName(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\ada\Guide.pdf`: "Guide.pdf", "../../etc/passwd": "passwd", "": "download", "a\"b\r\n.pdf": "ab.pdf",
		"..": "download", strings.Repeat("é", 150): strings.Repeat("é", 100), "Zoë's guide.pdf": "Zoë's guide.pdf",
	} {
		if got := MagnetFileName(in); got != want {
			t.Errorf("MagnetFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
