package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// framingSite is a customer's site with the tracking snippet on its pages: /webinar
// frames the hosted form with the builder's frame snippet, /links links to the
// hosted form. news is another site whose link brings the visitor to /webinar with
// UTM parameters. host names the site in the browser: "localhost" keeps its cookies
// apart from Lodestone's 127.0.0.1.
func framingSite(t *testing.T, a *app.App, slug, snippet, host string) (site, news string) {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var body string
		switch r.URL.Path {
		case "/webinar":
			// Counts the frame's loads: its first page, then the thank-you page.
			body = `<script>window.frameLoads = 0; document.addEventListener('load', e => { if (e.target.tagName === 'IFRAME') window.frameLoads++ }, true);</script>` +
				`<h1>Spring webinar</h1>` + snippet
		case "/links":
			body = `<h1>Webinars</h1><a id="signup" href="` + a.URL() + `/f/` + slug + `?utm_source=site">Sign up</a>`
		default:
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `<!doctype html><html><head><title>Acme</title><link rel="icon" href="data:,">`+
			`<script src="`+a.URL()+`/t.js" async></script></head><body>`+body+`</body></html>`)
	}))
	t.Cleanup(s.Close)
	site = strings.Replace(s.URL, "127.0.0.1", host, 1)
	n := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><title>News</title><link rel="icon" href="data:,"><a id="go" href="`+
			site+`/webinar?utm_source=newsletter&utm_medium=email&utm_campaign=spring-news">Read the offer</a>`)
	}))
	t.Cleanup(n.Close)
	return site, n.URL
}

