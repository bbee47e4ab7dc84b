package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// The scale phase: segment counts, a full rescore, the sources report and the
// dashboard over --scale-contacts contacts and --scale-events events (1,000,000 and
// 10,000,000 by default), each beside the raw ceilings of the same engine measured
// in the same run, one after the other.

// scaleFilters are the segment counts measured, by key.
var scaleFilters = []struct{ key, label, text string }{
	{"seg_indexed", "indexed attribute", `stage = "lead"`},
	{"seg_any", "any attribute (a job-title substring)", `job_title contains "head"`},
	{"seg_custom", "any attribute (a custom field)", `custom.plan = "enterprise"`},
	{"seg_pricing", "event history: viewed /pricing at least twice in the last 14 days", `count(page_view where page_url contains "/pricing" in last 14 days) >= 2`},
	{"seg_noemail", "event history: opened no email in 60 days", `count(email_open in last 60 days) = 0`},
}

// scaleReport is one report request measured: route is the server's name for it in
// /metrics; page marks a page of the UI, asked for logged in.
type scaleReport struct {
	key, label, path, route string
	page                    bool
}

// scaleReports are the report requests measured, by key: the sources report under
// every model, the trend and the funnel of the same year, and the reports page that
// builds all three.
func scaleReports(now time.Time) []scaleReport {
	from := now.UTC().AddDate(-1, 0, 0).Format("2006-01-02")
	to := now.UTC().AddDate(0, 0, 1).Format("2006-01-02")
	period := "from=" + from + "&to=" + to
	q := "/api/v1/reports/sources?" + period
	const src = "GET /api/v1/reports/sources"
	return []scaleReport{
		{"src_channel", "sources report, last 12 months, by channel, first touch", q + "&group_by=channel&model=first_touch", src, false},
		{"src_campaign", "sources report, last 12 months, by campaign, first touch", q + "&group_by=campaign&model=first_touch", src, false},
		{"src_lasttouch", "sources report, last 12 months, by channel, last touch", q + "&group_by=channel&model=last_touch", src, false},
		{"src_linear", "sources report, last 12 months, by channel, linear", q + "&group_by=channel&model=linear", src, false},
		{"src_ushaped", "sources report, last 12 months, by channel, U-shaped", q + "&group_by=channel&model=u_shaped", src, false},
		{"src_wshaped", "sources report, last 12 months, by campaign, W-shaped", q + "&group_by=campaign&model=w_shaped", src, false},
		{"src_fullpath", "sources report, last 12 months, by channel, full path", q + "&group_by=channel&model=full_path", src, false},
		{"src_jshaped", "sources report, last 12 months, by channel, J-shaped", q + "&group_by=channel&model=j_shaped", src, false},
		{"src_inversej", "sources report, last 12 months, by channel, inverse J", q + "&group_by=channel&model=inverse_j", src, false},
		{"src_timedecay", "sources report, last 12 months, by campaign, time decay", q + "&group_by=campaign&model=time_decay", src, false},
		{"trend", "monthly trend, last 12 months, by channel (`/api/v1/reports/trend`)", "/api/v1/reports/trend?" + period + "&group_by=channel", "GET /api/v1/reports/trend", false},
		{"funnel", "funnel, last 12 months (`/api/v1/reports/funnel`)", "/api/v1/reports/funnel?" + period, "GET /api/v1/reports/funnel", false},
		{"reports_page", "reports page, last 12 months (`GET /reports`, logged in: sources report, trend and funnel)", "/reports?period=custom&" + period, "GET /reports", true},
		{"reports_month", "reports page as it opens, this month (`GET /reports`, logged in)", "/reports", "GET /reports", true},
	}
}

