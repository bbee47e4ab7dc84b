package store_test

import (
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// shortCodeOK reports a code as the store makes them: 7 characters of the alphabet
// without the letters misread on paper.
func shortCodeOK(code string) bool {
	if len(code) != 7 {
		return false
	}
	for _, r := range code {
		if !strings.ContainsRune("23456789abcdefghjkmnpqrstuvwxyz", r) {
			return false
		}
	}
	return true
}

// Every new campaign gets a printed link, landing page or not, and a UTM key for it:
// from its name, or its link's code when another campaign has that key already or
// the name makes none. A key given is kept.
func TestEveryCampaignGetsAShortLink(t *testing.T) {
	s := storetest.Open(t)
	for _, tc := range []struct {
		name, utm, landing string
		wantUTM            string // "=code": the campaign's short code
	}{
		{"Spring Flyers 2026", "", "", "spring-flyers-2026"},
		{"Spring flyers, 2026", "", "", "=code"},
		{"Messe", "Fair-DE", "", "fair-de"},
		{"Шоу", "", "", "=code"},
		{"Webinar", "", "https://shop.example/webinar", "webinar"},
	} {
		c, err := s.CreateCampaign(ctx, store.Campaign{Name: tc.name, Channel: "event", UTMCampaign: tc.utm, LandingURL: tc.landing}, "test")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := tc.wantUTM
		if want == "=code" {
			want = c.ShortCode
		}
		if !shortCodeOK(c.ShortCode) || c.UTMCampaign != want {
			t.Errorf("%s: short code %q, utm_campaign %q, want %q", tc.name, c.ShortCode, c.UTMCampaign, want)
		}
		got, err := s.CampaignByShortCode(ctx, c.ShortCode)
		if err != nil || got.ID != c.ID || got.UTMCampaign != want {
			t.Errorf("%s: by its code: %+v %v", tc.name, got, err)
		}
	}
}

// Campaigns made before every campaign had a printed link get one when the database
// is upgraded: a short code each, and their short code as their UTM key when they
// had none; a campaign with a link or a key keeps it.
func TestUpgradeGivesOldCampaignsShortLinks(t *testing.T) {
	opt := storetest.Options(t)
	o := openOldDatabase(t, opt)
	o.migrateTo("0031", nil)
	q := `INSERT INTO campaigns (name, channel, utm_campaign, created_at, landing_url, short_code) VALUES (?, ?, ?, 1, ?, ?)`
	bare := o.insert("bare", q, "Fair 2025", "event", nil, "", nil)
	keyed := o.insert("keyed", q, "Mailing 2025", "direct_mail", "mailing-2025", "", nil)
	linked := o.insert("linked", q, "Flyer 2025", "direct_mail", "flyer-2025", "https://shop.example/flyer", "abc2345")
	for i := 0; i < 20; i++ {
		o.insert("more", q, "Old "+string(rune('a'+i)), "other", nil, "", nil)
	}
	s, err := store.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.Campaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, c := range list {
		if !shortCodeOK(c.ShortCode) || codes[c.ShortCode] {
			t.Errorf("%s: short code %q", c.Name, c.ShortCode)
		}
		codes[c.ShortCode] = true
		switch c.ID {
		case keyed:
			if c.UTMCampaign != "mailing-2025" {
				t.Errorf("a key of its own was replaced: %+v", c)
			}
		case linked:
			if c.ShortCode != "abc2345" || c.UTMCampaign != "flyer-2025" || c.LandingURL != "https://shop.example/flyer" {
				t.Errorf("a printed link changed: %+v", c)
			}
		default:
			if c.UTMCampaign != c.ShortCode {
				t.Errorf("%s: utm_campaign %q, want its short code %q", c.Name, c.UTMCampaign, c.ShortCode)
			}
		}
		got, err := s.CampaignByShortCode(ctx, c.ShortCode)
		if err != nil || got.ID != c.ID {
			t.Errorf("%s: by its code: %v", c.Name, err)
		}
	}
	if len(list) != 23 || bare == 0 {
		t.Fatalf("%d campaigns", len(list))
	}
}

// A campaign made for an ad platform's lead gets its printed link too, with the
// platform's UTM key, or its link's code when the platform sent none.
func TestAdPlatformCampaignsGetAShortLink(t *testing.T) {
	s := storetest.Open(t)
	for i, utm := range []string{"gads-123456", ""} {
		l := adLead("L-" + string(rune('1'+i)))
		l.Campaign.Name, l.Campaign.UTMCampaign = "Ads "+utm, utm
		l.Capture.Email = "ada" + string(rune('1'+i)) + "@example.com"
		r, err := s.IngestAdLead(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		c := mustContact(t, s, r.ContactID)
		if c.FirstTouch == nil || c.FirstTouch.Campaign == nil {
			t.Fatalf("first touch = %+v", c.FirstTouch)
		}
		camp, err := s.Campaign(ctx, c.FirstTouch.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := utm
		if want == "" {
			want = camp.ShortCode
		}
		if !shortCodeOK(camp.ShortCode) || camp.UTMCampaign != want {
			t.Errorf("ad campaign %q: short code %q, utm_campaign %q, want %q", camp.Name, camp.ShortCode, camp.UTMCampaign, want)
		}
	}
}
