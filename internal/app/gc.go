package app

import (
	"context"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The garbage collector's default (GOGC=100) collects whenever the heap has doubled
// since the last collection. A server whose live heap is small (some 20 MB while it
// answers tracking hits, each of which allocates a few kilobytes) then collects
// several times a second, and marking and sweeping took about a tenth of its CPU.
// GCHeadroom lets the heap grow by at least gcMinHeadroom before a collection, but
// never past five times what is live (GOGC=400); once the live heap is past
// gcMinHeadroom (an import, a full rescore) the default applies as before.
const gcMinHeadroom = 64 << 20

// gcPercent is the GOGC that gives a live heap of live bytes gcMinHeadroom of
// growth, from 100 to 400, in steps of 50 so that a heap that moves a little does
// not change it.
func gcPercent(live uint64) int {
	if live == 0 {
		return 100
	}
	p := gcMinHeadroom * 100 / live
	return int(min(max(p/50*50, 100), 400))
}

// gcLimit is the soft memory limit kept while GOGC is raised: what the runtime
// holds now plus twice the headroom. The setting is read once a second, so a live
// heap that jumps between two readings (an import starting) could otherwise grow to
// five times its size before GOGC comes back down; the limit makes the collector
// work harder past it instead.
func gcLimit(total uint64) int64 {
	return int64(total + 2*gcMinHeadroom)
}

// GCHeadroom sets GOGC from the live heap, once a second, until ctx ends, and then
// puts back the settings it found. It is for the one server of a process (the serve
// command): the settings are the whole process's. GOGC or GOMEMLIMIT set in the
// environment turn it off.
func GCHeadroom(ctx context.Context) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	base := debug.SetGCPercent(100)
	debug.SetGCPercent(base)
	baseLimit := debug.SetMemoryLimit(-1)
	if base != 100 || baseLimit != math.MaxInt64 {
		return // set in code: not ours to change
	}
	cur := base
	defer func() {
		debug.SetGCPercent(base)
		debug.SetMemoryLimit(baseLimit)
	}()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 && sample[1].Value.Kind() == metrics.KindUint64 {
			p := gcPercent(sample[0].Value.Uint64())
			if p != base {
				// Limit first, so that a raised GOGC never runs without one.
				debug.SetMemoryLimit(gcLimit(sample[1].Value.Uint64()))
			}
			if p != cur {
				debug.SetGCPercent(p)
				if p == base {
					debug.SetMemoryLimit(baseLimit)
				}
				cur = p
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
