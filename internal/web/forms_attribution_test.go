package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// submission is the contact of email and the touch its form post made.
func submission(t *testing.T, s *store.Store, email string) (*store.Contact, *store.Event) {
	t.Helper()
	ctx := context.Background()
	list, err := s.Contacts(ctx, store.ContactFilter{Email: email})
	if err != nil || len(list.Contacts) != 1 {
		t.Fatalf("%s: %d contacts, %v", email, len(list.Contacts), err)
	}
	tl, err := s.Timeline(ctx, list.Contacts[0].ID, store.TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range tl {
		if ev.Type == "form_submit" {
			return list.Contacts[0], ev
		}
	}
	t.Fatalf("%s: no form_submit on the timeline", email)
	return nil, nil
}

// TestPlainFormRefererUTM: the plain HTML form posted with JavaScript off sends no UTM
// fields; the page it was on, the Referer, still names them, and the post is
// attributed to them.
func TestPlainFormRefererUTM(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"plain","name":"Plain","fields":["email"]}`); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	camp, err := e.s.CreateCampaign(context.Background(), store.Campaign{Name: "X", Channel: "email", UTMCampaign: "x"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	landing := "https://site.example/landing?utm_source=news&utm_medium=email&utm_campaign=x"
	if res, body := postForm(t, e.srv.URL, "plain", url.Values{"email": {"nojs@example.com"}}, "Referer", landing); res.StatusCode != 303 {
		t.Fatalf("post: %d %s", res.StatusCode, body)
	}
	c, touch := submission(t, e.s, "nojs@example.com")
	for k, want := range map[string]string{"page_url": landing, "utm_source": "news", "utm_medium": "email", "utm_campaign": "x"} {
		if got, _ := touch.Properties[k].(string); got != want {
			t.Errorf("touch %s = %q, want %q", k, got, want)
		}
	}
	if touch.Channel != "email" || touch.Campaign == nil || touch.Campaign.ID != camp.ID {
		t.Errorf("touch = %q %+v", touch.Channel, touch.Campaign)
	}
	if c.FirstTouch == nil || c.FirstTouch.Channel != "email" || c.FirstTouch.Campaign == nil || c.FirstTouch.Campaign.ID != camp.ID {
		t.Errorf("first touch = %+v", c.FirstTouch)
	}
	// UTM fields the post carries win over the Referer's.
	if res, _ := postForm(t, e.srv.URL, "plain", url.Values{"email": {"js@example.com"}, "utm_source": {"linkedin"}, "utm_medium": {"social"}, "utm_campaign": {"spring-li"}}, "Referer", landing); res.StatusCode != 303 {
		t.Fatalf("post with UTM fields: %d", res.StatusCode)
	}
	if _, touch := submission(t, e.s, "js@example.com"); touch.Properties["utm_source"] != "linkedin" || touch.Properties["utm_medium"] != "social" || touch.Channel != "social" {
		t.Errorf("post with UTM fields: %q %v", touch.Channel, touch.Properties)
	}
}

// TestFormFeatures: a form's campaign reaches the touch and the contact's first touch;
// a thank-you redirect sends the browser there; a checkbox field is kept.
func TestFormFeatures(t *testing.T) {
	e := newAPIEnv(t)
	camp, err := e.s.CreateCampaign(context.Background(), store.Campaign{Name: "Trade fair", Channel: "event", UTMCampaign: "fair"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"slug":"fair","name":"Fair","campaign_id":%d,
		"fields":["email",{"name":"wants_demo","label":"I want a demo","type":"checkbox"},{"name":"newsletter","label":"Newsletter","type":"checkbox"}],
		"thank_you":{"redirect_url":"https://www.example.com/thank-you?from=fair"}}`, camp.ID)
	if r := e.do("POST", "/api/v1/forms", e.token, body); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	res, page := postForm(t, e.srv.URL, "fair", url.Values{"email": {"fay@example.com"}, "wants_demo": {"yes"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "https://www.example.com/thank-you?from=fair" {
		t.Fatalf("post: %d, Location %q %s", res.StatusCode, res.Header.Get("Location"), page)
	}
	c, touch := submission(t, e.s, "fay@example.com")
	if touch.Campaign == nil || touch.Campaign.ID != camp.ID {
		t.Errorf("touch campaign = %+v, want the form's %d", touch.Campaign, camp.ID)
	}
	if c.FirstTouch == nil || c.FirstTouch.Campaign == nil || c.FirstTouch.Campaign.ID != camp.ID {
		t.Errorf("first touch = %+v", c.FirstTouch)
	}
	if c.Custom["wants_demo"] != "true" {
		t.Errorf("ticked checkbox stored as %#v (custom %v)", c.Custom["wants_demo"], c.Custom)
	}
	if _, ok := c.Custom["newsletter"]; ok {
		t.Errorf("unticked checkbox stored: %v", c.Custom)
	}
	// A JSON post is answered with the contact; the redirect is for browsers.
	if r := e.do("POST", "/f/fair", "", `{"email":"jay@example.com","wants_demo":true}`); r.status != 201 {
		t.Errorf("JSON post: %d %s", r.status, r.body)
	}
}

// TestPlainFormAskedAgainKeepsItsPage: a plain HTML form's post refused for its
// missing stamp is asked again on the hosted page, which carries the customer's page
// (the first post's Referer) on, so the second post keeps its UTM parameters.
func TestPlainFormAskedAgainKeepsItsPage(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"again","name":"Again","fields":["email"],"fill_time":{"required":true}}`); r.status != 201 {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	landing := "https://site.example/landing?utm_source=news&utm_medium=email&utm_campaign=x"
	res, body := postForm(t, e.srv.URL, "again", url.Values{"email": {"again@example.com"}}, "Referer", landing)
	if res.StatusCode != 422 {
		t.Fatalf("post without a stamp: %d", res.StatusCode)
	}
	m := regexp.MustCompile(`name="page_url" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil || html.UnescapeString(m[1]) != landing {
		t.Fatalf("the page asking again does not carry the customer's page: %v", m)
	}
	// A refusal of a post from Lodestone's own page carries no page of its own.
	if _, body := postForm(t, e.srv.URL, "again", url.Values{"email": {"x@example.com"}}, "Referer", e.srv.URL+"/f/again"); strings.Contains(body, `name="page_url"`) {
		t.Fatal("a post from the hosted page itself was given the hosted page as its page")
	}
	key, err := e.s.Secret(context.Background(), "forms")
	if err != nil {
		t.Fatal(err)
	}
	stamp := capture.IssueStamp(key, "again", time.Now().Add(-time.Minute))
	if res, body := postForm(t, e.srv.URL, "again", url.Values{"email": {"again@example.com"}, "page_url": {html.UnescapeString(m[1])}, "_ts": {stamp}}, "Referer", e.srv.URL+"/f/again"); res.StatusCode != 303 {
		t.Fatalf("second press: %d %s", res.StatusCode, body)
	}
	if _, touch := submission(t, e.s, "again@example.com"); touch.Properties["utm_source"] != "news" || touch.Channel != "email" {
		t.Errorf("second press: %q %v", touch.Channel, touch.Properties)
	}
}