// scale seeds a fresh database of the engine and measures it.
func (e *env) scale(ctx context.Context, engine string) error {
	k := "scale." + engine
	db, err := e.freshDB(ctx, engine, "scale")
	if err != nil {
		return err
	}
	set := newScaleSet(e.opt.scaleContacts, e.opt.scaleEvents, time.Now())
	logf("scale (%s): seeding %d contacts and %d events straight into the database", engine, set.contacts, set.events)
	e.res.load("scale-seed." + engine)
	st, err := e.scaleSeed(ctx, db, set)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	logf("scale (%s): seeded in %s (rows %s, indexes %s)", engine, st.total.Round(time.Second), st.rows.Round(time.Second), st.indexes.Round(time.Second))
	e.res.add(k+".seed_secs", st.total.Seconds())
	e.res.add(k+".seed_rows_secs", st.rows.Seconds())
	e.res.add(k+".seed_index_secs", st.indexes.Seconds())
	e.res.setText(k+".seeded", fmt.Sprintf("%s contacts, %s events, %s stage entries, %s search words, %s deals, %s companies, %d campaigns with %d monthly cost entries",
		commas(int64(st.contacts)), commas(int64(st.events)), commas(int64(st.stages)), commas(int64(st.terms)), commas(int64(st.deals)),
		commas(int64(st.companies)), len(scaleCampaigns), 12*len(scaleCampaigns)))
	t0 := time.Now()
	key, err := e.prepare(ctx, db) // the CLI applies the remaining migrations and their fills
	if err != nil {
		return err
	}
	e.res.add(k+".migrate_secs", time.Since(t0).Seconds())
	logf("scale (%s): the remaining migrations took %s", engine, time.Since(t0).Round(time.Second))
	e.checkRollups(ctx, db)
	if engine == "postgres" {
		if err := analyze(ctx, db); err != nil { // the roll-up tables the migrations just filled
			return err
		}
	}
	s, err := e.startLodestone(ctx, db, key, "")
	if err != nil {
		return err
	}
	defer e.checkLog(s.proc, "scale "+engine)
	raw, err := db.open()
	if err != nil {
		return err
	}
	defer raw.Close()
	c := newClient(s.url, s.key)
	cookie, err := login(ctx, s)
	if err != nil {
		return err
	}
	if err := e.scaleCounts(ctx, s, c, raw, k); err != nil {
		return err
	}
	if err := e.scaleReads(ctx, s, c, cookie, k); err != nil {
		return err
	}
	if err := e.scaleRescore(ctx, s, c, k); err != nil {
		return err
	}
	return e.checkShape(ctx, s, c, raw, set)
}

// timedCount runs a counting query and returns its time in milliseconds and count.
func timedCount(ctx context.Context, conn *sql.DB, q string) (float64, int64, error) {
	var n int64
	t0 := time.Now()
	err := conn.QueryRowContext(ctx, q).Scan(&n)
	return float64(time.Since(t0).Microseconds()) / 1000, n, err
}

// count asks the server how many contacts a filter matches.
func (c *client) count(ctx context.Context, filterText string) (float64, int64, error) {
	body, _ := json.Marshal(map[string]string{"filter_text": filterText})
	t0 := time.Now()
	st, b, err := c.do(ctx, "POST", "/api/v1/segments/count", body)
	ms := float64(time.Since(t0).Microseconds()) / 1000
	if err != nil {
		return 0, 0, err
	}
	if st != http.StatusOK {
		return 0, 0, fmt.Errorf("POST /api/v1/segments/count %s: %d %.300s", filterText, st, b)
	}
	var out struct {
		Count int64 `json:"count"`
	}
	err = json.Unmarshal(b, &out)
	return ms, out.Count, err
}

// resetPeak sets the server's VmHWM back to its current RSS, so the next reading
// is the peak of what follows (Linux: clear_refs 5).
func resetPeak(p *proc) {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0)
}

