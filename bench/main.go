// Command bench measures Lodestone beside this machine's own ceilings, in one run, and
// writes docs/benchmarks.md. Run it from the repository with "go run ./bench"; see
// docs/benchmarks.md for the flags.
//
// Every figure comes from a Lodestone server started as a subprocess ("lodestone
// serve", built once for the run) on a fresh data folder, or a fresh schema on the
// PostgreSQL server given with --pg, and every load targets 127.0.0.1 only. Processes
// and scratch folders are cleaned up at the end, also on error or interrupt.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type options struct {
	runs            int
	quick           bool
	duration        time.Duration // each wrk run: hello world, group commit, form posts, collect
	ingestDuration  time.Duration
	profileDuration time.Duration
	fsyncDuration   time.Duration
	rawDuration     time.Duration
	seedAPITime     time.Duration
	importTimeout   time.Duration
	conns           int
	workers         int
	contacts        int
	pgContacts      int
	importRows      int
	listRequests    int
	detailRequests  int
	pg              string
	out             string
	wrk             string
	only            []string
	profile         bool
	keep            bool
	repo            string
	render          string

	engineList          []string
	scaleContacts       int
	scaleEvents         int
	scaleRescores       int
	scaleRescoreTimeout time.Duration
}

func main() {
	if len(os.Args) > 1 {
		var err error
		switch os.Args[1] {
		case "ceiling-server":
			err = runCeilingServer(os.Args[2:])
		case "profile-serve":
			err = runProfileServe(os.Args[2:])
		default:
			err = run(os.Args[1:])
		}
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(nil); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&o.runs, "runs", 3, "runs of each figure; the report gives their median and range")
	fs.BoolVar(&o.quick, "quick", false, "smoke run: short durations, 20,000 contacts, one run (flags given explicitly still win)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "length of each wrk run (hello world, group commit, form posts, tracking collect)")
	fs.DurationVar(&o.ingestDuration, "ingest-duration", 20*time.Second, "length of each API event ingest run")
	fs.DurationVar(&o.profileDuration, "profile-duration", 10*time.Second, "length of each profiled pass")
	fs.DurationVar(&o.fsyncDuration, "fsync-duration", 5*time.Second, "length of each fsync-rate run")
	fs.DurationVar(&o.rawDuration, "raw-duration", 10*time.Second, "length of each raw batched insert run")
	fs.DurationVar(&o.seedAPITime, "seed-api-time", 5*time.Minute, "time limit of seeding contacts through the API; the harness writes the rest straight into the database")
	fs.DurationVar(&o.importTimeout, "import-timeout", 5*time.Minute, "time limit of one CSV import run; one that runs out is stopped and its committed rows counted")
	fs.IntVar(&o.conns, "conns", 64, "wrk connections")
	fs.IntVar(&o.workers, "workers", 4, "concurrent API clients for event ingest and seeding")
	fs.IntVar(&o.contacts, "contacts", 1_000_000, "contacts seeded for the list and page figures")
	fs.IntVar(&o.pgContacts, "pg-contacts", 0, "contacts seeded on PostgreSQL (default: --contacts)")
	fs.IntVar(&o.importRows, "import-rows", 0, "rows of the CSV import (default: --contacts)")
	fs.IntVar(&o.listRequests, "list-requests", 100, "contacts list requests per round")
	fs.IntVar(&o.detailRequests, "detail-requests", 200, "contact detail and page requests per round")
	fs.StringVar(&o.pg, "pg", "", "a postgres:// URL: also measure Lodestone on PostgreSQL, in fresh schemas there")
	fs.StringVar(&o.out, "out", "docs/benchmarks.md", "report to write, relative to the repository")
	fs.StringVar(&o.wrk, "wrk", "wrk", "the wrk binary")
	fs.IntVar(&o.scaleContacts, "scale-contacts", 1_000_000, "contacts of the scale phase")
	fs.IntVar(&o.scaleEvents, "scale-events", 10_000_000, "events of the scale phase")
	fs.IntVar(&o.scaleRescores, "scale-rescores", 3, "full rescores timed in the scale phase")
	fs.DurationVar(&o.scaleRescoreTimeout, "scale-rescore-timeout", 10*time.Minute, "time limit of one full rescore in the scale phase")
	engines := fs.String("engines", "", "comma-separated engines to measure: sqlite, postgres (default sqlite, and postgres with --pg)")
	only := fs.String("only", "", "comma-separated phases to run: ceilings, form, collect, ingest, reads, import, micro, scale (default all)")
	fs.BoolVar(&o.profile, "profile", true, "add unmeasured CPU-profiled passes (SQLite) and summarize them")
	fs.BoolVar(&o.keep, "keep", false, "keep the scratch folder (databases, logs, profiles) and the PostgreSQL schemas")
	fs.StringVar(&o.render, "render", "", "only render the report again from a run's saved figures (the run prints where they are)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		quick := map[string]func(){
			"runs": func() { o.runs = 1 }, "duration": func() { o.duration = 3 * time.Second },
			"ingest-duration": func() { o.ingestDuration = 3 * time.Second }, "profile-duration": func() { o.profileDuration = 3 * time.Second },
			"fsync-duration": func() { o.fsyncDuration = time.Second }, "raw-duration": func() { o.rawDuration = 2 * time.Second },
			"contacts": func() { o.contacts = 20_000 }, "list-requests": func() { o.listRequests = 25 },
			"detail-requests": func() { o.detailRequests = 30 }, "seed-api-time": func() { o.seedAPITime = 30 * time.Second },
			"import-timeout": func() { o.importTimeout = time.Minute },
			"scale-contacts": func() { o.scaleContacts = 20_000 }, "scale-rescores": func() { o.scaleRescores = 1 }, "scale-events": func() { o.scaleEvents = 200_000 },
		}
		for name, f := range quick {
			if !set[name] {
				f()
			}
		}
	}
	if o.pgContacts == 0 {
		o.pgContacts = o.contacts
	}
	if o.importRows == 0 {
		o.importRows = o.contacts
	}
	if *only != "" {
		o.only = strings.Split(*only, ",")
	}
	if *engines != "" {
		o.engineList = strings.Split(*engines, ",")
		if slices.Contains(o.engineList, "postgres") && o.pg == "" {
			return o, errors.New("--engines postgres needs --pg")
		}
	}
	if o.runs < 1 || o.conns < 1 || o.workers < 1 || o.contacts < 100 || o.scaleContacts < 100 || o.scaleEvents < 2*o.scaleContacts {
		return o, errors.New("--runs, --conns and --workers must be at least 1, --contacts and --scale-contacts at least 100, --scale-events at least twice --scale-contacts")
	}
	return o, nil
}

