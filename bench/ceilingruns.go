package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
)

// helloRuns measures the hello-world server with wrk, with the connections and
// duration of the Lodestone runs.
func (e *env) helloRuns(ctx context.Context) error {
	for range e.opt.runs {
		r, err := e.helloRun(ctx)
		if err != nil {
			return err
		}
		e.res.add("hello.rps", r.RPS)
		e.res.add("hello.p99", r.P99)
	}
	return nil
}

// helloRun starts a fresh hello-world server and drives it with wrk once.
func (e *env) helloRun(ctx context.Context) (wrkResult, error) {
	port, err := freePort()
	if err != nil {
		return wrkResult{}, err
	}
	dir, err := e.dir("hello")
	if err != nil {
		return wrkResult{}, err
	}
	p, err := e.start(ctx, dir, "hello", port, "/", e.self, "ceiling-server", "hello", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return wrkResult{}, err
	}
	r, err := e.wrkRun(ctx, p.url+"/", e.opt.conns, e.opt.duration, "")
	p.stop()
	return r, err
}

// rawRun measures the raw batched insert rate once, on a fresh database.
func (e *env) rawRun(ctx context.Context, engine string) error {
	db, err := e.freshDB(ctx, engine, "raw")
	if err != nil {
		return err
	}
	r, err := e.rawInsertRate(ctx, db, e.opt.rawDuration)
	if err != nil {
		return fmt.Errorf("raw insert (%s): %w", engine, err)
	}
	e.res.add("raw."+engine+".rows", r)
	return nil
}

// groupCommitRun measures the bare group-commit server once, with the form-post
// script, on a fresh database.
func (e *env) groupCommitRun(ctx context.Context, engine, script string, run int) error {
	db, err := e.freshDB(ctx, engine, "groupcommit")
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	args := []string{"ceiling-server", "groupcommit", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data", db.dir}
	if db.url != "" {
		args = append(args, "--pg", db.url)
	}
	e.res.load("ceilings." + engine)
	p, err := e.start(ctx, db.dir, "groupcommit", port, "/healthz", e.self, args...)
	if err != nil {
		return err
	}
	r, err := e.wrkRun(ctx, p.url+"/f/bench", e.opt.conns, e.opt.duration, script, fmt.Sprintf("gc%d", run))
	p.stop()
	if err != nil {
		return err
	}
	if r.Bad > 0 || r.SocketErrors != "" {
		e.res.warn("bare group-commit (%s) run %d: %d bad answers, socket errors %q", engine, run+1, r.Bad, r.SocketErrors)
	}
	k := "gc." + engine
	e.res.add(k+".rps", r.RPS)
	e.res.add(k+".p50", r.P50)
	e.res.add(k+".p99", r.P99)
	log, _ := os.ReadFile(filepath.Join(db.dir, "groupcommit.log"))
	if m := regexp.MustCompile(`group commit: (\d+) commits, (\d+) rows`).FindSubmatch(log); m != nil {
		c, _ := strconv.ParseFloat(string(m[1]), 64)
		n, _ := strconv.ParseFloat(string(m[2]), 64)
		if c > 0 {
			e.res.add(k+".batch", n/c)
		}
	}
	return nil
}