// scaleCounts measures the segment counts and, in turn with them, the raw indexed
// count and the full-scan count of the same engine. As for the reports, each run
// takes the median of 3 requests of every figure, ceilings too (1 when the warm-up
// request took over 2 s): one request alone also times whatever the server's
// connection had still to do on its first use, as a segment edited in the UI is
// counted again and again.
func (e *env) scaleCounts(ctx context.Context, s *server, c *client, raw *sql.DB, k string) error {
	// The live leads, as a segment counts them: the partial stage index holds them
	// (SQLite has no index of every contact's stage since migration 0020).
	const rawIndexed = `SELECT COUNT(*) FROM contacts WHERE stage = 'lead' AND merged_into_id IS NULL`
	const rawScan = `SELECT COUNT(*) FROM contacts WHERE search LIKE '%zzqxv%'`
	const perRun = 3
	timesFor := func(ms float64) int {
		if ms > 2000 {
			return 1
		}
		return perRun
	}
	// One unmeasured pass, so that every figure starts from the same warm cache.
	perFigure := map[string]int{}
	ms, _, err := timedCount(ctx, raw, rawIndexed)
	if err != nil {
		return err
	}
	perFigure["raw_indexed"] = timesFor(ms)
	if ms, _, err = timedCount(ctx, raw, rawScan); err != nil {
		return err
	}
	perFigure["raw_scan"] = timesFor(ms)
	counts := map[string]int64{}
	for _, f := range scaleFilters {
		ms, n, err := c.count(ctx, f.text)
		if err != nil {
			return err
		}
		counts[f.key] = n
		perFigure[f.key] = timesFor(ms)
	}
	// medianOf runs one figure's requests of a run and gives their median.
	medianOf := func(key string, one func() (float64, int64, error)) (float64, int64, error) {
		var l []float64
		var n int64
		for range perFigure[key] {
			ms, got, err := one()
			if err != nil {
				return 0, 0, err
			}
			l, n = append(l, ms), got
		}
		slices.Sort(l)
		return median(l), n, nil
	}
	resetPeak(s.proc)
	e.res.load("scale-counts." + s.db.engine)
	for r := range e.opt.runs {
		logf("scale (%s): segment counts, run %d of %d", s.db.engine, r+1, e.opt.runs)
		ms, n, err := medianOf("raw_indexed", func() (float64, int64, error) { return timedCount(ctx, raw, rawIndexed) })
		if err != nil {
			return err
		}
		e.res.add(k+".raw_indexed_ms", ms)
		if r == 0 && n != counts["seg_indexed"] {
			e.res.warn("scale (%s): the segment count of %s is %d, the raw count %d", s.db.engine, scaleFilters[0].text, counts["seg_indexed"], n)
		}
		for _, f := range scaleFilters {
			if f.key == "seg_any" {
				ms, _, err := medianOf("raw_scan", func() (float64, int64, error) { return timedCount(ctx, raw, rawScan) })
				if err != nil {
					return err
				}
				e.res.add(k+".raw_scan_ms", ms)
			}
			ms, _, err := medianOf(f.key, func() (float64, int64, error) { return c.count(ctx, f.text) })
			if err != nil {
				return err
			}
			e.res.add(k+"."+f.key+"_ms", ms)
		}
	}
	rss, _ := s.peakRSS()
	e.res.add(k+".counts_rss", rss)
	var b strings.Builder
	for _, f := range scaleFilters {
		fmt.Fprintf(&b, "`%s`: %s; ", f.text, commas(counts[f.key]))
	}
	e.res.setText(k+".matches", strings.TrimSuffix(b.String(), "; "))
	return nil
}

