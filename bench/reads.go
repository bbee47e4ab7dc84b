package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// reads seeds one database with the contacts, then measures the raw counts
// on it, the contacts list and the contact page, each on a freshly started server so
// that each phase's peak memory is its own. Seeding goes through the API for up to
// --seed-api-time; the contacts it did not reach in that time are written by the
// harness straight into the database (see topUp), and the report says how many.
func (e *env) reads(ctx context.Context, engine string, contacts int) error {
	db, err := e.freshDB(ctx, engine, "reads")
	if err != nil {
		return err
	}
	key, err := e.prepare(ctx, db)
	if err != nil {
		return err
	}
	s, err := e.startLodestone(ctx, db, key, "")
	if err != nil {
		return err
	}
	c := newClient(s.url, s.key)
	logf("seeding up to %d contacts through the API on %s, for at most %s", contacts, engine, e.opt.seedAPITime)
	k := "seed." + engine
	e.res.load(k)
	var progress []int
	start := time.Now()
	n, err := e.seed(ctx, c, 0, contacts, contacts, start.Add(e.opt.seedAPITime), &progress)
	elapsed := time.Since(start)
	if err != nil {
		return err
	}
	e.res.add(k+".contacts", float64(n))
	e.res.add(k+".secs", elapsed.Seconds())
	e.res.add(k+".eps", float64(n)/elapsed.Seconds())
	if len(progress) >= 2 {
		e.res.add(k+".eps_first", float64(progress[0])/30)
		e.res.add(k+".eps_last", float64(progress[len(progress)-1]-progress[len(progress)-2])/30)
	}
	heavy, err := addHeavyContact(ctx, c)
	if err != nil {
		return err
	}
	rss, _ := s.peakRSS()
	e.res.add(k+".rss", rss)
	e.checkLog(s.proc, "seeding "+engine)
	if n < contacts {
		if n >= 3 {
			diffs, err := e.checkTopUp(ctx, db, contacts)
			if err != nil {
				return fmt.Errorf("checking the top-up against the API's rows: %w", err)
			}
			for _, d := range diffs {
				e.res.warn("top-up (%s) differs from the API: %s", engine, d)
			}
			e.res.add(k+".topup_diffs", float64(len(diffs)))
		}
		logf("writing contacts %d to %d straight into the %s database", n, contacts, engine)
		t0 := time.Now()
		if err := e.topUp(ctx, db, n, contacts); err != nil {
			return fmt.Errorf("top-up: %w", err)
		}
		e.res.add(k+".topup", float64(contacts-n))
		e.res.add(k+".topup_secs", time.Since(t0).Seconds())
	}

	if engine == "postgres" {
		// Lodestone leaves statistics to autovacuum, which may be off (it is on this
		// machine's server) or not have run yet after the seeding.
		if err := analyze(ctx, db); err != nil {
			return err
		}
	}
	if err := e.counts(ctx, db, contacts); err != nil {
		return err
	}
	if err := e.onServer(ctx, db, key, func(s *server) error { return e.listContacts(ctx, s, contacts, "list."+engine) }); err != nil {
		return err
	}
	if err := e.onServer(ctx, db, key, func(s *server) error {
		cookie, err := login(ctx, s)
		if err != nil {
			return err
		}
		return e.contactPage(ctx, s, heavy, cookie, "detail."+engine)
	}); err != nil {
		return err
	}
	if e.opt.profile && engine == "sqlite" {
		return e.profiledOn(ctx, db, key, "reads", func(s *server) error {
			cookie, err := login(ctx, s)
			if err != nil {
				return err
			}
			s.mark()
			if err := e.listContacts(ctx, s, contacts, ""); err != nil {
				return err
			}
			return e.contactPage(ctx, s, heavy, cookie, "")
		})
	}
	return nil
}

// onServer starts a server on an existing database, runs fn, and stops it.
func (e *env) onServer(ctx context.Context, db database, key string, fn func(*server) error) error {
	s, err := e.startLodestone(ctx, db, key, "")
	if err != nil {
		return err
	}
	defer e.checkLog(s.proc, "reads "+db.engine)
	return fn(s)
}

