package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// filler is a body of n bytes that is never held in memory by the client, so the
// heap measured is the server's.
type filler struct{ n int64 }

var fillBytes = [32 << 10]byte{}

func init() {
	for i := range fillBytes {
		fillBytes[i] = 'a'
	}
}

func (z *filler) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	for done := int64(0); done < k; {
		done += int64(copy(p[done:k], fillBytes[:]))
	}
	z.n -= k
	return int(k), nil
}

type hostile struct {
	name   string
	query  string
	body   func() io.Reader
	length int64 // -1: chunked
	ctype  string
	header []string
}

const tenMB = 10 << 20

// hostileRequests are sent to every route of the table.
func hostileRequests() []hostile {
	big := strings.Repeat("x", 60<<10) // under the server's 64 KiB header limit
	deep := strings.Repeat(`{"a":`, 100000) + `1` + strings.Repeat(`}`, 100000)
	deepArr := strings.Repeat(`[`, 100000) + strings.Repeat(`]`, 100000)
	s := func(b string) func() io.Reader { return func() io.Reader { return strings.NewReader(b) } }
	return []hostile{
		{name: "10 MB body with a length", body: func() io.Reader { return &filler{tenMB} }, length: tenMB, ctype: "application/json"},
		{name: "10 MB chunked body", body: func() io.Reader { return io.MultiReader(&filler{tenMB}) }, length: -1, ctype: "application/json"},
		{name: "10 MB form post", body: func() io.Reader { return io.MultiReader(strings.NewReader("email="), &filler{tenMB}) }, length: -1, ctype: "application/x-www-form-urlencoded"},
		{name: "10 MB multipart", body: func() io.Reader { return io.MultiReader(&filler{tenMB}) }, length: -1, ctype: "multipart/form-data; boundary=x"},
		{name: "deeply nested object", body: s(deep), ctype: "application/json"},
		{name: "deeply nested array", body: s(`{"events":` + deepArr + `}`), ctype: "application/json"},
		{name: "invalid UTF-8 in JSON", body: s("{\"events\":[{\"type\":\"x\",\"email\":\"a\xff@example.com\",\"properties\":{\"n\":\"\xc0\xaf\"}}],\"name\":\"\xff\",\"slug\":\"\xfe\",\"body\":\"\xff\"}"), ctype: "application/json"},
		{name: "NUL in JSON", body: s(`{"events":[{"type":"x\u0000","email":"a@example.com","properties":{"n\u0000":"\u0000"}}],"name":"\u0000","slug":"a\u0000","body":"\u0000","stage":"\u0000","reason":"\u0000"}`), ctype: "application/json"},
		{name: "JSON of the wrong shape", body: s(`[1,"two",null,{"events":{"type":5}}]`), ctype: "application/json"},
		{name: "huge numbers", body: s(`{"contact_id":1e400,"loser_id":-99999999999999999999999,"amount":1e308,"hours":1e308,"campaign_id":18446744073709551616}`), ctype: "application/json"},
		{name: "wrong content type", body: s(`{"events":[]}`), ctype: "text/plain"},
		{name: "XML", body: s(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "fillBytes">]><x>&a;</x>`), ctype: "application/xml"},
		{name: "broken multipart", body: s("--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n"), ctype: "multipart/form-data; boundary=x"},
		{name: "malformed content type", body: s(`{}`), ctype: "application/json; charset=\xff; ;;="},
		{name: "invalid UTF-8 and NUL in the form", body: s("email=a%00%ff@example.com&first_name=%ff%fe&company=%00&_ts=%ff"), ctype: "application/x-www-form-urlencoded"},
		{name: "NUL and invalid UTF-8 in the query", query: "q=%00&email=%ff%00&stage=%c0%af&owner=%00&created_from=%ff&cursor=%00&limit=%00&from=%ff&to=%00&group_by=%ff&model=%00&next=%00"},
		{name: "bad cursors", query: "cursor=zzz&limit=-1"},
		{name: "cursor of a huge number", query: "cursor=" + store.EncodeCursor(-1) + "&limit=99999999999999999999"},
		{name: "long cursor", query: "cursor=" + strings.Repeat("A", 8000)},
		{name: "base64 garbage cursor", query: "cursor=%2F%2F%2F%2F%2B%2B%2B%2B%3D%3D"},
		{name: "repeated parameters", query: strings.Repeat("q=a&", 2000)},
		{name: "huge headers", header: []string{"User-Agent", big, "Referer", "https://example.com/" + big, "X-Forwarded-For", big,
			"Idempotency-Key", big, "Accept-Language", big, "HX-Request", "true", "HX-Current-URL", big, "Origin", "http://127.0.0.1:8080"}},
		{name: "invalid UTF-8 in headers", header: []string{"User-Agent", "Mozilla/5.0 \xff\xfe", "Referer", "https://example.com/\xff?utm_source=\xc0",
			"Idempotency-Key", "\xff\xfe", "X-Forwarded-For", "\xff", "Cookie", "lodestone_vid=\xff; lodestone_session=\xfe"}},
		{name: "a huge Authorization", header: []string{"Authorization", "Bearer " + big}},
	}
}

// passwordRoutes check a password (argon2id: 64 MiB and a good fraction of a
// second by design, four at most at once).
var passwordRoutes = map[string]bool{"POST /login": true, "POST /setup": true}

// TestHostileRequestsNeverFail proves the promise "hostile input never yields a
// 5xx, and memory stays bounded" (docs/reliability.md, Hostile input). Every route
// of the routing table, with an admin's key, an admin's session and no
// credentials, gets each request of hostileRequests: 10 MB bodies with and without
// a length, 100,000-deep JSON, invalid UTF-8 and NUL bytes in bodies, queries and
// headers, wrong and malformed content types, bad cursors and 60 KiB headers. None
// may answer 5xx, and none may make the server allocate anywhere near the size of
// what it was sent.
func TestHostileRequestsNeverFail(t *testing.T) {
	f := newAuthzFixture(t)
	srv := httptest.NewServer(f.srv)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	creds := [][]string{
		{"Authorization", "Bearer " + f.keys[store.RoleAdmin]},
		{"Cookie", sessionCookie + "=" + f.sessions[store.RoleAdmin]},
		nil,
	}
	var ms runtime.MemStats
	var worstAlloc uint64
	var worst string
	n := 0
	for _, rt := range f.srv.routes() {
		method, path := f.path(rt.pattern)
		for _, h := range hostileRequests() {
			if h.body != nil && method != http.MethodPost && method != http.MethodPut {
				continue
			}
			for ci, cred := range creds {
				if cred != nil && cred[0] == "Cookie" && h.header != nil {
					continue // the header list brings its own cookie
				}
				if h.length != 0 && ci > 0 {
					continue // a body's size is checked before anything else: once is enough
				}
				if passwordRoutes[rt.pattern] && (ci > 0 || h.body == nil) {
					continue // each try checks a password, which is slow by design: bodies only
				}
				u := srv.URL + path
				if h.query != "" {
					u += "?" + h.query
				}
				var body io.Reader
				if h.body != nil {
					body = h.body()
				}
				req, err := http.NewRequest(method, u, body)
				if err != nil {
					t.Fatal(err)
				}
				if h.body != nil {
					req.ContentLength = h.length
					if h.length == 0 {
						req.ContentLength = -1
						if sr, ok := body.(*strings.Reader); ok {
							req.ContentLength = int64(sr.Len())
						}
					}
					req.Header.Set("Content-Type", h.ctype)
				}
				if cred != nil {
					req.Header.Set(cred[0], cred[1])
				}
				for i := 0; i+1 < len(h.header); i += 2 {
					req.Header.Set(h.header[i], h.header[i+1])
				}
				runtime.ReadMemStats(&ms)
				before := ms.TotalAlloc
				res, err := client.Do(req)
				if err != nil {
					// The server may close the connection on a body it refused to read.
					if h.length != 0 {
						continue
					}
					t.Errorf("%s %s (%s): %v", method, path, h.name, err)
					continue
				}
				b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
				res.Body.Close()
				runtime.ReadMemStats(&ms)
				// The memory a password check takes by design is left out of the bound.
				if d := ms.TotalAlloc - before; d > worstAlloc && !passwordRoutes[rt.pattern] {
					worstAlloc, worst = d, method+" "+path+" ("+h.name+")"
				}
				n++
				if res.StatusCode >= 500 {
					t.Errorf("%s %s (%s, %v): %d %.300s", method, path, h.name, cred != nil, res.StatusCode, b)
				}
			}
		}
	}
	// A valid submission with hostile headers reaches the database: the referrer
	// becomes its page URL, the user agent a property.
	for _, hdr := range [][]string{
		{"Referer", "https://example.com/\xff\xfe?utm_source=\xc0&utm_campaign=%ff%00", "User-Agent", "Mozilla/5.0 \xff"},
		{"Referer", "https://example.com/" + strings.Repeat("\xe2\x80\xae", 15000), "User-Agent", strings.Repeat("\xf0\x9f", 20000)},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/f/authz", strings.NewReader("email=hostile-headers%40example.com"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header[hdr[i]] = []string{hdr[i+1]}
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Errorf("form post with headers %q: %d %.300s", hdr, res.StatusCode, b)
		}
	}
	t.Logf("%d hostile requests; the most memory one request allocated (client and server together): %.1f MiB, by %s",
		n, float64(worstAlloc)/(1<<20), worst)
	// The server reads at most 1 MiB of a body (256 KiB of a form post); decoding
	// and a copy or two of that may be allocated, but never the 10 MB it was sent.
	if worstAlloc > 8<<20 {
		t.Errorf("one request allocated %.1f MiB: %s reads more of a hostile body than it should", float64(worstAlloc)/(1<<20), worst)
	}
}

// corpusValues reads every value of the fuzz corpora kept in testdata/fuzz of the
// packages that parse outside input (Go's "go test fuzz v1" files).
func corpusValues(t *testing.T) map[string][][]byte {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("..", "*", "testdata", "fuzz", "Fuzz*"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]byte{}
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(bytes.NewReader(b))
			sc.Buffer(nil, 4<<20)
			for sc.Scan() {
				line := sc.Text()
				open := strings.Index(line, "(")
				if open < 0 || !strings.HasSuffix(line, ")") {
					continue
				}
				kind, lit := line[:open], line[open+1:len(line)-1]
				if kind != "string" && kind != "[]byte" {
					continue
				}
				v, err := strconv.Unquote(lit)
				if err != nil {
					continue
				}
				out[filepath.Base(dir)] = append(out[filepath.Base(dir)], []byte(v))
			}
		}
	}
	return out
}

// TestFuzzCorporaOverHTTP proves that the inputs the parsers' fuzzing found
// interesting are just as harmless at the HTTP endpoints that feed those parsers
// (docs/reliability.md, Hostile input): the ad-platform corpora go to their webhooks,
// signed or keyed as the platform would, and every string of every corpus is sent as
// an email, a phone, a page URL, a referrer, UTM values and names through the events
// API, the hosted form and the tracking endpoint. Nothing may answer 5xx, and every
// value the events API accepted as a custom property comes back byte for byte.
func TestFuzzCorporaOverHTTP(t *testing.T) {
	f := newAuthzFixture(t)
	admin := credential{header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}}
	if w := f.do("PUT", "/api/v1/integrations/google", admin, `{"key":"corpus-key"}`); w.Code != 200 {
		t.Fatalf("google: %d %s", w.Code, w.Body)
	}
	if w := f.do("PUT", "/api/v1/integrations/facebook", admin, `{"app_secret":"fb-secret","verify_token":"v"}`); w.Code != 200 {
		t.Fatalf("facebook: %d %s", w.Code, w.Body)
	}
	if w := f.do("PUT", "/api/v1/integrations/linkedin", admin, `{"client_secret":"li-secret"}`); w.Code != 200 {
		t.Fatalf("linkedin: %d %s", w.Code, w.Body)
	}
	corpora := corpusValues(t)
	if len(corpora) < 5 {
		t.Fatalf("only %d corpora found", len(corpora))
	}
	raw := func(method, path, ctype string, body []byte, hdr ...string) (int, string) {
		r := httptest.NewRequest(method, path, bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		r.RemoteAddr = "192.0.2.1:1234"
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	check := func(what string, code int, body string) {
		t.Helper()
		if code >= 500 {
			t.Errorf("%s: %d %.300s", what, code, body)
		}
	}
	webhooks := map[string]func(b []byte) (int, string){
		"FuzzGoogleLead": func(b []byte) (int, string) {
			// The key is put in where the platform puts it, so the lead is parsed.
			var m map[string]any
			if json.Unmarshal(b, &m) == nil {
				m["google_key"] = "corpus-key"
				b, _ = json.Marshal(m)
			}
			return raw("POST", "/webhooks/google-ads", "application/json", b)
		},
		"FuzzFacebookWebhook": func(b []byte) (int, string) {
			return raw("POST", "/webhooks/facebook", "application/json", b, "X-Hub-Signature-256", "sha256="+hmacHex("fb-secret", b))
		},
		"FuzzLinkedInNotification": func(b []byte) (int, string) {
			return raw("POST", "/webhooks/linkedin", "application/json", b, "X-LI-Signature", "hmacsha256="+hmacHex("li-secret", b))
		},
	}
	sent := 0
	for name, post := range webhooks {
		for _, b := range corpora[name] {
			code, body := post(b)
			check(name+" "+strconv.Quote(string(b)), code, body)
			sent++
		}
	}
	if sent < 50 {
		t.Fatalf("only %d webhook deliveries from the corpora", sent)
	}

	var values []string
	seen := map[string]bool{}
	for _, vs := range corpora {
		for _, v := range vs {
			if len(v) <= 4000 && !seen[string(v)] {
				seen[string(v)] = true
				values = append(values, string(v))
			}
		}
	}
	roundTrips := 0
	for i, v := range values {
		email := fmt.Sprintf("corpus%d@example.com", i)
		props := map[string]any{"probe": v, "page_url": v, "referrer": v, "utm_source": v, "utm_medium": v, "utm_campaign": v,
			"utm_term": v, "utm_content": v, "first_name": v, "company": v, "job_title": v}
		ev := map[string]any{"events": []any{
			map[string]any{"type": "form_submit", "email": email, "properties": props},
			map[string]any{"type": "form_submit", "email": v},
			map[string]any{"type": "call", "phone": v},
		}}
		b, _ := json.Marshal(ev)
		code, body := raw("POST", "/api/v1/events", "application/json", b, "Authorization", "Bearer "+f.keys[store.RoleAdmin])
		check("events with "+strconv.Quote(v), code, body)
		// The same value alone, so that one refused field does not hide the rest.
		one, _ := json.Marshal(map[string]any{"events": []any{map[string]any{"type": "note_added", "email": email, "properties": map[string]any{"probe": v}}}})
		if code, body := raw("POST", "/api/v1/events", "application/json", one, "Authorization", "Bearer "+f.keys[store.RoleAdmin]); code == 202 {
			var res struct {
				Results []struct {
					ContactID int64 `json:"contact_id"`
					EventID   int64 `json:"event_id"`
				} `json:"results"`
			}
			if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Results) != 1 {
				t.Fatalf("events answer: %s", body)
			}
			// What was sent is v as JSON carries it: encoding/json writes invalid UTF-8
			// as U+FFFD (raw invalid bytes are a case of TestHostileRequestsNeverFail).
			var sent struct {
				Events []struct{ Properties map[string]string }
			}
			_ = json.Unmarshal(one, &sent)
			if got := f.eventProperty(t, res.Results[0].ContactID, res.Results[0].EventID, "probe"); got != sent.Events[0].Properties["probe"] {
				t.Errorf("accepted %q, read back %q", sent.Events[0].Properties["probe"], got)
			}
			roundTrips++
		} else {
			check("probe "+strconv.Quote(v), code, body)
		}
		form := url.Values{"email": {v}, "first_name": {v}, "page_url": {v}, "referrer": {v}, "utm_source": {v}, "utm_campaign": {v}}
		code, body = raw("POST", "/f/authz", "application/x-www-form-urlencoded", []byte(form.Encode()), "Referer", "https://example.com/?q="+url.QueryEscape(v))
		check("form with "+strconv.Quote(v), code, body)
		hit, _ := json.Marshal(map[string]any{"type": "page_view", "visitor_id": fmt.Sprintf("v%d", i), "page_url": v, "referrer": v, "title": v, "email": v})
		code, body = raw("POST", "/collect", "application/json", hit, "User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
		check("collect with "+strconv.Quote(v), code, body)
	}
	t.Logf("%d webhook deliveries and %d corpus values sent; %d accepted values read back", sent, len(values), roundTrips)
	if roundTrips < len(values)/2 {
		t.Fatalf("only %d of %d values accepted: the probe is refused for a reason of its own", roundTrips, len(values))
	}
}

// eventProperty reads one property of one event through the API.
func (f *authzFixture) eventProperty(t *testing.T, contactID, eventID int64, key string) string {
	t.Helper()
	w := f.do("GET", "/api/v1/contacts/"+strconv.FormatInt(contactID, 10), credential{header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}})
	if w.Code != 200 {
		t.Fatalf("contact %d: %d %s", contactID, w.Code, w.Body)
	}
	var c struct {
		Timeline []struct {
			ID         int64          `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Timeline {
		if e.ID == eventID {
			s, _ := e.Properties[key].(string)
			return s
		}
	}
	t.Fatalf("event %d not on contact %d's timeline", eventID, contactID)
	return ""
}

func hmacHex(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// TestLongProfileFieldsAreRefusedByName sends each profile field of a contact (names,
// company, job title, address, country) 3,000 random letters long through the events
// API and the hosted form, as JSON and URL-encoded. PostgreSQL keeps the country and
// the name-and-company duplicate key in B-tree indexes, whose entries must stay under
// 2,704 bytes: such a value was a 500 there (and on the public form and the ad-platform
// webhooks, which the platform then redelivers for ever), while SQLite stored it. Now
// both engines refuse it with a 4xx naming the field, and store nothing; a value at
// the limit is taken. An ad-platform lead, which its sender cannot correct, is kept
// with the long values cut to the limit and written out whole among its answers.
func TestLongProfileFieldsAreRefusedByName(t *testing.T) {
	f := newAuthzFixture(t)
	ctx := context.Background()
	admin := credential{header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}}
	rng := rand.New(rand.NewPCG(1, 2))
	letters := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	fields := []string{"first_name", "last_name", "job_title", "company", "street", "postal_code", "city", "region", "country"}
	def, _ := json.Marshal(map[string]any{"slug": "profile", "name": "Profile", "fields": append([]string{"email"}, fields...)})
	if w := f.do("POST", "/api/v1/forms", admin, string(def)); w.Code != http.StatusCreated {
		t.Fatalf("create form: %d %s", w.Code, w.Body)
	}
	stored := func(email string) bool {
		t.Helper()
		page, err := f.srv.store.Contacts(ctx, store.ContactFilter{Email: email})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Contacts) > 0
	}
	post := func(ctype, body string, n int) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/f/profile", strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		r.RemoteAddr = fmt.Sprintf("192.0.2.%d:1234", n%250+1)
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		return w
	}
	for i, name := range fields {
		long := letters(3000)
		props := map[string]any{"first_name": "Ann", "company": "Acme", name: long}
		email := fmt.Sprintf("long-%s@example.com", name)
		b, _ := json.Marshal(map[string]any{"events": []any{map[string]any{"type": "form_submit", "email": email, "properties": props}}})
		w := f.do("POST", "/api/v1/events", admin, string(b))
		if want := `"field":"events[0].properties.` + name + `"`; w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), want) {
			t.Errorf("events with a long %s: %d %.300s, want 400 with %s", name, w.Code, w.Body, want)
		}

		if name == "region" {
			continue // not a standard field of forms: a form's region is a custom field
		}
		props["email"] = "form-" + email
		b, _ = json.Marshal(props)
		if w := post("application/json", string(b), 2*i); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"field":"`+name+`"`) {
			t.Errorf("JSON form post with a long %s: %d %.300s, want 400 naming it", name, w.Code, w.Body)
		}
		v := url.Values{"email": {"page-" + email}, "first_name": {"Ann"}, "company": {"Acme"}}
		v.Set(name, long)
		if w := post("application/x-www-form-urlencoded", v.Encode(), 2*i+1); w.Code != http.StatusUnprocessableEntity {
			t.Errorf("form post with a long %s: %d %.300s, want 422", name, w.Code, w.Body)
		}
		for _, e := range []string{email, "form-" + email, "page-" + email} {
			if stored(e) {
				t.Errorf("%s was stored although its %s was refused", e, name)
			}
		}
	}
	if stored("long-region@example.com") {
		t.Error("an event with a long region was stored")
	}

	// At the limit, every field at once is taken by both engines.
	props := map[string]any{}
	for _, name := range fields {
		props[name] = letters(500)
	}
	b, _ := json.Marshal(map[string]any{"events": []any{map[string]any{"type": "form_submit", "email": "at-limit@example.com", "properties": props}}})
	if w := f.do("POST", "/api/v1/events", admin, string(b)); w.Code != http.StatusAccepted {
		t.Fatalf("events at the limit: %d %.300s", w.Code, w.Body)
	}

	// An ad-platform lead is kept, cut to the limit, with the whole values among its answers.
	if w := f.do("PUT", "/api/v1/integrations/google", admin, `{"key":"long-key"}`); w.Code != 200 {
		t.Fatalf("google: %d %s", w.Code, w.Body)
	}
	country, company := letters(3000), letters(3000)
	lead, _ := json.Marshal(map[string]any{"lead_id": "long-1", "google_key": "long-key", "campaign_id": 7, "user_column_data": []any{
		map[string]any{"column_id": "EMAIL", "string_value": "ad-long@example.com"},
		map[string]any{"column_id": "FIRST_NAME", "string_value": "Ann"},
		map[string]any{"column_id": "COMPANY_NAME", "string_value": company},
		map[string]any{"column_id": "COUNTRY", "string_value": country},
	}})
	r := httptest.NewRequest("POST", "/webhooks/google-ads", bytes.NewReader(lead))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("ad lead with long values: %d %.300s", w.Code, w.Body)
	}
	page, err := f.srv.store.Contacts(ctx, store.ContactFilter{Email: "ad-long@example.com"})
	if err != nil || len(page.Contacts) != 1 {
		t.Fatalf("ad lead not stored: %v %v", page, err)
	}
	if c := page.Contacts[0]; c.Country != country[:500] || c.CompanyName != company[:500] {
		t.Errorf("ad lead's country and company are %d and %d bytes, want both cut to 500", len(c.Country), len(c.CompanyName))
	}
	tl, err := f.srv.store.Timeline(ctx, page.Contacts[0].ID, store.TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	whole := false
	for _, e := range tl {
		if a, ok := e.Properties["answers"].(map[string]any); ok && a["country"] == country && a["company"] == company {
			whole = true
		}
	}
	if !whole {
		t.Error("the ad lead's whole country and company are not among its answers")
	}
}

// TestIdempotencyKeySurvivesAHangUp proves that a retry with an Idempotency-Key
// gets an answer when the first try's caller hung up (a client timeout, the very
// reason to retry) or its handler panicked. The claim on the key was written, then
// neither kept an answer nor let go (both were written with the cancelled request's
// context, or not at all), so every retry waited 30 seconds for a request long gone
// and got a 409, for the 24 hours keys are kept. Now a claimed request runs to its
// end whatever its caller does, and the retry gets its answer; a panic lets the key go.
func TestIdempotencyKeySurvivesAHangUp(t *testing.T) {
	f := newAuthzFixture(t)
	key := f.keys[store.RoleAdmin]
	send := func(h http.Handler, ctx context.Context, idem, body string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest("POST", "/api/v1/campaigns", strings.NewReader(body)).WithContext(ctx)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+key)
		r.Header.Set("Idempotency-Key", idem)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	// A retry waits at most two seconds here, not the 30 the server allows.
	retry := func(idem, body string) *httptest.ResponseRecorder {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return send(f.srv, ctx, idem, body)
	}
	campaigns := func(name string) int {
		list, err := f.srv.store.Campaigns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range list {
			if c.Name == name {
				n++
			}
		}
		return n
	}

	// The caller hangs up while the campaign is being created.
	ctx, hangUp := context.WithCancel(context.Background())
	defer hangUp()
	body := `{"name":"Hung up","channel":"event"}`
	first := f.srv.api(auth.ManageMarketing, func(w http.ResponseWriter, r *http.Request) error {
		hangUp()
		return f.srv.handleCreateCampaign(w, r)
	})
	send(first, ctx, "hang-up", body)
	w := retry("hang-up", body)
	if w.Code != http.StatusCreated || w.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry after a hang-up: %d %q (replayed %q), want the first try's 201 again", w.Code, w.Body, w.Header().Get("Idempotent-Replayed"))
	}
	if n := campaigns("Hung up"); n != 1 {
		t.Errorf("%d campaigns made by a request and its retry, want 1", n)
	}

	// The handler panics: the key is let go, and the retry runs.
	body = `{"name":"After a panic","channel":"event"}`
	boom := f.srv.recoverPanics(f.srv.api(auth.ManageMarketing, func(http.ResponseWriter, *http.Request) error { panic("boom") }))
	if w := send(boom, context.Background(), "panic", body); w.Code != http.StatusInternalServerError {
		t.Fatalf("panicking handler: %d %s", w.Code, w.Body)
	}
	if w := retry("panic", body); w.Code != http.StatusCreated {
		t.Errorf("retry after a panic: %d %q, want 201", w.Code, w.Body)
	}
	if n := campaigns("After a panic"); n != 1 {
		t.Errorf("%d campaigns after a panic and a retry, want 1", n)
	}
}

// TestMoneyTotalsNeverOverflow imports 9,300 cost entries of the largest amount a
// row may hold, and records deals of large amounts. The costs summed past int64: the
// import answered 201 with a negative total, and from then on the campaign list and
// every report were a 500 on both engines (SQLite: integer overflow; PostgreSQL: a
// sum out of range). Now the workspace's costs and deals each stop at
// store.MaxMoneyTotal: the import (dry run too) is a 400 naming the file and
// records nothing, a deal past it a 400 naming the amount, and the reports answer.
func TestMoneyTotalsNeverOverflow(t *testing.T) {
	f := newAuthzFixture(t)
	ctx := context.Background()
	admin := credential{header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}}
	camp, err := f.srv.store.CreateCampaign(ctx, store.Campaign{Name: "Huge", Channel: "email"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("date,campaign,amount,hours\n")
	for range 9300 {
		csv.WriteString("2026-02-01,Huge,9999999999999.99,0\n")
	}
	for _, q := range []string{"?dry_run=true", ""} {
		r := httptest.NewRequest("POST", "/api/v1/costs/import"+q, strings.NewReader(csv.String()))
		r.Header.Set("Content-Type", "text/csv")
		r.Header.Set("Authorization", "Bearer "+f.keys[store.RoleAdmin])
		w := httptest.NewRecorder()
		f.srv.ServeHTTP(w, r)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"field":"file"`) {
			t.Errorf("import%s of 9,300 entries of the largest amount: %d %.300s, want 400 naming the file", q, w.Code, w.Body)
		}
	}
	if costs, err := f.srv.store.Costs(ctx, camp.ID); err != nil || len(costs) != 0 {
		t.Fatalf("%d cost entries stored after a refused import (%v)", len(costs), err)
	}
	// Up to the bound, entries are taken; past it, the one that crosses it is refused.
	path := "/api/v1/campaigns/" + strconv.FormatInt(camp.ID, 10) + "/costs"
	taken := 0
	for i := range 200 {
		w := f.do("POST", path, admin, `{"date":"2026-02-02","amount":"9999999999999.99"}`)
		if w.Code == http.StatusCreated {
			taken++
			continue
		}
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"field":"amount"`) {
			t.Fatalf("cost %d: %d %s", i, w.Code, w.Body)
		}
		break
	}
	if taken == 0 || taken == 200 {
		t.Errorf("%d entries of the largest amount taken, want the bound to stop them", taken)
	}
	// Deals the same way, through the store (the API takes one amount at a time).
	contact := f.values["id"]
	id, _ := strconv.ParseInt(contact, 10, 64)
	for i := range 4 {
		_, err := f.srv.store.CreateDeal(ctx, store.Deal{ContactID: id, Amount: 3_000_000_000_000_000_000, Status: store.DealWon}, "test")
		if i == 0 && !errs.Is(err, errs.Invalid) {
			t.Fatalf("a deal of 3·10^16: %v, want refused", err)
		}
	}
	if w := f.do("POST", "/api/v1/deals", admin, `{"contact_id":`+contact+`,"amount":"9999999999999.99","status":"won"}`); w.Code != http.StatusCreated {
		t.Fatalf("a deal of the largest amount: %d %s", w.Code, w.Body)
	}
	for _, p := range []string{"/api/v1/campaigns", "/api/v1/campaigns/" + strconv.FormatInt(camp.ID, 10),
		"/api/v1/reports/sources?from=2026-01-01&to=2027-01-01", "/api/v1/reports/sources?from=2026-01-01&to=2027-01-01&group_by=campaign&model=linear",
		"/api/v1/reports/trend?from=2026-01-01&to=2027-01-01", "/api/v1/reports/quality?from=2026-01-01&to=2027-01-01"} {
		if w := f.do("GET", p, admin); w.Code != http.StatusOK {
			t.Errorf("GET %s: %d %.300s", p, w.Code, w.Body)
		}
	}
}

// TestHostilePathValuesNeverFail fills every wildcard of every route of the table
// ({slug}, {code}, {id}, {platform}, …) with values no object has: a NUL byte, bytes
// that are not UTF-8, a dot-dot, a huge number and 3,000 characters, and sends the
// route's method with an admin's key and without credentials. TestHostileRequests
// fills the wildcards with real objects only; a form slug or a campaign link code with
// a NUL or invalid UTF-8 went to PostgreSQL as it was and was a 500 on the public
// form and short-link routes. Nothing may answer 5xx.
func TestHostilePathValuesNeverFail(t *testing.T) {
	f := newAuthzFixture(t)
	values := []string{"%00", "%FF%FE", "a%00b", "..%2F..%2Fetc", "99999999999999999999", "-1", strings.Repeat("x", 3000), "%C0%AF"}
	n := 0
	for _, rt := range f.srv.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if !wildcard.MatchString(path) {
			continue
		}
		for _, v := range values {
			p := wildcard.ReplaceAllString(path, v)
			for _, c := range []credential{{header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}}, {}} {
				r := httptest.NewRequest(method, p, strings.NewReader("{}"))
				r.Header.Set("Content-Type", "application/json")
				r.RemoteAddr = fmt.Sprintf("192.0.2.%d:1234", n%250+1)
				for i := 0; i+1 < len(c.header); i += 2 {
					r.Header.Set(c.header[i], c.header[i+1])
				}
				w := httptest.NewRecorder()
				f.srv.ServeHTTP(w, r)
				n++
				if w.Code >= 500 {
					t.Errorf("%s %s: %d %.300s", method, p, w.Code, w.Body)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d requests: the routes with wildcards were not found", n)
	}
}

// TestStaticSegmentWithABadContactLeavesNothing creates a static segment with a list
// whose second id is no contact's. The segment was created, then its list added in a
// second transaction, and on a refusal deleted again: the audit log kept a creation and
// a deletion, and a caller who hung up meanwhile (the delete ran with its context) left
// the segment behind. Now the segment and its members are one transaction: a 400
// naming the id, and nothing written, the audit log included.
func TestStaticSegmentWithABadContactLeavesNothing(t *testing.T) {
	f := newAuthzFixture(t)
	ctx := context.Background()
	admin := credential{header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}}
	before, err := f.srv.store.Audit(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	w := f.do("POST", "/api/v1/segments", admin, `{"name":"Fair","kind":"static","contact_ids":[`+f.values["id"]+`,999999]}`)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"field":"contact_ids[1]"`) {
		t.Fatalf("static segment with an unknown contact: %d %s", w.Code, w.Body)
	}
	if list, err := f.srv.store.Segments(ctx); err != nil || len(list) != 0 {
		t.Fatalf("%d segments after a refused creation (%v)", len(list), err)
	}
	after, err := f.srv.store.Audit(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("the refused creation left %d audit entries: %s", len(after)-len(before), after[0].Action)
	}
	// With good ids, the segment and its members come at once.
	w = f.do("POST", "/api/v1/segments", admin, `{"name":"Fair","kind":"static","contact_ids":[`+f.values["id"]+`]}`)
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"members":1`) {
		t.Fatalf("static segment: %d %s", w.Code, w.Body)
	}
}
