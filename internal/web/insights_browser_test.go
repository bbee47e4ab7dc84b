package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/demo"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestInsightsBrowser opens the dashboard and the audience insights over demo data in
// Chromium, follows a chart's bar to its contacts and removes a filter chip. Every page
// must load without console errors or CSP violations. LODESTONE_SCREENSHOTS=1 saves
// dashboard-demo.png, insights.png and contacts-filtered.png to docs/screenshots.
func TestInsightsBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	ctx := context.Background()
	if _, err := demo.Load(ctx, a.Store, demo.Options{Contacts: 1500, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	addUser(t, a.Store, "owner@example.com", "Olivia Owner", store.RoleAdmin)
	tab := newTab(t, browser)
	shots := screenshotDir(t)
	tab.logIn(a.URL(), "owner@example.com")
	tab.waitFor(`location.pathname === '/' && document.querySelectorAll('.kpi').length === 4 && document.readyState === 'complete'`)
	if n := tab.eval(`String(document.querySelectorAll('.weekly-chart rect.chart-bar').length)`); n == "0" {
		t.Fatal("the weekly chart has no bars")
	}
	if rows := tab.eval(`String(document.querySelectorAll('.hbar-chart g').length)`); rows == "0" {
		t.Fatal("the cost per lead and funnel charts are empty")
	}
	tab.screenshot(filepath.Join(shots, "dashboard-demo.png"))

	// A legend entry leads to that channel's contacts, with a chip that removes the filter.
	tab.do(chromedp.Click(chromedp.CSS(`.chart-legend a`)))
	tab.waitFor(`location.pathname === '/contacts' && location.search.includes('channel=') && document.querySelector('.filter-chip') !== null`)
	if n := tab.eval(`String(document.querySelectorAll('#contact-rows a.person').length)`); n == "0" {
		t.Fatal("the channel's contacts list is empty")
	}
	tab.screenshot(filepath.Join(shots, "contacts-filtered.png"))
	chips := tab.eval(`String(document.querySelectorAll('.filter-chip').length)`)
	tab.do(chromedp.Click(chromedp.CSS(`.filter-chip .filter-chip-remove`)))
	tab.waitFor(`document.querySelectorAll('.filter-chip').length === ` + chips + ` - 1`)

	tab.do(chromedp.Navigate(a.URL() + "/insights"))
	tab.waitFor(`document.querySelectorAll('.insight-card').length >= 6 && document.readyState === 'complete'`)
	text := tab.eval(`document.querySelector('main').innerText`)
	for _, want := range []string{"Where they come from", "Who they are", "First-touch channel", "Industry", "Seniority", "Pages seen", "Client and lead quality by source", "Why rejected"} {
		if !strings.Contains(text, want) {
			t.Errorf("the insights page lacks %q", want)
		}
	}
	if n := tab.eval(`String(document.querySelectorAll('svg.ci').length)`); n == "0" {
		t.Error("no lift interval is drawn")
	}
	tab.screenshot(filepath.Join(shots, "insights.png"))
	tab.do(chromedp.Click(chromedp.CSS(`.insight-card .insight-value a`)))
	tab.waitFor(`location.pathname === '/contacts' && location.search.includes('attribute=') && document.querySelector('.filter-chip') !== null`)
	tab.noConsoleErrors()
}
