package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// A hit that finds the write queue full waits for room and, when none comes, is
// refused and counted: the handler answers 503 instead of pretending it kept it.
func TestTrackerRefusesWhatItCannotKeep(t *testing.T) {
	tr := &tracker{hits: make(chan store.Capture, 1), wait: 20 * time.Millisecond}
	if !tr.enqueue(store.Capture{Type: "page_view"}) {
		t.Fatal("the first hit found the queue full")
	}
	start := time.Now()
	if tr.enqueue(store.Capture{Type: "page_view"}) {
		t.Fatal("a hit was queued into a full queue")
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Fatalf("a hit was refused after %v, without waiting for room", waited)
	}
	if n := tr.dropped.Load(); n != 1 {
		t.Fatalf("dropped = %d, want 1", n)
	}
	// Room made while a hit waits lets it in.
	go func() {
		time.Sleep(5 * time.Millisecond)
		<-tr.hits
	}()
	tr.wait = time.Second
	if !tr.enqueue(store.Capture{Type: "page_view"}) {
		t.Fatal("a hit was refused although room was made while it waited")
	}
}

func TestIsBot(t *testing.T) {
	for ua, want := range map[string]bool{
		"": true,
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)":                                      true,
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36": true,
		"facebookexternalhit/1.1": true,
		"curl/8.5.0":              true,
		"Quora Link Preview/1.0":  true,
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":                         false,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1": false,
	} {
		if got := isBot(ua); got != want {
			t.Errorf("isBot(%q) = %v, want %v", ua, got, want)
		}
	}
}

// TestIsBotSeen holds the remembered verdicts to isBot's, for more user agents than
// there are slots, asked twice over.
func TestIsBotSeen(t *testing.T) {
	var uas []string
	for i := range 2000 {
		uas = append(uas, fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/%d.0 Safari/537.36", i),
			fmt.Sprintf("Mozilla/5.0 (compatible; Examplebot/%d.1)", i))
	}
	uas = append(uas, "", strings.Repeat("a", 600), strings.Repeat("a", 600)+"bot")
	for round := range 2 {
		for _, ua := range uas {
			if got, want := isBotSeen(ua), isBot(ua); got != want {
				t.Fatalf("round %d: isBotSeen(%q) = %v, isBot %v", round, ua, got, want)
			}
		}
	}
}

// BenchmarkIsBot is the robot check every tracking hit pays.
func BenchmarkIsBot(b *testing.B) {
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	for b.Loop() {
		isBot(ua)
	}
}
