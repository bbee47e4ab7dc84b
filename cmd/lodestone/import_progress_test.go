package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImportProgressBarOnATerminal drives the terminal half of the import's progress
// (issue 4: "a progress bar in the terminal"): on a terminal no log lines are
// written; the bar is redrawn in place (a carriage return, never a new line) at
// most every 100 ms, with the share done and the rows; and it is cleared at the end
// so the report starts on a clean line. The terminal is a buffer the bar is told is
// one; the passing of time is the last drawing moved back.
func TestImportProgressBarOnATerminal(t *testing.T) {
	var out strings.Builder
	p := &importProgress{w: &out, tty: true, next: progressEvery}
	p.counted(250_000)
	if out.Len() != 0 {
		t.Fatalf("counting wrote %q on a terminal", out.String())
	}
	later := func() { p.drawn = p.drawn.Add(-time.Second) }
	p.update(1000)
	for done := 2000; done <= 100_000; done += 1000 {
		p.update(done) // within 100 ms of the first drawing: not drawn again
	}
	later()
	p.update(125_000)
	later()
	p.update(250_000)
	p.finish()
	want := "\r[..............................]   0%  1,000 / 250,000 rows" +
		"\r[###############...............]  50%  125,000 / 250,000 rows" +
		"\r[##############################] 100%  250,000 / 250,000 rows" +
		"\r\033[K"
	if out.String() != want {
		t.Fatalf("progress bar:\n%q\nwant:\n%q", out.String(), want)
	}

	// A file whose rows were never counted (empty) draws nothing and clears nothing.
	out.Reset()
	p = &importProgress{w: &out, tty: true, next: progressEvery}
	p.counted(0)
	p.update(0)
	p.finish()
	if out.Len() != 0 {
		t.Fatalf("an empty import drew %q", out.String())
	}

	// Neither a buffer nor a file is a terminal: they get the log lines.
	if newImportProgress(&out).tty {
		t.Error("a buffer taken for a terminal")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if newImportProgress(f).tty {
		t.Error("a regular file taken for a terminal")
	}
}
