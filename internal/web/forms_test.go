package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/web"
)

const contactForm = `{"slug":"contact-us","name":"Contact us","campaign_id":0,
	"fields":["email","first_name",{"name":"company","required":true},{"name":"interest","type":"select","options":["CRM","Reports"]}],
	"consents":[{"purpose":"marketing_email","label":"Send me the monthly newsletter","version":"2026-01"}],
	"page":{"headline":"Talk to <b>sales</b>","accent_color":"#0a7d5a"},
	"thank_you":{"message":"Thanks!","lead_magnet_url":"https://files.example.com/guide.pdf","lead_magnet_label":"Get the guide"},
	"fill_time":{"required":true}}`

// noRedirect keeps a browser post's redirect visible to the test.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func postForm(t *testing.T, srv string, slug string, v url.Values, hdr ...string) (*http.Response, string) {
	t.Helper()
	return rawPost(t, srv+"/f/"+slug, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()), hdr...)
}

var stampRe = regexp.MustCompile(`name="_ts" value="([^"]+)"`)

func TestFormDefinitionRefusals(t *testing.T) {
	e := newAPIEnv(t)
	for _, tt := range []struct{ body, field string }{
		{`{"slug":"Bad Slug","name":"x","fields":["email"]}`, "slug"},
		{`{"slug":"ok","name":"","fields":["email"]}`, "name"},
		{`{"slug":"ok","name":"x","fields":["first_name"]}`, "fields"},
		{`{"slug":"ok","name":"x","fields":["email","email"]}`, "fields[1].name"},
		{`{"slug":"ok","name":"x","fields":["email",{"name":"x","type":"radio"}]}`, "fields[1].type"},
		{`{"slug":"ok","name":"x","fields":["email",{"name":"x","type":"select"}]}`, "fields[1].options"},
		{`{"slug":"ok","name":"x","fields":["email",{"name":"utm_source"}]}`, "fields[1].name"},
		{`{"slug":"ok","name":"x","fields":["email"],"consents":[{"purpose":"spam","label":"x"}]}`, "consents[0].purpose"},
		{`{"slug":"ok","name":"x","fields":["email"],"page":{"accent_color":"red;}"}}`, "page.accent_color"},
		{`{"slug":"ok","name":"x","fields":["email"],"page":{"background_color":"</style>"}}`, "page.background_color"},
		{`{"slug":"ok","name":"x","fields":["email"],"thank_you":{"redirect_url":"javascript:alert(1)"}}`, "thank_you.redirect_url"},
		{`{"slug":"ok","name":"x","fields":["email"],"kind":"webinar"}`, "kind"},
		{`{"slug":"ok","name":"x","fields":["email"],"campaign_id":99}`, "campaign_id"},
		// Text the submission path or PostgreSQL refuses is refused with the form: a NUL
		// in the name was a 500 on PostgreSQL, one in a consent's version a 500 on every
		// post that gave the consent, one in a hidden default made every post a 400.
		{`{"slug":"ok","name":"x\u0000","fields":["email"]}`, "name"},
		{`{"slug":"ok","name":"x","fields":["email",{"name":"c","type":"hidden","default":"a\u0000"}]}`, "fields[1].default"},
		{`{"slug":"ok","name":"x","fields":["email",{"name":"c","type":"select","options":["a","\u0000"]}]}`, "fields[1].options[1]"},
		{`{"slug":"ok","name":"x","fields":["email",{"name":"c","type":"select","options":[" "]}]}`, "fields[1].options[0]"},
		{`{"slug":"ok","name":"x","fields":["email",{"name":"c","type":"select","options":["a","a"]}]}`, "fields[1].options[1]"},
		{`{"slug":"ok","name":"x","fields":["email"],"consents":[{"purpose":"marketing_email","label":"x","version":"v\u0000"}]}`, "consents[0].version"},
		// A hidden profile field's default longer than a profile value may be.
		{`{"slug":"ok","name":"x","fields":["email",{"name":"company","type":"hidden","default":"` + strings.Repeat("a", 501) + `"}]}`, "fields[1].default"},
	} {
		r := e.do("POST", "/api/v1/forms", e.token, tt.body)
		if r.status < 400 || r.status >= 500 || !strings.Contains(string(r.body), `"field":"`+tt.field+`"`) {
			t.Errorf("%s: %d %s; want field %s", tt.body, r.status, r.body, tt.field)
		}
	}
	if r := e.do("POST", "/api/v1/forms", e.keys["sales"], contactForm); r.status != 403 {
		t.Errorf("sales created a form: %d", r.status)
	}
}

