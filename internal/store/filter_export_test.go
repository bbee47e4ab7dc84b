package store

import (
	"context"

	"github.com/lodestone-hq/lodestone/internal/filter"
)

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

// CountQueryForTest is the statement CountMatching runs for a filter.
func CountQueryForTest(s *Store, f filter.Filter) (string, []any, error) { return s.countQuery(f) }
