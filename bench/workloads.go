package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// benchForm is the 8-field form the form-post load submits (see form_post.lua).
const benchForm = `{"slug":"bench","name":"Benchmark form","fields":["email","first_name","last_name","company","job_title","phone","country","message"]}`

// formPosts measures durable form posts: a fresh server per run, the benchmark form
// created through the API, then wrk posting unique submissions.
func (e *env) formPosts(ctx context.Context, engine, script string) error {
	for run := range e.opt.runs {
		// The ceiling runs just before, so both see the same neighbours on this
		// shared machine; the report pairs them run by run.
		if err := e.groupCommitRun(ctx, engine, script, run); err != nil {
			return err
		}
		s, err := e.freshLodestone(ctx, engine, "form", "")
		if err != nil {
			return err
		}
		if err := e.formRun(ctx, s, script, fmt.Sprintf("f%d", run), e.opt.duration, "form."+engine); err != nil {
			return err
		}
	}
	if e.opt.profile && engine == "sqlite" {
		return e.profiled(ctx, engine, "form", func(s *server) error {
			return e.formRun(ctx, s, script, "prof", e.opt.profileDuration, "")
		})
	}
	return nil
}

func (e *env) formRun(ctx context.Context, s *server, script, tag string, d time.Duration, key string) error {
	c := newClient(s.url, s.key)
	st, b, err := c.do(ctx, "POST", "/api/v1/forms", []byte(benchForm))
	if err != nil {
		return err
	}
	if st != http.StatusCreated {
		return fmt.Errorf("create form: %d %s", st, b)
	}
	e.res.load(key)
	s.mark()
	wait := e.censusDuring(ctx, s, "form", "POST /f/{slug}", d)
	r, err := e.wrkRun(ctx, s.url+"/f/bench", e.opt.conns, d, script, tag)
	wait()
	if err != nil {
		return err
	}
	rss, _ := s.peakRSS()
	e.checkLog(s.proc, "form posts "+s.db.engine+" "+tag)
	if key == "" {
		return nil
	}
	if r.Bad > 0 || r.SocketErrors != "" {
		e.res.warn("%s run %s: %d answers were not 2xx/3xx, socket errors %q", key, tag, r.Bad, r.SocketErrors)
	}
	// Every acknowledged post must be stored: count the contacts after the run.
	stored, err := e.count(ctx, s.db, `SELECT COUNT(*) FROM contacts`)
	if err != nil {
		return err
	}
	if acked := r.Requests - r.Bad; float64(acked) > stored {
		e.res.warn("%s run %s: %d posts acknowledged but only %.0f contacts stored", key, tag, acked, stored)
	}
	e.res.add(key+".rps", r.RPS)
	e.res.add(key+".p50", r.P50)
	e.res.add(key+".p99", r.P99)
	e.res.add(key+".rss", rss)
	return nil
}

