package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// The report's customers and revenue link, under every model, to the customers the row is
// credited with: followed from the page under last_touch and linear, each list holds
// exactly the contacts worked out by hand, and names its filter in a chip.
//
//	ana  Spring search 03-02 (created), Newsletter 03-05, won 100.00 on 03-10
//	ben  organic 03-03 (created), Spring search 03-06, won 50.00 on 03-08
//	cid  no touch (direct), won 30.00 on 03-09
//	dee  Newsletter 03-07, a lead only
func TestReportLinksToCreditedContacts(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("ola@example.com", store.RoleReadOnly)
	ola := e.login("ola@example.com")
	ctx := context.Background()
	campaign := func(name, channel string) int64 {
		c, err := e.store.CreateCampaign(ctx, store.Campaign{Name: name, Channel: channel}, "test")
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	spring, news := campaign("Spring search", "paid_search"), campaign("Newsletter", "email")
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	ids := map[string]int64{}
	touch := func(who string, d int, channel string, campaignID int64) {
		t.Helper()
		out, err := e.store.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: who + "@example.com", OccurredAt: day(d),
			Touch: channel != "", Channel: channel, CampaignID: campaignID}})
		if err != nil {
			t.Fatal(err)
		}
		ids[who] = out[0].ContactID
	}
	won := func(who string, amount int64, d int) {
		t.Helper()
		if _, err := e.store.CreateDeal(ctx, store.Deal{ContactID: ids[who], Amount: amount, Status: store.DealWon, ClosedAt: day(d)}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	touch("ana", 2, "paid_search", spring)
	touch("ben", 3, "organic_search", 0)
	touch("cid", 4, "", 0)
	touch("ana", 5, "email", news)
	touch("ben", 6, "paid_search", spring)
	touch("dee", 7, "email", news)
	won("ben", 5000, 8)
	won("cid", 3000, 9)
	won("ana", 10000, 10)

	for _, tc := range []struct {
		model, groupBy string
		// customers and revenue, by the link's row: its channel, or channel/campaign
		customers, revenue map[string]string
	}{
		{"last_touch", "channel",
			map[string]string{"organic_search": "", "paid_search": "ben", "email": "ana", "direct": "cid"},
			map[string]string{"paid_search": "ben", "email": "ana", "direct": "cid"}},
		{"linear", "channel",
			map[string]string{"organic_search": "ben", "paid_search": "ana ben", "email": "ana", "direct": "cid"},
			map[string]string{"organic_search": "ben", "paid_search": "ana ben", "email": "ana", "direct": "cid"}},
		{"linear", "campaign",
			map[string]string{"organic_search/none": "ben", "paid_search/" + itoa(spring): "ana ben", "email/" + itoa(news): "ana", "direct/none": "cid"},
			map[string]string{"organic_search/none": "ben", "paid_search/" + itoa(spring): "ana ben", "email/" + itoa(news): "ana", "direct/none": "cid"}},
	} {
		page := e.do("GET", "/reports?period=custom&from=2026-03-01&to=2026-03-31&group_by="+tc.groupBy+"&model="+tc.model, nil, ola)
		wantStatus(t, page, http.StatusOK)
		customers, revenue := map[string]string{}, map[string]string{}
		for _, m := range regexp.MustCompile(`href="(/contacts\?credited=[^"]*)"`).FindAllStringSubmatch(page.Body.String(), -1) {
			link := html.UnescapeString(m[1])
			u, _ := url.Parse(link)
			q := u.Query()
			row := q.Get("credited_channel")
			if tc.groupBy != "channel" {
				row += "/" + q.Get("credited_campaign")
			}
			list := e.do("GET", link, nil, ola)
			wantStatus(t, list, http.StatusOK, "Credited to:")
			var who []string
			for _, name := range []string{"ana", "ben", "cid", "dee"} {
				if strings.Contains(list.Body.String(), name+"@example.com") {
					who = append(who, name)
				}
			}
			slices.Sort(who)
			if q.Get("credited_kind") == "revenue" {
				revenue[row] = strings.Join(who, " ")
			} else {
				customers[row] = strings.Join(who, " ")
			}
		}
		// The total revenue, under any model all the revenue of the period's customers,
		// opens the customers with revenue.
		total := regexp.MustCompile(`href="(/contacts\?[^"]*quality=revenue[^"]*)"`).FindStringSubmatch(page.Body.String())
		if total == nil {
			t.Errorf("%s by %s: the total revenue has no link", tc.model, tc.groupBy)
		} else {
			list := e.do("GET", html.UnescapeString(total[1]), nil, ola).Body.String()
			for _, name := range []string{"ana", "ben", "cid", "dee"} {
				if strings.Contains(list, name+"@example.com") != (name != "dee") {
					t.Errorf("%s by %s: the total revenue's list, on %s: %v", tc.model, tc.groupBy, name, strings.Contains(list, name+"@example.com"))
				}
			}
		}
		if !mapsEqual(customers, tc.customers) || !mapsEqual(revenue, tc.revenue) {
			t.Errorf("%s by %s: customers %v, revenue %v; want %v and %v", tc.model, tc.groupBy, customers, revenue, tc.customers, tc.revenue)
		}
	}

	// The chip names the filter and removes all of it; a later page keeps it.
	list := e.do("GET", "/contacts?credited=linear&credited_by=campaign&credited_channel=paid_search&credited_campaign="+itoa(spring)+
		"&credited_kind=revenue&credited_from=2026-03-01&credited_to=2026-03-31&limit=1", nil, ola)
	wantStatus(t, list, http.StatusOK, "Paid search · Spring search under Linear, revenue, 2026-03-01 – 2026-03-31",
		`aria-label="Remove the filter Credited to" title="Remove this filter">`, `href="/contacts?limit=1"`)
	// Bad values name the parameter: a 422 on the screen, a 400 from the API.
	for _, bad := range []struct{ query, name string }{
		{"credited=best&credited_channel=email&credited_from=2026-03-01&credited_to=2026-03-31", "Credited model"},
		{"credited=linear&credited_channel=tv&credited_from=2026-03-01&credited_to=2026-03-31", "Credited channel"},
		{"credited=linear&credited_by=campaign&credited_channel=email&credited_campaign=x&credited_from=2026-03-01&credited_to=2026-03-31", "Credited campaign"},
		{"credited=linear&credited_channel=email&credited_kind=leads&credited_from=2026-03-01&credited_to=2026-03-31", "Credited figure"},
		{"credited=linear&credited_channel=email&credited_from=2026-03-01", "Credited to"},
		{"credited_channel=email", "Credited model"},
	} {
		wantStatus(t, e.do("GET", "/contacts?"+bad.query, nil, ola), http.StatusUnprocessableEntity, bad.name)
	}
	api := e.do("GET", "/api/v1/contacts?credited=linear&credited_channel=email&credited_from=2026-03-01&credited_to=2026-02-01", nil, ola)
	wantStatus(t, api, http.StatusBadRequest, "credited_to")
	api = e.do("GET", "/api/v1/contacts?credited=last_touch&credited_channel=paid_search&credited_from=2026-03-01&credited_to=2026-03-31", nil, ola)
	wantStatus(t, api, http.StatusOK, "ben@example.com")
	if strings.Contains(api.Body.String(), "ana@example.com") {
		t.Errorf("ana credited to paid search under last touch: %s", api.Body)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