// scaleReads measures the sources report and the dashboard page, one request at a
// time, each run taking the median of 3 requests (1 when the first took over 2 s);
// the server's own time comes from its /metrics.
func (e *env) scaleReads(ctx context.Context, s *server, c *client, cookie, k string) error {
	ui := newClient(s.url, "")
	const perRun = 3
	type target struct {
		key, path, route string
		cl               *client
		hdr              []string
	}
	var targets []target
	for _, r := range scaleReports(time.Now()) {
		if r.page {
			targets = append(targets, target{r.key, r.path, r.route, ui, []string{"Cookie", cookie}})
		} else {
			targets = append(targets, target{r.key, r.path, r.route, c, nil})
		}
	}
	targets = append(targets, target{"dashboard", "/", "GET /{$}", ui, []string{"Cookie", cookie}})
	get := func(t target) (float64, error) {
		t0 := time.Now()
		st, b, err := t.cl.do(ctx, "GET", t.path, nil, t.hdr...)
		ms := float64(time.Since(t0).Microseconds()) / 1000
		if err != nil {
			return 0, err
		}
		if st != http.StatusOK {
			return 0, fmt.Errorf("GET %s: %d %.300s", t.path, st, b)
		}
		return ms, nil
	}
	perTarget := map[string]int{}
	for _, t := range targets { // warm-up, unmeasured
		ms, err := get(t)
		if err != nil {
			return err
		}
		// A slow request is timed once a run, so that the phase stays short.
		perTarget[t.key] = perRun
		if ms > 2000 {
			perTarget[t.key] = 1
		}
	}
	for _, group := range [][]target{targets[:len(targets)-1], targets[len(targets)-1:]} {
		resetPeak(s.proc)
		name := "reports"
		if group[0].key == "dashboard" {
			name = "dashboard"
		}
		e.res.load("scale-" + name + "." + s.db.engine)
		for r := range e.opt.runs {
			logf("scale (%s): %s, run %d of %d", s.db.engine, name, r+1, e.opt.runs)
			for _, t := range group {
				before, err := scrape(ctx, c)
				if err != nil {
					return err
				}
				var l latencies
				for range perTarget[t.key] {
					ms, err := get(t)
					if err != nil {
						return err
					}
					l = append(l, time.Duration(ms*float64(time.Millisecond)))
				}
				after, err := scrape(ctx, c)
				if err != nil {
					return err
				}
				e.res.add(k+"."+t.key+"_ms", l.pct(50))
				e.res.add(k+"."+t.key+"_server_ms", serverMean(before, after, t.route))
			}
		}
		rss, _ := s.peakRSS()
		e.res.add(k+"."+name+"_rss", rss)
	}
	return nil
}

// scaleRules are the scoring rules a rescore puts in force; run n changes a point
// value, as a person editing the rules would.
func scaleRules(n int) []byte {
	b, _ := json.Marshal(map[string]any{
		"fit": []map[string]any{
			{"filter": `seniority in ("vp", "executive", "director")`, "points": 30, "label": "Decision maker"},
			{"filter": `company.size in ("51-200", "201-500", "501-1000")`, "points": 20 + n, "label": "Our size"},
			{"filter": `country in ("DE", "AT", "CH")`, "points": 15, "label": "DACH"},
			{"filter": `email_type = "free"`, "points": -15, "label": "Free mail address"},
			{"filter": `job_title contains "student"`, "points": -40, "label": "Student"},
		},
		"engagement": []map[string]any{
			{"event_type": "page_view", "property": "page_url", "op": "contains", "value": "/pricing", "points": 20},
			{"event_type": "page_view", "points": 2},
			{"event_type": "email_click", "points": 5},
			{"event_type": "email_open", "points": 1},
			{"event_type": "webinar_attended", "points": 10, "half_life_days": 60},
			{"event_type": "form_submit", "points": 15},
			{"event_type": "demo_request", "points": 30},
		},
	})
	return b
}

