package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
)

// postMultipart posts v as multipart/form-data, as a form with enctype does.
func postMultipart(t *testing.T, srv, slug string, v url.Values) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range v {
		for _, x := range vs {
			mw.WriteField(k, x)
		}
	}
	mw.Close()
	req, _ := http.NewRequest("POST", srv+"/f/"+slug, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// TestFillTimeRefusals: on a form that asks for the fill-time check, a post without a
// proof of work must carry a stamp of this form, signed by this workspace, at least
// MinFillTime and at most StampLifetime old. Every other post is refused, as the
// other defences refuse, and nothing is stored.
func TestFillTimeRefusals(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	for _, body := range []string{
		`{"slug":"timed","name":"Timed","fields":["email"],"fill_time":{"required":true}}`,
		`{"slug":"untimed","name":"Untimed","fields":["email"]}`,
	} {
		if r := e.do("POST", "/api/v1/forms", e.token, body); r.status != 201 {
			t.Fatalf("create form: %d %s", r.status, r.body)
		}
	}
	key, err := e.s.Secret(ctx, "forms")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	aged := capture.IssueStamp(key, "timed", now.Add(-time.Minute))
	refused := map[string]struct{ stamp, says string }{
		"missing":         {"", "press the button again"},
		"another form's":  {capture.IssueStamp(key, "untimed", now.Add(-time.Minute)), "has expired"},
		"expired":         {capture.IssueStamp(key, "timed", now.Add(-capture.StampLifetime-time.Minute)), "open for a long time"},
		"forged":          {"1700000000.deadbeefdeadbeefdeadbeefdeadbeef", "has expired"},
		"another secret":  {capture.IssueStamp([]byte("not the workspace secret"), "timed", now.Add(-time.Minute)), "has expired"},
		"sent too fast":   {capture.IssueStamp(key, "timed", now), "quicker than a person"},
		"from the future": {capture.IssueStamp(key, "timed", now.Add(time.Hour)), "quicker than a person"},
	}
	n := 0
	for name, tt := range refused {
		n++
		email := "refused" + string(rune('a'+n)) + "@example.com"
		v := url.Values{"email": {email}}
		if tt.stamp != "" {
			v.Set("_ts", tt.stamp)
		}
		if res, body := postForm(t, e.srv.URL, "timed", v); res.StatusCode != 422 || !strings.Contains(body, tt.says) {
			t.Errorf("%s stamp, URL-encoded: %d, want 422 saying %q", name, res.StatusCode, tt.says)
		}
		if res := postMultipart(t, e.srv.URL, "timed", v); res.StatusCode != 422 {
			t.Errorf("%s stamp, multipart: %d, want 422", name, res.StatusCode)
		}
		js := `{"email":"` + email + `"` + map[bool]string{true: `,"_ts":"` + tt.stamp + `"`}[tt.stamp != ""] + `}`
		if r := e.do("POST", "/f/timed", "", js); r.status != 400 || !strings.Contains(string(r.body), `"field":"_ts"`) || !strings.Contains(string(r.body), tt.says) {
			t.Errorf("%s stamp, JSON: %d %s", name, r.status, r.body)
		}
		if e.contactCount(email) != 0 {
			t.Errorf("%s stamp: the submission was stored", name)
		}
		// A stamp sent to a form that does not require one is checked all the same,
		// but for its age: the embedded form sends the one it was drawn with, and a
		// tab may stay open for days.
		if tt.stamp != "" && name != "another form's" && name != "expired" {
			if res, _ := postForm(t, e.srv.URL, "untimed", v); res.StatusCode != 422 || e.contactCount(email) != 0 {
				t.Errorf("%s stamp on a form without the check: %d", name, res.StatusCode)
			}
		}
	}

	// Through: a good stamp, in every encoding; a proof of work instead of a stamp (the
	// plain HTML form with JavaScript on); a program's JSON post with an API key; a form
	// that does not ask for the check.
	if res, body := postForm(t, e.srv.URL, "timed", url.Values{"email": {"ok1@example.com"}, "_ts": {aged}}); res.StatusCode != 303 {
		t.Errorf("good stamp, URL-encoded: %d %s", res.StatusCode, body)
	}
	if res := postMultipart(t, e.srv.URL, "timed", url.Values{"email": {"ok2@example.com"}, "_ts": {aged}}); res.StatusCode != 303 {
		t.Errorf("good stamp, multipart: %d", res.StatusCode)
	}
	if r := e.do("POST", "/f/timed", "", `{"email":"ok3@example.com","_ts":"`+aged+`"}`); r.status != 201 {
		t.Errorf("good stamp, JSON: %d %s", r.status, r.body)
	}
	solved := capture.SolveChallenge(capture.IssueChallenge(key, "timed", 8, now))
	if res, body := postForm(t, e.srv.URL, "timed", url.Values{"email": {"ok4@example.com"}, "altcha": {solved}}); res.StatusCode != 303 {
		t.Errorf("proof of work without a stamp: %d %s", res.StatusCode, body)
	}
	if r := e.do("POST", "/f/timed", e.keys["agent"], `{"email":"ok5@example.com"}`); r.status != 201 {
		t.Errorf("JSON with an API key: %d %s", r.status, r.body)
	}
	if res, _ := postForm(t, e.srv.URL, "untimed", url.Values{"email": {"ok6@example.com"}}); res.StatusCode != 303 {
		t.Errorf("no stamp on a form without the check: %d", res.StatusCode)
	}
	old := capture.IssueStamp(key, "untimed", now.Add(-capture.StampLifetime-time.Hour))
	if r := e.do("POST", "/f/untimed", "", `{"email":"ok7@example.com","_ts":"`+old+`"}`); r.status != 201 {
		t.Errorf("a day-old stamp from an embedded form, on a form without the check: %d %s", r.status, r.body)
	}
	for i := 1; i <= 7; i++ {
		if email := "ok" + string(rune('0'+i)) + "@example.com"; e.contactCount(email) != 1 {
			t.Errorf("%s not stored", email)
		}
	}
}
