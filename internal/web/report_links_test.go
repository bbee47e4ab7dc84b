package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/demo"
	"github.com/lodestone-hq/lodestone/internal/store"
)

var (
	anchorRE = regexp.MustCompile(`(?s)<a ([^>]*)>(.*?)</a>`)
	attrRE   = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
	personRE = regexp.MustCompile(`class="person" href="/contacts/(\d+)"`)
	// The count a link says it opens: "opens its 12 new leads", "opens the 3 customers",
	// "4 SQLs rejected: no budget".
	opensRE = regexp.MustCompile(`(?i)(?:opens (?:the|its) ([\d,]+) |^([\d,]+) SQLs rejected)`)
)

type pageLink struct {
	href, text string
	attrs      map[string]string
}

// contactLinks are the page's links to the contacts list.
func contactLinksOf(body string) []pageLink {
	var out []pageLink
	for _, m := range anchorRE.FindAllStringSubmatch(body, -1) {
		l := pageLink{text: strings.TrimSpace(html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(m[2], ""))), attrs: map[string]string{}}
		for _, a := range attrRE.FindAllStringSubmatch(m[1], -1) {
			l.attrs[a[1]] = html.UnescapeString(a[2])
		}
		l.href = l.attrs["href"]
		if strings.HasPrefix(l.href, "/contacts?") {
			out = append(out, l)
		}
	}
	return out
}

// listed follows a link to the contacts list and returns the ids it lists.
func (e *uiEnv) listed(t *testing.T, href string, cookie *http.Cookie) []string {
	t.Helper()
	w := e.do("GET", href+"&limit=500", nil, cookie)
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "More contacts") || strings.Contains(w.Body.String(), "cursor=") {
		t.Fatalf("%s lists more than a page", href)
	}
	var ids []string
	for _, m := range personRE.FindAllStringSubmatch(w.Body.String(), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// shownCount is the number of contacts a link says it opens: its text when that is a
// count, or the count in its title or label; ok is false for money and plain ratios.
func shownCount(l pageLink) (int, bool) {
	if n, err := strconv.Atoi(strings.ReplaceAll(l.text, ",", "")); err == nil {
		return n, true
	}
	for _, s := range []string{l.attrs["aria-label"], l.attrs["title"]} {
		if i := strings.Index(s, ": "); i >= 0 && opensRE.MatchString(s[i+2:]) {
			s = s[i+2:]
		}
		if m := opensRE.FindStringSubmatch(s); m != nil {
			n, err := strconv.Atoi(strings.ReplaceAll(m[1]+m[2], ",", ""))
			return n, err == nil
		}
	}
	return 0, false
}

// Every number of the sources report (its rows and totals, the trend's points and
// months), of the lead quality table and of the dashboard that links to contacts opens
// as many as it shows, or as its title says it opens for a ratio. Over demo data.
func TestReportLinksOpenTheCountShown(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("ola@example.com", store.RoleReadOnly)
	ola := e.login("ola@example.com")
	ctx := context.Background()
	now := time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)
	e.store.Now = func() time.Time { return now }
	if _, err := demo.Load(ctx, e.store, demo.Options{Contacts: 400, Now: now}); err != nil {
		t.Fatal(err)
	}
	checked := map[string]int{}
	seen := map[string]bool{}
	for _, page := range []string{
		"/reports?period=custom&from=2025-10-01&to=2026-03-18&group_by=channel&model=first_touch",
		"/reports?period=custom&from=2025-10-01&to=2026-03-18&group_by=campaign&model=first_touch",
		"/reports?period=last_90_days&group_by=channel,campaign&model=linear",
		"/insights?from=2025-10-01&to=2026-03-18&quality_by=channel",
		"/insights?from=2025-10-01&to=2026-03-18&quality_by=campaign",
		"/",
	} {
		w := e.do("GET", page, nil, ola)
		wantStatus(t, w, http.StatusOK)
		for _, l := range contactLinksOf(w.Body.String()) {
			want, ok := shownCount(l)
			if !ok || seen[l.href] {
				continue
			}
			seen[l.href] = true
			got := len(e.listed(t, l.href, ola))
			if strings.Contains(l.href, "quality=referrers") {
				// The figure counts referrals; the list, the customers who made them.
				if got > want || got == 0 {
					t.Errorf("%s: %q referrals open %d customers: %s", page, l.text, got, l.href)
				}
			} else if got != want {
				t.Errorf("%s: %q (%s) opens %d contacts, want %d: %s", page, l.text, l.attrs["title"]+l.attrs["aria-label"], got, want, l.href)
			}
			q, _ := url.Parse(l.href)
			kind := "list"
			for _, k := range []string{"quality", "reached", "credited"} {
				if v := q.Query().Get(k); v != "" {
					kind = k + "=" + v
				}
			}
			checked[kind]++
		}
	}
	// The figures of the audit each had a link checked.
	for _, kind := range []string{"list", "reached=customer", "reached=sql", "quality=repeat", "quality=accepted", "quality=rejected", "credited=linear"} {
		if checked[kind] == 0 {
			t.Errorf("no %s link checked; checked %v", kind, checked)
		}
	}
	t.Logf("links checked: %v", checked)
}