func (o options) phase(name string) bool { return len(o.only) == 0 || slices.Contains(o.only, name) }

func (e *env) engines() []string {
	if len(e.opt.engineList) > 0 {
		return e.opt.engineList
	}
	if e.opt.pg != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

func run(args []string) (err error) {
	opt, err := parseOptions(args)
	if err != nil {
		return err
	}
	if opt.repo, err = repoRoot(); err != nil {
		return err
	}
	if opt.render != "" {
		return render(opt.render, opt)
	}
	if opt.wrk, err = exec.LookPath(opt.wrk); err != nil {
		return fmt.Errorf("wrk is needed (Debian: apt-get install wrk): %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	e := &env{opt: opt, res: newResults()}
	if e.self, err = os.Executable(); err != nil {
		return err
	}
	if e.root, err = os.MkdirTemp("", "lodestone-bench-"); err != nil {
		return err
	}
	defer func() {
		e.runCleanup()
		if opt.keep {
			logf("scratch folder kept: %s", e.root)
		} else {
			os.RemoveAll(e.root)
		}
	}()
	started := time.Now()
	logf("building lodestone into %s", e.root)
	e.bin = filepath.Join(e.root, "lodestone")
	build := exec.CommandContext(ctx, "go", "build", "-o", e.bin, "./cmd/lodestone")
	build.Dir, build.Stdout, build.Stderr = opt.repo, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/lodestone: %w", err)
	}
	e.res.setText("machine", e.machine())
	e.res.setText("source", sourceState(ctx, opt.repo))
	err = e.measure(ctx)
	meta := runMeta{Args: args, Started: started, Elapsed: time.Since(started)}
	if err != nil {
		meta.Err = err.Error()
	}
	if serr := e.save(meta); serr != nil {
		logf("could not save the figures: %v", serr)
	}
	return errors.Join(err, e.write(meta))
}

// write renders the report to --out, or, after a failed run, beside the saved figures.
func (e *env) write(meta runMeta) error {
	out := e.outPath()
	if meta.Err != "" {
		out = filepath.Join(os.TempDir(), "lodestone-benchmarks-partial.md")
		logf("the run failed; its partial report is in %s", out)
	}
	if err := os.WriteFile(out, e.report(meta), 0o644); err != nil {
		return err
	}
	logf("wrote %s (the run took %s)", out, meta.Elapsed.Round(time.Second))
	return nil
}

// measure runs the phases in order; the first error stops the run.
func (e *env) measure(ctx context.Context) error {
	script, err := e.writeScript("form_post.lua", formPostLua)
	if err != nil {
		return err
	}
	collectScript, err := e.writeScript("collect.lua", collectLua)
	if err != nil {
		return err
	}
	if e.opt.phase("ceilings") {
		logf("ceilings: fsync, hello world (the group-commit and raw insert ceilings run beside their Lodestone figures)")
		dir, err := e.dir("fsync")
		if err != nil {
			return err
		}
		for range e.opt.runs {
			r, err := fsyncRate(dir, e.opt.fsyncDuration)
			if err != nil {
				return err
			}
			e.res.add("fsync.ops", r)
		}
		if err := e.helloRuns(ctx); err != nil {
			return err
		}
	}
	for _, engine := range e.engines() {
		if e.opt.phase("form") {
			logf("durable form posts (%s)", engine)
			if err := e.formPosts(ctx, engine, script); err != nil {
				return fmt.Errorf("form posts (%s): %w", engine, err)
			}
		}
		if e.opt.phase("collect") {
			logf("tracking collect (%s)", engine)
			if err := e.collect(ctx, engine, collectScript); err != nil {
				return fmt.Errorf("tracking collect (%s): %w", engine, err)
			}
		}
		if e.opt.phase("ingest") {
			logf("API event ingest (%s)", engine)
			if err := e.ingest(ctx, engine); err != nil {
				return fmt.Errorf("event ingest (%s): %w", engine, err)
			}
		}
	}
	for _, engine := range e.engines() {
		n := e.opt.contacts
		if engine == "postgres" {
			n = e.opt.pgContacts
		}
		if e.opt.phase("reads") {
			if err := e.reads(ctx, engine, n); err != nil {
				return fmt.Errorf("contacts list and page (%s): %w", engine, err)
			}
		}
		if e.opt.phase("import") {
			if err := e.importCSV(ctx, engine, e.opt.importRows); err != nil {
				return fmt.Errorf("CSV import (%s): %w", engine, err)
			}
		}
	}
	if e.opt.phase("micro") {
		logf("Go micro-benchmarks")
		if err := e.micro(ctx); err != nil {
			return fmt.Errorf("micro-benchmarks: %w", err)
		}
	}
	for _, engine := range e.engines() {
		if e.opt.phase("scale") {
			if err := e.scale(ctx, engine); err != nil {
				return fmt.Errorf("scale (%s): %w", engine, err)
			}
		}
	}
	return nil
}

// repoRoot is the folder of the module's go.mod, found from the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/lodestone-hq/lodestone\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the harness from inside the Lodestone repository")
		}
		dir = parent
	}
}

