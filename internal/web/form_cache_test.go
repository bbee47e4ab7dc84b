package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// fakeClock is a clock that moves only when a test says so.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// saveHeadline saves the form "offer" with this headline, creating it when id is 0.
func saveHeadline(t *testing.T, s *store.Store, id int64, headline string) int64 {
	t.Helper()
	def := capture.FormDefinition{Slug: "offer", Name: "Offer", Fields: []capture.FormField{{Name: "email", Label: "Email", Type: "email", Required: true}}}
	def.Page.Headline = headline
	raw, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.SaveForm(context.Background(), store.Form{ID: id, Slug: "offer", Name: "Offer", Kind: "lead", Definition: raw}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}

func headlineOf(t *testing.T, c *formCache) string {
	t.Helper()
	_, def, err := c.get(context.Background(), "offer")
	if err != nil {
		t.Fatal(err)
	}
	return def.Page.Headline
}

// A form saved while a read of its old wording is under way: the read answers the
// requests that were waiting for it, but must not put the old wording back into the
// cache for the requests that come after the save.
func TestFormCacheSaveDuringRead(t *testing.T) {
	s := storetest.Open(t)
	id := saveHeadline(t, s, 0, "Spring offer")
	c := newFormCache(s)
	read := c.read
	inRead, release := make(chan struct{}), make(chan struct{})
	var hold atomic.Bool
	hold.Store(true)
	c.read = func(ctx context.Context, slug string) (*store.Form, *capture.FormDefinition, error) {
		f, def, err := read(ctx, slug)
		if hold.CompareAndSwap(true, false) {
			close(inRead)
			<-release
		}
		return f, def, err
	}
	first := make(chan string)
	go func() {
		_, def, err := c.get(context.Background(), "offer")
		if err != nil {
			t.Error(err)
		}
		first <- def.Page.Headline
	}()
	<-inRead // the old wording is read, not yet cached
	saveHeadline(t, s, id, "Summer offer")
	c.forget()
	if h := headlineOf(t, c); h != "Summer offer" {
		t.Fatalf("a request after the save got %q", h)
	}
	close(release)
	if h := <-first; h != "Spring offer" {
		t.Fatalf("the read under way answered %q", h)
	}
	if h := headlineOf(t, c); h != "Summer offer" {
		t.Fatalf("after the old read finished, the cache serves %q: it put the old wording back", h)
	}
}

// Two nodes on one database: the node that saves a form serves it at once; the
// other one within formTTL.
func TestFormCacheTwoNodes(t *testing.T) {
	s := storetest.Open(t)
	id := saveHeadline(t, s, 0, "Spring offer")
	clock := &fakeClock{t: time.Now()}
	a, b := newFormCache(s), newFormCache(s)
	a.now, b.now = clock.now, clock.now
	if headlineOf(t, a) != "Spring offer" || headlineOf(t, b) != "Spring offer" {
		t.Fatal("first reads do not show the form")
	}
	saveHeadline(t, s, id, "Summer offer")
	a.forget() // what the save handlers do on the node that saved
	if h := headlineOf(t, a); h != "Summer offer" {
		t.Fatalf("the node that saved serves %q", h)
	}
	clock.add(formTTL - time.Millisecond)
	if h := headlineOf(t, b); h != "Spring offer" {
		t.Fatalf("the other node read the form again before its entry ran out: %q", h)
	}
	clock.add(time.Millisecond)
	if h := headlineOf(t, b); h != "Summer offer" {
		t.Fatalf("the other node still serves %q after formTTL", h)
	}
}

// When an entry runs out under load, one request reads the form and the others wait
// for it, instead of every waiting post reading and decoding the form at once.
func TestFormCacheOneReadAtATime(t *testing.T) {
	s := storetest.Open(t)
	saveHeadline(t, s, 0, "Spring offer")
	c := newFormCache(s)
	read := c.read
	var reads atomic.Int32
	release := make(chan struct{})
	c.read = func(ctx context.Context, slug string) (*store.Form, *capture.FormDefinition, error) {
		reads.Add(1)
		<-release
		return read(ctx, slug)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, def, err := c.get(context.Background(), "offer"); err != nil || def.Page.Headline != "Spring offer" {
				t.Errorf("got %v, %v", def, err)
			}
		}()
	}
	for reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others arrive
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d reads of the form for 20 concurrent requests", n)
	}
	// A missing form is not cached: it may be created any moment.
	if _, _, err := c.get(context.Background(), "nope"); err == nil {
		t.Fatal("a missing form was found")
	}
}

// A setting changed in the database (the CLI, another node) is seen within
// settingsTTL, and a cached value is not read again before that.
func TestSettingsCacheSeesChange(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	clock := &fakeClock{t: time.Now()}
	c := newSettingsCache(s)
	c.now = clock.now
	if v := c.get(ctx, "newsletter_stage"); v != "" {
		t.Fatalf("unset setting reads %q", v)
	}
	if err := s.SetSetting(ctx, "newsletter_stage", "lead", "test"); err != nil {
		t.Fatal(err)
	}
	clock.add(settingsTTL - time.Millisecond)
	if v := c.get(ctx, "newsletter_stage"); v != "" {
		t.Fatalf("read again before the entry ran out: %q", v)
	}
	clock.add(time.Millisecond)
	if v := c.get(ctx, "newsletter_stage"); v != "lead" {
		t.Fatalf("changed setting not seen after settingsTTL: %q", v)
	}
}

// While the database fails, the form secret is never the empty key, with which
// anyone could sign a timestamp or a proof of work.
func TestFormSecretNeverEmpty(t *testing.T) {
	s := storetest.Open(t)
	srv := New(s, config.Config{Region: "DE"}, slog.New(slog.DiscardHandler))
	s.Close()
	a, b := srv.formSecret(context.Background()), srv.formSecret(context.Background())
	if len(a) < 32 || string(a) == string(b) {
		t.Fatalf("form secret while the database fails: %x then %x", a, b)
	}
}

// An entry that ran out while another request reads the form again is still
// served, so posts do not stall behind that read; the read's result is served after.
func TestFormCacheServesExpiredDuringRead(t *testing.T) {
	s := storetest.Open(t)
	id := saveHeadline(t, s, 0, "Spring offer")
	clock := &fakeClock{t: time.Now()}
	c := newFormCache(s)
	c.now = clock.now
	if headlineOf(t, c) != "Spring offer" {
		t.Fatal("first read does not show the form")
	}
	saveHeadline(t, s, id, "Summer offer") // saved on another node: no forget here
	clock.add(formTTL)
	read := c.read
	inRead, release := make(chan struct{}), make(chan struct{})
	c.read = func(ctx context.Context, slug string) (*store.Form, *capture.FormDefinition, error) {
		close(inRead)
		<-release
		return read(ctx, slug)
	}
	loader := make(chan string)
	go func() {
		_, def, err := c.get(context.Background(), "offer")
		if err != nil {
			t.Error(err)
		}
		loader <- def.Page.Headline
	}()
	<-inRead
	if h := headlineOf(t, c); h != "Spring offer" {
		t.Fatalf("during the read another request got %q", h)
	}
	close(release)
	if h := <-loader; h != "Summer offer" {
		t.Fatalf("the request that read again got %q", h)
	}
	if h := headlineOf(t, c); h != "Summer offer" {
		t.Fatalf("after the read the cache serves %q", h)
	}
}
