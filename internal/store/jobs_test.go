package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// clock makes the store's time a value the test moves.
func clock(s *store.Store) *time.Time {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	return &now
}

func claimOne(t *testing.T, s *store.Store, worker string, lease time.Duration) *store.Job {
	t.Helper()
	js, err := s.ClaimJobs(ctx, worker, []string{"test"}, 10, lease)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) > 1 {
		t.Fatalf("claimed %d jobs, want at most 1", len(js))
	}
	if len(js) == 0 {
		return nil
	}
	return js[0]
}

func TestJobIsClaimedOnceAndCompleted(t *testing.T) {
	s := storetest.Open(t)
	clock(s)
	id, err := s.EnqueueJob(ctx, "test", []byte(`{"n":1}`), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnqueueJob(ctx, "other", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	j := claimOne(t, s, "w1", time.Minute)
	if j == nil || j.ID != id || j.Attempts != 1 || j.LockedBy != "w1" || string(j.Payload) != `{"n":1}` {
		t.Fatalf("claimed %+v", j)
	}
	if again := claimOne(t, s, "w2", time.Minute); again != nil {
		t.Fatalf("a leased job was claimed again: %+v", again)
	}
	if err := s.CompleteJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(ctx, id)
	if err != nil || got.State(s.Now()) != store.JobDone {
		t.Fatalf("job = %+v, %v", got, err)
	}
	if again := claimOne(t, s, "w2", time.Minute); again != nil {
		t.Fatalf("a done job was claimed: %+v", again)
	}
	stats, err := s.JobStats(ctx, "test")
	if err != nil || stats[store.JobDone] != 1 || stats[store.JobQueued] != 0 {
		t.Fatalf("stats = %v, %v", stats, err)
	}
}

func TestFailingJobRetriesWithBackoffThenDies(t *testing.T) {
	s := storetest.Open(t)
	now := clock(s)
	id, err := s.Enqueue(ctx, store.NewJob{Kind: "test", MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 3; attempt++ {
		j := claimOne(t, s, "w1", time.Minute)
		if j == nil || j.Attempts != attempt {
			t.Fatalf("attempt %d: claimed %+v", attempt, j)
		}
		wait := time.Duration(attempt) * 30 * time.Second
		dead, err := s.FailJob(ctx, j, errors.New("graph API answered 503"), s.Now().Add(wait))
		if err != nil || dead != (attempt == 3) {
			t.Fatalf("attempt %d: dead = %v, %v", attempt, dead, err)
		}
		if attempt < 3 {
			*now = now.Add(wait - time.Second)
			if early := claimOne(t, s, "w1", time.Minute); early != nil {
				t.Fatalf("attempt %d: claimed before its retry time", attempt)
			}
			*now = now.Add(time.Second)
		}
	}
	*now = now.Add(24 * time.Hour)
	if j := claimOne(t, s, "w1", time.Minute); j != nil {
		t.Fatalf("a dead job was claimed: %+v", j)
	}
	dead, err := s.DeadJobs(ctx, "test", 10)
	if err != nil || len(dead) != 1 || dead[0].ID != id || dead[0].LastError != "graph API answered 503" || dead[0].State(s.Now()) != store.JobDead {
		t.Fatalf("dead jobs = %+v, %v", dead, err)
	}
	if n, err := s.RetryDeadJobs(ctx, "test", "user:1"); err != nil || n != 1 {
		t.Fatalf("retry = %d, %v", n, err)
	}
	if j := claimOne(t, s, "w1", time.Minute); j == nil || j.Attempts != 1 {
		t.Fatalf("a retried job was not claimable afresh: %+v", j)
	}
}

func TestPermanentFailureDiesAtOnce(t *testing.T) {
	s := storetest.Open(t)
	clock(s)
	if _, err := s.EnqueueJob(ctx, "test", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	j := claimOne(t, s, "w1", time.Minute)
	dead, err := s.FailJob(ctx, j, errors.New("the lead has no email or phone \x00\xff"), time.Time{})
	if err != nil || !dead {
		t.Fatalf("dead = %v, %v", dead, err)
	}
	got, _ := s.Job(ctx, j.ID)
	if strings.ContainsRune(got.LastError, 0) || got.DeadAt.IsZero() {
		t.Fatalf("job = %+v", got)
	}
}

func TestExpiredLeaseIsTakenOver(t *testing.T) {
	s := storetest.Open(t)
	now := clock(s)
	if _, err := s.EnqueueJob(ctx, "test", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	first := claimOne(t, s, "node-a", time.Minute)
	*now = now.Add(59 * time.Second)
	if j := claimOne(t, s, "node-b", time.Minute); j != nil {
		t.Fatal("a live lease was taken over")
	}
	*now = now.Add(2 * time.Second)
	second := claimOne(t, s, "node-b", time.Minute)
	if second == nil || second.ID != first.ID || second.Attempts != 2 || second.LockedBy != "node-b" {
		t.Fatalf("takeover claimed %+v", second)
	}
	// The first node comes back late: its outcome is not recorded.
	if err := s.CompleteJob(ctx, first); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("late completion = %v, want ErrLeaseLost", err)
	}
	if _, err := s.FailJob(ctx, first, errors.New("late"), s.Now()); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("late failure = %v, want ErrLeaseLost", err)
	}
	if err := s.CompleteJob(ctx, second); err != nil {
		t.Fatal(err)
	}
}

// A worker that dies during a job's last attempt leaves a lease that expires; the
// job is then dead, not retried forever.
func TestLastAttemptLostWithItsWorkerDies(t *testing.T) {
	s := storetest.Open(t)
	now := clock(s)
	id, _ := s.Enqueue(ctx, store.NewJob{Kind: "test", MaxAttempts: 1})
	if claimOne(t, s, "node-a", time.Minute) == nil {
		t.Fatal("not claimed")
	}
	*now = now.Add(2 * time.Minute)
	if j := claimOne(t, s, "node-b", time.Minute); j != nil {
		t.Fatalf("a job past its attempts was claimed: %+v", j)
	}
	j, _ := s.Job(ctx, id)
	if j.State(s.Now()) != store.JobDead || !strings.Contains(j.LastError, "worker stopped") {
		t.Fatalf("job = %+v", j)
	}
}

func TestEnqueueRefusesBadJobs(t *testing.T) {
	s := storetest.Open(t)
	if _, err := s.EnqueueJob(ctx, "test", []byte(`{"a":`), time.Time{}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad payload: %v", err)
	}
	if _, err := s.EnqueueJob(ctx, "", nil, time.Time{}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("no kind: %v", err)
	}
}

func adLead(id string) store.AdLead {
	return store.AdLead{Platform: "google", LeadID: id,
		Campaign: &store.AdCampaign{Name: "Google Ads 123456", Channel: "paid_search", UTMCampaign: "gads-123456"},
		Capture: store.Capture{Type: "form_submit", Email: "ada@example.com", Touch: true, Channel: "paid_search",
			Properties: map[string]any{"lead_id": id}}}
}

// Concurrent deliveries of one lead record one event; the platform campaign becomes
// one Lodestone campaign that the touch carries.
func TestAdLeadIsRecordedOnce(t *testing.T) {
	s := storetest.Open(t)
	results := make(chan store.AdLeadResult, 8)
	errc := make(chan error, 8)
	for range 8 {
		go func() {
			r, err := s.IngestAdLead(ctx, adLead("L-1"))
			results <- r
			errc <- err
		}()
	}
	var fresh int
	var contactID int64
	for range 8 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		r := <-results
		if !r.Duplicate {
			fresh++
		}
		contactID = r.ContactID
	}
	if fresh != 1 {
		t.Fatalf("%d deliveries recorded, want 1", fresh)
	}
	if _, err := s.IngestAdLead(ctx, adLead("L-2")); err != nil {
		t.Fatal(err)
	}
	events, err := s.Timeline(ctx, contactID, store.TimelineOptions{})
	if err != nil || len(events) != 2 {
		t.Fatalf("timeline = %d events, %v", len(events), err)
	}
	c := mustContact(t, s, contactID)
	if c.FirstTouch == nil || c.FirstTouch.Channel != "paid_search" || c.FirstTouch.Campaign == nil || c.FirstTouch.Campaign.Name != "Google Ads 123456" {
		t.Fatalf("first touch = %+v", c.FirstTouch)
	}
	cs, _ := s.Campaigns(ctx)
	if len(cs) != 1 || cs[0].UTMCampaign != "gads-123456" || cs[0].Channel != "paid_search" {
		t.Fatalf("campaigns = %+v", cs)
	}
}

// A webhook that carries only ids reserves the lead and enqueues its job together;
// a redelivery adds nothing, and the job's capture later fills the reservation.
func TestQueuedAdLeadIsReservedWithItsJob(t *testing.T) {
	s := storetest.Open(t)
	q := []store.QueuedAdLead{{Platform: "facebook", LeadID: "444", Job: store.NewJob{Kind: "adleads.facebook", Payload: []byte(`{"leadgen_id":"444"}`)}}}
	for i, want := range []int{1, 0} {
		n, err := s.QueueAdLeads(ctx, q)
		if err != nil || n != want {
			t.Fatalf("delivery %d queued %d, %v; want %d", i, n, err, want)
		}
	}
	if stats, _ := s.JobStats(ctx, "adleads.facebook"); stats[store.JobQueued] != 1 {
		t.Fatalf("stats = %v", stats)
	}
	l := adLead("444")
	l.Platform, l.Campaign = "facebook", nil
	for i, dup := range []bool{false, true} {
		r, err := s.IngestAdLead(ctx, l)
		if err != nil || r.Duplicate != dup || r.ContactID == 0 {
			t.Fatalf("ingest %d = %+v, %v", i, r, err)
		}
	}
}

func TestSecretSettingsStayOutOfTheAuditLog(t *testing.T) {
	s := storetest.Open(t)
	if err := s.SetSecretSettings(ctx, map[string]string{"adleads.google.key": "s3cret-key"}, "user:1", "integration:google"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Setting(ctx, "adleads.google.key"); v != "s3cret-key" {
		t.Fatalf("setting = %q", v)
	}
	entries, _ := s.Audit(ctx, 5)
	if len(entries) == 0 || entries[0].Action != "settings.set" || strings.Contains(fmt.Sprint(entries[0].Details), "s3cret") {
		t.Fatalf("audit = %+v", entries)
	}
	if err := s.SetSecretSettings(ctx, map[string]string{"adleads.google.key": ""}, "user:1", "integration:google"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Setting(ctx, "adleads.google.key"); v != "" {
		t.Fatalf("cleared setting = %q", v)
	}
}
