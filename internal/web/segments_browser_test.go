package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// htmxIdle holds when htmx has no request, swap or settle under way, so the
// elements it just drew listen to their events.
const htmxIdle = `document.querySelectorAll('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added').length === 0`

// TestSegmentsBrowser builds a segment in Chromium as a marketer would: picks an
// event condition, adds a condition, watches the count and the text form follow,
// edits the filter as text, saves, and finds the segment with its members.
func TestSegmentsBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	seedCRM(t, a.Store)
	// Ada looked at pricing twice this week, Grace once.
	now := time.Now().UTC()
	view := func(email string, ago time.Duration) store.Capture {
		return store.Capture{Type: "page_view", Email: email, OccurredAt: now.Add(-ago),
			Properties: map[string]any{"page_url": "https://lodestone.example/pricing"}}
	}
	if _, err := a.Store.Ingest(context.Background(), []store.Capture{
		view("ada@analytical.example", 48*time.Hour), view("ada@analytical.example", 24*time.Hour), view("grace@navylabs.example", 24*time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	tab := newTab(t, browser)
	shots := screenshotDir(t)

	tab.do(chromedp.Navigate(a.URL() + "/segments"))
	tab.waitFor(`location.pathname === '/login' && document.querySelector('input[name=email]') !== null`)
	tab.signIn("grace@example.com")
	tab.waitFor(`location.pathname === '/segments' && document.querySelector('a[href="/segments/new"]') !== null`)
	tab.do(chromedp.Click(chromedp.CSS(`a[href="/segments/new"]`)))
	tab.waitFor(`location.pathname === '/segments/new' && document.querySelector('#segment-count') !== null`)
	tab.do(chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Pricing visitors"))

	// The first row becomes an event condition: the builder redraws with its inputs.
	tab.eval(`(() => { const s = document.querySelector('select[name=g0r0_field]'); s.value = 'event'; s.dispatchEvent(new Event('change', {bubbles: true})); return ''; })()`)
	tab.waitFor(`document.querySelector('input[name=g0r0_etype]') !== null && ` + htmxIdle)
	tab.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=g0r0_etype]`), "page_view"),
		chromedp.SendKeys(chromedp.CSS(`input[name=g0r0_prop]`), "page_url"),
		chromedp.SendKeys(chromedp.CSS(`input[name=g0r0_pvalue]`), "/pricing"),
		chromedp.SendKeys(chromedp.CSS(`input[name=g0r0_count]`), "2"),
		chromedp.SendKeys(chromedp.CSS(`input[name=g0r0_days]`), "14"),
	)
	tab.waitFor(`document.querySelector('#filter-code')?.textContent === 'count(page_view where page_url contains "/pricing" in last 14 days) >= 2' && document.querySelector('#segment-count').textContent === '1'`)

	// A second condition in the same group: job title contains "head".
	tab.do(chromedp.Click(chromedp.CSS(`button[value="add-row:0"]`)))
	tab.waitFor(`document.querySelector('select[name=g0r1_field]') !== null && ` + htmxIdle)
	tab.eval(`(() => { const s = document.querySelector('select[name=g0r1_field]'); s.value = 'job_title'; s.dispatchEvent(new Event('change', {bubbles: true})); return ''; })()`)
	tab.waitFor(`document.querySelector('input[name=g0r1_value]') !== null && ` + htmxIdle)
	tab.eval(`(() => { const s = document.querySelector('select[name=g0r1_op]'); s.value = 'contains'; s.dispatchEvent(new Event('change', {bubbles: true})); return ''; })()`)
	tab.waitFor(`document.querySelector('select[name=g0r1_op]').value === 'contains' && document.querySelector('input[name=g0r1_value]') !== null && ` + htmxIdle)
	tab.do(chromedp.SendKeys(chromedp.CSS(`input[name=g0r1_value]`), "head"))
	tab.waitFor(`document.querySelector('#filter-code')?.textContent.endsWith(' and job_title contains "head"') && document.querySelector('#segment-count').textContent === '1'`)
	if got := tab.eval(`document.querySelector('.preview-list').innerText`); !strings.Contains(got, "Ada Lovelace") {
		t.Errorf("the preview does not show Ada: %q", got)
	}
	tab.screenshot(filepath.Join(shots, "segment-builder.png"))

	// Edited as text: a mistake is named with its position, a fix counts again.
	tab.do(chromedp.Click(chromedp.CSS(`button[value="to-text"]`)))
	tab.waitFor(`document.querySelector('#filter-text') !== null && ` + htmxIdle)
	tab.eval(`(() => { const t = document.querySelector('#filter-text'); t.value = 'count(page_view where page_url contains "/pricing" in last 14 days) >= 1 and contry = "US"'; t.dispatchEvent(new Event('input', {bubbles: true})); return ''; })()`)
	tab.waitFor(`document.querySelector('#preview .field-error')?.textContent.includes('at position 78: unknown field "contry"')`)
	tab.eval(`(() => { const t = document.querySelector('#filter-text'); t.value = 'count(page_view where page_url contains "/pricing" in last 14 days) >= 1'; t.dispatchEvent(new Event('input', {bubbles: true})); return ''; })()`)
	tab.waitFor(`document.querySelector('#segment-count')?.textContent === '2'`)
	tab.do(chromedp.Click(chromedp.CSS(`button[value="from-text"]`)))
	tab.waitFor(`document.querySelector('input[name=g0r0_etype]')?.value === 'page_view' && document.querySelector('select[name=g0r0_cop]').value === '>='`)

	tab.do(chromedp.Click(chromedp.CSS(`button[value=save]`)))
	tab.waitFor(`/^\/segments\/\d+$/.test(location.pathname) && document.querySelector('#segment-members')?.textContent === '2'`)
	members := tab.eval(`document.querySelector('#member-rows').innerText`)
	for _, want := range []string{"Ada Lovelace", "Grace Hopper"} {
		if !strings.Contains(members, want) {
			t.Errorf("members lack %s: %q", want, members)
		}
	}
	if tab.eval(`document.querySelector('a[href$="/members.csv"]') ? 'yes' : 'no'`) != "yes" {
		t.Error("no CSV export link")
	}
	tab.screenshot(filepath.Join(shots, "segment.png"))
	tab.do(chromedp.Click(chromedp.CSS(`.crumbs a[href="/segments"]`)))
	tab.waitFor(`location.pathname === '/segments' && document.querySelector('.segment-members')?.textContent === '2'`)
	tab.screenshot(filepath.Join(shots, "segments.png"))
	tab.noConsoleErrors()
}
