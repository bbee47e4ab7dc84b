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
// load while the server is killed with SIGKILL at random moments and restarted; at the
// end every acknowledged email is stored exactly once and the database is intact.
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
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load() && i < 5000; i++ {
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
	for round := range 3 {
		// Kill only once the load is flowing again, at a random moment after that.
		from := nAcked.Load()
		for deadline := time.Now().Add(15 * time.Second); nAcked.Load()-from < 30 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(500)) * time.Millisecond)
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = child.Wait()
		t.Logf("round %d: killed with %d acknowledged so far", round, nAcked.Load())
		child = startChild(t, serve...)
		waitHealthy(t, base)
	}
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	_ = child.Process.Signal(syscall.SIGKILL)
	_ = child.Wait()

	if nAcked.Load() < 90 {
		t.Fatalf("only %d submissions acknowledged: the load did not run", nAcked.Load())
	}
	s, err := store.Open(context.Background(), storeOptions(db))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	missing := 0
	acked.Range(func(k, _ any) bool {
		p, err := s.Contacts(context.Background(), store.ContactFilter{Email: k.(string), IncludeMerged: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Contacts) != 1 {
			missing++
		}
		return true
	})
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged submissions are not stored exactly once", missing, nAcked.Load())
	}
	t.Logf("%d acknowledged submissions, all stored once", nAcked.Load())
	if ok, err := s.IntegrityCheck(context.Background()); err != nil || ok != "ok" {
		t.Fatalf("integrity check: %q %v", ok, err)
	}
}

func storeOptions(db []string) store.Options {
	if db[0] == "--database-url" {
		return store.Options{DatabaseURL: db[1]}
	}
	return store.Options{Path: filepath.Join(db[1], "lodestone.db")}
}
