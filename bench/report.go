package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

const (
	notesBegin = "<!-- notes: kept by the harness when it rewrites this file -->"
	notesEnd   = "<!-- /notes -->"
)

// runMeta says which run the figures come from.
type runMeta struct {
	Args    []string
	Started time.Time
	Elapsed time.Duration
	Err     string
}

// report renders docs/benchmarks.md from the figures of one run only.
func (e *env) report(m runMeta) []byte {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Lodestone benchmarks\n\n")
	w("Reproduce with, from the repository (the run below says how long it took; `--quick` is a smoke run of a few minutes):\n\n")
	w("```sh\ngo run ./bench                                   # SQLite figures, writes this file\n")
	w("go run ./bench --pg 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'   # and PostgreSQL beside them\n")
	w("go run ./bench --quick                           # smoke run\n")
	w("go run ./bench --only scale --pg 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'   # segment counts, rescore, sources report, dashboard at 1M contacts / 10M events\n```\n\n")
	w("Flags: `--runs N` (default 3), `--duration` (wrk runs, 30s), `--ingest-duration` (20s), `--conns` (64), ")
	w("`--workers` (API clients, 4), `--contacts` (1,000,000), `--seed-api-time` (5m), `--import-timeout` (5m), `--pg-contacts`, `--import-rows`, `--list-requests`, `--detail-requests`, ")
	w("`--scale-contacts` (1,000,000), `--scale-events` (10,000,000), `--scale-rescores` (3), `--scale-rescore-timeout` (10m), `--only ceilings,form,collect,ingest,reads,import,micro,scale`, `--engines sqlite,postgres`, `--profile=false`, `--keep` (keep databases, logs and profiles), `--out`. ")
	w("The harness builds `./cmd/lodestone` once and starts `lodestone serve --form-rate-ip 0 --form-rate-form 0` (the per-IP limit of `/collect` follows `--form-rate-ip`, so it is off too) as a subprocess ")
	w("on a fresh data folder (or a fresh PostgreSQL schema) for every figure; all load goes to 127.0.0.1. ")
	w("wrk is Debian's (`%s`), 2 threads.\n\n", e.opt.wrk)
	w("This run: `go run ./bench %s`, started %s, took %s.", strings.Join(m.Args, " "), m.Started.UTC().Format("2006-01-02 15:04 UTC"), m.Elapsed.Round(time.Second))
	w(" Every figure is the **median of %d runs** with the range (min–max) in brackets; machines here are shared and noisy.\n\n", e.opt.runs)
	if m.Err != "" {
		w("**This run failed before it finished:** %s\n\n", m.Err)
	}
	if src := e.res.text["source"]; src != "" {
		w("Source measured: %s.\n\n", src)
	}
	w("%s", e.res.text["machine"])
	e.targets(w)
	e.scaleTargets(w)
	e.ceilingTable(w)
	e.microTable(w)
	e.memoryTable(w)
	e.evidence(w)
	w("%s\n", e.keptNotes())
	return []byte(b.String())
}

func (e *env) fmtKey(key, unit string) string {
	s, ok := e.res.get(key)
	if !ok {
		return "not measured"
	}
	if s.N == 1 || s.Min == s.Max {
		return num(s.Med) + unit
	}
	return fmt.Sprintf("%s%s (%s–%s)", num(s.Med), unit, num(s.Min), num(s.Max))
}

// ratio is a figure over its ceiling, in percent: the median of the run-by-run
// ratios when each run had its ceiling measured just before it, else the ratio of
// the medians.
func (e *env) ratio(key, ceiling string) (float64, bool) {
	a, ok1 := e.res.get(key)
	c, ok2 := e.res.get(ceiling)
	if !ok1 || !ok2 || c.Med == 0 {
		return 0, false
	}
	e.res.mu.Lock()
	av, cv := e.res.vals[key], e.res.vals[ceiling]
	e.res.mu.Unlock()
	if len(av) == len(cv) {
		r := make([]float64, len(av))
		for i := range av {
			r[i] = 100 * av[i] / cv[i]
		}
		slices.Sort(r)
		return median(r), true
	}
	return 100 * a.Med / c.Med, true
}

