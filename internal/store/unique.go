package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// uniqueViolation reports a write refused by a unique constraint. On PostgreSQL two
// transactions can both find a name free before either commits; the later one's
// insert then fails on the constraint, and is the same conflict its check would have
// reported. SQLite's single writer lets that happen only on a direct race of this
// kind too, and its drivers say so in the message.
func uniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// uniqueConflict turns a unique violation into conflict, and leaves other errors be.
func uniqueConflict(err error, conflict error) error {
	if uniqueViolation(err) {
		return conflict
	}
	return err
}
