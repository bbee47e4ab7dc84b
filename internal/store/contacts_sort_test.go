package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestContactsSortedByScore pages through the contact list sorted by fit and by
// engagement, with and without a stage filter: every live contact comes once, the
// highest score first and newest first among equals, and a merged one never. A
// sort the list does not know, and a cursor of another order, are refused by name.
func TestContactsSortedByScore(t *testing.T) {
	s := storetest.Open(t)
	if err := store.ExecForTest(ctx, s, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
		INSERT INTO contacts (email, stage, fit_score, engagement_score, created_at, updated_at)
		SELECT 'k' || i || '@example.com', CASE WHEN i % 3 = 0 THEN 'mql' ELSE 'lead' END, i % 17 * 6, i * 7 % 101, i, i FROM n`); err != nil {
		t.Fatal(err)
	}
	// A merged contact with the top scores stays out of the list.
	if err := store.ExecForTest(ctx, s, `UPDATE contacts SET fit_score = 100, engagement_score = 100,
		merged_into_id = (SELECT MIN(id) FROM contacts) WHERE email = 'k300@example.com'`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sort, col, stage string
	}{
		{store.SortFit, "fit_score", ""},
		{store.SortEngagement, "engagement_score", ""},
		{store.SortFit, "fit_score", "mql"},
		{store.SortEngagement, "engagement_score", "mql"},
	} {
		t.Run(tc.sort+"/"+tc.stage, func(t *testing.T) {
			q := `SELECT email || ' ' || CAST(` + tc.col + ` AS TEXT) FROM contacts WHERE merged_into_id IS NULL`
			if tc.stage != "" {
				q += ` AND stage = '` + tc.stage + `'`
			}
			want, err := store.RowsForTest(ctx, s, q+` ORDER BY `+tc.col+` DESC, id DESC`)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatal("the pages never end")
				}
				page, err := s.Contacts(ctx, store.ContactFilter{Sort: tc.sort, Stage: tc.stage, Limit: 7, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Contacts {
					score := c.FitScore
					if tc.sort == store.SortEngagement {
						score = c.EngagementScore
					}
					got = append(got, fmt.Sprintf("%s %d", c.Email, score))
				}
				if page.NextCursor == "" {
					break
				}
				cursor = page.NextCursor
			}
			if !slices.Equal(got, want) {
				t.Fatalf("sorted by %s: %d contacts\n got %v\nwant %v", tc.sort, len(got), got, want)
			}
			if len(want) < 90 || strings.HasPrefix(got[0], "k300@") {
				t.Fatalf("the list has %d contacts and starts with %s", len(want), got[0])
			}
		})
	}

	if _, err := s.Contacts(ctx, store.ContactFilter{Sort: "name"}); errs.Code(err) != errs.Invalid || fieldOf(err) != "sort" {
		t.Errorf("an unknown sort: %v", err)
	}
	newest, err := s.Contacts(ctx, store.ContactFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Contacts(ctx, store.ContactFilter{Sort: store.SortFit, Cursor: newest.NextCursor}); errs.Code(err) != errs.Invalid || fieldOf(err) != "cursor" {
		t.Errorf("a newest-first cursor on a list by fit: %v", err)
	}
	byFit, err := s.Contacts(ctx, store.ContactFilter{Sort: store.SortFit, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Contacts(ctx, store.ContactFilter{Sort: store.SortEngagement, Cursor: byFit.NextCursor}); errs.Code(err) != errs.Invalid || fieldOf(err) != "cursor" {
		t.Errorf("a fit cursor on a list by engagement: %v", err)
	}
}

// TestSQLiteScoreSortWalksTheScoreIndex: on SQLite the list by a score reads the
// live score index from the top, from a cursor too, and sorts nothing, so a page
// costs the same at any size. (PostgreSQL has no score index since migration 0025:
// there the sort is a top-N sort over the rows the filters keep.)
func TestSQLiteScoreSortWalksTheScoreIndex(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.SQLite {
		t.Skip("SQLite only: PostgreSQL keeps no index on the scores")
	}
	if err := store.ExecForTest(ctx, s, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
		INSERT INTO contacts (email, stage, fit_score, engagement_score, created_at, updated_at)
		SELECT 's' || i || '@example.com', 'lead', i % 101, i % 37, i, i FROM n`); err != nil {
		t.Fatal(err)
	}
	if err := s.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	for q, index := range map[string]string{
		`SELECT c.id FROM contacts c WHERE c.merged_into_id IS NULL ORDER BY c.fit_score DESC, c.id DESC LIMIT 51`:                                     "contacts_live_fit",
		`SELECT c.id FROM contacts c WHERE c.merged_into_id IS NULL AND (c.fit_score, c.id) < (40, 900) ORDER BY c.fit_score DESC, c.id DESC LIMIT 51`: "contacts_live_fit",
		`SELECT c.id FROM contacts c WHERE c.merged_into_id IS NULL ORDER BY c.engagement_score DESC, c.id DESC LIMIT 51`:                              "contacts_live_engagement",
	} {
		plan, err := s.QueryPlan(q)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, index) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s\nplan:\n%s", q, plan)
		}
	}
}

func fieldOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
