package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

const magnetForm = `{"slug":"guide","name":"Guide","fields":["email"],"thank_you":{"lead_magnet_label":"Get the guide"}}`

// putMagnet sends a lead magnet file as the request body, or as a multipart part
// named part when part is set.
func (e *apiEnv) putMagnet(key, path, fileName string, data []byte, part string) resp {
	e.t.Helper()
	var body io.Reader = bytes.NewReader(data)
	ct := "application/octet-stream"
	if part != "" {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		w, _ := mw.CreateFormFile(part, fileName)
		w.Write(data)
		mw.Close()
		body, ct = &b, mw.FormDataContentType()
	} else if fileName != "" {
		path += "?file_name=" + url.QueryEscape(fileName)
	}
	req, _ := http.NewRequest("PUT", e.srv.URL+path, body)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", ct)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

var magnetLinkRe = regexp.MustCompile(`href="(/f/guide/magnet/[^"]+)"`)

// TestFormMagnetFile: a form's lead magnet file is uploaded through the API (refused
// when too big, of a type a download should not be, or missing, each naming the
// field), given to a person who sent the form by a link on the thank-you page that
// downloads the exact bytes as an attachment, and to nobody with a wrong token;
// replaced and removed through the API.
func TestFormMagnetFile(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/forms", e.token, magnetForm)
	if r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	id := itoaJSON(r.json(t)["id"])
	path := "/api/v1/forms/" + id + "/magnet"
	pdf := append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), bytes.Repeat([]byte{0, 1, 2, 0xff, '\n'}, 4000)...)

	refusals := []struct {
		name, file string
		data       []byte
		part       string
		status     int
	}{
		{"html", "guide.pdf", []byte("<!doctype html><script>alert(1)</script>"), "", 400},
		{"svg", "logo.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "", 400},
		{"program", "setup.exe", append([]byte("MZ\x90\x00"), make([]byte, 600)...), "", 400},
		{"empty", "guide.pdf", nil, "", 400},
		{"no file part", "guide.pdf", pdf, "document", 400},
		{"too big", "big.pdf", append([]byte("%PDF-1.7\n"), make([]byte, 25<<20)...), "", 413},
	}
	for _, tt := range refusals {
		r := e.putMagnet(e.token, path, tt.file, tt.data, tt.part)
		if r.status != tt.status || !strings.Contains(string(r.body), `"field":"file"`) {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	if r := e.do("PUT", path, e.token, `{"file":"guide.pdf"}`); r.status != 415 || !strings.Contains(string(r.body), `"field":"file"`) {
		t.Errorf("JSON body: %d %s", r.status, r.body)
	}
	if r := e.putMagnet(e.keys["read_only"], path, "guide.pdf", pdf, ""); r.status != 403 {
		t.Errorf("read-only upload: %d %s", r.status, r.body)
	}
	if r := e.putMagnet(e.token, "/api/v1/forms/999999/magnet", "guide.pdf", pdf, ""); r.status != 404 {
		t.Errorf("no such form: %d %s", r.status, r.body)
	}

	// The client says text/html; the type served is the one the bytes show.
	sum := sha256.Sum256(pdf)
	r = e.putMagnet(e.token, path, "Guide 2026.pdf", pdf, "")
	m := r.json(t)
	if r.status != 200 || m["content_type"] != "application/pdf" || m["sha256"] != hex.EncodeToString(sum[:]) || m["file_name"] != "Guide 2026.pdf" {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if r := e.do("GET", path, e.token, ""); r.status != 200 || !strings.Contains(string(r.body), `"size_bytes":`) {
		t.Fatalf("describe: %d %s", r.status, r.body)
	}

	// A browser sends the form and is sent to a thank-you page with the download.
	res, body := postForm(t, e.srv.URL, "guide", url.Values{"email": {"ada@example.com"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.HasPrefix(loc, "/f/guide/thanks?download=") {
		t.Fatalf("post: %d %s %s", res.StatusCode, loc, body)
	}
	thanks := e.do("GET", loc, "", "")
	link := magnetLinkRe.FindStringSubmatch(string(thanks.body))
	if link == nil || !strings.Contains(string(thanks.body), "Get the guide") {
		t.Fatalf("thank-you page without the download:\n%s", thanks.body)
	}
	dl := e.do("GET", link[1], "", "")
	if dl.status != 200 || !bytes.Equal(dl.body, pdf) {
		t.Fatalf("download: %d, %d bytes, same %v", dl.status, len(dl.body), bytes.Equal(dl.body, pdf))
	}
	for h, want := range map[string]string{"Content-Type": "application/pdf", "X-Content-Type-Options": "nosniff",
		"Content-Disposition": `attachment; filename="Guide 2026.pdf"`, "Content-Security-Policy": "default-src 'none'; sandbox"} {
		if got := dl.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	// Without a token, with a forged or altered one, or one for another form: nothing.
	token := link[1][len("/f/guide/magnet/"):]
	altered := token[:len(token)-1] + map[bool]string{true: "1", false: "0"}[strings.HasSuffix(token, "0")]
	other := e.do("POST", "/api/v1/forms", e.token, strings.ReplaceAll(magnetForm, `"guide"`, `"other"`))
	if other.status != 201 {
		t.Fatalf("second form: %d %s", other.status, other.body)
	}
	for _, p := range []string{"/f/guide/magnet/", "/f/guide/magnet/x", "/f/guide/magnet/" + altered,
		"/f/guide/magnet/0." + token[strings.IndexByte(token, '.')+1:], "/f/other/magnet/" + token} {
		if r := e.do("GET", p, "", ""); r.status != 404 || bytes.Contains(r.body, pdf[:20]) {
			t.Errorf("GET %s: %d", p, r.status)
		}
	}
	if r := e.do("GET", "/f/guide/thanks?download=forged", "", ""); magnetLinkRe.Match(r.body) {
		t.Error("a forged token shows the download link")
	}
	// A program posting JSON gets the link in the answer.
	j := e.do("POST", "/f/guide", "", `{"email":"bo@example.com"}`)
	if mu, _ := j.json(t)["magnet_url"].(string); j.status != 201 || !strings.Contains(mu, "/f/guide/magnet/") {
		t.Fatalf("JSON post: %d %s", j.status, j.body)
	}

	// Replaced by a multipart upload, the same link gives the new file; removed, nothing.
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	if r := e.putMagnet(e.token, path, "chart.png", png, "file"); r.status != 200 || !strings.Contains(string(r.body), `"image/png"`) {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	if dl := e.do("GET", link[1], "", ""); dl.status != 200 || !bytes.Equal(dl.body, png) || dl.header.Get("Content-Type") != "image/png" {
		t.Fatalf("after replace: %d %q", dl.status, dl.header.Get("Content-Type"))
	}
	if r := e.do("DELETE", path, e.token, ""); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := e.do("GET", link[1], "", ""); r.status != 404 {
		t.Fatalf("after delete: %d", r.status)
	}
	if r := e.do("GET", path, e.token, ""); r.status != 404 {
		t.Fatalf("describe after delete: %d", r.status)
	}
	res, _ = postForm(t, e.srv.URL, "guide", url.Values{"email": {"cy@example.com"}})
	if loc := res.Header.Get("Location"); loc != "/f/guide/thanks" {
		t.Fatalf("without a file the thank-you page carries no token: %s", loc)
	}
}

func itoaJSON(v any) string {
	f, _ := v.(float64)
	return strconv.FormatInt(int64(f), 10)
}

// TestFormBuilderMagnetUpload: the form builder uploads a lead magnet file, shows a
// refused one's reason beside the file field, and removes it.
func TestFormBuilderMagnetUpload(t *testing.T) {
	e := newUIEnv(t)
	e.user("mia@example.com", "marketer")
	cookie := e.login("mia@example.com")
	f, err := e.store.SaveForm(context.Background(), store.Form{Slug: "guide", Name: "Guide", Kind: "lead",
		Definition: json.RawMessage(`{"fields":[{"name":"email","label":"Email","type":"email","required":true}]}`)}, "test")
	if err != nil {
		t.Fatal(err)
	}
	upload := func(name string, data []byte) *httptest.ResponseRecorder {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		w, _ := mw.CreateFormFile("file", name)
		w.Write(data)
		mw.Close()
		r := httptest.NewRequest("POST", "/forms/"+strconv.FormatInt(f.ID, 10)+"/magnet", &b)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		r.AddCookie(cookie)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		return rec
	}
	page := "/forms/" + strconv.FormatInt(f.ID, 10)
	wantStatus(t, upload("page.html", []byte("<html><body>hi</body></html>")), 422, "a lead magnet must be a PDF", `id="magnet-upload"`)
	if w := upload("price list.csv", []byte("product,price\nCRM,10\n")); w.Code != 303 {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	wantStatus(t, e.do("GET", page, nil, cookie), 200, "price list.csv", "text/csv", `id="magnet-remove"`)
	if w := e.do("POST", page+"/magnet/delete", url.Values{}, cookie); w.Code != 303 {
		t.Fatalf("remove: %d %s", w.Code, w.Body)
	}
	if w := e.do("GET", page, nil, cookie); strings.Contains(w.Body.String(), "price list.csv") {
		t.Fatal("the file is still shown after removal")
	}
}

// TestMagnetFileAndRedirectExcludeEachOther: a lead magnet file is offered on
// Lodestone's thank-you page, which a thank-you redirect skips, so a form cannot
// have both: the second of the two is refused, naming its field.
func TestMagnetFileAndRedirectExcludeEachOther(t *testing.T) {
	e := newAPIEnv(t)
	pdf := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\nguide\n")
	r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"guide","name":"Guide","fields":["email"]}`)
	if r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	id := itoaJSON(r.json(t)["id"])
	if r := e.putMagnet(e.token, "/api/v1/forms/"+id+"/magnet", "guide.pdf", pdf, ""); r.status != 200 && r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	withRedirect := `{"slug":"guide","name":"Guide","fields":["email"],"thank_you":{"redirect_url":"https://site.example/thanks"}}`
	if r := e.do("PUT", "/api/v1/forms/"+id, e.token, withRedirect); r.status != 400 || !strings.Contains(string(r.body), `"field":"thank_you.redirect_url"`) {
		t.Fatalf("a redirect on a form with a file: %d %s", r.status, r.body)
	}

	r = e.do("POST", "/api/v1/forms", e.token, strings.Replace(withRedirect, `"guide"`, `"other"`, 1))
	if r.status != 201 {
		t.Fatalf("create form with a redirect: %d %s", r.status, r.body)
	}
	other := itoaJSON(r.json(t)["id"])
	if r := e.putMagnet(e.token, "/api/v1/forms/"+other+"/magnet", "guide.pdf", pdf, ""); r.status != 400 || !strings.Contains(string(r.body), `"field":"file"`) {
		t.Fatalf("a file on a form with a redirect: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/forms/"+other+"/magnet", e.token, ""); r.status != 404 {
		t.Fatalf("the refused file was kept: %d %s", r.status, r.body)
	}
}
