package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

const contactColumns = `c.id, c.email, c.phone, c.first_name, c.last_name, c.job_title, c.company_name,
	c.street, c.postal_code, c.city, c.region, c.country, c.age_band, c.custom, c.stage,
	c.seniority, c.department, c.email_type, c.phone_type, c.phone_region, c.predictive_score,
	c.fit_score, c.engagement_score, c.first_touch_at, c.first_touch_channel, c.merged_into_id,
	c.created_at, c.updated_at,
	co.id, co.domain, co.name, co.industry, co.size, co.employees, co.country,
	u.id, u.name, u.email,
	ca.id, ca.name`

const contactFrom = ` FROM contacts c` + contactJoins

const contactJoins = `
	LEFT JOIN companies co ON co.id = c.company_id
	LEFT JOIN users u ON u.id = c.owner_id
	LEFT JOIN campaigns ca ON ca.id = c.first_touch_campaign_id`

type scanner interface{ Scan(dest ...any) error }

func scanContact(r scanner) (*Contact, error) {
	var (
		c                               Contact
		email, phone, ftChannel         sql.NullString
		custom                          string
		ftAt, merged                    sql.NullInt64
		created, updated                int64
		coID, uID, caID                 sql.NullInt64
		coDomain, coName, coInd, coSize sql.NullString
		uName, uEmail, caName           sql.NullString
		predictive                      sql.NullFloat64
		coEmployees                     sql.NullInt64
		coCountry                       sql.NullString
	)
	err := r.Scan(&c.ID, &email, &phone, &c.FirstName, &c.LastName, &c.JobTitle, &c.CompanyName,
		&c.Street, &c.PostalCode, &c.City, &c.Region, &c.Country, &c.AgeBand, &custom, &c.Stage,
		&c.Seniority, &c.Department, &c.EmailType, &c.PhoneType, &c.PhoneRegion, &predictive,
		&c.FitScore, &c.EngagementScore, &ftAt, &ftChannel, &merged,
		&created, &updated,
		&coID, &coDomain, &coName, &coInd, &coSize, &coEmployees, &coCountry,
		&uID, &uName, &uEmail,
		&caID, &caName)
	if err != nil {
		return nil, err
	}
	c.Email, c.Phone = email.String, phone.String
	c.MergedIntoID = merged.Int64
	if predictive.Valid {
		c.PredictiveScore = &predictive.Float64
	}
	c.CreatedAt, c.UpdatedAt = fromTS(created), fromTS(updated)
	c.Custom = map[string]any{}
	_ = json.Unmarshal([]byte(custom), &c.Custom)
	if coID.Valid {
		c.Company = &Company{ID: coID.Int64, Domain: coDomain.String, Name: coName.String, Industry: coInd.String, Size: coSize.String, Country: coCountry.String}
		if coEmployees.Valid {
			c.Company.Employees = &coEmployees.Int64
		}
	}
	if uID.Valid {
		c.Owner = &UserRef{ID: uID.Int64, Name: uName.String, Email: uEmail.String}
	}
	if ftChannel.Valid {
		c.FirstTouch = &FirstTouch{At: fromNullTS(ftAt), Channel: ftChannel.String}
		if caID.Valid {
			c.FirstTouch.Campaign = &CampaignRef{ID: caID.Int64, Name: caName.String}
		}
	}
	return &c, nil
}

