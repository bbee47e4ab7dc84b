package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestCaptureBrowser drives the capture screens in Chromium: a marketer builds a
// form and sees it live; a visitor fills the hosted page, whose ALTCHA widget solves
// the proof of work (the form requires it), and becomes a contact; a list is uploaded,
// its columns checked, and the import watched to the end.
func TestCaptureBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	ctx := context.Background()
	addUser(t, a.Store, "mia@example.com", "Mia Marketer", store.RoleMarketer)
	if _, err := a.Store.CreateCampaign(ctx, store.Campaign{Name: "Spring trade fair", Channel: "event"}, "test"); err != nil {
		t.Fatal(err)
	}
	shots := screenshotDir(t)
	tab := newTab(t, browser)
	tab.do(chromedp.Navigate(a.URL() + "/forms"))
	tab.waitFor(`location.pathname === '/login' && document.querySelector('input[name=email]') !== null`)
	tab.signIn("mia@example.com")
	tab.waitFor(`location.pathname === '/forms' && document.querySelector('a[href="/forms/new"]') !== null`)

	t.Run("build a form and submit it", func(t *testing.T) {
		tab.t = t
		tab.do(chromedp.Click(chromedp.CSS(`a[href="/forms/new"]`)))
		tab.waitFor(`location.pathname === '/forms/new' && document.querySelector('#form-preview .fp') !== null`)
		// A bad address is refused beside its field.
		tab.do(
			chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Spring webinar"),
			chromedp.SetValue(chromedp.CSS(`input[name=slug]`), "Spring Webinar"),
			chromedp.SendKeys(chromedp.CSS(`input[name=headline]`), "Join the spring webinar"),
		)
		// The live preview follows the typing.
		tab.waitFor(`document.querySelector('#form-preview .fp-title')?.textContent === 'Join the spring webinar'`)
		tab.do(chromedp.Click(chromedp.CSS(`#form-editor button[type=submit]`)))
		tab.waitFor(`document.querySelector('label.has-error input[name=slug]') !== null && document.querySelector('.field-error').textContent.includes('lower-case')`)
		tab.forget("422") // the refusal's status, which Chromium logs
		tab.do(
			chromedp.SetValue(chromedp.CSS(`input[name=slug]`), "spring-webinar"),
			chromedp.SetValue(chromedp.CSS(`input[name=field_name_4]`), "team_size"),
			chromedp.SetValue(chromedp.CSS(`input[name=field_label_4]`), "Team size"),
			chromedp.SetValue(chromedp.CSS(`select[name=field_type_4]`), "select"),
			chromedp.SetValue(chromedp.CSS(`textarea[name=field_options_4]`), "1-10\n11-50\n51+"),
			chromedp.Click(chromedp.CSS(`#form-editor button[type=submit]`)),
		)
		tab.waitFor(`location.pathname.startsWith('/forms/') && location.search === '?saved=1' && document.querySelector('#embed-script') !== null`)
		if got := tab.eval(`document.querySelector('#embed-script').textContent`); !strings.Contains(got, "/f/spring-webinar/embed.js") {
			t.Fatalf("embed code: %s", got)
		}
		if got := tab.eval(`document.querySelector('#embed-html').textContent`); !strings.Contains(got, `<altcha-widget challenge="`) || !strings.Contains(got, `name="team_size"`) {
			t.Fatalf("plain HTML form: %s", got)
		}
		tab.screenshot(filepath.Join(shots, "form-builder.png"))

		// A visitor from a newsletter link fills the hosted page.
		tab.do(chromedp.Navigate(a.URL() + "/f/spring-webinar?utm_source=newsletter&utm_medium=email&utm_campaign=april"))
		// The ALTCHA widget is drawn inside the form (its script loaded under the page's policy).
		tab.waitFor(`customElements.get('altcha-widget') !== undefined && typeof document.querySelector('form altcha-widget')?.getState === 'function'`)
		tab.do(
			chromedp.SendKeys(chromedp.CSS(`#f-email`), "lin@example.org"),
			chromedp.SendKeys(chromedp.CSS(`#f-first_name`), "Lin"),
			chromedp.SetValue(chromedp.CSS(`#f-team_size`), "11-50"),
		)
		tab.screenshot(filepath.Join(shots, "form-hosted.png"))
		time.Sleep(capture.MinFillTime + 100*time.Millisecond) // a person takes a moment: the form refuses faster posts
		tab.do(chromedp.Click(chromedp.CSS(`button[type=submit]`)))
		// The widget solves its challenge on submit, then sends the form.
		tab.waitFor(`location.pathname === '/f/spring-webinar/thanks' && document.querySelector('.thanks') !== null`)
		list, err := a.Store.Contacts(ctx, store.ContactFilter{Email: "lin@example.org"})
		if err != nil || len(list.Contacts) != 1 {
			t.Fatalf("the visitor is not a contact: %v", err)
		}
		c := list.Contacts[0]
		if c.FirstName != "Lin" || c.Custom["team_size"] != "11-50" || c.FirstTouch == nil || c.FirstTouch.Channel != "email" {
			t.Fatalf("contact = %+v, first touch %+v", c, c.FirstTouch)
		}
		// The post carried a proof of work, and it was spent.
		if n, _ := a.Store.CountSpentProofs(ctx); n != 1 {
			t.Fatalf("%d spent proofs, want 1", n)
		}
		tab.do(chromedp.Navigate(a.URL() + "/forms"))
		tab.waitFor(`document.querySelector('tbody tr td.num')?.textContent === '1'`)
		tab.screenshot(filepath.Join(shots, "forms.png"))
		tab.noConsoleErrors()
	})

	t.Run("embedded form on another site", func(t *testing.T) {
		tab.t = t
		var plainHTML string // the builder's plain HTML form, pasted on the site's /plain page
		site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			body := `<script src="` + a.URL() + `/f/acme-embed/embed.js" async></script>`
			if r.URL.Path == "/plain" {
				body = plainHTML
			}
			io.WriteString(w, `<!doctype html><html><head><title>Acme</title><link rel="icon" href="data:,"></head><body><h1>Acme webinars</h1>`+
				body+`</body></html>`)
		}))
		defer site.Close()
		def := capture.FormDefinition{Slug: "acme-embed", Name: "Acme embed", Fields: []capture.FormField{{Name: "email", Required: true}, {Name: "first_name"}},
			AllowedOrigins: []string{site.URL}, ProofOfWork: capture.FormProofOfWork{Required: true}}
		if err := def.Check(); err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(def)
		form, err := a.Store.SaveForm(ctx, store.Form{Slug: def.Slug, Name: def.Name, Kind: def.Kind, Definition: raw}, "test")
		if err != nil {
			t.Fatal(err)
		}
		spent, _ := a.Store.CountSpentProofs(ctx)
		tab.do(chromedp.Navigate(site.URL + "/?utm_source=linkedin&utm_medium=social"))
		tab.waitFor(`document.querySelector('.lodestone-form input[name=email]') !== null`)
		drawn := time.Now()
		// The widget solves the challenge as soon as the form is drawn.
		tab.waitFor(`document.querySelector('.lodestone-form altcha-widget')?.getState?.() === 'verified'`)
		tab.screenshot(filepath.Join(shots, "form-embedded.png"))
		// A bot copies the solved proof and spends it first: the visitor's post is
		// refused, the form says why and solves a fresh challenge, and the second
		// press of the button goes through.
		payload := tab.eval(`document.querySelector('.lodestone-form input[name=altcha]').value`)
		var solved struct {
			Number int64   `json:"number"`
			Took   float64 `json:"took"`
		}
		if raw, err := base64.StdEncoding.DecodeString(payload); err != nil || json.Unmarshal(raw, &solved) != nil {
			t.Fatalf("widget payload %q: %v", payload, err)
		}
		t.Logf("the widget solved a %d-bit challenge in %.0f ms (number %d)", capture.DefaultPowDifficulty, solved.Took, solved.Number)
		stolen, _ := json.Marshal(map[string]string{"email": "bot@example.net", "altcha": payload})
		res, err := http.Post(a.URL()+"/f/acme-embed", "application/json", strings.NewReader(string(stolen)))
		if err != nil || res.StatusCode != 201 {
			t.Fatalf("spending the widget's proof: %v %v", res, err)
		}
		res.Body.Close()
		tab.do(
			chromedp.SendKeys(chromedp.CSS(`.lodestone-form input[name=email]`), "kai@example.net"),
			chromedp.SendKeys(chromedp.CSS(`.lodestone-form input[name=first_name]`), "Kai"),
		)
		// A person takes a moment: the form's stamp refuses faster posts.
		time.Sleep(time.Until(drawn.Add(capture.MinFillTime + 100*time.Millisecond)))
		tab.do(chromedp.Click(chromedp.CSS(`.lodestone-form button[type=submit]`)))
		tab.waitFor(`[...document.querySelectorAll('.lodestone-form .lodestone-error')].some(e => e.textContent.includes('sent already'))`)
		tab.forget("400")
		tab.waitFor(`document.querySelector('.lodestone-form input[name=altcha]')?.value !== '` + payload + `' && document.querySelector('.lodestone-form altcha-widget').getState() === 'verified'`)
		tab.do(chromedp.Click(chromedp.CSS(`.lodestone-form button[type=submit]`)))
		tab.waitFor(`document.querySelector('.lodestone-thanks') !== null`)
		list, _ := a.Store.Contacts(ctx, store.ContactFilter{Email: "kai@example.net"})
		if len(list.Contacts) != 1 || list.Contacts[0].FirstTouch == nil || list.Contacts[0].FirstTouch.Channel != "social" {
			t.Fatalf("kai = %+v", list.Contacts)
		}
		if n, _ := a.Store.CountSpentProofs(ctx); n != spent+2 {
			t.Fatalf("spent proofs %d → %d; the embedded form posted without its fresh proof", spent, n)
		}
		tab.noConsoleErrors()

		// The plain HTML form from the builder, pasted on the same site: its widget
		// fetches the challenge across origins and solves it when the form is sent,
		// which then lands on the hosted thank-you page.
		tab.do(chromedp.Navigate(a.URL() + "/forms/" + strconv.FormatInt(form.ID, 10)))
		tab.waitFor(`document.querySelector('#embed-html') !== null`)
		plainHTML = tab.eval(`document.querySelector('#embed-html').textContent`)
		// The snippet names the server's public address, which a test server lacks.
		_, action, _ := strings.Cut(plainHTML, `<form method="post" action="`)
		public, _, ok := strings.Cut(action, "/f/acme-embed")
		if !ok || !strings.Contains(plainHTML, `<altcha-widget challenge="`+public+`/f/acme-embed/challenge"`) {
			t.Fatalf("plain HTML form: %s", plainHTML)
		}
		plainHTML = strings.ReplaceAll(plainHTML, public, a.URL())
		tab.do(chromedp.Navigate(site.URL + "/plain"))
		tab.waitFor(`typeof document.querySelector('form altcha-widget')?.getState === 'function'`)
		tab.do(
			chromedp.SendKeys(chromedp.CSS(`form input[name=email]`), "noor@example.net"),
			chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		)
		tab.waitFor(`location.pathname === '/f/acme-embed/thanks'`)
		list, _ = a.Store.Contacts(ctx, store.ContactFilter{Email: "noor@example.net"})
		if n, _ := a.Store.CountSpentProofs(ctx); len(list.Contacts) != 1 || n != spent+3 {
			t.Fatalf("plain HTML form: %d contacts, spent proofs %d → %d", len(list.Contacts), spent, n)
		}
		tab.noConsoleErrors()
	})

	t.Run("import a list", func(t *testing.T) {
		tab.t = t
		path := filepath.Join(t.TempDir(), "fair-leads.csv")
		csv := "Email,First Name,Last Name,Company,Booth notes\n" +
			"olga@example.com,Olga,Petrova,Kiosk GmbH,wants a demo\n" +
			"tom@example.com,Tom,Baker,Bakery Ltd,\n" +
			"not-an-email,Nobody,Here,,\n"
		if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		tab.do(chromedp.Navigate(a.URL() + "/imports"))
		tab.waitFor(`document.querySelector('input[type=file]') !== null`)
		tab.do(
			chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{path}),
			chromedp.SetValue(chromedp.CSS(`select[name=channel]`), "event"),
			chromedp.SetValue(chromedp.CSS(`select[name=consent]`), "legitimate_interest"),
		)
		tab.eval(`document.querySelector('select[name=campaign_id]').selectedIndex = 1, ''`)
		tab.do(chromedp.Click(chromedp.CSS(`.import-upload button[type=submit]`)))
		tab.waitFor(`location.pathname.startsWith('/imports/') && document.querySelectorAll('.import-preview select').length === 5`)
		if got := tab.eval(`[...document.querySelectorAll('.import-preview select')].map(s => s.value).join(',')`); got != "email,first_name,last_name,company," {
			t.Fatalf("guessed mapping = %s", got)
		}
		// Each column of the file is a row beside its first values, so a wide file needs no
		// sideways scrolling to check.
		if got := tab.eval(`[...document.querySelectorAll('.import-preview tbody tr')].map(r => r.querySelector('th').textContent + '=' + [...r.querySelectorAll('.import-samples span')].map(s => s.textContent).join('·')).join('|')`); got !=
			"Email=olga@example.com·tom@example.com·not-an-email|First Name=Olga·Tom·Nobody|Last Name=Petrova·Baker·Here|Company=Kiosk GmbH·Bakery Ltd|Booth notes=wants a demo" {
			t.Errorf("the columns and their first values: %s", got)
		}
		if w := tab.eval(`(w => w.scrollWidth > w.clientWidth ? 'wider' : '')(document.querySelector('.import-preview').closest('.table-wrap'))`); w != "" {
			t.Error("the mapping preview scrolls sideways")
		}
		// Keep the booth notes as a custom field.
		tab.eval(`(s => { s.value = 'custom.booth_notes'; return '' })(document.querySelector('select[name=map_4]'))`)
		tab.screenshot(filepath.Join(shots, "import-mapping.png"))
		tab.do(chromedp.Click(chromedp.CSS(`.import-preview ~ .form-actions button[type=submit], form .form-actions button.btn-primary`)))
		tab.waitFor(`document.querySelector('#import-progress h2')?.textContent === 'Imported' && document.querySelector('[data-stat=created]').textContent === '2'`)
		if got := tab.eval(`document.querySelector('[data-stat=rejected]').textContent`); got != "1" {
			t.Fatalf("rejected = %s", got)
		}
		if tab.eval(`document.querySelector('#import-progress a[download]')?.getAttribute('href') || ''`) == "" {
			t.Fatal("no link to the rejected rows")
		}
		tab.screenshot(filepath.Join(shots, "import-done.png"))
		list, _ := a.Store.Contacts(ctx, store.ContactFilter{Email: "olga@example.com"})
		if len(list.Contacts) != 1 || list.Contacts[0].Custom["booth_notes"] != "wants a demo" || list.Contacts[0].FirstTouch == nil ||
			list.Contacts[0].FirstTouch.Campaign == nil || list.Contacts[0].FirstTouch.Campaign.Name != "Spring trade fair" {
			t.Fatalf("olga = %+v", list.Contacts)
		}
		tab.noConsoleErrors()
	})
}

// forget drops the console errors seen so far that mention what, once the test has
// provoked them on purpose.
func (tb *tab) forget(what string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	kept := tb.errors[:0]
	for _, e := range tb.errors {
		if !strings.Contains(e, what) {
			kept = append(kept, e)
		}
	}
	tb.errors = kept
}
