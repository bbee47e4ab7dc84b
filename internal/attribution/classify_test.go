package attribution

import (
	"strings"
	"testing"
)

// campaigns looks campaigns up without case, as the store does.
func campaigns(byKey map[string]Channel) func(string) (Channel, bool) {
	return func(key string) (Channel, bool) {
		c, ok := byKey[strings.ToLower(key)]
		return c, ok
	}
}

const page = "https://acme.example/pricing"

func TestClassify(t *testing.T) {
	known := campaigns(map[string]Channel{"spring-fair": Event, "mailer-q2": DirectMail, "broken": "tv"})
	tests := []struct {
		name  string
		touch WebTouch
		want  Channel
	}{
		// 1. campaign
		{"campaign match wins over everything", WebTouch{PageURL: page, Referrer: "https://www.google.com/",
			UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "Spring-Fair"}, Event},
		{"campaign match with spaces", WebTouch{UTMCampaign: "  mailer-q2 "}, DirectMail},
		{"unknown campaign falls through", WebTouch{UTMSource: "google", UTMMedium: "cpc", UTMCampaign: "summer"}, PaidSearch},
		{"campaign with an invalid channel is ignored", WebTouch{UTMSource: "fb", UTMMedium: "paid", UTMCampaign: "broken"}, PaidSocial},

		// 2. paid mediums
		{"cpc google", WebTouch{UTMSource: "google", UTMMedium: "cpc"}, PaidSearch},
		{"ppc bing", WebTouch{UTMSource: "bing", UTMMedium: "ppc"}, PaidSearch},
		{"paid, source as a domain", WebTouch{UTMSource: "www.google.co.uk", UTMMedium: "paid"}, PaidSearch},
		{"paidsearch with case, spaces and separators", WebTouch{UTMSource: " Google Ads ", UTMMedium: "Paid-Search"}, PaidSearch},
		{"CPC upper case duckduckgo", WebTouch{UTMSource: "DuckDuckGo", UTMMedium: " CPC "}, PaidSearch},
		{"cpc facebook", WebTouch{UTMSource: "facebook", UTMMedium: "cpc"}, PaidSocial},
		{"cpc fb", WebTouch{UTMSource: "fb", UTMMedium: "cpc"}, PaidSocial},
		{"cpc ig", WebTouch{UTMSource: "ig", UTMMedium: "cpc"}, PaidSocial},
		{"paid linkedin", WebTouch{UTMSource: "LinkedIn", UTMMedium: "paid"}, PaidSocial},
		{"cpc lnkd.in", WebTouch{UTMSource: "lnkd.in", UTMMedium: "cpc"}, PaidSocial},
		{"cpc x", WebTouch{UTMSource: "x", UTMMedium: "cpc"}, PaidSocial},
		{"cpc t.co", WebTouch{UTMSource: "t.co", UTMMedium: "cpc"}, PaidSocial},
		{"cpc facebook domain", WebTouch{UTMSource: "m.facebook.com", UTMMedium: "cpc"}, PaidSocial},
		{"cpc unknown source", WebTouch{UTMSource: "adroll", UTMMedium: "cpc"}, Other},
		{"cpc without source", WebTouch{UTMMedium: "cpc"}, Other},
		{"cpc without source, judged by the google referrer", WebTouch{PageURL: page, Referrer: "https://www.google.com/", UTMMedium: "cpc"}, PaidSearch},
		{"cpc unknown source, judged by the facebook referrer", WebTouch{PageURL: page, Referrer: "https://l.facebook.com/l.php?u=x", UTMSource: "spring", UTMMedium: "cpc"}, PaidSocial},
		{"cpc, source wins over referrer", WebTouch{PageURL: page, Referrer: "https://www.google.de/", UTMSource: "facebook", UTMMedium: "cpc"}, PaidSocial},
		{"cpc, internal referrer says nothing", WebTouch{PageURL: page, Referrer: "https://acme.example/", UTMMedium: "cpc"}, Other},

		// 3. and 4.
		{"email", WebTouch{UTMSource: "newsletter", UTMMedium: "email"}, Email},
		{"e-mail upper case", WebTouch{UTMMedium: "E-Mail"}, Email},
		{"email beats a search referrer", WebTouch{PageURL: page, Referrer: "https://www.google.com/", UTMMedium: "email"}, Email},
		{"email beats a social source", WebTouch{UTMSource: "facebook", UTMMedium: "email"}, Email},
		{"social", WebTouch{UTMSource: "partner-blog", UTMMedium: "social"}, Social},
		{"social-media", WebTouch{UTMSource: "linkedin", UTMMedium: "social-media"}, Social},
		{"Social Media", WebTouch{UTMMedium: "Social Media"}, Social},

		// 5. referrers
		{"referrer google.de", WebTouch{PageURL: page, Referrer: "https://www.google.de/"}, OrganicSearch},
		{"referrer google.co.uk", WebTouch{PageURL: page, Referrer: "https://www.google.co.uk/search?q=acme"}, OrganicSearch},
		{"referrer google.com.br", WebTouch{PageURL: page, Referrer: "https://google.com.br"}, OrganicSearch},
		{"referrer bing", WebTouch{PageURL: page, Referrer: "https://www.bing.com/search?q=acme"}, OrganicSearch},
		{"referrer duckduckgo", WebTouch{PageURL: page, Referrer: "https://duckduckgo.com/"}, OrganicSearch},
		{"referrer yahoo search", WebTouch{PageURL: page, Referrer: "https://uk.search.yahoo.com/"}, OrganicSearch},
		{"referrer yandex.com.tr", WebTouch{PageURL: page, Referrer: "https://yandex.com.tr/search"}, OrganicSearch},
		{"referrer ecosia", WebTouch{PageURL: page, Referrer: "https://www.ecosia.org/search?q=x"}, OrganicSearch},
		{"referrer google app", WebTouch{PageURL: page, Referrer: "android-app://com.google.android.googlequicksearchbox/"}, OrganicSearch},
		{"referrer upper case", WebTouch{PageURL: page, Referrer: "HTTPS://WWW.GOOGLE.FR/"}, OrganicSearch},
		{"referrer m.facebook.com", WebTouch{PageURL: page, Referrer: "https://m.facebook.com/"}, Social},
		{"referrer l.instagram.com", WebTouch{PageURL: page, Referrer: "https://l.instagram.com/?u=https%3A%2F%2Facme.example"}, Social},
		{"referrer t.co", WebTouch{PageURL: page, Referrer: "https://t.co/abc123"}, Social},
		{"referrer lnkd.in", WebTouch{PageURL: page, Referrer: "https://lnkd.in/xyz"}, Social},
		{"referrer linkedin", WebTouch{PageURL: page, Referrer: "https://www.linkedin.com/feed/"}, Social},
		{"referrer youtube", WebTouch{PageURL: page, Referrer: "https://www.youtube.com/watch?v=1"}, Social},
		{"referrer pinterest.de", WebTouch{PageURL: page, Referrer: "https://www.pinterest.de/"}, Social},
		{"referrer other site", WebTouch{PageURL: page, Referrer: "https://news.ycombinator.com/item?id=1"}, Referral},
		{"referrer yahoo mail is no search", WebTouch{PageURL: page, Referrer: "https://mail.yahoo.com/"}, Referral},
		{"referrer google lookalike", WebTouch{PageURL: page, Referrer: "https://notgoogle.com/"}, Referral},
		{"referrer google as subdomain", WebTouch{PageURL: page, Referrer: "https://google.example.org/"}, Referral},
		{"referrer box.com is not x.com", WebTouch{PageURL: page, Referrer: "https://box.com/"}, Referral},
		{"referrer subdomain of the site", WebTouch{PageURL: page, Referrer: "https://blog.acme.example/post"}, Referral},
		{"referrer without scheme", WebTouch{PageURL: page, Referrer: "partner.example/list"}, Referral},
		{"referrer gmail app", WebTouch{PageURL: page, Referrer: "android-app://com.google.android.gm"}, Referral},
		{"referrer beats an unknown medium", WebTouch{PageURL: page, Referrer: "https://www.bing.com/", UTMMedium: "banner"}, OrganicSearch},
		{"referrer without a page URL counts as external", WebTouch{Referrer: "https://acme.example/"}, Referral},

		// internal navigation and nothing
		{"same-host referrer", WebTouch{PageURL: page, Referrer: "https://acme.example/blog"}, Direct},
		{"same host with www and port", WebTouch{PageURL: "http://www.acme.example:8080/x", Referrer: "https://acme.example/"}, Direct},
		{"nothing", WebTouch{PageURL: page}, Direct},
		{"empty", WebTouch{}, Direct},
		{"blank values", WebTouch{Referrer: "  ", UTMSource: " ", UTMMedium: "\t"}, Direct},
		{"referrer about:blank", WebTouch{PageURL: page, Referrer: "about:blank"}, Direct},
		{"unparseable referrer", WebTouch{PageURL: page, Referrer: "http://[::1"}, Direct},
		{"garbage referrer", WebTouch{PageURL: "%%%", Referrer: "%zz://\x00"}, Direct},
		{"referrer that is a word", WebTouch{PageURL: page, Referrer: "(direct)"}, Direct},

		// tagged links the specification does not name
		{"unknown medium, search source", WebTouch{UTMSource: "google", UTMMedium: "organic"}, OrganicSearch},
		{"source only, social", WebTouch{UTMSource: "instagram"}, Social},
		{"unknown medium and source", WebTouch{UTMSource: "flyer", UTMMedium: "print"}, Other},
		{"campaign only, unknown campaign", WebTouch{UTMCampaign: "summer"}, Other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.touch, known); got != tt.want {
				t.Errorf("Classify(%+v) = %q, want %q", tt.touch, got, tt.want)
			}
		})
	}
}

