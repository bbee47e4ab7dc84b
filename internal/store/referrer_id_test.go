package store

import "testing"

// A referred_by naming a contact id reads the same whichever engine turned its JSON
// number into text.
func TestReferrerID(t *testing.T) {
	for v, want := range map[string]int64{"12": 12, "12.0": 12, "1e+06": 1000000, "12.5": 0, "0": 0, "-3": -3, "x": 0, "": 0, "1e300": 0} {
		if got := referrerID(v); got != want {
			t.Errorf("referrerID(%q) = %d, want %d", v, got, want)
		}
	}
}
