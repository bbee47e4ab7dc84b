package scoring

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/filter"
)

// FuzzRules reads rule sets as the API does: whatever it accepts scores without
// panicking, inside 0..100, and whatever it refuses is refused with a field.
func FuzzRules(f *testing.F) {
	for _, seed := range []string{
		`{"fit":[{"filter":"country = \"DE\"","points":30}],"engagement":[{"event_type":"page_view","property":"page_url","value":"/pricing","points":10}]}`,
		`{"fit":[{"filter":"","points":0}]}`,
		`{"engagement":[{"event_type":"x","points":-100,"half_life_days":0.0001}]}`,
		`{"engagement":[{"event_type":"email_click","op":"equals","property":"a","value":"b","points":100,"half_life_days":3650}]}`,
		`{"fit":[{"filter":"count(page_view in last 7 days) >= 2 and not email_type = \"free\"","points":-5}]}`,
		// Hostile: NUL, huge and negative numbers, a deep filter.
		`{"fit":[{"filter":"country = \"\u0000\"","points":1e308}]}`,
		`{"engagement":[{"event_type":"x","points":100,"half_life_days":-1}]}`,
		`{"engagement":[{"event_type":"\u0000","property":"\ud800","points":1}]}`,
		`{"fit":[{"filter":"` + strings.Repeat("(", 5000) + `all` + strings.Repeat(")", 5000) + `","points":1}]}`,
	} {
		f.Add(seed)
	}
	check := func(text string) error { _, err := filter.Parse(text); return err }
	f.Fuzz(func(t *testing.T, body string) {
		var r Rules
		if json.Unmarshal([]byte(body), &r) != nil {
			return
		}
		r.Normalize()
		if err := r.Validate(check); err != nil {
			var e *errs.Error
			if errs.Code(err) != errs.Invalid || !asField(err, &e) {
				t.Fatalf("refused without a field: %v", err)
			}
			return
		}
		events := []Event{{ID: 1, Type: "page_view", At: t0.Add(-time.Hour), Properties: map[string]any{"page_url": "/pricing"}},
			{ID: 2, Type: "email_click", At: t0.Add(-400 * 24 * time.Hour)}}
		b := Score(r, func(i int) bool { return i%2 == 0 }, events, t0, DefaultHalfLife)
		if b.Fit < 0 || b.Fit > 100 || b.Engagement < 0 || b.Engagement > 100 {
			t.Fatalf("scores out of range: %+v", b)
		}
	})
}

func asField(err error, e **errs.Error) bool {
	x, ok := err.(*errs.Error)
	*e = x
	return ok && x.Field != ""
}