// count runs one COUNT query on a stopped (or running) server's database.
func (e *env) count(ctx context.Context, db database, q string) (float64, error) {
	conn, err := db.open()
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var n float64
	err = conn.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

// profiled runs fn against the harness's profiled copy of the server on a fresh
// database, and keeps the profile's summary. These passes are not measured.
func (e *env) profiled(ctx context.Context, engine, name string, fn func(*server) error) error {
	db, err := e.freshDB(ctx, engine, "profile-"+name)
	if err != nil {
		return err
	}
	key, err := e.prepare(ctx, db)
	if err != nil {
		return err
	}
	return e.profiledOn(ctx, db, key, name, fn)
}

func (e *env) profiledOn(ctx context.Context, db database, key, name string, fn func(*server) error) error {
	file := filepath.Join(db.dir, name+".pprof")
	s, err := e.startLodestone(ctx, db, key, file)
	if err != nil {
		return err
	}
	logf("profiling %s (%s)", name, db.engine)
	err = fn(s)
	s.stop()
	if err != nil {
		return err
	}
	sum, err := e.summarizeProfile(ctx, file)
	if err != nil {
		e.res.warn("profile %s: %v", name, err)
		return nil
	}
	e.res.setText("profile."+name, sum)
	return nil
}

// seed creates contacts [from, to) through the API, in batches of 100 from several
// workers, as fast as the server takes them, and returns how many it made. It stops
// at the deadline. With progress set, it records the contacts made every 30 seconds.
func (e *env) seed(ctx context.Context, c *client, from, to, total int, deadline time.Time, progress *[]int) (int, error) {
	const batch = 100
	now := time.Now()
	var next atomic.Int64
	next.Store(int64(from))
	var done, failed atomic.Int64
	var lastErr atomic.Value
	var wg sync.WaitGroup
	errs := make(chan error, e.opt.workers)
	stop := make(chan struct{})
	var ticker sync.WaitGroup
	if progress != nil {
		ticker.Add(1)
		ticks := time.NewTicker(30 * time.Second)
		defer ticks.Stop()
		go func() {
			defer ticker.Done()
			for {
				select {
				case <-ticks.C:
					*progress = append(*progress, int(done.Load()))
				case <-stop:
					return
				}
			}
		}()
	}
	for range e.opt.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			events := make([]eventJSON, 0, batch)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				start := int(next.Add(batch)) - batch
				if start >= to {
					return
				}
				events = events[:0]
				for i := start; i < min(start+batch, to); i++ {
					events = append(events, captureEvent(i, total, now))
				}
				if err := retry(ctx, &failed, &lastErr, func() error { _, err := c.ingest(ctx, events); return err }); err != nil {
					errs <- err
					return
				}
				done.Add(int64(len(events)))
			}
		}()
	}
	wg.Wait()
	close(stop)
	ticker.Wait()
	close(errs)
	if n := failed.Load(); n > 0 {
		e.res.warn("seeding: %d batches of 100 failed with a server error and were sent again; the last error: %v", n, lastErr.Load())
	}
	return int(done.Load()), <-errs
}

// retry sends a batch up to ten times: a server error (such as a deadlock) is a
// finding for the report, not the end of the run.
func retry(ctx context.Context, failed *atomic.Int64, last *atomic.Value, send func() error) error {
	var err error
	for try := range 10 {
		if err = send(); err == nil || ctx.Err() != nil {
			return err
		}
		failed.Add(1)
		last.Store(err.Error())
		time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
	}
	return err
}

// knownContacts are made through the API, untimed, before each event ingest run.
const knownContacts = 2000

// ingest measures API event ingest of known contacts: a fresh server per run with
// some contacts made first (not timed), then workers posting batches of 100 events.
func (e *env) ingest(ctx context.Context, engine string) error {
	known := min(knownContacts, e.opt.contacts)
	for range e.opt.runs {
		if err := e.rawRun(ctx, engine); err != nil {
			return err
		}
		s, err := e.freshLodestone(ctx, engine, "ingest", "")
		if err != nil {
			return err
		}
		if err := e.ingestRun(ctx, s, known, e.opt.ingestDuration, "ingest."+engine, false); err != nil {
			return err
		}
	}
	// Once more with engagement rules, for how soon the load's events show in scores.
	s, err := e.freshLodestone(ctx, engine, "ingest-scored", "")
	if err != nil {
		return err
	}
	if err := e.ingestRun(ctx, s, known, e.opt.ingestDuration, "ingest."+engine+".scored", true); err != nil {
		return err
	}
	if e.opt.profile && engine == "sqlite" {
		err := e.profiled(ctx, engine, "ingest", func(s *server) error {
			return e.ingestRun(ctx, s, known, e.opt.profileDuration, "", false)
		})
		if err != nil {
			return err
		}
		return e.profiled(ctx, engine, "seed", func(s *server) error {
			s.mark()
			wait := e.censusDuring(ctx, s, "seed", "POST /api/v1/events", e.opt.profileDuration)
			_, err := e.seed(ctx, newClient(s.url, s.key), 0, e.opt.contacts, e.opt.contacts, time.Now().Add(e.opt.profileDuration), nil)
			wait()
			return err
		})
	}
	return nil
}

