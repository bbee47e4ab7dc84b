package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// microPackages hold the Go micro-benchmarks of the pure hot paths: normalisation,
// submission parsing and proof of work, channel classification and attribution
// credits, filter parsing and evaluation, and scoring.
var microPackages = []string{"./internal/contact", "./internal/capture", "./internal/attribution", "./internal/filter", "./internal/scoring"}

// benchLine reads one result line of `go test -bench -benchmem`.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op\s+(\d+) allocs/op)?`)

// micro runs the micro-benchmarks --runs times (go test -count) and keeps each
// benchmark's time, bytes and allocations per operation.
func (e *env) micro(ctx context.Context) error {
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "1s", "-count", strconv.Itoa(e.opt.runs)}, microPackages...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = e.opt.repo
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w: %s%s", strings.Join(args, " "), err, out.Bytes(), errb.Bytes())
	}
	names, pkg := []string{}, ""
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p[strings.LastIndex(p, "/")+1:]
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := pkg + "." + strings.TrimPrefix(m[1], "Benchmark")
		if _, seen := e.res.get("micro." + name + ".ns"); !seen {
			names = append(names, name)
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		e.res.add("micro."+name+".ns", ns)
		if m[3] != "" {
			b, _ := strconv.ParseFloat(m[3], 64)
			a, _ := strconv.ParseFloat(m[4], 64)
			e.res.add("micro."+name+".bytes", b)
			e.res.add("micro."+name+".allocs", a)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("go %s printed no benchmark results", strings.Join(args, " "))
	}
	e.res.setText("micro.names", strings.Join(names, ","))
	return nil
}

// microTable writes the micro-benchmarks' section.
func (e *env) microTable(w func(string, ...any)) {
	list := e.res.text["micro.names"]
	if list == "" {
		return
	}
	w("## Go micro-benchmarks of the pure hot paths\n\n")
	w("`go test -run '^$' -bench . -benchmem -benchtime 1s -count %d %s`, in the same run; time per operation on one core (median and range of the %d counts), with bytes and allocations per operation. ", e.opt.runs, strings.Join(microPackages, " "), e.opt.runs)
	w("These functions have no ceiling of their own: they are the parts the request figures above are made of.\n\n")
	w("| benchmark | time per operation | per second on one core | bytes; allocations per operation |\n| --- | --- | --- | --- |\n")
	for _, name := range strings.Split(list, ",") {
		k := "micro." + name
		s, _ := e.res.get(k + ".ns")
		per := "—"
		if s.Med > 0 {
			per = num(1e9 / s.Med)
		}
		mem := "—"
		if b, ok := e.res.get(k + ".bytes"); ok {
			a, _ := e.res.get(k + ".allocs")
			mem = fmt.Sprintf("%s B; %.0f", commas(int64(b.Med)), a.Med)
		}
		w("| `%s` | %s | %s | %s |\n", name, e.fmtKey(k+".ns", " ns"), per, mem)
	}
	w("\n")
}
