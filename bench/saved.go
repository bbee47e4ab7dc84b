package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// savedRun is everything a run measured, kept so that the report can be rendered
// again (go run ./bench --render FILE) without measuring again.
type savedRun struct {
	Meta     runMeta
	Options  savedOptions
	Vals     map[string][]float64
	Text     map[string]string
	Warnings []string
}

// savedOptions are the settings the report quotes. The PostgreSQL URL is not kept,
// only whether there was one.
type savedOptions struct {
	Runs, Conns, Workers, Contacts, PGContacts, ImportRows int
	ScaleContacts, ScaleEvents                             int
	PG                                                     bool
	Engines                                                []string
	SeedAPITime, ProfileDuration                           time.Duration
	Wrk                                                    string
}

// resultsFile is where the last run's figures are kept, outside the repository.
func resultsFile() string { return filepath.Join(os.TempDir(), "lodestone-bench-results.json") }

func (e *env) save(meta runMeta) error {
	o := e.opt
	e.res.mu.Lock()
	run := savedRun{Meta: meta, Vals: e.res.vals, Text: e.res.text, Warnings: e.res.warnings,
		Options: savedOptions{Runs: o.runs, Conns: o.conns, Workers: o.workers, Contacts: o.contacts, PGContacts: o.pgContacts,
			ImportRows: o.importRows, ScaleContacts: o.scaleContacts, ScaleEvents: o.scaleEvents, PG: o.pg != "", Engines: o.engineList, SeedAPITime: o.seedAPITime, ProfileDuration: o.profileDuration, Wrk: o.wrk}}
	b, err := json.MarshalIndent(run, "", " ")
	e.res.mu.Unlock()
	if err != nil {
		return err
	}
	logf("figures saved in %s", resultsFile())
	return os.WriteFile(resultsFile(), b, 0o644)
}

// render writes the report of a saved run to --out.
func render(file string, opt options) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var run savedRun
	if err := json.Unmarshal(b, &run); err != nil {
		return err
	}
	s := run.Options
	opt.runs, opt.conns, opt.workers, opt.contacts, opt.pgContacts, opt.importRows = s.Runs, s.Conns, s.Workers, s.Contacts, s.PGContacts, s.ImportRows
	opt.seedAPITime, opt.profileDuration, opt.wrk, opt.pg = s.SeedAPITime, s.ProfileDuration, s.Wrk, ""
	opt.scaleContacts, opt.scaleEvents, opt.engineList = s.ScaleContacts, s.ScaleEvents, s.Engines
	if s.PG {
		opt.pg = "postgres://saved"
	}
	e := &env{opt: opt, res: newResults()}
	e.res.vals, e.res.text, e.res.warnings = run.Vals, run.Text, run.Warnings
	return e.write(run.Meta)
}
