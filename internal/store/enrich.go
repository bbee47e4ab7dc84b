package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// EnrichCandidate is a contact waiting for enrichment, with what it gave.
type EnrichCandidate struct {
	ID       int64
	JobTitle string
	Email    string
	Phone    string
	Country  string
	City     string
	IP       string // of the latest form submission or consent that recorded one
}

// ContactsToEnrich returns up to limit contacts not enriched yet (new ones, and those
// whose title, email or phone changed since), oldest first.
func (s *Store) ContactsToEnrich(ctx context.Context, limit int) ([]EnrichCandidate, error) {
	rows, err := s.query(ctx, `SELECT id, job_title, COALESCE(email, ''), COALESCE(phone, ''), country, city
		FROM contacts WHERE enriched_at IS NULL AND merged_into_id IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	var out []EnrichCandidate
	for rows.Next() {
		var c EnrichCandidate
		if err := rows.Scan(&c.ID, &c.JobTitle, &c.Email, &c.Phone, &c.Country, &c.City); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].IP, err = s.contactIP(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// contactIP is the address a contact last submitted a form from. Form submissions
// keep it in their properties; consents recorded with a form keep it as evidence.
func (s *Store) contactIP(ctx context.Context, id int64) (string, error) {
	var props string
	err := s.queryRow(ctx, `SELECT properties FROM events WHERE contact_id = ? AND type = 'form_submit'
		ORDER BY occurred_at DESC, id DESC LIMIT 1`, id).Scan(&props)
	if err == nil {
		var p struct {
			IP string `json:"ip"`
		}
		if json.Unmarshal([]byte(props), &p) == nil && p.IP != "" {
			return p.IP, nil
		}
	} else if err != sql.ErrNoRows {
		return "", err
	}
	var ip string
	err = s.queryRow(ctx, `SELECT ip FROM consents WHERE contact_id = ? AND ip <> '' ORDER BY id DESC LIMIT 1`, id).Scan(&ip)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return ip, err
}

// ContactEnrichment is what enrichment derived for one contact. Country and City
// are written only where the contact's own are empty.
type ContactEnrichment struct {
	ID          int64
	Seniority   string
	Department  string
	EmailType   string
	PhoneType   string
	PhoneRegion string
	Country     string
	City        string
	// What the enrichment was derived from: a contact that changed since is left
	// waiting, to be enriched again from its new values.
	From EnrichCandidate
}

// SaveEnrichment writes the derived fields of a batch of contacts in one transaction
// and marks them enriched, one statement for up to 200 contacts. It returns how many
// were written: a contact whose title, email or phone changed since it was read is
// left waiting, to be enriched again from its new values.
func (s *Store) SaveEnrichment(ctx context.Context, batch []ContactEnrichment) (int, error) {
	n := 0
	err := s.RunInTx(ctx, func(tx *Tx) error {
		// Stamped once the transaction holds the database, so the time is a moment
		// before the commit: the fit scorer reads enrichment times a little behind now.
		now := ts(s.Now())
		n = 0
		const row = `(CAST(? AS BIGINT), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		for part := range slices.Chunk(batch, 200) {
			args := []any{now}
			for _, e := range part {
				args = append(args, e.ID, e.Seniority, e.Department, e.EmailType, e.PhoneType, e.PhoneRegion, e.Country, e.City,
					e.From.JobTitle, e.From.Email, e.From.Phone)
			}
			res, err := tx.exec(ctx, `UPDATE contacts SET seniority = v.column2, department = v.column3, email_type = v.column4,
				phone_type = v.column5, phone_region = v.column6,
				country = CASE WHEN contacts.country = '' THEN v.column7 ELSE contacts.country END,
				city = CASE WHEN contacts.city = '' THEN v.column8 ELSE contacts.city END,
				enriched_at = ?
				FROM (VALUES `+strings.TrimSuffix(strings.Repeat(row+", ", len(part)), ", ")+`) AS v
				WHERE contacts.id = v.column1 AND contacts.job_title = v.column9 AND COALESCE(contacts.email, '') = v.column10
					AND COALESCE(contacts.phone, '') = v.column11`, args...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// CompanyData is company information from a company list or a provider.
type CompanyData struct {
	Domain    string
	Name      string
	Industry  string
	Size      string // band of Employees
	Employees int64  // 0 when unknown
	Country   string
}

// Company data sources.
const (
	CompanyFromList     = "list"
	CompanyFromProvider = "provider"
)

// ImportCompanies writes a company list: new domains become companies, known ones
// take the list's non-empty values. All rows are written or none.
func (s *Store) ImportCompanies(ctx context.Context, list []CompanyData, actor string) (created, updated int, err error) {
	err = s.RunInTx(ctx, func(tx *Tx) error {
		created, updated = 0, 0
		now := ts(s.Now())
		ids := make([]int64, 0, len(list))
		for _, c := range list {
			var id int64
			name := c.Name
			if name == "" {
				name = c.Domain
			}
			// A capture or another list may create the company meanwhile (on PostgreSQL,
			// after this transaction began): the insert then leaves it to the update.
			err := tx.queryRow(ctx, `INSERT INTO companies (domain, name, industry, size, employees, country, data_source, enriched_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (domain) DO NOTHING RETURNING id`,
				c.Domain, name, c.Industry, c.Size, nullID(c.Employees), c.Country, CompanyFromList, now, now).Scan(&id)
			switch {
			case err == nil:
				created++
			case err != sql.ErrNoRows:
				return err
			default:
				if err := tx.queryRow(ctx, `SELECT id FROM companies WHERE domain = ?`, c.Domain).Scan(&id); err != nil {
					return err
				}
				if err := writeCompanyData(ctx, tx, id, c, CompanyFromList, now); err != nil {
					return err
				}
				updated++
			}
			ids = append(ids, id)
		}
		// A long list takes a while: stamp the enrichment time again at the end, just
		// before the commit, so the fit scorer (which reads a little behind now) sees it.
		now = ts(s.Now())
		for start := 0; start < len(ids); start += 500 {
			part := ids[start:min(start+500, len(ids))]
			args := []any{now}
			marks := make([]string, len(part))
			for i, id := range part {
				marks[i], args = "?", append(args, id)
			}
			if _, err := tx.exec(ctx, `UPDATE companies SET enriched_at = ? WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, "companies.import", "companies", map[string]any{"created": created, "updated": updated})
	})
	return created, updated, err
}

func writeCompanyData(ctx context.Context, tx *Tx, id int64, c CompanyData, source string, now int64) error {
	_, err := tx.exec(ctx, `UPDATE companies SET
		name = CASE WHEN ? <> '' THEN ? ELSE name END,
		industry = CASE WHEN ? <> '' THEN ? ELSE industry END,
		size = CASE WHEN ? <> '' THEN ? ELSE size END,
		employees = COALESCE(?, employees),
		country = CASE WHEN ? <> '' THEN ? ELSE country END,
		data_source = ?, enriched_at = ?
		WHERE id = ?`, c.Name, c.Name, c.Industry, c.Industry, c.Size, c.Size, nullID(c.Employees), c.Country, c.Country, source, now, id)
	return err
}

// CompanyToEnrich is a company not looked up yet.
type CompanyToEnrich struct {
	ID     int64
	Domain string
}

// CompaniesToEnrich returns up to limit companies that no list or provider has
// described yet, oldest first.
func (s *Store) CompaniesToEnrich(ctx context.Context, limit int) ([]CompanyToEnrich, error) {
	rows, err := s.query(ctx, `SELECT id, domain FROM companies WHERE enriched_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CompanyToEnrich
	for rows.Next() {
		var c CompanyToEnrich
		if err := rows.Scan(&c.ID, &c.Domain); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveCompanyData records what the provider said of a company; nil data marks a
// company the provider does not know, so it is not asked again.
func (s *Store) SaveCompanyData(ctx context.Context, id int64, c *CompanyData) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		now := ts(s.Now())
		if c == nil {
			_, err := tx.exec(ctx, `UPDATE companies SET enriched_at = ? WHERE id = ?`, now, id)
			return err
		}
		return writeCompanyData(ctx, tx, id, *c, CompanyFromProvider, now)
	})
}

// EnrichmentStatus counts what enrichment has done.
type EnrichmentStatus struct {
	Contacts          int64            `json:"contacts"`
	Enriched          int64            `json:"enriched"`
	Waiting           int64            `json:"waiting"`
	ByEmailType       map[string]int64 `json:"by_email_type"`
	BySeniority       map[string]int64 `json:"by_seniority"`
	ByDepartment      map[string]int64 `json:"by_department"`
	Companies         int64            `json:"companies"`
	CompaniesListed   int64            `json:"companies_from_list"`
	CompaniesProvided int64            `json:"companies_from_provider"`
	CompaniesWaiting  int64            `json:"companies_waiting"`
	LastEnrichedAt    *time.Time       `json:"last_enriched_at"`
}

// EnrichmentStatus counts contacts and companies by what enrichment found.
func (s *Store) EnrichmentStatus(ctx context.Context) (*EnrichmentStatus, error) {
	st := &EnrichmentStatus{ByEmailType: map[string]int64{}, BySeniority: map[string]int64{}, ByDepartment: map[string]int64{}}
	var last sql.NullInt64
	if err := s.queryRow(ctx, `SELECT COUNT(*), COUNT(enriched_at), MAX(enriched_at) FROM contacts WHERE merged_into_id IS NULL`).
		Scan(&st.Contacts, &st.Enriched, &last); err != nil {
		return nil, err
	}
	st.Waiting = st.Contacts - st.Enriched
	if last.Valid {
		t := fromTS(last.Int64)
		st.LastEnrichedAt = &t
	}
	for col, m := range map[string]map[string]int64{"email_type": st.ByEmailType, "seniority": st.BySeniority, "department": st.ByDepartment} {
		rows, err := s.query(ctx, `SELECT `+col+`, COUNT(*) FROM contacts WHERE merged_into_id IS NULL AND enriched_at IS NOT NULL GROUP BY `+col)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return nil, err
			}
			if k == "" {
				k = "unknown"
			}
			m[k] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	err := s.queryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN data_source = 'list' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN data_source = 'provider' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN enriched_at IS NULL THEN 1 ELSE 0 END), 0) FROM companies`).
		Scan(&st.Companies, &st.CompaniesListed, &st.CompaniesProvided, &st.CompaniesWaiting)
	return st, err
}

// captureProfiler derives the enrichment of a contact from what it gave; false
// leaves the contact to the background enrichment.
type captureProfiler func(EnrichCandidate) (ContactEnrichment, bool)

// SetCaptureProfiler makes captures enrich the contacts they create as they write
// them: f runs on the capturing caller's goroutine, before the shared transaction,
// and its result is written with the new contact, which is then never written again
// by the background enrichment. It must give what that enrichment would (the same
// rules and IP database); nil turns it off. A contact that exists already is left
// to the background enrichment, which follows its changes.
func (s *Store) SetCaptureProfiler(f func(EnrichCandidate) (ContactEnrichment, bool)) {
	if f == nil {
		s.profiler.Store(nil)
		return
	}
	p := captureProfiler(f)
	s.profiler.Store(&p)
}

// profileCaptures returns caps with each capture that may create a contact carrying
// the enrichment of that contact, when a profiler is set; caps itself is not changed.
func (s *Store) profileCaptures(caps []Capture) []Capture {
	p := s.profiler.Load()
	if p == nil {
		return caps
	}
	var out []Capture
	for i := range caps {
		c := &caps[i]
		if c.Email == "" || c.ContactID != 0 {
			continue // only a new email makes a contact with a whole profile
		}
		e, ok := (*p)(EnrichCandidate{JobTitle: c.Fields.JobTitle, Email: c.Email, Phone: c.Phone,
			Country: c.Fields.Country, City: c.Fields.City, IP: captureIP(c)})
		if !ok {
			continue
		}
		if out == nil {
			out = slices.Clone(caps)
		}
		out[i].profile = &e
	}
	if out == nil {
		return caps
	}
	return out
}

// captureIP is the address contactIP would find for the contact a capture creates:
// a form submission's own, else the last consent recorded with one.
func captureIP(c *Capture) string {
	if c.Type == "form_submit" {
		if ip, _ := c.Properties["ip"].(string); ip != "" {
			return ip
		}
	}
	for i := len(c.Consents) - 1; i >= 0; i-- {
		if c.Consents[i].IP != "" {
			return c.Consents[i].IP
		}
	}
	return ""
}

// profileColumns are the values of a new contact's enrichment columns (seniority,
// department, email_type, phone_type, phone_region, enriched_at) and its country and
// city: the capture's own, or the enrichment's when the capture carries one.
func profileColumns(c *Capture, now time.Time) (cols [6]any, country, city string) {
	country, city = c.Fields.Country, c.Fields.City
	e := c.profile
	if e == nil {
		return [6]any{"", "", "", "", "", nil}, country, city
	}
	if country == "" {
		country = e.Country
	}
	if city == "" {
		city = e.City
	}
	return [6]any{e.Seniority, e.Department, e.EmailType, e.PhoneType, e.PhoneRegion, ts(now)}, country, city
}
