package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
	"github.com/lodestone-hq/lodestone/internal/web"
)

// refusalForm is a form with a look of its own, so a refusal page can be seen to
// wear it.
const refusalForm = `{"slug":"refusals","name":"Refusals","fields":["email",{"name":"company","required":true},
	{"name":"terms","type":"checkbox","label":"I read the terms","required":true}],
	"consents":[{"purpose":"marketing_email","label":"Send me the newsletter","version":"v1","required":true}],
	"page":{"headline":"Join the beta","accent_color":"#0a7d5a"}}`

// rawPost sends a body with a content type and returns the answer.
func rawPost(t *testing.T, u, ctype string, body io.Reader, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// wantPage checks a browser's refusal: an HTML page with the status, the words, and
// (when look is set) the form's colours and headline, never the API's JSON.
func wantPage(t *testing.T, what string, res *http.Response, body string, status int, words string, look bool) {
	t.Helper()
	if res.StatusCode != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, words) {
		t.Errorf("%s: %d %s, want %d and a page saying %q: %.500s", what, res.StatusCode, res.Header.Get("Content-Type"), status, words, body)
		return
	}
	if strings.Contains(body, `"error"`) {
		t.Errorf("%s: the page carries the API's error: %.500s", what, body)
	}
	if look && !strings.Contains(body, "#0a7d5a") {
		t.Errorf("%s: the page lacks the form's look: %.500s", what, body)
	}
}

// wantJSON checks a program's refusal: the API's error shape with the status and code.
func wantJSON(t *testing.T, what string, res *http.Response, body string, status int, code string) {
	t.Helper()
	var m struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if res.StatusCode != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
		json.Unmarshal([]byte(body), &m) != nil || m.Error.Code != code || m.Error.Message == "" {
		t.Errorf("%s: %d %s %.300s, want %d with the API's error %q", what, res.StatusCode, res.Header.Get("Content-Type"), body, status, code)
	}
}

// TestFormPostRefusalPages: a browser's post refused as a whole (a body too large,
// one that cannot be read, one of a type no form sends, a form that is gone) is
// answered with a page that says what happened and what to do, with the status of
// the refusal; the same refusal of a program's JSON post keeps the API's error.
func TestFormPostRefusalPages(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, refusalForm); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	u := e.srv.URL + "/f/refusals"
	big := strings.Repeat("x", 300<<10) // over the 256 KiB a form post may have

	res, body := rawPost(t, u, "application/x-www-form-urlencoded", strings.NewReader("email=a%40example.com&company="+big),
		"Referer", "https://www.example.com/beta?utm_source=news")
	wantPage(t, "a URL-encoded post too large", res, body, http.StatusRequestEntityTooLarge,
		"The form was too large to send (files or text over the limit).", true)
	if !strings.Contains(body, `href="https://www.example.com/beta?utm_source=news"`) {
		t.Errorf("the page does not lead back to the page the form was on: %.800s", body)
	}

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("email", "a@example.com")
	fw, _ := mw.CreateFormFile("cv", "cv.pdf")
	fw.Write([]byte(big))
	mw.Close()
	res, body = rawPost(t, u, mw.FormDataContentType(), &mp)
	wantPage(t, "a multipart post too large", res, body, http.StatusRequestEntityTooLarge,
		"The form was too large to send (files or text over the limit).", true)
	if !strings.Contains(body, `href="/f/refusals"`) {
		t.Errorf("without a Referer the page does not lead back to the hosted form: %.800s", body)
	}

	const unreadable = "Your browser sent the form in a way we could not read. Please try again."
	res, body = rawPost(t, u, "application/x-www-form-urlencoded", strings.NewReader("email=a%zz&company=%"))
	wantPage(t, "a URL-encoded post with broken escapes", res, body, http.StatusBadRequest, unreadable, true)
	res, body = rawPost(t, u, "multipart/form-data; boundary=x", strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n"))
	wantPage(t, "a broken multipart post", res, body, http.StatusBadRequest, unreadable, true)
	res, body = rawPost(t, u, "text/plain", strings.NewReader("email=a@example.com"))
	wantPage(t, "a text/plain post", res, body, http.StatusUnsupportedMediaType, unreadable, true)

	res, body = rawPost(t, e.srv.URL+"/f/retired", "application/x-www-form-urlencoded", strings.NewReader("email=a%40example.com"))
	wantPage(t, "a post to a form that does not exist", res, body, http.StatusNotFound, "This form does not exist or was retired.", false)

	// A program's JSON posts keep the API's error shape.
	res, body = rawPost(t, u, "application/json", strings.NewReader(`{"email":"`+big+`"}`))
	wantJSON(t, "a JSON post too large", res, body, http.StatusRequestEntityTooLarge, "too_large")
	res, body = rawPost(t, u, "application/json", strings.NewReader(`{"email":`))
	wantJSON(t, "a JSON post cut short", res, body, http.StatusBadRequest, "invalid")
	res, body = rawPost(t, e.srv.URL+"/f/retired", "application/json", strings.NewReader(`{"email":"a@example.com"}`))
	wantJSON(t, "a JSON post to a form that does not exist", res, body, http.StatusNotFound, "not_found")
}

