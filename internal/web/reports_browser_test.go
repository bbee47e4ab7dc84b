package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/demo"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestReportsBrowser opens the sources report and a campaign's page over demo data in
// Chromium, follows a number to the contacts behind it, and saves screenshots
// (LODESTONE_SCREENSHOTS=1 writes them to docs/screenshots).
func TestReportsBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	ctx := context.Background()
	now := time.Now().UTC()
	if _, err := demo.Load(ctx, a.Store, demo.Options{Contacts: 1200, Now: now}); err != nil {
		t.Fatal(err)
	}
	addUser(t, a.Store, "owner@example.com", "Olga Owner", store.RoleAdmin)
	if err := a.Store.SetSetting(ctx, "hourly_rate", "45.00", "test"); err != nil {
		t.Fatal(err)
	}
	tab := newTab(t, browser)
	shots := screenshotDir(t)
	tab.logIn(a.URL(), "owner@example.com")
	tab.waitFor(`location.pathname === '/'`)

	// Six months by campaign under W-shaped: rows, totals, the charts and the funnel.
	from := now.AddDate(0, -6, 0).Format(time.DateOnly)
	tab.do(chromedp.Navigate(a.URL() + "/reports?period=custom&from=" + from + "&to=" + now.Format(time.DateOnly) + "&group_by=campaign&model=w_shaped"))
	tab.waitFor(`document.querySelectorAll('.report-table tbody tr').length >= 5 && document.querySelectorAll('svg.chart polyline').length >= 3`)
	text := tab.eval(`document.querySelector('main').innerText`)
	for _, want := range []string{"Sources report", "Total", "Loaded cost", "Trend", "Funnel", "Customer", "W-shaped"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Every column, hours, loaded cost and speed to lead too, fits at 1280 pixels.
	if fit := tab.eval(`(w => w.scrollWidth <= w.clientWidth ? 'fits' : w.scrollWidth + ' > ' + w.clientWidth)(document.querySelector('.report-table').parentElement)`); fit != "fits" {
		t.Errorf("the report table overflows its card: %s pixels", fit)
	}
	if fit := tab.eval(`(w => w.scrollWidth <= w.clientWidth ? 'fits' : w.scrollWidth + ' > ' + w.clientWidth)(document.querySelector('.trend-table').parentElement)`); fit != "fits" {
		t.Errorf("the trend's table overflows: %s pixels", fit)
	}
	for _, want := range []string{"Hours\nper lead", "Speed to lead"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	tab.screenshot(filepath.Join(shots, "reports.png"))

	// A number leads to the contacts behind it.
	href := tab.eval(`document.querySelector('.report-table tbody tr td.num a').getAttribute('href')`)
	if !strings.HasPrefix(href, "/contacts?") || !strings.Contains(href, "created_from="+from) {
		t.Errorf("new leads link: %q", href)
	}
	tab.noConsoleErrors()
	// A row's revenue leads to the customers W-shaped credits it with, named in a chip
	// that removes the filter.
	tab.do(chromedp.Click(chromedp.CSS(`.report-table tbody tr a[href*="credited_kind=revenue"]`)))
	tab.waitFor(`location.pathname === '/contacts' && document.querySelector('.filter-chips') !== null`)
	chip := tab.eval(`document.querySelector('.filter-chips').innerText`)
	if !strings.Contains(chip, "Credited to:") || !strings.Contains(chip, "under W-shaped, revenue, "+from) {
		t.Errorf("the credited chip reads %q", chip)
	}
	if n := tab.eval(`String(document.querySelectorAll('a.person').length)`); n == "0" {
		t.Error("no contacts behind a row's revenue")
	}
	tab.do(chromedp.Click(chromedp.CSS(`.filter-chip-remove`)))
	tab.waitFor(`location.pathname === '/contacts' && !location.search.includes('credited')`)
	tab.noConsoleErrors()

	// The campaigns list, and the page of the campaign with the most spent.
	tab.do(chromedp.Navigate(a.URL() + "/campaigns"))
	tab.waitFor(`document.querySelectorAll('.campaigns-table tbody tr').length >= 3`)
	tab.screenshot(filepath.Join(shots, "campaigns.png"))
	tab.do(chromedp.Click(chromedp.CSS(`.campaigns-table tbody tr a`)))
	tab.waitFor(`location.pathname.startsWith('/campaigns/') && document.querySelector('#costs') !== null`)
	tab.do(
		chromedp.SendKeys(chromedp.CSS(`.cost-form input[name=date]`), now.Format("01022006")),
		chromedp.SendKeys(chromedp.CSS(`.cost-form input[name=amount]`), "1.250,00"),
		chromedp.SendKeys(chromedp.CSS(`.cost-form input[name=hours]`), "3,5"),
		chromedp.SendKeys(chromedp.CSS(`.cost-form input[name=note]`), "Printed flyers"),
		chromedp.Click(chromedp.CSS(`.cost-form button[type=submit]`)),
	)
	tab.waitFor(`document.querySelector('#costs').innerText.includes('Printed flyers')`)
	tab.screenshot(filepath.Join(shots, "campaign.png"))
	tab.noConsoleErrors()
}
