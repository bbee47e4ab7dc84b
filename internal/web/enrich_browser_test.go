package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/demo"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestEnrichmentAndPredictiveInBrowser uploads a company list on /enrichment, sees
// the background enrichment at work, and trains the predictive score from
// /scoring/predictive over the demo workspace, as a marketer would.
func TestEnrichmentAndPredictiveInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	if testing.Short() {
		t.Skip("loads the demo data")
	}
	browser := startBrowser(t)
	a := startApp(t, nil)
	ctx := context.Background()
	if _, err := demo.Load(ctx, a.Store, demo.Options{Contacts: 600, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	addUser(t, a.Store, "mia@example.com", "Mia Marketer", store.RoleAdmin)
	shots := screenshotDir(t)
	tab := newTab(t, browser)
	tab.do(chromedp.Navigate(a.URL() + "/enrichment"))
	tab.waitFor(`location.pathname === '/login'`)
	tab.signIn("mia@example.com")
	tab.waitFor(`location.pathname === '/enrichment' && document.querySelector('#enriched-count') !== null`)
	// The background loop enriches the demo contacts within seconds: reload until it has.
	for deadline := time.Now().Add(30 * time.Second); ; {
		n, _ := strconv.Atoi(strings.ReplaceAll(tab.eval(`document.querySelector('#enriched-count').textContent`), ",", ""))
		if n >= 600 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d contacts enriched after 30 s", n)
		}
		time.Sleep(500 * time.Millisecond)
		tab.do(chromedp.Reload())
	}

	list := filepath.Join(t.TempDir(), "companies.csv")
	if err := os.WriteFile(list, []byte("domain,name,industry,employees,country\nnorthwind.example.com,Northwind Traders,Wholesale,240,US\nexample-fabrik.de,Example Fabrik,Manufacturing,1800,DE\ngmail.com,Gmail,,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tab.do(
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=file]`), []string{list}),
		chromedp.Click(chromedp.CSS(`form[action="/enrichment/companies"] button[type=submit]`)),
	)
	tab.waitFor(`document.querySelector('#import-result') !== null`)
	res := tab.eval(`document.querySelector('#import-result').innerText`)
	if !strings.Contains(res, "1 row skipped") || !strings.Contains(res, "Line 4, domain") {
		t.Fatalf("import result: %q", res)
	}
	tab.screenshot(filepath.Join(shots, "enrichment.png"))

	tab.do(chromedp.Navigate(a.URL() + "/scoring/predictive"))
	tab.waitFor(`document.querySelector('#model-auc') !== null`)
	if tab.eval(`document.querySelector('#model-auc').textContent`) == "—" {
		tab.do(chromedp.Click(chromedp.CSS(`form[action="/scoring/predictive/train"] button`)))
	}
	// The job runs in the background; the page follows it and shows the model.
	tab.waitFor(`/^\d\.\d\d$/.test(document.querySelector('#model-auc')?.textContent ?? '') && document.querySelectorAll('.predict-weights rect').length > 3`)
	auc, _ := strconv.ParseFloat(tab.eval(`document.querySelector('#model-auc').textContent`), 64)
	if auc < 0.7 {
		t.Errorf("holdout AUC on the demo = %.2f", auc)
	}
	if n := tab.eval(`String(document.querySelectorAll('tbody tr a[href^="/contacts/"]').length)`); n == "0" {
		t.Error("no open lead listed with its score")
	}
	if labels := tab.eval(`[...document.querySelectorAll('.predict-label')].map(l => l.textContent).join('|')`); strings.Contains(labels, "_") {
		t.Errorf("a feature is named by its stored code: %s", labels)
	}
	// The counts of the training add up: learned from plus tested on is every known outcome.
	var learned, tested, customers, lost int
	trained := tab.eval(`document.querySelector('#trained-on').textContent`)
	if _, err := fmt.Sscanf(trained, "learned from %d leads, tested on %d more: %d customers and %d lost in all", &learned, &tested, &customers, &lost); err != nil ||
		learned+tested != customers+lost {
		t.Errorf("the training's counts do not add up: %q", trained)
	}
	tab.screenshot(filepath.Join(shots, "predictive.png"))

	// With a model the contact list shows its column beside fit and engagement.
	tab.do(chromedp.Navigate(a.URL() + "/contacts?sort=fit"))
	tab.waitFor(`[...document.querySelectorAll('.contacts-table thead th')].some(th => th.textContent === 'Predictive')
		&& [...document.querySelectorAll('#contact-rows .score-predictive .score-value')].some(v => /^\d+%$/.test(v.textContent))`)
	tab.noConsoleErrors()
}