// Contact returns a contact by id. A contact merged into another is still returned as
// it is; callers that want the surviving person follow MergedIntoID.
func (s *Store) Contact(ctx context.Context, id int64) (*Contact, error) {
	c, err := scanContact(s.queryRow(ctx, `SELECT `+contactColumns+contactFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("contact %d not found", id)
	}
	if err != nil {
		return nil, err
	}
	c.StageEnteredAt, err = s.stageEnteredAt(ctx, id)
	return c, err
}

func (s *Store) stageEnteredAt(ctx context.Context, id int64) (map[string]time.Time, error) {
	rows, err := s.query(ctx, `SELECT stage, entered_at FROM contact_stages WHERE contact_id = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var st string
		var at int64
		if err := rows.Scan(&st, &at); err != nil {
			return nil, err
		}
		out[st] = fromTS(at)
	}
	return out, rows.Err()
}

// ContactFilter selects contacts for a list. Zero fields do not filter.
type ContactFilter struct {
	Email       string // exact, normalised
	Stage       string
	OwnerID     int64
	Unowned     bool
	CreatedFrom time.Time // inclusive
	CreatedTo   time.Time // exclusive
	Query       string    // text search on name, email and company
	// Channel is the first-touch channel as the reports count it: a first touch of a
	// campaign is in the campaign's current channel, and "direct" also finds contacts
	// without touches.
	Channel string
	// CampaignID is the first-touch campaign; NoCampaign finds first touches without one.
	CampaignID int64
	NoCampaign bool
	// Reached is a stage the contact has entered, ever (contact_stages).
	Reached string
	// Attribute and AttributeValue select the contacts an audience insight counts
	// under that value (see internal/insights). Outcome is the insight's outcome stage,
	// which decides which pages seen count (those before it); without one, Reached
	// stands in for it.
	Attribute      string
	AttributeValue string
	Outcome        string
	// Credited selects the contacts behind a sources report row's customers or revenue.
	Credited *CreditedFilter
	// Quality selects the contacts behind a figure of the client and lead quality table.
	Quality       *QualityFilter
	IncludeMerged bool
	// Sort is the order of the list: "" for newest first, SortFit or SortEngagement
	// for the highest stored score first (ties newest first).
	Sort   string
	Limit  int
	Cursor string
}

// The orders a contact list may have besides newest first.
const (
	SortFit        = "fit"
	SortEngagement = "engagement"
)

// sortColumns are the score columns the list sorts by, and the letter that marks
// their cursors.
var sortColumns = map[string]struct{ col, mark string }{
	SortFit:        {"c.fit_score", "f"},
	SortEngagement: {"c.engagement_score", "e"},
}

// ValidSort says whether a list may be sorted so; "" (newest first) is valid.
func ValidSort(sort string) bool {
	_, ok := sortColumns[sort]
	return sort == "" || ok
}

// ContactPage is one page of a list and the cursor of the next, "" at the end.
type ContactPage struct {
	Contacts   []*Contact `json:"contacts"`
	NextCursor string     `json:"next_cursor"`
}

// EncodeCursor and DecodeCursor keep list cursors opaque to callers.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c" + strconv.FormatInt(id, 10)))
}

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != 'c' {
		return 0, errs.Field("cursor", "is not a cursor this server gave out")
	}
	id, err := strconv.ParseInt(string(b[1:]), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Field("cursor", "is not a cursor this server gave out")
	}
	return id, nil
}

// Contacts lists contacts, newest first, one page at a time.
func (s *Store) Contacts(ctx context.Context, f ContactFilter) (*ContactPage, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if !f.IncludeMerged {
		add("c.merged_into_id IS NULL")
	}
	if f.Email != "" {
		add("c.email = ?", f.Email)
	}
	if f.Stage != "" {
		add("c.stage = ?", f.Stage)
	}
	if f.OwnerID != 0 {
		add("c.owner_id = ?", f.OwnerID)
	}
	if f.Unowned {
		add("c.owner_id IS NULL")
	}
	if !f.CreatedFrom.IsZero() {
		add("c.created_at >= ?", ts(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		add("c.created_at < ?", ts(f.CreatedTo))
	}
	if f.Channel != "" {
		// A first touch of a campaign counts in the campaign's current channel, as in the reports.
		add(countedChannelIs("c.first_touch_channel", "c.first_touch_campaign_id"), f.Channel, f.Channel)
	}
	if f.CampaignID != 0 {
		add("c.first_touch_campaign_id = ?", f.CampaignID)
	}
	if f.NoCampaign {
		add("c.first_touch_campaign_id IS NULL")
	}
	if f.Reached != "" {
		add("EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = ?)", f.Reached)
	}
	if f.Attribute != "" {
		cond, a, err := s.attributeCondition(f.Attribute, f.AttributeValue, cmp.Or(f.Outcome, f.Reached))
		if err != nil {
			return nil, err
		}
		add(cond, a...)
	}
	if f.Quality != nil {
		cond, a := s.qualityCondition(f.Quality)
		add(cond, a...)
	}
	search, err := s.searchFilter(ctx, f.Query)
	if err != nil {
		return nil, err
	}
	where, args = append(where, search.conds...), append(args, search.args...)
	if f.Credited != nil {
		// The credited contacts are read whole, as the report reads their credits, and
		// paged like a rare word's: newest first, by id.
		ids, err := s.creditedContacts(ctx, f.Credited)
		if err != nil {
			return nil, err
		}
		if search.rare {
			ids = intersectDesc(ids, search.ids)
		}
		search.rare, search.ids = true, ids
	}
	if f.Quality != nil && f.Quality.Figure == QualityReferrers {
		ids, err := s.referrersOf(ctx)
		if err != nil {
			return nil, err
		}
		if search.rare {
			ids = intersectDesc(ids, search.ids)
		}
		search.rare, search.ids = true, ids
	}
	if f.Sort != "" {
		return s.contactsByScore(ctx, f, where, args, search)
	}
	var cursor int64
	if f.Cursor != "" {
		if cursor, err = DecodeCursor(f.Cursor); err != nil {
			return nil, err
		}
	}
	page := &ContactPage{Contacts: []*Contact{}}
	want := f.Limit + 1
	switch {
	case search.rare:
		// The rare word's contacts, newest first, a growing batch at a time.
		ids := search.ids
		if cursor != 0 {
			i, _ := slices.BinarySearchFunc(ids, cursor, func(id, c int64) int { return cmp.Compare(c, id) })
			if i < len(ids) && ids[i] == cursor {
				i++
			}
			ids = ids[i:]
		}
		for n := 4 * want; len(ids) > 0 && len(page.Contacts) < want; n *= 4 {
			batch := ids[:min(n, len(ids))]
			ids = ids[len(batch):]
			in, inArg := s.idIn(batch)
			if err := s.listPage(ctx, page, `SELECT * FROM contacts WHERE id `+in+` ORDER BY id DESC LIMIT ?`,
				[]any{inArg, len(batch)}, where, args, want); err != nil {
				return nil, err
			}
		}
	case len(search.terms) > 0:
		// A common word that stands for few indexed words: its contacts newest
		// first from their index entries, a growing batch at a time.
		hi := cursor
		if hi == 0 {
			hi = math.MaxInt64
		}
		for n := 4 * want; len(page.Contacts) < want; n = min(4*n, maxWindow) {
			ids, more, err := s.termIDs(ctx, search.terms, hi, n)
			if err != nil {
				return nil, err
			}
			if len(ids) == 0 {
				break
			}
			in, inArg := s.idIn(ids)
			if err := s.listPage(ctx, page, `SELECT * FROM contacts WHERE id `+in+` ORDER BY id DESC LIMIT ?`,
				[]any{inArg, len(ids)}, where, args, want); err != nil {
				return nil, err
			}
			if !more {
				break
			}
			hi = ids[len(ids)-1]
		}
	case len(search.conds) > 0 && s.engine == Postgres:
		// Common words: the newest contacts, in windows of ids that grow fourfold,
		// until a page is found. SQLite's planner finds this plan by itself (it walks
		// the stage index, whose entries are in id order), so it gets the plain query.
		hi := cursor
		if hi == 0 {
			if err := s.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM contacts`).Scan(&hi); err != nil {
				return nil, err
			}
		}
		for w := int64(max(firstWindow, 4*want)); hi > 1 && len(page.Contacts) < want; w = min(4*w, maxWindow) {
			lo := max(hi-w, 1)
			// The window's lower bound is a condition of the outer query: as a range
			// in the subquery, PostgreSQL without statistics would guess it small
			// and fetch, sort and only then limit the window.
			if err := s.listPage(ctx, page, `SELECT * FROM contacts WHERE id < ? ORDER BY id DESC LIMIT ?`,
				[]any{hi, hi - lo}, append(slices.Clip(where), "c.id >= ?"), append(slices.Clip(args), lo), want); err != nil {
				return nil, err
			}
			hi = lo
		}
	default:
		if cursor != 0 {
			add("c.id < ?", cursor)
		}
		q := `SELECT ` + contactColumns + contactFrom
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		if err := s.scanContacts(ctx, page, q+" ORDER BY c.id DESC LIMIT ?", append(args, want)...); err != nil {
			return nil, err
		}
	}
	if len(page.Contacts) > f.Limit {
		page.Contacts = page.Contacts[:f.Limit]
		page.NextCursor = EncodeCursor(page.Contacts[f.Limit-1].ID)
	}
	return page, nil
}