// counts measures the raw indexed and full-scan counts on the seeded contacts (the
// server is stopped), and how many contacts each search word matches.
func (e *env) counts(ctx context.Context, db database, total int) error {
	conn, err := db.open()
	if err != nil {
		return err
	}
	defer conn.Close()
	timed := func(q string, args ...any) (float64, float64, error) {
		var n float64
		t0 := time.Now()
		err := conn.QueryRowContext(ctx, q, args...).Scan(&n)
		return float64(time.Since(t0).Microseconds()) / 1000, n, err
	}
	k := "count." + db.engine
	for range e.opt.runs {
		ms, _, err := timed(`SELECT COUNT(*) FROM contacts WHERE stage = 'lead' AND merged_into_id IS NULL`)
		if err != nil {
			return err
		}
		e.res.add(k+".indexed_ms", ms)
		ms, _, err = timed(`SELECT COUNT(*) FROM contacts WHERE search LIKE '%zzqxv%'`)
		if err != nil {
			return err
		}
		e.res.add(k+".scan_ms", ms)
	}
	ph := "?"
	if db.engine == "postgres" {
		ph = "$1"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| word | kind | contacts whose search text contains it | of them at stage lead |\n| --- | --- | --- | --- |\n")
	for _, w := range e.words(total) {
		_, all, err := timed(`SELECT COUNT(*) FROM contacts WHERE search LIKE `+ph, "%"+w.word+"%")
		if err != nil {
			return err
		}
		_, leads, err := timed(`SELECT COUNT(*) FROM contacts WHERE stage = 'lead' AND search LIKE `+ph, "%"+w.word+"%")
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", w.word, w.kind, num(all), num(leads))
	}
	e.res.setText("words."+db.engine, b.String())
	return nil
}

// listContacts measures GET /api/v1/contacts?limit=50&stage=lead&q=WORD, one request
// at a time, cycling through the words, in rounds bounded by count and time.
func (e *env) listContacts(ctx context.Context, s *server, total int, key string) error {
	c := newClient(s.url, s.key)
	words := e.words(total)
	e.res.load(key)
	rounds := e.opt.runs
	if key == "" {
		rounds = 1
	}
	var raw *sql.DB
	if key != "" {
		var err error
		if raw, err = s.db.open(); err != nil {
			return err
		}
		defer raw.Close()
	}
	for range rounds {
		if raw != nil {
			// The ceiling, measured just before each round: the plain query of the
			// same list through the bare driver, over the same words.
			l, err := plainList(ctx, raw, s.db.engine, words, e.opt.listRequests)
			if err != nil {
				return err
			}
			e.res.add(key+".raw_p50", l.pct(50))
			e.res.add(key+".raw_p99", l.pct(99))
		}
		before, err := scrape(ctx, c)
		if err != nil {
			return err
		}
		var all latencies
		byKind := map[string]latencies{}
		deadline := time.Now().Add(3 * time.Minute)
		for i := 0; i < e.opt.listRequests && time.Now().Before(deadline); i++ {
			w := words[i%len(words)]
			t0 := time.Now()
			st, b, err := c.do(ctx, "GET", "/api/v1/contacts?limit=50&stage=lead&q="+url.QueryEscape(w.word), nil)
			d := time.Since(t0)
			if err != nil {
				return err
			}
			if st != http.StatusOK {
				return fmt.Errorf("list contacts: %d %s", st, b)
			}
			all = append(all, d)
			byKind[w.kind] = append(byKind[w.kind], d)
		}
		if key == "" {
			continue
		}
		after, err := scrape(ctx, c)
		if err != nil {
			return err
		}
		e.res.add(key+".p50", all.pct(50))
		e.res.add(key+".p99", all.pct(99))
		e.res.add(key+".n", float64(len(all)))
		e.res.add(key+".server_mean", serverMean(before, after, "GET /api/v1/contacts"))
		for kind, l := range byKind {
			e.res.add(key+"."+kind+".p50", l.pct(50))
		}
	}
	if key != "" {
		rss, _ := s.peakRSS()
		e.res.add(key+".rss", rss)
	}
	return nil
}

// plainList runs the plain SQL of the contacts list (stage lead, the word anywhere in
// the search text, newest first, one page) through the bare driver, cycling through
// the words, and reads every column of every row; it is the list's ceiling. The
// plain query has no word index: where a word is rare or absent it walks every lead.
func plainList(ctx context.Context, db *sql.DB, engine string, words []struct{ kind, word string }, n int) (latencies, error) {
	q := `SELECT * FROM contacts WHERE stage = 'lead' AND merged_into_id IS NULL AND search LIKE ? ORDER BY id DESC LIMIT 51`
	if engine == "postgres" {
		q = strings.Replace(q, "?", "$1", 1)
	}
	var l latencies
	deadline := time.Now().Add(3 * time.Minute)
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		t0 := time.Now()
		if err := drain(db.QueryContext(ctx, q, "%"+words[i%len(words)].word+"%")); err != nil {
			return nil, err
		}
		l = append(l, time.Since(t0))
	}
	return l, nil
}

