package lifecycle

import (
	"strings"
	"testing"
)

func TestQualificationValidate(t *testing.T) {
	for _, c := range []struct {
		q     Qualification
		field string // "" when valid
	}{
		{Qualification{Budget: "approved"}, ""},
		{Qualification{Notes: "Call back in May"}, ""},
		{Qualification{}, "budget"},
		{Qualification{Budget: "lots"}, "budget"},
		{Qualification{Authority: "boss"}, "authority"},
		{Qualification{Need: "some"}, "need"},
		{Qualification{Timeline: "soon"}, "timeline"},
		{Qualification{ProductFit: "great"}, "product_fit"},
		{Qualification{Budget: "none", Notes: strings.Repeat("x", 10001)}, "notes"},
		{Qualification{Budget: "none", Notes: "a\x00b"}, "notes"},
	} {
		err := c.q.Validate()
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%+v: %v", c.q, err)
		case c.field != "" && (err == nil || !strings.HasPrefix(err.Error(), c.field+":")):
			t.Errorf("%+v: want an error on %s, got %v", c.q, c.field, err)
		}
	}
	q := Qualification{Budget: " planned ", Need: "urgent"}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	p := q.Properties()
	if p["budget"] != "planned" || p["authority"] != "unknown" || p["need"] != "urgent" || p["notes"] != "" || len(p) != 6 {
		t.Errorf("properties %v", p)
	}
}