// contactsByScore lists the contacts meeting where, highest score first, one page
// at a time; the cursor holds the last score and id shown.
//
// SQLite walks its partial index of the score (contacts_live_fit or
// contacts_live_engagement) from the top and stops at a page. PostgreSQL has no
// index on the scores (migration 0025 dropped them so that a rescore updates rows in
// place): it reads every contact the other conditions leave and keeps the top page
// (a bounded top-N sort), so the cost grows with the contacts the filter keeps: a
// sequential scan of the table for an unfiltered list, about 1.5 s at a million
// contacts on a loaded two-core machine (newest first: milliseconds). An index
// would make it a page read again, at the price of every rescore's HOT updates.
func (s *Store) contactsByScore(ctx context.Context, f ContactFilter, where []string, args []any, search textSearch) (*ContactPage, error) {
	sc, ok := sortColumns[f.Sort]
	if !ok {
		return nil, errs.Field("sort", "is not an order of the list; one of fit, engagement, or none for newest first")
	}
	if search.rare {
		// A rare word's contacts (or a report row's) are few: read them by id.
		in, inArg := s.idIn(search.ids)
		where, args = append(where, "c.id "+in), append(args, inArg)
	}
	if f.Cursor != "" {
		score, id, err := decodeScoreCursor(f.Cursor, sc.mark)
		if err != nil {
			return nil, err
		}
		where, args = append(where, "("+sc.col+", c.id) < (?, ?)"), append(args, score, id)
	}
	cond, order := "", " ORDER BY "+sc.col+" DESC, c.id DESC"
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	q := `SELECT ` + contactColumns + contactFrom + cond + order + ` LIMIT ?`
	if s.engine == Postgres {
		// The page's ids first, then their rows: otherwise PostgreSQL joins the
		// company, owner and campaign of every contact the filters keep before its
		// top-N sort (at a million contacts, 3.2 s against 1.5 s here).
		q = `SELECT ` + contactColumns + ` FROM (SELECT c.id FROM contacts c` + contactJoins + cond + order + ` LIMIT ?) k
			JOIN contacts c ON c.id = k.id` + contactJoins + order
	}
	page := &ContactPage{Contacts: []*Contact{}}
	if err := s.scanContacts(ctx, page, q, append(args, f.Limit+1)...); err != nil {
		return nil, err
	}
	if len(page.Contacts) > f.Limit {
		page.Contacts = page.Contacts[:f.Limit]
		last := page.Contacts[f.Limit-1]
		score := last.FitScore
		if f.Sort == SortEngagement {
			score = last.EngagementScore
		}
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(sc.mark + strconv.Itoa(score) + "." + strconv.FormatInt(last.ID, 10)))
	}
	return page, nil
}