// outPath is where the report goes: --out, relative to the repository unless absolute.
func (e *env) outPath() string {
	if filepath.IsAbs(e.opt.out) {
		return e.opt.out
	}
	return filepath.Join(e.opt.repo, e.opt.out)
}

// sourceState says which source the binary was built from: the commit, and the files
// that differed from it (other engineers edit the tree while the harness runs).
func sourceState(ctx context.Context, repo string) string {
	git := func(args ...string) string {
		out, err := exec.CommandContext(ctx, "git", append([]string{"-C", repo}, args...)...).Output()
		if err != nil {
			return ""
		}
		return strings.TrimRight(string(out), "\n")
	}
	head := git("log", "-1", "--format=%h %s")
	if head == "" {
		return "unknown (no git)"
	}
	var changed, added []string
	for _, l := range strings.Split(git("status", "--porcelain"), "\n") {
		if len(l) < 4 || strings.HasPrefix(l[3:], "bench/") || strings.HasPrefix(l[3:], "docs/") {
			continue
		}
		if strings.HasPrefix(l, "??") {
			added = append(added, l[3:])
		} else {
			changed = append(changed, l[3:])
		}
	}
	s := "commit `" + head + "`"
	if len(changed)+len(added) > 0 {
		s += fmt.Sprintf(", with uncommitted work of other engineers: %d changed files (%s) and %d new paths", len(changed), strings.Join(changed, ", "), len(added))
	}
	return s
}