func TestClassifyCampaignLookup(t *testing.T) {
	var asked []string
	lookup := func(key string) (Channel, bool) {
		asked = append(asked, key)
		return "", false
	}
	Classify(WebTouch{UTMCampaign: "  Spring Fair  "}, lookup)
	Classify(WebTouch{UTMCampaign: "   ", UTMSource: "google"}, lookup)
	if len(asked) != 1 || asked[0] != "Spring Fair" {
		t.Fatalf("lookup asked %q, want only the trimmed raw key", asked)
	}
	if got := Classify(WebTouch{UTMCampaign: "spring-fair"}, nil); got != Other {
		t.Fatalf("without campaigns: %q, want %q", got, Other)
	}
	direct := func(string) (Channel, bool) { return Direct, true }
	if got := Classify(WebTouch{UTMCampaign: "x", UTMMedium: "cpc", UTMSource: "google"}, direct); got != Direct {
		t.Fatalf("a campaign's own channel, even direct, wins: got %q", got)
	}
}

func TestClassifyFromPageQuery(t *testing.T) {
	props := map[string]string{
		"page_url": "https://acme.example/offer?utm_source=google&utm_medium=cpc&utm_campaign=brand",
		"referrer": "https://www.google.com/",
	}
	if got := Classify(FromProperties(props), nil); got != PaidSearch {
		t.Fatalf("got %q, want %q", got, PaidSearch)
	}
	props["utm_campaign"] = "Spring-Fair"
	if got := Classify(FromProperties(props), campaigns(map[string]Channel{"spring-fair": Event})); got != Event {
		t.Fatalf("properties beat the query string: got %q, want %q", got, Event)
	}
}

