package attribution

import "testing"

func TestFromProperties(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		want  WebTouch
	}{
		{"nil", nil, WebTouch{}},
		{"properties only", map[string]string{
			"page_url": " https://acme.example/ ", "referrer": "https://t.co/x",
			"utm_source": " Google ", "utm_medium": "cpc", "utm_campaign": "Brand", "utm_term": "crm", "utm_content": "ad-1",
			"other": "ignored",
		}, WebTouch{PageURL: "https://acme.example/", Referrer: "https://t.co/x",
			UTMSource: "Google", UTMMedium: "cpc", UTMCampaign: "Brand", UTMTerm: "crm", UTMContent: "ad-1"}},
		{"all from the query string", map[string]string{
			"page_url": "https://acme.example/?utm_source=fb&utm_medium=paid&utm_campaign=Spring%20Fair&utm_term=a+b&utm_content=c#top",
		}, WebTouch{PageURL: "https://acme.example/?utm_source=fb&utm_medium=paid&utm_campaign=Spring%20Fair&utm_term=a+b&utm_content=c#top",
			UTMSource: "fb", UTMMedium: "paid", UTMCampaign: "Spring Fair", UTMTerm: "a b", UTMContent: "c"}},
		{"properties win, missing and blank ones from the query", map[string]string{
			"page_url":   "/landing?utm_source=bing&utm_medium=cpc&utm_campaign=q",
			"utm_source": "newsletter", "utm_medium": "  ",
		}, WebTouch{PageURL: "/landing?utm_source=bing&utm_medium=cpc&utm_campaign=q",
			UTMSource: "newsletter", UTMMedium: "cpc", UTMCampaign: "q"}},
		{"bad pairs do not lose good ones", map[string]string{"page_url": "https://a.example/%zz?x=%zz&utm_source=ok&a;b=c&utm_medium=email"},
			WebTouch{PageURL: "https://a.example/%zz?x=%zz&utm_source=ok&a;b=c&utm_medium=email", UTMSource: "ok", UTMMedium: "email"}},
		{"hash-routed page", map[string]string{"page_url": "https://a.example/#/offer?utm_source=ig"},
			WebTouch{PageURL: "https://a.example/#/offer?utm_source=ig", UTMSource: "ig"}},
		{"no query", map[string]string{"page_url": "https://a.example/utm_source=x"},
			WebTouch{PageURL: "https://a.example/utm_source=x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromProperties(tt.props); got != tt.want {
				t.Errorf("FromProperties = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestHasSource(t *testing.T) {
	tests := []struct {
		name  string
		touch WebTouch
		want  bool
	}{
		{"nothing", WebTouch{PageURL: page}, false},
		{"blank UTM", WebTouch{PageURL: page, UTMSource: "  "}, false},
		{"any UTM", WebTouch{PageURL: page, UTMContent: "banner"}, true},
		{"external referrer", WebTouch{PageURL: page, Referrer: "https://www.bing.com/"}, true},
		{"internal referrer", WebTouch{PageURL: page, Referrer: "https://ACME.example./about"}, false},
		{"www is the same site", WebTouch{PageURL: "https://www.acme.example/", Referrer: "http://acme.example/"}, false},
		{"subdomain is another site", WebTouch{PageURL: page, Referrer: "https://shop.acme.example/"}, true},
		{"referrer without page", WebTouch{Referrer: "https://acme.example/"}, true},
		{"opaque referrer", WebTouch{PageURL: page, Referrer: "javascript:void(0)"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.touch.HasSource(); got != tt.want {
				t.Errorf("HasSource(%+v) = %v, want %v", tt.touch, got, tt.want)
			}
		})
	}
}

func TestHostOf(t *testing.T) {
	tests := map[string]string{
		"":                                     "",
		"https://www.Google.com/search?q=a":    "www.google.com",
		"http://user:pw@Example.COM:8080/path": "example.com",
		"//cdn.example.com/x":                  "cdn.example.com",
		"example.com":                          "example.com",
		"example.com:8443/x":                   "example.com",
		"example.com?x=1":                      "example.com",
		"https://example.com.":                 "example.com",
		"https://example.com#frag":             "example.com",
		"https://[2001:DB8::1]:443/":           "2001:db8::1",
		"http://[::1":                          "",
		"http://[zz]/":                         "",
		"android-app://com.linkedin.android/":  "com.linkedin.android",
		"https://bücher.example/":              "bücher.example",
		"about:blank":                          "",
		"mailto:joe@example.com":               "",
		"javascript:alert(1)":                  "",
		"localhost":                            "",
		"http://localhost:3000/":               "localhost",
		"(none)":                               "",
		"https://exa mple.com/":                "",
		"https://%65xample.com/":               "",
		"/relative/path":                       "",
		"?utm_source=x":                        "",
		"https:":                               "",
		"https://":                             "",
		"joe@example.com":                      "",
		"https://example.com\\@evil.example/":  "example.com",
		"x.com/a?u=https://google.com":         "x.com",
		"ftp://files.example.org":              "files.example.org",
	}
	for in, want := range tests {
		if got := hostOf(in); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", in, got, want)
		}
	}
}
