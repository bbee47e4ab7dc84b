package web_test

import (
	"context"
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
	if r.status != 200 || json.Unmarshal(r.body, &c) != nil || c.Difficulty != 10 {
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
	solved := capture.SolveChallenge(c.Text, c.Difficulty)
	wrong := c.Text + ".0"
	for n := 0; capture.VerifyProofOK(key, "guarded", wrong); n++ {
		wrong = c.Text + "." + string(rune('1'+n%9))
	}
	expired := capture.IssueChallenge(key, "guarded", 10, time.Now().Add(-capture.PowLifetime-time.Minute))
	other := capture.IssueChallenge(key, "other-form", 10, time.Now())
	forged := strings.Replace(c.Text, ".10.", ".8.", 1)

	for _, tt := range []struct{ name, pow, email, want string }{
		{"missing", "", "missing@example.com", "needs JavaScript"},
		{"wrong", wrong, "wrong@example.com", "could not check"},
		{"forged", capture.SolveChallenge(forged, 8), "forged@example.com", "could not check"},
		{"another form's", capture.SolveChallenge(other.Text, 10), "other@example.com", "could not check"},
		{"expired", capture.SolveChallenge(expired.Text, 10), "expired@example.com", "expired"},
		{"garbage", "p1.guarded.\x00.<script>", "garbage@example.com", "could not check"},
	} {
		v := url.Values{"email": {tt.email}, "_pow": {tt.pow}}
		res, body := postForm(t, e.srv.URL, "guarded", v)
		if res.StatusCode != 422 || !strings.Contains(body, tt.want) {
			t.Errorf("%s proof (browser): %d, want 422 with %q", tt.name, res.StatusCode, tt.want)
		}
		js, _ := json.Marshal(map[string]string{"email": tt.email, "_pow": tt.pow})
		if r := e.do("POST", "/f/guarded", "", string(js)); r.status != 400 || !strings.Contains(string(r.body), `"field":"_pow"`) {
			t.Errorf("%s proof (JSON): %d %s", tt.name, r.status, r.body)
		}
		if n := e.contactCount(tt.email); n != 0 {
			t.Errorf("%s proof: %d contacts stored", tt.name, n)
		}
	}

	// Solved: stored once. The same proof again, even for another person, is refused.
	res, body := postForm(t, e.srv.URL, "guarded", url.Values{"email": {"ada@example.com"}, "_pow": {solved}})
	if res.StatusCode != 303 || e.contactCount("ada@example.com") != 1 {
		t.Fatalf("solved proof: %d %s", res.StatusCode, body)
	}
	res, body = postForm(t, e.srv.URL, "guarded", url.Values{"email": {"replay@example.com"}, "_pow": {solved}})
	if res.StatusCode != 422 || !strings.Contains(body, "sent already") || e.contactCount("replay@example.com") != 0 {
		t.Fatalf("replayed proof: %d %s", res.StatusCode, body)
	}
	// Another number solving the same challenge is the same challenge: refused too.
	again := c.Text + "." + strings.TrimPrefix(capture.SolveChallenge(c.Text+"1", 10), c.Text+"1.")
	if capture.VerifyProofOK(key, "guarded", again) {
		js, _ := json.Marshal(map[string]string{"email": "replay2@example.com", "_pow": again})
		if r := e.do("POST", "/f/guarded", "", string(js)); r.status != 409 && r.status != 400 {
			t.Fatalf("second solution of a spent challenge: %d %s", r.status, r.body)
		}
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
	// The hosted page carries a challenge and the solver, and says it needs JavaScript.
	page := string(e.do("GET", "/f/guarded", "", "").body)
	if !strings.Contains(page, `data-pow-challenge="p1.guarded.`) || !strings.Contains(page, `/static/pow.js?v=`) || !strings.Contains(page, "<noscript>") {
		t.Fatalf("hosted page lacks its proof of work:\n%s", page)
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
	if res, _ := postForm(t, e.srv.URL, "open", url.Values{"email": {"bad@example.com"}, "_pow": {"p1.open.1.16.x.y.3"}}); res.StatusCode != 422 || e.contactCount("bad@example.com") != 0 {
		t.Fatalf("bad proof on an open form: %d", res.StatusCode)
	}
	if page := string(e.do("GET", "/f/open", "", "").body); strings.Contains(page, "<noscript>") {
		t.Fatal("an open form says it needs JavaScript")
	}
}
