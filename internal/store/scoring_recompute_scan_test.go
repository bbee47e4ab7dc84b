package store

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// A scan pass's events are summed by time, then id, whatever order the scan read
// them in: PostgreSQL's parts are ranges of pages, and a page holds rows in the
// order they were written, not in id order. Without ids (SQLite, which reads in id
// order) events of the same time keep the scan's order.
func TestScanBatchSumsByTimeThenID(t *testing.T) {
	kinds := [][]scanKind{{{rules: 1}, {rules: 2}}, {{rules: 4}}}
	type ev struct {
		at   int64
		pos  int32
		kind uint32
		id   int64
	}
	batch := func(withIDs bool) *scanBatch {
		sb := &scanBatch{ids: []int64{10, 11}, posBits: posBits(2), withIDs: withIDs}
		for _, evs := range [][]ev{
			{{5, 0, 0, 9}, {5, 1, 1, 8}, {5, 0, 1, 3}, {4, 0, 0, 7}},
			{{5, 0, 0, 1}, {3, 1, 0, 2}},
		} {
			h := &heldEvents{}
			for _, e := range evs {
				h.add(e.at, e.pos, e.kind, sb.posBits, e.id, withIDs)
			}
			sb.evs = append(sb.evs, h)
		}
		return sb
	}
	start, got := batch(true).grouped(kinds)
	want := []packedEvent{{id: 7, at: 4, rules: 1}, {id: 1, at: 5, rules: 4}, {id: 3, at: 5, rules: 2}, {id: 9, at: 5, rules: 1},
		{id: 2, at: 3, rules: 4}, {id: 8, at: 5, rules: 2}}
	if !reflect.DeepEqual(start, []int{0, 4, 6}) || !reflect.DeepEqual(got, want) {
		t.Errorf("with ids: %v %+v\nwant %+v", start, got, want)
	}
	_, got = batch(false).grouped(kinds)
	want = []packedEvent{{at: 4, rules: 1}, {at: 5, rules: 1}, {at: 5, rules: 2}, {at: 5, rules: 4}, {at: 3, rules: 4}, {at: 5, rules: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("in the scan's order: %+v\nwant %+v", got, want)
	}
}

// Held events come back as they went in, whatever the jumps between their times
// and ids (backwards, across the whole range of an int64, ids past 32 bits), at
// the largest place and kind a batch allows, in one batch of one contact (a place
// of no bits), and across many chunks.
func TestHeldEventsRoundTrip(t *testing.T) {
	type ev struct {
		at   int64
		pos  int32
		kind uint32
		id   int64
	}
	edges := []ev{
		{math.MaxInt64, 4999, math.MaxUint32, math.MaxInt64},
		{math.MinInt64, 0, 0, 1},
		{0, 1, 7, 1 << 32},
		{-1, 4998, 1, 1<<32 + 1},
		{1_780_000_000_000_000, 2500, 3, 5},
		{1_780_000_000_000_000, 2500, 3, 4},
		{1_779_999_999_999_999, 17, 1 << 20, math.MaxInt64},
		{math.MaxInt64, 4999, math.MaxUint32, math.MinInt64},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50_000 {
		// Roughly in time order, as a scan reads them, with jumps back.
		edges = append(edges, ev{1_780_000_000_000_000 + int64(i)*600_000_000 - r.Int64N(1_000_000_000_000), r.Int32N(5000), r.Uint32N(9), int64(i)*3 + r.Int64N(100)})
	}
	for _, tc := range []struct {
		batch  int32
		withID bool
		evs    []ev
	}{{5000, true, edges}, {5000, false, edges}, {1, true, []ev{{math.MinInt64, 0, math.MaxUint32, math.MaxInt64}, {math.MaxInt64, 0, 0, math.MinInt64}, {3, 0, 2, -3}}}} {
		h := &heldEvents{}
		pb := posBits(tc.batch)
		for _, e := range tc.evs {
			h.add(e.at, e.pos, e.kind, pb, e.id, tc.withID)
		}
		var got []ev
		h.each(pb, tc.withID, func(at int64, pos int32, kind uint32, id int64) { got = append(got, ev{at, pos, kind, id}) })
		want := tc.evs
		if !tc.withID {
			want = nil
			for _, e := range tc.evs {
				e.id = 0
				want = append(want, e)
			}
		}
		if h.n != len(want) || !reflect.DeepEqual(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("batch %d, ids %v: event %d of %d (of %d) came back as %+v, want %+v", tc.batch, tc.withID, i, len(got), h.n, got[i], want[i])
				}
			}
			t.Fatalf("batch %d, ids %v: %d events (counted %d), want %d", tc.batch, tc.withID, len(got), h.n, len(want))
		}
		if len(tc.evs) > 1000 && len(h.chunks) < 10 {
			t.Errorf("%d events in %d chunks: the chunk boundaries are not tested", len(tc.evs), len(h.chunks))
		}
		if bytes := len(h.chunks) * heldChunk; len(tc.evs) > 1000 && !tc.withID && bytes > 10*len(tc.evs) {
			t.Errorf("%d events take %d bytes", len(tc.evs), bytes)
		}
	}
}