func verdict(ok, measured bool) string {
	switch {
	case !measured:
		return "—"
	case ok:
		return "**met**"
	}
	return "**missed**"
}

func (e *env) targets(w func(string, ...any)) {
	w("## Issue targets\n\n| figure | Lodestone | ceiling | ratio | target | verdict |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, en := range e.engines() {
		k, gc := "form."+en, "gc."+en
		r, ok := e.ratio(k+".rps", gc+".rps")
		w("| durable form posts, %s (8 fields, unique emails, %d connections), req/s | %s | bare group commit: %s | %s | ≥ 60 %% | %s |\n",
			en, e.opt.conns, e.fmtKey(k+".rps", ""), e.fmtKey(gc+".rps", ""), pct(r, ok), verdict(r >= 60, ok))
		p99, ok := e.res.get(k + ".p99")
		w("| durable form posts, %s, latency p99; p50 | %s; %s | bare group commit: %s; %s | — | p99 < 150 ms | %s |\n",
			en, e.fmtKey(k+".p99", " ms"), e.fmtKey(k+".p50", " ms"), e.fmtKey(gc+".p99", " ms"), e.fmtKey(gc+".p50", " ms"), verdict(p99.Med < 150, ok))
	}
	for _, en := range e.engines() {
		e.collectTargets(w, en)
	}
	for _, en := range e.engines() {
		r, ok := e.ratio("ingest."+en+".eps", "raw."+en+".rows")
		w("| API event ingest, %s, batches of 100 about %s known contacts, %d clients, events/s | %s | raw batched insert: %s rows/s | %s | ≥ 50 %% | %s |\n",
			en, commas(knownContacts), e.opt.workers, e.fmtKey("ingest."+en+".eps", ""), e.fmtKey("raw."+en+".rows", ""), pct(r, ok), verdict(r >= 50, ok))
		sk := "ingest." + en + ".scored"
		lag, ok := e.res.get(sk + ".lag_p99")
		probes, _ := e.res.get(sk + ".lag_n")
		w("| score and stage updated after ingested events, %s, under the same event ingest load with seven engagement rules and the MQL fit threshold at 0 (%s events/s in that run): two form_submit events for a new contact, from the API's answer until the contact's stored engagement is at least 25 and its stage mql, %s probes (four at a time): p99; p50 | %s; %s | — | — | p99 < 1 s | %s |\n",
			en, e.fmtKey(sk+".eps", ""), commas(int64(probes.Med)), e.fmtKey(sk+".lag_p99", " ms"), e.fmtKey(sk+".lag_p50", " ms"), verdict(lag.Med < 1000, ok))
		r, ok = e.ratio("seed."+en+".eps", "raw."+en+".rows")
		trend := ""
		if _, ok := e.res.get("seed." + en + ".eps_last"); ok {
			trend = fmt.Sprintf("; %s/s in the first 30 s, %s/s in the last 30 s", e.fmtKey("seed."+en+".eps_first", ""), e.fmtKey("seed."+en+".eps_last", ""))
		}
		w("| API event ingest, %s, batches of 100 each creating a contact (seeding: %s contacts in %s%s), events/s | %s | raw batched insert: %s rows/s | %s | — | — |\n",
			en, e.fmtKey("seed."+en+".contacts", ""), e.fmtKey("seed."+en+".secs", " s"), trend,
			e.fmtKey("seed."+en+".eps", ""), e.fmtKey("raw."+en+".rows", ""), pct(r, ok))
	}
	for _, en := range e.engines() {
		k := "list." + en
		p99, ok := e.res.get(k + ".p99")
		total := e.opt.contacts
		if en == "postgres" {
			total = e.opt.pgContacts
		}
		r, okr := e.ratio(k+".p99", k+".raw_p99")
		w("| contacts list, %s, `limit=50&stage=lead&q=WORD` over %s contacts, one request at a time, latency p99; p50 | %s; %s | the plain SQL of the same list through the bare driver, p99; p50: %s; %s (full-scan count: %s; indexed count: %s) | %s | p99 < 50 ms | %s |\n",
			en, commas(int64(total)), e.fmtKey(k+".p99", " ms"), e.fmtKey(k+".p50", " ms"),
			e.fmtKey(k+".raw_p99", " ms"), e.fmtKey(k+".raw_p50", " ms"),
			e.fmtKey("count."+en+".scan_ms", " ms"), e.fmtKey("count."+en+".indexed_ms", " ms"), times(r, okr), verdict(p99.Med < 50, ok))
		for _, t := range []struct {
			name, label string
			events      int
		}{{"api", "`GET /api/v1/contacts/{id}` (timeline of up to 500)", 500}, {"page", "page `GET /contacts/{id}`", 100}} {
			d := "detail." + en + "." + t.name
			m, ok := e.res.get(d + ".server_mean")
			r, okr := e.ratio(d+".server_mean", d+".raw_mean")
			w("| contact with 1,000 events, %s, %s: server time (mean, from /metrics); client p50 / p99 | %s; %s / %s | its row and newest %d events through the bare driver, mean: %s | %s | < 20 ms | %s |\n",
				en, t.label, e.fmtKey(d+".server_mean", " ms"), e.fmtKey(d+".p50", " ms"), e.fmtKey(d+".p99", " ms"), t.events, e.fmtKey(d+".raw_mean", " ms"), times(r, okr), verdict(m.Med < 20, ok))
		}
	}
	if e.res.text["import"] == "absent" {
		w("| CSV import of %s rows | not measured: this build of `lodestone` has no `import` command yet | | | ≥ 50 %% of raw insert, < 200 MB | — |\n", commas(int64(e.opt.importRows)))
	} else {
		for _, en := range e.engines() {
			k := "import." + en
			r, ok := e.ratio(k+".rps", "raw."+en+".rows")
			m, okm := e.res.get(k + ".rss")
			size := commas(int64(e.opt.importRows)) + " rows"
			if t := e.res.text[k+".timeout"]; t != "" {
				size += ", " + t + ": " + e.fmtKey(k+".rows", "") + " committed when stopped"
			}
			w("| CSV import, %s, %s; rows/s (time) | %s (%s) | raw batched insert: %s rows/s | %s | ≥ 50 %% | %s |\n",
				en, size, e.fmtKey(k+".rps", ""), e.fmtKey(k+".secs", " s"), e.fmtKey("raw."+en+".rows", ""), pct(r, ok), verdict(r >= 50, ok))
			w("| CSV import, %s, peak RSS of the CLI | %s | — | — | < 200 MB | %s |\n", en, e.fmtKey(k+".rss", " MiB"), verdict(m.Med < 200, okm))
		}
	}
	w("\nA ratio is the median of run-by-run ratios where each Lodestone run came right after its own ceiling run (form posts after the bare group-commit server, tracking collect after a hello-world server, event ingest after the raw insert), ")
	w("so that both saw the same neighbours on this shared machine; otherwise it is the ratio of the medians. ")
	w("Segment counts, the full rescore, the sources report and the dashboard are in their own section below (the `scale` phase).\n\n")
	w("The contact page figures are judged on the server's own time (its request middleware, read from `/metrics` before and after); ")
	w("the client figures add the loopback round trip. The list is judged on the client's p99 over a mix of common, rare and absent words (below). ")
	w("The list's and the page's ceilings are the same data read through the bare driver, measured just before each round, and their ratio is a multiple of that time (1.00× would be no cost above the database): ")
	w("for the list, the plain query of one page (`stage = 'lead' AND search LIKE '%%WORD%%' ORDER BY id DESC LIMIT 51`, every column), which has no word index and so walks every lead for a rare or absent word, where Lodestone's word index does not; ")
	w("for the contact, its row and its newest events, every column, without the page's other parts (stages, deals, duplicates, scores, the HTML).\n\n")
	for _, en := range e.engines() {
		if _, ok := e.res.get("seed." + en + ".topup"); ok {
			w("**Seeding (%s):** %s contacts went through `POST /api/v1/events` in the %s allowed (`--seed-api-time`); the other %s were written by the harness straight into the stopped server's database ",
				en, e.fmtKey("seed."+en+".contacts", ""), e.opt.seedAPITime, e.fmtKey("seed."+en+".topup", ""))
			w("in %s, in the shape the ingest gives them (contact, company, search words, stage history, capture and stage events; `bench/topup.go`), so that the list and page are measured at the size asked for (`--contacts`). ", e.fmtKey("seed."+en+".topup_secs", " s"))
			if d, ok := e.res.get("seed." + en + ".topup_diffs"); ok && d.Med == 0 {
				w("Checked: for the first API-made contacts, the top-up's stage, channel, dedupe key, search text, search words and stage history equal the API's.\n\n")
			} else {
				w("**The top-up's rows differ from the API's** (see the warnings): the list figures are not trustworthy until `bench/topup.go` follows the store's format.\n\n")
			}
		}
	}
}

