package attribution

import (
	"strings"
	"testing"
)

func addSeeds(f *testing.F, extra ...any) {
	seeds := [][7]string{
		{"https://acme.example/?utm_source=google&utm_medium=cpc", "https://www.google.com/", "", "", "", "", ""},
		{"https://acme.example/", "https://m.facebook.com/", "", "", "", "", ""},
		{"/landing#/x?utm_source=ig&utm_medium=paid", "", "", "", "Spring", "", ""},
		{"%%%?%zz=%zz&;utm_source=x", "android-app://com.google.android.googlequicksearchbox/", "t.co", " CPC ", "", "", ""},
		{"http://[::1]:80/", "http://[::1", "www.google.co.uk", "Paid-Search", "", "term", "content"},
		{"", "about:blank", "Facebook Ads", "social media", "", "", ""},
		{"https://www.acme.example/", "https://acme.example./", "", "", "", "", ""},
	}
	for _, s := range seeds {
		args := []any{s[0], s[1], s[2], s[3], s[4], s[5], s[6]}
		f.Add(append(args, extra...)...)
	}
}

// FuzzFromProperties checks that any properties give a clean touch and a valid channel.
func FuzzFromProperties(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, pageURL, referrer, source, medium, campaign, term, content string) {
		props := map[string]string{"page_url": pageURL, "referrer": referrer, "utm_source": source,
			"utm_medium": medium, "utm_campaign": campaign, "utm_term": term, "utm_content": content}
		touch := FromProperties(props)
		for key, got := range map[string]string{"utm_source": touch.UTMSource, "utm_medium": touch.UTMMedium,
			"utm_campaign": touch.UTMCampaign, "utm_term": touch.UTMTerm, "utm_content": touch.UTMContent} {
			if got != strings.TrimSpace(got) {
				t.Fatalf("%s %q is not trimmed", key, got)
			}
			if given := strings.TrimSpace(props[key]); given != "" && got != given {
				t.Fatalf("%s = %q, but the properties gave %q", key, got, given)
			}
		}
		checkClassify(t, touch)
	})
}

// FuzzClassify checks that any touch and any campaign answer give a valid channel.
func FuzzClassify(f *testing.F) {
	addSeeds(f, "event", true)
	f.Fuzz(func(t *testing.T, pageURL, referrer, source, medium, campaign, term, content, campaignChannel string, found bool) {
		touch := WebTouch{PageURL: pageURL, Referrer: referrer, UTMSource: source, UTMMedium: medium,
			UTMCampaign: campaign, UTMTerm: term, UTMContent: content}
		lookup := func(string) (Channel, bool) { return Channel(campaignChannel), found }
		got := Classify(touch, lookup)
		if !got.Valid() {
			t.Fatalf("Classify(%+v) = %q, not a channel", touch, got)
		}
		if found && Channel(campaignChannel).Valid() && strings.TrimSpace(campaign) != "" && got != Channel(campaignChannel) {
			t.Fatalf("Classify(%+v) = %q, but the campaign says %q", touch, got, campaignChannel)
		}
		checkClassify(t, touch)
	})
}

// checkClassify asserts what holds for every touch without campaigns: a valid channel,
// and direct exactly when the touch says nothing about where it came from.
func checkClassify(t *testing.T, touch WebTouch) {
	t.Helper()
	got := Classify(touch, nil)
	if !got.Valid() {
		t.Fatalf("Classify(%+v) = %q, not a channel", touch, got)
	}
	if (got == Direct) == touch.HasSource() {
		t.Fatalf("Classify(%+v) = %q but HasSource = %v", touch, got, touch.HasSource())
	}
	if h := hostOf(touch.Referrer); h != strings.ToLower(h) && !strings.ContainsRune(h, '\uFFFD') {
		t.Fatalf("hostOf(%q) = %q, not lower case", touch.Referrer, h)
	}
}
