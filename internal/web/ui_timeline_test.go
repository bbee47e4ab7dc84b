package web_test

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// A long history is shown a page at a time, with a link to the older events that
// works without JavaScript.
func TestContactPageTimelinePages(t *testing.T) {
	e := newUIEnv(t)
	e.user("rep@example.com", store.RoleSales)
	cookie := e.login("rep@example.com")
	id := e.contact("long@history.example", "Long")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var caps []store.Capture
	for i := range 130 {
		// Four opens a moment, so the first page ends among the opens of one moment.
		caps = append(caps, store.Capture{Type: "email_open", ContactID: id, OccurredAt: t0.Add(time.Duration(i/4) * time.Hour)})
	}
	if _, err := e.store.Ingest(context.Background(), caps); err != nil {
		t.Fatal(err)
	}
	w := e.do("GET", "/contacts/"+itoa(id), nil, cookie)
	wantStatus(t, w, 200, "Show older events", "100 events")
	link := regexp.MustCompile(`href="(/contacts/\d+\?before=[^"]+)"`).FindStringSubmatch(w.Body.String())
	if link == nil {
		t.Fatal("no link to older events")
	}
	// A browser never sends the #fragment.
	path, _, _ := strings.Cut(html.UnescapeString(link[1]), "#")
	older := e.do("GET", path, nil, cookie)
	wantStatus(t, older, 200)
	body := older.Body.String()
	// 131 events in all (130 opens and the form submit, plus its stage history): the
	// second page holds the rest and no further link.
	if strings.Contains(body, "Show older events") || !strings.Contains(body, "events before") {
		t.Fatalf("second page: %s", body[strings.Index(body, `id="timeline"`):][:300])
	}
	if n := strings.Count(body, "Opened an email"); n != 31 {
		t.Fatalf("the second page shows %d opens, want the 31 the first did not", n)
	}
}
