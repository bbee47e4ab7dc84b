package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

//go:embed form_post.lua
var formPostLua []byte

// wrkResult is what one wrk run printed.
type wrkResult struct {
	RPS           float64
	P50, P90, P99 float64 // milliseconds
	Requests      int64
	Bad           int64  // non-2xx or 3xx answers
	SocketErrors  string // as wrk prints them, "" when none
}

// wrkRun drives url with wrk: the given connections, two threads (one per core of
// this machine), for d, with the latency distribution. A script file and its
// arguments are optional.
func (e *env) wrkRun(ctx context.Context, url string, conns int, d time.Duration, script string, args ...string) (wrkResult, error) {
	if err := loopbackOnly(url); err != nil {
		return wrkResult{}, err
	}
	threads := min(2, conns)
	cmdArgs := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", fmt.Sprintf("%ds", max(1, int(d.Seconds()))),
		"--latency", "--timeout", "10s"}
	if script != "" {
		cmdArgs = append(cmdArgs, "-s", script)
	}
	cmdArgs = append(cmdArgs, url)
	if len(args) > 0 {
		cmdArgs = append(append(cmdArgs, "--"), args...)
	}
	// wrk stops by itself after d; the context is a bound in case it hangs.
	wctx, cancel := context.WithTimeout(ctx, d+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(wctx, e.opt.wrk, cmdArgs...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v: %s", err, out.String())
	}
	return parseWrk(out.String())
}

// writeScript puts an embedded Lua script where wrk can read it.
func (e *env) writeScript(name string, body []byte) (string, error) {
	p := filepath.Join(e.root, name)
	return p, os.WriteFile(p, body, 0o640)
}

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|75|90|99)%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkBad      = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: (.*)`)
)

func parseWrk(s string) (wrkResult, error) {
	var r wrkResult
	m := wrkRPS.FindStringSubmatch(s)
	if m == nil {
		return r, fmt.Errorf("wrk printed no Requests/sec: %s", s)
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	for _, p := range wrkPct.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.ParseFloat(p[2], 64)
		switch p[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		case "m":
			v *= 60000
		}
		switch p[1] {
		case "50":
			r.P50 = v
		case "90":
			r.P90 = v
		case "99":
			r.P99 = v
		}
	}
	if m := wrkRequests.FindStringSubmatch(s); m != nil {
		r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := wrkBad.FindStringSubmatch(s); m != nil {
		r.Bad, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := wrkSocket.FindStringSubmatch(s); m != nil {
		r.SocketErrors = strings.TrimSpace(m[1])
	}
	return r, nil
}

// loopbackOnly refuses any target but this machine's loopback address.
func loopbackOnly(url string) error {
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		return fmt.Errorf("refusing to drive %s: the harness only targets 127.0.0.1", url)
	}
	return nil
}