func TestHostedFormJourney(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	if _, err := e.s.CreateCampaign(ctx, store.Campaign{Name: "Spring", Channel: "paid_search", UTMCampaign: "spring"}, "test"); err != nil {
		t.Fatal(err)
	}
	r := e.do("POST", "/api/v1/forms", e.token, contactForm)
	if r.status != 201 || !strings.Contains(string(r.body), `"url":`) {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/forms", e.token, contactForm); r.status != 409 {
		t.Fatalf("duplicate slug: %d %s", r.status, r.body)
	}

	// The visitor arrives from an ad link; the page carries its UTM and referrer.
	req, _ := http.NewRequest("GET", e.srv.URL+"/f/contact-us?utm_source=google&utm_medium=cpc&utm_campaign=spring", nil)
	req.Header.Set("Referer", "https://www.google.com/")
	shown := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	html := string(page)
	if res.StatusCode != 200 || !strings.Contains(html, `name="utm_campaign" value="spring"`) || !strings.Contains(html, `name="referrer" value="https://www.google.com/"`) {
		t.Fatalf("hosted page: %d\n%s", res.StatusCode, html)
	}
	if strings.Contains(html, "<b>sales</b>") || !strings.Contains(html, "Talk to &lt;b&gt;sales&lt;/b&gt;") {
		t.Fatal("headline not escaped")
	}
	stamp := stampRe.FindStringSubmatch(html)[1]

	v := url.Values{"email": {"Zoe@Acme.io"}, "first_name": {"Zoë"}, "company": {"Acme"}, "interest": {"CRM"}, "consent_marketing_email": {"yes"},
		"utm_source": {"google"}, "utm_medium": {"cpc"}, "utm_campaign": {"spring"}, "referrer": {"https://www.google.com/"},
		"page_url": {e.srv.URL + "/f/contact-us?utm_source=google"}, "_ts": {stamp}}
	// Too fast for a person: refused, nothing stored.
	if res, body := postForm(t, e.srv.URL, "contact-us", v); res.StatusCode != 422 || !strings.Contains(body, "quicker than a person") {
		t.Fatalf("instant post: %d %s", res.StatusCode, body)
	}
	v.Set("_ts", "1700000000.deadbeef")
	if res, _ := postForm(t, e.srv.URL, "contact-us", v); res.StatusCode != 422 {
		t.Fatalf("forged stamp: %d", res.StatusCode)
	}
	// Without a stamp the form asks to be sent again, and the page it shows carries one
	// from now, not one old enough to be sent at once.
	v.Del("_ts")
	if res, body := postForm(t, e.srv.URL, "contact-us", v); res.StatusCode != 422 || !strings.Contains(body, "press the button again") ||
		!stampRe.MatchString(body) || stampRe.FindStringSubmatch(body)[1] < strconv.FormatInt(shown.Unix(), 10) {
		t.Fatalf("post without a stamp: %d %s", res.StatusCode, body)
	}
	if n, _ := e.s.CountContacts(ctx); n != 0 {
		t.Fatalf("%d contacts stored from refused posts", n)
	}
	// A person takes a moment to fill the form.
	time.Sleep(time.Until(shown.Add(capture.MinFillTime + 100*time.Millisecond)))
	v.Set("_ts", stamp)
	// Cross-site, as an embedded form on the customer's own site posts it.
	res, body := postForm(t, e.srv.URL, "contact-us", v, "Origin", "https://customer.example", "Sec-Fetch-Site", "cross-site")
	if res.StatusCode != 303 || res.Header.Get("Location") != "/f/contact-us/thanks" {
		t.Fatalf("post: %d %s %s", res.StatusCode, res.Header.Get("Location"), body)
	}
	page2 := e.do("GET", "/f/contact-us/thanks", "", "")
	if !strings.Contains(string(page2.body), "Get the guide") {
		t.Fatalf("thank-you page: %s", page2.body)
	}
	list, _ := e.s.Contacts(ctx, store.ContactFilter{Email: "zoe@acme.io"})
	if len(list.Contacts) != 1 {
		t.Fatal("contact not stored")
	}
	c := list.Contacts[0]
	if c.FirstName != "Zoë" || c.Custom["interest"] != "CRM" || c.Stage != "lead" || c.Company == nil || c.Company.Domain != "acme.io" {
		t.Fatalf("contact = %+v", c)
	}
	if c.FirstTouch == nil || c.FirstTouch.Channel != "paid_search" || c.FirstTouch.Campaign == nil || c.FirstTouch.Campaign.Name != "Spring" {
		t.Fatalf("first touch = %+v", c.FirstTouch)
	}
	cs, _ := e.s.Consents(ctx, c.ID)
	if got := cs[store.PurposeMarketingEmail]; !got.Granted || !strings.Contains(got.Wording, "2026-01") || got.Source != "form:contact-us" || got.IP == "" {
		t.Fatalf("consent = %+v", got)
	}

	// Refusals in the visitor's words, beside the field, values kept.
	res, body = postForm(t, e.srv.URL, "contact-us", url.Values{"email": {"not-an-email"}, "first_name": {"Kim"}, "interest": {"Other"}, "_ts": {stamp}})
	if res.StatusCode != 422 || !strings.Contains(body, "valid email address") || !strings.Contains(body, "Please fill in company") ||
		!strings.Contains(body, "choose one of the options") || !strings.Contains(body, `value="Kim"`) {
		t.Fatalf("refused post: %d %s", res.StatusCode, body)
	}
	// A filled honeypot looks like success and stores nothing.
	before, _ := e.s.CountContacts(ctx)
	if res, _ := postForm(t, e.srv.URL, "contact-us", url.Values{"email": {"bot@spam.example"}, "company": {"x"}, "_hp": {"http://spam"}}); res.StatusCode != 303 {
		t.Fatalf("honeypot: %d", res.StatusCode)
	}
	if after, _ := e.s.CountContacts(ctx); after != before {
		t.Fatal("honeypot submission stored")
	}

	// JSON posts get the contact id, or the API's error shape; the embed script sends
	// the stamp of definition.json.
	r = e.do("GET", "/f/contact-us/definition.json", "", "")
	var drawn struct{ Stamp string }
	if r.status != 200 || json.Unmarshal(r.body, &drawn) != nil || drawn.Stamp == "" {
		t.Fatalf("definition.json: %d %s", r.status, r.body)
	}
	time.Sleep(capture.MinFillTime)
	r = e.do("POST", "/f/contact-us", "", `{"email":"json@acme.io","company":"Acme","consent_marketing_email":true,"_ts":"`+drawn.Stamp+`"}`)
	if r.status != 201 || !strings.Contains(string(r.body), `"contact_id":`) {
		t.Fatalf("json post: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/f/contact-us", "", `{"email":"json2@acme.io","_ts":"`+drawn.Stamp+`"}`)
	if r.status != 400 || !strings.Contains(string(r.body), `"field":"company"`) {
		t.Fatalf("json refusal: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/f/contact-us", "", `{"email":{"a":1}}`)
	if r.status != 400 || !strings.Contains(string(r.body), `"field":"email"`) {
		t.Fatalf("json object value: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/f/contact-us", "", `x`, "Content-Type", "text/plain"); r.status != 415 {
		t.Fatalf("text/plain: %d", r.status)
	}
	big := url.Values{"email": {"a@b.com"}, "company": {strings.Repeat("x", 300<<10)}}
	if res, _ := postForm(t, e.srv.URL, "contact-us", big); res.StatusCode != 413 {
		t.Fatalf("300 KiB post: %d", res.StatusCode)
	}
	if r := e.do("GET", "/f/nope", "", ""); r.status != 404 {
		t.Fatalf("unknown form: %d", r.status)
	}
}

func TestFormKindsMakeStages(t *testing.T) {
	e := newAPIEnv(t)
	for kind, want := range map[string]string{"newsletter": "mql", "demo": "sql", "lead": "lead", "trial": "sql"} {
		body := fmt.Sprintf(`{"slug":"k-%s","name":"%s","kind":"%s","fields":["email"]}`, kind, kind, kind)
		if r := e.do("POST", "/api/v1/forms", e.token, body); r.status != 201 {
			t.Fatalf("%s: %d %s", kind, r.status, r.body)
		}
		email := kind + "@stage.example"
		if r := e.do("POST", "/f/k-"+kind, "", `{"email":"`+email+`"}`); r.status != 201 {
			t.Fatalf("%s post: %d %s", kind, r.status, r.body)
		}
		list, _ := e.s.Contacts(context.Background(), store.ContactFilter{Email: email})
		if got := list.Contacts[0].Stage; got != want {
			t.Errorf("%s form made stage %s, want %s", kind, got, want)
		}
	}
}

func TestFormRateLimit(t *testing.T) {
	e := newAPIEnv(t)
	h := web.New(e.s, config.Config{FormRateIP: 6, FormRateForm: 1000}, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	defer srv.Close()
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"rl","name":"rl","fields":["email"]}`); r.status != 201 {
		t.Fatal(r.status)
	}
	var last *http.Response
	for i := range 8 {
		last, _ = postForm(t, srv.URL, "rl", url.Values{"email": {fmt.Sprintf("r%d@example.com", i)}})
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("8th post in a burst: %d, Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

// TestSavedFormServedAtOnce: public form endpoints keep parsed forms for a few
// seconds, but a form saved through the API is served in its new wording at once.
func TestSavedFormServedAtOnce(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"offer","name":"Offer","fields":["email"],"page":{"headline":"Spring offer"}}`)
	if r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	id := int64(r.json(t)["id"].(float64))
	page := func() string {
		t.Helper()
		res, err := http.Get(e.srv.URL + "/f/offer")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if !strings.Contains(page(), "Spring offer") {
		t.Fatal("hosted page lacks its headline")
	}
	r = e.do("PUT", fmt.Sprintf("/api/v1/forms/%d", id), e.token, `{"slug":"offer","name":"Offer","fields":["email"],"page":{"headline":"Summer offer"}}`)
	if r.status != 200 {
		t.Fatalf("update form: %d %s", r.status, r.body)
	}
	if html := page(); !strings.Contains(html, "Summer offer") || strings.Contains(html, "Spring offer") {
		t.Fatal("hosted page still shows the old headline after the form was saved")
	}
}
