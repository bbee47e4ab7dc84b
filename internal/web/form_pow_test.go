package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
)

const powForm = `{"slug":"guarded","name":"Guarded","fields":["email","first_name"],"proof_of_work":{"required":true,"difficulty":10}}`

func (e *apiEnv) challenge(slug string) capture.Challenge {
	e.t.Helper()
	r := e.do("GET", "/f/"+slug+"/challenge", "", "")
	var c capture.Challenge
	if r.status != 200 || json.Unmarshal(r.body, &c) != nil || c.MaxNumber != 1024 || c.Algorithm != "SHA-256" {
		e.t.Fatalf("challenge: %d %s", r.status, r.body)
	}
	return c
}

func (e *apiEnv) contactCount(email string) int {
	e.t.Helper()
	list, err := e.s.Contacts(context.Background(), store.ContactFilter{Email: email})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(list.Contacts)
}

// TestProofOfWorkRefusals proves the promise of issue 7: a missing, wrong, forged,
// expired or replayed proof of work is refused with a clear 4xx and nothing is stored;
// a solved one passes once.
func TestProofOfWorkRefusals(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, powForm); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	key, err := e.s.Secret(context.Background(), "forms")
	if err != nil {
		t.Fatal(err)
	}
	c := e.challenge("guarded")
	solved := capture.SolveChallenge(c)
	var sol capture.Payload
	raw, _ := base64.StdEncoding.DecodeString(solved)
	if err := json.Unmarshal(raw, &sol); err != nil {
		t.Fatal(err)
	}
	wrong := sol
	wrong.Number = (sol.Number + 1) % (c.MaxNumber + 1)
	forged := capture.IssueChallenge([]byte("not the workspace secret"), "guarded", 10, time.Now())
	expired := capture.IssueChallenge(key, "guarded", 10, time.Now().Add(-capture.PowLifetime-time.Minute))
	other := capture.IssueChallenge(key, "other-form", 10, time.Now())

	for _, tt := range []struct{ name, pow, email, want string }{
		{"missing", "", "missing@example.com", "needs JavaScript"},
		{"wrong number", wrong.Encode(), "wrong@example.com", "could not check"},
		{"forged signature", capture.SolveChallenge(forged), "forged@example.com", "could not check"},
		{"another form's", capture.SolveChallenge(other), "other@example.com", "could not check"},
		{"expired", capture.SolveChallenge(expired), "expired@example.com", "expired"},
		{"garbage", "eyJ\x00<script>", "garbage@example.com", "could not check"},
	} {
		v := url.Values{"email": {tt.email}, "altcha": {tt.pow}}
		res, body := postForm(t, e.srv.URL, "guarded", v)
		if res.StatusCode != 422 || !strings.Contains(body, tt.want) {
			t.Errorf("%s proof (browser): %d, want 422 with %q", tt.name, res.StatusCode, tt.want)
		}
		js, _ := json.Marshal(map[string]string{"email": tt.email, "altcha": tt.pow})
		if r := e.do("POST", "/f/guarded", "", string(js)); r.status != 400 || !strings.Contains(string(r.body), `"field":"altcha"`) {
			t.Errorf("%s proof (JSON): %d %s", tt.name, r.status, r.body)
		}
		if n := e.contactCount(tt.email); n != 0 {
			t.Errorf("%s proof: %d contacts stored", tt.name, n)
		}
	}

	// Solved: stored once. The same proof again, even for another person, is refused.
	res, body := postForm(t, e.srv.URL, "guarded", url.Values{"email": {"ada@example.com"}, "altcha": {solved}})
	if res.StatusCode != 303 || e.contactCount("ada@example.com") != 1 {
		t.Fatalf("solved proof: %d %s", res.StatusCode, body)
	}
	res, body = postForm(t, e.srv.URL, "guarded", url.Values{"email": {"replay@example.com"}, "altcha": {solved}})
	if res.StatusCode != 422 || !strings.Contains(body, "sent already") || e.contactCount("replay@example.com") != 0 {
		t.Fatalf("replayed proof: %d %s", res.StatusCode, body)
	}
	js, _ := json.Marshal(map[string]string{"email": "replay2@example.com", "altcha": solved})
	if r := e.do("POST", "/f/guarded", "", string(js)); r.status != 400 || !strings.Contains(string(r.body), "sent already") {
		t.Fatalf("replayed proof (JSON): %d %s", r.status, r.body)
	}
	if e.contactCount("replay2@example.com") != 0 {
		t.Fatal("a spent challenge stored a contact")
	}

	// A program posting JSON with an API key skips the proof; a bad key does not.
	if r := e.do("POST", "/f/guarded", e.keys["agent"], `{"email":"api@example.com"}`); r.status != 201 {
		t.Fatalf("keyed JSON post: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/f/guarded", "not-a-key", `{"email":"nokey@example.com"}`); r.status != 400 || e.contactCount("nokey@example.com") != 0 {
		t.Fatalf("JSON post with a bad key: %d %s", r.status, r.body)
	}
	// The hosted page carries the ALTCHA widget and its script, and says it needs
	// JavaScript; its policy lets the widget start its workers.
	r := e.do("GET", "/f/guarded", "", "")
	page := string(r.body)
	if !strings.Contains(page, `<altcha-widget challenge="/f/guarded/challenge" auto="onsubmit" name="altcha">`) ||
		!strings.Contains(page, `/static/altcha.min.js?v=`) || !strings.Contains(page, "<noscript>") {
		t.Fatalf("hosted page lacks its proof of work:\n%s", page)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "worker-src 'self' blob:") || !strings.Contains(csp, "script-src 'self';") {
		t.Fatalf("hosted page policy: %s", csp)
	}
	// The widget is served as vendored, and first in the embed script.
	widget := e.do("GET", "/static/altcha.min.js", "", "")
	embed := e.do("GET", "/f/guarded/embed.js", "", "")
	if widget.status != 200 || len(widget.body) < 50000 || !strings.HasPrefix(string(embed.body), string(widget.body)) ||
		!strings.Contains(string(embed.body), `el("altcha-widget"`) {
		t.Fatalf("widget %d (%d bytes), embed.js %d", widget.status, len(widget.body), embed.status)
	}
}

// TestProofOfWorkOptional: a form that does not require the proof still takes posts
// without one (JavaScript off), and still refuses a bad one that is sent.
func TestProofOfWorkOptional(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"open","name":"Open","fields":["email"]}`); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	if res, _ := postForm(t, e.srv.URL, "open", url.Values{"email": {"nojs@example.com"}}); res.StatusCode != 303 || e.contactCount("nojs@example.com") != 1 {
		t.Fatalf("post without JavaScript: %d", res.StatusCode)
	}
	if res, _ := postForm(t, e.srv.URL, "open", url.Values{"email": {"bad@example.com"}, "altcha": {"eyJhbGdvcml0aG0iOiJTSEEtMjU2In0="}}); res.StatusCode != 422 || e.contactCount("bad@example.com") != 0 {
		t.Fatalf("bad proof on an open form: %d", res.StatusCode)
	}
	if page := string(e.do("GET", "/f/open", "", "").body); strings.Contains(page, "<noscript>") {
		t.Fatal("an open form says it needs JavaScript")
	}
}