// ingestRun posts the load for d. With scored, the server has engagement rules and
// probes measure how long an event takes to reach its contact's score meanwhile.
func (e *env) ingestRun(ctx context.Context, s *server, known int, d time.Duration, key string, scored bool) error {
	c := newClient(s.url, s.key)
	if n, err := e.seed(ctx, c, 0, known, known, time.Now().Add(10*time.Minute), nil); err != nil || n < known {
		return fmt.Errorf("making %d known contacts: made %d: %v", known, n, err)
	}
	if scored {
		// Engagement rules, so that the load's events and the lag probes are scored,
		// and no fit needed for MQL, so that the probes' engagement moves their stage.
		if st, b, err := c.do(ctx, "PUT", "/api/v1/scoring/settings", []byte(`{"mql_fit": 0}`)); err != nil || st != http.StatusOK {
			return fmt.Errorf("PUT /api/v1/scoring/settings: %d %.300s %v", st, b, err)
		}
		if err := setRulesAndWait(ctx, c, scaleRules(0), time.Minute); err != nil {
			return err
		}
	}
	e.res.load(key)
	s.mark()
	wait := e.censusDuring(ctx, s, "ingest", "POST /api/v1/events", d)
	var events, failed atomic.Int64
	var lastErr atomic.Value
	var mu sync.Mutex
	var lat latencies
	var wg sync.WaitGroup
	errs := make(chan error, e.opt.workers)
	start := time.Now()
	deadline := start.Add(d)
	var lags latencies
	var lagErr error
	if scored {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lags, lagErr = scoreLags(ctx, c, deadline)
		}()
	}
	for w := range e.opt.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			batch := make([]eventJSON, 100)
			for n := 0; n < 1_000_000 && time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				for i := range batch {
					batch[i] = activityEvent(personOf(rng.IntN(known)).Email, n*100+i, time.Now())
				}
				t0 := time.Now()
				if _, err := c.ingest(ctx, batch); err != nil {
					if ctx.Err() != nil || failed.Add(1) > 100 {
						errs <- err
						return
					}
					lastErr.Store(err.Error())
					continue
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
				events.Add(int64(len(batch)))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	rss, _ := s.peakRSS()
	e.checkLog(s.proc, "event ingest "+s.db.engine)
	if key == "" {
		return nil
	}
	if n := failed.Load(); n > 0 {
		e.res.warn("%s: %d batches failed with a server error (not counted); the last: %v", key, n, lastErr.Load())
	}
	if lagErr != nil {
		return fmt.Errorf("%s: score lag probes: %w", key, lagErr)
	}
	if len(lags) > 0 {
		e.res.add(key+".lag_p50", lags.pct(50))
		e.res.add(key+".lag_p99", lags.pct(99))
		e.res.add(key+".lag_n", float64(len(lags)))
	}
	e.res.add(key+".eps", float64(events.Load())/elapsed.Seconds())
	e.res.add(key+".p50", lat.pct(50))
	e.res.add(key+".p99", lat.pct(99))
	e.res.add(key+".rss", rss)
	return nil
}

// heavyEmail is the contact given 1,000 events for the contact page figures.
const heavyEmail = "timeline.heavy@bench-heavy.com"

// addHeavyContact gives one contact 1,000 events, in ten batches, and returns its id.
func addHeavyContact(ctx context.Context, c *client) (int64, error) {
	at := time.Now().Add(-30 * 24 * time.Hour)
	var id int64
	for b := range 10 {
		batch := make([]eventJSON, 100)
		for i := range batch {
			n := b*100 + i
			batch[i] = activityEvent(heavyEmail, n, at.Add(time.Duration(n)*time.Minute))
		}
		ids, err := c.ingest(ctx, batch)
		if err != nil {
			return 0, err
		}
		id = ids[0]
	}
	return id, nil
}

