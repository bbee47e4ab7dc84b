package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

func TestInsightsPageAndFilterChips(t *testing.T) {
	e := newUIEnv(t)
	e.user("owner@example.com", store.RoleReadOnly)
	cookie := e.login("owner@example.com")
	ctx := context.Background()
	now := e.store.Now()
	camp, err := e.store.CreateCampaign(ctx, store.Campaign{Name: "Spring <search>", Channel: "paid_search"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	var caps []store.Capture
	for i := range 40 {
		c := store.Capture{Type: "form_submit", Email: "p" + itoa(int64(i)) + "@example.com", OccurredAt: now.Add(-time.Duration(i+1) * time.Hour),
			Touch: true, Channel: "organic_search", Fields: store.ContactFields{Country: "DE"}}
		if i%2 == 0 {
			c.Channel, c.CampaignID, c.Fields.Country = "paid_search", camp.ID, "GB"
		}
		caps = append(caps, c)
	}
	out, err := e.store.Ingest(ctx, caps)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i += 4 {
		if _, err := e.store.CreateDeal(ctx, store.Deal{ContactID: out[i].ContactID, Amount: 1000, Status: store.DealWon, ClosedAt: now}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	w := e.do("GET", "/insights?min_sample=20", nil, cookie)
	wantStatus(t, w, http.StatusOK, "Audience insights", "Where they come from", "Who they are", "Spring &lt;search&gt;",
		`class="ci-range ci-up"`, "Client and lead quality by source", "attribute=country&amp;created_from=", "&amp;outcome=customer&amp;value=GB\"")
	if strings.Contains(w.Body.String(), "style=") {
		t.Error("the page has an inline style")
	}
	// 10 of 20 GB contacts are customers against 10 of 40 overall: lift 2.
	if !strings.Contains(w.Body.String(), "2.00×") {
		t.Errorf("no lift of 2.00× for GB:\n%s", w.Body)
	}
	wantStatus(t, e.do("GET", "/insights?from=tomorrow", nil, cookie), http.StatusUnprocessableEntity, "From must be a date")

	w = e.do("GET", "/contacts?channel=paid_search&campaign="+itoa(camp.ID)+"&reached=customer&attribute=country&value=GB", nil, cookie)
	wantStatus(t, w, http.StatusOK, `class="filter-chip"`, "First touch:</span> Paid search", "Campaign:</span> Spring &lt;search&gt;",
		"Reached:</span> Customer", "Country:</span> GB", `href="/contacts?attribute=country&amp;campaign=`+itoa(camp.ID)+`&amp;channel=paid_search&amp;value=GB"`,
		`<input type="hidden" name="reached" value="customer">`)
	if n := strings.Count(w.Body.String(), `class="person"`); n != 10 {
		t.Errorf("%d contacts listed, want the 10 GB customers", n)
	}
}

// TestInsightsCardShowsAllOnRequest: a card with more values than fit says how many more
// and links to itself with every value, instead of sending an owner to the API.
func TestInsightsCardShowsAllOnRequest(t *testing.T) {
	e := newUIEnv(t)
	e.user("owner@example.com", store.RoleReadOnly)
	cookie := e.login("owner@example.com")
	ctx := context.Background()
	now := e.store.Now()
	countries := []string{"DE", "GB", "FR", "ES", "IT", "NL", "BE", "AT", "CH", "PL", "SE", "DK"}
	var caps []store.Capture
	for i := range 120 {
		caps = append(caps, store.Capture{Type: "form_submit", Email: "p" + itoa(int64(i)) + "@example.com", OccurredAt: now.Add(-time.Duration(i+1) * time.Hour),
			Touch: true, Channel: "organic_search", Fields: store.ContactFields{Country: countries[i%len(countries)]}})
	}
	if _, err := e.store.Ingest(ctx, caps); err != nil {
		t.Fatal(err)
	}
	w := e.do("GET", "/insights?min_sample=10", nil, cookie)
	wantStatus(t, w, http.StatusOK, `id="insight-country"`, "And 2 more.", `href="/insights?all=country&amp;min_sample=10#insight-country"`)
	if strings.Contains(w.Body.String(), "the API lists them all") {
		t.Error("the page sends the reader to the API")
	}
	w = e.do("GET", "/insights?all=country&min_sample=10", nil, cookie)
	body := w.Body.String()
	card := body[strings.Index(body, `id="insight-country"`):]
	card = card[:strings.Index(card, "</section>")]
	if n := strings.Count(card, "<tr>") - 1; n != 12 || strings.Contains(card, "more.") {
		t.Errorf("the whole country card has %d values:\n%s", n, card)
	}
}
