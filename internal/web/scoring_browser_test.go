package web_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestScoringBrowser edits scoring rules on /scoring (a wrong filter is shown on its
// row), watches the recompute finish, and works a contact's page: scores with their
// reasons, the profile, qualification, and sales rejecting an SQL.
func TestScoringBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	adaID := seedCRM(t, a.Store)
	ctx := context.Background()
	tab := newTab(t, browser)
	shots := screenshotDir(t)

	tab.do(chromedp.Navigate(a.URL() + "/scoring"))
	tab.waitFor(`location.pathname === '/login'`)
	tab.signIn("grace@example.com")
	tab.waitFor(`location.pathname === '/scoring' && document.querySelectorAll('#fit-rules tr.rule-row').length === 5`)
	if !strings.Contains(tab.eval(`document.querySelector('#recompute-status').innerText`), "No rules saved yet") {
		t.Error("a fresh workspace does not say it has no rules")
	}
	if tab.eval(`document.querySelector('a[href="/scoring/predictive"]') ? 'yes' : 'no'`) != "yes" {
		t.Error("no link to the predictive model")
	}

	fit := func(row int, field string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`#fit-rules tr.rule-row:nth-child(%d) input[name=%s]`, row, field))
	}
	eng := func(row int, field string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`#engagement-rules tr.rule-row:nth-child(%d) [name=%s]`, row, field))
	}
	tab.do(
		chromedp.SendKeys(fit(1, "fit_filter"), `job_title contains "head" or job_title contains "vp"`),
		chromedp.SendKeys(fit(1, "fit_points"), "45"),
		chromedp.SendKeys(fit(1, "fit_label"), "Leads a team"),
		chromedp.SendKeys(fit(2, "fit_filter"), `company.domain = `),
		chromedp.SendKeys(fit(2, "fit_points"), "20"),
		chromedp.SendKeys(eng(1, "eng_type"), "page_view"),
		chromedp.SendKeys(eng(1, "eng_property"), "page_url"),
		chromedp.SendKeys(eng(1, "eng_value"), "/pricing"),
		chromedp.SendKeys(eng(1, "eng_points"), "30"),
		chromedp.SendKeys(eng(2, "eng_type"), "form_submit"),
		chromedp.SendKeys(eng(2, "eng_points"), "10"),
		chromedp.SendKeys(eng(2, "eng_half_life"), "14"),
		chromedp.Click(chromedp.CSS(`#rules-form button[type=submit]`)),
	)
	// The wrong filter is marked on its own row, and what was typed is kept.
	tab.waitFor(`document.querySelector('#fit-rules tr.rule-row:nth-child(2).has-error .field-error') !== null`)
	if got := tab.eval(`document.querySelector('#fit-rules tr.rule-row:nth-child(1) input[name=fit_label]').value`); got != "Leads a team" {
		t.Errorf("the first row lost its label: %q", got)
	}
	if latest, _, _ := a.Store.ScoringRules(ctx); latest.Version != 0 {
		t.Fatal("rules with a wrong filter were saved")
	}
	tab.do(
		chromedp.SetValue(fit(2, "fit_filter"), `company.domain = "analytical.example"`),
		chromedp.Click(chromedp.CSS(`#rules-form button[type=submit]`)),
	)
	tab.waitFor(`location.search.includes('saved=rules')`)
	// The page follows the recompute until it is done (the job worker runs it).
	tab.waitFor(`document.querySelector('#recompute-status')?.innerText.includes('done') && document.querySelector('.badge.score-active') !== null`)
	tab.screenshot(filepath.Join(shots, "scoring.png"))

	// A threshold the form refuses names its field.
	tab.do(
		chromedp.SetValue(chromedp.CSS(`input[name=sql_fit]`), "10"),
		chromedp.Click(chromedp.CSS(`.settings-form button[type=submit]`)),
	)
	tab.waitFor(`document.querySelector('input[name=sql_fit]').closest('.field').classList.contains('has-error')`)

	// Ada: "Head of Operations" at analytical.example → fit 45 + 20 = 65; one pricing
	// view and two form posts 18 days ago.
	tab.do(chromedp.Navigate(fmt.Sprintf("%s/contacts/%d", a.URL(), adaID)))
	tab.waitFor(`document.querySelector('#score-breakdown') !== null`)
	scores := tab.eval(`document.querySelector('#scores').innerText`)
	if !strings.Contains(scores, "65") || !strings.Contains(scores, "no model yet") {
		t.Errorf("scores card: %s", scores)
	}
	why := tab.eval(`document.querySelector('#score-breakdown').innerText`)
	for _, want := range []string{"Leads a team", `company.domain = "analytical.example"`, "+45", "+20", "Viewed a page", "of 30 when new", "Submitted a form", "of 10 when new", "Score history", "rules version 1"} {
		if !strings.Contains(why, want) && want != "rules version 1" {
			t.Errorf("breakdown lacks %q:\n%s", want, why)
		}
	}
	if strings.Contains(why, "page_view") || strings.Contains(why, "form_submit") {
		t.Errorf("the breakdown names events by their stored types:\n%s", why)
	}
	if !strings.Contains(tab.eval(`document.querySelector('#score-breakdown .score-history').innerHTML`), "rules version 1") {
		t.Error("the score history does not name the rule change")
	}
	// On a phone the open score history scrolls inside its card instead of widening the page.
	tab.do(chromedp.EmulateViewport(390, 844))
	tab.eval(`document.querySelector('#score-breakdown .score-history').open = true, ''`)
	if w := tab.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("with the score history open the contact page is %spx wide on a 390px phone", w)
	}
	tab.do(chromedp.EmulateViewport(1280, 900))
	if !strings.Contains(tab.eval(`document.querySelector('#profile').innerText`), "Seniority") {
		t.Error("no profile card")
	}
	// Qualify through the form.
	tab.do(
		chromedp.Click(chromedp.CSS(`#qualification > summary`)),
		chromedp.SetValue(chromedp.CSS(`select[name=budget]`), "approved"),
		chromedp.SetValue(chromedp.CSS(`select[name=authority]`), "decision_maker"),
		chromedp.SetValue(chromedp.CSS(`select[name=product_fit]`), "good"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=notes]`), "Wants the pilot live before the summer."),
		chromedp.Click(chromedp.CSS(`.qualify-form button[type=submit]`)),
	)
	tab.waitFor(`document.querySelector('#timeline').innerText.includes('Wants the pilot live before the summer.')`)
	tab.do(chromedp.Click(chromedp.CSS(`#qualification > summary`)))
	tab.screenshot(filepath.Join(shots, "contact-scores.png"))

	// Linus is an SQL: sales rejects him with a reason, and he is a lead again.
	linus, err := a.Store.Contacts(ctx, store.ContactFilter{Email: "linus@kernel.example"})
	if err != nil || len(linus.Contacts) != 1 {
		t.Fatal(err)
	}
	tab.do(chromedp.Navigate(fmt.Sprintf("%s/contacts/%d", a.URL(), linus.Contacts[0].ID)))
	tab.waitFor(`document.querySelector('#sales-actions form[action$="/reject"]') !== null`)
	tab.screenshot(filepath.Join(shots, "contact-sales.png"))
	tab.do(chromedp.Click(chromedp.CSS(`#sales-actions form[action$="/reject"] button`)))
	tab.waitFor(`document.querySelector('#sales-actions .has-error') !== null`)
	tab.do(
		chromedp.SendKeys(chromedp.CSS(`#sales-actions input[name=reason]`), "No budget until next year"),
		chromedp.Click(chromedp.CSS(`#sales-actions form[action$="/reject"] button`)),
	)
	tab.waitFor(`document.querySelector('.contact-stage .badge')?.textContent.trim() === 'Lead'`)
	if !strings.Contains(tab.eval(`document.querySelector('#timeline').innerText`), "No budget until next year") {
		t.Error("the rejection reason is not on the timeline")
	}
	// Disqualify with a reason from the list.
	tab.do(
		chromedp.SetValue(chromedp.CSS(`#sales-actions select[name=reason]`), "Competitor"),
		chromedp.Click(chromedp.CSS(`#sales-actions form[action$="/disqualify"] button`)),
	)
	tab.waitFor(`document.querySelector('.contact-stage .badge')?.textContent.trim() === 'Disqualified'`)
	time.Sleep(100 * time.Millisecond)
	// A refused form is answered 422 with the form again, which Chromium logs; that
	// is the expected answer here, and nothing else may be logged.
	tab.mu.Lock()
	kept := tab.errors[:0]
	for _, e := range tab.errors {
		if !strings.Contains(e, "status of 422") {
			kept = append(kept, e)
		}
	}
	tab.errors = kept
	tab.mu.Unlock()
	tab.noConsoleErrors()
}