func pct(r float64, ok bool) string {
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.0f %%", r)
}

func (e *env) ceilingTable(w func(string, ...any)) {
	w("## Ceilings of this machine, same run\n\n| ceiling | figure |\n| --- | --- |\n")
	w("| hello-world Go net/http server, wrk, %d connections, req/s; latency p99 | %s; %s |\n", e.opt.conns, e.fmtKey("hello.rps", ""), e.fmtKey("hello.p99", " ms"))
	for _, en := range e.engines() {
		w("| hello-world server right before each tracking collect run, %s, req/s; latency p99 | %s; %s |\n", en, e.fmtKey("hello.collect."+en+".rps", ""), e.fmtKey("hello.collect."+en+".p99", " ms"))
		w("| bare group-commit server, %s, the form-post script, req/s; latency p50; p99 | %s; %s; %s |\n", en, e.fmtKey("gc."+en+".rps", ""), e.fmtKey("gc."+en+".p50", " ms"), e.fmtKey("gc."+en+".p99", " ms"))
		w("| bare group-commit server, %s, rows per commit | %s |\n", en, e.fmtKey("gc."+en+".batch", ""))
		how := "a prepared statement per row"
		if en == "postgres" {
			how = "one 100-row INSERT each"
		}
		w("| raw batched insert into `events` (a database migrated by Lodestone: its schema, indexes and triggers), %s, transactions of 100 rows (%s), rows/s | %s |\n", en, how, e.fmtKey("raw."+en+".rows", ""))
		w("| `COUNT(*)` of stage = lead on the seeded live contacts (index), %s | %s |\n", en, e.fmtKey("count."+en+".indexed_ms", " ms"))
		w("| `COUNT(*)` with `search LIKE '%%zzqxv%%'` on the seeded contacts (full scan), %s | %s |\n", en, e.fmtKey("count."+en+".scan_ms", " ms"))
	}
	w("| disk: write + fsync of 4 KiB in a loop, in the scratch folder, per second | %s |\n\n", e.fmtKey("fsync.ops", ""))
}

