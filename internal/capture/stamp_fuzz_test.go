package capture

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzCheckStamp feeds outside "_ts" values to the fill-time check, as any post may
// carry them. It never panics and answers nil or one of the four refusals. A stamp it
// accepts was signed with the key for this form: the same stamp is refused under
// another key and for another form. And a stamp the key issued passes exactly when
// its age is within MinFillTime and StampLifetime, and passes no more once any byte of
// it is changed.
func FuzzCheckStamp(f *testing.F) {
	key := []byte("workspace secret")
	now := int64(1_800_000_000)
	for _, s := range []struct {
		slug, stamp string
		age         int64
	}{
		{"offer", IssueStamp(key, "offer", time.Unix(now-60, 0)), 60},
		{"offer", IssueStamp(key, "offer", time.Unix(now-1, 0)), 1},
		{"offer", IssueStamp(key, "other", time.Unix(now-60, 0)), 86400},
		{"offer", IssueStamp([]byte("other secret"), "offer", time.Unix(now-60, 0)), 86401},
		{"offer", "", 2},
		{"offer", "1799999940", -3600},
		{"offer", "1799999940.", 0},
		{"offer", ".deadbeef", 60},
		{"offer", "+1799999940." + stampMAC(key, "offer", "+1799999940"), 60},
		{"offer", "-9223372036854775808." + stampMAC(key, "offer", "-9223372036854775808"), 60},
		{"offer", "99999999999999999999." + stampMAC(key, "offer", "99999999999999999999"), 60},
		{"offer", "x." + stampMAC(key, "offer", "x"), 60},
		{"a:1", "2." + stampMAC(key, "a", "1:2"), 60},
		{"offer", strings.Repeat("1", 30) + ".ab", 60},
		{"ünï\x00code", "1799999940.\xff\xfe", 60},
	} {
		f.Add(s.slug, s.stamp, now, s.age, uint16(len(s.stamp)/2), byte('0'))
	}
	refusals := []error{ErrStampMissing, ErrStampInvalid, ErrStampExpired, ErrStampTooFast}
	f.Fuzz(func(t *testing.T, slug, stamp string, nowSec, age int64, at uint16, to byte) {
		// Keep the clock and the age where time.Time does not overflow: ±10,000 years.
		const span = 10_000 * 365 * 24 * 3600
		nowSec %= span
		age %= 4 * int64(StampLifetime/time.Second)
		now := time.Unix(nowSec, 0)

		err := CheckStamp(key, slug, stamp, now)
		if err != nil && !slices.Contains(refusals, err) {
			t.Fatalf("CheckStamp(%q, %q) = %v, not one of the refusals", slug, stamp, err)
		}
		if err == nil {
			ts, sig, _ := strings.Cut(stamp, ".")
			if sig != stampMAC(key, slug, ts) {
				t.Fatalf("stamp %q for %q accepted without the key's signature", stamp, slug)
			}
			if CheckStamp([]byte("another workspace"), slug, stamp, now) == nil {
				t.Fatalf("stamp %q accepted under another key", stamp)
			}
			if CheckStamp(key, slug+"-2", stamp, now) == nil {
				t.Fatalf("stamp %q of form %q accepted for another form", stamp, slug)
			}
		}

		issued := IssueStamp(key, slug, now.Add(-time.Duration(age)*time.Second))
		err = CheckStamp(key, slug, issued, now)
		d := time.Duration(age) * time.Second
		switch {
		case d > StampLifetime && err != ErrStampExpired, d < MinFillTime && err != ErrStampTooFast,
			d >= MinFillTime && d <= StampLifetime && err != nil:
			t.Fatalf("a stamp issued %v ago for %q: %v", d, slug, err)
		}
		b := []byte(issued)
		if i := int(at) % len(b); b[i] != to {
			b[i] = to
			if CheckStamp(key, slug, string(b), now) == nil {
				t.Fatalf("stamp %q, changed to %q, still accepted", issued, b)
			}
		}
	})
}
