package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// BenchmarkSourcesReport measures the sources report of a year, under every model, over
// the workspace benchWorkspace shares (LODESTONE_BENCH_CONTACTS contacts, default
// 100,000, ten events each), on SQLite or on the PostgreSQL server
// LODESTONE_TEST_DATABASE_URL names. direct computes it from contacts, events and deals,
// as before migration 0015; fast reads the facts. LODESTONE_BENCH_ROUNDS (default 1)
// repeats the rounds of both, so they interleave. direct time_decay, which takes
// minutes over a million contacts, runs only up to 100,000 contacts unless
// LODESTONE_BENCH_SLOW is set.
//
//	LODESTONE_BENCH_CONTACTS=1000000 go test ./internal/store/ -run XXX -bench SourcesReport -benchtime 3x
func BenchmarkSourcesReport(b *testing.B) {
	n := benchContacts()
	ctx := context.Background()
	s := benchWorkspace(b, n)
	from, to := benchNow.AddDate(-1, 0, 0), benchNow
	want := int64(n - n/100) // one in a hundred is merged away
	for range benchRounds() {
		for _, m := range attribution.Models {
			for _, path := range []string{"direct", "fast"} {
				if path == "direct" && m == attribution.TimeDecay && n > 100_000 && os.Getenv("LODESTONE_BENCH_SLOW") == "" {
					continue
				}
				b.Run(fmt.Sprintf("%s/%s/%d", path, m, n), func(b *testing.B) {
					// The machine is shared: CPU time used per report says more than wall time.
					cpu0 := cpuTime()
					for b.Loop() {
						var d *report.Data
						var err error
						if path == "direct" {
							d, err = s.sourcesReportDirect(ctx, from, to, m != attribution.FirstTouch)
						} else {
							d, err = s.SourcesReport(ctx, from, to, m)
						}
						if err != nil {
							b.Fatal(err)
						}
						rep := report.Build(*d, report.Options{Grouping: report.ByCampaign, Model: m})
						if rep.Totals.NewLeads != want {
							b.Fatalf("new leads %d, want %d", rep.Totals.NewLeads, want)
						}
					}
					b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
				})
			}
		}
	}
}

// benchContacts is LODESTONE_BENCH_CONTACTS, or 100,000.
func benchContacts() int {
	if v, err := strconv.Atoi(os.Getenv("LODESTONE_BENCH_CONTACTS")); err == nil && v > 0 {
		return v
	}
	return 100_000
}

// benchRounds is LODESTONE_BENCH_ROUNDS, or 1.
func benchRounds() int {
	if v, err := strconv.Atoi(os.Getenv("LODESTONE_BENCH_ROUNDS")); err == nil && v > 0 {
		return v
	}
	return 1
}

