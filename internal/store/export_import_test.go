package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// DumpTables returns every row of every table but schema_migrations (whose times are
// the clock's), each row as text, sorted: two stores that dump the same hold the same.
// A campaign's short code is random (newShortCode), and shows as one.
func (s *Store) DumpTables(ctx context.Context) (map[string][]string, error) {
	// The search words of new contacts, as inline writing would have left them.
	if err := s.IndexSearchWords(ctx); err != nil {
		return nil, err
	}
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if s.engine == Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	var tables []string
	rows, err := s.read.QueryContext(ctx, q)
	err = eachRow(rows, err, func(r *sql.Rows) error {
		var t string
		err := r.Scan(&t)
		tables = append(tables, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, t := range tables {
		if t == "schema_migrations" {
			continue
		}
		rows, err := s.read.QueryContext(ctx, `SELECT * FROM `+t)
		lines, err := textRows(rows, err, true)
		if err != nil {
			return nil, err
		}
		if t == "campaigns" {
			for i, l := range lines {
				lines[i] = shortCodeColumn.ReplaceAllString(l, "short_code=(random)")
			}
		}
		sort.Strings(lines)
		out[t] = lines
	}
	return out, nil
}

var shortCodeColumn = regexp.MustCompile(`short_code=[a-z0-9]{7}\b`)

// PlannerContacts is PostgreSQL's count of contacts as of their last analysis.
func (s *Store) PlannerContacts(ctx context.Context) (float64, error) {
	var n float64
	err := s.read.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'contacts'::regclass`).Scan(&n)
	return n, err
}

// textRows reads each row of a query's answer as text, its values joined by " | ",
// each written column=value when named.
func textRows(rows *sql.Rows, err error, named bool) ([]string, error) {
	if err != nil {
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	var out []string
	err = eachRow(rows, nil, func(r *sql.Rows) error {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			return err
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprint(v)
			if named {
				parts[i] = cols[i] + "=" + parts[i]
			}
		}
		out = append(out, strings.Join(parts, " | "))
		return nil
	})
	return out, err
}
