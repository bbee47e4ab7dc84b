package web_test

import (
	"strings"
	"testing"
)

// The hosted page takes the form's page colour, and the button's text reads on the
// button colour: near-black on a light colour, white on a dark one; the small print
// under the card turns light on a dark page.
func TestHostedPageColours(t *testing.T) {
	e := newAPIEnv(t)
	for _, tt := range []struct {
		slug, page string
		want       []string
	}{
		{"plain", `{}`, []string{"--accent: #1f6feb", "--on-accent: #fff", "--background: #f4f6f9", "--muted: #5b6576"}},
		{"sunny", `{"accent_color":"#ffe600","background_color":"#101828"}`, []string{"--accent: #ffe600", "--on-accent: #111827", "--background: #101828", "--muted: #d0d5dd"}},
		{"forest", `{"accent_color":"#0a7d5a","background_color":"#fdf6e3"}`, []string{"--on-accent: #fff", "--background: #fdf6e3", "--muted: #5b6576"}},
	} {
		if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"`+tt.slug+`","name":"x","fields":["email"],"page":`+tt.page+`}`); r.status != 201 {
			t.Fatalf("%s: %d %s", tt.slug, r.status, r.body)
		}
		r := e.do("GET", "/f/"+tt.slug, "", "")
		for _, w := range tt.want {
			if !strings.Contains(string(r.body), w) {
				t.Errorf("%s: the page lacks %q", tt.slug, w)
			}
		}
	}
}
