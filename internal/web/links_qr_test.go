package web_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"rsc.io/qr"
)

// qrQuiet is the quiet zone, in modules, around a printed QR code: the four the QR
// standard asks for, which rsc.io/qr's PNG draws and the SVG drawer copies.
const qrQuiet = 4

// qrMinPrintPixels is the smallest side of the PNG: 3 cm, the usual smallest printed
// QR code that a phone reads from a flyer or a fair stand, at 300 dpi, print
// resolution (3 / 2.54 × 300 = 354 pixels). A smaller image is scaled up by the
// printer and its module edges blur.
const qrMinPrintPixels = 354

// qrModules is a QR code as a square of modules, the quiet zone included: true is dark.
type qrModules [][]bool

func newModules(n int) qrModules {
	m := make(qrModules, n)
	for i := range m {
		m[i] = make([]bool, n)
	}
	return m
}

// wantModules is the library's own matrix of text, with the quiet zone around it.
func wantModules(t *testing.T, text string) qrModules {
	t.Helper()
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	m := newModules(c.Size + 2*qrQuiet)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			m[y+qrQuiet][x+qrQuiet] = c.Black(x, y)
		}
	}
	return m
}

// diff names the first modules where got and want differ.
func (got qrModules) diff(want qrModules) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d modules a side, want %d", len(got), len(want))
	}
	var out []string
	for y := range want {
		for x := range want[y] {
			if got[y][x] != want[y][x] && len(out) < 5 {
				out = append(out, fmt.Sprintf("(%d,%d) dark=%v want %v", x, y, got[y][x], want[y][x]))
			}
		}
	}
	return strings.Join(out, ", ")
}

// pngModules reads the modules back from the PNG: the image is (size + 2×quiet)
// modules a side, each module a square of whole pixels, sampled at its centre.
func pngModules(t *testing.T, body []byte, n int) qrModules {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("png: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != b.Dy() {
		t.Fatalf("png is %dx%d, not square", b.Dx(), b.Dy())
	}
	if b.Dx() < qrMinPrintPixels {
		t.Fatalf("png is %d pixels a side; print needs %d (3 cm at 300 dpi)", b.Dx(), qrMinPrintPixels)
	}
	if b.Dx()%n != 0 {
		t.Fatalf("png is %d pixels a side, not a whole number of pixels for each of %d modules", b.Dx(), n)
	}
	scale := b.Dx() / n
	m := newModules(n)
	for y := range n {
		for x := range n {
			r, g, bl, _ := img.At(b.Min.X+x*scale+scale/2, b.Min.Y+y*scale+scale/2).RGBA()
			m[y][x] = (r+g+bl)/3 < 0x8000
		}
	}
	return m
}

// svgModules reads the modules back from the SVG: it must be well-formed XML, an
// <svg> with a square viewBox of the whole code, a white background and the dark
// modules only, each drawn once as a unit square (by <path> subpaths or <rect>s).
func svgModules(t *testing.T, body []byte) qrModules {
	t.Helper()
	type node struct {
		XMLName xml.Name
		Attrs   []xml.Attr `xml:",any,attr"`
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var root *xml.StartElement
	var shapes []node
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("svg is not well-formed XML: %v\n%s", err, body)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			if root == nil {
				e := e.Copy()
				root = &e
			} else {
				shapes = append(shapes, node{e.Name, e.Attr})
			}
		case xml.EndElement:
			depth--
		}
	}
	if root == nil || root.Name.Local != "svg" || root.Name.Space != "http://www.w3.org/2000/svg" || depth != 0 {
		t.Fatalf("not an SVG document: %s", body)
	}
	attr := func(as []xml.Attr, name string) string {
		for _, a := range as {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	vb := strings.Fields(attr(root.Attr, "viewBox"))
	if len(vb) != 4 || vb[0] != "0" || vb[1] != "0" || vb[2] != vb[3] {
		t.Fatalf("viewBox %q: want a square from 0 0", attr(root.Attr, "viewBox"))
	}
	n, err := strconv.Atoi(vb[2])
	if err != nil || n <= 2*qrQuiet {
		t.Fatalf("viewBox %q", vb)
	}
	m := newModules(n)
	dark := func(x, y int) {
		if x < 0 || y < 0 || x >= n || y >= n {
			t.Fatalf("a dark module at (%d,%d) lies outside the viewBox of %d", x, y, n)
		}
		if m[y][x] {
			t.Fatalf("module (%d,%d) is drawn twice", x, y)
		}
		m[y][x] = true
	}
	num := func(s string) int {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("svg number %q: %v", s, err)
		}
		return v
	}
	background := false
	for _, s := range shapes {
		fill := attr(s.Attrs, "fill")
		white := fill == "#fff" || fill == "#ffffff" || fill == "white"
		black := fill == "#000" || fill == "#000000" || fill == "black"
		switch {
		case s.XMLName.Local == "rect" && white:
			if attr(s.Attrs, "x")+attr(s.Attrs, "y") != "" && attr(s.Attrs, "x")+attr(s.Attrs, "y") != "00" ||
				attr(s.Attrs, "width") != vb[2] || attr(s.Attrs, "height") != vb[3] {
				t.Fatalf("the white background does not cover the viewBox: %v", s.Attrs)
			}
			background = true
		case s.XMLName.Local == "rect" && black:
			if attr(s.Attrs, "width") != "1" || attr(s.Attrs, "height") != "1" {
				t.Fatalf("a dark rect is not one module: %v", s.Attrs)
			}
			dark(num(attr(s.Attrs, "x")), num(attr(s.Attrs, "y")))
		case s.XMLName.Local == "path" && black:
			for _, sq := range pathSquares(t, attr(s.Attrs, "d")) {
				dark(sq[0], sq[1])
			}
		default:
			t.Fatalf("unexpected SVG element <%s> %v", s.XMLName.Local, s.Attrs)
		}
	}
	if !background {
		t.Fatal("the SVG has no white background: the quiet zone would take the paper's colour")
	}
	return m
}

