package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/contact"
)

// The top-up writes seeded contacts straight into a stopped server's database, in
// the shape the API's ingest gives them (internal/store/ingest.go): the contact with
// its company, search text, search terms and dedupe key, its stage history, its
// capture event with channel, and the stage_changed event of a newsletter sign-up or
// demo request. It exists because seeding the million contacts through the
// API takes far longer than a benchmark run; the report says how many were written
// this way, and checkTopUp compares the top-up's row for a contact with the row the
// API made for it, so a change of the store's format shows in the report. Scores,
// consents and duplicate flags are not written.

// topRow is what the top-up writes for one seeded contact.
type topRow struct {
	p                     person
	at                    int64
	stage, channel, props string
	search, dedupe        string
	terms, stages         []string
}

var stageOf = map[string]string{"form_submit": "lead", "newsletter_signup": "mql", "demo_request": "sql"}

func topUpRow(i, total int, now time.Time) (topRow, error) {
	ev := captureEvent(i, total, now)
	p := personOf(i)
	at, err := time.Parse(time.RFC3339, ev.OccurredAt)
	if err != nil {
		return topRow{}, err
	}
	props := map[string]string{}
	for k, v := range ev.Properties {
		props[k] = v
	}
	if u, err := url.Parse(props["page_url"]); err == nil {
		for _, k := range []string{"utm_source", "utm_medium", "utm_campaign"} {
			if v := u.Query().Get(k); v != "" {
				props[k] = v
			}
		}
	}
	raw, err := json.Marshal(props)
	if err != nil {
		return topRow{}, err
	}
	r := topRow{p: p, at: at.UnixMicro(), props: string(raw), stage: stageOf[p.Type],
		channel: string(attribution.Classify(attribution.FromProperties(props), nil)),
		dedupe:  contact.NameCompanyKey(p.First, p.Last, p.Company)}
	// Search words: lower-case runs of letters and digits of the name, email and
	// company, each once, at most 32 of at most 64 bytes (internal/store/search.go).
	for _, w := range strings.FieldsFunc(strings.ToLower(p.First+" "+p.Last+" "+p.Email+" "+p.Company), func(c rune) bool {
		return !unicode.IsLetter(c) && !unicode.IsDigit(c)
	}) {
		if len(w) > 64 {
			w = w[:64]
		}
		if !slices.Contains(r.terms, w) && len(r.terms) < 32 {
			r.terms = append(r.terms, w)
		}
	}
	r.search = " " + strings.Join(r.terms, " ")
	r.stages = []string{"lead"}
	if r.stage != "lead" {
		r.stages = append(r.stages, "mql")
		if r.stage == "sql" {
			r.stages = append(r.stages, "sql")
		}
	}
	return r, nil
}

