package main

import (
	"context"
	_ "embed"
	"fmt"
	"time"
)

//go:embed collect.lua
var collectLua []byte

// collect measures tracking page views, POST /collect as the snippet sends them: a
// fresh server per run, each run right after a hello-world ceiling run of its own so
// that the ratio compares two runs that saw the same neighbours.
func (e *env) collect(ctx context.Context, engine, script string) error {
	for run := range e.opt.runs {
		e.res.load("collect-ceiling." + engine)
		h, err := e.helloRun(ctx)
		if err != nil {
			return err
		}
		e.res.add("hello.collect."+engine+".rps", h.RPS)
		e.res.add("hello.collect."+engine+".p99", h.P99)
		s, err := e.freshLodestone(ctx, engine, "collect", "")
		if err != nil {
			return err
		}
		if err := e.collectRun(ctx, s, script, fmt.Sprintf("c%d", run), "collect."+engine); err != nil {
			return err
		}
	}
	if e.opt.profile && engine == "sqlite" {
		return e.profiled(ctx, engine, "collect", func(s *server) error {
			return e.collectRun(ctx, s, script, "prof", "")
		})
	}
	return nil
}

// collectRun drives one server with the page-view script, stops it (which writes
// the hits still queued), and compares the page views stored with the hits it
// acknowledged: /collect answers before it writes, so a fast answer proves nothing
// by itself.
func (e *env) collectRun(ctx context.Context, s *server, script, tag, key string) error {
	d := e.opt.duration
	if key == "" {
		d = e.opt.profileDuration
	}
	e.res.load(key)
	s.mark()
	wait := e.censusDuring(ctx, s, "collect", "POST /collect", d)
	r, err := e.wrkRun(ctx, s.url+"/collect", e.opt.conns, d, script, tag)
	wait()
	if err != nil {
		return err
	}
	rss, _ := s.peakRSS()
	// Stopping writes the queue; how long that takes says how far the writer fell
	// behind the answers (the harness kills a server after 30 seconds).
	stopping := time.Now()
	e.checkLog(s.proc, "collect "+s.db.engine+" "+tag)
	drain := time.Since(stopping).Seconds()
	if key == "" {
		return nil
	}
	if r.Bad > 0 || r.SocketErrors != "" {
		e.res.warn("%s run %s: %d answers were not 2xx/3xx, socket errors %q", key, tag, r.Bad, r.SocketErrors)
	}
	// The server has stopped: whatever it queued is written by now.
	stored, err := e.count(ctx, s.db, `SELECT COUNT(*) FROM events WHERE type = 'page_view'`)
	if err != nil {
		return err
	}
	acked := float64(r.Requests - r.Bad)
	if acked > stored {
		e.res.warn("%s run %s: %.0f page views acknowledged but only %.0f stored (%.0f lost)", key, tag, acked, stored, acked-stored)
	}
	e.res.add(key+".rps", r.RPS)
	e.res.add(key+".p50", r.P50)
	e.res.add(key+".p99", r.P99)
	e.res.add(key+".rss", rss)
	e.res.add(key+".acked", acked)
	e.res.add(key+".stored", stored)
	e.res.add(key+".lost", max(0, acked-stored))
	e.res.add(key+".drain", drain)
	// The writer works from the first hit until the server has stopped.
	e.res.add(key+".written", stored/(d.Seconds()+drain))
	if drain >= 29 {
		e.res.warn("%s run %s: the server took %.0f s to stop (killed after 30 s): the queue was not all written", key, tag, drain)
	}
	return nil
}