// words are the search words of the contacts list, by how many contacts hold them.
func (e *env) words(total int) []struct{ kind, word string } {
	unique := total / 2
	for personOf(unique).Type != "form_submit" {
		unique++
	}
	return []struct{ kind, word string }{
		{"common", "oskar"},
		{"uncommon", lastName(123)},
		{"rare", companyName(777)},
		{"unique", fmt.Sprintf("%07d", unique)}, // the number in one contact's email
		{"absent", "zzqxv"},
	}
}

// setRulesAndWait saves scoring rules through the API and waits for the recompute
// the change starts.
func setRulesAndWait(ctx context.Context, c *client, rules []byte, limit time.Duration) error {
	st, b, err := c.do(ctx, "PUT", "/api/v1/scoring/rules", rules)
	if err != nil {
		return err
	}
	if st != http.StatusAccepted {
		return fmt.Errorf("PUT /api/v1/scoring/rules: %d %.300s", st, b)
	}
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st, b, err := c.do(ctx, "GET", "/api/v1/scoring/recompute", nil)
		if err != nil {
			return err
		}
		var rc struct {
			State string `json:"state"`
		}
		if st == http.StatusOK {
			if err := json.Unmarshal(b, &rc); err != nil {
				return err
			}
			if rc.State == "done" {
				return nil
			}
		}
	}
	return fmt.Errorf("the recompute after a rule change did not finish within %v", limit)
}

// scoreLags measures, until the deadline and beside the load, how long a new event
// takes to show in its contact's stored score and stage (SPEC: within a second).
// Each probe posts two form_submit events (15 engagement points each under
// scaleRules) for a new contact; the scored run sets the MQL fit threshold to 0, so
// 30 points make the contact an MQL. From the moment the API acknowledges the
// batch, the probe reads the contact every 10 ms until its engagement is at least
// 25 and its stage is mql. Four probes run at a time, each pausing 100 ms between
// probes; a probe not done within 10 s counts as 10 s.
func scoreLags(ctx context.Context, c *client, deadline time.Time) (latencies, error) {
	const probers = 4
	var mu sync.Mutex
	var out latencies
	var wg sync.WaitGroup
	errc := make(chan error, probers)
	for p := range probers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				d, err := scoreLag(ctx, c, fmt.Sprintf("lag-probe-%d-%d-%d@probe.example", time.Now().UnixNano(), p, n))
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				out = append(out, d)
				mu.Unlock()
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(errc)
	return out, <-errc
}

// scoreLag runs one probe of scoreLags.
func scoreLag(ctx context.Context, c *client, email string) (time.Duration, error) {
	now := time.Now().UTC()
	evs := []eventJSON{
		{Type: "form_submit", Email: email, OccurredAt: now.Format(time.RFC3339Nano), Properties: map[string]string{"form": "lag-probe"}},
		{Type: "form_submit", Email: email, OccurredAt: now.Add(time.Millisecond).Format(time.RFC3339Nano), Properties: map[string]string{"form": "lag-probe-2"}},
	}
	ids, err := c.ingest(ctx, evs)
	if err != nil || len(ids) != 2 || ids[0] == 0 {
		return 0, fmt.Errorf("probe events: %v (ids %v)", err, ids)
	}
	t0 := time.Now()
	for {
		st, b, err := c.do(ctx, "GET", "/api/v1/contacts/"+strconv.FormatInt(ids[0], 10)+"?timeline_limit=1", nil)
		if err != nil {
			return 0, err
		}
		var ct struct {
			Stage  string `json:"stage"`
			Scores struct {
				Engagement int `json:"engagement"`
			} `json:"scores"`
		}
		if st != http.StatusOK || json.Unmarshal(b, &ct) != nil {
			return 0, fmt.Errorf("GET contact %d: %d %.200s", ids[0], st, b)
		}
		if (ct.Scores.Engagement >= 25 && ct.Stage == "mql") || time.Since(t0) > 10*time.Second {
			return time.Since(t0), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}