// cpuTime is the CPU time this process has used, in user and system mode.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSourcesReportOffset is BenchmarkSourcesReport's year with bounds that are not
// at midnight (13:00 on the first day to 19:00 on the last), under the models that do not
// take minutes the direct way.
//
//	LODESTONE_BENCH_CONTACTS=1000000 go test ./internal/store/ -run XXX -bench SourcesReportOffset -benchtime 3x
func BenchmarkSourcesReportOffset(b *testing.B) {
	n := benchContacts()
	ctx := context.Background()
	s := benchWorkspace(b, n)
	from, to := benchNow.AddDate(-1, 0, 0).Add(13*time.Hour), benchNow.Add(-5*time.Hour)
	for range benchRounds() {
		for _, m := range []attribution.Model{attribution.FirstTouch, attribution.Linear, attribution.WShaped} {
			b.Run(fmt.Sprintf("offset/%s/%d", m, n), func(b *testing.B) {
				cpu0 := cpuTime()
				for b.Loop() {
					d, err := s.SourcesReport(ctx, from, to, m)
					if err != nil {
						b.Fatal(err)
					}
					report.Build(*d, report.Options{Grouping: report.ByCampaign, Model: m})
				}
				b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// BenchmarkCreditedContacts measures a page of the contacts behind the customers of the
// sources report's largest row (by campaign, a year), beside the report itself, over the
// workspace of BenchmarkSourcesReport: the list is read from the same facts, so it
// should cost no more than the report.
//
//	LODESTONE_BENCH_CONTACTS=1000000 go test ./internal/store/ -run XXX -bench CreditedContacts -benchtime 3x
func BenchmarkCreditedContacts(b *testing.B) {
	n := benchContacts()
	ctx := context.Background()
	s := benchWorkspace(b, n)
	from, to := benchNow.AddDate(-1, 0, 0), benchNow
	models := []attribution.Model{attribution.FirstTouch, attribution.Linear, attribution.WShaped, attribution.TimeDecay}
	for range benchRounds() {
		for _, m := range models {
			d, err := s.SourcesReport(ctx, from, to, m)
			if err != nil {
				b.Fatal(err)
			}
			opt := report.Options{Grouping: report.ByCampaign, Model: m}
			rep := report.Build(*d, opt)
			largest := rep.Rows[0]
			for _, r := range rep.Rows {
				if r.Customers.Cmp(largest.Customers) > 0 {
					largest = r
				}
			}
			f := &CreditedFilter{Model: m, Grouping: report.ByCampaign, Channel: largest.Channel, From: from, To: to}
			if largest.Campaign != nil {
				f.CampaignID = largest.Campaign.ID
			}
			for _, what := range []string{"report", "list"} {
				b.Run(fmt.Sprintf("%s/%s/%d", what, m, n), func(b *testing.B) {
					cpu0 := cpuTime()
					for b.Loop() {
						if what == "report" {
							d, err := s.SourcesReport(ctx, from, to, m)
							if err != nil {
								b.Fatal(err)
							}
							report.Build(*d, opt)
							continue
						}
						page, err := s.Contacts(ctx, ContactFilter{Credited: f})
						if err != nil || len(page.Contacts) == 0 || page.NextCursor == "" {
							b.Fatalf("%d contacts, next %q: %v", len(page.Contacts), page.NextCursor, err)
						}
						if _, err := s.Contacts(ctx, ContactFilter{Credited: f, Cursor: page.NextCursor}); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
				})
			}
		}
	}
}

// BenchmarkFunnel measures the funnel of a year over the workspace benchWorkspace
// shares: fast reads the roll-up funnel_paths (Funnel), direct every stage entry of the
// cohort (report.Funnel over FunnelEntries), which it must equal.
//
//	LODESTONE_BENCH_CONTACTS=1000000 go test ./internal/store/ -run XXX -bench Funnel$ -benchtime 5x
func BenchmarkFunnel(b *testing.B) {
	n := benchContacts()
	ctx := context.Background()
	s := benchWorkspace(b, n)
	from, to := benchNow.AddDate(-1, 0, 0), benchNow
	size, entries, err := s.FunnelEntries(ctx, from, to)
	if err != nil {
		b.Fatal(err)
	}
	want := fmt.Sprint(size, report.Funnel(entries))
	entries = nil
	for range benchRounds() {
		for _, path := range []string{"direct", "fast"} {
			b.Run(fmt.Sprintf("%s/%d", path, n), func(b *testing.B) {
				cpu0 := cpuTime()
				for b.Loop() {
					var got string
					if path == "direct" {
						size, entries, err := s.FunnelEntries(ctx, from, to)
						if err != nil {
							b.Fatal(err)
						}
						got = fmt.Sprint(size, report.Funnel(entries))
					} else {
						size, stages, err := s.Funnel(ctx, from, to)
						if err != nil {
							b.Fatal(err)
						}
						got = fmt.Sprint(size, stages)
					}
					if got != want {
						b.Fatalf("funnel %s, want %s", got, want)
					}
				}
				b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
