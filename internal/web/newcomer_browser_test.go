package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestNewcomerBrowser walks a newcomer's first hour in Chromium, every step through
// the screens: sign in, create a paid search campaign with its UTM key, build a form
// in the builder and paste its script tag on a website that also carries the
// tracking snippet. A visitor comes from a Google ad to that site, reads two pages
// and sends the embedded form; a list from a trade fair is imported. The contacts
// list then shows where each contact came from, and the visitor's page shows the ad
// as its original source with the pages read before the form on its timeline.
func TestNewcomerBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	ctx := context.Background()
	addUser(t, a.Store, "nora@example.com", "Nora Newcomer", store.RoleAdmin)
	shots := screenshotDir(t)

	// The customer's website, on a host of its own (localhost, where Lodestone is
	// 127.0.0.1), so its cookies are not Lodestone's: a landing page and a demo page,
	// each with the tracking snippet and the form's script tag from the builder.
	var embed string
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var title, body string
		switch r.URL.Path {
		case "/":
			title, body = "Acme analytics", `<h1>Acme analytics</h1><p><a id="demo" href="/demo">Book a demo</a></p>`
		case "/demo":
			title, body = "Book a demo", `<h1>Book a demo</h1>`
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html><head><title>`+title+`</title><link rel="icon" href="data:,">`+
			`<script src="`+a.URL()+`/t.js" async></script></head><body>`+body+embed+`</body></html>`)
	}))
	t.Cleanup(site.Close)
	siteURL := strings.Replace(site.URL, "127.0.0.1", "localhost", 1)

	admin := newTab(t, browser)
	admin.do(chromedp.Navigate(a.URL() + "/"))
	admin.waitFor(`location.pathname === '/login' && document.querySelector('input[name=email]') !== null`)
	admin.signIn("nora@example.com")
	admin.waitFor(`location.pathname === '/' && document.querySelector('.account-name')?.textContent === 'Nora Newcomer'`)

	// A campaign whose links carry utm_campaign=spring-search.
	admin.do(chromedp.Navigate(a.URL() + "/campaigns"))
	admin.waitFor(`document.querySelector('#new-campaign input[name=name]') !== null`)
	admin.do(
		chromedp.SendKeys(chromedp.CSS(`#new-campaign input[name=name]`), "Spring search ads"),
		chromedp.SetValue(chromedp.CSS(`#new-campaign select[name=channel]`), "paid_search"),
		chromedp.SendKeys(chromedp.CSS(`#new-campaign input[name=utm_campaign]`), "spring-search"),
		chromedp.Click(chromedp.CSS(`#new-campaign button[type=submit]`)),
	)
	admin.waitFor(`/^\/campaigns\/\d+$/.test(location.pathname)`)
	campaignPath := admin.eval(`location.pathname`)

	// The form, built in the builder: its default fields, a headline, and the site
	// allowed to embed it.
	admin.do(chromedp.Navigate(a.URL() + "/forms"))
	admin.waitFor(`document.querySelector('a[href="/forms/new"]') !== null`)
	admin.do(chromedp.Click(chromedp.CSS(`a[href="/forms/new"]`)))
	admin.waitFor(`location.pathname === '/forms/new' && document.querySelector('#form-preview .fp') !== null`)
	admin.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Demo request"),
		chromedp.SendKeys(chromedp.CSS(`input[name=slug]`), "demo-request"),
		chromedp.SendKeys(chromedp.CSS(`input[name=headline]`), "See Acme in action"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=allowed_origins]`), siteURL),
	)
	admin.waitFor(`document.querySelector('#form-preview .fp-title')?.textContent === 'See Acme in action'`)
	admin.do(chromedp.Click(chromedp.CSS(`#form-editor button[type=submit]`)))
	admin.waitFor(`location.pathname.startsWith('/forms/') && location.search === '?saved=1' && document.querySelector('#embed-script') !== null`)
	embed = admin.eval(`document.querySelector('#embed-script').textContent`)
	// The snippet names the server's public address, which a test server lacks.
	_, src, _ := strings.Cut(embed, `src="`)
	public, _, ok := strings.Cut(src, "/f/demo-request/embed.js")
	if !ok || !strings.HasPrefix(strings.TrimSpace(embed), "<script") {
		t.Fatalf("embed code: %s", embed)
	}
	embed = strings.ReplaceAll(embed, public, a.URL())

	// The visitor clicks a Google ad: the landing page opens with the ad's UTM
	// parameters and Google as the referrer.
	visitor := newTab(t, browser)
	// Headless Chromium names itself in its user agent, and the collect endpoint leaves robots out.
	if _, err := chromedp.Call(visitor.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: browserUA}); err != nil {
		t.Fatal(err)
	}
	landing := siteURL + "/?utm_source=google&utm_medium=cpc&utm_campaign=spring-search"
	if res, err := chromedp.Call(visitor.ctx, page.Navigate, page.NavigateParams{URL: landing, Referrer: "https://www.google.com/",
		ReferrerPolicy: page.ReferrerPolicyUnsafeURL}); err != nil || res.ErrorText != "" {
		t.Fatalf("open the landing page: %v %s", err, res.ErrorText)
	}
	sent := func(n int) string {
		return `performance.getEntriesByType('resource').filter(e => e.name === '` + a.URL() + `/collect' && e.responseEnd > 0).length >= ` + itoa(int64(n))
	}
	visitor.waitFor(`location.pathname === '/' && document.readyState === 'complete' && document.querySelector('.lodestone-form input[name=email]') !== null`)
	if got := visitor.eval(`document.referrer`); got != "https://www.google.com/" {
		t.Errorf("the landing page's referrer = %q", got)
	}
	visitor.waitFor(sent(1))
	// The second page, where the visitor sends the form.
	visitor.do(chromedp.Click(chromedp.CSS(`#demo`)))
	visitor.waitFor(`location.pathname === '/demo' && document.readyState === 'complete' && document.querySelector('.lodestone-form input[name=email]') !== null`)
	drawn := time.Now()
	visitor.waitFor(sent(1))
	visitor.waitFor(`document.querySelector('.lodestone-form altcha-widget')?.getState?.() === 'verified'`)
	visitor.do(
		chromedp.SendKeys(chromedp.CSS(`.lodestone-form input[name=email]`), "vera@acme-prospect.example"),
		chromedp.SendKeys(chromedp.CSS(`.lodestone-form input[name=first_name]`), "Vera"),
		chromedp.SendKeys(chromedp.CSS(`.lodestone-form input[name=last_name]`), "Visitor"),
		chromedp.SendKeys(chromedp.CSS(`.lodestone-form input[name=company]`), "Prospect Inc"),
	)
	// A person takes a moment: the form's stamp refuses faster posts.
	time.Sleep(time.Until(drawn.Add(capture.MinFillTime + 100*time.Millisecond)))
	visitor.do(chromedp.Click(chromedp.CSS(`.lodestone-form button[type=submit]`)))
	visitor.waitFor(`document.querySelector('.lodestone-thanks') !== null`)
	visitor.screenshot(filepath.Join(shots, "newcomer-site.png"))
	visitor.noConsoleErrors()
	// The page views are written in batches, a moment after they are answered.
	eventually(t, "the visitor's two page views on the contact", func() bool {
		list, err := a.Store.Contacts(ctx, store.ContactFilter{Email: "vera@acme-prospect.example"})
		if err != nil || len(list.Contacts) != 1 {
			return false
		}
		tl, err := a.Store.Timeline(ctx, list.Contacts[0].ID, store.TimelineOptions{})
		n := 0
		for _, e := range tl {
			if e.Type == "page_view" {
				n++
			}
		}
		return err == nil && n == 2
	})

	// A list from a trade fair, imported through the screens; Vera is on it too.
	csvPath := filepath.Join(t.TempDir(), "fair.csv")
	csv := "Email,First name,Last name,Company\n" +
		"olga@kiosk.example,Olga,Petrova,Kiosk GmbH\n" +
		"tom@bakery.example,Tom,Baker,Bakery Ltd\n" +
		"vera@acme-prospect.example,Vera,Visitor,Prospect Inc\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	admin.do(chromedp.Navigate(a.URL() + "/imports"))
	admin.waitFor(`document.querySelector('input[type=file]') !== null`)
	admin.do(
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{csvPath}),
		chromedp.SetValue(chromedp.CSS(`select[name=channel]`), "event"),
		chromedp.Click(chromedp.CSS(`.import-upload button[type=submit]`)),
	)
	admin.waitFor(`location.pathname.startsWith('/imports/') && document.querySelectorAll('.import-preview select').length === 4`)
	if got := admin.eval(`[...document.querySelectorAll('.import-preview select')].map(s => s.value).join(',')`); got != "email,first_name,last_name,company" {
		t.Fatalf("guessed mapping = %s", got)
	}
	admin.do(chromedp.Click(chromedp.CSS(`.import-preview ~ .form-actions button[type=submit], form .form-actions button.btn-primary`)))
	// The counter follows the import live to its end.
	admin.waitFor(`document.querySelector('#import-progress h2')?.textContent === 'Imported'`)
	if got := admin.eval(`['rows', 'created', 'updated', 'rejected'].map(s => s + '=' + document.querySelector('[data-stat=' + s + ']').textContent).join(' ')`); got != "rows=3 created=2 updated=1 rejected=0" {
		t.Errorf("import counters: %s", got)
	}

	// The contacts list: each contact's original source.
	admin.do(chromedp.Navigate(a.URL() + "/contacts"))
	admin.waitFor(`document.querySelectorAll('#contact-rows tr').length === 3`)
	sources := admin.eval(`[...document.querySelectorAll('#contact-rows tr')].map(r => r.querySelector('.contact-cell span').textContent + ': ' +
		[...r.querySelectorAll('.source-cell .channel, .source-cell .campaign')].map(e => e.textContent).join(' / ')).sort().join('; ')`)
	if want := "olga@kiosk.example: Event; tom@bakery.example: Event; vera@acme-prospect.example: Paid search / Spring search ads"; sources != want {
		t.Errorf("the list's sources: %s, want %s", sources, want)
	}
	if got := admin.eval(`[...document.querySelectorAll('#contact-rows tr')].find(r => r.textContent.includes('Vera')).querySelector('.source-cell a.campaign')?.getAttribute('href') || ''`); got != campaignPath {
		t.Errorf("the source cell links to %s, the campaign is %s", got, campaignPath)
	}

	// Vera's page: the ad is her original source, and the pages she read before she
	// was known are on her timeline below the form she sent.
	admin.do(chromedp.Navigate(a.URL() + "/contacts?q=vera"))
	admin.waitFor(`document.querySelectorAll('#contact-rows tr').length === 1`)
	admin.do(chromedp.Click(chromedp.CSS(`#contact-rows a.person`)))
	admin.waitFor(`/^\/contacts\/\d+$/.test(location.pathname) && document.querySelector('#timeline') !== null`)
	const card = `[...document.querySelectorAll('section.card')].find(s => s.querySelector('h2')?.textContent === 'Original source')`
	if got := admin.eval(`(c => c ? [...c.querySelectorAll('.kv > div')].map(d => d.querySelector('dt').textContent + '=' + d.querySelector('dd').textContent.trim()).slice(0, 2).join('; ') : 'no card')(` + card + `)`); got != "Channel=Paid search; Campaign=Spring search ads" {
		t.Errorf("Vera's original source: %s", got)
	}
	if got := admin.eval(`(c => c?.querySelector('dd a')?.getAttribute('href') || '')(` + card + `)`); got != campaignPath {
		t.Errorf("the original source links to %q, the campaign is %s", got, campaignPath)
	}
	items := admin.eval(`[...document.querySelectorAll('#timeline .tl-item')].map(li => li.querySelector('.tl-title').textContent + ' [' +
		[...li.querySelectorAll('.tl-head .chip')].map(c => c.textContent).join(', ') + '] ' +
		[...li.querySelectorAll('.tl-props > div')].map(d => d.querySelector('dt').textContent + '=' + d.querySelector('dd').textContent).join(' ')).join('\n')`)
	t.Logf("Vera's timeline:\n%s", items)
	lines := strings.Split(items, "\n")
	var views []string
	var viewAt []int
	submitted := -1
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "Viewed a page "):
			views, viewAt = append(views, l), append(viewAt, i)
		case strings.HasPrefix(l, "Submitted a form ") && submitted < 0:
			submitted = i
		}
	}
	// The embedded form sends the visitor id itself; the snippet must not identify
	// the visitor a second time by the form's email field.
	if strings.Contains(items, "Identified on the website") {
		t.Errorf("the embedded form's post was also sent as an identify hit:\n%s", items)
	}
	if len(views) != 2 || submitted < 0 {
		t.Fatalf("the timeline has %d page views and a form submission at %d:\n%s", len(views), submitted, items)
	}
	// Newest first: the demo page, then the landing page that started the visit with
	// the ad's touch.
	if !strings.Contains(views[0], "Page="+siteURL+"/demo") {
		t.Errorf("the newer page view: %s", views[0])
	}
	for _, want := range []string{"[Paid search, Spring search ads]", "Page=" + landing, "Referrer=https://www.google.com/",
		"utm_source=google", "utm_medium=cpc", "utm_campaign=spring-search"} {
		if !strings.Contains(views[1], want) {
			t.Errorf("the landing page view lacks %q: %s", want, views[1])
		}
	}
	if !strings.Contains(lines[submitted], "Form=demo-request") || !strings.Contains(lines[submitted], "Page="+siteURL+"/demo") {
		t.Errorf("the form submission: %s", lines[submitted])
	}
	if viewAt[0] < submitted {
		t.Errorf("the page views are not before the form submission:\n%s", items)
	}
	// The card's first touch is the landing page view's time.
	landingAt := admin.eval(`[...document.querySelectorAll('#timeline .tl-item')].filter(li => li.querySelector('.tl-title').textContent === 'Viewed a page').pop().querySelector('.tl-time').getAttribute('datetime')`)
	if got := admin.eval(`(c => c?.querySelector('time')?.getAttribute('datetime') || '')(` + card + `)`); got == "" || got != landingAt {
		t.Errorf("first touch at %q, the landing page view at %q", got, landingAt)
	}
	admin.screenshot(filepath.Join(shots, "newcomer-contact.png"))

	// An imported contact's first touch is the import, in its channel.
	admin.do(chromedp.Navigate(a.URL() + "/contacts?q=" + url.QueryEscape("olga")))
	admin.waitFor(`document.querySelectorAll('#contact-rows tr').length === 1`)
	admin.do(chromedp.Click(chromedp.CSS(`#contact-rows a.person`)))
	admin.waitFor(`/^\/contacts\/\d+$/.test(location.pathname) && document.querySelector('#timeline') !== null`)
	if got := admin.eval(`(c => c ? [...c.querySelectorAll('.kv > div')].map(d => d.querySelector('dt').textContent + '=' + d.querySelector('dd').textContent.trim()).slice(0, 2).join('; ') : 'no card')(` + card + `)`); got != "Channel=Event; Campaign=none" {
		t.Errorf("Olga's original source: %s", got)
	}
	if got := admin.eval(`[...document.querySelectorAll('#timeline .tl-item')].map(li => li.querySelector('.tl-title').textContent + ' [' + [...li.querySelectorAll('.tl-head .chip')].map(c => c.textContent).join(', ') + ']').join('; ')`); !strings.Contains(got, "Imported [Event]") {
		t.Errorf("Olga's timeline: %s", got)
	}
	admin.noConsoleErrors()
}
