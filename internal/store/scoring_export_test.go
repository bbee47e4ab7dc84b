package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// InsertEventWithID writes an event with a chosen id, as a PostgreSQL transaction
// that commits late leaves a lower id behind a higher one.
func (s *Store) InsertEventWithID(ctx context.Context, id, contactID int64, typ string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO events (id, contact_id, type, occurred_at, received_at) VALUES (?, ?, ?, ?, ?)`),
		id, contactID, typ, ts(at), ts(at))
	return err
}

// SeedScoringBench writes n contacts, each with a company of one of 500 and events
// per contact (page views, half of them of /pricing, and email clicks, spread over
// the last 90 days), in bulk statements, for benchmarks.
func (s *Store) SeedScoringBench(ctx context.Context, n, events int, now time.Time) error {
	titles := []string{"Head of Sales", "VP Marketing", "Engineer", "Student", "CTO", "Office manager"}
	countries := []string{"DE", "US", "FR", "GB", "NL"}
	sizes := []string{"1-10", "11-50", "51-200", "201-500", "501-1000"}
	err := s.RunInTx(ctx, func(tx *Tx) error {
		var b strings.Builder
		var args []any
		flush := func(head string) error {
			if len(args) == 0 {
				return nil
			}
			_, err := tx.exec(ctx, head+strings.TrimSuffix(b.String(), ","), args...)
			b.Reset()
			args = args[:0]
			return err
		}
		for i := 1; i <= 500; i++ {
			b.WriteString("(?, ?, ?, ?, ?, ?),")
			args = append(args, i, fmt.Sprintf("corp%d.example", i), fmt.Sprintf("Corp %d", i), "software", sizes[i%len(sizes)], ts(now))
		}
		if err := flush(`INSERT INTO companies (id, domain, name, industry, size, created_at) VALUES `); err != nil {
			return err
		}
		const cHead = `INSERT INTO contacts (id, email, job_title, country, company_id, email_type, stage, created_at, updated_at) VALUES `
		const eHead = `INSERT INTO events (contact_id, type, occurred_at, received_at, properties) VALUES `
		for i := 1; i <= n; i++ {
			b.WriteString("(?, ?, ?, ?, ?, ?, 'lead', ?, ?),")
			args = append(args, i, fmt.Sprintf("p%d@corp%d.example", i, i%500+1), titles[i%len(titles)], countries[i%len(countries)], i%500+1,
				[]string{"work", "free"}[i%2], ts(now), ts(now))
			if i%500 == 0 {
				if err := flush(cHead); err != nil {
					return err
				}
			}
		}
		if err := flush(cHead); err != nil {
			return err
		}
		k := 0
		for i := 1; i <= n; i++ {
			for j := range events {
				typ, props := "page_view", `{"page_url":"https://site.example/blog"}`
				switch j % 4 {
				case 0, 1:
					props = `{"page_url":"https://site.example/pricing"}`
				case 3:
					typ, props = "email_click", `{}`
				}
				at := now.Add(-time.Duration((i*7+j*13)%(90*24)) * time.Hour)
				b.WriteString("(?, ?, ?, ?, ?),")
				args = append(args, i, typ, ts(at), ts(at), props)
				if k++; k%1000 == 0 {
					if err := flush(eHead); err != nil {
						return err
					}
				}
			}
		}
		return flush(eHead)
	})
	if err != nil || s.engine != Postgres {
		return err
	}
	// As autovacuum would soon: without statistics the planner guesses.
	_, err = s.write.ExecContext(ctx, `ANALYZE contacts, companies, events`)
	return err
}

// EnrichForTest sets what enrichment would: a contact's seniority, or a company's
// industry, stamped enriched now.
func (s *Store) EnrichForTest(ctx context.Context, contactID int64, seniority string, companyID int64, industry string) error {
	if contactID != 0 {
		if _, err := s.write.ExecContext(ctx, s.rebind(`UPDATE contacts SET seniority = ?, enriched_at = ? WHERE id = ?`), seniority, ts(s.Now()), contactID); err != nil {
			return err
		}
	}
	if companyID != 0 {
		_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE companies SET industry = ?, enriched_at = ? WHERE id = ?`), industry, ts(s.Now()), companyID)
		return err
	}
	return nil
}
