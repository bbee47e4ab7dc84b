package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// An import is mostly rows about people nobody knows yet. Recorded one capture at a
// time, each costs about ten statements; here a run of such captures costs about ten
// statements in all: one multi-row insert per table. Every other capture (an email
// known already or met earlier in the batch, a phone without email) goes through
// ingestOne, in its place, so that the result is the one ingestOne would give for the
// whole batch, ids included: each table receives its rows in the same order.

// maxBulkParams keeps one statement under both engines' limits on bound values
// (SQLite 32,766, PostgreSQL 65,535).
const maxBulkParams = 30000

// errBulkFallback asks for the batch to be recorded again capture by capture: a
// set-based statement failed, and only the slow path can say which capture caused it.
var errBulkFallback = errors.New("the batch is recorded again one capture at a time")

// IngestImport records an import's batch of captures in one transaction, all or none,
// with the result Ingest would give.
func (s *Store) IngestImport(ctx context.Context, caps []Capture) ([]Captured, error) {
	caps = s.profileCaptures(caps)
	out := make([]Captured, len(caps))
	return out, s.runImportTx(ctx, caps, out, nil)
}

// serverCheckpointPages is how far the writer's write-ahead log may grow (pages of
// 4 KiB, about 40 MB) before its pages are copied into the database file. A batch
// of events about known contacts changes a few hundred pages of the events indexes
// spread over all contacts; at SQLite's default of 1,000 pages the writer copied
// them into the database every second or third batch, and the same index pages
// over and over (the store's known-contact ingest ran about 17 % faster at 10,000).
const serverCheckpointPages = 10000

// importCheckpointPages is how far the write-ahead log of an importing process may
// grow (pages of 4 KiB) before its pages are copied into the database file.
const importCheckpointPages = 20000

// PrepareForImport sets this process's SQLite writer up for a long series of large
// writes (the import command): the write-ahead log may grow to about 80 MB before it
// is copied into the database, so an index page that batch after batch changes is
// copied once rather than after every batch. A server copies every 10,000 pages
// (serverCheckpointPages). PostgreSQL needs nothing.
func (s *Store) PrepareForImport(ctx context.Context) error {
	if s.engine != SQLite {
		return nil
	}
	_, err := s.write.ExecContext(ctx, `PRAGMA wal_autocheckpoint = `+strconv.Itoa(importCheckpointPages))
	return err
}

// runImportTx records an import's batch as ingestTx does, and keeps the planner
// informed of the tables it grows.
func (s *Store) runImportTx(ctx context.Context, caps []Capture, out []Captured, wrap func(tx *Tx, ingest func() error) error) error {
	err := s.ingestTx(ctx, caps, out, wrap)
	if err == nil {
		s.keepPlannerInformed(ctx, out) // advice only: the batch is committed
	}
	return err
}

// ingestTx records a batch in one transaction, set-based where it can, and capture
// by capture when the set-based statements fail. wrap, when set, runs the
// transaction's other statements around the recording (ingest). Deadlock victims run
// again.
func (s *Store) ingestTx(ctx context.Context, caps []Capture, out []Captured, wrap func(tx *Tx, ingest func() error) error) error {
	if wrap == nil {
		wrap = func(_ *Tx, ingest func() error) error { return ingest() }
	}
	for bulk := true; ; bulk = false {
		err := s.retryTx(ctx, func(tx *Tx) error {
			// ingestOne fills in a capture's defaults; every attempt starts from the same.
			work := slices.Clone(caps)
			clear(out)
			return wrap(tx, func() error {
				if err := lockIngest(ctx, tx); err != nil {
					return err
				}
				if bulk {
					return ingestBatch(ctx, tx, work, out)
				}
				return ingestOneByOne(ctx, tx, work, out)
			})
		})
		if errors.Is(err, errBulkFallback) && bulk {
			continue
		}
		return err
	}
}

// ingestOneByOne records caps one at a time through ingestOne, writing out: the
// fallback of the set-based path, and the reference its tests hold it to.
func ingestOneByOne(ctx context.Context, tx *Tx, caps []Capture, out []Captured) error {
	for i := range caps {
		r, err := ingestOne(ctx, tx, &caps[i])
		if err != nil {
			return itemError(i, err)
		}
		out[i] = r
	}
	return nil
}

