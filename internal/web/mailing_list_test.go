package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestMailingListBySegmentAndFilter: the mailing list takes the contacts of a
// segment, dynamic or static, or of a filter in its text form, still leaving out
// those without a postal address; a bad segment or filter, both at once, or either
// with a contact-list parameter is a 400 naming the parameter.
func TestMailingListBySegmentAndFilter(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/events", e.token, `{"events":[
		{"type":"import","email":"ada@post.example","properties":{"first_name":"Ada","street":"1 Main St","postal_code":"10115","city":"Berlin","country":"DE"}},
		{"type":"import","email":"bo@post.example","properties":{"first_name":"Bo","street":"2 Rue Haute","postal_code":"75001","city":"Paris","country":"FR"}},
		{"type":"import","email":"cy@post.example","properties":{"first_name":"Cy","country":"DE"}},
		{"type":"import","email":"di@post.example","properties":{"first_name":"Di","street":"3 Ring","postal_code":"80331","city":"München","country":"DE"}}]}`)
	if r.status != 202 {
		t.Fatal(r.status, string(r.body))
	}
	key := e.keys["marketer"]
	get := func(query string) (int, string) {
		r := e.do("GET", "/api/v1/contacts/mailing-list.csv?"+query, key, "")
		return r.status, string(r.body)
	}
	emails := func(body string) string {
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(body), "\n")[1:] {
			f := strings.Split(line, ",")
			out = append(out, f[len(f)-2])
		}
		return strings.Join(out, " ")
	}

	// A filter in its text form: the Germans with an address, newest first.
	status, body := get("filter=" + url.QueryEscape(`country = "DE"`))
	if status != 200 || emails(body) != "di@post.example ada@post.example" {
		t.Fatalf("filter: %d %q", status, body)
	}
	if _, body := get("all=1&filter=" + url.QueryEscape(`country = "DE" and first_name starts with "c"`)); emails(body) != "cy@post.example" {
		t.Fatalf("filter, all: %q", body)
	}

	ctx := context.Background()
	expr, err := filter.ParseText(`city = "Paris" or city = "Berlin"`)
	if err != nil {
		t.Fatal(err)
	}
	dynamic, err := e.s.CreateSegment(ctx, store.Segment{Name: "Capitals", Kind: store.SegmentDynamic, Filter: filter.Filter{Expr: expr}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if status, body := get(fmt.Sprint("segment=", dynamic.ID)); status != 200 || emails(body) != "bo@post.example ada@post.example" {
		t.Fatalf("dynamic segment: %d %q", status, body)
	}
	list, _ := e.s.Contacts(ctx, store.ContactFilter{Email: "di@post.example"})
	cy, _ := e.s.Contacts(ctx, store.ContactFilter{Email: "cy@post.example"})
	static, err := e.s.CreateSegmentWith(ctx, store.Segment{Name: "Fair", Kind: store.SegmentStatic},
		[]int64{list.Contacts[0].ID, cy.Contacts[0].ID}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if status, body := get(fmt.Sprint("segment=", static.ID)); status != 200 || emails(body) != "di@post.example" {
		t.Fatalf("static segment: %d %q", status, body)
	}

	for _, tt := range []struct{ query, field string }{
		{"segment=abc", "segment"},
		{"segment=0", "segment"},
		{"segment=999999", "segment"},
		{"filter=", "filter"},
		{"filter=" + url.QueryEscape(`contry = "DE"`), "filter"},
		{"filter=" + url.QueryEscape(`fit_score >= "high"`), "filter"},
		{fmt.Sprint("segment=", dynamic.ID, "&filter=all"), "filter"},
		{fmt.Sprint("segment=", dynamic.ID, "&stage=lead"), "stage"},
		{"filter=all&q=ada", "q"},
		{fmt.Sprint("segment=", dynamic.ID, "&credited=linear&credited_channel=paid_search"), "credited"},
	} {
		if status, body := get(tt.query); status != 400 || !strings.Contains(body, `"field":"`+tt.field) {
			t.Errorf("%s: %d %s", tt.query, status, body)
		}
	}
	if r := e.do("GET", "/api/v1/contacts/mailing-list.csv?segment=1", e.keys["sales"], ""); r.status != 403 {
		t.Errorf("sales exported a segment: %d", r.status)
	}
}

// TestSegmentPageLinksMailingList: the segment page offers its mailing list to
// those who may export it.
func TestSegmentPageLinksMailingList(t *testing.T) {
	e := newUIEnv(t)
	e.user("mia@example.com", "marketer")
	e.user("rex@example.com", "sales")
	g, err := e.store.CreateSegmentWith(context.Background(), store.Segment{Name: "Fair", Kind: store.SegmentStatic}, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	link := fmt.Sprintf(`href="/api/v1/contacts/mailing-list.csv?segment=%d"`, g.ID)
	wantStatus(t, e.do("GET", fmt.Sprint("/segments/", g.ID), nil, e.login("mia@example.com")), 200, link, "Mailing list CSV")
	if w := e.do("GET", fmt.Sprint("/segments/", g.ID), nil, e.login("rex@example.com")); strings.Contains(w.Body.String(), link) {
		t.Error("sales is offered the mailing list")
	}
}
