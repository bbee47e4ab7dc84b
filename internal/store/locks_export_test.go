package store

import "context"

// LockIngestingFor runs fn while a transaction of s holds the ingest lock.
func LockIngestingFor(ctx context.Context, s *Store, fn func() error) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		if err := advisoryLock(ctx, tx, lockIngesting); err != nil {
			return err
		}
		return fn()
	})
}

// WaitForBackgroundForTest waits for the work the store started on its own
// goroutines (planner statistics after group commits).
func WaitForBackgroundForTest(s *Store) { s.background.Wait() }