// keepPlannerInformed analyses the tables captures grow, on PostgreSQL, once they
// hold more than twice the rows the planner last counted: the capture tables when
// contacts double, events (and visitors) when events double. Imports and bursts of
// form posts take a table from nothing to a million rows faster than autovacuum
// analyses it (and some servers run without it), and a planner that still believes
// a table small picks lookups that read all of it: on an unanalysed contacts table
// the duplicate check of a group of new contacts read every live contact through the
// merged-contact index; on an events table analysed at 1,500 rows and grown to
// 140,000 by events about known contacts, the previous page view of each one was
// found through the type index, reading every page view of every contact (5 ms a
// lookup under the API ingest load, instead of a few microseconds through the
// contact's own). Between checks it costs nothing: the next id worth a look is kept
// in memory.
func (s *Store) keepPlannerInformed(ctx context.Context, out []Captured) {
	if s.engine != Postgres {
		return
	}
	var contact, event int64
	for _, r := range out {
		if r.Created {
			contact = max(contact, r.ContactID)
		}
		event = max(event, r.EventID)
	}
	s.analyseWhenGrown(ctx, &s.analyseAbove, contact, "contacts", "contacts, companies, contact_stages, contact_terms, events, visitors")
	s.analyseWhenGrown(ctx, &s.analyseEventsAbove, event, "events", "events, visitors")
}

