package store

import (
	"slices"
	"testing"
)

// Statements come in a few sizes, so the drivers keep them prepared: powers of two,
// within the limit, never zero.
func TestStatementSizes(t *testing.T) {
	for _, tt := range []struct{ rows, limit, want int }{
		{0, 100, 1}, {1, 100, 1}, {2, 100, 2}, {3, 100, 2}, {30, 100, 16}, {64, 100, 64},
		{65, 100, 64}, {5000, 1111, 1024}, {15000, 15000, 8192},
	} {
		if got := stmtRows(tt.rows, tt.limit); got != tt.want {
			t.Errorf("stmtRows(%d, %d) = %d, want %d", tt.rows, tt.limit, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want []any }{
		{nil, nil},
		{[]any{"a"}, []any{"a"}},
		{[]any{"a", "b"}, []any{"a", "b"}},
		{[]any{"a", "b", "c"}, []any{"a", "b", "c", "c"}},
		{[]any{1, 2, 3, 4, 5}, []any{1, 2, 3, 4, 5, 5, 5, 5}},
	} {
		if got := inList(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("inList(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
