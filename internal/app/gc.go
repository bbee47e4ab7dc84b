package app

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The garbage collector's default (GOGC=100) collects whenever the heap has doubled
// since the last collection. A server whose live heap is small (some 20 MB while it
// answers tracking hits, each of which allocates a few kilobytes) then collects
// several times a second, and marking and sweeping took about a tenth of its CPU.
// gcHeadroom lets the heap grow by at least gcMinHeadroom before a collection, but
// never past five times what is live (GOGC=400); once the live heap is past
// gcMinHeadroom (an import, a full rescore) the default applies as before. GOGC or
// GOMEMLIMIT set in the environment turn it off.
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

// gcHeadroom sets GOGC from the live heap, once a second, until ctx ends, and
// leaves the default behind.
func gcHeadroom(ctx context.Context) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	cur := 100
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if p := gcPercent(sample[0].Value.Uint64()); p != cur {
				debug.SetGCPercent(p)
				cur = p
			}
		}
		select {
		case <-ctx.Done():
			if cur != 100 {
				debug.SetGCPercent(100)
			}
			return
		case <-tick.C:
		}
	}
}
