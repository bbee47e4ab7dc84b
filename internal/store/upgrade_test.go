package store_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// previousRelease names the last migration of the previous release, and the
// SHA-256 of every migration it shipped. A released migration is never edited:
// databases out there have run it, and would not run it again.
const previousRelease = "0006"

var releasedMigrations = map[string]string{
	"sqlite/0001_init.sql":                   "66b36d2ae52fab692655888dbc4af03c2537868de87d19ec634ec719ecd84a1b",
	"sqlite/0002_forms_consent.sql":          "1ed5b70cefcf5c72dd9c1e0811273d4d7e0729b96dbdae72cada54e731838f8e",
	"sqlite/0003_campaign_links.sql":         "0f757603fc80c4058d0b356cc74379d8abf16926c566370ae995211d3ee27ab2",
	"sqlite/0004_jobs_adleads.sql":           "a872eca7ff5c33cd808d6e480a6fb887ff781eb090955380741fc46738de0765",
	"sqlite/0005_search_terms.sql":           "fbbc66a39ae2c36d469d28c409ba0bff78c5c9537330b04b8da81a27f009bdf9",
	"sqlite/0006_event_lookup_indexes.sql":   "2aa10dc816a7d93b91f22d9d79e2d9ffdb0bb6e9624db37fa44daca59d61cda8",
	"postgres/0001_init.sql":                 "707f8dc1f29adfe33477b533769d69f9584fdd16d60987fcdfc21292502f0557",
	"postgres/0002_forms_consent.sql":        "60875f1205ff6af8a8febd05ce93fe9fb5317e3df5c152b9d8638deb72e73755",
	"postgres/0003_campaign_links.sql":       "0f757603fc80c4058d0b356cc74379d8abf16926c566370ae995211d3ee27ab2",
	"postgres/0004_jobs_adleads.sql":         "d93d466f43728f77497c45a97a1f2f4a9c12d258f89fdaa15b5642f40c3bf804",
	"postgres/0005_search_terms.sql":         "c742c737ea5700c866705517c5d5f11bf6ce226272cba5ac3836591cccbf0a85",
	"postgres/0006_event_lookup_indexes.sql": "2aa10dc816a7d93b91f22d9d79e2d9ffdb0bb6e9624db37fa44daca59d61cda8",
}

// oldDatabase builds a database as the previous release left it: its migrations
// only, and data written with its columns.
type oldDatabase struct {
	t      *testing.T
	db     *sql.DB
	engine store.Engine
	ids    map[string]int64
}

// openOldDatabase opens the database of opt bare, without the store's migrations,
// for a test to build an older release's schema and rows in.
func openOldDatabase(t *testing.T, opt store.Options) *oldDatabase {
	o := &oldDatabase{t: t, engine: store.SQLite, ids: map[string]int64{}}
	var err error
	if opt.DatabaseURL != "" {
		o.engine = store.Postgres
		o.db, err = sql.Open("pgx", opt.DatabaseURL)
	} else {
		o.db, err = sql.Open(store.SQLiteDriver, store.SQLiteDSN(opt.Path))
	}
	if err != nil {
		t.Fatal(err)
	}
	o.db.SetMaxOpenConns(1)
	t.Cleanup(func() { o.db.Close() })
	return o
}

func (o *oldDatabase) insert(name, q string, args ...any) int64 {
	o.t.Helper()
	var id int64
	if err := o.db.QueryRow(store.Rebind(o.engine, q+" RETURNING id"), args...).Scan(&id); err != nil {
		o.t.Fatalf("%s: %v", name, err)
	}
	o.ids[name] = id
	return id
}

