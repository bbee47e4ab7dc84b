package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// printedCampaign is what the campaigns API answers of a campaign's printed link.
type printedCampaign struct {
	ID          int64  `json:"id"`
	ShortLink   string `json:"short_link"`
	QRCode      string `json:"qr_code"`
	UTMCampaign string `json:"utm_campaign"`
}

// createCampaign creates a campaign through the API and reads its printed link.
func (e *apiEnv) createCampaign(body string) printedCampaign {
	e.t.Helper()
	r := e.do("POST", "/api/v1/campaigns", e.token, body)
	if r.status != 201 {
		e.t.Fatalf("%d %s", r.status, r.body)
	}
	var camp printedCampaign
	if err := json.Unmarshal(r.body, &camp); err != nil {
		e.t.Fatal(err)
	}
	return camp
}

// A flyer's QR code leads to the landing page with the campaign's UTM parameters, and
// a lead who signs up there is attributed to the campaign.
func TestPrintedLinkAttributesToCampaign(t *testing.T) {
	e := newAPIEnv(t)
	camp := e.createCampaign(`{"name":"Trade Fair Berlin","channel":"event","landing_url":"` + e.srv.URL + `/f/fair?lang=de"}`)
	if camp.UTMCampaign != "trade-fair-berlin" || !strings.Contains(camp.ShortLink, "/c/") {
		t.Fatalf("campaign = %+v", camp)
	}
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"fair","name":"Fair","fields":["email"]}`); r.status != 201 {
		t.Fatal(r.status)
	}
	u, _ := url.Parse(camp.ShortLink)
	res, err := noRedirect.Get(e.srv.URL + u.Path + "?src=qr")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	q := loc.Query()
	if res.StatusCode != 302 || loc.Path != "/f/fair" || q.Get("lang") != "de" || q.Get("utm_campaign") != "trade-fair-berlin" || q.Get("utm_source") != "qr" || q.Get("utm_medium") != "event" {
		t.Fatalf("redirect: %d %s", res.StatusCode, loc)
	}
	// The landing page carries the UTM parameters into the post.
	page := e.do("GET", loc.RequestURI(), "", "")
	if !strings.Contains(string(page.body), `name="utm_campaign" value="trade-fair-berlin"`) {
		t.Fatal("landing page lost the UTM parameters")
	}
	v := url.Values{"email": {"visitor@fair.example"}, "utm_campaign": {"trade-fair-berlin"}, "utm_source": {"qr"}, "utm_medium": {"event"}}
	if res, _ := postForm(t, e.srv.URL, "fair", v); res.StatusCode != 303 {
		t.Fatalf("post: %d", res.StatusCode)
	}
	p, _ := e.s.Contacts(context.Background(), store.ContactFilter{Email: "visitor@fair.example"})
	ft := p.Contacts[0].FirstTouch
	if ft == nil || ft.Channel != "event" || ft.Campaign == nil || ft.Campaign.ID != camp.ID {
		t.Fatalf("first touch = %+v", ft)
	}
	for _, f := range []string{"qr.png", "qr.svg"} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/campaigns/1/"+f, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/") {
			t.Errorf("%s: %d %s", f, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	if r := e.do("GET", "/api/v1/campaigns/1/qr.gif", e.token, ""); r.status != 404 {
		t.Errorf("qr.gif: %d", r.status)
	}
	if r := e.do("GET", "/c/nope", "", ""); r.status != 404 {
		t.Errorf("unknown link: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/campaigns", e.token, `{"name":"X","channel":"event","landing_url":"ftp://x"}`); r.status != 400 {
		t.Errorf("ftp landing url: %d", r.status)
	}
}

func TestMailingListExport(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/events", e.token, `{"events":[
		{"type":"import","email":"a@post.example","properties":{"first_name":"=cmd()","last_name":"Ames","street":"1 Main St","postal_code":"10115","city":"Berlin","country":"DE"}},
		{"type":"import","email":"b@post.example","properties":{"first_name":"Bo"}}]}`)
	if r.status != 202 {
		t.Fatal(r.status, string(r.body))
	}
	csv := e.do("GET", "/api/v1/contacts/mailing-list.csv", e.keys["marketer"], "")
	body := string(csv.body)
	if csv.status != 200 || !strings.Contains(body, "'=cmd(),Ames,,1 Main St,10115,Berlin,,DE,a@post.example") || strings.Contains(body, "b@post.example") {
		t.Fatalf("export: %d %q", csv.status, body)
	}
	if all := e.do("GET", "/api/v1/contacts/mailing-list.csv?all=1", e.token, ""); !strings.Contains(string(all.body), "b@post.example") {
		t.Fatal("all=1 left out contacts without an address")
	}
	if r := e.do("GET", "/api/v1/contacts/mailing-list.csv", e.keys["sales"], ""); r.status != 403 {
		t.Fatalf("sales exported: %d", r.status)
	}
	audit, _ := e.s.Audit(context.Background(), 5)
	if len(audit) == 0 || audit[0].Action != "contacts.export" {
		t.Fatalf("export not audited: %+v", audit)
	}
}

// A campaign without a landing page of its own still gets a short link and QR codes,
// which lead to the workspace's website with its UTM parameters once the website is
// set; before that, they are a conflict that says what to set.
func TestCampaignWithoutLandingPageLeadsToWebsite(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	camp := e.createCampaign(`{"name":"Spring Flyers","channel":"direct_mail","utm_campaign":"spring-flyers"}`)
	c, err := e.s.Campaign(ctx, camp.ID)
	if err != nil || c.ShortCode == "" || camp.UTMCampaign != "spring-flyers" {
		t.Fatalf("campaign %+v %v, api %+v", c, err, camp)
	}
	if camp.ShortLink != "" || camp.QRCode != "" {
		t.Fatalf("a link that leads nowhere was shown: %+v", camp)
	}
	for _, f := range []string{"qr.png", "qr.svg"} {
		r := e.do("GET", "/api/v1/campaigns/"+itoa(camp.ID)+"/"+f, e.token, "")
		if r.status != 409 || !strings.Contains(string(r.body), "landing_url") || !strings.Contains(string(r.body), "website_url") {
			t.Fatalf("%s without a website: %d %s", f, r.status, r.body)
		}
	}
	if r := e.do("GET", "/c/"+c.ShortCode, "", ""); r.status != 409 {
		t.Fatalf("link without a website: %d %s", r.status, r.body)
	}

	if r := e.do("PUT", "/api/v1/settings", e.token, `{"website_url":" https://www.acme.example/?lang=en "}`); r.status != 200 || !strings.Contains(string(r.body), `"website_url":"https://www.acme.example/?lang=en"`) {
		t.Fatalf("set website: %d %s", r.status, r.body)
	}
	r := e.do("GET", "/api/v1/campaigns/"+itoa(camp.ID), e.token, "")
	json.Unmarshal(r.body, &camp)
	if !strings.HasSuffix(camp.ShortLink, "/c/"+c.ShortCode) || !strings.HasSuffix(camp.QRCode, "/qr.svg") {
		t.Fatalf("with a website: %s", r.body)
	}
	res, err := noRedirect.Get(e.srv.URL + "/c/" + c.ShortCode + "?src=qr")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	q := loc.Query()
	if res.StatusCode != 302 || loc.Host != "www.acme.example" || loc.Path != "/" || q.Get("lang") != "en" ||
		q.Get("utm_campaign") != "spring-flyers" || q.Get("utm_source") != "qr" || q.Get("utm_medium") != "direct_mail" {
		t.Fatalf("redirect: %d %s", res.StatusCode, loc)
	}
	checkCampaignQR(t, e, camp.ID, camp.ShortLink)

	// A landing page of its own still wins over the website.
	camp = e.createCampaign(`{"name":"Fair","channel":"event","landing_url":"https://shop.example/fair"}`)
	u, _ := url.Parse(camp.ShortLink)
	res, err = noRedirect.Get(e.srv.URL + u.Path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc, _ := url.Parse(res.Header.Get("Location")); loc == nil || loc.Host != "shop.example" || loc.Query().Get("utm_source") != "link" {
		t.Fatalf("landing page: %s", res.Header.Get("Location"))
	}
}

// A campaign without a UTM key gets no printed link, even with a website set: the
// link would not name the campaign, so a lead from the flyer would not be attributed
// to it. Its QR codes and short link are a conflict that says to give it a key, and
// no key is made up for it.
func TestCampaignWithoutUTMKeyHasNoPrintedLink(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	if r := e.do("PUT", "/api/v1/settings", e.token, `{"website_url":"https://www.acme.example"}`); r.status != 200 {
		t.Fatalf("set website: %d %s", r.status, r.body)
	}
	r := e.do("POST", "/api/v1/campaigns", e.token, `{"name":"Spring Flyers","channel":"direct_mail"}`)
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var camp map[string]any
	json.Unmarshal(r.body, &camp)
	id := int64(camp["id"].(float64))
	c, err := e.s.Campaign(ctx, id)
	if err != nil || c.ShortCode == "" || c.UTMCampaign != "" {
		t.Fatalf("campaign %+v %v", c, err)
	}
	for _, path := range []string{"/api/v1/campaigns", "/api/v1/campaigns/" + itoa(id)} {
		r := e.do("GET", path, e.token, "")
		if r.status != 200 || !strings.Contains(string(r.body), `"utm_campaign":""`) ||
			strings.Contains(string(r.body), "short_link") || strings.Contains(string(r.body), "qr_code") {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	}
	if camp["utm_campaign"] != "" || camp["short_link"] != nil || camp["qr_code"] != nil {
		t.Fatalf("created: %s", r.body)
	}
	for _, f := range []string{"qr.png", "qr.svg"} {
		r := e.do("GET", "/api/v1/campaigns/"+itoa(id)+"/"+f, e.token, "")
		if r.status != 409 || r.json(t)["error"].(map[string]any)["field"] != "utm_campaign" || !strings.Contains(string(r.body), "UTM key") {
			t.Fatalf("%s: %d %s", f, r.status, r.body)
		}
	}
	r = e.do("GET", "/c/"+c.ShortCode, "", "")
	if r.status != 409 || r.json(t)["error"].(map[string]any)["field"] != "utm_campaign" {
		t.Fatalf("short link: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/c/"+c.ShortCode, nil)
	req.Header.Set("Accept", "text/html")
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 409 || !strings.Contains(string(body), "This link does not lead anywhere yet.") {
		t.Fatalf("browser: %d %s", res.StatusCode, body)
	}

	// Given a key, the same link leads to the website with it.
	r = e.do("PUT", "/api/v1/campaigns/"+itoa(id), e.token, `{"name":"Spring Flyers","channel":"direct_mail","utm_campaign":"flyers-26"}`)
	if r.status != 200 || !strings.Contains(string(r.body), "/c/"+c.ShortCode) {
		t.Fatalf("give a key: %d %s", r.status, r.body)
	}
	res, err = noRedirect.Get(e.srv.URL + "/c/" + c.ShortCode)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc, _ := url.Parse(res.Header.Get("Location")); res.StatusCode != 302 || loc.Host != "www.acme.example" || loc.Query().Get("utm_campaign") != "flyers-26" {
		t.Fatalf("with a key: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}
