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
	type path struct{ at [6]*time.Time }
	paths := map[int64]*path{}
	for i := range entries {
		e := &entries[i]
		k, ok := index[e.Stage]
		if !ok {
			continue
		}
		p := paths[e.Contact]
		if p == nil {
			p = &path{}
			paths[e.Contact] = p
		}
		if p.at[k] == nil || e.At.Before(*p.at[k]) {
			p.at[k] = &e.At
		}
	}
	out := make([]FunnelStage, len(FunnelStages))
	both := make([]int64, len(FunnelStages))
	durations := make([][]time.Duration, len(FunnelStages))
	for _, p := range paths {
		for k := range FunnelStages {
			if p.at[k] == nil {
				continue
			}
			out[k].Reached++
			if k+1 < len(FunnelStages) && p.at[k+1] != nil {
				both[k]++
			}
			var left *time.Time
			for j := k + 1; j < len(FunnelStages); j++ {
				if p.at[j] != nil && (left == nil || p.at[j].Before(*left)) {
					left = p.at[j]
				}
			}
			if left != nil && left.After(*p.at[k]) {
				durations[k] = append(durations[k], left.Sub(*p.at[k]))
			}
		}
	}
	for k, s := range FunnelStages {
		out[k].Stage = s
		if k+1 < len(FunnelStages) && out[k].Reached > 0 {
			out[k].ToNext = big.NewRat(both[k], out[k].Reached)
		}
		out[k].Timed = int64(len(durations[k]))
		out[k].MedianTime = median(durations[k])
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