// migrateTo applies the migrations numbered up to last, as a release with them
// applied them, after check (when set) has seen each one; it returns how many.
func (o *oldDatabase) migrateTo(last string, check func(base string, body []byte)) int {
	o.t.Helper()
	names, bodies, err := store.MigrationFiles(o.engine)
	if err != nil {
		o.t.Fatal(err)
	}
	o.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`)
	applied := 0
	for _, base := range names {
		if base[:4] > last {
			continue
		}
		if check != nil {
			check(base, bodies[base])
		}
		o.exec(string(bodies[base]))
		o.exec(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, base, time.Now().UnixMicro())
		applied++
	}
	return applied
}

func (o *oldDatabase) exec(q string, args ...any) {
	o.t.Helper()
	if _, err := o.db.Exec(store.Rebind(o.engine, q), args...); err != nil {
		o.t.Fatalf("%s: %v", q, err)
	}
}

// TestUpgradeFromPreviousRelease proves the promise "a database made by the
// previous release upgrades cleanly" (docs/reliability.md, Backup and upgrade), on
// the engine the suite runs on (SQLite, or PostgreSQL with
// LODESTONE_TEST_DATABASE_URL). The released migrations are checked unchanged, a
// database is built with them alone and filled the way that release wrote its
// rows; then the current store opens it: the newer migrations apply, every row
// reads back through the store, the new columns have their defaults, new writes
// land on the old rows, and the integrity check passes.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	opt := storetest.Options(t)
	o := openOldDatabase(t, opt)

	// The previous release's migrations, unchanged, applied as it applied them.
	applied := o.migrateTo(previousRelease, func(base string, body []byte) {
		sum := sha256.Sum256(body)
		if want := releasedMigrations[string(o.engine)+"/"+base]; hex.EncodeToString(sum[:]) != want {
			t.Fatalf("released migration %s/%s was changed (or is unknown to this test): write a new migration instead", o.engine, base)
		}
	})
	if applied != 6 {
		t.Fatalf("%d released migrations found, want 6", applied)
	}

	// Data as the previous release wrote it.
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	us := at.UnixMicro()
	user := o.insert("user", `INSERT INTO users (email, name, role, password_hash, available, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		"sam@old.example", "Sam Sales", store.RoleSales, "hash", true, us)
	o.insert("key", `INSERT INTO api_keys (name, role, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)`, "old key", store.RoleAdmin, "lsk_old", "old-key-hash", us)
	company := o.insert("company", `INSERT INTO companies (domain, name, industry, size, created_at) VALUES (?, ?, ?, ?, ?)`,
		"analytical.example", "Analytical Engines", "software", "11-50", us)
	campaign := o.insert("campaign", `INSERT INTO campaigns (name, channel, utm_campaign, starts_on, ends_on, budget, notes, created_at, landing_url, short_code)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "Spring search", "paid_search", "spring26", "2026-03-01", "2026-05-31", 500000, "Ünïcode notes", us,
		"https://old.example/landing", "OLDCODE1")
	o.insert("cost", `INSERT INTO cost_entries (campaign_id, spent_on, amount, hours_hundredths, note, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		campaign, "2026-03-02", 125050, 350, "ads", us)
	ada := o.insert("ada", `INSERT INTO contacts (email, phone, first_name, last_name, job_title, company_name, company_id, city, country, custom, stage,
		owner_id, fit_score, engagement_score, first_touch_at, first_touch_channel, first_touch_campaign_id, dedupe_key, search, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		"ada@analytical.example", "+12025550143", "Ada", "Lovelace", "Head of Operations", "Analytical Engines", company, "London", "GB",
		`{"interest":"CRM"}`, "opportunity", user, 70, 40, us, "paid_search", campaign, "", store.SearchText("Ada", "Lovelace", "ada@analytical.example", "Analytical Engines", "12025550143"), us, us)
	grace := o.insert("grace", `INSERT INTO contacts (email, first_name, last_name, stage, search, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		"grace@navy.example", "Grace", "Hopper", "lead", store.SearchText("Grace", "Hopper", "grace@navy.example"), us, us+1)
	for id, parts := range map[int64][]string{ada: {"Ada", "Lovelace", "ada@analytical.example", "Analytical Engines", "12025550143"}, grace: {"Grace", "Hopper", "grace@navy.example"}} {
		seen := map[string]bool{}
		for _, term := range store.SearchTerms(parts...) {
			if !seen[term] {
				seen[term] = true
				o.exec(`INSERT INTO contact_terms (term, contact_id) VALUES (?, ?)`, term, id)
			}
		}
	}
	for _, st := range []string{"lead", "mql", "sql", "opportunity"} {
		o.exec(`INSERT INTO contact_stages (contact_id, stage, entered_at) VALUES (?, ?, ?)`, ada, st, us)
	}
	o.exec(`INSERT INTO contact_stages (contact_id, stage, entered_at) VALUES (?, ?, ?)`, grace, "lead", us)
	o.exec(`INSERT INTO visitors (id, contact_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)`, "v-old-1", ada, us, us)
	o.insert("pageview", `INSERT INTO events (contact_id, visitor_id, type, occurred_at, received_at, properties, channel, campaign_id, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ada, "v-old-1", "page_view", us, us, `{"page_url":"https://old.example/?utm_campaign=spring26"}`, "paid_search", campaign, "")
	o.insert("submit", `INSERT INTO events (contact_id, visitor_id, type, occurred_at, received_at, properties, actor) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ada, "v-old-1", "form_submit", us+60_000_000, us+60_000_000, `{"form":"demo","first_name":"Ada"}`, "form:demo")
	o.insert("note", `INSERT INTO events (contact_id, type, occurred_at, received_at, properties, actor) VALUES (?, ?, ?, ?, ?, ?)`,
		ada, "note", us+120_000_000, us+120_000_000, `{"body":"Wants a pilot"}`, fmt.Sprintf("user:%d", user))
	o.insert("deal", `INSERT INTO deals (contact_id, name, amount, status, created_at) VALUES (?, ?, ?, ?, ?)`, ada, "Pilot", 1250000, "open", us)
	o.insert("consent", `INSERT INTO consents (contact_id, purpose, granted, basis, source, wording, ip, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ada, "marketing_email", true, "consent", "form:demo", "v1: newsletter", "192.0.2.1", us)
	o.insert("form", `INSERT INTO forms (slug, name, kind, definition, campaign_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		"demo", "Demo request", "demo", `{"slug":"demo","name":"Demo request","kind":"demo","fields":[{"name":"email","type":"email","required":true}]}`, campaign, us, us)
	job := o.insert("job", `INSERT INTO jobs (kind, payload, run_at, max_attempts, created_at) VALUES (?, ?, ?, ?, ?)`, "test_kind", `{"n":1}`, us, 12, us)
	o.insert("adlead", `INSERT INTO ad_leads (platform, platform_lead_id, job_id, received_at) VALUES (?, ?, ?, ?)`, "facebook", "955", job, us)
	o.exec(`INSERT INTO settings (key, value) VALUES (?, ?)`, "tracking_consent", "required")
	o.db.Close()

	// The current release opens it.
	s, err := store.Open(ctx, opt)
	if err != nil {
		t.Fatalf("the current release cannot open the previous release's database: %v", err)
	}
	defer s.Close()
	got, err := s.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names, _, err := store.MigrationFiles(o.engine)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("migrations after the upgrade: %v, want %v", got, names)
	}
	if ok, err := s.IntegrityCheck(ctx); err != nil || ok != "ok" {
		t.Fatalf("integrity check: %q %v", ok, err)
	}

	c, err := s.Contact(ctx, ada)
	if err != nil {
		t.Fatal(err)
	}
	if c.Email != "ada@analytical.example" || c.FirstName != "Ada" || c.LastName != "Lovelace" || c.CompanyName != "Analytical Engines" ||
		c.Stage != "opportunity" || c.Phone != "+12025550143" || c.City != "London" || c.FitScore != 70 || c.Seniority != "" ||
		c.PredictiveScore != nil || !c.CreatedAt.Equal(at) {
		t.Errorf("Ada after the upgrade: %+v", c)
	}
	if fmt.Sprint(c.Custom["interest"]) != "CRM" {
		t.Errorf("custom fields after the upgrade: %v", c.Custom)
	}
	tl, err := s.Timeline(ctx, ada, store.TimelineOptions{})
	if err != nil || len(tl) != 3 {
		t.Fatalf("timeline after the upgrade: %d events, %v", len(tl), err)
	}
	page, err := s.Contacts(ctx, store.ContactFilter{Query: "lovelace"})
	if err != nil || len(page.Contacts) != 1 || page.Contacts[0].ID != ada {
		t.Errorf("search after the upgrade: %v %v", page, err)
	}
	if s.Engine() == store.SQLite {
		// The old release wrote every contact's words with it: nothing to index.
		if mark, err := s.SearchWatermark(ctx); err != nil || mark != max(ada, grace) {
			t.Errorf("search watermark after the upgrade: %d %v, want %d", mark, err, max(ada, grace))
		}
	}
	camp, err := s.Campaign(ctx, campaign)
	if err != nil || camp.Name != "Spring search" || camp.Notes != "Ünïcode notes" || camp.ShortCode != "OLDCODE1" {
		t.Errorf("campaign after the upgrade: %+v %v", camp, err)
	}
	costs, err := s.Costs(ctx, campaign)
	if err != nil || len(costs) != 1 || costs[0].Amount != 125050 || costs[0].HoursHundredths != 350 {
		t.Errorf("costs after the upgrade: %v %v", costs, err)
	}
	if u, err := s.UserByEmail(ctx, "sam@old.example"); err != nil || u.Role != store.RoleSales {
		t.Errorf("user after the upgrade: %+v %v", u, err)
	}
	if k, err := s.APIKeyByHash(ctx, "old-key-hash"); err != nil || k.Name != "old key" {
		t.Errorf("API key after the upgrade: %+v %v", k, err)
	}
	if f, err := s.FormBySlug(ctx, "demo"); err != nil || f.Name != "Demo request" || f.CampaignID != campaign {
		t.Errorf("form after the upgrade: %+v %v", f, err)
	}
	if j, err := s.Job(ctx, job); err != nil || j.Kind != "test_kind" || j.State(time.Now()) != store.JobQueued {
		t.Errorf("job after the upgrade: %+v %v", j, err)
	}
	if v, err := s.Setting(ctx, "tracking_consent"); err != nil || v != "required" {
		t.Errorf("setting after the upgrade: %q %v", v, err)
	}

	// New writes land on the old rows, and new rows get fresh ids.
	out, err := s.Ingest(ctx, []store.Capture{
		{Type: "form_submit", Email: "ada@analytical.example", Touch: true, Fields: store.ContactFields{JobTitle: "COO"}},
		{Type: "form_submit", Email: "new@after.example", Touch: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].ContactID != ada || out[0].Created || !out[1].Created || out[1].ContactID <= grace {
		t.Errorf("captures after the upgrade: %+v", out)
	}
	if c, _ := s.Contact(ctx, ada); c.JobTitle != "COO" {
		t.Errorf("job title after a new capture: %q", c.JobTitle)
	}
	if n, err := s.CountContacts(ctx); err != nil || n != 3 {
		t.Errorf("%d contacts after the upgrade and one new capture, want 3 (%v)", n, err)
	}
	if ok, err := s.IntegrityCheck(ctx); err != nil || ok != "ok" {
		t.Fatalf("integrity check after new writes: %q %v", ok, err)
	}
}
