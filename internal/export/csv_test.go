package export

import (
	"bytes"
	"strings"
	"testing"
)

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"Ada":               "Ada",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+49 30 123":        "'+49 30 123",
		"-2+3":              "'-2+3",
		"@SUM(A1)":          "'@SUM(A1)",
		"\t=1":              "'\t=1",
		"\r=1":              "'\r=1",
		"a=b":               "a=b",
		"cmd|' /C calc'!A0": "cmd|' /C calc'!A0",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write("name", "note")
	w.Write("Zoë", "=1+1")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "\ufeffname,note\nZoë,'=1+1\n" || !strings.HasPrefix(got, "\ufeff") {
		t.Fatalf("csv = %q", got)
	}
}