// plainContact reads through the bare driver what a contact's page or API detail
// shows at its heart: the contact's row and its newest events, every column; it is
// the contact page's ceiling.
func plainContact(ctx context.Context, db *sql.DB, engine string, id int64, events int) (time.Duration, error) {
	one, many := `SELECT * FROM contacts WHERE id = ?`, `SELECT * FROM events WHERE contact_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?`
	if engine == "postgres" {
		one, many = `SELECT * FROM contacts WHERE id = $1`, `SELECT * FROM events WHERE contact_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2`
	}
	t0 := time.Now()
	if err := drain(db.QueryContext(ctx, one, id)); err != nil {
		return 0, err
	}
	if err := drain(db.QueryContext(ctx, many, id, events)); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// drain reads every column of every row and closes the rows.
func drain(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(sql.RawBytes)
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// login opens a session as the benchmark admin and returns its cookie.
func login(ctx context.Context, s *server) (string, error) {
	ui := newClient(s.url, "")
	form := url.Values{"email": {benchUser}, "password": {benchPassword}}.Encode()
	req, err := http.NewRequestWithContext(ctx, "POST", s.url+"/login", strings.NewReader(form))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := ui.hc.Do(req)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	var cookie string
	for _, ck := range res.Cookies() {
		if ck.Value != "" {
			cookie = ck.Name + "=" + ck.Value
		}
	}
	if res.StatusCode != http.StatusSeeOther || cookie == "" {
		return "", fmt.Errorf("log in: %d, cookie %q", res.StatusCode, cookie)
	}
	return cookie, nil
}

// contactPage measures the API detail and the UI page of the contact with 1,000
// events, one request at a time; the server's own time comes from its /metrics.
func (e *env) contactPage(ctx context.Context, s *server, id int64, cookie, key string) error {
	c := newClient(s.url, s.key)
	ui := newClient(s.url, "")
	e.res.load(key)
	var raw *sql.DB
	if key != "" {
		var err error
		if raw, err = s.db.open(); err != nil {
			return err
		}
		defer raw.Close()
	}
	for _, target := range []struct {
		name, path, route string
		cl                *client
		hdr               []string
		events            int // the timeline's length on one page
	}{
		{"api", fmt.Sprintf("/api/v1/contacts/%d", id), "GET /api/v1/contacts/{id}", c, nil, 500},
		{"page", fmt.Sprintf("/contacts/%d", id), "GET /contacts/{id}", ui, []string{"Cookie", cookie}, 100},
	} {
		rounds := e.opt.runs
		if key == "" {
			rounds = 1
		}
		for range rounds {
			if raw != nil {
				var sum time.Duration
				n := 0
				for deadline := time.Now().Add(time.Minute); n < e.opt.detailRequests && time.Now().Before(deadline); n++ {
					d, err := plainContact(ctx, raw, s.db.engine, id, target.events)
					if err != nil {
						return err
					}
					sum += d
				}
				e.res.add(key+"."+target.name+".raw_mean", float64(sum.Microseconds())/1000/float64(n))
			}
			before, err := scrape(ctx, c)
			if err != nil {
				return err
			}
			var l latencies
			deadline := time.Now().Add(2 * time.Minute)
			for i := 0; i < e.opt.detailRequests && time.Now().Before(deadline); i++ {
				t0 := time.Now()
				st, b, err := target.cl.do(ctx, "GET", target.path, nil, target.hdr...)
				if err != nil {
					return err
				}
				if st != http.StatusOK {
					return fmt.Errorf("GET %s: %d %.200s", target.path, st, b)
				}
				l = append(l, time.Since(t0))
				if i == 0 && key != "" {
					e.res.add(key+"."+target.name+".kb", float64(len(b))/1024)
				}
			}
			if key == "" {
				continue
			}
			after, err := scrape(ctx, c)
			if err != nil {
				return err
			}
			k := key + "." + target.name
			e.res.add(k+".p50", l.pct(50))
			e.res.add(k+".p99", l.pct(99))
			e.res.add(k+".server_mean", serverMean(before, after, target.route))
		}
	}
	if key != "" {
		rss, _ := s.peakRSS()
		e.res.add(key+".rss", rss)
	}
	return nil
}

// scrape reads the server's request-duration histograms.
func scrape(ctx context.Context, c *client) (map[string]*histogram, error) {
	st, b, err := c.do(ctx, "GET", "/metrics", nil)
	if err != nil {
		return nil, err
	}
	if st != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %d", st)
	}
	return parseMetrics(bytes.NewReader(b)), nil
}

// serverMean is the mean time the server spent on a route between two scrapes, in
// milliseconds, as its own middleware measured it.
func serverMean(before, after map[string]*histogram, route string) float64 {
	a, b := after[route], before[route]
	if a == nil {
		return 0
	}
	sum, n := a.Sum, a.Count
	if b != nil {
		sum, n = sum-b.Sum, n-b.Count
	}
	if n <= 0 {
		return 0
	}
	return sum / n * 1000
}

// analyze gathers PostgreSQL's planner statistics for the tables of the schema.
func analyze(ctx context.Context, db database) error {
	conn, err := db.open()
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		if _, err := conn.ExecContext(ctx, `ANALYZE "`+t+`"`); err != nil {
			return err
		}
	}
	return rows.Err()
}
