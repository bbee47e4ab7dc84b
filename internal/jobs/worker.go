// Package jobs drains Lodestone's durable job queue. The queue is a table (see
// store.ClaimJobs): a worker leases due jobs, runs them with a bounded concurrency,
// and records each outcome. Nothing in flight lives only in memory: a node that
// crashes or stops leaves leases that expire, and another node takes the jobs over.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// Handler runs one job. It returns nil when the job is done, an error to retry it
// with backoff, or an error wrapped by Permanent when no retry can succeed.
// Handlers must tolerate running twice: a lease can expire while a handler still
// works, and the ad-lead handlers are idempotent on the platform's lead id.
type Handler = func(ctx context.Context, payload []byte) error

// Worker leases and runs jobs of the kinds it has handlers for.
type Worker struct {
	Store    *store.Store
	Handlers map[string]Handler
	// Poll is how often an idle worker looks for due jobs (default 1 s).
	Poll time.Duration
	// Concurrency is how many jobs run at once (default 4).
	Concurrency int
	// Lease is how long a claimed job is held; a handler's context ends with it, so a
	// job never runs on past the moment another node may take it (default 5 min).
	Lease time.Duration
	// Grace is how long Run waits at shutdown for jobs in flight before cancelling
	// them; a cancelled job keeps its lease until it expires (default 10 s).
	Grace time.Duration
	// Backoff gives the delay before retry number attempt (default Backoff).
	Backoff func(attempt int) time.Duration
	// ID names this worker in locked_by (default host-pid-random).
	ID  string
	Log *slog.Logger
}

// Backoff doubles from 15 seconds to a cap of one hour.
func Backoff(attempt int) time.Duration {
	d := 15 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks an error that no retry can mend (a lead without any contact
// detail, say): the job dies at once instead of retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

func (w *Worker) defaults() {
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.Concurrency <= 0 {
		w.Concurrency = 4
	}
	if w.Lease <= 0 {
		w.Lease = 5 * time.Minute
	}
	if w.Grace <= 0 {
		w.Grace = 10 * time.Second
	}
	if w.Backoff == nil {
		w.Backoff = Backoff
	}
	if w.ID == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		w.ID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}

// Run claims and runs jobs until ctx ends, then waits up to Grace for the jobs in
// flight to finish before cancelling them. It returns nil on a clean stop.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	kinds := make([]string, 0, len(w.Handlers))
	for k := range w.Handlers {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	if len(kinds) == 0 {
		<-ctx.Done()
		return nil
	}
	// Jobs run under their own context, so stopping the loop does not cut them short;
	// abort ends them once the grace period is over.
	jobBase, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	var wg sync.WaitGroup
	free := make(chan struct{}, w.Concurrency)
	for range w.Concurrency {
		free <- struct{}{}
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-timer.C:
		}
		n := len(free)
		if n == 0 {
			// Every slot is busy: wait for one to free up rather than poll.
			select {
			case <-ctx.Done():
				break loop
			case s := <-free:
				free <- s
			}
			timer.Reset(0)
			continue
		}
		claimed, err := w.Store.ClaimJobs(ctx, w.ID, kinds, n, w.Lease)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("claim jobs", "err", err)
		}
		for _, j := range claimed {
			<-free
			wg.Add(1)
			go func() {
				defer func() { free <- struct{}{}; wg.Done() }()
				w.run(jobBase, j)
			}()
		}
		// A full batch means more may be due: look again at once.
		if len(claimed) == n {
			timer.Reset(0)
		} else {
			timer.Reset(w.Poll)
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(w.Grace):
		w.Log.Warn("jobs still running at shutdown are cancelled; their leases will expire", "grace", w.Grace)
		abort()
		<-done
	}
	return nil
}

// run executes one claimed job and records its outcome.
func (w *Worker) run(base context.Context, j *store.Job) {
	// The handler's time ends a little before the lease, so its outcome is recorded
	// while this worker still holds the job.
	ctx, cancel := context.WithTimeout(base, w.Lease-w.Lease/10)
	defer cancel()
	err := w.call(ctx, j)
	// Recording outcomes must not fail because the job's own context ended.
	rec, stop := context.WithTimeout(context.WithoutCancel(base), 10*time.Second)
	defer stop()
	log := w.Log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	switch {
	case err == nil:
		if err := w.Store.CompleteJob(rec, j); err != nil {
			log.Warn("record job done", "err", err)
		}
	case base.Err() != nil:
		// Shutdown cut the job short: it keeps its lease until that expires, and then
		// this node or another runs it again.
		log.Info("job interrupted by shutdown", "err", err)
	default:
		retryAt := time.Time{}
		if !IsPermanent(err) {
			retryAt = w.Store.Now().Add(w.Backoff(j.Attempts))
		}
		dead, ferr := w.Store.FailJob(rec, j, err, retryAt)
		switch {
		case ferr != nil:
			log.Warn("record job failure", "err", ferr, "job_err", err)
		case dead:
			log.Error("job failed for the last time; it is kept as dead", "err", err)
		default:
			log.Warn("job failed; it will be retried", "err", err, "retry_at", retryAt)
		}
	}
}

// call runs the handler, turning a panic into an error.
func (w *Worker) call(ctx context.Context, j *store.Job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return w.Handlers[j.Kind](ctx, j.Payload)
}
