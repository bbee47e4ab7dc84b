package store

import (
	"cmp"
	"context"
	"database/sql"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// The facts of migration 0015: what the sources report and the dashboard need of each
// cohort member beyond counts (its credits under every model, its revenue, its speed to
// lead), worked out here once per contact rather than at every read. Triggers list in
// report_dirty every contact a change may concern, in the transaction of the change;
// refreshReportFacts works those contacts out again, with the same code the direct
// computation uses, and takes them off the list in one transaction. Readers call it
// first, so what they read is what the direct computation gives.

// reportFactsBatch is how many marks one transaction works out.
const reportFactsBatch = 2000

// refreshReportFacts works out the facts of every contact marked in report_dirty so far.
func (s *Store) refreshReportFacts(ctx context.Context) error {
	var last int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM report_dirty`).Scan(&last); err != nil || last == 0 {
		return err
	}
	lock := func(tx *Tx) error {
		return advisoryLock(ctx, tx, lockReportFacts)
	}
	// Marks of contacts that have no facts and whose contact (or the one it is merged
	// into) has entered neither SQL nor customer change nothing. Their transactions have
	// committed, so a stage entered since is marked too.
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if err := lock(tx); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM report_dirty WHERE id <= ?
			AND NOT EXISTS (SELECT 1 FROM contact_stages s WHERE s.stage IN ('sql', 'customer')
				AND s.contact_id = COALESCE((SELECT c.merged_into_id FROM contacts c WHERE c.id = report_dirty.contact_id), report_dirty.contact_id))
			AND NOT EXISTS (SELECT 1 FROM report_speed f WHERE f.contact_id = report_dirty.contact_id)
			AND NOT EXISTS (SELECT 1 FROM report_credits f WHERE f.contact_id = report_dirty.contact_id)`, last)
		return err
	})
	if err != nil {
		return err
	}
	for {
		more := false
		err := s.RunInTx(ctx, func(tx *Tx) error {
			if err := lock(tx); err != nil {
				return err
			}
			var ids, contacts []int64
			err := txRows(ctx, tx, `SELECT id, contact_id FROM report_dirty WHERE id <= ? ORDER BY id LIMIT ?`, []any{last, reportFactsBatch}, func(rows *sql.Rows) error {
				var id, c int64
				if err := rows.Scan(&id, &c); err != nil {
					return err
				}
				ids, contacts = append(ids, id), append(contacts, c)
				return nil
			})
			if err != nil || len(ids) == 0 {
				return err
			}
			more = len(ids) == reportFactsBatch
			if err := s.workOutFacts(ctx, tx, contacts); err != nil {
				return err
			}
			_, err = tx.exec(ctx, `DELETE FROM report_dirty WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
			return err
		})
		if err != nil || !more {
			return err
		}
	}
}

// workOutFacts replaces the facts of the contacts and of the contacts they are merged into.
func (s *Store) workOutFacts(ctx context.Context, tx *Tx, dirty []int64) error {
	dirty = reportUniq(dirty)
	roots := slices.Clone(dirty)
	err := txRows(ctx, tx, `SELECT merged_into_id FROM contacts WHERE merged_into_id IS NOT NULL AND id IN (`+placeholders(len(dirty))+`)`, int64Args(dirty), func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		roots = append(roots, id)
		return err
	})
	if err != nil {
		return err
	}
	roots = reportUniq(roots)
	for _, table := range []string{"report_credits", "report_speed"} {
		if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE contact_id IN (`+placeholders(len(roots))+`)`, int64Args(roots)...); err != nil {
			return err
		}
	}
	facts, err := readFactsInputs(ctx, tx, roots)
	if err != nil {
		return err
	}
	var credits, speeds []any
	for _, f := range facts {
		src := f.customer.FirstTouch
		if f.speed != nil {
			speeds = append(speeds, f.id, ts(f.customer.CreatedAt), src.Channel, src.CampaignID, *f.speed)
		}
		if !f.isCustomer {
			continue
		}
		var revenue int64
		for _, d := range f.customer.Deals {
			revenue += d.Amount
		}
		credits = append(credits, f.id, string(attribution.FirstTouch), src.Channel, src.CampaignID, ts(f.customer.CreatedAt), 1, 1, "", revenue)
		for _, m := range attribution.Models {
			if m == attribution.FirstTouch {
				continue
			}
			for _, c := range report.CustomerCredits(m, &f.customer) {
				num, den, exact := creditColumns(c.Customers)
				credits = append(credits, f.id, string(m), c.Channel, c.CampaignID, ts(f.customer.CreatedAt), num, den, exact, c.Revenue)
			}
		}
	}
	if err := insertRows(ctx, tx, `INSERT INTO report_credits (contact_id, model, channel, campaign_id, created_at, num, den, exact, revenue) VALUES `, 9, credits); err != nil {
		return err
	}
	return insertRows(ctx, tx, `INSERT INTO report_speed (contact_id, created_at, channel, campaign_id, micros) VALUES `, 5, speeds)
}

// creditColumns is how report_credits holds a share: num/den for a fraction with a
// denominator under 2^31; num over den = 2^62 for one on time_decay's grid (a power of
// two denominator, num scaled up to it), so that readCredits adds the grid's shares
// of all customers as integers; otherwise the exact fraction as text, den 0.
func creditColumns(r *big.Rat) (num, den int64, exact string) {
	n, d := r.Num(), r.Denom()
	if n.IsInt64() && d.IsInt64() && d.Int64() < 1<<31 {
		return n.Int64(), d.Int64(), ""
	}
	if bits := d.BitLen() - 1; uint(bits) == d.TrailingZeroBits() && bits <= creditGridBits && n.Sign() >= 0 && n.BitLen()+creditGridBits-bits <= 63 {
		return new(big.Int).Lsh(n, uint(creditGridBits-bits)).Int64(), 1 << creditGridBits, ""
	}
	return 0, 0, r.String()
}

// creditGridBits is time_decay's grid, 2^-62 of a customer (attribution.DecayGrid).
const creditGridBits = 62

// contactFacts is what the facts of one contact are worked out from.
type contactFacts struct {
	id         int64
	isCustomer bool
	sqlAt      sql.NullInt64
	customer   report.Customer
	speed      *int64
	members    []int64
}

// readFactsInputs reads, for the roots that are not merged and have entered SQL or
// customer, what reportCustomers and reportSpeed read for them: the contact, its stage
// entries, and the touches, won deals and sales touches of it and of the contacts merged into it.
func readFactsInputs(ctx context.Context, tx *Tx, roots []int64) ([]*contactFacts, error) {
	var out []*contactFacts
	byID := map[int64]*contactFacts{}
	err := txRows(ctx, tx, `SELECT c.id, c.created_at, c.first_touch_channel, c.first_touch_campaign_id,
		(SELECT entered_at FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'sql'),
		(SELECT entered_at FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'opportunity'),
		(SELECT entered_at FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'customer')
		FROM contacts c WHERE c.merged_into_id IS NULL AND c.id IN (`+placeholders(len(roots))+`)`, int64Args(roots), func(rows *sql.Rows) error {
		var f contactFacts
		var created int64
		var channel sql.NullString
		var campaign, opportunity, customer sql.NullInt64
		if err := rows.Scan(&f.id, &created, &channel, &campaign, &f.sqlAt, &opportunity, &customer); err != nil {
			return err
		}
		if !f.sqlAt.Valid && !customer.Valid {
			return nil
		}
		f.isCustomer = customer.Valid
		f.customer = report.Customer{
			ID: f.id, FirstTouch: report.Source{Channel: channel.String, CampaignID: campaign.Int64},
			CreatedAt: fromTS(created), OpportunityAt: fromNullTS(opportunity), ConvertedAt: fromNullTS(customer),
		}
		f.members = []int64{f.id}
		byID[f.id] = &f
		out = append(out, &f)
		return nil
	})
	if err != nil || len(out) == 0 {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, f := range out {
		ids[i] = f.id
	}
	member := map[int64]*contactFacts{}
	for _, f := range out {
		member[f.id] = f
	}
	err = txRows(ctx, tx, `SELECT id, merged_into_id FROM contacts WHERE merged_into_id IN (`+placeholders(len(ids))+`)`, int64Args(ids), func(rows *sql.Rows) error {
		var id, root int64
		if err := rows.Scan(&id, &root); err != nil {
			return err
		}
		f := byID[root]
		f.members = append(f.members, id)
		member[id] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	all := make([]int64, 0, len(member))
	for id := range member {
		all = append(all, id)
	}
	slices.Sort(all)
	// Touches, ordered as the direct read orders them: by time, then by event id.
	type touch struct {
		id int64
		report.Touch
	}
	touches := map[*contactFacts][]touch{}
	err = txRows(ctx, tx, `SELECT contact_id, id, occurred_at, channel, campaign_id FROM events WHERE channel IS NOT NULL AND contact_id IN (`+placeholders(len(all))+`)`,
		int64Args(all), func(rows *sql.Rows) error {
			var contact, id, at int64
			var channel string
			var campaign sql.NullInt64
			if err := rows.Scan(&contact, &id, &at, &channel, &campaign); err != nil {
				return err
			}
			if f := member[contact]; f.isCustomer {
				touches[f] = append(touches[f], touch{id, report.Touch{At: fromTS(at), Source: report.Source{Channel: channel, CampaignID: campaign.Int64}}})
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	for f, ts := range touches {
		slices.SortFunc(ts, func(a, b touch) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.id, b.id)) })
		f.customer.Touches = make([]report.Touch, len(ts))
		for i, t := range ts {
			f.customer.Touches[i] = t.Touch
		}
	}
	type deal struct {
		id, amount, closed int64
	}
	deals := map[*contactFacts][]deal{}
	err = txRows(ctx, tx, `SELECT contact_id, id, amount, closed_at FROM deals WHERE status = 'won' AND closed_at IS NOT NULL AND contact_id IN (`+placeholders(len(all))+`)`,
		int64Args(all), func(rows *sql.Rows) error {
			var contact int64
			var d deal
			if err := rows.Scan(&contact, &d.id, &d.amount, &d.closed); err != nil {
				return err
			}
			if f := member[contact]; f.isCustomer {
				deals[f] = append(deals[f], d)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	for f, ds := range deals {
		slices.SortFunc(ds, func(a, b deal) int { return cmp.Or(cmp.Compare(a.closed, b.closed), cmp.Compare(a.id, b.id)) })
		// The conversion is the first won deal, as reportCustomers has it.
		f.customer.ConvertedAt = fromTS(ds[0].closed)
		for _, d := range ds {
			f.customer.Deals = append(f.customer.Deals, report.Deal{Amount: d.amount, ClosedAt: fromTS(d.closed)})
		}
	}
	// Speed to lead: the earliest sales touch of any member at or after entering SQL.
	err = txRows(ctx, tx, `SELECT e.contact_id, e.occurred_at FROM events e WHERE e.type IN ('call', 'meeting_booked', 'email_sent') AND `+salesTouch+`
		AND e.contact_id IN (`+placeholders(len(all))+`)`, int64Args(all), func(rows *sql.Rows) error {
		var contact, at int64
		if err := rows.Scan(&contact, &at); err != nil {
			return err
		}
		f := member[contact]
		if f.sqlAt.Valid && at >= f.sqlAt.Int64 {
			if d := at - f.sqlAt.Int64; f.speed == nil || d < *f.speed {
				f.speed = &d
			}
		}
		return nil
	})
	return out, err
}

// readCredits sums the facts of the customers created in [from, to) under the model,
// per source. Shares held as num/den (all but a rare large fraction, held as text) are added up as
// integers per denominator, time_decay's over its 2^-62 grid; the few sums per source
// are then added exactly.
func (s *Store) readCredits(ctx context.Context, m attribution.Model, from, to time.Time) ([]report.Credit, error) {
	type srcDen struct {
		report.Source
		den int64
	}
	// Numerators over one denominator are added as int64 until one would overflow, then
	// carried into big (grid shares are up to 2^62 each).
	nums := map[srcDen]int64{}
	carried := map[srcDen]*big.Int{}
	exact := map[report.Source][]*big.Rat{}
	revenue := map[report.Source]int64{}
	var order []report.Source
	err := s.reportRows(ctx, `SELECT channel, campaign_id, den, num, revenue, exact FROM report_credits WHERE model = ? AND created_at >= ? AND created_at < ?`,
		[]any{string(m), ts(from), ts(to)}, func(rows *sql.Rows) error {
			var src report.Source
			var den, num, rev int64
			var ex string
			if err := rows.Scan(&src.Channel, &src.CampaignID, &den, &num, &rev, &ex); err != nil {
				return err
			}
			if _, ok := revenue[src]; !ok {
				order = append(order, src)
			}
			revenue[src] += rev
			if den > 0 {
				k := srcDen{src, den}
				sum, overflow := addInt64(nums[k], num)
				if overflow {
					if carried[k] == nil {
						carried[k] = new(big.Int)
					}
					carried[k].Add(carried[k], big.NewInt(nums[k]))
					sum = num
				}
				nums[k] = sum
				return nil
			}
			r, ok := new(big.Rat).SetString(ex)
			if !ok {
				return errBadFraction
			}
			exact[src] = append(exact[src], r)
			return nil
		})
	if err != nil {
		return nil, err
	}
	for k, n := range nums {
		total := big.NewInt(n)
		if c := carried[k]; c != nil {
			total.Add(total, c)
		}
		exact[k.Source] = append(exact[k.Source], new(big.Rat).SetFrac(total, big.NewInt(k.den)))
	}
	out := make([]report.Credit, len(order))
	for i, src := range order {
		out[i] = report.Credit{Source: src, Customers: report.SumRats(exact[src]), Revenue: revenue[src]}
	}
	return out, nil
}

// addInt64 is a + b, and whether that overflowed.
func addInt64(a, b int64) (int64, bool) {
	c := a + b
	return c, (a > 0 && b > 0 && c < 0) || (a < 0 && b < 0 && c >= 0)
}

type factsError string

func (e factsError) Error() string { return string(e) }

const errBadFraction = factsError("report_credits holds a share that is not a fraction")

// txRows runs a read query in the transaction and hands each row to scan.
func txRows(ctx context.Context, tx *Tx, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := tx.query(ctx, q, args...)
	return eachRow(rows, err, scan)
}

// eachRow hands each row of a query's answer to scan, and closes the rows.
func eachRow(rows *sql.Rows, err error, scan func(*sql.Rows) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// idRows reads a query's answer of one id column.
func idRows(rows *sql.Rows, err error) ([]int64, error) { return columnRows[int64](rows, err) }

// columnRows reads a query's answer of one column.
func columnRows[T any](rows *sql.Rows, err error) ([]T, error) {
	var out []T
	err = eachRow(rows, err, func(rows *sql.Rows) error {
		var v T
		err := rows.Scan(&v)
		out = append(out, v)
		return err
	})
	return out, err
}

// insertRows inserts the values, per columns to a row, in statements of at most a
// few thousand parameters.
func insertRows(ctx context.Context, tx *Tx, q string, per int, values []any) error {
	row := "(" + placeholders(per) + ")"
	step := 3000 / per * per
	for i := 0; i < len(values); i += step {
		j := min(len(values), i+step)
		if _, err := tx.exec(ctx, q+strings.TrimSuffix(strings.Repeat(row+",", (j-i)/per), ","), values[i:j]...); err != nil {
			return err
		}
	}
	return nil
}

func reportUniq(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// RefreshReportFacts works out, in the background, the facts of the contacts marked so
// far, so that a report finds little left to do when it is read.
func (s *Store) RefreshReportFacts(ctx context.Context) error { return s.refreshReportFacts(ctx) }

// ReportFactsPending counts the marks of report_dirty not yet worked out.
func (s *Store) ReportFactsPending(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM report_dirty`).Scan(&n)
	return n, err
}
