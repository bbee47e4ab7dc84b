package main

import (
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// TestScaleEvents checks the scale data set's invariants: exactly --scale-events
// events, in time order, none before its contact was created or after now, every
// contact's capture first; stages entered in order and never before creation;
// customers with a won deal and its event.
func TestScaleEvents(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	s := newScaleSet(3000, 40000, now)
	evs := s.allEvents()
	if len(evs) != s.events {
		t.Fatalf("%d events, want %d", len(evs), s.events)
	}
	contacts := make([]scaleContact, s.contacts)
	for i := range contacts {
		contacts[i] = s.contact(i)
	}
	captured := make([]bool, s.contacts)
	won := make([]bool, s.contacts)
	for k, ev := range evs {
		if k > 0 && ev.at < evs[k-1].at {
			t.Fatalf("event %d at %d comes before event %d at %d", k, ev.at, k-1, evs[k-1].at)
		}
		c := &contacts[ev.contact]
		if ev.at < c.created || ev.at > s.now {
			t.Fatalf("event %d of contact %d at %d: created %d, now %d", k, ev.contact, ev.at, c.created, s.now)
		}
		if ev.kind == evCapture {
			captured[ev.contact] = true
		} else if !captured[ev.contact] {
			t.Fatalf("event %d (%s) of contact %d comes before its capture", k, scaleEventType[ev.kind], ev.contact)
		}
		if ev.kind == evDealWon {
			won[ev.contact] = true
		}
	}
	customers := 0
	for i, c := range contacts {
		if !captured[i] {
			t.Fatalf("contact %d has no capture event", i)
		}
		for j, st := range c.stages {
			if st.at < c.created || (j > 0 && (st.at < c.stages[j-1].at || lifecycle.Rank(st.stage) <= lifecycle.Rank(c.stages[j-1].stage))) {
				t.Fatalf("contact %d stages out of order: %+v", i, c.stages)
			}
		}
		if c.stages[len(c.stages)-1].stage != c.stage {
			t.Fatalf("contact %d is at %s, its last stage entry %s", i, c.stage, c.stages[len(c.stages)-1].stage)
		}
		if c.stage == "customer" {
			customers++
			if c.deal == 0 || c.dealWon == 0 || !won[i] {
				t.Fatalf("customer %d without a won deal and its event", i)
			}
		}
	}
	if customers == 0 {
		t.Fatal("no customers")
	}
}

func BenchmarkScaleContact(b *testing.B) {
	s := newScaleSet(1_000_000, 10_000_000, time.Now())
	for i := range b.N {
		c := s.contact(i % 1_000_000)
		c.terms()
	}
}
