package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// BenchmarkSourcesReport measures the sources report of a year over a seeded SQLite
// database: LODESTONE_BENCH_CONTACTS contacts (default 100,000) created over 2025, ten
// events each, four in ten of them touches; 30 % reach MQL, 12 % SQL, 5 % opportunity,
// 3 % customer with a won deal; 50 campaigns with a cost entry a day. Rows are written
// straight into the tables in the shape the store gives them, since ingesting them
// one by one would take far longer than the benchmark.
//
//	LODESTONE_BENCH_CONTACTS=200000 go test ./internal/store/ -run XXX -bench SourcesReport -benchtime 5x
func BenchmarkSourcesReport(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("LODESTONE_BENCH_CONTACTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	events := seedReport(b, s, n)
	b.Logf("seeded %d contacts and %d events in %s", n, events, time.Since(start).Round(time.Second))
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []attribution.Model{attribution.FirstTouch, attribution.Linear} {
		b.Run(fmt.Sprintf("%s/%d", m, n), func(b *testing.B) {
			// The machine is shared: CPU time used per report says more than wall time.
			cpu0 := cpuTime()
			for b.Loop() {
				d, err := s.SourcesReport(ctx, from, to, m != attribution.FirstTouch)
				if err != nil {
					b.Fatal(err)
				}
				rep := report.Build(*d, report.Options{Grouping: report.ByCampaign, Model: m})
				if rep.Totals.NewLeads != int64(n) {
					b.Fatalf("new leads %d, want %d", rep.Totals.NewLeads, n)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// seedReport writes n contacts with their stages, events and deals, and the campaigns
// with their costs, in large transactions.
func seedReport(b *testing.B, s *Store, n int) int {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	channels := []string{"paid_search", "organic_search", "social", "paid_social", "email", "referral", "event", "direct"}
	year := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const campaigns = 50
	err := s.RunInTx(ctx, func(tx *Tx) error {
		for c := 1; c <= campaigns; c++ {
			if _, err := tx.exec(ctx, `INSERT INTO campaigns (id, name, channel, utm_campaign, created_at) VALUES (?, ?, ?, ?, 0)`,
				c, fmt.Sprintf("Campaign %d", c), channels[c%len(channels)], fmt.Sprintf("c%d", c)); err != nil {
				return err
			}
			for d := 0; d < 365; d++ {
				if _, err := tx.exec(ctx, `INSERT INTO cost_entries (campaign_id, spent_on, amount, hours_hundredths, created_at) VALUES (?, ?, ?, ?, 0)`,
					c, year.AddDate(0, 0, d).Format(time.DateOnly), 1000+rng.Int64N(50000), rng.Int64N(300)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	events := 0
	for lo := 1; lo <= n; lo += batch {
		hi := min(n, lo+batch-1)
		var contacts, stages, evs, deals []string
		var cargs, sargs, eargs, dargs []any
		for id := lo; id <= hi; id++ {
			created := year.Add(time.Duration(float64(id-1) / float64(n) * float64(365*24*time.Hour))).UnixMicro()
			ch := channels[rng.IntN(len(channels))]
			var camp any
			if rng.IntN(10) < 6 {
				camp = 1 + rng.IntN(campaigns)
			}
			stage := "lead"
			ladder := []string{"lead"}
			r := rng.IntN(100)
			for _, st := range []struct {
				name string
				pct  int
			}{{"mql", 30}, {"sql", 12}, {"opportunity", 5}, {"customer", 3}} {
				if r < st.pct {
					ladder = append(ladder, st.name)
					stage = st.name
				}
			}
			contacts = append(contacts, "(?, ?, ?, ?, ?, ?, ?, ?)")
			cargs = append(cargs, id, fmt.Sprintf("p%d@bench.example", id), stage, created, ch, camp, created, created)
			for k, st := range ladder {
				stages = append(stages, "(?, ?, ?)")
				sargs = append(sargs, id, st, created+int64(k)*86_400_000_000)
			}
			for k := 0; k < 10; k++ {
				at := created + int64(k)*3_600_000_000*int64(1+rng.IntN(48))
				if k == 0 {
					at = created
				}
				var ech, ecamp any
				typ := "page_view"
				if k == 0 || rng.IntN(10) < 3 {
					typ, ech = "form_submit", channels[rng.IntN(len(channels))]
					if k == 0 {
						ech, ecamp = ch, camp
					} else if rng.IntN(2) == 0 {
						ecamp = 1 + rng.IntN(campaigns)
					}
				}
				evs = append(evs, "(?, ?, ?, ?, ?, ?)")
				eargs = append(eargs, id, typ, at, at, ech, ecamp)
				events++
			}
			if stage == "customer" {
				deals = append(deals, "(?, ?, 'won', ?, ?)")
				closed := created + 4*86_400_000_000
				dargs = append(dargs, id, 10000+rng.Int64N(1_000_000), closed, closed)
			}
		}
		err := s.RunInTx(ctx, func(tx *Tx) error {
			for _, q := range []struct {
				sql  string
				rows []string
				args []any
			}{
				{`INSERT INTO contacts (id, email, stage, first_touch_at, first_touch_channel, first_touch_campaign_id, created_at, updated_at) VALUES `, contacts, cargs},
				{`INSERT INTO contact_stages (contact_id, stage, entered_at) VALUES `, stages, sargs},
				{`INSERT INTO events (contact_id, type, occurred_at, received_at, channel, campaign_id) VALUES `, evs, eargs},
				{`INSERT INTO deals (contact_id, status, amount, closed_at, created_at) VALUES `, deals, dargs},
			} {
				// SQLite binds at most 32,766 parameters a statement.
				per := len(q.args) / max(1, len(q.rows))
				for i := 0; i < len(q.rows); i += 30000 / max(1, per) {
					j := min(len(q.rows), i+30000/max(1, per))
					if _, err := tx.exec(ctx, q.sql+strings.Join(q.rows[i:j], ","), q.args[i*per:j*per]...); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.write.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return events
}

// cpuTime is the CPU time this process has used, in user and system mode.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