// TestSourceTable keeps the one table consistent: no domain or name claimed twice.
func TestSourceTable(t *testing.T) {
	domains, names := map[string]string{}, map[string]string{}
	for _, s := range sources {
		for _, d := range s.domains {
			if prev, ok := domains[d]; ok {
				t.Errorf("domain %q in %s and %s", d, prev, s.name)
			}
			domains[d] = s.name
			if d != strings.ToLower(strings.TrimSpace(d)) {
				t.Errorf("domain %q is not lower case", d)
			}
		}
		for _, n := range append([]string{s.name}, s.names...) {
			if prev, ok := names[n]; ok {
				t.Errorf("name %q in %s and %s", n, prev, s.name)
			}
			names[n] = s.name
			if n != normaliseName(n) {
				t.Errorf("name %q is not normalised", n)
			}
		}
		if s.kind != searchEngine && s.kind != socialNetwork {
			t.Errorf("%s has no kind", s.name)
		}
	}
	for _, n := range []string{"google", "bing", "facebook", "fb", "ig", "instagram", "linkedin", "twitter", "x",
		"tiktok", "youtube", "pinterest", "reddit", "duckduckgo", "yahoo", "baidu", "yandex", "ecosia", "naver", "t.co", "lnkd.in"} {
		if _, ok := names[n]; !ok {
			t.Errorf("utm_source %q missing from the table", n)
		}
	}
}
