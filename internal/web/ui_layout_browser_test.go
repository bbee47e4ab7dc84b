package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/demo"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestLayoutBrowser opens every screen over demo data in Chromium at a desktop width
// and at a phone's, and checks what a reader would notice first: a table whose last
// columns are cut off on a 1280-pixel screen, a page wider than a phone, and a link
// inside the app that leads nowhere.
func TestLayoutBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	ctx := context.Background()
	if _, err := demo.Load(ctx, a.Store, demo.Options{Contacts: 600, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	addUser(t, a.Store, "owner@example.com", "Olivia Owner", store.RoleAdmin)
	tab := newTab(t, browser)
	tab.logIn(a.URL(), "owner@example.com")
	tab.waitFor(`location.pathname === '/' && document.readyState === 'complete'`)
	tab.do(chromedp.Navigate(a.URL() + "/contacts"))
	tab.waitFor(`document.querySelector('#contact-rows a.person') !== null`)
	contact := tab.eval(`document.querySelector('#contact-rows a.person').getAttribute('href')`)
	tab.do(chromedp.Navigate(a.URL() + "/campaigns"))
	tab.waitFor(`document.querySelector('.campaigns-table tbody a') !== null`)
	campaign := tab.eval(`document.querySelector('.campaigns-table tbody a').getAttribute('href')`)

	// The hosted form page a visitor sees, with a field of every kind.
	def := capture.FormDefinition{Slug: "layout", Name: "Layout", Fields: []capture.FormField{{Name: "email", Required: true}, {Name: "first_name"},
		{Name: "phone"}, {Name: "age_band"}, {Name: "message"}, {Name: "team", Label: "Team size", Type: "select", Options: []string{"1-10", "11-50"}},
		{Name: "wants_demo", Label: "I would like a demo", Type: "checkbox"}, {Name: "source", Type: "hidden", Default: "layout"}},
		Consents: []capture.FormConsent{{Purpose: store.PurposeMarketingEmail, Label: "Send me news by email", Version: "1"}},
		Page:     capture.FormPage{Headline: "Book a demo of the spring release", Text: "Tell us a little about your team."},
		FillTime: capture.FormFillTime{Required: true}, ProofOfWork: capture.FormProofOfWork{Required: true}}
	if err := def.Check(); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(def)
	if _, err := a.Store.SaveForm(ctx, store.Form{Slug: def.Slug, Name: def.Name, Definition: raw}, "test"); err != nil {
		t.Fatal(err)
	}

	pages := []string{"/", "/contacts", contact, "/campaigns", campaign, "/reports", "/insights",
		"/segments", "/segments/new", "/forms", "/forms/new", "/imports", "/scoring", "/scoring/predictive", "/enrichment", "/f/layout",
		"/settings", "/settings/users", "/settings/api-keys", "/settings/audit"}
	open := func(path string) {
		t.Helper()
		tab.do(chromedp.Navigate(a.URL() + path))
		tab.waitFor(`document.readyState === 'complete' && document.querySelector('main') !== null`)
	}

	t.Run("desktop", func(t *testing.T) {
		tab.do(chromedp.EmulateViewport(1280, 900))
		links := map[string]string{}
		for _, path := range pages {
			open(path)
			cut := tab.eval(`[...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1)
				.map(w => (w.querySelector('table')?.className || 'table') + ' is ' + w.scrollWidth + 'px in ' + w.clientWidth + 'px').join('; ')`)
			if cut != "" {
				t.Errorf("%s at 1280px: columns cut off: %s", path, cut)
			}
			// A heading wider than its column runs into the next one.
			if over := tab.eval(`[...document.querySelectorAll('main th')].filter(th => th.getClientRects().length && th.scrollWidth > th.clientWidth + 1)
				.map(th => '"' + th.textContent.trim() + '"').join(', ')`); over != "" {
				t.Errorf("%s at 1280px: headings overflow their columns: %s", path, over)
			}
			var hrefs []string
			if err := json.Unmarshal([]byte(tab.eval(`JSON.stringify([...new Set([...document.querySelectorAll('a[href^="/"]')].map(a => a.getAttribute('href')))])`)), &hrefs); err != nil {
				t.Fatal(err)
			}
			for _, h := range hrefs {
				if _, seen := links[h]; !seen {
					links[h] = path
				}
			}
		}
		// A campaign is named with a link to its own page, not to the list.
		for h, on := range links {
			if strings.HasPrefix(h, "/campaigns#") {
				t.Errorf("%s links a campaign to the list: %s", on, h)
				break
			}
		}
		// Every link inside the app leads to a page; fetched from the page, with its session.
		list, _ := json.Marshal(keys(links))
		dead, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`(async () => {
			const bad = [];
			for (const h of `+string(list)+`) {
				const r = await fetch(h, {credentials: 'same-origin', redirect: 'manual'});
				if (r.status !== 200) bad.push(h + ' ' + r.status);
			}
			return bad.join('\n');
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range strings.Split(dead, "\n") {
			if d != "" {
				href, _, _ := strings.Cut(d, " ")
				t.Errorf("dead link %s on %s", d, links[href])
			}
		}
	})

	t.Run("phone", func(t *testing.T) {
		tab.do(chromedp.EmulateViewport(390, 844))
		for _, path := range pages {
			open(path)
			if w := tab.eval(`document.documentElement.scrollWidth > innerWidth ? document.documentElement.scrollWidth + 'px' : ''`); w != "" {
				wide := tab.eval(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-wrap, .nav') && e.getBoundingClientRect().width < innerWidth * 3)
					.slice(-4).map(e => e.tagName.toLowerCase() + '.' + (typeof e.className === 'string' ? e.className : '')).join(', ')`)
				t.Errorf("%s at 390px is %s wide (%s)", path, w, wide)
			}
			// A card hides what sticks out of it: nothing may, except inside what scrolls.
			clipped := tab.eval(`[...document.querySelectorAll('main .card *')].filter(e => {
					if (e.closest('.table-wrap, pre, .code, svg') || e.getClientRects().length === 0) return false;
					return e.getBoundingClientRect().right > e.closest('.card').getBoundingClientRect().right + 1;
				}).slice(0, 4).map(e => e.tagName.toLowerCase() + '.' + e.className + ' "' + e.textContent.trim().slice(0, 30) + '"').join(', ')`)
			if clipped != "" {
				t.Errorf("%s at 390px: cut off at a card's edge: %s", path, clipped)
			}
		}
	})

	// Every input of the hosted form is named for a screen reader: by a label of its
	// own or an aria-label, also those the ALTCHA widget draws.
	t.Run("hosted form labels", func(t *testing.T) {
		open("/f/layout")
		tab.waitFor(`typeof document.querySelector('form altcha-widget')?.getState === 'function' && document.querySelector('altcha-widget input') !== null`)
		unnamed := tab.eval(`[...document.querySelectorAll('form input, form select, form textarea')].filter(e => e.type !== 'hidden' &&
				!(e.labels && [...e.labels].some(l => l.textContent.trim() !== '')) && !(e.getAttribute('aria-label') || '').trim() &&
				!(e.getAttribute('aria-labelledby') || '').split(/\s+/).some(id => document.getElementById(id)?.textContent.trim()))
			.map(e => e.tagName.toLowerCase() + '[name=' + e.name + ']').join(', ')`)
		if unnamed != "" {
			t.Errorf("/f/layout: inputs without a label: %s", unnamed)
		}
		if n := tab.eval(`String(document.querySelectorAll('form input:not([type=hidden]), form select, form textarea').length)`); n != "10" {
			t.Errorf("/f/layout has %s inputs, want 10 (7 fields shown, a consent, the honeypot, the widget's box)", n)
		}
	})
	tab.noConsoleErrors()
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
