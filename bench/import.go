package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// importCSV measures "lodestone import contacts" on a CSV of the size, on a
// fresh database per run, when the binary has the command (it is being built).
func (e *env) importCSV(ctx context.Context, engine string, rows int) error {
	if _, err := e.lodestone(ctx, "", "import"); err != nil && strings.Contains(err.Error(), `unknown command "import"`) {
		e.res.setText("import", "absent")
		logf("lodestone has no import command yet: CSV import not measured")
		return nil
	}
	file := filepath.Join(e.root, fmt.Sprintf("contacts-%d.csv", rows))
	if _, err := os.Stat(file); err != nil {
		if err := writeCSV(file, rows); err != nil {
			return err
		}
	}
	k := "import." + engine
	for run := range e.opt.runs {
		// Without the ingest phase, no raw insert ran: each import gets its own, right
		// before it, so that the ratio compares runs that saw the same neighbours.
		if !e.opt.phase("ingest") {
			if err := e.rawRun(ctx, engine); err != nil {
				return err
			}
		}
		db, err := e.freshDB(ctx, engine, "import")
		if err != nil {
			return err
		}
		args := append([]string{"import", "contacts", file, "--channel", "event"}, db.flags()...)
		cmd := exec.CommandContext(ctx, e.bin, args...)
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 30 * time.Second
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		e.res.load(k)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		timedOut := false
		select {
		case err = <-done:
		case <-time.After(e.opt.importTimeout):
			timedOut = true
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				err = <-done
			}
		}
		elapsed := time.Since(start)
		if err != nil && !timedOut {
			return fmt.Errorf("lodestone import (run %d): %v: %s", run+1, err, tail(out.String(), 2000))
		}
		peak := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // kB on Linux
		stored, err := e.count(ctx, db, `SELECT COUNT(*) FROM contacts`)
		if err != nil {
			return err
		}
		e.res.add(k+".rps", stored/elapsed.Seconds())
		e.res.add(k+".secs", elapsed.Seconds())
		e.res.add(k+".rows", stored)
		e.res.add(k+".rss", peak)
		e.res.setText(k+".output", tail(out.String(), 600))
		if timedOut {
			e.res.warn("%s run %d did not finish %d rows within --import-timeout %s: stopped with %.0f contacts committed", k, run+1, rows, e.opt.importTimeout, stored)
			e.res.setText(k+".timeout", fmt.Sprintf("did not finish within %s", e.opt.importTimeout))
			return nil // a second run would only run out of time again
		}
		if stored < float64(rows) {
			e.res.warn("%s run %d: %d rows imported into %.0f contacts", k, run+1, rows, stored)
		}
	}
	return nil
}

// writeCSV writes a contacts export like a fair's or a purchased list's.
func writeCSV(file string, rows int) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write([]string{"Email", "First Name", "Last Name", "Company", "Job Title", "City", "Country"})
	for i := range rows {
		p := personOf(i)
		w.Write([]string{p.Email, p.First, p.Last, p.Company, p.Title, p.City, "DE"})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
