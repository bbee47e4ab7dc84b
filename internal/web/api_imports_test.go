package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/jobs"
)

// runImports runs uploaded imports in the background while a test runs.
func (e *apiEnv) runImports() {
	ctx, cancel := context.WithCancel(context.Background())
	w := &jobs.Worker{Store: e.s, Handlers: (&capture.ImportRunner{Store: e.s, Region: "DE"}).Handlers(), Poll: 20 * time.Millisecond}
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done })
}

// importEnded polls the import an upload answered with until it is done or failed,
// for ten seconds at most, and returns its last state.
func (e *apiEnv) importEnded(r resp) map[string]any {
	e.t.Helper()
	var got map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = e.do("GET", r.header.Get("Location"), e.keys["read_only"], "").json(e.t)
		if got["status"] == "done" || got["status"] == "failed" || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *apiEnv) upload(key string, file string, fields ...string) resp {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("file", "fair 2026.csv")
	io.WriteString(fw, file)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/imports", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, body}
}

const fairList = "E-Mail;Vorname;Firma;Interesse\n" +
	"ada@example.com;Ada;Acme;CRM\n" +
	"=2+5;Mallory;@Evil;x\n" +
	"bo@example.com;Bo;Beta;Reports\n"

func TestImportOverAPI(t *testing.T) {
	e := newAPIEnv(t)
	e.runImports()
	r := e.upload(e.keys["marketer"], fairList, "channel", "event", "consent", "legitimate_interest", "mapping", `{"Interesse":"custom.interest"}`)
	if r.status != 202 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	id := int(r.json(t)["id"].(float64))
	got := e.importEnded(r)
	if got["status"] != "done" || got["rows_read"] != 3.0 || got["created"] != 2.0 || got["updated"] != 0.0 || got["rejected"] != 1.0 || got["rows_total"] != 3.0 {
		t.Fatalf("import = %v", got)
	}
	if e.contactCount("ada@example.com") != 1 {
		t.Fatal("ada was not imported")
	}
	csv := e.do("GET", got["rejected_csv"].(string), e.keys["read_only"], "")
	text := string(csv.body)
	if csv.status != 200 || !strings.Contains(text, "row,column,reason,E-Mail,Vorname,Firma,Interesse") ||
		!strings.Contains(text, `3,E-Mail,is not a valid email address,'=2+5,Mallory,'@Evil,x`) {
		t.Fatalf("rejected.csv: %d\n%s", csv.status, text)
	}
	if list := e.do("GET", "/api/v1/imports", e.token, ""); list.status != 200 || !strings.Contains(string(list.body), `"file_name":"fair 2026.csv"`) {
		t.Fatalf("list: %d %s", list.status, list.body)
	}
	_ = id

	// Refusals name the field, and leave no import behind.
	for _, tt := range []struct {
		key, file, field string
		fields           []string
		status           int
	}{
		{e.keys["marketer"], fairList, "channel", nil, 400},
		{e.keys["marketer"], fairList, "channel", []string{"channel", "billboard"}, 400},
		{e.keys["marketer"], fairList, "consent", []string{"channel", "event", "consent", "maybe"}, 400},
		{e.keys["marketer"], fairList, "campaign", []string{"channel", "event", "campaign", "Nope"}, 404},
		{e.keys["marketer"], fairList, "mapping", []string{"channel", "event", "mapping", "[1,2]"}, 400},
		{e.keys["marketer"], fairList, "map", []string{"channel", "event", "map", "Firma=salary"}, 400},
		{e.keys["marketer"], "Name,City\nAda,Berlin\n", "map", []string{"channel", "event"}, 400},
		{e.keys["marketer"], "", "file", []string{"channel", "event"}, 400},
		{e.keys["sales"], fairList, "", []string{"channel", "event"}, 403},
	} {
		r := e.upload(tt.key, tt.file, tt.fields...)
		if r.status != tt.status || (tt.field != "" && !strings.Contains(string(r.body), `"field":"`+tt.field+`"`)) {
			t.Errorf("%v: %d %s; want %d on %s", tt.fields, r.status, r.body, tt.status, tt.field)
		}
	}
	var list struct{ Imports []json.RawMessage }
	_ = json.Unmarshal(e.do("GET", "/api/v1/imports", e.token, "").body, &list)
	if len(list.Imports) != 1 {
		t.Fatalf("%d imports listed after the refusals, want 1", len(list.Imports))
	}
	if r := e.do("POST", "/api/v1/imports", e.token, `{"channel":"event"}`); r.status != 415 {
		t.Fatalf("JSON upload: %d %s", r.status, r.body)
	}
}

// TestImportOverAPIRaggedRow: an uploaded file with a row of more fields than its
// header is taken (the upload reads only the header), then its import fails, naming
// the row, with nothing of the file imported.
func TestImportOverAPIRaggedRow(t *testing.T) {
	e := newAPIEnv(t)
	e.runImports()
	file := fairList + "cy@example.com;Cy;Gamma;Sales;extra\n" + "di@example.com;Di;Delta;CRM\n"
	r := e.upload(e.keys["marketer"], file, "channel", "event")
	if r.status != 202 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	got := e.importEnded(r)
	msg, _ := got["error"].(string)
	if got["status"] != "failed" || !strings.HasPrefix(msg, "line 5: this row has 5 fields, but the header has 4 columns") ||
		got["created"] != 0.0 || got["rejected"] != 0.0 || got["rows_read"] != 0.0 {
		t.Fatalf("import = %v", got)
	}
	for _, email := range []string{"ada@example.com", "bo@example.com", "di@example.com"} {
		if e.contactCount(email) != 0 {
			t.Errorf("%s was imported from a file with a ragged row", email)
		}
	}
}
