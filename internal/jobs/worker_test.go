package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/jobs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

var ctx = context.Background()

// start runs a worker until the test ends, and returns a function that stops it
// and waits for Run to return.
func start(t *testing.T, w *jobs.Worker) (stop func()) {
	t.Helper()
	if w.Poll == 0 {
		w.Poll = 10 * time.Millisecond
	}
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(c); err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func state(t *testing.T, s *store.Store, id int64) *store.Job {
	t.Helper()
	j, err := s.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJobRunsOnce(t *testing.T) {
	s := storetest.Open(t)
	var runs atomic.Int32
	var got atomic.Value
	id, err := s.EnqueueJob(ctx, "greet", []byte(`{"name":"Ada"}`), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	start(t, &jobs.Worker{Store: s, Handlers: map[string]jobs.Handler{"greet": func(_ context.Context, p []byte) error {
		runs.Add(1)
		got.Store(string(p))
		return nil
	}}})
	waitFor(t, "the job to be done", func() bool { return state(t, s, id).State(time.Now()) == store.JobDone })
	time.Sleep(50 * time.Millisecond) // a second run would show by now
	if runs.Load() != 1 || got.Load() != `{"name":"Ada"}` {
		t.Fatalf("runs = %d, payload = %v", runs.Load(), got.Load())
	}
}

func TestFailingJobRetriesWithBackoffThenDies(t *testing.T) {
	s := storetest.Open(t)
	var mu sync.Mutex
	var at []time.Time
	id, _ := s.Enqueue(ctx, store.NewJob{Kind: "flaky", MaxAttempts: 3})
	start(t, &jobs.Worker{Store: s, Backoff: func(attempt int) time.Duration { return time.Duration(attempt) * 60 * time.Millisecond },
		Handlers: map[string]jobs.Handler{"flaky": func(context.Context, []byte) error {
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
			return errors.New("connection refused")
		}}})
	waitFor(t, "the job to die", func() bool { return state(t, s, id).State(time.Now()) == store.JobDead })
	mu.Lock()
	defer mu.Unlock()
	if len(at) != 3 {
		t.Fatalf("ran %d times, want 3", len(at))
	}
	for i := 1; i < len(at); i++ {
		if gap, min := at[i].Sub(at[i-1]), time.Duration(i)*60*time.Millisecond; gap < min {
			t.Errorf("retry %d came after %v, want at least %v", i, gap, min)
		}
	}
	if j := state(t, s, id); j.LastError != "connection refused" || j.Attempts != 3 {
		t.Fatalf("dead job = %+v", j)
	}
}

func TestPermanentErrorsAndPanicsAreRecorded(t *testing.T) {
	s := storetest.Open(t)
	perm, _ := s.EnqueueJob(ctx, "bad", nil, time.Time{})
	boom, _ := s.Enqueue(ctx, store.NewJob{Kind: "boom", MaxAttempts: 1})
	start(t, &jobs.Worker{Store: s, Handlers: map[string]jobs.Handler{
		"bad":  func(context.Context, []byte) error { return jobs.Permanent(errors.New("no email and no phone")) },
		"boom": func(context.Context, []byte) error { panic("nil map") },
	}})
	waitFor(t, "both jobs to die", func() bool {
		return state(t, s, perm).State(time.Now()) == store.JobDead && state(t, s, boom).State(time.Now()) == store.JobDead
	})
	if j := state(t, s, perm); j.Attempts != 1 {
		t.Fatalf("a permanent failure was retried: %+v", j)
	}
	if j := state(t, s, boom); j.LastError != "panic: nil map" {
		t.Fatalf("panic recorded as %q", j.LastError)
	}
}

// Two nodes on one database, each with several goroutines, run 200 jobs: every job
// runs exactly once.
func TestTwoWorkersNeverRunOneJobTwice(t *testing.T) {
	opt := storetest.Options(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s1, s2 := open(), open()
	const n = 200
	for i := range n {
		p, _ := json.Marshal(map[string]int{"n": i})
		if _, err := s1.EnqueueJob(ctx, "count", p, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	runs := map[int]int{}
	var total atomic.Int32
	perNode := [2]atomic.Int32{}
	handler := func(node int) jobs.Handler {
		return func(_ context.Context, p []byte) error {
			var m map[string]int
			if err := json.Unmarshal(p, &m); err != nil {
				return err
			}
			time.Sleep(time.Millisecond)
			mu.Lock()
			runs[m["n"]]++
			mu.Unlock()
			perNode[node].Add(1)
			total.Add(1)
			return nil
		}
	}
	start(t, &jobs.Worker{Store: s1, ID: "node-1", Concurrency: 4, Handlers: map[string]jobs.Handler{"count": handler(0)}})
	start(t, &jobs.Worker{Store: s2, ID: "node-2", Concurrency: 4, Handlers: map[string]jobs.Handler{"count": handler(1)}})
	waitFor(t, "200 jobs", func() bool {
		stats, err := s1.JobStats(ctx, "count")
		return err == nil && stats[store.JobDone] == n
	})
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != n || total.Load() != n {
		t.Fatalf("%d distinct jobs ran %d times, want %d once each", len(runs), total.Load(), n)
	}
	for i, c := range runs {
		if c != 1 {
			t.Errorf("job %d ran %d times", i, c)
		}
	}
	t.Logf("node-1 ran %d, node-2 ran %d", perNode[0].Load(), perNode[1].Load())
}

// A node that claimed a job and died leaves its lease; once it expires another node
// runs the job.
func TestExpiredLeaseIsTakenOver(t *testing.T) {
	s := storetest.Open(t)
	id, _ := s.EnqueueJob(ctx, "work", nil, time.Time{})
	// The lease runs from a moment after this one, so the job may not run before
	// claimed+lease.
	claimed := time.Now()
	if js, err := s.ClaimJobs(ctx, "dead-node", []string{"work"}, 1, 300*time.Millisecond); err != nil || len(js) != 1 {
		t.Fatalf("claim = %v, %v", js, err)
	}
	var ranAt atomic.Int64
	start(t, &jobs.Worker{Store: s, ID: "live-node", Handlers: map[string]jobs.Handler{"work": func(context.Context, []byte) error {
		ranAt.Store(time.Now().UnixNano())
		return nil
	}}})
	waitFor(t, "the takeover", func() bool { return state(t, s, id).State(time.Now()) == store.JobDone })
	if wait := time.Unix(0, ranAt.Load()).Sub(claimed); wait < 300*time.Millisecond {
		t.Fatalf("the job ran %v after the dead node's claim, before its lease expired", wait)
	}
	if j := state(t, s, id); j.Attempts != 2 || j.LockedBy != "live-node" {
		t.Fatalf("job = %+v", j)
	}
}

// Stopping waits for the jobs in flight; past the grace period they are cancelled
// and keep their lease for another node, without counting as failures.
func TestGracefulStop(t *testing.T) {
	s := storetest.Open(t)
	slow, _ := s.EnqueueJob(ctx, "slow", nil, time.Time{})
	started := make(chan struct{})
	stop := start(t, &jobs.Worker{Store: s, Handlers: map[string]jobs.Handler{"slow": func(context.Context, []byte) error {
		close(started)
		time.Sleep(150 * time.Millisecond)
		return nil
	}}})
	<-started
	stop()
	if j := state(t, s, slow); j.State(time.Now()) != store.JobDone {
		t.Fatalf("the job in flight did not finish before Run returned: %+v", j)
	}

	stuck, _ := s.EnqueueJob(ctx, "stuck", nil, time.Time{})
	started2 := make(chan struct{})
	stop = start(t, &jobs.Worker{Store: s, Grace: 50 * time.Millisecond, Lease: time.Minute, Handlers: map[string]jobs.Handler{"stuck": func(c context.Context, _ []byte) error {
		close(started2)
		<-c.Done()
		return c.Err()
	}}})
	<-started2
	begun := time.Now()
	stop()
	if d := time.Since(begun); d > 5*time.Second {
		t.Fatalf("stop took %v", d)
	}
	if j := state(t, s, stuck); j.State(time.Now()) != store.JobRunning || j.LastError != "" {
		t.Fatalf("a cancelled job = %+v, want it still leased and not failed", j)
	}
}
