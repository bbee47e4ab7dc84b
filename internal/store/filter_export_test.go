package store

import "context"

// ExecForTest runs a statement on the writer, so filter tests and benchmarks can lay
// down rows of every shape directly.
func ExecForTest(ctx context.Context, s *Store, q string, args ...any) error {
	_, err := s.write.ExecContext(ctx, s.rebind(q), args...)
	return err
}

// QueryCountForTest runs a COUNT query on the readers, as a raw figure beside a
// segment count.
func QueryCountForTest(ctx context.Context, s *Store, q string, args ...any) error {
	var n int64
	return s.queryRow(ctx, q, args...).Scan(&n)
}

// PlanForTest is the engine's plan of a query, one line a step.
func PlanForTest(s *Store, q string, args ...any) ([]string, error) {
	if s.engine == Postgres {
		rows, err := s.read.Query(s.rebind("EXPLAIN "+q), args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return nil, err
			}
			out = append(out, line)
		}
		return out, rows.Err()
	}
	rows, err := s.read.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b, c int
		var d string
		if err := rows.Scan(&a, &b, &c, &d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
