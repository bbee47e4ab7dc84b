package store

import (
	"context"
	"time"
)

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

// AnalysesForTest is how many times the store analysed tables as they grew.
func AnalysesForTest(s *Store) int64 { return s.analyses.Load() }

// SlowAnalyseForTest makes each ANALYZE of a growing table wait d first, as one of a
// large table takes a while.
func SlowAnalyseForTest(s *Store, d time.Duration) { s.beforeAnalyse = func() { time.Sleep(d) } }

// AddCostHoldingFor writes a cost entry as AddCost does, then runs fn before the
// transaction commits.
func AddCostHoldingFor(ctx context.Context, s *Store, campaignID, amount int64, fn func() error) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		if err := lockMoney(ctx, tx, "", ""); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO cost_entries (campaign_id, spent_on, amount, hours_hundredths, note, created_at) VALUES (?, ?, ?, 0, '', ?)`,
			campaignID, "2026-03-01", amount, ts(s.Now())); err != nil {
			return err
		}
		return fn()
	})
}