func (e *env) memoryTable(w func(string, ...any)) {
	w("## Peak memory of the server (VmHWM) under each load\n\n| load | ")
	w(strings.Join(e.engines(), " | ") + " |\n| --- |" + strings.Repeat(" --- |", len(e.engines())) + "\n")
	for _, row := range []struct{ key, label string }{{"form", "durable form posts"}, {"collect", "tracking collect (page views)"}, {"ingest", "API event ingest"},
		{"seed", "seeding the contacts through the API"}, {"list", "contacts list"}, {"detail", "contact detail and page"}, {"import", "CSV import (the CLI process)"}} {
		w("| %s |", row.label)
		for _, en := range e.engines() {
			w(" %s |", e.fmtKey(row.key+"."+en+".rss", " MiB"))
		}
		w("\n")
	}
	w("\n")
}

func (e *env) evidence(w func(string, ...any)) {
	for _, en := range e.engines() {
		if t := e.res.text["words."+en]; t != "" {
			w("## Contacts list by search word (%s)\n\nMedian latency per word, one request at a time: ", en)
			var parts []string
			for _, k := range []string{"common", "uncommon", "rare", "unique", "absent"} {
				parts = append(parts, k+" "+e.fmtKey("list."+en+"."+k+".p50", " ms"))
			}
			w("%s. Server mean over all words: %s. Matches in the seeded data:\n\n%s\n", strings.Join(parts, ", "), e.fmtKey("list."+en+".server_mean", " ms"), t)
		}
	}
	for _, en := range e.engines() {
		if _, ok := e.res.get("detail." + en + ".api.kb"); ok {
			w("Contact with 1,000 events (%s): the API answer is %s KiB, the page %s KiB.\n\n", en, e.fmtKey("detail."+en+".api.kb", ""), e.fmtKey("detail."+en+".page.kb", ""))
		}
	}
	for _, en := range e.engines() {
		if out := e.res.text["import."+en+".output"]; out != "" {
			w("Output of the last `lodestone import contacts` run (%s):\n\n```\n%s\n```\n\n", en, out)
		}
	}
	profiles := []struct{ key, label string }{{"form", "durable form posts"}, {"collect", "tracking collect (page views)"}, {"ingest", "API event ingest, known contacts"},
		{"seed", "API event ingest creating contacts (seeding)"}, {"reads", "contacts list, then contact detail and page, on the seeded database"}}
	have := false
	for _, p := range profiles {
		if e.res.text["profile."+p.key] != "" {
			have = true
		}
	}
	if have {
		w("## CPU profiles (SQLite)\n\nFrom extra, unmeasured passes of each load (%s each, or one round of the reads) against the harness's ", e.opt.profileDuration)
		w("`profile-serve`: the same `internal/app` wiring as `lodestone serve` with `runtime/pprof` on, summarized by `go tool pprof -top`. ")
		w("Time inside SQLite's C code is counted at the cgo call (`runtime.cgocall`) under the Go function that made it; off-CPU waits (fsync) do not show.\n\n")
		for _, p := range profiles {
			if t := e.res.text["profile."+p.key]; t != "" {
				w("### %s\n\n```\n%s```\n\n", p.label, t)
			}
		}
	}
	have = false
	for _, n := range []string{"form", "collect", "ingest", "seed"} {
		if e.res.text["census."+n] != "" {
			have = true
		}
	}
	if have {
		w("## Where the writes go (SQLite)\n\nA few seconds of `strace -f -e trace=write,pwrite64,fsync,fdatasync` on the profiled server in the middle of each load, ")
		w("divided by the requests the server counted in its `/metrics` over the same seconds (strace slows the server; the ratios are what matter). ")
		w("Each fsync of the WAL is one commit.\n\n")
		for _, n := range []struct{ key, label string }{{"form", "durable form posts"}, {"collect", "tracking collect (page views, written in batches in the background)"}, {"ingest", "API event ingest, known contacts (batches of 100)"}, {"seed", "API event ingest creating contacts (batches of 100)"}} {
			if t := e.res.text["census."+n.key]; t != "" {
				w("%s:\n\n```\n%s```\n\n", n.label, t)
			}
		}
	}
	w("## Load on the machine\n\nThe 1-minute load average when each measured load started (2 CPUs; above 2, other work was queueing for them):\n\n| load | %s |\n| --- |%s\n", strings.Join(e.engines(), " | "), strings.Repeat(" --- |", len(e.engines())))
	for _, row := range []struct{ key, label string }{{"ceilings", "bare group-commit ceiling"}, {"form", "durable form posts"}, {"collect-ceiling", "hello-world ceiling beside tracking collect"}, {"collect", "tracking collect"}, {"ingest", "API event ingest"}, {"seed", "seeding"}, {"list", "contacts list"}, {"detail", "contact detail and page"}, {"import", "CSV import"}} {
		w("| %s |", row.label)
		for _, en := range e.engines() {
			w(" %s |", e.fmtKey("load."+row.key+"."+en, ""))
		}
		w("\n")
	}
	w("\n")
	if len(e.res.warnings) > 0 {
		w("## Warnings printed by this run\n\n")
		for _, m := range e.res.warnings {
			w("- %s\n", m)
		}
		w("\n")
	}
}

