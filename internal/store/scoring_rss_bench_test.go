package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// BenchmarkRescorePeakRSS rescores every contact of the SQLite database at
// LODESTONE_BENCH_RSS_DB (one the bench harness kept with --keep, used in place) under
// the harness's rules, with the server's GC settings (app.GCHeadroom), and reports
// the process's peak RSS during the rescore; a page view's points alternate between
// 2 and 3 so that nearly every score changes. LODESTONE_BENCH_HEAP names a file for a
// heap profile taken after the first scan pass; LODESTONE_BENCH_SAMPLE set prints the
// RSS and the Go heap every second (with LODESTONE_BENCH_TRACE, the steps' times).
func BenchmarkRescorePeakRSS(b *testing.B) {
	path := os.Getenv("LODESTONE_BENCH_RSS_DB")
	if path == "" {
		b.Skip("LODESTONE_BENCH_RSS_DB not set")
	}
	s, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go app.GCHeadroom(gctx)
	var rules scoring.Rules
	if err := json.Unmarshal([]byte(`{"fit":[{"filter":"seniority in (\"vp\", \"executive\", \"director\")","points":30},
		{"filter":"company.size in (\"51-200\", \"201-500\", \"501-1000\")","points":20},
		{"filter":"country in (\"DE\", \"AT\", \"CH\")","points":15},{"filter":"email_type = \"free\"","points":-15},
		{"filter":"job_title contains \"student\"","points":-40}],
		"engagement":[{"event_type":"page_view","property":"page_url","op":"contains","value":"/pricing","points":20},
		{"event_type":"page_view","points":2},{"event_type":"email_click","points":5},{"event_type":"email_open","points":1},
		{"event_type":"webinar_attended","points":10,"half_life_days":60},{"event_type":"form_submit","points":15},
		{"event_type":"demo_request","points":30}]}`), &rules); err != nil {
		b.Fatal(err)
	}
	passes := 0
	store.AfterScanPassForTest(s, func() {
		passes++
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.Logf("after scan pass %d: RSS %.0f MiB, heap in use %d MiB, heap sys %d MiB, released %d MiB, GOGC %s, next GC %d MiB, GCs %d",
			passes, rssMiB("VmRSS:"), ms.HeapInuse>>20, ms.HeapSys>>20, ms.HeapReleased>>20, gcPercentNow(), ms.NextGC>>20, ms.NumGC)
		if f := os.Getenv("LODESTONE_BENCH_HEAP"); f != "" && passes == 1 {
			w, err := os.Create(f)
			if err == nil {
				runtime.GC()
				_ = pprof.WriteHeapProfile(w)
				w.Close()
			}
		}
	})
	time.Sleep(1500 * time.Millisecond) // GCHeadroom's first settings
	if os.Getenv("LODESTONE_BENCH_SAMPLE") != "" {
		t0 := time.Now()
		go func() {
			for gctx.Err() == nil {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				fmt.Fprintf(os.Stderr, "%5.1fs RSS %.0f MiB, Go heap in use %d, retained %d MiB, GOGC %s\n", time.Since(t0).Seconds(), rssMiB("VmRSS:"),
					ms.HeapInuse>>20, (ms.HeapSys-ms.HeapReleased)>>20, gcPercentNow())

				time.Sleep(time.Second)
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		// A page view's points alternate between 2 and 3 from one rescore to the
		// next, across runs too, so that nearly every score changes.
		rules.Engagement[1].Points = 2
		if cur, _, err := s.ScoringRules(ctx); err == nil && cur != nil && len(cur.Rules.Engagement) > 1 && cur.Rules.Engagement[1].Points == 2 {
			rules.Engagement[1].Points = 3
		}
		_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
		before := rssMiB("VmRSS:")
		t0, c0 := time.Now(), cpuTime()
		rescoreUnder(b, s, rules)
		b.Logf("rescore %d: %v (CPU %v), RSS before %.0f MiB, peak %.0f MiB", i+1, time.Since(t0).Round(time.Millisecond),
			(cpuTime() - c0).Round(time.Millisecond), before, rssMiB("VmHWM:"))
		b.ReportMetric(rssMiB("VmHWM:"), "peak-MiB")
	}
}

func gcPercentNow() string {
	m := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(m)
	return strconv.FormatUint(m[0].Value.Uint64(), 10) + " limit " + strconv.FormatUint(m[1].Value.Uint64()>>20, 10) + " MiB"
}

// rssMiB reads a field of /proc/self/status, in MiB.
func rssMiB(field string) float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
