package web_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestSettingsBrowser is an admin's round of the settings in Chromium: the hourly
// rate is saved; an API key is made on the page, shown once, works against the API
// and stops working when revoked; a teammate is added, opens their link, sets a
// password and logs in with it. Each page is photographed.
func TestSettingsBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	seedCRM(t, a.Store)
	addUser(t, a.Store, "olivia@example.com", "Olivia Owner", store.RoleAdmin)
	tab := newTab(t, browser)
	shots := screenshotDir(t)
	tab.logIn(a.URL(), "olivia@example.com")
	tab.waitFor(`location.pathname === '/' && document.readyState === 'complete'`)

	// Settings: the admin's link in the navigation, the workspace form.
	tab.do(chromedp.Click(chromedp.CSS(`.nav a[href="/settings"]`)))
	tab.waitFor(`location.pathname === '/settings' && document.querySelector('#workspace-settings') !== null`)
	tab.do(
		chromedp.SetValue(chromedp.CSS(`input[name=hourly_rate]`), "85"),
		chromedp.Click(chromedp.CSS(`input[name=newsletter_stage][value=subscriber]`)),
		chromedp.Click(chromedp.CSS(`#workspace-settings button[type=submit]`)),
	)
	tab.waitFor(`location.search === '?saved=1' && document.querySelector('input[name=hourly_rate]').value === '85.00'`)
	if v, _ := a.Store.Setting(context.Background(), "newsletter_stage"); v != "subscriber" {
		t.Fatalf("newsletter_stage %q", v)
	}
	tab.screenshot(filepath.Join(shots, "settings.png"))

	// API keys: made, shown once, working, revoked.
	tab.do(chromedp.Click(chromedp.CSS(`.admin-tabs a[href="/settings/api-keys"]`)))
	tab.waitFor(`location.pathname === '/settings/api-keys' && document.querySelector('#create-key') !== null`)
	tab.do(
		chromedp.SendKeys(chromedp.CSS(`#create-key input[name=name]`), "Website backend"),
		chromedp.SetValue(chromedp.CSS(`#create-key select[name=role]`), "read_only"),
		chromedp.Click(chromedp.CSS(`#create-key button[type=submit]`)),
	)
	tab.waitFor(`document.querySelector('#new-key input') !== null`)
	key := tab.eval(`document.querySelector('#new-key input').value`)
	if !strings.HasPrefix(key, "lsk_") {
		t.Fatalf("key shown: %q", key)
	}
	tab.screenshot(filepath.Join(shots, "settings-api-keys.png"))
	callAPI := func() int {
		t.Helper()
		req, _ := http.NewRequest("GET", a.URL()+"/api/v1/contacts", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := callAPI(); code != 200 {
		t.Fatalf("the new key gets %d", code)
	}
	tab.do(chromedp.Navigate(a.URL() + "/settings/api-keys"))
	tab.waitFor(`document.querySelector('.keys-table') !== null`)
	if strings.Contains(tab.eval(`document.body.innerHTML`), key) {
		t.Fatal("the key is shown again")
	}
	tab.do(chromedp.Click(chromedp.CSS(`.keys-table tr:last-child form[action$="/revoke"] button`)))
	tab.waitFor(`location.search === '?done=revoke' && document.querySelector('.keys-table tr:last-child .admin-off') !== null`)
	if code := callAPI(); code != 401 {
		t.Fatalf("the revoked key gets %d", code)
	}

	// The audit log shows what was just done.
	tab.do(chromedp.Click(chromedp.CSS(`.admin-tabs a[href="/settings/audit"]`)))
	tab.waitFor(`location.pathname === '/settings/audit' && document.querySelector('.audit-table') !== null`)
	if log := tab.eval(`document.querySelector('.audit-table').innerText`); !strings.Contains(log, "apikey.revoke") || !strings.Contains(log, "Olivia Owner") {
		t.Fatalf("audit log:\n%s", log)
	}
	tab.screenshot(filepath.Join(shots, "settings-audit.png"))

	// A teammate: added, their link opened, a password set, logged in with it.
	tab.do(chromedp.Click(chromedp.CSS(`.admin-tabs a[href="/settings/users"]`)))
	tab.waitFor(`location.pathname === '/settings/users' && document.querySelector('#add-user') !== null`)
	tab.do(
		chromedp.SendKeys(chromedp.CSS(`#add-user input[name=email]`), " Nora.Rep@Example.com"),
		chromedp.SendKeys(chromedp.CSS(`#add-user input[name=name]`), "Nora Rep"),
		chromedp.SetValue(chromedp.CSS(`#add-user select[name=role]`), "sales"),
		chromedp.Click(chromedp.CSS(`#add-user button[type=submit]`)),
	)
	tab.waitFor(`document.querySelector('#password-link input') !== null`)
	link := tab.eval(`document.querySelector('#password-link input').value`)
	// The link is made with the configured public URL; this server listens on a
	// port chosen when it started.
	_, path, ok := strings.Cut(link, "/set-password?token=")
	if !ok || path == "" {
		t.Fatalf("link %q", link)
	}
	link = a.URL() + "/set-password?token=" + path
	if !strings.Contains(tab.eval(`document.querySelector('.users-table').innerText`), "nora.rep@example.com") {
		t.Fatal("the new user is not listed with the normalised email")
	}
	tab.screenshot(filepath.Join(shots, "settings-team.png"))

	tab.do(chromedp.Click(chromedp.CSS(`.account button[type=submit]`)))
	tab.waitFor(`location.pathname === '/login'`)
	tab.do(chromedp.Navigate(link))
	tab.waitFor(`document.querySelector('input[name=password_again]') !== null`)
	tab.screenshot(filepath.Join(shots, "set-password.png"))
	tab.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.SendKeys(chromedp.CSS(`input[name=password_again]`), testPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
	)
	tab.waitFor(`location.pathname === '/' && document.querySelector('.account-name')?.textContent === 'Nora Rep'`)
	if tab.eval(`String(document.querySelector('.nav a[href="/settings"]') !== null)`) != "false" {
		t.Fatal("a sales rep sees the Settings link")
	}
	tab.do(chromedp.Click(chromedp.CSS(`.account button[type=submit]`)))
	tab.waitFor(`location.pathname === '/login'`)
	// The link works once (asked outside the tab, whose console would log the 403).
	if res, err := http.Get(link); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("the used link: %v %v", res.StatusCode, err)
	} else {
		res.Body.Close()
	}
	tab.logIn(a.URL(), "nora.rep@example.com")
	tab.waitFor(`location.pathname === '/' && document.querySelector('.account-name')?.textContent === 'Nora Rep'`)
	tab.noConsoleErrors()
}
