package web

import (
	"errors"
	"net/url"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// FuzzInsightQueries feeds outside query strings to the parsers of the insights and
// quality reports and of the contact list's report filters: each answers a value or an
// invalid-field error naming a field, never anything else.
func FuzzInsightQueries(f *testing.F) {
	for _, seed := range []string{
		"from=2026-03-01&to=2026-04-01&outcome=sql&attribute=custom.interest&min_sample=10",
		"from=2026-03-01&to=2026-04-01&group_by=campaign", "channel=paid_search&campaign=none&reached=customer",
		"attribute=content&value=/pricing", "attribute=campaign&value=7", "value=x", "attribute=custom.%27",
		"from=2026-02-30&to=x", "min_sample=-1", "campaign=0", "attribute=custom.a-b_c&value=%00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		check := func(what string, err error) {
			var e *errs.Error
			if err != nil && (!errors.As(err, &e) || e.Code != errs.Invalid || e.Field == "") {
				t.Fatalf("%s(%q): %v is not an invalid-field error", what, raw, err)
			}
		}
		q, err := insightQueryFrom(v)
		check("insightQueryFrom", err)
		if err == nil && (q.minSample < 1 || !q.from.Before(q.to)) {
			t.Fatalf("insightQueryFrom(%q) = %+v", raw, q)
		}
		_, _, _, err = qualityQueryFrom(v)
		check("qualityQueryFrom", err)
		var cf store.ContactFilter
		err = contactSourceFilter(v, &cf)
		check("contactSourceFilter", err)
		if err == nil && cf.Attribute == "campaign" && cf.AttributeValue == "" {
			t.Fatalf("contactSourceFilter(%q) accepted a campaign without an id", raw)
		}
	})
}
