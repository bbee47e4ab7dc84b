package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// hiddenFields is the hidden inputs of a hosted page, by name.
func hiddenFields(t *testing.T, page string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(page, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// getFormPage opens a hosted page with the given headers.
func getFormPage(t *testing.T, rawURL string, hdr ...string) map[string]string {
	t.Helper()
	req, _ := http.NewRequest("GET", rawURL, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", rawURL, res.StatusCode, b)
	}
	return hiddenFields(t, string(b))
}

// TestFramedFormPageReferer: the hosted page opened in a frame without JavaScript
// has only its Referer, the customer's page the frame is on: it is that page, never
// the visitor's source (which would classify every framed lead as a referral from
// the customer's own site). Opened as a page, the Referer is the referring page.
func TestFramedFormPageReferer(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"framed","name":"Framed","fields":["email"]}`); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	site := "https://www.customer.example/"
	got := getFormPage(t, e.srv.URL+"/f/framed", "Referer", site, "Sec-Fetch-Dest", "iframe")
	if got["page_url"] != site || got["referrer"] != "" {
		t.Errorf("framed: page_url %q, referrer %q; want the embedding page as page_url and no referrer", got["page_url"], got["referrer"])
	}
	// The frame snippet's script names the page and its referrer: they win.
	landing := "https://www.customer.example/webinar?utm_source=news&utm_medium=email&utm_campaign=x"
	got = getFormPage(t, e.srv.URL+"/f/framed?page_url="+url.QueryEscape(landing)+"&referrer="+url.QueryEscape("https://news.example/"), "Referer", site, "Sec-Fetch-Dest", "iframe")
	if got["page_url"] != landing || got["referrer"] != "https://news.example/" {
		t.Errorf("framed by the script: page_url %q, referrer %q", got["page_url"], got["referrer"])
	}
	// A visitor who came straight to the embedding page: no referrer, even from the Referer.
	got = getFormPage(t, e.srv.URL+"/f/framed?page_url="+url.QueryEscape(landing), "Referer", site)
	if got["page_url"] != landing || got["referrer"] != "" {
		t.Errorf("framed by the script, no referrer: page_url %q, referrer %q", got["page_url"], got["referrer"])
	}
	// Not framed: a link from another site referred the visitor.
	got = getFormPage(t, e.srv.URL+"/f/framed", "Referer", "https://news.example/post", "Sec-Fetch-Dest", "document")
	if got["referrer"] != "https://news.example/post" || !strings.HasSuffix(got["page_url"], "/f/framed") {
		t.Errorf("linked: page_url %q, referrer %q", got["page_url"], got["referrer"])
	}
}

// TestFormPageVisitorID: a visitor id on the hosted page's address (the tracking
// snippet adds it to links to the page) goes into the form, so the post joins the
// visitor's page views; a malformed one is left out, and the id is not part of the
// page's recorded address.
func TestFormPageVisitorID(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"joined","name":"Joined","fields":["email"]}`); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	got := getFormPage(t, e.srv.URL+"/f/joined?utm_source=x&visitor_id=0123abcd")
	if got["visitor_id"] != "0123abcd" {
		t.Errorf("visitor_id = %q, want 0123abcd (fields %v)", got["visitor_id"], got)
	}
	if !strings.HasSuffix(got["page_url"], "/f/joined?utm_source=x") {
		t.Errorf("page_url = %q, want the page's address without the visitor id", got["page_url"])
	}
	for _, bad := range []string{"has space", strings.Repeat("a", 129), "<script>", "%00"} {
		if got := getFormPage(t, e.srv.URL+"/f/joined?visitor_id="+url.QueryEscape(bad)); got["visitor_id"] != "" {
			t.Errorf("visitor id %q kept as %q", bad, got["visitor_id"])
		}
	}
	// A post refused is asked again with the visitor id kept.
	res, body := postForm(t, e.srv.URL, "joined", url.Values{"email": {"not an email"}, "visitor_id": {"0123abcd"}})
	if got := hiddenFields(t, body); res.StatusCode != 422 || got["visitor_id"] != "0123abcd" {
		t.Errorf("asked again: %d, visitor_id %q", res.StatusCode, got["visitor_id"])
	}
}

// TestIframeSnippet: the frame snippet the API gives is a script that frames the
// hosted page with the embedding page's address and referrer (and the visitor id
// where the tracking snippet allows it), and a plain frame for browsers without
// JavaScript.
func TestIframeSnippet(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"snip","name":"Snip </script><b>","fields":["email"]}`)
	if r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	snippet, _ := r.json(t)["embed_iframe"].(string)
	for _, want := range []string{`<script>`, `searchParams.set("page_url", location.href)`, `searchParams.set("referrer", document.referrer)`,
		`searchParams.set("visitor_id", v)`, `l.visitorId()`, `<noscript><iframe src="`,
		`/f/snip" title="Snip &lt;/script&gt;&lt;b&gt;"`} {
		if !strings.Contains(snippet, want) {
			t.Errorf("snippet lacks %s:\n%s", want, snippet)
		}
	}
	// The name cannot end the script early.
	if strings.Count(snippet, "</script>") != 1 {
		t.Errorf("the form's name breaks out of the script:\n%s", snippet)
	}
}
