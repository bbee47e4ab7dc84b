package app

import "testing"

func TestGCPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 100}, {1 << 20, 400}, {16 << 20, 400}, {20 << 20, 300}, {32 << 20, 200}, {40 << 20, 150},
		{60 << 20, 100}, {64 << 20, 100}, {600 << 20, 100},
	} {
		if got := gcPercent(c.live); got != c.want {
			t.Errorf("gcPercent(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}
