package store

import (
	"reflect"
	"testing"
)

// A scan pass's events are summed by time, then id, whatever order the scan read
// them in: PostgreSQL's parts are ranges of pages, and a page holds rows in the
// order they were written, not in id order. Without ids (SQLite, which reads in id
// order) events of the same time keep the scan's order.
func TestScanBatchSumsByTimeThenID(t *testing.T) {
	kinds := [][]scanKind{{{rules: 1}, {rules: 2}}, {{rules: 4}}}
	sb := &scanBatch{
		ids: []int64{10, 11},
		evs: [][]heldEvent{
			{{at: 5, pos: 0, kind: 0}, {at: 5, pos: 1, kind: 1}, {at: 5, pos: 0, kind: 1}, {at: 4, pos: 0, kind: 0}},
			{{at: 5, pos: 0, kind: 0}, {at: 3, pos: 1, kind: 0}},
		},
		evIDs: [][]uint32{{9, 8, 3, 7}, {1, 2}},
	}
	start, got := sb.grouped(kinds)
	want := []packedEvent{{id: 7, at: 4, rules: 1}, {id: 1, at: 5, rules: 4}, {id: 3, at: 5, rules: 2}, {id: 9, at: 5, rules: 1},
		{id: 2, at: 3, rules: 4}, {id: 8, at: 5, rules: 2}}
	if !reflect.DeepEqual(start, []int{0, 4, 6}) || !reflect.DeepEqual(got, want) {
		t.Errorf("with ids: %v %+v\nwant %+v", start, got, want)
	}
	sb.evIDs = nil
	_, got = sb.grouped(kinds)
	want = []packedEvent{{at: 4, rules: 1}, {at: 5, rules: 1}, {at: 5, rules: 2}, {at: 5, rules: 4}, {at: 3, rules: 4}, {at: 5, rules: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("in the scan's order: %+v\nwant %+v", got, want)
	}
}
