package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// allContacts lists a database's contacts as id → email.
func allContacts(t *testing.T, s *store.Store) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	f := store.ContactFilter{IncludeMerged: true, Limit: 500}
	for {
		page, err := s.Contacts(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Contacts {
			out[c.ID] = c.Email
		}
		if page.NextCursor == "" {
			return out
		}
		f.Cursor = page.NextCursor
	}
}

// TestBackupUnderLoad proves the promise "lodestone backup, taken while leads are
// being written, is a sound database holding every submission acknowledged before
// it began, and a consistent prefix of the rest" (docs/reliability.md, Backup and
// upgrade). Form posts and API events, each for a new address, run against a
// `lodestone serve` process while `lodestone backup FILE` copies the database from
// another process. The copy passes PRAGMA integrity_check, holds every submission
// acknowledged before the backup started, and holds exactly the contacts of the live
// database up to some point (no later contact without every earlier one); a server
// started on the copy serves them.
func TestBackupUnderLoad(t *testing.T) {
	db := dbArgs(t)
	if db[0] == "--database-url" {
		t.Skip("lodestone backup copies the embedded SQLite database; PostgreSQL is backed up with pg_dump")
	}
	out, err := runCmd(t, "", append([]string{"apikey", "create", "--name", "backup", "--role", "admin"}, db...)...)
	if err != nil {
		t.Fatal(err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	addr := freeAddr(t)
	base := "http://" + addr
	startChild(t, append([]string{"serve", "--addr", addr, "--form-rate-ip", "0", "--form-rate-form", "0", "--log-level", "error"}, db...)...)
	waitHealthy(t, base)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(u, ctype, body string, hdr ...string) int {
		req, _ := http.NewRequest("POST", u, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(base+"/api/v1/forms", "application/json", `{"slug":"backup","name":"Backup","fields":["email","first_name","company"]}`, "Authorization", "Bearer "+key); code != 201 {
		t.Fatalf("create form: %d", code)
	}

	var (
		mu      sync.Mutex
		ackedAt = map[string]time.Time{} // email → when its acknowledgement arrived
		stop    atomic.Bool
		counter atomic.Int64
		wg      sync.WaitGroup
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				n := counter.Add(1)
				email := fmt.Sprintf("b%d-%d@backup.example", w, n)
				var code int
				if n%2 == 0 {
					code = post(base+"/f/backup", "application/x-www-form-urlencoded", url.Values{"email": {email}, "first_name": {"Backup"}, "company": {"Load"}}.Encode())
				} else {
					code = post(base+"/api/v1/events", "application/json", fmt.Sprintf(`{"events":[{"type":"form_submit","email":%q}]}`, email), "Authorization", "Bearer "+key)
				}
				if code == http.StatusSeeOther || code == http.StatusAccepted {
					at := time.Now()
					mu.Lock()
					ackedAt[email] = at
					mu.Unlock()
				}
			}
		}()
	}
	acked := func() int { mu.Lock(); defer mu.Unlock(); return len(ackedAt) }
	for deadline := time.Now().Add(20 * time.Second); acked() < 300 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	began := time.Now()
	if out, err := runCmd(t, "", append([]string{"backup"}, append(db, file)...)...); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	took := time.Since(began)
	time.Sleep(300 * time.Millisecond) // the load goes on after the backup
	stop.Store(true)
	wg.Wait()

	live, err := store.Open(context.Background(), storeOptions(db))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	restored := restoreDir(t, file)
	copyStore, err := store.Open(context.Background(), store.Options{Path: filepath.Join(restored, "lodestone.db")})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	if ok, err := copyStore.IntegrityCheck(context.Background()); err != nil || ok != "ok" {
		t.Fatalf("integrity check of the backup: %q %v", ok, err)
	}
	liveContacts, copied := allContacts(t, live), allContacts(t, copyStore)
	var upTo int64
	for id := range copied {
		upTo = max(upTo, id)
	}
	// The copy's contacts come with all their rows: events (the captures and touches),
	// stage entries and consents, as many as the database holds for them.
	copyRows, err := copyStore.ContactRowCounts(context.Background(), upTo)
	if err != nil {
		t.Fatal(err)
	}
	liveRows, err := live.ContactRowCounts(context.Background(), upTo)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(copyRows) != fmt.Sprint(liveRows) || copyRows["events"] < int64(len(copied)) {
		t.Errorf("rows of the contacts up to %d: backup %v, database %v", upTo, copyRows, liveRows)
	}
	copyStore.Close()

	inCopy := map[string]bool{}
	var maxID int64
	for id, email := range copied {
		inCopy[email] = true
		maxID = max(maxID, id)
		if liveContacts[id] != email {
			t.Errorf("contact %d is %q in the backup and %q in the database", id, email, liveContacts[id])
		}
	}
	before, after := 0, 0
	mu.Lock()
	for email, at := range ackedAt {
		if at.Before(began) {
			before++
			if !inCopy[email] {
				t.Errorf("%s was acknowledged before the backup began but is not in it", email)
			}
		} else if inCopy[email] {
			after++
		}
	}
	total := len(ackedAt)
	mu.Unlock()
	// A consistent copy is the database as of one moment: every contact up to the
	// newest one it holds, and none after.
	for id, email := range liveContacts {
		if id <= maxID && !inCopy[email] {
			t.Errorf("the backup holds contact %d but not the earlier %d (%s)", maxID, id, email)
		}
	}
	t.Logf("backup took %v under load; %d submissions acknowledged, %d before it began (all in it), %d of the later ones in it; %d contacts in the copy, %d in the database; the copy's contacts' rows %v",
		took.Round(time.Millisecond), total, before, after, len(copied), len(liveContacts), copyRows)
	if before < 300 || total <= before {
		t.Fatalf("the load did not run across the backup: %d before, %d in all", before, total)
	}

	// A server started on the copy serves it.
	addr2 := freeAddr(t)
	startChild(t, "serve", "--addr", addr2, "--data", restored, "--log-level", "error")
	waitHealthy(t, "http://"+addr2)
	req, _ := http.NewRequest("GET", "http://"+addr2+"/api/v1/contacts?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := client.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the restored server: %v %v", res, err)
	}
	res.Body.Close()
}