// rebind turns '?' placeholders into the engine's.
func rebind(engine, s string) string {
	if engine != "postgres" {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hasTerms tells whether the schema keeps search terms in their own table.
func hasTerms(ctx context.Context, conn *sql.DB, engine string) (bool, error) {
	var n int
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'contact_terms'`
	if engine == "postgres" {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'contact_terms'`
	}
	err := conn.QueryRowContext(ctx, q).Scan(&n)
	return n > 0, err
}

// topUp writes seeded contacts [from, to).
func (e *env) topUp(ctx context.Context, db database, from, to int) error {
	var conn *sql.DB
	var err error
	if db.engine == "postgres" {
		conn, err = sql.Open("pgx", db.url)
	} else {
		conn, err = sql.Open("sqlite3", sqliteDSN(filepath.Join(db.dir, "lodestone.db")))
		conn.SetMaxOpenConns(1)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	terms, err := hasTerms(ctx, conn, db.engine)
	if err != nil {
		return err
	}
	// SQLite's search watermark (internal/store/search_index.go), when the schema has it.
	var mark bool
	if db.engine != "postgres" {
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'search_watermark'`).Scan(&mark); err != nil {
			return err
		}
	}
	q := func(s string) string { return rebind(db.engine, s) }
	now := time.Now()
	companies := map[string]int64{}
	for i := from; i < to; i++ {
		companies[personOf(i).Company] = 0
	}
	for name := range companies {
		if _, err := conn.ExecContext(ctx, q(`INSERT INTO companies (domain, name, created_at) VALUES (?, ?, ?) ON CONFLICT (domain) DO NOTHING`),
			name+".com", name, now.UnixMicro()); err != nil {
			return err
		}
		var id int64
		if err := conn.QueryRowContext(ctx, q(`SELECT id FROM companies WHERE domain = ?`), name+".com").Scan(&id); err != nil {
			return err
		}
		companies[name] = id
	}
	const perTx = 1000 // at most 15,000 parameters a statement: under both engines' limits
	for lo := from; lo < to; lo += perTx {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows := make([]topRow, 0, perTx)
		for i := lo; i < min(lo+perTx, to); i++ {
			r, err := topUpRow(i, to, now)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		if err := topUpBatch(ctx, conn, q, companies, rows, terms, mark, now); err != nil {
			return err
		}
	}
	return nil
}

// topUpBatch writes rows in one transaction, with multi-row inserts.
func topUpBatch(ctx context.Context, conn *sql.DB, q func(string) string, companies map[string]int64, rows []topRow, terms, mark bool, now time.Time) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var args []any
	for _, r := range rows {
		p := r.p
		args = append(args, p.Email, p.First, p.Last, p.Title, p.Company, companies[p.Company], p.City, "DE", r.stage,
			r.at, r.channel, r.dedupe, r.search, r.at, r.at)
	}
	ids := map[string]int64{}
	res, err := tx.QueryContext(ctx, q(`INSERT INTO contacts (email, first_name, last_name, job_title, company_name, company_id,
		city, country, stage, first_touch_at, first_touch_channel, dedupe_key, search, created_at, updated_at) VALUES `+
		values(len(rows), 15)+` RETURNING id, email`), args...)
	if err != nil {
		return err
	}
	for res.Next() {
		var id int64
		var email string
		if err := res.Scan(&id, &email); err != nil {
			res.Close()
			return err
		}
		ids[email] = id
	}
	res.Close()
	if err := res.Err(); err != nil {
		return err
	}
	var stages, events, words []any
	for _, r := range rows {
		id := ids[r.p.Email]
		for _, st := range r.stages {
			stages = append(stages, id, st, r.at)
		}
		for _, t := range r.terms {
			words = append(words, t, id)
		}
		events = append(events, id, r.p.Type, r.at, now.UnixMicro(), r.props, r.channel, "api:bench")
		if r.stage != "lead" {
			change, _ := json.Marshal(map[string]string{"from": "lead", "to": r.stage, "reason": "captured by " + r.p.Type})
			events = append(events, id, "stage_changed", r.at, now.UnixMicro(), string(change), nil, "system")
		}
	}
	if _, err := tx.ExecContext(ctx, q(`INSERT INTO contact_stages (contact_id, stage, entered_at) VALUES `+values(len(stages)/3, 3)), stages...); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, q(`INSERT INTO events (contact_id, type, occurred_at, received_at, properties, channel, actor) VALUES `+
		values(len(events)/7, 7)), events...); err != nil {
		return err
	}
	if terms {
		if _, err := tx.ExecContext(ctx, q(`INSERT INTO contact_terms (term, contact_id) VALUES `+values(len(words)/2, 2)), words...); err != nil {
			return err
		}
		// The words are written: on SQLite the search watermark moves past these
		// contacts when it stood just below them, so the server does not index them
		// again when it starts.
		if mark {
			if _, err := tx.ExecContext(ctx, `UPDATE search_watermark SET contact_id = (SELECT MAX(id) FROM contacts) WHERE contact_id = ?`,
				slices.Min(slices.Collect(maps.Values(ids)))-1); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// values is "(?, ?), (?, ?)" for n rows of k columns.
func values(n, k int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", k), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// checkTopUp compares what the top-up would write for the seeded contacts 0 to 2
// with what the API wrote for them, and returns the differences.
func (e *env) checkTopUp(ctx context.Context, db database, total int) ([]string, error) {
	conn, err := db.open()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	terms, err := hasTerms(ctx, conn, db.engine)
	if err != nil {
		return nil, err
	}
	q := func(s string) string { return rebind(db.engine, s) }
	var diffs []string
	for i := range 12 {
		want, err := topUpRow(i, total, time.Now())
		if err != nil {
			return nil, err
		}
		var id int64
		var got topRow
		var channel, dedupe, search sql.NullString
		err = conn.QueryRowContext(ctx, q(`SELECT id, stage, first_touch_channel, dedupe_key, search FROM contacts WHERE email = ?`), want.p.Email).
			Scan(&id, &got.stage, &channel, &dedupe, &search)
		if err != nil {
			return nil, fmt.Errorf("the API's contact %s: %w", want.p.Email, err)
		}
		got.channel, got.dedupe, got.search = channel.String, dedupe.String, search.String
		list := func(query string) ([]string, error) {
			rows, err := conn.QueryContext(ctx, q(query), id)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return nil, err
				}
				out = append(out, s)
			}
			return out, rows.Err()
		}
		if got.stages, err = list(`SELECT stage FROM contact_stages WHERE contact_id = ?`); err != nil {
			return nil, err
		}
		if terms {
			if got.terms, err = list(`SELECT term FROM contact_terms WHERE contact_id = ?`); err != nil {
				return nil, err
			}
		}
		for _, d := range []struct{ name, api, top string }{
			{"stage", got.stage, want.stage}, {"first_touch_channel", got.channel, want.channel}, {"dedupe_key", got.dedupe, want.dedupe},
			{"search", got.search, want.search}, {"contact_stages", sorted(got.stages), sorted(want.stages)},
			{"contact_terms", sorted(got.terms), sorted(map[bool][]string{true: want.terms}[terms])},
		} {
			if d.api != d.top {
				diffs = append(diffs, fmt.Sprintf("contact %d %s: the API wrote %q, the top-up writes %q", i, d.name, d.api, d.top))
			}
		}
	}
	return diffs, nil
}

func sorted(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(s, ",")
}
