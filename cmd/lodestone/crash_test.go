package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// The crash test runs this test binary itself as the server, so no separate build is
// needed: with LODESTONE_CHILD_ARGS set, TestMain runs the command line it holds.
func TestMain(m *testing.M) {
	if args := os.Getenv("LODESTONE_CHILD_ARGS"); args != "" {
		err := run(context.Background(), strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func startChild(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LODESTONE_CHILD_ARGS="+strings.Join(args, "\x1f"))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatal("server did not come up")
}

// TestCrashDuringCaptureLosesNoAcknowledgedSubmission proves the promise of SPEC
// section 7: a submission that was acknowledged is never lost. Form posts run under
// load (at least crashAcked acknowledged) while the server is killed with SIGKILL at
// random moments and restarted three times; at the end every acknowledged email is
// stored exactly once (one contact, one form_submit event, one touch) and the
// database is intact.
func TestCrashDuringCaptureLosesNoAcknowledgedSubmission(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts servers")
	}
	db := dbArgs(t)
	out, err := runCmd(t, "", append([]string{"apikey", "create", "--name", "crash", "--role", "admin"}, db...)...)
	if err != nil {
		t.Fatal(err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	addr := freeAddr(t)
	base := "http://" + addr
	serve := append([]string{"serve", "--addr", addr, "--form-rate-ip", "0", "--form-rate-form", "0", "--log-level", "error"}, db...)

	child := startChild(t, serve...)
	waitHealthy(t, base)
	req, _ := http.NewRequest("POST", base+"/api/v1/forms", strings.NewReader(`{"slug":"crash","name":"Crash","fields":["email","first_name","company"]}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create form: %v %v", err, res)
	}
	res.Body.Close()

	var (
		acked   sync.Map
		nAcked  atomic.Int64
		counter atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
	)
	started := time.Now()
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				email := fmt.Sprintf("w%d-%d@crash.example", w, counter.Add(1))
				v := url.Values{"email": {email}, "first_name": {"Crash"}, "company": {"Test"}}
				res, err := client.PostForm(base+"/f/crash", v)
				if err != nil {
					time.Sleep(20 * time.Millisecond) // the server is down: try the next one
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusSeeOther {
					acked.Store(email, true)
					nAcked.Add(1)
				}
			}
		}()
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	waitAcked := func(n int64, within time.Duration) {
		for deadline := time.Now().Add(within); nAcked.Load() < n && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	const rounds = 3
	for round := range rounds {
		// Kill only once the load is flowing again and has reached its share of the
		// acknowledgements, at a random moment after that.
		waitAcked(max(nAcked.Load()+30, int64(crashAcked*(round+1)/(rounds+1))), 60*time.Second)
		time.Sleep(time.Duration(rng.IntN(500)) * time.Millisecond)
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()
		t.Logf("round %d: killed at %.1f s with %d acknowledged so far", round, time.Since(started).Seconds(), nAcked.Load())
		child = startChild(t, serve...)
		waitHealthy(t, base)
		t.Logf("round %d: up again at %.1f s", round, time.Since(started).Seconds())
	}
	waitAcked(crashAcked, 60*time.Second)
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	_ = child.Process.Signal(syscall.SIGKILL)
	_ = child.Wait()
	loadTime := time.Since(started)

	if nAcked.Load() < crashAcked {
		t.Fatalf("only %d submissions acknowledged of the %d the test needs: the load did not run", nAcked.Load(), crashAcked)
	}
	s, err := store.Open(context.Background(), storeOptions(db))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Every acknowledged email is one contact with exactly one form_submit event and
	// one touch: a submission stored twice (a retried group commit, say) would give
	// the one contact two of each. A post that was never acknowledged (the server
	// died before answering) may be there or not.
	var problems []string
	acked.Range(func(k, _ any) bool {
		email := k.(string)
		p, err := s.Contacts(context.Background(), store.ContactFilter{Email: email, IncludeMerged: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Contacts) != 1 {
			problems = append(problems, fmt.Sprintf("%s: %d contacts", email, len(p.Contacts)))
			return len(problems) < 20
		}
		events, err := s.Timeline(context.Background(), p.Contacts[0].ID, store.TimelineOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		submits, touches := 0, 0
		for _, e := range events {
			if e.Type == "form_submit" {
				submits++
			}
			if e.IsTouch() {
				touches++
			}
		}
		if submits != 1 || touches != 1 {
			problems = append(problems, fmt.Sprintf("%s: %d form_submit events, %d touches", email, submits, touches))
		}
		return len(problems) < 20
	})
	if len(problems) > 0 {
		t.Fatalf("acknowledged submissions not stored exactly once (of %d):\n%s", nAcked.Load(), strings.Join(problems, "\n"))
	}
	stored, err := s.CountContacts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stored < nAcked.Load() || stored > counter.Load() {
		t.Fatalf("%d contacts stored for %d acknowledged of %d posts", stored, nAcked.Load(), counter.Load())
	}
	t.Logf("%d acknowledged submissions in %.1f s of load (%d kills), each stored once with one form_submit event and one touch; %d posts sent, %d contacts stored",
		nAcked.Load(), loadTime.Seconds(), rounds, counter.Load(), stored)
	if ok, err := s.IntegrityCheck(context.Background()); err != nil || ok != "ok" {
		t.Fatalf("integrity check: %q %v", ok, err)
	}
}

// crashAcked is how many acknowledged submissions the crash test waits for, spread
// over its kills.
const crashAcked = 2000

func storeOptions(db []string) store.Options {
	if db[0] == "--database-url" {
		return store.Options{DatabaseURL: db[1]}
	}
	return store.Options{Path: filepath.Join(db[1], "lodestone.db")}
}