// analyseWhenGrown analyses tables when the newest id of table passed *above and the
// table holds more than twice the rows the planner counted, then sets *above to the
// next id worth a look. One look at a time: while it runs, *above is at its
// highest, so the group commits that land meanwhile (it runs beside the committer)
// do not start an ANALYZE each.
func (s *Store) analyseWhenGrown(ctx context.Context, above *atomic.Int64, newest int64, table, tables string) {
	was := above.Load()
	if newest <= was || !above.CompareAndSwap(was, math.MaxInt64) {
		return // nothing new enough, or a look is under way
	}
	next := newest // after a failure, look again once the table has grown
	defer func() { above.Store(next) }()
	var counted float64
	if s.write.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = '`+table+`'::regclass`).Scan(&counted) != nil {
		return
	}
	if float64(newest) > 2*max(counted, 0)+1000 {
		s.analyses.Add(1)
		if s.beforeAnalyse != nil {
			s.beforeAnalyse()
		}
		if _, err := s.write.ExecContext(ctx, `ANALYZE `+tables); err != nil {
			return
		}
		counted = float64(newest)
	}
	next = max(newest, int64(2*max(counted, 0)+1000))
}

// writeRun writes a run of captures set-based: the fresh contacts with their
// companies, search words and first stages, then every capture's consents and event
// (with the stage move of a fresh contact that goes further), then the fresh
// contacts' duplicate flags. What insertProfiled, ingestOne and flagDuplicatesOf write
// for each, table by table in the same order.
func writeRun(ctx context.Context, tx *Tx, run []bulkCapture, out []Captured, b *batchState) error {
	now := b.now
	var fresh []*bulkCapture
	for k := range run {
		if run[k].fresh {
			fresh = append(fresh, &run[k])
		}
	}
	if err := insertFreshContacts(ctx, tx, fresh, now); err != nil {
		return err
	}
	b.written(run)

	// Consents, in the order of the captures and of their consents.
	var args []any
	for _, bc := range run {
		if bc.skip {
			continue
		}
		for _, cs := range bc.c.Consents {
			at := cs.RecordedAt
			if at.IsZero() {
				at = bc.c.OccurredAt
			}
			args = append(args, bc.id, cs.Purpose, cs.Granted, cs.Basis, cs.Source, cs.Wording, cs.IP, ts(at))
		}
	}
	if err := insertBulk(ctx, tx, `INSERT INTO consents (contact_id, purpose, granted, basis, source, wording, ip, recorded_at) VALUES `, 8, ``, args, nil); err != nil {
		return err
	}

	// The captures' events, each followed by the stage move it makes. Both engines
	// number the rows of one insert in the order given.
	args = args[:0]
	var owners []int // the run's capture of each event, -1 for a stage move
	var moved []any
	for k, bc := range run {
		c := bc.c
		if bc.skip {
			out[bc.i] = Captured{ContactID: bc.id, Skipped: true}
			continue
		}
		args = append(args, nullID(bc.id), nullString(c.VisitorID), c.Type, ts(c.OccurredAt), ts(now), bc.props, nullString(bc.channel), nullID(bc.campaign), c.Actor)
		owners = append(owners, k)
		if bc.moveTo != "" {
			props, err := json.Marshal(map[string]any{"from": initialStage(c), "to": bc.moveTo, "reason": "captured by " + c.Type})
			if err != nil {
				return err
			}
			args = append(args, bc.id, nil, "stage_changed", ts(c.OccurredAt), ts(now), string(props), nil, nil, "system")
			owners = append(owners, -1)
			moved = append(moved, bc.id)
		}
	}
	tx.eventsRecorded()
	var ids []int64
	err := insertArrays(ctx, tx, `events`, `contact_id, visitor_id, type, occurred_at, received_at, properties, channel, campaign_id, actor`,
		[]string{"BIGINT", "TEXT", "TEXT", "BIGINT", "BIGINT", "JSONB", "TEXT", "BIGINT", "TEXT"}, ` RETURNING id`, args, func(r *sql.Rows) error {
			var id int64
			err := r.Scan(&id)
			ids = append(ids, id)
			return err
		})
	if err != nil {
		return err
	}
	if len(ids) != len(owners) {
		return errors.New("the events inserted do not match the run")
	}
	slices.Sort(ids)
	for n, k := range owners {
		if k >= 0 {
			out[run[k].i] = Captured{ContactID: run[k].id, EventID: ids[n], Created: run[k].fresh}
		}
	}

	// Fresh contacts that go beyond their first stage (a sign-up that makes an MQL),
	// as moveStage moves them.
	if len(moved) > 0 {
		if _, err := tx.exec(ctx, `UPDATE contacts SET stage = ?, updated_at = ? WHERE id IN (`+placeholders(len(moved))+`)`,
			append([]any{lifecycle.MQL, ts(now)}, moved...)...); err != nil {
			return err
		}
		args = args[:0]
		for _, bc := range fresh {
			if bc.moveTo != "" {
				args = append(args, bc.id, bc.moveTo, ts(bc.c.OccurredAt))
			}
		}
		if err := insertBulk(ctx, tx, `INSERT INTO contact_stages (contact_id, stage, entered_at) VALUES `, 3, ` ON CONFLICT (contact_id, stage) DO NOTHING`, args, nil); err != nil {
			return err
		}
	}
	return flagNewDuplicates(ctx, tx, fresh, now)
}

// contactTypes are the PostgreSQL types of the columns insertFreshContacts writes.
var contactTypes = []string{"TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT",
	"JSONB", "BIGINT", "TEXT", "TEXT", "TEXT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "BIGINT",
	"TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "BIGINT", "TEXT"}

// insertFreshContacts writes a run's new contacts with their companies, search words
// and first stage, and gives each its id.
func insertFreshContacts(ctx context.Context, tx *Tx, run []*bulkCapture, now time.Time) error {
	if len(run) == 0 {
		return nil
	}
	// Companies: every proposal, in order, as upsertCompany makes them (the first name
	// given wins; PostgreSQL spends an id on each, as it does there).
	var args []any
	domains := map[string]int64{}
	for _, nc := range run {
		if d := nc.c.CompanyDomain; d != "" {
			name := nc.c.Fields.CompanyName
			if name == "" {
				name = contact.CompanyNameFromDomain(d)
			}
			args = append(args, d, name, ts(now))
			domains[d] = 0
		}
	}
	if err := insertBulk(ctx, tx, `INSERT INTO companies (domain, name, created_at) VALUES `, 3, ` ON CONFLICT (domain) DO NOTHING`, args, nil); err != nil {
		return err
	}
	if len(domains) > 0 {
		list := make([]any, 0, len(domains))
		for d := range domains {
			list = append(list, d)
		}
		for len(list) > 0 {
			n := min(len(list), 1000)
			in := tx.inList(list[:n])
			err := txRows(ctx, tx, `SELECT id, domain FROM companies WHERE domain IN (`+placeholders(len(in))+`)`, in, func(r *sql.Rows) error {
				var id int64
				var d string
				if err := r.Scan(&id, &d); err != nil {
					return err
				}
				domains[d] = id
				return nil
			})
			if err != nil {
				return err
			}
			list = list[n:]
		}
	}

	// Contacts, with their whole profile and first touch, as insertProfiled writes them.
	args = args[:0]
	byEmail := make(map[string]int, len(run))
	for k := range run {
		nc := run[k]
		c, f := nc.c, nc.c.Fields
		var company any
		if c.CompanyDomain != "" {
			nc.company = domains[c.CompanyDomain]
			company = nc.company
		}
		channel, campaign := nc.channel, nc.campaign
		var touchAt any
		if channel != "" {
			touchAt = ts(c.OccurredAt)
		}
		byEmail[c.Email] = k
		prof, country, city := profileColumns(c, now)
		args = append(args, c.Email, nullString(c.Phone), f.FirstName, f.LastName, f.JobTitle, f.CompanyName, f.Street, f.PostalCode, city, f.Region,
			country, nc.custom, company, nc.key, nc.search, initialStage(c), ts(c.OccurredAt), ts(now), touchAt, nullString(channel), nullID(campaign))
		args = append(args, prof[:]...)
		args = append(args, f.AgeBand)
	}
	inserted := 0
	err := insertArrays(ctx, tx, `contacts`, `email, phone, first_name, last_name, job_title, company_name, street, postal_code, city, region, country,
		custom, company_id, dedupe_key, search, stage, created_at, updated_at, first_touch_at, first_touch_channel, first_touch_campaign_id,
		seniority, department, email_type, phone_type, phone_region, enriched_at, age_band`, contactTypes,
		` ON CONFLICT (email) DO NOTHING RETURNING id, email`, args, func(r *sql.Rows) error {
			var id int64
			var email string
			if err := r.Scan(&id, &email); err != nil {
				return err
			}
			k, ok := byEmail[email]
			if !ok || run[k].id != 0 {
				return errors.New("an inserted contact does not match the batch")
			}
			run[k].id = id
			inserted++
			return nil
		})
	if err != nil {
		return err
	}
	if inserted != len(run) {
		// Another transaction inserted one of these emails meanwhile.
		return errors.New("some emails of the batch exist after all")
	}

	// Search words: on SQLite the word indexer writes them after the commit
	// (search_index.go).
	if tx.s.engine == SQLite {
		tx.contactsCreated()
	} else {
		var terms []string
		var ids []int64
		for _, nc := range run {
			for _, w := range strings.Fields(nc.search) {
				terms = append(terms, w)
				ids = append(ids, nc.id)
			}
		}
		if err := insertTermArrays(ctx, tx, terms, ids); err != nil {
			return err
		}
	}

	// First stages.
	args = args[:0]
	for _, nc := range run {
		args = append(args, nc.id, initialStage(nc.c), ts(nc.c.OccurredAt))
	}
	if err := insertArrays(ctx, tx, `contact_stages`, `contact_id, stage, entered_at`, []string{"BIGINT", "TEXT", "BIGINT"},
		` ON CONFLICT (contact_id, stage) DO NOTHING`, args, nil); err != nil {
		return err
	}
	return nil
}

// flagNewDuplicates flags each new contact of the run as flagDuplicatesOf would have
// right after its insert: against the contacts that existed then, which are those
// with a smaller id. Only a phone or key that two contacts share is looked up.
func flagNewDuplicates(ctx context.Context, tx *Tx, run []*bulkCapture, now time.Time) error {
	shared := func(col string, val func(*bulkCapture) string) (map[string]bool, error) {
		seen := map[string]bool{}
		var list []any
		for k := range run {
			if v := val(run[k]); v != "" && !seen[v] {
				seen[v] = true
				list = append(list, v)
			}
		}
		out := map[string]bool{}
		for len(list) > 0 {
			n := min(len(list), 1000)
			// One index lookup per value, stopping at the second contact: a plain IN
			// with GROUP BY lets PostgreSQL choose to scan the whole table. The
			// repeated condition lets both engines use the partial index.
			in := tx.inList(list[:n])
			q := `SELECT column1 FROM (VALUES ` + strings.TrimSuffix(strings.Repeat("(?), ", len(in)), ", ") + `) AS v
				WHERE (SELECT COUNT(*) FROM (SELECT 1 FROM contacts c WHERE c.` + col + ` = v.column1 AND c.` + col + ` IS NOT NULL AND c.` + col + ` <> ''
					AND c.merged_into_id IS NULL LIMIT 2) AS two) > 1`
			err := txRows(ctx, tx, q, in, func(r *sql.Rows) error {
				var v string
				if err := r.Scan(&v); err != nil {
					return err
				}
				out[v] = true
				return nil
			})
			if err != nil {
				return nil, err
			}
			list = list[n:]
		}
		return out, nil
	}
	phones, err := shared("phone", func(nc *bulkCapture) string { return nc.c.Phone })
	if err != nil {
		return err
	}
	keys, err := shared("dedupe_key", func(nc *bulkCapture) string { return nc.key })
	if err != nil {
		return err
	}
	if len(phones) == 0 && len(keys) == 0 {
		return nil
	}
	var args []any
	others := func(reason, q string, arg any, id int64) error {
		return txRows(ctx, tx, q, []any{arg, id, id}, func(r *sql.Rows) error {
			var o int64
			if err := r.Scan(&o); err != nil {
				return err
			}
			args = append(args, id, o, reason, ts(now))
			return nil
		})
	}
	for _, nc := range run {
		if phones[nc.c.Phone] {
			if err := others("same phone", `SELECT id FROM contacts WHERE phone = ? AND phone IS NOT NULL AND id <> ? AND id < ? AND merged_into_id IS NULL LIMIT 20`,
				nc.c.Phone, nc.id); err != nil {
				return err
			}
		}
		if keys[nc.key] {
			if err := others("same name at the same company", `SELECT id FROM contacts WHERE dedupe_key = ? AND dedupe_key <> '' AND id <> ? AND id < ?
				AND merged_into_id IS NULL LIMIT 20`, nc.key, nc.id); err != nil {
				return err
			}
		}
	}
	return insertBulk(ctx, tx, `INSERT INTO duplicate_flags (contact_id, other_id, reason, created_at) VALUES `, 4,
		` ON CONFLICT (contact_id, other_id) DO NOTHING`, args, nil)
}

// insertBulk runs a multi-row insert of args, cols values a row, in as few statements
// as the engines' limits allow (on SQLite, see stmtRows); scan, when set, reads each
// row the suffix returns, statement after statement.
func insertBulk(ctx context.Context, tx *Tx, prefix string, cols int, suffix string, args []any, scan func(*sql.Rows) error) error {
	row := "(" + placeholders(cols) + ")"
	per := maxBulkParams / cols
	for len(args) > 0 {
		n := tx.stmtRows(len(args)/cols, per)
		q := prefix + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + suffix
		var err error
		if scan != nil {
			err = txRows(ctx, tx, q, args[:n*cols], scan)
		} else {
			_, err = tx.exec(ctx, q, args[:n*cols]...)
		}
		if err != nil {
			return err
		}
		args = args[n*cols:]
	}
	return nil
}

// stmtRows is how many of rows one statement takes, at most limit. On SQLite it is
// the largest power of two that fits: a statement of another size is a text the
// driver has not prepared (it keeps 256, and a group commit's dozen inserts at every
// group size are more), and compiling it cost a group of form posts more than running
// it; powers of two give each insert a few texts, for as many statements as the
// rows' bits. PostgreSQL's driver keeps 512 statements a connection, so each size is
// prepared once anyway, and every statement there is a round trip: one takes them all.
func (t *Tx) stmtRows(rows, limit int) int {
	n := max(min(rows, limit), 1)
	if t.s.engine != SQLite {
		return n
	}
	return 1 << (bits.Len(uint(n)) - 1)
}

// inList pads the values of an IN (...) or VALUES list on SQLite to the next power of
// two by repeating the last one, so that the statement is one of a few the driver
// keeps prepared (see stmtRows); a repeated value matches nothing new.
func (t *Tx) inList(list []any) []any {
	n := len(list)
	if t.s.engine != SQLite || n == 0 || n&(n-1) == 0 {
		return list
	}
	padded := make([]any, 1<<bits.Len(uint(n)))
	copy(padded, list)
	for i := n; i < len(padded); i++ {
		padded[i] = list[n-1]
	}
	return padded
}

// insertArrays inserts args, one value a column of cols a row, into table: on SQLite as
// insertBulk does, on PostgreSQL as one statement of one array a column through
// unnest. types are the columns' PostgreSQL types (TEXT, BIGINT or JSONB). An array
// statement has the same text for any number of rows, so the server plans it once
// per connection; a multi-row VALUES list of a group commit's twenty posts (540
// parameters for the contacts) was a new text at nearly every group size, parsed and
// planned again. unnest gives the rows in the order of the arrays, and the insert
// numbers them in that order, as it does a VALUES list.
func insertArrays(ctx context.Context, tx *Tx, table, cols string, types []string, suffix string, args []any, scan func(*sql.Rows) error) error {
	if tx.s.engine != Postgres {
		return insertBulk(ctx, tx, `INSERT INTO `+table+` (`+cols+`) VALUES `, len(types), suffix, args, scan)
	}
	if len(args) == 0 {
		return nil
	}
	arrays := make([]any, len(types))
	casts := make([]string, len(types))
	sel := make([]string, len(types))
	names := make([]string, len(types))
	for j, typ := range types {
		names[j] = "c" + strconv.Itoa(j)
		sel[j] = "u." + names[j]
		var err error
		switch typ {
		case "BIGINT":
			arrays[j], err = arrayColumn(args, j, len(types), arrayInt)
			casts[j] = "CAST(? AS BIGINT[])"
		case "TEXT", "JSONB":
			arrays[j], err = arrayColumn(args, j, len(types), arrayText)
			casts[j] = "CAST(? AS TEXT[])"
			if typ == "JSONB" {
				sel[j] += "::jsonb"
			}
		default:
			err = errors.New("insertArrays: no array of " + typ)
		}
		if err != nil {
			return err
		}
	}
	q := `INSERT INTO ` + table + ` (` + cols + `) SELECT ` + strings.Join(sel, ", ") + ` FROM unnest(` + strings.Join(casts, ", ") + `) AS u(` +
		strings.Join(names, ", ") + `)` + suffix
	if scan != nil {
		return txRows(ctx, tx, q, arrays, scan)
	}
	_, err := tx.exec(ctx, q, arrays...)
	return err
}

// arrayColumn is column j of the rows of width values in args, as one array.
func arrayColumn[T any](args []any, j, width int, value func(any) (*T, error)) ([]*T, error) {
	a := make([]*T, len(args)/width)
	for i := range a {
		v, err := value(args[i*width+j])
		if err != nil {
			return nil, err
		}
		a[i] = v
	}
	return a, nil
}

// arrayInt is a BIGINT value of insertArrays, nil for NULL.
func arrayInt(v any) (*int64, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		return &x, nil
	case int:
		n := int64(x)
		return &n, nil
	case sql.NullInt64:
		if !x.Valid {
			return nil, nil
		}
		return &x.Int64, nil
	}
	return nil, errors.New("insertArrays: a BIGINT column holds another type")
}

// arrayText is a TEXT value of insertArrays, nil for NULL.
func arrayText(v any) (*string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return &x, nil
	case sql.NullString:
		if !x.Valid {
			return nil, nil
		}
		return &x.String, nil
	}
	return nil, errors.New("insertArrays: a TEXT column holds another type")
}
