package store

import "context"

// ExecForTest runs a statement on the writer, so filter tests and benchmarks can lay
// down rows of every shape directly.
func ExecForTest(ctx context.Context, s *Store, q string, args ...any) error {
	_, err := s.write.ExecContext(ctx, s.rebind(q), args...)
	return err
}
