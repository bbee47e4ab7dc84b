package web

import (
	"net/url"
	"testing"
)

func TestDarkColour(t *testing.T) {
	for hex, dark := range map[string]bool{"#1f6feb": true, "#0a7d5a": true, "#000000": true, "#101828": true,
		"#ffe600": false, "#ffffff": false, "#f4f6f9": false, "#7fdbff": false} {
		if got := darkColour(hex); got != dark {
			t.Errorf("darkColour(%s) = %v, want %v", hex, got, dark)
		}
	}
}

func TestBuilderKeepsThePageColour(t *testing.T) {
	d := formFromPost(url.Values{"slug": {"a"}, "name": {"A"}, "background_color": {"#101828"}})
	if d.Page.BackgroundColor != "#101828" {
		t.Errorf("page colour %q", d.Page.BackgroundColor)
	}
	if d := formFromPost(url.Values{"background_color": {"#f4f6f9"}}); d.Page.BackgroundColor != "" {
		t.Errorf("the default page colour was stored as %q", d.Page.BackgroundColor)
	}
}
