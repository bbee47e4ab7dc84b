package store_test

import (
	"context"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/insights"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// A campaign is one piece of marketing work in one channel: its leads count where its
// cost does, in its current channel. The Fair campaign starts in channel event; Ann
// (03-03) and Ben (03-04) come in by Fair touches recorded under event; Ann wins 1000.00
// on 03-10; Fair spends 300.00 on 03-02. Then the campaign moves to paid_social. Every
// grouping, model, the contacts behind the numbers, the dashboard's weekly leads and the
// quality report and the audience insights then show one paid_social row: 2 leads, 300.00, cpl 150.00, 1 customer,
// revenue 1000.00, roi (1000 - 300) / 300 = 7/3; and no event row at all.
func TestCampaignChannelChangeKeepsOneRow(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	fair, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair", Channel: "event"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCost(ctx, store.CostEntry{CampaignID: fair.ID, Date: "2026-03-02", Amount: 30000}, "test"); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for who, day := range map[string]int{"ann": 3, "ben": 4} {
		out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: who + "@example.com", OccurredAt: mar(day, 9),
			Channel: "event", CampaignID: fair.ID, Touch: true}})
		if err != nil {
			t.Fatal(err)
		}
		ids[who] = out[0].ContactID
	}
	if _, err := s.CreateDeal(ctx, store.Deal{ContactID: ids["ann"], Amount: 100000, Status: store.DealWon, ClosedAt: mar(10, 9)}, "test"); err != nil {
		t.Fatal(err)
	}
	// The facts are brought up to date before the change, so they must stay exact across it.
	if _, err := s.SourcesReport(ctx, march[0], march[1], attribution.LastTouch); err != nil {
		t.Fatal(err)
	}
	fair.Channel = "paid_social"
	if _, err := s.UpdateCampaign(ctx, *fair, "test"); err != nil {
		t.Fatal(err)
	}

	want := map[report.Grouping]string{
		report.ByChannel:         "paid_social/- 2 1 1 1 30000 0 100000\ntotal 2 1 1 1 30000 0 100000",
		report.ByCampaign:        "paid_social/Fair 2 1 1 1 30000 0 100000\ntotal 2 1 1 1 30000 0 100000",
		report.ByChannelCampaign: "paid_social/Fair 2 1 1 1 30000 0 100000\ntotal 2 1 1 1 30000 0 100000",
	}
	for _, m := range []attribution.Model{attribution.FirstTouch, attribution.LastTouch, attribution.Linear} {
		d, err := s.SourcesReport(ctx, march[0], march[1], m)
		if err != nil {
			t.Fatal(err)
		}
		direct, err := s.SourcesReportDirect(ctx, march[0], march[1], true)
		if err != nil {
			t.Fatal(err)
		}
		for g, w := range want {
			for name, data := range map[string]*report.Data{"facts": d, "direct": direct} {
				rep := report.Build(*data, report.Options{Grouping: g, Model: m})
				if got := reportLinesAt(rep, 0); got != w {
					t.Errorf("%s %s by %s:\n%s\nwant\n%s", name, m, g, got, w)
				}
				if len(rep.Rows) == 1 {
					if cpl := rep.Rows[0].CostPerLead(); cpl == nil || cpl.Int64() != 15000 {
						t.Errorf("%s %s by %s: cpl %v, want 15000", name, m, g, cpl)
					}
					if roi := rep.Rows[0].ROI(); roi == nil || roi.RatString() != "7/3" {
						t.Errorf("%s %s by %s: roi %v, want 7/3", name, m, g, roi)
					}
				}
			}
		}
		// The customer behind the row's customers and revenue, and no one behind event.
		for _, g := range []report.Grouping{report.ByChannel, report.ByChannelCampaign} {
			for ch, wantN := range map[string]int{"paid_social": 1, "event": 0} {
				f := &store.CreditedFilter{Model: m, Grouping: g, Channel: ch, CampaignID: fair.ID, Revenue: true, From: march[0], To: march[1]}
				page, err := s.Contacts(ctx, store.ContactFilter{Credited: f})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Contacts) != wantN || wantN == 1 && page.Contacts[0].ID != ids["ann"] {
					t.Errorf("%s by %s, %s: credited %+v, want %d", m, g, ch, page.Contacts, wantN)
				}
			}
		}
	}

	// The new leads behind the row, by the list's channel filter.
	for ch, wantN := range map[string]int{"paid_social": 2, "event": 0} {
		page, err := s.Contacts(ctx, store.ContactFilter{Channel: ch, CreatedFrom: march[0], CreatedTo: march[1]})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Contacts) != wantN {
			t.Errorf("contacts in %s: %d, want %d", ch, len(page.Contacts), wantN)
		}
	}
	// The audience insights by channel, and the contacts behind a value.
	counts, err := s.InsightCounts(ctx, "customer", march[0], march[1], "channel")
	if err != nil {
		t.Fatal(err)
	}
	if got := counts.Values["channel"]; len(got) != 1 || got["paid_social"] != (insights.Count{Contacts: 2, Converted: 1}) {
		t.Errorf("insights by channel %v, want paid_social 2 of which 1 converted", got)
	}
	for ch, wantN := range map[string]int{"paid_social": 2, "event": 0} {
		page, err := s.Contacts(ctx, store.ContactFilter{Attribute: "channel", AttributeValue: ch, Outcome: "customer", CreatedFrom: march[0], CreatedTo: march[1]})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Contacts) != wantN {
			t.Errorf("insight contacts in %s: %d, want %d", ch, len(page.Contacts), wantN)
		}
	}
	// The dashboard's leads by week: one week (03-01 to 03-08), paid_social.
	weeks, err := s.LeadsByWeek(ctx, march[0], mar(8, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(weeks) != 1 || weeks[0].Channel != "paid_social" || weeks[0].Leads != 2 {
		t.Errorf("weekly leads %+v, want paid_social 2", weeks)
	}
	costs, err := s.CostByChannel(ctx, march[0], march[1])
	if err != nil || len(costs) != 1 || costs["paid_social"] != 30000 {
		t.Errorf("costs by channel %v %v", costs, err)
	}
	// The quality report, by channel and by campaign.
	for _, byCampaign := range []bool{false, true} {
		rows, err := s.Quality(ctx, march[0], march[1], byCampaign)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Channel != "paid_social" || rows[0].NewLeads != 2 || rows[0].Customers != 1 || rows[0].Revenue != 100000 {
			t.Errorf("quality by campaign %v: %+v", byCampaign, rows)
		}
	}
}
