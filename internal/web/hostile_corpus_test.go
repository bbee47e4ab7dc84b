package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/jobs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// corpusEntries reads the entries of one fuzz target's corpus (Go's "go test fuzz
// v1" files under testdata/fuzz/<name>), each as its list of values: bool, string
// and []byte values are read, other kinds are left out.
func corpusEntries(t *testing.T, dir string) [][]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var entry []any
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			line := sc.Text()
			open := strings.Index(line, "(")
			if open < 0 || !strings.HasSuffix(line, ")") {
				continue
			}
			kind, lit := line[:open], line[open+1:len(line)-1]
			switch kind {
			case "bool":
				entry = append(entry, lit == "true")
			case "string", "[]byte":
				v, err := strconv.Unquote(lit)
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				if kind == "string" {
					entry = append(entry, v)
				} else {
					entry = append(entry, []byte(v))
				}
			}
		}
		out = append(out, entry)
	}
	return out
}

// TestImportCorporaOverHTTP proves that the CSV files the import parser's fuzzing
// found interesting (the FuzzImportCSV and FuzzPreviewCSV corpora) are just as
// harmless uploaded to POST /api/v1/imports (docs/reliability.md, Hostile input):
// each upload, with the column mapping its corpus entry holds, is a 202 or a 4xx,
// never a 5xx; and every import that was started ends, done or failed with a reason
// (bad encoding, ragged rows), in the background job that runs it, never by the job
// itself failing. Its rejected rows' report downloads too.
func TestImportCorporaOverHTTP(t *testing.T) {
	f := newAuthzFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	w := &jobs.Worker{Store: f.srv.store, Handlers: (&capture.ImportRunner{Store: f.srv.store, Region: "DE"}).Handlers(), Poll: 10 * time.Millisecond}
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	key := f.keys[store.RoleAdmin]
	upload := func(data []byte, maps []string) *httptest.ResponseRecorder {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("channel", "event")
		for _, m := range maps {
			_ = mw.WriteField("map", m)
		}
		fw, _ := mw.CreateFormFile("file", "corpus.csv")
		fw.Write(data)
		mw.Close()
		r := httptest.NewRequest("POST", "/api/v1/imports", &b)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		r.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, r)
		return rec
	}
	var started []int64
	sent := 0
	for _, name := range []string{"FuzzImportCSV", "FuzzPreviewCSV"} {
		entries := corpusEntries(t, filepath.Join("..", "capture", "testdata", "fuzz", name))
		if len(entries) < 10 {
			t.Fatalf("%s: only %d corpus entries", name, len(entries))
		}
		for _, e := range entries {
			data, _ := e[0].([]byte)
			var maps []string
			if len(e) > 1 {
				spec, _ := e[1].(string)
				for _, kv := range strings.Split(spec, ";") {
					if strings.Contains(kv, "=") {
						maps = append(maps, kv)
					}
				}
			}
			rec := upload(data, maps)
			sent++
			if rec.Code >= 500 {
				t.Errorf("%s %q (map %q): %d %.300s", name, data, maps, rec.Code, rec.Body)
				continue
			}
			if rec.Code == http.StatusAccepted {
				var imp struct{ ID int64 }
				if err := json.Unmarshal(rec.Body.Bytes(), &imp); err != nil || imp.ID == 0 {
					t.Fatalf("upload answer: %s", rec.Body)
				}
				started = append(started, imp.ID)
			}
		}
	}
	failed := 0
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range started {
		for {
			v, err := f.srv.importView(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if v.Finished() {
				if v.Status == store.ImportFailed {
					failed++
					if v.Error == "" || strings.HasPrefix(v.Error, "the import stopped") {
						t.Errorf("import %d failed without a reason of its file: %q", id, v.Error)
					}
				}
				if v.Rejected > 0 {
					rec := f.do("GET", v.RejectedCSV, credential{header: []string{"Authorization", "Bearer " + key}})
					if rec.Code != http.StatusOK {
						t.Errorf("import %d: rejected rows: %d %.300s", id, rec.Code, rec.Body)
					}
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("import %d still %s after a minute: its job fails over and over (%s)", id, v.Status, v.Error)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("%d corpus files uploaded, %d imports started, %d of them failed with a reason", sent, len(started), failed)
	// Most fuzzed files lack an email or phone column and are refused at once (a 400
	// naming the file); enough must start to prove the background runs.
	if len(started) < 20 {
		t.Fatalf("only %d of %d uploads started an import: the files are refused for a reason of their own", len(started), sent)
	}
}

// TestFormCorpusOverHTTP proves that the bodies the hosted form's fuzzing found
// interesting (the FuzzParseSubmission corpus) are just as harmless posted to POST
// /f/{slug} of the form they were fuzzed against (docs/reliability.md, Hostile
// input), with the hand-written seeds of the fuzzing: never a 5xx; a body the parser accepts is acknowledged (303), and what it
// stored reads back byte for byte; one it refuses is a 4xx.
func TestFormCorpusOverHTTP(t *testing.T) {
	f := newAuthzFixture(t)
	admin := credential{header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}}
	if w := f.do("POST", "/api/v1/forms", admin, fuzzFormJSON); w.Code != http.StatusCreated {
		t.Fatalf("create form: %d %s", w.Code, w.Body)
	}
	def := fuzzForm(t)
	entries := corpusEntries(t, filepath.Join("testdata", "fuzz", "FuzzParseSubmission"))
	if len(entries) < 20 {
		t.Fatalf("only %d corpus entries", len(entries))
	}
	for _, s := range formPostSeeds {
		entries = append(entries, []any{s.json, []byte(s.body)})
	}
	accepted, checked := 0, 0
	for i, e := range entries {
		if len(e) != 2 {
			t.Fatalf("entry %d: %d values", i, len(e))
		}
		asJSON, _ := e[0].(bool)
		body, _ := e[1].([]byte)
		ctype := "application/x-www-form-urlencoded"
		if asJSON {
			ctype = "application/json"
		}
		r := httptest.NewRequest("POST", "/f/fuzz", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		r.RemoteAddr = fmt.Sprintf("192.0.2.%d:1234", i%250+1)
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Errorf("%s %q: %d %.300s", ctype, body, rec.Code, rec.Body)
			continue
		}
		// What the parser makes of it, to compare with what was stored.
		lr := httptest.NewRequest("POST", "/f/fuzz", bytes.NewReader(body))
		lr.Header.Set("Content-Type", ctype)
		_, values, err := readFormValues(httptest.NewRecorder(), lr)
		if err != nil {
			if rec.Code < 400 {
				t.Errorf("%s %q: the parser refuses it (%v), the server answered %d", ctype, body, err, rec.Code)
			}
			continue
		}
		c, problems := capture.ParseSubmission(def, values, fuzzMeta)
		special := values.Get("_hp") != "" || values.Get("_ts") != "" || values.Get(capture.ProofField) != ""
		ok := rec.Code == http.StatusSeeOther || rec.Code == http.StatusCreated
		if len(problems) > 0 || special {
			if ok && !special {
				t.Errorf("%s %q: refused by the parser (%v), acknowledged by the server", ctype, body, problems)
			}
			continue
		}
		if !ok {
			t.Errorf("%s %q: accepted by the parser, answered %d %.300s", ctype, body, rec.Code, rec.Body)
			continue
		}
		accepted++
		page, err := f.srv.store.Contacts(context.Background(), store.ContactFilter{Email: c.Email})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Contacts) != 1 {
			if c.Phone == "" { // a phone may have joined it to a contact of another email
				t.Errorf("%q: acknowledged, but %d contacts have its email %q", body, len(page.Contacts), c.Email)
			}
			continue
		}
		got := page.Contacts[0]
		for name, pair := range map[string][2]string{
			"first_name": {c.Fields.FirstName, got.FirstName}, "last_name": {c.Fields.LastName, got.LastName},
			"company": {c.Fields.CompanyName, got.CompanyName}, "job_title": {c.Fields.JobTitle, got.JobTitle},
			"city": {c.Fields.City, got.City}, "country": {c.Fields.Country, got.Country}, "street": {c.Fields.Street, got.Street},
			"postal_code": {c.Fields.PostalCode, got.PostalCode}, "age_band": {c.Fields.AgeBand, got.AgeBand}, "phone": {c.Phone, got.Phone},
		} {
			if pair[0] != "" && pair[0] != pair[1] {
				t.Errorf("%q: %s %q posted, %q stored", body, name, pair[0], pair[1])
			}
		}
		for k, v := range c.Fields.Custom {
			if got.Custom[k] != v {
				t.Errorf("%q: custom %s %q posted, %q stored", body, k, v, got.Custom[k])
			}
		}
		checked++
	}
	t.Logf("%d corpus bodies posted, %d accepted, %d read back", len(entries), accepted, checked)
	if accepted < 5 {
		t.Fatalf("only %d of %d bodies accepted: the corpus no longer reaches the form's storage", accepted, len(entries))
	}
}
