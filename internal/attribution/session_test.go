package attribution

import (
	"testing"
	"time"
)

func TestStartsSession(t *testing.T) {
	t0 := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	landing := WebTouch{PageURL: "https://acme.example/?utm_source=google&utm_medium=cpc",
		Referrer: "https://www.google.com/", UTMSource: "google", UTMMedium: "cpc"}
	internal := WebTouch{PageURL: "https://acme.example/pricing", Referrer: "https://acme.example/"}
	view := func(after time.Duration, touch WebTouch) PageView { return PageView{At: t0.Add(after), Touch: touch} }
	tests := []struct {
		name string
		prev *PageView
		cur  PageView
		want bool
	}{
		{"first view", nil, view(0, internal), true},
		{"first view without source", nil, view(0, WebTouch{}), true},
		{"internal click", &PageView{At: t0, Touch: landing}, view(5*time.Minute, internal), false},
		{"exactly 30 minutes later", &PageView{At: t0, Touch: landing}, view(SessionTimeout, internal), false},
		{"just over 30 minutes later", &PageView{At: t0, Touch: landing}, view(SessionTimeout+time.Second, internal), true},
		{"reload with the same UTM and referrer", &PageView{At: t0, Touch: landing}, view(time.Minute, landing), false},
		{"same UTM folded differently", &PageView{At: t0, Touch: landing},
			view(time.Minute, WebTouch{Referrer: "https://google.com", UTMSource: " Google", UTMMedium: "CPC"}), false},
		{"new UTM", &PageView{At: t0, Touch: landing},
			view(time.Minute, WebTouch{UTMSource: "newsletter", UTMMedium: "email"}), true},
		{"UTM again after internal pages", &PageView{At: t0, Touch: internal}, view(time.Minute, landing), true},
		{"another external referrer", &PageView{At: t0, Touch: landing},
			view(time.Minute, WebTouch{PageURL: "https://acme.example/", Referrer: "https://news.ycombinator.com/"}), true},
		{"external referrer after internal navigation", &PageView{At: t0, Touch: internal},
			view(time.Minute, WebTouch{PageURL: "https://acme.example/", Referrer: "https://www.bing.com/"}), true},
		{"same search engine again", &PageView{At: t0, Touch: WebTouch{PageURL: "https://acme.example/", Referrer: "https://www.bing.com/"}},
			view(time.Minute, WebTouch{PageURL: "https://acme.example/b", Referrer: "https://bing.com/search?q=2"}), false},
		{"no source, soon after", &PageView{At: t0, Touch: landing}, view(time.Minute, WebTouch{}), false},
		{"earlier than prev", &PageView{At: t0, Touch: internal}, view(-time.Hour, internal), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StartsSession(tt.prev, tt.cur); got != tt.want {
				t.Errorf("StartsSession = %v, want %v", got, tt.want)
			}
		})
	}
}
