//go:build unix

package capture

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestImportMillionRows imports a generated file of 1,000,000 rows (or
// LODESTONE_BIG_IMPORT_ROWS) into a real store and reports rows/s and the peak
// resident memory of the process, which must stay under 200 MB. It takes minutes,
// so it runs only with LODESTONE_BIG_IMPORT=1.
func TestImportMillionRows(t *testing.T) {
	if os.Getenv("LODESTONE_BIG_IMPORT") != "1" {
		t.Skip("set LODESTONE_BIG_IMPORT=1 to import a million rows")
	}
	rows := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("LODESTONE_BIG_IMPORT_ROWS")); err == nil && v > 0 {
		rows = v
	}
	// LODESTONE_BIG_IMPORT_FILE imports a given file instead, such as the harness's.
	path := os.Getenv("LODESTONE_BIG_IMPORT_FILE")
	if path == "" {
		path = filepath.Join(t.TempDir(), "big.csv")
		writeBigList(t, path, rows)
	}
	s := storetest.Open(t)
	if err := s.PrepareForImport(context.Background()); err != nil { // as the import command does
		t.Fatal(err)
	}
	runtime.GC()
	before := peakRSS(t)
	cpuBefore := cpuTime()
	start := time.Now()
	last := start
	progress := func(done int) {
		if time.Since(last) > 30*time.Second {
			last = time.Now()
			t.Logf("%d rows after %s, peak RSS %d MB", done, time.Since(start).Round(time.Second), peakRSS(t)>>20)
		}
	}
	rep, err := ImportCSV(context.Background(), openFile(path), s.IngestImport, ImportOptions{Channel: "purchased_list", Consent: "legitimate_interest", Region: "DE"},
		io.Discard, progress)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	peak, cpu := peakRSS(t), cpuTime()-cpuBefore
	t.Logf("%s: %d rows (%d created, %d rejected) in %s: %.0f rows/s, %.0f µs of CPU a row (this process); peak RSS %d MB (%d MB before the import)",
		s.Engine(), rep.Rows, rep.Created, rep.Rejected, took.Round(time.Millisecond), float64(rep.Rows)/took.Seconds(),
		float64(cpu.Microseconds())/float64(rep.Rows), peak>>20, before>>20)
	if os.Getenv("LODESTONE_BIG_IMPORT_FILE") == "" && (rep.Rows != rows || rep.Created != rows-rows/1000 || rep.Rejected != rows/1000) {
		t.Errorf("report %+v", rep)
	}
	if peak > 200<<20 {
		t.Errorf("peak RSS %d MB, want under 200 MB", peak>>20)
	}
}

// writeBigList writes a realistic list: work emails at a thousand companies, half
// with a phone, one row in a thousand with a broken email.
func writeBigList(t *testing.T, path string, rows int) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "Email,First Name,Last Name,Company,Job Title,Phone,City,Country,custom.source")
	for i := range rows {
		email := fmt.Sprintf("lead%07d@acme%04d.com", i, i%1000)
		if i%1000 == 999 {
			email = fmt.Sprintf("lead%07d-at-acme.com", i)
		}
		phone := ""
		if i%2 == 0 {
			phone = fmt.Sprintf("030 %08d", 20000000+i)
		}
		fmt.Fprintf(w, "%s,First%d,Last%d,Acme %04d GmbH,Head of Purchasing,%s,Berlin,Germany,fair-2026\n", email, i, i, i%1000, phone)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS reads the process's peak resident set size (VmHWM) on Linux.
func peakRSS(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status to read the peak memory from")
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
			return kb << 10
		}
	}
	return 0
}
