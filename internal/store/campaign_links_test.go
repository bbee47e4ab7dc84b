package store_test

import (
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
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

// Every new campaign gets a printed link's code, landing page or not, and keeps its
// UTM key as given: none is made up for it, since the key decides which tracked
// traffic joins the campaign (and takes its channel).
func TestEveryCampaignGetsAShortLink(t *testing.T) {
	s := storetest.Open(t)
	for _, tc := range []struct {
		name, utm, landing string
		wantUTM            string
	}{
		{"Spring Flyers 2026", "", "", ""},
		{"Messe", " Fair-DE ", "", "fair-de"},
		{"Webinar", "", "https://shop.example/webinar", ""},
	} {
		c, err := s.CreateCampaign(ctx, store.Campaign{Name: tc.name, Channel: "event", UTMCampaign: tc.utm, LandingURL: tc.landing}, "test")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !shortCodeOK(c.ShortCode) || c.UTMCampaign != tc.wantUTM {
			t.Errorf("%s: short code %q, utm_campaign %q, want %q", tc.name, c.ShortCode, c.UTMCampaign, tc.wantUTM)
		}
		got, err := s.CampaignByShortCode(ctx, c.ShortCode)
		if err != nil || got.ID != c.ID || got.UTMCampaign != tc.wantUTM {
			t.Errorf("%s: by its code: %+v %v", tc.name, got, err)
		}
	}
	// Two campaigns without a key are no duplicates; a key given twice is.
	if _, err := s.CreateCampaign(ctx, store.Campaign{Name: "Autumn Flyers", Channel: "direct_mail"}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCampaign(ctx, store.Campaign{Name: "Messe 2", Channel: "event", UTMCampaign: "FAIR-de"}, "test"); errs.Code(err) != errs.Conflict {
		t.Fatalf("a key given twice: %v", err)
	}
}

// Editing keeps the rule for an empty UTM key: a campaign with a landing page of its
// own keeps its key (its printed link carries it); any other may drop it.
func TestUpdateCampaignEmptyUTMKey(t *testing.T) {
	s := storetest.Open(t)
	plain, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fax", Channel: "direct_mail", UTMCampaign: "fax-1"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	plain.UTMCampaign = ""
	if c, err := s.UpdateCampaign(ctx, *plain, "test"); err != nil || c.UTMCampaign != "" || c.ShortCode != plain.ShortCode {
		t.Fatalf("dropping the key of a campaign without a landing page: %+v %v", c, err)
	}
	landing, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair", Channel: "event", UTMCampaign: "fair-1", LandingURL: "https://shop.example/fair"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	landing.UTMCampaign = ""
	if _, err := s.UpdateCampaign(ctx, *landing, "test"); errs.Code(err) != errs.Invalid || !strings.Contains(err.Error(), "utm_campaign") {
		t.Fatalf("dropping the key of a campaign with a landing page: %v", err)
	}
}

// Campaigns made before every campaign had a printed link get a short code each when
// the database is upgraded, and keep their UTM key (none stays none); a campaign with
// a link keeps it.
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
			if c.UTMCampaign != "" {
				t.Errorf("%s: utm_campaign %q made up on upgrade", c.Name, c.UTMCampaign)
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

// A campaign made for an ad platform's lead gets its printed link's code too, with
// the platform's UTM key, or none when the platform sent none.
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
		if !shortCodeOK(camp.ShortCode) || camp.UTMCampaign != utm {
			t.Errorf("ad campaign %q: short code %q, utm_campaign %q, want %q", camp.Name, camp.ShortCode, camp.UTMCampaign, utm)
		}
	}
}