// machine describes this machine, once at the start of a run.
func (e *env) machine() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	mem := "unknown"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				var kb float64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
				mem = fmt.Sprintf("%.1f GiB", kb/1024/1024)
			}
		}
	}
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	driver := "github.com/mattn/go-sqlite3"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == driver {
				driver += " " + d.Version
			}
		}
	}
	sqliteVersion := "?"
	if db, err := sql.Open("sqlite3", ":memory:"); err == nil {
		db.QueryRow(`SELECT sqlite_version()`).Scan(&sqliteVersion)
		db.Close()
	}
	w("## Machine\n\n| | |\n| --- | --- |\n| CPUs (nproc) | %d |\n| CPU | %s |\n| memory | %s |\n| kernel | %s |\n", runtime.NumCPU(), cpu, mem, strings.TrimSpace(string(kernel)))
	w("| Go | %s |\n| SQLite driver | %s (cgo), SQLite %s; WAL, synchronous=FULL, one writer connection |\n", runtime.Version(), driver, sqliteVersion)
	if e.opt.pg != "" {
		pgVersion, autovacuum := "?", "?"
		if db, err := sql.Open("pgx", e.opt.pg); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			db.QueryRowContext(ctx, `SHOW server_version`).Scan(&pgVersion)
			db.QueryRowContext(ctx, `SHOW autovacuum`).Scan(&autovacuum)
			cancel()
			db.Close()
		}
		w("| PostgreSQL | %s on the same machine, autovacuum %s, driver jackc/pgx/v5; the harness runs ANALYZE after seeding the contacts |\n", pgVersion, autovacuum)
	}
	w("| load generator | wrk (2 threads) and the harness's Go clients, on the same %d CPUs as the server |\n\n", runtime.NumCPU())
	return b.String()
}

