package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestFormMagnetRoundTrip: a form's lead magnet file comes back byte for byte (every
// byte value, a NUL among them), with its digest; replacing it keeps one file, the
// form says it has one, and removing it leaves none. Each change is audited.
func TestFormMagnetRoundTrip(t *testing.T) {
	s := storetest.Open(t)
	f, err := s.SaveForm(ctx, store.Form{Slug: "guide", Name: "Guide", Kind: "lead", Definition: json.RawMessage(`{}`)}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Form(ctx, f.ID); f.HasMagnet {
		t.Fatal("a new form has a magnet")
	}
	data := []byte("%PDF-1.7\n")
	for i := 0; i < 3; i++ {
		for b := 0; b < 256; b++ {
			data = append(data, byte(b))
		}
	}
	m, err := s.SaveFormMagnet(ctx, f.ID, "Guide 2026 – Zoë.pdf", "application/pdf", data, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if m.Size != int64(len(data)) || m.SHA256 != hex.EncodeToString(sum[:]) || m.FileName != "Guide 2026 – Zoë.pdf" || m.Data != nil {
		t.Fatalf("saved %+v", m)
	}
	got, err := s.FormMagnetFile(ctx, f.ID)
	if err != nil || !bytes.Equal(got.Data, data) || got.ContentType != "application/pdf" {
		t.Fatalf("read back %v: %d bytes, equal %v", err, len(got.Data), bytes.Equal(got.Data, data))
	}
	if f, _ := s.FormBySlug(ctx, "guide"); !f.HasMagnet {
		t.Fatal("the form does not say it has a magnet")
	}
	if _, err := s.SaveFormMagnet(ctx, f.ID, "list.csv", "text/csv; charset=utf-8", []byte("a,b\n1,2\n"), "user:1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FormMagnetFile(ctx, f.ID); string(got.Data) != "a,b\n1,2\n" || got.FileName != "list.csv" {
		t.Fatalf("replaced: %+v", got)
	}
	if _, err := s.SaveFormMagnet(ctx, f.ID+99, "x.pdf", "application/pdf", data, "user:1"); errs.Code(err) != errs.NotFound {
		t.Fatalf("no form: %v", err)
	}
	if err := s.DeleteFormMagnet(ctx, f.ID, "user:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FormMagnet(ctx, f.ID); errs.Code(err) != errs.NotFound {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.DeleteFormMagnet(ctx, f.ID, "user:1"); errs.Code(err) != errs.NotFound {
		t.Fatalf("second delete: %v", err)
	}
	entries, err := s.Audit(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Action] = true
	}
	for _, a := range []string{"form.magnet.upload", "form.magnet.replace", "form.magnet.delete"} {
		if !seen[a] {
			t.Errorf("no audit entry %s in %v", a, seen)
		}
	}
}