// pathSquares reads an SVG path of unit squares ("M x y h1 v1 h-1 z" and its
// relative or absolute variants) and returns the top-left corner of each; anything
// else in the path fails the test.
func pathSquares(t *testing.T, d string) [][2]int {
	t.Helper()
	var toks []string
	cur := ""
	flush := func() {
		if cur != "" {
			toks = append(toks, cur)
			cur = ""
		}
	}
	for _, r := range d {
		switch {
		case unicode.IsLetter(r):
			flush()
			toks = append(toks, string(r))
		case r == '-' && cur != "":
			flush()
			cur = "-"
		case r == ' ' || r == ',' || r == '\n' || r == '\t':
			flush()
		default:
			cur += string(r)
		}
	}
	flush()
	var out [][2]int
	var x, y, sx, sy int
	var pts [][2]int // the corners of the current subpath
	end := func() {
		if len(pts) == 0 {
			return
		}
		minX, minY, maxX, maxY := pts[0][0], pts[0][1], pts[0][0], pts[0][1]
		seen := map[[2]int]bool{}
		for _, p := range pts {
			minX, minY, maxX, maxY = min(minX, p[0]), min(minY, p[1]), max(maxX, p[0]), max(maxY, p[1])
			seen[p] = true
		}
		if maxX-minX != 1 || maxY-minY != 1 || len(seen) != 4 {
			t.Fatalf("path subpath %v is not a unit square", pts)
		}
		out = append(out, [2]int{minX, minY})
		pts = nil
	}
	num := func(i int) int {
		if i >= len(toks) {
			t.Fatalf("path ends in the middle of a command: %q", d)
		}
		v, err := strconv.Atoi(toks[i])
		if err != nil {
			t.Fatalf("path number %q: %v", toks[i], err)
		}
		return v
	}
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "M", "m":
			end()
			nx, ny := num(i+1), num(i+2)
			if toks[i] == "m" {
				nx, ny = x+nx, y+ny
			}
			x, y, sx, sy = nx, ny, nx, ny
			pts = [][2]int{{x, y}}
			i += 2
		case "h", "H":
			v := num(i + 1)
			if toks[i] == "h" {
				v += x
			}
			x = v
			pts = append(pts, [2]int{x, y})
			i++
		case "v", "V":
			v := num(i + 1)
			if toks[i] == "v" {
				v += y
			}
			y = v
			pts = append(pts, [2]int{x, y})
			i++
		case "z", "Z":
			x, y = sx, sy
			end()
		default:
			t.Fatalf("unexpected path command %q in %q", toks[i], d)
		}
	}
	end()
	return out
}

// A campaign's QR codes, PNG and SVG, encode its short link exactly: each is read
// back module by module and compared with the QR library's matrix of the link.
func TestCampaignQRCodesEncodeTheShortLink(t *testing.T) {
	e := newAPIEnv(t)
	camp := e.createCampaign(`{"name":"Direct Mail Autumn","channel":"direct_mail","landing_url":"https://shop.example/autumn"}`)
	checkCampaignQR(t, e, camp.ID, camp.ShortLink)
}

// checkCampaignQR fetches a campaign's QR codes and checks that each encodes
// shortLink, as scanned (with src=qr), and nothing else.
func checkCampaignQR(t *testing.T, e *apiEnv, id int64, shortLink string) {
	t.Helper()
	if !strings.Contains(shortLink, "/c/") {
		t.Fatalf("short link %q", shortLink)
	}
	want := wantModules(t, shortLink+"?src=qr")
	base := fmt.Sprintf("/api/v1/campaigns/%d/", id)

	p := e.do("GET", base+"qr.png", e.token, "")
	if p.status != 200 || p.header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr.png: %d %s", p.status, p.header.Get("Content-Type"))
	}
	if d := pngModules(t, p.body, len(want)).diff(want); d != "" {
		t.Errorf("the PNG does not encode %s: %s", shortLink, d)
	}

	s := e.do("GET", base+"qr.svg", e.token, "")
	if s.status != 200 || s.header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("qr.svg: %d %s", s.status, s.header.Get("Content-Type"))
	}
	if d := svgModules(t, s.body).diff(want); d != "" {
		t.Errorf("the SVG does not encode %s: %s", shortLink, d)
	}
}
