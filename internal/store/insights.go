package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/insights"
)

// The counts behind audience insights (SPEC section 8). The contacts list uses the same
// expressions to find the contacts behind a value, so a value's count and its list agree.

// attributeColumn is the SQL value of a one-valued built-in attribute of contact c and
// its company co, ” when unknown. A contact's own country wins over its company's.
var attributeColumn = map[string]string{
	// A first touch of a campaign counts in the campaign's current channel, as in the
	// sources report; ca is the campaign, joined by InsightCounts.
	"channel":      `COALESCE(ca.channel, NULLIF(c.first_touch_channel, ''), 'direct')`,
	"country":      `CASE WHEN c.country <> '' THEN c.country ELSE COALESCE(co.country, '') END`,
	"city":         `c.city`,
	"industry":     `COALESCE(co.industry, '')`,
	"company_size": `COALESCE(co.size, '')`,
	"seniority":    `c.seniority`,
	"department":   `c.department`,
	"email_type":   `c.email_type`,
	"age_band":     `c.age_band`,
}

// jsonText is the text of a top-level key of a JSON column; key must be a safe name.
func (s *Store) jsonText(col, key string) string {
	if s.engine == Postgres {
		return col + `->>'` + key + `'`
	}
	return `json_extract(` + col + `, '$."` + key + `"')`
}

// pagePath is the path of the page_url of page view e ("/pricing"), without query or
// fragment; "/" for a bare host; NULL when the URL is not absolute. Written with the
// string functions both engines share, so the same text comes out of both.
func (s *Store) pagePath() string {
	pos, q := "instr", "char(63)" // char(63) is '?', which the PostgreSQL rebinding would take for a placeholder
	if s.engine == Postgres {
		pos, q = "strpos", "chr(63)"
	}
	u := s.jsonText("e.properties", "page_url")
	at := func(x, sub string) string { return pos + "(" + x + ", " + sub + ")" }
	strip := func(x, ch string) string {
		return "CASE WHEN " + at(x, ch) + " > 0 THEN substr(" + x + ", 1, " + at(x, ch) + " - 1) ELSE " + x + " END"
	}
	rest := "substr(" + u + ", " + at(u, "'://'") + " + 3)"
	hostPath := strip(strip(rest, q), "'#'")
	return "CASE WHEN " + at(u, "'://'") + " > 0 THEN CASE WHEN " + at(hostPath, "'/'") + " > 0 THEN substr(" + hostPath + ", " +
		at(hostPath, "'/'") + ") ELSE '/' END END"
}

// seenBefore is the condition on page view e of contact c that it came before c entered
// the outcome stage, or before now if c never did: pages seen after converting say
// nothing about what led to it. It binds the stage and now.
const seenBefore = `e.occurred_at < COALESCE((SELECT o.entered_at FROM contact_stages o WHERE o.contact_id = c.id AND o.stage = ?), ?)`

// attributeCondition is the WHERE condition on contact c (joined to its company co) for
// the contacts an insight with the outcome stage counts under value of attribute. Only
// the pages seen depend on the outcome; without one, every page seen up to now counts.
func (s *Store) attributeCondition(attribute, value, outcome string) (string, []any, error) {
	if attribute == "channel" { // without the join on the campaign
		return countedChannelIs("c.first_touch_channel", "c.first_touch_campaign_id"), []any{value, value}, nil
	}
	if col, ok := attributeColumn[attribute]; ok {
		return col + " = ?", []any{value}, nil
	}
	switch attribute {
	case "campaign":
		id, err := strconv.ParseInt(value, 10, 64)
		if err != nil || id <= 0 {
			return "", nil, errs.Field("value", "must be a campaign id for the campaign attribute")
		}
		return "c.first_touch_campaign_id = ?", []any{id}, nil
	case "content":
		return `EXISTS (SELECT 1 FROM events e WHERE e.contact_id = c.id AND e.type = 'page_view' AND ` + s.pagePath() + ` = ? AND ` + seenBefore + `)`,
			[]any{value, outcome, ts(s.Now())}, nil
	}
	key, ok := strings.CutPrefix(attribute, insights.CustomPrefix)
	if !ok || !insights.ValidCustomKey(key) {
		return "", nil, errs.Field("attribute", "is not an attribute: one of %s, or custom.KEY", attributeNames())
	}
	// A custom field holds one value or a list of them; either matches.
	if s.engine == Postgres {
		return `(c.custom->>'` + key + `' = ? OR (jsonb_typeof(c.custom->'` + key + `') = 'array' AND c.custom->'` + key + `' @> jsonb_build_array(?::text)))`, []any{value, value}, nil
	}
	return `EXISTS (SELECT 1 FROM json_each(c.custom, '$."` + key + `"') j WHERE CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.value AS TEXT) END = ?)`, []any{value}, nil
}