// decodeScoreCursor reads the cursor of a list sorted by a score, marked mark.
func decodeScoreCursor(s, mark string) (score int, id int64, err error) {
	bad := errs.Field("cursor", "is not a cursor this server gave out for this order of the list")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || string(b[:1]) != mark {
		return 0, 0, bad
	}
	sc, ids, ok := strings.Cut(string(b[1:]), ".")
	if !ok {
		return 0, 0, bad
	}
	score, err1 := strconv.Atoi(sc)
	id, err2 := strconv.ParseInt(ids, 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return 0, 0, bad
	}
	return score, id, nil
}

// A common-word search on PostgreSQL reads the newest contacts in windows of ids:
// the first one large enough for a page of a word on one contact in 300, and no
// window larger than maxWindow. The query stops reading a window once it has the
// page (its plan is a pipeline in id order), so a large window costs nothing when
// matches are dense.
var firstWindow = 1 << 14

const maxWindow = 1 << 16

// listPage adds to page, up to want contacts in all, the contacts of rows (a query of
// contacts rows, newest first) that pass the conditions where.
//
// rows reads the contacts by id alone, and is a subquery with a LIMIT so that
// PostgreSQL does not push the list's conditions into it: without the fence its
// planner may walk an index of one of them (the stage's, say) over most of the
// table, above all when its statistics are missing.
func (s *Store) listPage(ctx context.Context, page *ContactPage, rows string, rowArgs []any, where []string, args []any, want int) error {
	q := `SELECT ` + contactColumns + ` FROM (` + rows + `) c` + contactJoins
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY c.id DESC LIMIT ?"
	all := slices.Concat(rowArgs, args, []any{want - len(page.Contacts)})
	return s.scanContacts(ctx, page, q, all...)
}

// scanContacts appends the contacts a query returns to page.
func (s *Store) scanContacts(ctx context.Context, page *ContactPage, q string, args ...any) error {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return err
		}
		page.Contacts = append(page.Contacts, c)
	}
	return rows.Err()
}

// idIn is the condition "IN these ids" with the ids as one argument: an array on
// PostgreSQL, a JSON array on SQLite.
func (s *Store) idIn(ids []int64) (string, any) {
	if s.engine == Postgres {
		return `= ANY(?)`, ids
	}
	b, _ := json.Marshal(ids)
	return `IN (SELECT value FROM json_each(?))`, string(b)
}

// intersectDesc is the ids in both lists, each sorted newest first.
func intersectDesc(a, b []int64) []int64 {
	var out []int64
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] > b[j]:
			i++
		default:
			j++
		}
	}
	return out
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CountContacts counts the contacts that are not merged into another.
func (s *Store) CountContacts(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE merged_into_id IS NULL`).Scan(&n)
	return n, err
}

// contactIDByEmail finds the surviving contact with this email, following merges.
func contactIDByEmail(ctx context.Context, tx *Tx, email string) (int64, error) {
	var id int64
	var merged sql.NullInt64
	err := tx.queryRow(ctx, `SELECT id, merged_into_id FROM contacts WHERE email = ?`, email).Scan(&id, &merged)
	if err != nil {
		return 0, err
	}
	return survivor(ctx, tx, id, merged)
}

// survivor follows a chain of merges to the contact that absorbed the others.
func survivor(ctx context.Context, tx *Tx, id int64, merged sql.NullInt64) (int64, error) {
	for i := 0; merged.Valid && i < 32; i++ {
		id = merged.Int64
		if err := tx.queryRow(ctx, `SELECT merged_into_id FROM contacts WHERE id = ?`, id).Scan(&merged); err != nil {
			return 0, err
		}
	}
	return id, nil
}
