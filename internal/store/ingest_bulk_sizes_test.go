package store

import (
	"slices"
	"testing"
)

// SQLite's statements come in a few sizes, so the driver keeps them prepared: powers
// of two, within the limit, never zero. PostgreSQL's take all the rows they may.
func TestStatementSizes(t *testing.T) {
	sqlite, pg := &Tx{s: &Store{engine: SQLite}}, &Tx{s: &Store{engine: Postgres}}
	for _, tt := range []struct{ rows, limit, want int }{
		{0, 100, 1}, {1, 100, 1}, {2, 100, 2}, {3, 100, 2}, {30, 100, 16}, {64, 100, 64},
		{65, 100, 64}, {5000, 1111, 1024}, {15000, 15000, 8192},
	} {
		if got := sqlite.stmtRows(tt.rows, tt.limit); got != tt.want {
			t.Errorf("stmtRows(%d, %d) = %d on SQLite, want %d", tt.rows, tt.limit, got, tt.want)
		}
		if got, want := pg.stmtRows(tt.rows, tt.limit), max(min(tt.rows, tt.limit), 1); got != want {
			t.Errorf("stmtRows(%d, %d) = %d on PostgreSQL, want %d", tt.rows, tt.limit, got, want)
		}
	}
	for _, tt := range []struct{ in, want []any }{
		{nil, nil},
		{[]any{"a"}, []any{"a"}},
		{[]any{"a", "b"}, []any{"a", "b"}},
		{[]any{"a", "b", "c"}, []any{"a", "b", "c", "c"}},
		{[]any{1, 2, 3, 4, 5}, []any{1, 2, 3, 4, 5, 5, 5, 5}},
	} {
		if got := sqlite.inList(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("inList(%v) = %v on SQLite, want %v", tt.in, got, tt.want)
		}
		if got := pg.inList(tt.in); !slices.Equal(got, tt.in) {
			t.Errorf("inList(%v) = %v on PostgreSQL, want it unchanged", tt.in, got)
		}
	}
}
