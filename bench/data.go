package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The seeded people are made from fixed word lists by a hash of their number, so every
// run has the same data and the harness knows which search words are common, rare or
// absent: a first name is on about 1 % of contacts, a last name on about 0.1 %, a
// company on about 0.01 %.
var firstNames = strings.Fields(`anna ben carla dmitri elena farid greta hugo ines jonas karin luca maja nils olga
	pavel quentin rosa sven tara ulrich vera wim xenia yusuf zoe amir bianca cedric dalia emil fiona georg hanna ivan
	julia kasper lena marek nadia oskar petra rafael sofia tobias ursula viktor wanda xaver yara zeno adele bruno
	clara dario edith felix gina henrik ida jakob kira lars mila noah ottilie pia ruben selma timo uma valentin wilma
	yann zita alma boris cora david ella frida gustav helga igor jana kurt lotte moritz nora olaf paula rolf stella
	theo una vinzenz`)

var syllables = strings.Fields(`bar cor dan fel gor hal kin lom mar nor pel quor ras sel tor ulm vor wen yar zel
	ash bri cla dro eth fry gla hil ist jor`)

var endings = strings.Fields(`berg dorf feld hagen holm lund mann rath stein wald son ley ford wick`)

var companyHeads = strings.Fields(`acu blue bright cedar delta echo ember frost gale harbor iron jade kite lumen maple
	nova oak pine quartz raven silver terra ultra vista willow zephyr amber birch coral dune flint granite hazel indigo
	juniper krypton lark meadow nimbus onyx pebble quill ridge sable tundra umber velvet wren yonder zinc alpine basil
	cobalt drift`)

var companyTails = strings.Fields(`works labs systems logic soft data metrics forge craft point line scale stack wave
	grid core loop path shift yard mill port gate field bridge sphere cloud dock ware base tech mind flow form trail
	cast mark spark nest hub vault lane crest peak well frame signal pulse`)

var cities = strings.Fields(`berlin hamburg munich vienna zurich paris lyon madrid lisbon milan rome amsterdam
	brussels copenhagen oslo stockholm helsinki warsaw prague dublin london manchester boston austin denver toronto`)

var titles = []string{"Head of Marketing", "Marketing Manager", "CEO", "CTO", "Sales Director", "Office Manager",
	"Founder", "Growth Lead", "Purchasing Manager", "IT Manager", "Operations Lead", "Consultant"}

// mix spreads a contact number over 64 bits, so each list is picked independently.
func mix(i uint64) uint64 {
	i ^= i >> 33
	i *= 0xff51afd7ed558ccd
	i ^= i >> 33
	i *= 0xc4ceb9fe1a85ec53
	i ^= i >> 33
	return i
}

func lastName(k int) string {
	return syllables[k%len(syllables)] + syllables[(k/len(syllables))%len(syllables)] + endings[(k/900)%len(endings)]
}

func companyName(k int) string {
	return companyHeads[k%len(companyHeads)] + companyTails[(k/len(companyHeads))%len(companyTails)]
}

// person is the seeded contact number i.
type person struct {
	First, Last, Company, Email, City, Title, Type string
}

func personOf(i int) person {
	h := mix(uint64(i) + 1)
	p := person{
		First:   firstNames[h%uint64(len(firstNames))],
		Last:    lastName(int((h >> 8) % 1000)),
		Company: companyName(int((h >> 20) % 10000)),
		City:    cities[(h>>36)%uint64(len(cities))],
		Title:   titles[(h>>44)%uint64(len(titles))],
	}
	p.Email = fmt.Sprintf("%s.%s.%07d@%s.com", p.First, p.Last, i, p.Company)
	// Three in four capture a lead; the rest sign up for the newsletter (mql) or ask
	// for a demo (sql), so stage=lead selects about 75 % of the contacts.
	switch (h >> 52) % 20 {
	case 0, 1:
		p.Type = "demo_request"
	case 2, 3, 4:
		p.Type = "newsletter_signup"
	default:
		p.Type = "form_submit"
	}
	return p
}

// eventJSON is one event of POST /api/v1/events.
type eventJSON struct {
	Type       string            `json:"type"`
	Email      string            `json:"email"`
	OccurredAt string            `json:"occurred_at"`
	Properties map[string]string `json:"properties"`
}

var utmSources = []struct{ source, medium, campaign string }{
	{"google", "cpc", "brand-search"}, {"newsletter", "email", "spring-news"}, {"linkedin", "social", ""},
	{"", "", ""}, {"bing", "cpc", "generic"}, {"partner-site", "referral", ""},
}

// captureEvent is the event that makes seeded contact i: a form submit, newsletter
// sign-up or demo request with the person's profile and UTM parameters, dated over
// the last 180 days in contact order.
func captureEvent(i, total int, now time.Time) eventJSON {
	p := personOf(i)
	u := utmSources[i%len(utmSources)]
	props := map[string]string{"first_name": p.First, "last_name": p.Last, "company": p.Company, "job_title": p.Title,
		"city": p.City, "country": "DE", "page_url": "https://www.example.com/contact?utm_source=" + u.source + "&utm_medium=" + u.medium + "&utm_campaign=" + u.campaign}
	at := now.Add(-180 * 24 * time.Hour).Add(time.Duration(float64(180*24*time.Hour) * float64(i) / float64(max(total, 1))))
	return eventJSON{Type: p.Type, Email: p.Email, OccurredAt: at.UTC().Format(time.RFC3339), Properties: props}
}

var activityTypes = []string{"page_view", "email_open", "email_click", "webinar_attended"}

// activityEvent is event n of a known contact: what tracking and email send most.
func activityEvent(email string, n int, at time.Time) eventJSON {
	t := activityTypes[n%len(activityTypes)]
	props := map[string]string{"page_url": "https://www.example.com/blog/post-" + strconv.Itoa(n%50)}
	if t == "email_click" || t == "email_open" {
		props = map[string]string{"email": "spring-news-" + strconv.Itoa(n%4), "page_url": "https://www.example.com/spring?utm_source=newsletter&utm_medium=email"}
	}
	return eventJSON{Type: t, Email: email, OccurredAt: at.UTC().Format(time.RFC3339Nano), Properties: props}
}

// client is an HTTP client for one server, with the admin key; it refuses any host
// but 127.0.0.1 and follows no redirects.
type client struct {
	base string
	key  string
	hc   *http.Client
}

func newClient(base, key string) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64, IdleConnTimeout: time.Minute}
	return &client{base: base, key: key, hc: &http.Client{Transport: tr, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns the status and body; a 5xx is an error.
func (c *client) do(ctx context.Context, method, path string, body []byte, hdr ...string) (int, []byte, error) {
	if err := loopbackOnly(c.base); err != nil {
		return 0, nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode >= 500 {
		err = fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return res.StatusCode, b, err
}

// ingest posts one batch of events and returns the contact ids it touched.
func (c *client) ingest(ctx context.Context, events []eventJSON) ([]int64, error) {
	body, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		return nil, err
	}
	st, b, err := c.do(ctx, "POST", "/api/v1/events", body)
	if err != nil {
		return nil, err
	}
	if st != http.StatusAccepted {
		return nil, fmt.Errorf("POST /api/v1/events: %d %s", st, b)
	}
	var out struct {
		Results []struct {
			ContactID int64 `json:"contact_id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	ids := make([]int64, len(out.Results))
	for i, r := range out.Results {
		ids[i] = r.ContactID
	}
	return ids, nil
}
