package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestTwoNodesOnePostgres proves the promise "two nodes on one PostgreSQL database
// make no duplicate contacts and run every job exactly once" (docs/reliability.md,
// Two nodes). Two `lodestone serve` processes (this test binary, re-executed) share
// one database. Under concurrent load they both take hosted-form posts and API
// events for a pool of overlapping email addresses, written in different letter
// cases, and both receive every Facebook lead webhook twice; each lead becomes a
// durable job that fetches it from a stand-in Graph API. At the end each address is
// one contact, every job is done, and the Graph API saw each lead fetched exactly
// once: no job lost, none run twice.
func TestTwoNodesOnePostgres(t *testing.T) {
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skip("needs PostgreSQL: set " + storetest.EnvURL + " (CI does)")
	}
	db := dbArgs(t)
	out, err := runCmd(t, "", append([]string{"apikey", "create", "--name", "twonode", "--role", "admin"}, db...)...)
	if err != nil {
		t.Fatal(err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]

	const people, leads = 60, 150
	email := func(i int) string { return fmt.Sprintf("person%d@twonode.example", i%people) }
	// The stand-in Graph API counts how often each lead is fetched.
	var fetchMu sync.Mutex
	fetches := map[string]int{}
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/v24.0/")
		if r.URL.Query().Get("access_token") != "page-token" || !strings.HasPrefix(id, "77") {
			http.Error(w, `{"error":{"message":"bad request"}}`, 400)
			return
		}
		fetchMu.Lock()
		fetches[id]++
		fetchMu.Unlock()
		var n int
		fmt.Sscanf(id[2:], "%d", &n)
		fmt.Fprintf(w, `{"id":%q,"created_time":"2026-03-02T10:14:58+0000","field_data":[{"name":"email","values":[%q]},{"name":"full_name","values":["Lead %d"]}]}`,
			id, strings.ToUpper(email(n)), n)
	}))
	defer graph.Close()

	var bases []string
	for range 2 {
		addr := freeAddr(t)
		startChild(t, append([]string{"serve", "--addr", addr, "--form-rate-ip", "0", "--form-rate-form", "0", "--log-level", "error"}, db...)...)
		bases = append(bases, "http://"+addr)
	}
	for _, b := range bases {
		waitHealthy(t, b)
	}
	client := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, u, ctype, body string, hdr ...string) (int, string, error) {
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), nil
	}
	mustDo := func(method, u, body string, want int) {
		t.Helper()
		code, b, err := do(method, u, "application/json", body, "Authorization", "Bearer "+key)
		if err != nil || code != want {
			t.Fatalf("%s %s: %d %s %v", method, u, code, b, err)
		}
	}
	mustDo("POST", bases[0]+"/api/v1/forms", `{"slug":"twonode","name":"Two nodes","fields":["email","first_name"]}`, 201)
	mustDo("PUT", bases[1]+"/api/v1/integrations/facebook", `{"verify_token":"v","app_secret":"fb-secret","access_token":"page-token","graph_base":"`+graph.URL+`"}`, 200)

	cases := []func(string) string{strings.ToLower, strings.ToUpper, func(s string) string { return " " + strings.ToUpper(s[:1]) + s[1:] + " " }}
	// Request n is about person n%people. Each round of people requests moves every
	// person to the other node, the next spelling and the next path, so each address
	// reaches both nodes at once by hosted forms and API events in its spellings, and
	// by leads (whose Graph answer spells it in capitals) delivered to both nodes.
	round := func(n int) int { return n / people }
	path := func(n int) int { return (n + round(n)) % 3 }
	var (
		wg       sync.WaitGroup
		failures atomic.Int64
		acked    atomic.Int64
	)
	fail := func(format string, args ...any) {
		if failures.Add(1) <= 10 {
			t.Errorf(format, args...)
		}
	}
	start := time.Now()
	for w := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				n := w*40 + i
				base := bases[round(n)%2]
				e := cases[round(n)%3](email(n))
				var code int
				var body string
				var err error
				switch path(n) {
				case 0:
					code, body, err = do("POST", base+"/f/twonode", "application/x-www-form-urlencoded", url.Values{"email": {e}, "first_name": {"Form"}}.Encode())
				case 1:
					code, body, err = do("POST", base+"/api/v1/events", "application/json",
						fmt.Sprintf(`{"events":[{"type":"demo_request","email":%q},{"type":"page_view","email":%q,"properties":{"page_url":"https://twonode.example/%d"}}]}`, e, e, n),
						"Authorization", "Bearer "+key)
				default:
					// Every lead is delivered to both nodes, as a platform retrying would.
					id := fmt.Sprintf("77%d", n%leads)
					payload := fmt.Sprintf(`{"object":"page","entry":[{"id":"1","time":1,"changes":[{"field":"leadgen","value":{"leadgen_id":%q,"page_id":"1"}}]}]}`, id)
					for _, b := range bases {
						code, body, err = do("POST", b+"/webhooks/facebook", "application/json", payload, "X-Hub-Signature-256", "sha256="+hmacHex("fb-secret", payload))
						if err != nil || code != 200 {
							break
						}
					}
				}
				if err != nil || code >= 400 {
					fail("request %d to %s: %d %s %v", n, base, code, body, err)
					continue
				}
				acked.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests acknowledged by two nodes in %v", acked.Load(), time.Since(start).Round(time.Millisecond))

	// Every lead delivered is a job; the two nodes' workers drain the queue.
	var delivered []string
	for n := range 12 * 40 {
		if path(n) == 2 {
			delivered = append(delivered, fmt.Sprintf("77%d", n%leads))
		}
	}
	unique := map[string]bool{}
	for _, id := range delivered {
		unique[id] = true
	}
	t.Logf("%d distinct leads delivered, each to both nodes", len(unique))
	s, err := store.Open(context.Background(), storeOptions(db))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(30 * time.Second)
	var stats map[string]int64
	for {
		stats, err = s.JobStats(context.Background(), capture.JobFacebookLead)
		if err == nil && stats[store.JobDone] >= int64(len(unique)) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if stats[store.JobDone] != int64(len(unique)) || stats[store.JobDead] != 0 || stats[store.JobQueued] != 0 || stats[store.JobRunning] != 0 {
		t.Errorf("jobs = %v, want %d done and nothing else", stats, len(unique))
	}
	fetchMu.Lock()
	for id := range unique {
		if fetches[id] != 1 {
			t.Errorf("lead %s was fetched %d times, want once", id, fetches[id])
		}
	}
	if len(fetches) != len(unique) {
		t.Errorf("%d leads fetched, %d delivered", len(fetches), len(unique))
	}
	fetchMu.Unlock()

	// One contact per person, whichever node and path recorded them.
	if n, err := s.CountContacts(context.Background()); err != nil || n != people {
		t.Errorf("%d contacts (%v), want %d: one per address", n, err, people)
	}
	for i := range people {
		page, err := s.Contacts(context.Background(), store.ContactFilter{Email: email(i), IncludeMerged: true})
		if err != nil || len(page.Contacts) != 1 {
			t.Errorf("%s: %d contacts (%v)", email(i), len(page.Contacts), err)
		}
	}
}

func hmacHex(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}
