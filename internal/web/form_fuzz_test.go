package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// fuzzFormJSON is the form the hosted-form fuzzing posts to: every standard field,
// a custom text, select, checkbox and hidden field, and a required and an optional
// consent. TestFuzzCorporaOverHTTP creates it too, to replay the corpus over HTTP.
const fuzzFormJSON = `{"slug":"fuzz","name":"Fuzz","fields":[
	{"name":"email","required":true},"phone","first_name","last_name","company","job_title","website",
	"city","country","street","postal_code","age_band","message",
	{"name":"interest","type":"select","options":["Pricing","Demo","Ünïcode"]},
	{"name":"team_size","type":"text"},
	{"name":"newsletter","type":"checkbox"},
	{"name":"source_page","type":"hidden","default":"spring"}],
	"consents":[{"purpose":"marketing_email","label":"Send me news","version":"v2","required":true},
	{"purpose":"phone","label":"You may call me"}]}`

func fuzzForm(t testing.TB) *capture.FormDefinition {
	t.Helper()
	var d capture.FormDefinition
	if err := json.Unmarshal([]byte(fuzzFormJSON), &d); err != nil {
		t.Fatal(err)
	}
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	return &d
}

// FuzzParseSubmission feeds outside bodies to the hosted form's post parser, as a
// browser (URL-encoded) or a program (JSON) sends them: readFormValues, then
// capture.ParseSubmission against fuzzFormJSON. A body is refused with an error
// whose status is a 4xx, or its problems each name an input of the form; it never
// panics. A submission that is accepted holds only text both engines store (valid
// UTF-8, no NUL, within the profile bounds), keeps what was posted (the names and
// custom fields as trimmed, the email as normalised), and round-trips: posted
// again as the values it became, it becomes the same capture.
func FuzzParseSubmission(f *testing.F) {
	for _, s := range formPostSeeds {
		f.Add(s.json, []byte(s.body))
	}
	def := fuzzForm(f)
	f.Fuzz(func(t *testing.T, asJSON bool, body []byte) {
		checkFormPost(t, def, asJSON, body)
	})
}

// formPostSeeds are hand-written hostile posts: FuzzParseSubmission starts from them
// and TestFormCorpusOverHTTP sends them beside the corpus.
var formPostSeeds = []struct {
	json bool
	body string
}{
	{false, "email=ada%40example.com&consent_marketing_email=on"},
	{false, "email=Ada.Lovelace%40Example.COM&first_name=Ada&last_name=Lovelace&company=Analytical+Engines&job_title=CTO&phone=%2B49+30+1234567" +
		"&website=https%3A%2F%2Fwww.example.com%2F&city=London&country=GB&street=1+Main+St&postal_code=N1&age_band=25-34&message=Hi" +
		"&interest=Demo&team_size=12&newsletter=on&consent_marketing_email=1&consent_phone=1&utm_source=google&utm_medium=cpc" +
		"&utm_campaign=spring&page_url=https%3A%2F%2Fexample.com%2Fp%3Futm_source%3Dx&referrer=https%3A%2F%2Fwww.google.com%2F"},
	{false, "email=a%00%ff%40example.com&first_name=%ff%fe&company=%00&_ts=%ff&consent_marketing_email=1"},
	{false, "email=a%40example.com&email=b%40example.com&consent_marketing_email=1&interest=%C3%9Cn%C3%AFcode"},
	{false, "email=%E2%80%AEa%40example.com&first_name=%E2%80%AE%E2%80%8B&consent_marketing_email=1&source_page="},
	{false, "email=a%40example.com&consent_marketing_email=1&age_band=+25+to+34+&interest=pricing"},
	{false, "email=a%40example.com&consent_marketing_email=1&first_name=" + strings.Repeat("x", 501)},
	{false, "email=a%40example.com&consent_marketing_email=1&phone=0&website=%00"},
	{false, "%zz=1&email=%"},
	{false, ";;;&&&==="},
	{false, "email=\"a b\"%40example.com&consent_marketing_email=1"},
	{false, "email=a%40xn--nxasmq6b.example&consent_marketing_email=1"},
	{true, `{"email":"ada@example.com","consent_marketing_email":true,"team_size":12,"newsletter":false}`},
	{true, `{"email":"ada@example.com","consent_marketing_email":"yes","first_name":null,"phone":1e400}`},
	{true, `{"email":"ada@example.com","consent_marketing_email":true,"interest":["Demo"]}`},
	{true, `{"email":"ada@example.com","consent_marketing_email":true,"team_size":-0.0000001e-300,"message":"\u0000"}`},
	{true, `{"email":"\ud800@example.com","consent_marketing_email":true,"first_name":"\udfff\ufeff"}`},
	{true, `{"email":"ada@example.com","email":"eve@example.com","consent_marketing_email":true}`},
	{true, `null`},
	{true, `[1,2]`},
	{true, `{"a":` + strings.Repeat(`[`, 20000)},
	{true, "{\"email\":\"a\xff@example.com\",\"consent_marketing_email\":true}"},
	{true, `{"email":"ada@example.com"} {"email":"eve@example.com"}`},
	{true, ``},
}

