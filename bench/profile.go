package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/config"
)

// runProfileServe is the hidden "profile-serve" command: the same wiring as
// "lodestone serve" (internal/app, from the same source tree), writing a CPU profile
// from SIGUSR1 (sent when the load starts) to SIGTERM. Lodestone has no profiling
// endpoint, and the measured figures always come from the real binary; this copy
// only runs in the extra, unmeasured profiling passes.
func runProfileServe(args []string) error {
	fs := flag.NewFlagSet("profile-serve", flag.ContinueOnError)
	out := fs.String("cpuprofile", "", "file to write the CPU profile to")
	read := config.Bind(fs, os.Getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := read()
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	begin := make(chan os.Signal, 1)
	signal.Notify(begin, syscall.SIGUSR1)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	a := &app.App{Config: cfg, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})), Out: os.Stdout}
	if err := a.Open(ctx); err != nil {
		return err
	}
	if err := a.Run(ctx); err != nil {
		a.Close(context.Background())
		return err
	}
	go app.GCHeadroom(ctx)
	select {
	case <-begin:
		if err := pprof.StartCPUProfile(f); err != nil {
			a.Close(context.Background())
			return err
		}
		<-ctx.Done()
		pprof.StopCPUProfile()
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return a.Close(sctx)
}

// mark tells a profiled server that the load under study starts now.
func (s *server) mark() {
	if s.profiled {
		_ = s.cmd.Process.Signal(syscall.SIGUSR1)
	}
}

// census traces the server's write and flush system calls for d with strace, and
// counts them by the file they went to, per request of route: how many commits
// (fsyncs) a request costs, and where its writes go. Profiled passes only: strace
// slows the server down.
func (e *env) census(ctx context.Context, s *server, route string, d time.Duration) (string, error) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		return "", nil
	}
	c := newClient(s.url, s.key)
	before, err := scrape(ctx, c)
	if err != nil {
		return "", err
	}
	out := filepath.Join(s.db.dir, "strace.txt")
	pid := s.cmd.Process.Pid
	cmd := exec.CommandContext(ctx, strace, "-f", "-e", "trace=write,pwrite64,fsync,fdatasync", "-o", out, "-p", strconv.Itoa(pid))
	if err := cmd.Start(); err != nil {
		return "", err
	}
	time.Sleep(d)
	_ = cmd.Process.Signal(syscall.SIGINT) // strace detaches and exits
	_ = cmd.Wait()
	after, err := scrape(ctx, c)
	if err != nil {
		return "", err
	}
	files := map[string]string{}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		for _, ent := range ents {
			if t, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, ent.Name())); err == nil {
				files[ent.Name()] = t
			}
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return "", err
	}
	counts := map[string]int{}
	call := regexp.MustCompile(`^\d+\s+(write|pwrite64|fsync|fdatasync)\((\d+),`)
	for _, line := range strings.Split(string(b), "\n") {
		m := call.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		counts[m[1]+" to "+fileClass(files[m[2]])]++
	}
	reqs := 0.0
	if a := after[route]; a != nil {
		reqs = a.Count
		if b := before[route]; b != nil {
			reqs -= b.Count
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "system calls in a %s strace sample, %.0f requests to %s:\n", d, reqs, route)
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	for _, k := range keys {
		per := "n/a"
		if reqs > 0 {
			per = num(float64(counts[k]) / reqs)
		}
		fmt.Fprintf(&sb, "  %7d  %-60s %s per request\n", counts[k], k, per)
	}
	return sb.String(), nil
}

// fileClass names what a file descriptor of a Lodestone server is.
func fileClass(target string) string {
	switch {
	case target == "":
		return "a file closed before the sample ended"
	case strings.HasSuffix(target, "-wal"):
		return "the WAL (lodestone.db-wal)"
	case strings.HasSuffix(target, ".db"):
		return "the database file (lodestone.db)"
	case strings.HasSuffix(target, "-shm"):
		return "the WAL index (lodestone.db-shm)"
	case strings.HasPrefix(target, "socket:"):
		return "sockets (HTTP answers, PostgreSQL)"
	case strings.HasPrefix(target, "/var/tmp/") || strings.HasSuffix(target, "(deleted)"):
		return "SQLite temporary files (statement journals, sorts): " + target
	}
	return target
}

// summarizeProfile reads a CPU profile with "go tool pprof" and keeps what the
// report needs: the header, the hottest functions by their own time, and
// Lodestone's functions by cumulative time (callees included, SQLite's C code counted
// at the cgo call that entered it).
func (e *env) summarizeProfile(ctx context.Context, file string) (string, error) {
	top := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "go", append(append([]string{"tool", "pprof"}, args...), file)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("go tool pprof: %v: %s", err, errb.String())
		}
		return out.String(), nil
	}
	flat, err := top("-top", "-nodecount=14")
	if err != nil {
		return "", err
	}
	cum, err := top("-top", "-cum", "-nodecount=400")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	lines := strings.Split(flat, "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "Duration:") {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("\nby own time (flat):\n")
	inTable := false
	for _, l := range lines {
		if strings.Contains(l, "flat%") {
			inTable = true
		}
		if inTable && strings.TrimSpace(l) != "" {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("\nLodestone's functions by time including callees (cum):\n")
	n := 0
	for _, l := range strings.Split(cum, "\n") {
		if strings.Contains(l, "flat%") {
			b.WriteString(l + "\n")
			continue
		}
		if !strings.Contains(l, "lodestone-hq/lodestone/internal/") || n >= 28 {
			continue
		}
		b.WriteString(strings.Replace(l, "github.com/lodestone-hq/lodestone/internal/", "", 1) + "\n")
		n++
	}
	return b.String(), nil
}

// censusDuring samples the server's system calls in the middle of a load that lasts
// d, when the server is profiled; the result lands in the report under name.
func (e *env) censusDuring(ctx context.Context, s *server, name, route string, d time.Duration) func() {
	if !s.profiled {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		wait := min(2*time.Second, d/4)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
		txt, err := e.census(ctx, s, route, min(5*time.Second, d/2))
		if err != nil {
			e.res.warn("system call census %s: %v", name, err)
			return
		}
		if txt != "" {
			e.res.setText("census."+name, txt)
		}
	}()
	return func() { <-done }
}
