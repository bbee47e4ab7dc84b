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

// The timeline says in words what happened and who recorded it: the tracking
// snippet's identify hit, a form's submission and a list import, never their
// machine names.
func TestContactPageTimelineWords(t *testing.T) {
	e := newUIEnv(t)
	e.user("rep@example.com", store.RoleSales)
	cookie := e.login("rep@example.com")
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	out, err := e.store.Ingest(context.Background(), []store.Capture{
		{Type: "identify", Email: "vera@prospect.example", VisitorID: "v1", OccurredAt: t0, Actor: "tracking"},
		{Type: "form_submit", Email: "vera@prospect.example", OccurredAt: t0.Add(time.Minute), Touch: true, Actor: "form:demo-request",
			Properties: map[string]any{"form": "demo-request"}},
		{Type: "import", Email: "vera@prospect.example", OccurredAt: t0.Add(time.Hour), Touch: true, Channel: "event", Actor: "import"},
	})
	if err != nil {
		t.Fatal(err)
	}
	w := e.do("GET", "/contacts/"+itoa(out[0].ContactID), nil, cookie)
	wantStatus(t, w, 200, `<span class="tl-title">Identified on the website</span>`, "by the tracking snippet", "by the form demo-request", "by a list import")
	for _, raw := range []string{`<span class="tl-title">Identify</span>`, "by tracking", "by form:", "by import"} {
		if strings.Contains(w.Body.String(), raw) {
			t.Errorf("the timeline shows %q", raw)
		}
	}
}