var fuzzMeta = capture.SubmissionMeta{Slug: "fuzz", IP: "192.0.2.7", UserAgent: "Mozilla/5.0", Referrer: "https://example.com/landing?utm_source=news",
	Now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Region: "DE", NewsletterStage: "subscriber"}

func checkFormPost(t *testing.T, def *capture.FormDefinition, asJSON bool, body []byte) {
	ctype := "application/x-www-form-urlencoded"
	if asJSON {
		ctype = "application/json"
	}
	r := httptest.NewRequest(http.MethodPost, "/f/fuzz", bytes.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	_, values, err := readFormValues(httptest.NewRecorder(), r)
	if err != nil {
		if status := statusOf[errs.Code(err)]; status == 0 || status >= 500 {
			t.Fatalf("body %q: %v would be a %d", body, err, status)
		}
		return
	}
	c, problems := capture.ParseSubmission(def, values, fuzzMeta)
	inputs := map[string]bool{}
	for _, fd := range def.Fields {
		inputs[fd.Name] = true
	}
	for _, cs := range def.Consents {
		inputs[capture.ConsentInput(cs.Purpose)] = true
	}
	for _, p := range problems {
		if !inputs[p.Field] || p.Message == "" {
			t.Fatalf("body %q: a problem %q that names no input of the form", body, p)
		}
	}
	if len(problems) > 0 {
		return
	}
	checkStorable(t, body, c)
	field := func(name string) string { return strings.TrimSpace(values.Get(name)) }
	for name, got := range map[string]string{"first_name": c.Fields.FirstName, "last_name": c.Fields.LastName, "company": c.Fields.CompanyName,
		"job_title": c.Fields.JobTitle, "city": c.Fields.City, "country": c.Fields.Country, "street": c.Fields.Street, "postal_code": c.Fields.PostalCode} {
		if got != field(name) {
			t.Fatalf("body %q: %s %q was posted, %q kept", body, name, field(name), got)
		}
	}
	for _, name := range []string{"interest", "team_size", "source_page"} {
		want := field(name)
		if name == "source_page" && want == "" {
			want = "spring"
		}
		got, _ := c.Fields.Custom[name].(string)
		if got != want {
			t.Fatalf("body %q: custom %s %q was posted, %q kept", body, name, want, got)
		}
	}
	if c.Email == "" && c.Phone == "" {
		t.Fatalf("body %q: accepted without an email or a phone", body)
	}
	// Posted again as the values it became, it becomes the same capture.
	again := url.Values{}
	set := func(k, v string) {
		if v != "" {
			again.Set(k, v)
		}
	}
	set("email", c.Email)
	set("phone", c.Phone)
	set("first_name", c.Fields.FirstName)
	set("last_name", c.Fields.LastName)
	set("company", c.Fields.CompanyName)
	set("job_title", c.Fields.JobTitle)
	set("city", c.Fields.City)
	set("country", c.Fields.Country)
	set("street", c.Fields.Street)
	set("postal_code", c.Fields.PostalCode)
	set("age_band", c.Fields.AgeBand)
	for k, v := range c.Fields.Custom {
		s, _ := v.(string)
		set(k, s)
	}
	for _, k := range append([]string{"website", "message"}, capture.TrackingFields...) {
		s, _ := c.Properties[k].(string)
		set(k, s)
	}
	for _, cs := range c.Consents {
		set(capture.ConsentInput(cs.Purpose), "1")
	}
	c2, problems := capture.ParseSubmission(def, again, fuzzMeta)
	if len(problems) > 0 {
		t.Fatalf("body %q was accepted as %v, which posted again is refused: %v", body, again, problems)
	}
	if !reflect.DeepEqual(c, c2) {
		t.Fatalf("body %q: accepted as\n%+v\nposted again as %v, becomes\n%+v", body, c, again, c2)
	}
}

// checkStorable fails when a capture holds text neither engine stores as it is, or a
// profile field over its bound.
func checkStorable(t *testing.T, body []byte, c store.Capture) {
	t.Helper()
	bad := func(s string) bool { return !utf8.ValidString(s) || strings.ContainsRune(s, 0) }
	var texts []string
	texts = append(texts, c.Email, c.Phone, c.CompanyDomain, c.Fields.FirstName, c.Fields.LastName, c.Fields.CompanyName, c.Fields.JobTitle,
		c.Fields.City, c.Fields.Country, c.Fields.Street, c.Fields.PostalCode, c.Fields.AgeBand)
	for k, v := range c.Fields.Custom {
		s, _ := v.(string)
		texts = append(texts, k, s)
	}
	for k, v := range c.Properties {
		s, _ := v.(string)
		texts = append(texts, k, s)
	}
	for _, cs := range c.Consents {
		texts = append(texts, cs.Purpose, cs.Wording, cs.Source)
	}
	for _, s := range texts {
		if bad(s) {
			t.Fatalf("body %q: accepted %q, which is not storable text", body, s)
		}
	}
	if name := capture.ProfileFieldTooLong(c.Fields); name != "" {
		t.Fatalf("body %q: accepted %s over its bound", body, name)
	}
}