// scaleRescore changes the scoring rules through the API, which starts the full
// recompute as the product does after a rule change, and times it until the API
// reports it done.
func (e *env) scaleRescore(ctx context.Context, s *server, c *client, k string) error {
	for r := range e.opt.scaleRescores {
		resetPeak(s.proc)
		e.res.load("scale-rescore." + s.db.engine)
		logf("scale (%s): full rescore, run %d of %d", s.db.engine, r+1, e.opt.scaleRescores)
		t0 := time.Now()
		st, b, err := c.do(ctx, "PUT", "/api/v1/scoring/rules", scaleRules(r))
		if err != nil {
			return err
		}
		if st != http.StatusAccepted {
			return fmt.Errorf("PUT /api/v1/scoring/rules: %d %.300s", st, b)
		}
		var rc struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
			Total int64  `json:"total"`
			Done  int64  `json:"done"`
		}
		var id int64
		deadline := t0.Add(e.opt.scaleRescoreTimeout)
		for {
			st, b, err := c.do(ctx, "GET", "/api/v1/scoring/recompute", nil)
			if err != nil {
				return err
			}
			if st == http.StatusOK {
				if err := json.Unmarshal(b, &rc); err != nil {
					return err
				}
				if id == 0 && rc.State == "running" {
					id = rc.ID
				}
				if id != 0 && rc.ID == id && rc.State == "done" {
					break
				}
			}
			if time.Now().After(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		secs := time.Since(t0).Seconds()
		rss, _ := s.peakRSS()
		e.res.add(k+".rescore_rss", rss)
		if rc.State != "done" || rc.ID != id {
			e.res.warn("scale (%s): the rescore did not finish within --scale-rescore-timeout %s: %d of %d contacts staged", s.db.engine, e.opt.scaleRescoreTimeout, rc.Done, rc.Total)
			e.res.setText(k+".rescore_timeout", fmt.Sprintf("did not finish within %s (%s of %s contacts staged)", e.opt.scaleRescoreTimeout, commas(rc.Done), commas(rc.Total)))
			e.res.add(k+".rescore_staged", float64(rc.Done))
			return nil
		}
		e.res.add(k+".rescore_secs", secs)
		e.res.add(k+".rescore_total", float64(rc.Total))
	}
	return nil
}

// checkRollups holds the roll-up tables the migrations filled to a direct count over
// contacts and contact_stages, row by row; a difference is a warning in the report.
func (e *env) checkRollups(ctx context.Context, db database) {
	conn, err := db.open()
	if err != nil {
		e.res.warn("scale (%s): roll-ups not checked: %v", db.engine, err)
		return
	}
	defer conn.Close()
	day := `c.created_at - ((c.created_at % 86400000000) + 86400000000) % 86400000000`
	reached := func(stage string) string {
		return `SUM(CASE WHEN EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = '` + stage + `') THEN 1 ELSE 0 END)`
	}
	checks := []struct{ name, table, direct string }{
		{"report_cohorts", `SELECT day, channel, campaign_id, leads, mqls, sqls, customers FROM report_cohorts WHERE leads <> 0 OR mqls <> 0 OR sqls <> 0 OR customers <> 0`,
			`SELECT ` + day + `, COALESCE(c.first_touch_channel, ''), COALESCE(c.first_touch_campaign_id, 0), COUNT(*), ` + reached("mql") + `, ` + reached("sql") + `, ` + reached("customer") +
				` FROM contacts c WHERE c.merged_into_id IS NULL GROUP BY 1, 2, 3`},
		{"lead_days", `SELECT day, channel, campaign_id, leads FROM lead_days WHERE leads <> 0`,
			`SELECT created_at / 86400000000, COALESCE(first_touch_channel, 'direct'), COALESCE(first_touch_campaign_id, 0), COUNT(*) FROM contacts WHERE merged_into_id IS NULL GROUP BY 1, 2, 3`},
		{"stage_days", `SELECT day, stage, contacts FROM stage_days WHERE contacts <> 0`,
			`SELECT c.created_at / 86400000000, s.stage, COUNT(*) FROM contacts c JOIN contact_stages s ON s.contact_id = c.id WHERE c.merged_into_id IS NULL GROUP BY 1, 2`},
		{"stage_now", `SELECT stage, contacts FROM stage_now WHERE contacts <> 0`,
			`SELECT stage, COUNT(*) FROM contacts WHERE merged_into_id IS NULL GROUP BY stage`},
		{"funnel_paths", `SELECT * FROM funnel_paths`, `SELECT * FROM funnel_paths_direct`},
	}
	var ok []string
	for _, ch := range checks {
		var missing, extra, rows int64
		q := func(a, b string) string {
			return `SELECT COUNT(*) FROM (SELECT * FROM (` + a + `) a EXCEPT SELECT * FROM (` + b + `) b) x`
		}
		err := conn.QueryRowContext(ctx, q(ch.direct, ch.table)).Scan(&missing)
		if err == nil {
			err = conn.QueryRowContext(ctx, q(ch.table, ch.direct)).Scan(&extra)
		}
		if err == nil {
			err = conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+ch.table+`) t`).Scan(&rows)
		}
		switch {
		case err != nil:
			e.res.warn("scale (%s): roll-up %s not checked: %v", db.engine, ch.name, err)
		case missing+extra > 0:
			e.res.warn("scale (%s): roll-up %s differs from the direct count: %d rows of the direct count missing or different, %d rows not in it", db.engine, ch.name, missing, extra)
		default:
			ok = append(ok, fmt.Sprintf("%s (%s rows)", ch.name, commas(rows)))
		}
	}
	e.res.setText("scale."+db.engine+".rollups", strings.Join(ok, ", "))
	logf("scale (%s): roll-ups equal to the direct count: %s", db.engine, strings.Join(ok, ", "))
}

