package store

import "context"

// Advisory locks that make PostgreSQL writers take turns across nodes. Each is
// scoped to the schema the store works in, so that two Lodestone workspaces kept in
// two schemas of one database (or the test suite's many schemas) never wait for each
// other.
const (
	lockMigrate   int32 = 4242001
	lockIngesting int32 = 4242002
	lockScores    int32 = 4242008
	// lockReportFacts lets one transaction at a time work report facts out, so two
	// readers never write the same contact's facts.
	lockReportFacts int32 = 7_715_015
	// lockUsers makes changes to users' roles and access take turns, so two admins
	// demoting each other at once cannot leave the workspace without one.
	lockUsers int32 = 4242028
	// lockCurrency makes a change of the workspace currency and the writes of money
	// take turns: a write holds it shared (lockMoney), the change alone. The change's
	// look for stored money so sees every write begun before it, and no write lands
	// between that look and its commit; a write that read its amounts in the old
	// currency, and comes after the change, sees the new one and is refused.
	lockCurrency int32 = 4242030
	// lockPredict makes the nodes take turns following changes with the predictive
	// score (ScorePredictiveChanges), and a new model wait for the pass under way.
	lockPredict int32 = 4242032
)

// advisoryLock takes one of the locks above until the transaction ends. It does
// nothing on SQLite, whose single writer serialises writers by itself.
func advisoryLock(ctx context.Context, tx *Tx, key int32) error {
	if tx.s.engine != Postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?, hashtext(COALESCE(current_schema(), '')))`, key)
	return err
}

// advisoryLockShared takes one of the locks above beside other holders of its shared
// form, until the transaction ends; advisoryLock waits for them all. Nothing on SQLite.
func advisoryLockShared(ctx context.Context, tx *Tx, key int32) error {
	if tx.s.engine != Postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock_shared(?, hashtext(COALESCE(current_schema(), '')))`, key)
	return err
}

// forUpdate is the clause that locks the rows a read in a transaction selects until
// it ends, on PostgreSQL: a change that reads a contact's stage before writing it would
// otherwise run beside another such change, and both would write from the same stage.
// SQLite's single writer runs write transactions one at a time and has no such clause.
// NO KEY UPDATE: no change touches a contact's id, so the key checks of events being
// written about that contact (KEY SHARE) go on meanwhile.
func (tx *Tx) forUpdate() string {
	if tx.s.engine != Postgres {
		return ""
	}
	return " FOR NO KEY UPDATE"
}
