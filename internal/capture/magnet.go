package capture

import (
	"bytes"
	"fmt"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxMagnetSize bounds a lead magnet file: a guide or a price list, not a video.
const MaxMagnetSize = 25 << 20

// officeTypes are the office documents a lead magnet may be, by extension: the new
// formats are ZIP archives and the old ones OLE files, so the bytes alone cannot
// tell a Word document from a spreadsheet.
var officeTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
	".ppt":  "application/vnd.ms-powerpoint",
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// MagnetType is the type a lead magnet file is served with, sniffed from its first
// bytes (what the uploader's client says is never trusted): a PDF, a PNG, JPEG, GIF
// or WebP image, a ZIP archive, an office document, or UTF-8 plain text or CSV.
// Anything else (HTML, SVG, scripts, programs) is refused with a message for the
// field "file".
func MagnetType(fileName string, data []byte) (string, error) {
	if len(data) == 0 {
		return "", fmt.Errorf("the file is empty")
	}
	ext := strings.ToLower(path.Ext(fileName))
	sniffed := http.DetectContentType(data)
	switch sniffed {
	case "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp":
		return sniffed, nil
	case "application/zip":
		if t, ok := officeTypes[ext]; ok && !bytes.HasPrefix(data, oleMagic) {
			return t, nil
		}
		return "application/zip", nil
	case "application/octet-stream":
		if bytes.HasPrefix(data, oleMagic) {
			if t, ok := officeTypes[ext]; ok && (ext == ".doc" || ext == ".xls" || ext == ".ppt") {
				return t, nil
			}
		}
	case "text/plain; charset=utf-8":
		// Markup the sniffer does not know (an SVG without its XML header) is no text;
		// nor is a file whose bytes past the 512 the sniffer reads are binary.
		if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n\f\ufeff"), []byte("<")) {
			sniffed = "markup"
		} else if bytes.ContainsFunc(data, binaryByte) {
			sniffed = "application/octet-stream"
		} else if utf8.Valid(data) {
			if ext == ".csv" {
				return "text/csv; charset=utf-8", nil
			}
			return "text/plain; charset=utf-8", nil
		}
	}
	return "", fmt.Errorf("a lead magnet must be a PDF, an image (PNG, JPEG, GIF, WebP), a ZIP archive, an office document (Word, Excel, PowerPoint, OpenDocument) or plain text or CSV; this file looks like %s", strings.Split(sniffed, ";")[0])
}

// binaryByte is a control byte no text holds, as http.DetectContentType tells them.
func binaryByte(r rune) bool {
	return r <= 0x08 || r == 0x0B || (r >= 0x0E && r <= 0x1A) || (r >= 0x1C && r <= 0x1F)
}

// MagnetFileName makes an uploaded file's name safe to keep and to send back in a
// Content-Disposition header: its base name, printable, at most 200 bytes.
func MagnetFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) || r == '"' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" || name == ".." {
		return "download"
	}
	return name
}
