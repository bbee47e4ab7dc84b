package store

import (
	"encoding/json"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/attribution"
)

// TestViewPropsMatchesMarshal holds the page views' properties writer to what it
// stands for: json.Marshal of the properties with their web fields, byte for byte,
// and the touch storedTouch reads back from them.
func TestViewPropsMatchesMarshal(t *testing.T) {
	texts := []string{"", "Pricing", "a \"quoted\" title", `back\slash`, "<b>Tom & Jerry</b>", "tab\there\nnew line",
		"\x01\x1f control", "caf\u00e9 \u65e5\u672c", "line\u2028sep\u2029", "emoji \U0001F600", "del\x7f", " padded ",
		"https://www.example-shop.com/pricing?utm_source=google&utm_medium=cpc&utm_campaign=Brand%20Q4"}
	webs := []attribution.WebTouch{{}, {PageURL: "https://example.com/?utm_source=x&utm_campaign=<y>"},
		{PageURL: "https://example.com/a", Referrer: "https://www.google.com/", UTMSource: "news", UTMMedium: "email", UTMCampaign: "Nov & Dec", UTMTerm: "t", UTMContent: "c"}}
	n := 0
	for _, a := range texts {
		for _, b := range texts {
			for _, web := range webs {
				propsSets := []map[string]any{nil, {}, {"title": a}, {"title": a, "user_agent": b}, {"page_url": a, "referrer": b, "title": "x"},
					{a + "k": b, "utm_source": a}, {"utm_campaign": b, "zz": a, "AA": b}}
				for _, props := range propsSets {
					web := attribution.FromFields(web)
					merged := props
					if web != (attribution.WebTouch{}) {
						merged = withWeb(props, web)
					}
					want := "{}"
					if len(merged) > 0 {
						m, err := json.Marshal(merged)
						if err != nil {
							t.Fatal(err)
						}
						want = string(m)
					}
					got, touch, ok := viewProps(props, web)
					if !ok {
						t.Fatalf("viewProps declined %#v", props)
					}
					if got != want {
						t.Fatalf("viewProps(%#v, %#v) = %s, json.Marshal gives %s", props, web, got, want)
					}
					if wantTouch := storedTouch(merged, want); touch != wantTouch {
						t.Fatalf("viewProps(%#v, %#v) reads back as %#v, storedTouch as %#v", props, web, touch, wantTouch)
					}
					n++
				}
			}
		}
	}
	// What it declines goes the old way.
	for _, props := range []map[string]any{{"n": 1}, {"title": "bad \xff"}, {"bad \xff": "x"}, {"flag": true}} {
		if _, _, ok := viewProps(props, attribution.WebTouch{}); ok {
			t.Fatalf("viewProps took %#v", props)
		}
	}
	t.Logf("%d property sets compared", n)
}