func attributeNames() string {
	names := make([]string, len(insights.Attributes))
	for i, a := range insights.Attributes {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// InsightCounts counts the contacts created in [from, to) (the cohort) and those of them
// that reached the outcome stage, per value of every attribute; only names the
// attribute to count when it is not "".
func (s *Store) InsightCounts(ctx context.Context, outcome string, from, to time.Time, only string) (*insights.Counts, error) {
	out := insights.NewCounts()
	want := func(a string) bool { return only == "" || only == a }
	wantCustom := only == "" || strings.HasPrefix(only, insights.CustomPrefix)
	reachedOutcome := `EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = ?)`
	cols := []string{"channel", "country", "city", "industry", "company_size", "seniority", "department", "email_type", "age_band"}
	var sel strings.Builder
	for _, a := range cols {
		sel.WriteString(", " + attributeColumn[a])
	}
	converted := map[int64]bool{}
	q := `SELECT c.id, CASE WHEN ` + reachedOutcome + ` THEN 1 ELSE 0 END, c.first_touch_campaign_id, ca.name, CAST(c.custom AS TEXT)` + sel.String() + `
		FROM contacts c LEFT JOIN companies co ON co.id = c.company_id LEFT JOIN campaigns ca ON ca.id = c.first_touch_campaign_id
		WHERE ` + cohortFilter
	err := s.reportRows(ctx, q, []any{outcome, ts(from), ts(to)}, func(rows *sql.Rows) error {
		var id, conv int64
		var campaign sql.NullInt64
		var campaignName sql.NullString
		var custom string
		vals := make([]string, len(cols))
		dest := []any{&id, &conv, &campaign, &campaignName, &custom}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		ok := conv == 1
		converted[id] = ok
		out.Baseline.Contacts++
		if ok {
			out.Baseline.Converted++
		}
		for i, a := range cols {
			if vals[i] != "" && want(a) {
				out.Add(a, vals[i], ok)
			}
		}
		if campaign.Valid && want("campaign") {
			v := strconv.FormatInt(campaign.Int64, 10)
			out.Add("campaign", v, ok)
			out.Label("campaign", v, campaignName.String)
		}
		if wantCustom {
			addCustom(out, custom, ok, only)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if only != "" && only != "content" {
		return out, nil
	}
	// Pages seen: each path a contact of the cohort viewed before the outcome (or, if it
	// has not converted, before now) counts once for that contact.
	err = s.reportRows(ctx, `SELECT DISTINCT c.id, `+s.pagePath()+` FROM contacts c JOIN events e ON e.contact_id = c.id
		WHERE `+cohortFilter+` AND e.type = 'page_view' AND `+seenBefore, []any{ts(from), ts(to), outcome, ts(s.Now())}, func(rows *sql.Rows) error {
		var id int64
		var path sql.NullString
		if err := rows.Scan(&id, &path); err != nil {
			return err
		}
		if path.Valid && path.String != "" {
			out.Add("content", path.String, converted[id])
		}
		return nil
	})
	return out, err
}

// addCustom counts a contact's custom fields: text, numbers and booleans as they read,
// each element of a list on its own; nested objects are not values.
func addCustom(out *insights.Counts, raw string, converted bool, only string) {
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil {
		return
	}
	for k, v := range m {
		name := insights.CustomPrefix + k
		if !insights.ValidCustomKey(k) || only != "" && only != name {
			continue
		}
		items, isList := v.([]any)
		if !isList {
			items = []any{v}
		}
		seen := map[string]bool{}
		for _, it := range items {
			var s string
			switch x := it.(type) {
			case string:
				s = strings.TrimSpace(x)
			case float64:
				s = strconv.FormatFloat(x, 'f', -1, 64)
			case bool:
				s = fmt.Sprint(x)
			}
			if s != "" && !seen[s] {
				seen[s] = true
				out.Add(name, s, converted)
			}
		}
	}
}
