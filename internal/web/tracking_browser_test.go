package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// customerSite is a customer's website with the tracking snippet on every page: a
// landing page linking to a pricing page, which holds a plain HTML form posting to
// Lodestone. news is another site whose link brings the visitor.
type customerSite struct {
	site, news *httptest.Server
}

func startCustomerSite(t *testing.T, a *app.App, slug string) customerSite {
	t.Helper()
	var cs customerSite
	cs.site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var title, body string
		switch r.URL.Path {
		case "/landing":
			title, body = "Spring offer", `<h1>Spring offer</h1><a id="pricing" href="/pricing">See the prices</a>`
		case "/pricing":
			title, body = "Prices", `<h1>Prices</h1><form method="post" action="`+a.URL()+`/f/`+slug+`">`+
				`<label>Email <input type="email" name="email"></label><button type="submit">Send</button></form>`
		default:
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `<!doctype html><html><head><title>`+title+`</title><link rel="icon" href="data:,">`+
			`<script src="`+a.URL()+`/t.js" async></script></head><body>`+body+`</body></html>`)
	}))
	t.Cleanup(cs.site.Close)
	cs.news = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><title>News</title><link rel="icon" href="data:,"><a id="go" href="`+
			cs.site.URL+`/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring-news">Read the offer</a>`)
	}))
	t.Cleanup(cs.news.Close)
	return cs
}

// saveTrackedForm saves a form the customer's pricing page posts to.
func saveTrackedForm(t *testing.T, s *store.Store, slug, origin string) {
	t.Helper()
	def := capture.FormDefinition{Slug: slug, Name: slug, Fields: []capture.FormField{{Name: "email", Required: true}}, AllowedOrigins: []string{origin}}
	if err := def.Check(); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(def)
	if _, err := s.SaveForm(context.Background(), store.Form{Slug: def.Slug, Name: def.Name, Definition: raw}, "test"); err != nil {
		t.Fatal(err)
	}
}

// visitorTab is a tab that looks like a person's browser: headless Chromium names
// itself in its user agent, and the collect endpoint leaves robots out.
func visitorTab(t *testing.T, browser context.Context, headers map[string]string) *tab {
	t.Helper()
	tb := newTab(t, browser)
	// Each visitor is new: cookies are kept per host, and every test site is 127.0.0.1.
	if _, err := chromedp.Call(tb.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: browserUA}); err != nil {
		t.Fatal(err)
	}
	if len(headers) > 0 {
		h := network.Headers{}
		for k, v := range headers {
			h[k] = v
		}
		if _, err := chromedp.Call(tb.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h}); err != nil {
			t.Fatal(err)
		}
	}
	return tb
}

// browse follows the news link to the landing page, goes on to the pricing page, and
// waits until the snippet has sent a hit from each (or, where it sends none, a moment).
func (cs customerSite) browse(tb *tab, sends bool) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(cs.news.URL + "/"))
	tb.do(chromedp.Click(chromedp.CSS(`#go`)))
	tb.waitFor(`location.pathname === '/landing' && document.readyState === 'complete'`)
	sent := `performance.getEntriesByType('resource').some(e => e.name.endsWith('/collect') && e.responseEnd > 0)`
	if sends {
		tb.waitFor(sent)
	}
	tb.do(chromedp.Click(chromedp.CSS(`#pricing`)))
	tb.waitFor(`location.pathname === '/pricing' && document.readyState === 'complete' && typeof window.lodestone === 'function'`)
	if sends {
		tb.waitFor(sent)
	} else {
		time.Sleep(300 * time.Millisecond)
	}
}

// submit sends the pricing page's form and waits for the thank-you page.
func (cs customerSite) submit(tb *tab, slug, email string) {
	tb.t.Helper()
	tb.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
	)
	tb.waitFor(`location.pathname === '/f/` + slug + `/thanks'`)
}

// pageViews is the page views on a contact's timeline, oldest first.
func pageViews(t *testing.T, s *store.Store, email string) (*store.Contact, []*store.Event) {
	t.Helper()
	list, err := s.Contacts(context.Background(), store.ContactFilter{Email: email})
	if err != nil || len(list.Contacts) != 1 {
		t.Fatalf("%s: %d contacts, %v", email, len(list.Contacts), err)
	}
	c := list.Contacts[0]
	tl, err := s.Timeline(context.Background(), c.ID, store.TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var views []*store.Event
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Type == "page_view" {
			views = append(views, tl[i])
		}
	}
	return c, views
}