// scaleTargets renders the scale section of the report.
func (e *env) scaleTargets(w func(string, ...any)) {
	have := false
	for _, en := range e.engines() {
		if _, ok := e.res.get("scale." + en + ".seed_secs"); ok {
			have = true
		}
	}
	if !have {
		return
	}
	w("## Segment counts, full rescore, sources report and dashboard over %s contacts and %s events\n\n", commas(int64(e.opt.scaleContacts)), commas(int64(e.opt.scaleEvents)))
	w("From the `scale` phase (`bench/scale.go`): a fresh database seeded straight in the shape the store writes (`bench/scaledata.go`, `bench/scaleseed.go`), then one `lodestone serve` on it; ")
	w("each run measures the figures of a group one after the other, each Lodestone figure right after its ceiling (a count by the harness's own connection to the same database). ")
	w("Segment counts are `POST /api/v1/segments/count` with `filter_text`, client time; the segment counts, their raw ceilings and the reports are each the median of 3 requests per run (one when a request takes over 2 s); the rescore is `PUT /api/v1/scoring/rules` (which starts the recompute, as a rule change in the product does) until `GET /api/v1/scoring/recompute` says done.\n\n")
	w("| figure | engine | Lodestone | ceiling | ratio | target | verdict |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, en := range e.engines() {
		k := "scale." + en
		if _, ok := e.res.get(k + ".seed_secs"); !ok {
			continue
		}
		r, ok := e.ratio(k+".seg_indexed_ms", k+".raw_indexed_ms")
		w("| segment count, %s (`%s`) | %s | %s | raw indexed `COUNT(*)` of live contacts with stage = lead: %s | %s | ≤ 2× | %s |\n", scaleFilters[0].label, scaleFilters[0].text, en,
			e.fmtKey(k+".seg_indexed_ms", " ms"), e.fmtKey(k+".raw_indexed_ms", " ms"), times(r, ok), verdict(r <= 200, ok))
		for _, f := range scaleFilters[1:3] {
			r, ok := e.ratio(k+"."+f.key+"_ms", k+".raw_scan_ms")
			w("| segment count, %s (`%s`) | %s | %s | full-scan `COUNT(*)` (`search LIKE '%%zzqxv%%'`): %s | %s | ≤ 1.5× | %s |\n", f.label, f.text, en,
				e.fmtKey(k+"."+f.key+"_ms", " ms"), e.fmtKey(k+".raw_scan_ms", " ms"), times(r, ok), verdict(r <= 150, ok))
		}
		for _, f := range scaleFilters[3:] {
			m, ok := e.res.get(k + "." + f.key + "_ms")
			w("| segment count, %s (`%s`) | %s | %s | — | — | < 1 s | %s |\n", f.label, f.text, en, e.fmtKey(k+"."+f.key+"_ms", " ms"), verdict(m.Med < 1000, ok))
		}
		if t := e.res.text[k+".rescore_timeout"]; t != "" {
			w("| full rescore of every contact after a rule change | %s | %s | — | — | < 60 s | **missed** |\n", en, t)
		} else {
			m, ok := e.res.get(k + ".rescore_secs")
			w("| full rescore of every contact after a rule change (%s contacts) | %s | %s | — | — | < 60 s | %s |\n", e.fmtKey(k+".rescore_total", ""), en, e.fmtKey(k+".rescore_secs", " s"), verdict(m.Med < 60, ok))
		}
		for _, rep := range scaleReports(time.Now()) {
			m, ok := e.res.get(k + "." + rep.key + "_ms")
			v := verdict(m.Med < 500, ok)
			if en != "sqlite" {
				v = "(target on SQLite)"
			}
			w("| %s: client median; server mean | %s | %s; %s | — | — | < 500 ms | %s |\n", rep.label, en,
				e.fmtKey(k+"."+rep.key+"_ms", " ms"), e.fmtKey(k+"."+rep.key+"_server_ms", " ms"), v)
		}
		m, ok := e.res.get(k + ".dashboard_ms")
		v := verdict(m.Med < 500, ok)
		if en != "sqlite" {
			v = "(target on SQLite)"
		}
		w("| dashboard, `GET /` logged in: client median; server mean | %s | %s; %s | — | — | < 500 ms | %s |\n", en, e.fmtKey(k+".dashboard_ms", " ms"), e.fmtKey(k+".dashboard_server_ms", " ms"), v)
	}
	w("\n| | %s |\n| --- |%s\n", strings.Join(e.engines(), " | "), strings.Repeat(" --- |", len(e.engines())))
	row := func(label string, f func(en string) string) {
		w("| %s |", label)
		for _, en := range e.engines() {
			w(" %s |", f(en))
		}
		w("\n")
	}
	row("seeded", func(en string) string { return e.res.text["scale."+en+".seeded"] })
	row("seeding time (rows; indexes, statistics)", func(en string) string {
		k := "scale." + en
		return fmt.Sprintf("%s (%s; %s)", e.fmtKey(k+".seed_secs", " s"), e.fmtKey(k+".seed_rows_secs", " s"), e.fmtKey(k+".seed_index_secs", " s"))
	})
	row("migrations from "+rollupMigration+" on at the first start, with their roll-up fills", func(en string) string { return e.fmtKey("scale."+en+".migrate_secs", " s") })
	row("roll-ups equal to a direct count after the fills", func(en string) string { return e.res.text["scale."+en+".rollups"] })
	row("the seeding's rows against the API's for one more contact (`bench/scalecheck.go`)", func(en string) string { return e.res.text["scale."+en+".shape"] })
	row("contacts each segment matches", func(en string) string { return e.res.text["scale."+en+".matches"] })
	row("peak RSS of the server: segment counts; sources report; dashboard; rescore", func(en string) string {
		k := "scale." + en
		return fmt.Sprintf("%s; %s; %s; %s", e.fmtKey(k+".counts_rss", " MiB"), e.fmtKey(k+".reports_rss", " MiB"), e.fmtKey(k+".dashboard_rss", " MiB"), e.fmtKey(k+".rescore_rss", " MiB"))
	})
	row("load average at the start: seeding; counts; reports; dashboard; rescore", func(en string) string {
		return fmt.Sprintf("%s; %s; %s; %s; %s", e.fmtKey("load.scale-seed."+en, ""), e.fmtKey("load.scale-counts."+en, ""), e.fmtKey("load.scale-reports."+en, ""),
			e.fmtKey("load.scale-dashboard."+en, ""), e.fmtKey("load.scale-rescore."+en, ""))
	})
	w("\n")
}

// times is a ratio in percent shown as a factor.
func times(r float64, ok bool) string {
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.2f×", r/100)
}

var _ = url.QueryEscape