// TestFormRateLimitPerIPPage: a browser over the limit of its address is shown a
// page in the form's look that says why and how many seconds to wait (the number
// Retry-After carries); a JSON post over it gets the API's error with Retry-After.
func TestFormRateLimitPerIPPage(t *testing.T) {
	e := newAPIEnv(t)
	h := web.New(e.s, config.Config{Region: "DE", FormRateIP: 6, FormRateForm: 100000}, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	defer srv.Close()
	if r := e.do("POST", "/api/v1/forms", e.token, refusalForm); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	var res *http.Response
	var body string
	for i := range 10 {
		v := url.Values{"email": {fmt.Sprintf("ip%d@example.com", i)}, "company": {"Acme"}, "terms": {"yes"}, "consent_marketing_email": {"yes"}}
		if res, body = postForm(t, srv.URL, "refusals", v); res.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("a burst from one address: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	wantPage(t, "a browser over its address's limit", res, body, http.StatusTooManyRequests,
		fmt.Sprintf("Too many sign-ups came from your network in the last minute. Please wait %d %s and send the form again.", secs, unit), true)

	res, body = rawPost(t, srv.URL+"/f/refusals", "application/json", strings.NewReader(`{"email":"ip-json@example.com"}`))
	wantJSON(t, "a JSON post over the address's limit", res, body, http.StatusTooManyRequests, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Errorf("a JSON post over the limit has no Retry-After")
	}
}

// TestFormErrorsLinkedToInputs: on the page shown again with problems, each input
// with a problem is marked invalid and names the message beside it (aria-describedby),
// so a screen reader reads the message with the input: a text field, a required
// checkbox field and a required consent box alike.
func TestFormErrorsLinkedToInputs(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, refusalForm); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	res, body := postForm(t, e.srv.URL, "refusals", url.Values{"email": {"ok@example.com"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a post without the required fields: %d %.300s", res.StatusCode, body)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, key string) string {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val
			}
		}
		return ""
	}
	inputs, byID := map[string]*html.Node{}, map[string]*html.Node{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "input" {
				inputs[attr(n, "name")] = n
			}
			if id := attr(n, "id"); id != "" {
				byID[id] = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	text := func(n *html.Node) string {
		var b strings.Builder
		var f func(*html.Node)
		f = func(n *html.Node) {
			if n.Type == html.TextNode {
				b.WriteString(n.Data)
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				f(c)
			}
		}
		f(n)
		return b.String()
	}
	for name, want := range map[string]string{
		"company":                 "Please fill in company.",
		"terms":                   "Please fill in i read the terms.",
		"consent_marketing_email": "Please tick this box to continue.",
	} {
		in := inputs[name]
		if in == nil {
			t.Errorf("no input %s on the page", name)
			continue
		}
		if attr(in, "aria-invalid") != "true" {
			t.Errorf("input %s is not marked aria-invalid", name)
		}
		id := attr(in, "aria-describedby")
		msg := byID[id]
		if id == "" || msg == nil || !strings.Contains(text(msg), want) {
			t.Errorf("input %s: aria-describedby %q does not name its message %q", name, id, want)
		}
	}
	if in := inputs["email"]; in == nil || attr(in, "aria-invalid") != "" || attr(in, "aria-describedby") != "" {
		t.Errorf("the email, which was fine, is marked as a problem")
	}
}

// TestFormPostOurFailurePage: when the server fails under a browser's post (here
// its store is closed under it, and the post panics), the visitor is told their
// details were not saved and to try again, with a 500, in the form's look; a JSON
// post gets the API's error, which hides the cause.
func TestFormPostOurFailurePage(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.Options(t))
	if err != nil {
		t.Fatal(err)
	}
	def := `{"slug":"failing","name":"Failing","fields":["email"],"page":{"accent_color":"#0a7d5a"}}`
	if _, err := s.SaveForm(ctx, store.Form{Slug: "failing", Name: "Failing", Kind: "lead", Definition: json.RawMessage(def)}, "test"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(s, config.Config{Region: "DE"}, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	// The form is read once, and kept for a few seconds; then the store goes away.
	if res, body := rawPost(t, srv.URL+"/f/failing", "application/x-www-form-urlencoded", strings.NewReader("email=first%40example.com")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a post while the database works: %d %.300s", res.StatusCode, body)
	}
	s.Close()
	res, body := rawPost(t, srv.URL+"/f/failing", "application/x-www-form-urlencoded", strings.NewReader("email=second%40example.com"))
	wantPage(t, "a browser's post while the server fails", res, body, http.StatusInternalServerError,
		"Something went wrong on our side, and your details were not saved. Please try again in a few minutes.", true)
	res, body = rawPost(t, srv.URL+"/f/failing", "application/json", strings.NewReader(`{"email":"third@example.com"}`))
	wantJSON(t, "a JSON post while the server fails", res, body, http.StatusInternalServerError, "internal_error")
}
