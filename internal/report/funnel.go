package report

import (
	"math/big"
	"slices"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// StageEntry is a contact's first entry into a stage (contact_stages).
type StageEntry struct {
	Contact int64
	Stage   string
	At      time.Time
}

// FunnelStage is one step of the funnel of a cohort of new leads.
type FunnelStage struct {
	Stage string
	// Reached counts the cohort's contacts that ever entered the stage.
	Reached int64
	// ToNext is the share of those that also entered the next stage of the ladder
	// (conversion stage to stage); nil on the last stage or when none reached this one.
	ToNext *big.Rat
	// MedianTime is the median time from entering the stage to entering any later one,
	// over the contacts that moved on after some time (Timed of them); nil when none did.
	MedianTime *time.Duration
	Timed      int64
}

// FunnelStages are the ladder of SPEC section 3, without disqualified beside it.
var FunnelStages = []string{lifecycle.Subscriber, lifecycle.Lead, lifecycle.MQL, lifecycle.SQL, lifecycle.Opportunity, lifecycle.Customer}

// Funnel computes the funnel of a cohort from the stage entries of its contacts.
//
// Counts are of contacts that entered each stage, so they match the contacts list's
// "reached" filter; a contact can skip a stage (a demo request starts as an SQL), which
// is why conversion to the next stage is measured among the contacts that entered this
// one, not as a ratio of two counts. Time in a stage ends at the first entry into any
// later stage; a contact still in the stage is not timed, and one that passed through
// it in the same moment (a forward move records the stages it passes at one time) is
// left out, since it spent no time there to measure.
func Funnel(entries []StageEntry) []FunnelStage {
	index := map[string]int{}
	for i, s := range FunnelStages {
		index[s] = i
	}
	paths := map[int64]*FunnelPath{}
	var order []int64
	for i := range entries {
		e := &entries[i]
		k, ok := index[e.Stage]
		if !ok {
			continue
		}
		p := paths[e.Contact]
		if p == nil {
			p = &FunnelPath{}
			paths[e.Contact] = p
			order = append(order, e.Contact)
		}
		p.Enter(k, e.At.UnixMicro())
	}
	var t FunnelTally
	for _, c := range order {
		t.Add(paths[c])
	}
	return t.Stages()
}

// FunnelPath is one contact's first entry into each stage of FunnelStages, in
// microseconds as times are stored.
type FunnelPath struct {
	At  [6]int64
	Has [6]bool
}

// Enter records an entry into FunnelStages[k]; the earliest entry of a stage counts.
func (p *FunnelPath) Enter(k int, micros int64) {
	if !p.Has[k] || micros < p.At[k] {
		p.At[k], p.Has[k] = micros, true
	}
}

// FunnelTally adds a cohort's contacts up into its funnel, one path at a time, for
// Funnel. The store's funnel adds the same figures up in the database, from a roll-up
// that holds each contact's path and times in stage as Add measures them, and hands
// them to FunnelOf; the store's tests hold the two to the same results.
type FunnelTally struct {
	reached, both [6]int64
	durations     [6][]time.Duration
}

// Add counts one contact's path.
func (t *FunnelTally) Add(p *FunnelPath) {
	for k := range FunnelStages {
		if !p.Has[k] {
			continue
		}
		t.reached[k]++
		if k+1 < len(FunnelStages) && p.Has[k+1] {
			t.both[k]++
		}
		left, found := int64(0), false
		for j := k + 1; j < len(FunnelStages); j++ {
			if p.Has[j] && (!found || p.At[j] < left) {
				left, found = p.At[j], true
			}
		}
		if found && left > p.At[k] {
			t.durations[k] = append(t.durations[k], time.Duration(left-p.At[k])*time.Microsecond)
		}
	}
}

// FunnelOf is the funnel of a cohort added up elsewhere, as the store does in SQL:
// reached[k] of its contacts entered FunnelStages[k], both[k] of those entered
// FunnelStages[k+1] too, and durations[k] are the times in stage k of those that moved
// on after some time, as FunnelTally.Add measures them. It converts and takes the
// medians as Funnel does.
func FunnelOf(reached, both [6]int64, durations [6][]time.Duration) []FunnelStage {
	t := FunnelTally{reached: reached, both: both, durations: durations}
	return t.Stages()
}

// Stages is the funnel of the paths added.
func (t *FunnelTally) Stages() []FunnelStage {
	out := make([]FunnelStage, len(FunnelStages))
	for k, s := range FunnelStages {
		out[k] = FunnelStage{Stage: s, Reached: t.reached[k], Timed: int64(len(t.durations[k])), MedianTime: median(t.durations[k])}
		if k+1 < len(FunnelStages) && t.reached[k] > 0 {
			out[k].ToNext = big.NewRat(t.both[k], t.reached[k])
		}
	}
	return out
}

// median is the middle duration, or the mean of the two middle ones rounded down to
// the microsecond (times are stored in microseconds); nil for none.
func median(ds []time.Duration) *time.Duration {
	if len(ds) == 0 {
		return nil
	}
	slices.Sort(ds)
	m := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		a, b := ds[len(ds)/2-1], ds[len(ds)/2]
		m = a + (b-a)/2
		m = m.Truncate(time.Microsecond)
	}
	return &m
}
