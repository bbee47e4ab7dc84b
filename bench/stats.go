package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// results collects every figure the run measured, keyed by name, one value per run,
// and the text evidence (query plans, profiles) the report quotes.
type results struct {
	mu       sync.Mutex
	vals     map[string][]float64
	text     map[string]string
	warnings []string
}

func newResults() *results {
	return &results{vals: map[string][]float64{}, text: map[string]string{}}
}

func (r *results) add(key string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.vals[key] = append(r.vals[key], v)
	logf("  %s = %s", key, num(v))
}

func (r *results) setText(key, s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.text[key] = s
}

func (r *results) warn(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	msg := fmt.Sprintf(format, a...)
	r.warnings = append(r.warnings, msg)
	logf("WARNING: %s", msg)
}

// load records the machine's 1-minute load average as a run of key starts: the
// machine is shared, and a busy neighbour shows here.
func (r *results) load(key string) {
	if key == "" {
		return
	}
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return
	}
	if v, err := strconv.ParseFloat(f[0], 64); err == nil {
		r.mu.Lock()
		r.vals["load."+key] = append(r.vals["load."+key], v)
		r.mu.Unlock()
	}
}

// spread is the median of a figure's runs and their range.
type spread struct {
	Med, Min, Max float64
	N             int
}

func (r *results) get(key string) (spread, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := r.vals[key]
	if len(v) == 0 {
		return spread{}, false
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return spread{Med: median(s), Min: s[0], Max: s[len(s)-1], N: len(s)}, true
}

// median of sorted values.
func median(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// latencies gathers request durations and reads percentiles from them.
type latencies []time.Duration

// pct is the p-th percentile (nearest rank) in milliseconds.
func (l latencies) pct(p float64) float64 {
	if len(l) == 0 {
		return math.NaN()
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	i = max(0, min(i, len(s)-1))
	return float64(s[i]) / float64(time.Millisecond)
}

// num prints a figure with sensible precision.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		return "n/a"
	case a >= 1000:
		return commas(int64(math.Round(v)))
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// histogram is one route's request-duration histogram from the server's /metrics.
type histogram struct {
	Sum     float64
	Count   float64
	Buckets map[string]float64 // le → cumulative count
}

// parseMetrics reads the request-duration histograms of the Prometheus text format,
// by route.
func parseMetrics(r io.Reader) map[string]*histogram {
	out := map[string]*histogram{}
	get := func(route string) *histogram {
		h := out[route]
		if h == nil {
			h = &histogram{Buckets: map[string]float64{}}
			out[route] = h
		}
		return h
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	const name = "lodestone_http_request_duration_seconds"
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		open, close := strings.IndexByte(line, '{'), strings.LastIndexByte(line, '}')
		if open < 0 || close < open {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[close+1:]), 64)
		if err != nil {
			continue
		}
		labels := parseLabels(line[open+1 : close])
		h := get(labels["route"])
		switch line[len(name):open] {
		case "_sum":
			h.Sum = v
		case "_count":
			h.Count = v
		case "_bucket":
			h.Buckets[labels["le"]] = v
		}
	}
	return out
}

func parseLabels(s string) map[string]string {
	m := map[string]string{}
	for s != "" {
		k, rest, ok := strings.Cut(s, `="`)
		if !ok {
			break
		}
		v, rest2, _ := strings.Cut(rest, `"`)
		m[strings.TrimPrefix(k, ",")] = v
		s = strings.TrimPrefix(rest2, ",")
	}
	return m
}
