package web

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := newLimiter(60, 3) // one a second, bursts of three
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		if ok, _ := l.allow("ip", t0); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.allow("ip", t0)
	if ok || wait < 900*time.Millisecond || wait > time.Second {
		t.Fatalf("fourth request: %v, wait %v", ok, wait)
	}
	if ok, _ := l.allow("other", t0); !ok {
		t.Fatal("another key was limited")
	}
	if ok, _ := l.allow("ip", t0.Add(time.Second)); !ok {
		t.Fatal("a token did not come back after a second")
	}
	if ok, _ := (*limiter)(nil).allow("x", t0); !ok {
		t.Fatal("a nil limiter limited")
	}
}