// keptNotes returns the hand-written notes of the current report, if any, and the
// hand-written sections after them, so that a new run keeps the analysis beside the
// fresh figures.
func (e *env) keptNotes() string {
	b, err := os.ReadFile(e.outPath())
	if err == nil {
		s := string(b)
		if i := strings.Index(s, notesBegin); i >= 0 {
			if strings.Contains(s[i:], notesEnd) {
				return strings.TrimRight(s[i:], "\n")
			}
		}
	}
	return notesBegin + "\n## Notes\n\n(Analysis of the figures goes here; the harness keeps this block when it rewrites the file.)\n" + notesEnd
}

// collectTargets writes the tracking collect rows of the issue-targets table. A run
// that lost acknowledged page views misses the target however fast it answered.
func (e *env) collectTargets(w func(string, ...any), en string) {
	k, h := "collect."+en, "hello.collect."+en
	r, ok := e.ratio(k+".rps", h+".rps")
	e.res.mu.Lock()
	acked, stored := slices.Clone(e.res.vals[k+".acked"]), slices.Clone(e.res.vals[k+".stored"])
	e.res.mu.Unlock()
	kept := len(acked) > 0 && len(acked) == len(stored)
	var runs []string
	for i := range acked {
		if i < len(stored) {
			runs = append(runs, fmt.Sprintf("%s of %s", commas(int64(stored[i])), commas(int64(acked[i]))))
			kept = kept && stored[i] >= acked[i]
		}
	}
	w("| tracking collect, %s, `POST /collect` page views as the snippet sends them (many visitors, UTM parameters, referrers; %d connections), req/s | %s | hello world, run before each: %s | %s | ≥ 50 %% and every acknowledged hit stored | %s |\n",
		en, e.opt.conns, e.fmtKey(k+".rps", ""), e.fmtKey(h+".rps", ""), pct(r, ok), verdict(r >= 50 && kept, ok))
	p99, ok := e.res.get(k + ".p99")
	w("| tracking collect, %s, latency p99; p50 | %s; %s | hello world: p99 %s | — | p99 < 50 ms | %s |\n",
		en, e.fmtKey(k+".p99", " ms"), e.fmtKey(k+".p50", " ms"), e.fmtKey(h+".p99", " ms"), verdict(p99.Med < 50, ok))
	if len(runs) > 0 {
		w("| tracking collect, %s, page views stored (counted in `events` after the server stopped and wrote its queue) of those acknowledged, run by run; time the server took to stop; page views written per second (stored ÷ (load + stop)) | %s; %s; %s | — | — | all | %s |\n",
			en, strings.Join(runs, "; "), e.fmtKey(k+".drain", " s"), e.fmtKey(k+".written", ""), verdict(kept, true))
	}
}