// The quality table's figures open their contacts, worked out by hand. March 2026:
//
//	ada  paid search; won 100.00 and 50.00 (a repeat customer); two referrals (friends who came in April); SQL, accepted
//	ben  paid search; won 30.00; SQL, rejected "no budget", then accepted (the latest counts)
//	cid  organic; SQL, rejected "  student " (read trimmed)
//	dee  organic; SQL, rejected without a reason
//	eve  organic; SQL, rejected "no budget"
//	fay  no touch (direct); a customer without a won deal
func TestQualityTableLinksToItsContacts(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("ola@example.com", store.RoleReadOnly)
	ola := e.login("ola@example.com")
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	ids := map[string]int64{}
	names := map[string]string{}
	ingest := func(c store.Capture) int64 {
		t.Helper()
		out, err := e.store.Ingest(ctx, []store.Capture{c})
		if err != nil {
			t.Fatal(err)
		}
		return out[0].ContactID
	}
	for i, p := range []struct{ who, channel string }{{"ada", "paid_search"}, {"ben", "paid_search"}, {"cid", "organic_search"},
		{"dee", "organic_search"}, {"eve", "organic_search"}, {"fay", ""}} {
		ids[p.who] = ingest(store.Capture{Type: "form_submit", Email: p.who + "@example.com", OccurredAt: day(2 + i), Touch: p.channel != "", Channel: p.channel})
		names[itoa(ids[p.who])] = p.who
	}
	won := func(who string, amount int64, d int) {
		t.Helper()
		if _, err := e.store.CreateDeal(ctx, store.Deal{ContactID: ids[who], Amount: amount, Status: store.DealWon, ClosedAt: day(d)}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	won("ada", 10000, 10)
	won("ada", 5000, 20)
	won("ben", 3000, 12)
	// Two friends referred by ada in April (outside the table's month), one naming her by
	// id, one by email.
	for i, by := range []string{itoa(ids["ada"]), " ADA@example.com"} {
		ingest(store.Capture{Type: "referral", Email: fmt.Sprintf("friend%d@example.com", i), OccurredAt: day(21+i).AddDate(0, 1, 0),
			Touch: true, Channel: "referral", Properties: map[string]any{"referred_by": by}})
	}
	for _, who := range []string{"ada", "ben", "cid", "dee", "eve"} {
		if _, err := e.store.SetStage(ctx, ids[who], "sql", "asked for a quote", "test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.store.SetStage(ctx, ids["fay"], "customer", "paid by bank transfer", "test"); err != nil {
		t.Fatal(err)
	}
	decide := func(who, typ string, d int, reason ...string) {
		c := store.Capture{Type: typ, ContactID: ids[who], OccurredAt: day(d)}
		if len(reason) > 0 {
			c.Properties = map[string]any{"reason": reason[0]}
		}
		ingest(c)
	}
	decide("ada", "sql_accepted", 9)
	decide("ben", "sql_rejected", 9, "no budget")
	decide("ben", "sql_accepted", 11)
	decide("cid", "sql_rejected", 9, "  student ")
	decide("dee", "sql_rejected", 9)
	decide("eve", "sql_rejected", 10, "no budget")

	w := e.do("GET", "/insights?from=2026-03-01&to=2026-03-31&quality_by=channel", nil, ola)
	wantStatus(t, w, http.StatusOK)
	got := map[string]string{}
	for _, l := range contactLinksOf(w.Body.String()) {
		q, _ := url.Parse(l.href)
		v := q.Query()
		if !v.Has("quality") {
			continue
		}
		key := v.Get("channel")
		if key == "" {
			key = "all"
		}
		key += " " + v.Get("quality")
		if v.Has("reason") {
			key += " " + strconv.Quote(v.Get("reason"))
		}
		var who []string
		for _, id := range e.listed(t, l.href, ola) {
			who = append(who, names[id])
		}
		slices.Sort(who)
		got[key] = strings.Join(who, " ")
	}
	want := map[string]string{
		"paid_search revenue": "ada ben", "paid_search repeat": "ada", "paid_search referrers": "ada",
		"paid_search accepted": "ada ben", "paid_search rejected": "",
		"organic_search accepted": "", "organic_search rejected": "cid dee eve",
		`organic_search rejected "student"`: "cid", `organic_search rejected ""`: "dee", `organic_search rejected "no budget"`: "eve",
		"direct revenue": "", "direct repeat": "", "direct accepted": "", "direct rejected": "", // set a customer, fay reached SQL too
		"all revenue": "ada ben", "all repeat": "ada", "all referrers": "ada", "all accepted": "ada ben", "all rejected": "cid dee eve",
		`all rejected "student"`: "cid", `all rejected ""`: "dee", `all rejected "no budget"`: "eve",
	}
	if !mapsEqual(got, want) {
		t.Errorf("quality links:\n got %v\nwant %v", got, want)
	}
	// The list names the filter in a chip; bad values name the parameter.
	list := e.do("GET", "/contacts?created_from=2026-03-01&created_to=2026-03-31&quality=rejected&reason=&limit=1", nil, ola)
	wantStatus(t, list, http.StatusOK, "SQLs rejected by sales, no reason given", "dee@example.com")
	list = e.do("GET", "/contacts?quality=rejected&reason=no+budget&limit=1", nil, ola)
	wantStatus(t, list, http.StatusOK, "SQLs rejected by sales: no budget", "eve@example.com")
	for _, bad := range []struct{ query, name string }{{"quality=best", "Quality figure"}, {"quality=accepted&reason=x", "Rejection reason"}} {
		wantStatus(t, e.do("GET", "/contacts?"+bad.query, nil, ola), http.StatusUnprocessableEntity, bad.name)
	}
}