// TestTrackingSnippetBrowser runs /t.js on a customer's site in Chromium: a visitor
// comes from a newsletter link, reads two pages and sends the site's form. The page
// views are kept with their address, title, referrer and UTM parameters under a
// first-party visitor id, join the contact when the form is sent, and give it its
// first touch. A browser sending Global Privacy Control is not tracked, and where the
// workspace asks for consent nothing is tracked until the page grants it.
func TestTrackingSnippetBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	ctx := context.Background()
	camp, err := a.Store.CreateCampaign(ctx, store.Campaign{Name: "Spring newsletter", Channel: "email", UTMCampaign: "spring-news"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	cs := startCustomerSite(t, a, "pricing")
	saveTrackedForm(t, a.Store, "pricing", cs.site.URL)

	t.Run("page views join the contact", func(t *testing.T) {
		tb := visitorTab(t, browser, nil)
		cs.browse(tb, true)
		// The visitor id is a first-party cookie of the customer's site.
		vid := tb.eval(`(document.cookie.match(/(?:^|; )ls_vid=([^;]*)/) || [])[1] || ''`)
		if len(vid) != 32 {
			t.Fatalf("visitor id cookie = %q (cookies %q)", vid, tb.eval(`document.cookie`))
		}
		cs.submit(tb, "pricing", "ines@example.org")
		var c *store.Contact
		var views []*store.Event
		eventually(t, "two page views on the contact", func() bool {
			c, views = pageViews(t, a.Store, "ines@example.org")
			return len(views) == 2
		})
		landing, pricing := views[0], views[1]
		want := map[string]string{"page_url": cs.site.URL + "/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring-news",
			"title": "Spring offer", "referrer": cs.news.URL + "/", "utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring-news"}
		for k, v := range want {
			if got, _ := landing.Properties[k].(string); got != v {
				t.Errorf("landing page view %s = %q, want %q (%v)", k, got, v, landing.Properties)
			}
		}
		if landing.VisitorID != vid || pricing.VisitorID != vid {
			t.Errorf("page views of visitors %q and %q, cookie %q", landing.VisitorID, pricing.VisitorID, vid)
		}
		if got, _ := pricing.Properties["page_url"].(string); got != cs.site.URL+"/pricing" {
			t.Errorf("pricing page view page_url = %q", got)
		}
		if got, _ := pricing.Properties["title"].(string); got != "Prices" {
			t.Errorf("pricing page view title = %q", got)
		}
		if got, _ := pricing.Properties["referrer"].(string); !strings.HasPrefix(got, cs.site.URL+"/landing") {
			t.Errorf("pricing page view referrer = %q", got)
		}
		// The landing page view started the visit: a touch in the newsletter's channel
		// and campaign, which is the contact's first touch.
		if landing.Channel != "email" || landing.Campaign == nil || landing.Campaign.ID != camp.ID {
			t.Errorf("landing page view touch = %q %+v", landing.Channel, landing.Campaign)
		}
		if c.FirstTouch == nil || c.FirstTouch.Channel != "email" || c.FirstTouch.Campaign == nil || c.FirstTouch.Campaign.ID != camp.ID ||
			!c.FirstTouch.At.Equal(landing.OccurredAt) {
			t.Errorf("first touch = %+v, landing page view at %v", c.FirstTouch, landing.OccurredAt)
		}
		tb.noConsoleErrors()
	})

	t.Run("Global Privacy Control", func(t *testing.T) {
		// The browser sends Sec-GPC: 1 with every request: the server keeps no hit.
		tb := visitorTab(t, browser, map[string]string{"Sec-GPC": "1"})
		cs.browse(tb, true)
		cs.submit(tb, "pricing", "gpc@example.org")
		time.Sleep(200 * time.Millisecond) // the tracker's batches are written within milliseconds
		if _, views := pageViews(t, a.Store, "gpc@example.org"); len(views) != 0 {
			t.Errorf("%d page views kept from a browser sending Global Privacy Control", len(views))
		}
		// A browser that says so to scripts (navigator.globalPrivacyControl): the
		// snippet sends nothing and sets no cookie.
		tb = visitorTab(t, browser, nil)
		if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})`}); err != nil {
			t.Fatal(err)
		}
		cs.browse(tb, false)
		if got := tb.eval(`document.cookie + performance.getEntriesByType('resource').filter(e => e.name.endsWith('/collect')).length`); got != "0" {
			t.Errorf("with navigator.globalPrivacyControl: cookies and hits %q", got)
		}
		tb.noConsoleErrors()
	})

	t.Run("the workspace asks for consent", func(t *testing.T) {
		// Its own server, so the setting is read fresh and the snippet is not cached.
		b := startApp(t, nil)
		if err := b.Store.SetSetting(ctx, "tracking_consent", "required", "test"); err != nil {
			t.Fatal(err)
		}
		cs := startCustomerSite(t, b, "consent")
		saveTrackedForm(t, b.Store, "consent", cs.site.URL)
		tb := visitorTab(t, browser, nil)
		cs.browse(tb, false)
		if got := tb.eval(`document.cookie + performance.getEntriesByType('resource').filter(e => e.name.endsWith('/collect')).length`); got != "0" {
			t.Fatalf("before consent: cookies and hits %q", got)
		}
		// The site's cookie banner grants consent: the page view waiting is sent, and
		// the form carries the visitor id.
		tb.eval(`lodestone('consent'), ''`)
		tb.waitFor(`document.cookie.includes('ls_vid=') && performance.getEntriesByType('resource').some(e => e.name.endsWith('/collect') && e.responseEnd > 0)`)
		cs.submit(tb, "consent", "cleo@example.org")
		var views []*store.Event
		eventually(t, "the consented page view", func() bool {
			_, views = pageViews(t, b.Store, "cleo@example.org")
			return len(views) == 1
		})
		if got, _ := views[0].Properties["page_url"].(string); got != cs.site.URL+"/pricing" {
			t.Errorf("consented page view page_url = %q; the landing page, seen before consent, must not be kept", got)
		}
		tb.noConsoleErrors()
	})
}
