package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestLeadsBecomeMQLAndSQLInBrowser is the marketer's story of SPEC sections 3 and 4
// on screen: the ideal customer profile, six engagement rules (more than the empty
// rows on offer, in one save) and the thresholds set on /scoring; a lead's events
// posted through the API; its page showing the new scores with their reasons and the
// stage moving to MQL and then SQL by itself. Then the contact of an enriched company
// shows the company's name, industry and size, and the contact list sorts by
// engagement with its score columns.
func TestLeadsBecomeMQLAndSQLInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	browser := startBrowser(t)
	a := startApp(t, nil)
	ctx := context.Background()
	addUser(t, a.Store, "mia@example.com", "Mia Marketer", store.RoleMarketer)
	key := apiKey(t, a.Store)
	shots := screenshotDir(t)
	tab := newTab(t, browser)

	// The thresholds: MQL at fit 40 and engagement 20, SQL at fit 50 and engagement 60.
	tab.do(chromedp.Navigate(a.URL() + "/scoring"))
	tab.waitFor(`location.pathname === '/login'`)
	tab.signIn("mia@example.com")
	tab.waitFor(`location.pathname === '/scoring' && document.querySelector('#more-rules') !== null`)
	for name, v := range map[string]string{"mql_fit": "40", "mql_engagement": "20", "sql_fit": "50", "sql_engagement": "60"} {
		tab.do(chromedp.SetValue(chromedp.CSS(`input[name=`+name+`]`), v))
	}
	tab.do(chromedp.Click(chromedp.CSS(`.settings-form button[type=submit]`)))
	tab.waitFor(`location.search.includes('saved=settings')`)
	if set, _ := a.Store.ScoringSettings(ctx); set.MQLEngagement != 20 || set.SQLEngagement != 60 {
		t.Fatalf("settings after the save: %+v", set)
	}

	// The rules: one fit rule and six engagement rules, with one click for more rows.
	fit := func(row int, field string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`#fit-rules tr.rule-row:nth-child(%d) input[name=%s]`, row, field))
	}
	eng := func(row int, field string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`#engagement-rules tr.rule-row:nth-child(%d) [name=%s]`, row, field))
	}
	tab.do(
		chromedp.SendKeys(fit(1, "fit_filter"), `job_title contains "head"`),
		chromedp.SendKeys(fit(1, "fit_points"), "60"),
		chromedp.SendKeys(fit(1, "fit_label"), "Leads a team"),
	)
	engRules := []struct{ typ, prop, value, points, label string }{
		{"page_view", "page_url", "/pricing", "25", "Read the pricing"},
		{"form_submit", "", "", "10", "Sent a form"},
		{"email_open", "", "", "2", ""},
		{"email_click", "", "", "5", ""},
		{"webinar_attended", "", "", "15", "Came to a webinar"},
		{"meeting_booked", "", "", "30", "Booked a meeting"},
	}
	typeRule := func(row int) {
		r := engRules[row-1]
		tab.do(chromedp.SendKeys(eng(row, "eng_type"), r.typ), chromedp.SendKeys(eng(row, "eng_points"), r.points))
		if r.prop != "" {
			tab.do(chromedp.SendKeys(eng(row, "eng_property"), r.prop), chromedp.SendKeys(eng(row, "eng_value"), r.value))
		}
		if r.label != "" {
			tab.do(chromedp.SendKeys(eng(row, "eng_label"), r.label))
		}
	}
	for row := 1; row <= 5; row++ {
		typeRule(row)
	}
	tab.do(chromedp.Click(chromedp.CSS(`#more-rules`)))
	tab.waitFor(`document.querySelectorAll('#engagement-rules tr.rule-row').length === 10 && document.querySelector('[role=status]')?.innerText.includes('not saved yet')`)
	if got := tab.eval(`document.querySelector('#engagement-rules tr.rule-row:nth-child(5) input[name=eng_label]').value`); got != "Came to a webinar" {
		t.Fatalf("the fifth rule's label after more rows: %q", got)
	}
	if latest, _, _ := a.Store.ScoringRules(ctx); latest.Version != 0 {
		t.Fatal("more rows saved the rules")
	}
	typeRule(6)
	tab.do(chromedp.Click(chromedp.CSS(`#save-rules`)))
	tab.waitFor(`location.search.includes('saved=rules')`)
	tab.waitFor(`document.querySelector('#recompute-status')?.innerText.includes('done') && document.querySelector('.badge.score-active') !== null`)
	if latest, _, _ := a.Store.ScoringRules(ctx); latest.Version != 1 || len(latest.Rules.Engagement) != 6 || len(latest.Rules.Fit) != 1 {
		t.Fatalf("rules after one save: version %d, %d fit, %d engagement", latest.Version, len(latest.Rules.Fit), len(latest.Rules.Engagement))
	}
	tab.noConsoleErrors()

	// Jo, head of operations, fills a form: a lead with fit 60 and engagement 10.
	post := func(events ...string) {
		t.Helper()
		req, _ := http.NewRequest("POST", a.URL()+"/api/v1/events", strings.NewReader(`{"events":[`+strings.Join(events, ",")+`]}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("post events: %d", res.StatusCode)
		}
	}
	pricing := `{"type":"page_view","email":"jo@acme-robotics.com","properties":{"page_url":"https://lodestone.example/pricing"}}`
	post(`{"type":"form_submit","email":"jo@acme-robotics.com","properties":{"first_name":"Jo","last_name":"Lindqvist","job_title":"Head of Operations"}}`)
	page, err := a.Store.Contacts(ctx, store.ContactFilter{Email: "jo@acme-robotics.com"})
	if err != nil || len(page.Contacts) != 1 {
		t.Fatalf("Jo: %v %v", page, err)
	}
	jo := page.Contacts[0].ID
	contactURL := fmt.Sprintf("%s/contacts/%d", a.URL(), jo)
	// seeStage reloads Jo's page until it shows the stage and scores, for 20 s at most:
	// the scorer works in the background, within a second of an event.
	seeStage := func(stage, fit, engagement string) {
		t.Helper()
		cond := fmt.Sprintf(`document.querySelector('.contact-stage .badge.stage-%s') !== null && document.querySelector('#scores .score-num')?.textContent === %q
			&& document.querySelectorAll('#scores .score-num')[1]?.textContent === %q`, stage, fit, engagement)
		tab.do(chromedp.Navigate(contactURL))
		for deadline := time.Now().Add(20 * time.Second); ; {
			tab.waitFor(`document.querySelector('#scores') !== null`)
			if tab.eval(`String(`+cond+`)`) == "true" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("Jo's page never showed %s with fit %s and engagement %s; scores: %s, stage: %s", stage, fit, engagement,
					tab.eval(`document.querySelector('#scores').innerText`), tab.eval(`document.querySelector('.contact-stage').innerText`))
			}
			time.Sleep(300 * time.Millisecond)
			tab.do(chromedp.Navigate(contactURL))
		}
	}
	seeStage("lead", "60", "10")

	// One look at the pricing: engagement 35 → MQL.
	post(pricing)
	seeStage("mql", "60", "35")
	why := tab.eval(`document.querySelector('#score-breakdown').innerText`)
	for _, want := range []string{"Leads a team", "+60", "Read the pricing", "Sent a form"} {
		if !strings.Contains(why, want) {
			t.Errorf("the breakdown at MQL lacks %q:\n%s", want, why)
		}
	}
	tab.screenshot(filepath.Join(shots, "contact-mql.png"))

	// Two more: engagement 85 → SQL, each move on the ladder and the timeline.
	post(pricing, pricing)
	seeStage("sql", "60", "85")
	ladder := tab.eval(`Array.from(document.querySelectorAll('.ladder li')).map(li => li.innerText.replace(/\s+/g, ' ')).join(' | ')`)
	if !strings.Contains(ladder, "(now)") || !strings.Contains(ladder, "MQL") {
		t.Errorf("the stage ladder at SQL: %s", ladder)
	}
	timeline := tab.eval(`document.querySelector('#timeline').innerText`)
	if strings.Count(timeline, "Read the pricing")+strings.Count(timeline, "Viewed a page") < 3 {
		t.Errorf("the timeline lacks the pricing views:\n%s", timeline)
	}
	stages := tab.eval(`Array.from(document.querySelectorAll('#timeline .tl-stage .badge')).map(b => b.className).join(' ')`)
	if !strings.Contains(stages, "stage-mql") || !strings.Contains(stages, "stage-sql") {
		t.Errorf("the timeline's stage moves: %s", stages)
	}
	tab.screenshot(filepath.Join(shots, "contact-sql.png"))

	// Jo's company, enriched from a company list uploaded on /enrichment.
	list := filepath.Join(t.TempDir(), "companies.csv")
	if err := os.WriteFile(list, []byte("domain,name,industry,employees,country\nacme-robotics.com,Acme Robotics,Industrial automation,320,SE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tab.do(chromedp.Navigate(a.URL() + "/enrichment"))
	tab.waitFor(`document.querySelector('form[action="/enrichment/companies"] input[name=file]') !== null`)
	tab.do(
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=file]`), []string{list}),
		chromedp.Click(chromedp.CSS(`form[action="/enrichment/companies"] button[type=submit]`)),
	)
	tab.waitFor(`document.querySelector('#import-result') !== null`)
	tab.do(chromedp.Navigate(contactURL))
	tab.waitFor(`document.querySelector('#profile') !== null`)
	head := tab.eval(`document.querySelector('.contact-title').innerText`)
	facts := tab.eval(`document.querySelector('.contact-head .facts').innerText`)
	profile := tab.eval(`document.querySelector('#profile').innerText`)
	if !strings.Contains(head, "Head of Operations at Acme Robotics") {
		t.Errorf("the contact's heading lacks the company's name: %q", head)
	}
	if !strings.Contains(facts, "Company\nAcme Robotics acme-robotics.com") {
		t.Errorf("the contact's facts lack the company: %q", facts)
	}
	for _, want := range []string{"Industry\nIndustrial automation", "Company size\n201-500", "320 employees", "Company country\nSE"} {
		if !strings.Contains(profile, want) {
			t.Errorf("the profile lacks %q:\n%s", want, profile)
		}
	}

	// A few more leads, and the list by engagement with its score columns.
	for i, who := range []string{"ana@northwind.example", "bo@globex.example", "cy@initech.example"} {
		events := []string{fmt.Sprintf(`{"type":"form_submit","email":%q,"properties":{"job_title":%q}}`, who, []string{"Analyst", "Head of IT", "Intern"}[i])}
		for range i + 1 {
			events = append(events, strings.ReplaceAll(pricing, "jo@acme-robotics.com", who))
		}
		post(events...)
	}
	// Scores follow each event within a second: wait for the last lead's, then sort
	// the list by engagement on the screen. Equal engagement: newest first.
	for deadline := time.Now().Add(20 * time.Second); ; {
		page, err := a.Store.Contacts(ctx, store.ContactFilter{Sort: store.SortEngagement})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range page.Contacts {
			got = append(got, fmt.Sprintf("%s %d/%d", strings.Split(c.Email, "@")[0], c.FitScore, c.EngagementScore))
		}
		if strings.Join(got, ", ") == "cy 0/85, jo 60/85, bo 60/60, ana 0/35" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the contacts by engagement in the store: %v", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
	tab.do(chromedp.Navigate(a.URL() + "/contacts"))
	tab.waitFor(`document.querySelectorAll('#contact-rows tr').length === 4`)
	tab.do(chromedp.SetValue(chromedp.CSS(`select[name=sort]`), "engagement"), chromedp.Click(chromedp.CSS(`.filters button[type=submit]`)))
	tab.waitFor(`location.search.includes('sort=engagement') && document.readyState === 'complete' && document.querySelector('select[name=sort]')?.value === 'engagement' && document.querySelector('.contacts-table thead th[aria-sort]') !== null`)
	rows := tab.eval(`Array.from(document.querySelectorAll('#contact-rows tr')).map(tr =>
		tr.querySelector('.contact-cell span').textContent.split('@')[0] + ' ' + tr.querySelector('.score-fit .score-value').textContent + '/' + tr.querySelector('.score-engagement .score-value').textContent).join(', ')`)
	if rows != "cy 0/85, jo 60/85, bo 60/60, ana 0/35" {
		t.Errorf("the list by engagement on screen: %s", rows)
	}
	if got := tab.eval(`Array.from(document.querySelectorAll('.contacts-table thead th')).map(th => th.textContent + (th.getAttribute('aria-sort') ? '↓' : '')).join(',')`); got != "Name,Email / phone,Company,Stage,Fit,Engagement↓,Original source,Created" {
		t.Errorf("the list's columns: %s", got)
	}
	tab.screenshot(filepath.Join(shots, "contacts-by-engagement.png"))
	// On a phone the scores stay in each contact's card without widening the page.
	tab.do(chromedp.EmulateViewport(390, 844))
	if w := tab.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("the contact list is %spx wide on a 390px phone", w)
	}
	tab.screenshot(filepath.Join(shots, "contacts-by-engagement-phone.png"))
	tab.do(chromedp.EmulateViewport(1280, 900))
	tab.noConsoleErrors()
}

// apiKey makes an admin API key in s and returns it.
func apiKey(t *testing.T, s *store.Store) string {
	t.Helper()
	key, shown := auth.NewAPIKey()
	if _, err := s.CreateAPIKey(context.Background(), store.APIKey{Name: "test", Role: store.RoleAdmin, Prefix: shown}, auth.HashToken(key), "test"); err != nil {
		t.Fatal(err)
	}
	return key
}