// TestEmbedFrameBrowser: a visitor comes from a newsletter link to a customer's page
// that frames the hosted form with the builder's frame snippet, and sends the form
// inside the frame. The frame gets the page's address with its UTM parameters, the
// newsletter as referrer and the tracking snippet's visitor id; the contact's first
// touch is the newsletter's campaign, not a referral from the customer's site. A
// visitor who follows the site's link to the hosted page carries the visitor id
// there, and the post joins the visitor's page views.
func TestEmbedFrameBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	ctx := context.Background()
	camp, err := a.Store.CreateCampaign(ctx, store.Campaign{Name: "Spring newsletter", Channel: "email", UTMCampaign: "spring-news"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	snippet := createFormSnippet(t, a, `{"slug":"webinar","name":"Webinar","fields":["email"]}`)

	t.Run("framed form", func(t *testing.T) {
		site, news := framingSite(t, a, "webinar", snippet, "127.0.0.1")
		tb := visitorTab(t, browser, nil)
		tb.do(chromedp.Navigate(news + "/"))
		tb.do(chromedp.Click(chromedp.CSS(`#go`)))
		tb.waitFor(`location.pathname === '/webinar' && window.frameLoads === 1`)
		src, _ := url.Parse(tb.eval(`document.querySelector('iframe').src`))
		vid := tb.eval(`(document.cookie.match(/(?:^|; )ls_vid=([^;]*)/) || [])[1] || ''`)
		landing := site + "/webinar?utm_source=newsletter&utm_medium=email&utm_campaign=spring-news"
		if q := src.Query(); q.Get("page_url") != landing || q.Get("referrer") != news+"/" || vid == "" || q.Get("visitor_id") != vid {
			t.Fatalf("frame address %s; want page_url %s, referrer %s/, visitor_id %q", src, landing, news, vid)
		}
		frame, err := chromedp.Run(tb.ctx, chromedp.Nodes(chromedp.CSS(`iframe`)))
		if err != nil || len(frame) != 1 {
			t.Fatalf("the frame: %v", err)
		}
		in := chromedp.FromNode(frame[0])
		hidden, err := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(`input[name=visitor_id]`), in))
		if err != nil || hidden != vid {
			t.Fatalf("the form's visitor_id = %q (%v), want %q", hidden, err, vid)
		}
		tb.do(chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "framed@example.org", in))
		time.Sleep(capture.MinFillTime + 100*time.Millisecond)
		tb.do(chromedp.Click(chromedp.CSS(`button[type=submit]`), in))
		tb.waitFor(`window.frameLoads === 2`)
		c, touch := submission(t, a.Store, "framed@example.org")
		if got, _ := touch.Properties["page_url"].(string); got != landing {
			t.Errorf("form touch page_url = %q, want %q", got, landing)
		}
		if got, _ := touch.Properties["referrer"].(string); got != news+"/" {
			t.Errorf("form touch referrer = %q, want the newsletter", got)
		}
		if touch.Channel != "email" || touch.Campaign == nil || touch.Campaign.ID != camp.ID {
			t.Errorf("form touch = %q %+v, want the newsletter's campaign", touch.Channel, touch.Campaign)
		}
		if c.FirstTouch == nil || c.FirstTouch.Channel != "email" || c.FirstTouch.Campaign == nil || c.FirstTouch.Campaign.ID != camp.ID {
			t.Errorf("first touch = %+v, want the newsletter's campaign", c.FirstTouch)
		}
		tb.noConsoleErrors()
	})

	t.Run("link to the hosted page", func(t *testing.T) {
		site, _ := framingSite(t, a, "webinar", snippet, "localhost")
		tb := visitorTab(t, browser, nil)
		tb.do(chromedp.Navigate(site + "/links"))
		tb.waitFor(`typeof window.lodestone === 'function' && performance.getEntriesByType('resource').some(e => e.name.endsWith('/collect') && e.responseEnd > 0)`)
		vid := tb.eval(`(document.cookie.match(/(?:^|; )ls_vid=([^;]*)/) || [])[1] || ''`)
		if vid == "" {
			t.Fatal("no visitor id cookie")
		}
		tb.do(chromedp.Click(chromedp.CSS(`#signup`)))
		tb.waitFor(`location.pathname === '/f/webinar' && document.querySelector('input[name=email]') !== null`)
		if got := tb.eval(`new URLSearchParams(location.search).get('visitor_id') + ' ' + document.querySelector('input[name=visitor_id]')?.value`); got != vid+" "+vid {
			t.Fatalf("hosted page visitor ids %q, want %q", got, vid)
		}
		tb.do(chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "linked@example.org"))
		time.Sleep(capture.MinFillTime + 100*time.Millisecond)
		tb.do(chromedp.Click(chromedp.CSS(`button[type=submit]`)))
		tb.waitFor(`location.pathname === '/f/webinar/thanks'`)
		var views []*store.Event
		eventually(t, "the links page view on the contact", func() bool {
			_, views = pageViews(t, a.Store, "linked@example.org")
			return len(views) == 1
		})
		if got, _ := views[0].Properties["page_url"].(string); got != site+"/links" {
			t.Errorf("page view page_url = %q", got)
		}
		tb.noConsoleErrors()
	})

	t.Run("no visitor id without consent or under Global Privacy Control", func(t *testing.T) {
		// Its own server, so the setting is read fresh and the snippet is not cached.
		b := startApp(t, nil)
		if err := b.Store.SetSetting(ctx, "tracking_consent", "required", "test"); err != nil {
			t.Fatal(err)
		}
		snippet := createFormSnippet(t, b, `{"slug":"webinar","name":"Webinar","fields":["email"]}`)
		site, _ := framingSite(t, b, "webinar", snippet, "localhost")
		tb := visitorTab(t, browser, nil)
		tb.do(chromedp.Navigate(site + "/webinar"))
		tb.waitFor(`window.frameLoads === 1 && typeof window.lodestone?.visitorId === 'function'`)
		if src := tb.eval(`document.querySelector('iframe').src`); strings.Contains(src, "visitor_id") {
			t.Errorf("frame before consent: %s", src)
		}
		tb.do(chromedp.Navigate(site + "/links"))
		tb.waitFor(`typeof window.lodestone?.visitorId === 'function'`)
		tb.do(chromedp.Click(chromedp.CSS(`#signup`)))
		tb.waitFor(`location.pathname === '/f/webinar' && document.readyState === 'complete'`)
		if got := tb.eval(`location.search`); got != "?utm_source=site" {
			t.Errorf("link followed before consent: %q", got)
		}
		// Consent given: the link carries the visitor id.
		tb.do(chromedp.Navigate(site + "/links"))
		tb.waitFor(`typeof window.lodestone?.visitorId === 'function'`)
		tb.eval(`lodestone('consent'), ''`)
		tb.do(chromedp.Click(chromedp.CSS(`#signup`)))
		tb.waitFor(`location.pathname === '/f/webinar' && document.readyState === 'complete'`)
		if got := tb.eval(`new URLSearchParams(location.search).get('visitor_id') || ''`); len(got) != 32 {
			t.Errorf("link followed after consent: visitor_id %q", got)
		}
		// A browser that tells scripts it sends Global Privacy Control: never.
		tb = visitorTab(t, browser, nil)
		if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})`}); err != nil {
			t.Fatal(err)
		}
		tb.do(chromedp.Navigate(site + "/links"))
		tb.waitFor(`typeof window.lodestone?.visitorId === 'function'`)
		tb.eval(`lodestone('consent'), ''`)
		tb.do(chromedp.Click(chromedp.CSS(`#signup`)))
		tb.waitFor(`location.pathname === '/f/webinar' && document.readyState === 'complete'`)
		if got := tb.eval(`location.search`); got != "?utm_source=site" {
			t.Errorf("link followed under Global Privacy Control: %q", got)
		}
	})
}

// createFormSnippet creates a form through the API and gives its frame snippet.
func createFormSnippet(t *testing.T, a *app.App, def string) string {
	t.Helper()
	key, shown := auth.NewAPIKey()
	if _, err := a.Store.CreateAPIKey(context.Background(), store.APIKey{Name: "admin", Role: store.RoleAdmin, Prefix: shown}, auth.HashToken(key), "test"); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", a.URL()+"/api/v1/forms", strings.NewReader(def))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		EmbedIframe string `json:"embed_iframe"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 201 || out.EmbedIframe == "" {
		t.Fatalf("create form: %d %v", res.StatusCode, err)
	}
	// The test server knows its address only once it listens: the form's address in
	// the snippet names the configured one.
	return strings.ReplaceAll(out.EmbedIframe, "http://127.0.0.1:0", a.URL())
}
