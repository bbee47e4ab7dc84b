package capture

import (
	"testing"
	"time"
)

func TestCheckStamp(t *testing.T) {
	key := []byte("workspace secret")
	now := time.Unix(1_800_000_000, 0)
	good := IssueStamp(key, "offer", now.Add(-time.Minute))
	for _, tt := range []struct {
		name, slug, stamp string
		want              error
	}{
		{"a minute old", "offer", good, nil},
		{"just old enough", "offer", IssueStamp(key, "offer", now.Add(-MinFillTime)), nil},
		{"nearly a day old", "offer", IssueStamp(key, "offer", now.Add(-StampLifetime)), nil},
		{"missing", "offer", "", ErrStampMissing},
		{"too fast", "offer", IssueStamp(key, "offer", now.Add(-time.Second)), ErrStampTooFast},
		{"from the future", "offer", IssueStamp(key, "offer", now.Add(time.Hour)), ErrStampTooFast},
		{"expired", "offer", IssueStamp(key, "offer", now.Add(-StampLifetime-time.Second)), ErrStampExpired},
		{"another form's", "other", good, ErrStampInvalid},
		{"another workspace's", "offer", IssueStamp([]byte("other secret"), "offer", now.Add(-time.Minute)), ErrStampInvalid},
		{"forged", "offer", "1700000000.deadbeef", ErrStampInvalid},
		{"no signature", "offer", "1700000000", ErrStampInvalid},
		{"time changed", "offer", "1799999000" + good[10:], ErrStampInvalid},
		{"not a number", "offer", "x." + stampMAC(key, "offer", "x"), ErrStampInvalid},
	} {
		if got := CheckStamp(key, tt.slug, tt.stamp, now); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
