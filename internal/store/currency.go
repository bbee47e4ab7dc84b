package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/money"
)

// SettingCurrency is the workspace setting naming the ISO 4217 currency of every
// amount the workspace keeps: cost entries, deals, campaign budgets and the hourly
// rate. Amounts are stored as integers of its minor units.
const SettingCurrency = "currency"

// lockMoney is taken by every transaction that writes amounts (cost entries, deals,
// campaign budgets) before it writes them. readIn is the currency they were read in
// (their Currency field): one whose decimals are no longer the workspace's, because
// its currency changed between the reading and this write, is refused, naming field.
func lockMoney(ctx context.Context, tx *Tx, readIn, field string) error {
	if err := advisoryLockShared(ctx, tx, lockCurrency); err != nil || readIn == "" {
		return err
	}
	cur, err := currencyTx(ctx, tx)
	if err != nil {
		return err
	}
	if money.Of(readIn).Exponent != cur.Exponent {
		return errs.E(errs.Conflict, field, "was read in %s, but the workspace's currency changed to %s meanwhile; send it again", readIn, cur.Code)
	}
	return nil
}

// Currency is the workspace's currency: the one set, or money.Default() when none is.
func (s *Store) Currency(ctx context.Context) (money.Currency, error) {
	v, err := s.Setting(ctx, SettingCurrency)
	if err != nil {
		return money.Currency{}, err
	}
	return money.Of(v), nil
}

// currencyTx reads the currency inside a transaction, as of its own changes.
func currencyTx(ctx context.Context, tx *Tx) (money.Currency, error) {
	var v string
	err := tx.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, SettingCurrency).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return money.Currency{}, err
	}
	return money.Of(v), nil
}

// checkCurrencyChange refuses a new currency whose minor unit differs from the one
// in force while money is stored: 1250 cents are 12.50 dollars, but 1250 yen, so the
// stored amounts would change their meaning. A change between currencies of the same
// exponent (USD to EUR) relabels the amounts and is allowed: Lodestone converts
// nothing. It runs in the transaction that writes the setting, holding lockCurrency.
func checkCurrencyChange(ctx context.Context, tx *Tx, code string) error {
	next, ok := money.Lookup(code)
	if !ok || next.Code != code {
		return errs.Field(SettingCurrency, "must be an ISO 4217 code Lodestone knows, such as USD, EUR, GBP or JPY")
	}
	if err := advisoryLock(ctx, tx, lockCurrency); err != nil { // waits for lockMoney's holders
		return err
	}
	now, err := currencyTx(ctx, tx)
	if err != nil || now.Exponent == next.Exponent {
		return err
	}
	for _, t := range []struct{ query, what string }{
		{`SELECT EXISTS (SELECT 1 FROM cost_entries WHERE amount <> 0)`, "cost entries"},
		{`SELECT EXISTS (SELECT 1 FROM deals WHERE amount <> 0)`, "deals"},
		{`SELECT EXISTS (SELECT 1 FROM campaigns WHERE budget IS NOT NULL AND budget <> 0)`, "campaign budgets"},
	} {
		var found bool
		if err := tx.queryRow(ctx, t.query).Scan(&found); err != nil {
			return err
		}
		if found {
			return errs.E(errs.Conflict, SettingCurrency,
				"cannot change from %s to %s: the workspace already keeps %s in %s, stored as %s, and %s counts %s; "+
					"they would change their meaning. A currency with the same number of decimals is allowed (it relabels the amounts, nothing is converted)",
				now.Code, next.Code, t.what, now.Code, unitName(now), next.Code, unitName(next))
		}
	}
	return nil
}

func unitName(c money.Currency) string {
	switch c.Exponent {
	case 0:
		return "whole units"
	case 2:
		return "hundredths"
	case 3:
		return "thousandths"
	}
	return "minor units"
}
