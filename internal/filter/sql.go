package filter

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Dialect is the SQL engine a filter is compiled for.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota
	PostgreSQL
)

// SQL compiles the expression to a condition over "contacts c LEFT JOIN
// companies co ON co.id = c.company_id", with event conditions as subqueries on
// events. Values are bound as ? arguments, never written into the SQL. Times
// are compared as UTC microseconds; "within last" windows end at now. A
// merged contact never matches.
func SQL(e Expr, d Dialect, now time.Time) (string, []any, error) {
	if err := Check(e); err != nil {
		return "", nil, err
	}
	c := &compiler{d: d, now: now.UTC().Truncate(time.Microsecond)}
	c.b.WriteString("c.merged_into_id IS NULL AND ")
	c.expr(e)
	return c.b.String(), c.args, nil
}

// SQL compiles the filter (see the function SQL).
func (f Filter) SQL(d Dialect, now time.Time) (string, []any, error) { return SQL(f.root(), d, now) }

type compiler struct {
	d    Dialect
	now  time.Time
	b    strings.Builder
	args []any
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "?"
}

func (c *compiler) expr(e Expr) {
	switch x := e.(type) {
	case And:
		c.group(x.Terms, " AND ", "1 = 1")
	case Or:
		c.group(x.Terms, " OR ", "1 = 0")
	case Not:
		c.b.WriteString("NOT ")
		c.expr(x.Term)
	case Cond:
		c.cond(x)
	case EventCond:
		c.event(x)
	}
}

func (c *compiler) group(terms []Expr, sep, empty string) {
	c.b.WriteByte('(')
	if len(terms) == 0 {
		c.b.WriteString(empty)
	}
	for i, t := range terms {
		if i > 0 {
			c.b.WriteString(sep)
		}
		c.expr(t)
	}
	c.b.WriteByte(')')
}

// column is the SQL of a field; for custom and consent fields it binds arguments.
func (c *compiler) column(f *field) string {
	if f.column != "" {
		return f.column
	}
	if key, ok := strings.CutPrefix(f.name, "custom."); ok {
		return c.jsonText("c.custom", key)
	}
	purpose := strings.TrimPrefix(f.name, "consent.")
	return "COALESCE((SELECT CASE WHEN k.granted THEN 'granted' ELSE 'withdrawn' END FROM consents k" +
		" WHERE k.contact_id IN (SELECT c.id UNION ALL SELECT m.id FROM contacts m WHERE m.merged_into_id = c.id)" +
		" AND k.purpose = " + c.arg(purpose) + " ORDER BY k.recorded_at DESC, k.id DESC LIMIT 1), 'unknown')"
}

// jsonText is a JSON object's member as text, the same on both engines for text,
// numbers, true and false; "" when missing or null.
func (c *compiler) jsonText(col, key string) string {
	if c.d == PostgreSQL {
		return "COALESCE(" + col + " ->> " + c.arg(key) + ", '')"
	}
	path := `$."` + key + `"`
	return "COALESCE(CASE json_type(" + col + ", " + c.arg(path) + ") WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract(" +
		col + ", " + c.arg(path) + ") AS TEXT) END, '')"
}

func (c *compiler) lower(col string) string {
	if c.d == PostgreSQL {
		return `lower((` + col + `) COLLATE "C")`
	}
	return "lower(" + col + ")"
}

func (c *compiler) text(col string, op Op, v Value) string {
	var b strings.Builder
	switch op {
	case OpEq, OpNe:
		sqlOp := "="
		if op == OpNe {
			sqlOp = "<>"
		}
		fmt.Fprintf(&b, "%s %s %s", col, sqlOp, c.arg(v.Text))
	case OpContains:
		if c.d == SQLite {
			// SQLite's LIKE ignores the case of ASCII letters only, as the language does.
			fmt.Fprintf(&b, `%s LIKE %s ESCAPE '\'`, col, c.arg("%"+likeEscape(v.Text)+"%"))
			break
		}
		fmt.Fprintf(&b, "strpos(%s, %s) > 0", c.lower(col), c.arg(lowerASCII(v.Text)))
	case OpStartsWith:
		if c.d == SQLite {
			fmt.Fprintf(&b, `%s LIKE %s ESCAPE '\'`, col, c.arg(likeEscape(v.Text)+"%"))
			break
		}
		l := c.lower(col)
		n := c.arg(int64(utf8.RuneCountInString(v.Text)))
		fmt.Fprintf(&b, "substr(%s, 1, %s) = %s", l, n, c.arg(lowerASCII(v.Text)))
	case OpIn:
		b.WriteString(col + " IN (")
		for i, x := range v.List {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.arg(x.Text))
		}
		b.WriteByte(')')
	case OpIsEmpty:
		b.WriteString(col + " = ''")
	case OpIsSet:
		b.WriteString(col + " <> ''")
	}
	return b.String()
}

// num binds a number so an integer column keeps its index on PostgreSQL.
func (c *compiler) num(f *field, n float64) string {
	if f.name != "predictive_score" && n == math.Trunc(n) && math.Abs(n) < 1<<53 {
		return c.arg(int64(n))
	}
	return "CAST(" + c.arg(n) + " AS DOUBLE PRECISION)"
}

func (c *compiler) cond(x Cond) {
	f, _ := lookupField(x.Field)
	c.b.WriteByte('(')
	defer c.b.WriteByte(')')
	switch f.typ {
	case TypeText, TypeChoice:
		if key, ok := strings.CutPrefix(f.name, "custom."); ok && c.d == SQLite && x.Op == OpEq && memberTextHolds(x.Value.Text) {
			c.customEq(key, x.Value.Text)
			return
		}
		if strings.HasPrefix(f.name, "custom.") && c.d == SQLite && rawTextHolds(x.Op, x.Value.Text) {
			// As for event properties: the stored text first, the parsed member after.
			c.b.WriteString(`c.custom LIKE ` + c.arg("%"+likeEscape(x.Value.Text)+"%") + ` ESCAPE '\' AND `)
		}
		c.b.WriteString(c.text(c.column(f), x.Op, x.Value))
	case TypeNumber:
		col := f.column
		switch x.Op {
		case OpIsEmpty:
			c.b.WriteString(col + " IS NULL")
			return
		case OpIsSet:
			c.b.WriteString(col + " IS NOT NULL")
			return
		case OpNe:
			if f.nullable {
				c.b.WriteString(col + " IS NULL OR ")
			}
			c.b.WriteString(col + " <> " + c.num(f, x.Value.Number))
			return
		}
		if f.nullable {
			c.b.WriteString(col + " IS NOT NULL AND ")
		}
		if x.Op == OpIn {
			c.b.WriteString(col + " IN (")
			for i, v := range x.Value.List {
				if i > 0 {
					c.b.WriteString(", ")
				}
				c.b.WriteString(c.num(f, v.Number))
			}
			c.b.WriteByte(')')
			return
		}
		c.b.WriteString(col + " " + string(x.Op) + " " + c.num(f, x.Value.Number))
	case TypeTime:
		switch x.Op {
		case OpBefore:
			c.b.WriteString(f.column + " < " + c.arg(x.Value.Time.UTC().UnixMicro()))
		case OpAfter:
			c.b.WriteString(f.column + " >= " + c.arg(x.Value.Time.UTC().UnixMicro()))
		case OpWithinLast:
			c.b.WriteString(f.column + " >= " + c.arg(c.now.Add(-days(int(x.Value.Number))).UnixMicro()))
		}
	}
}

func (c *compiler) event(x EventCond) {
	// On PostgreSQL, "at least one" and "none" are a correlated EXISTS / NOT EXISTS
	// on each contact's events, then on those of the contacts merged into it: the
	// planner turns "none" into anti-joins that read the window once, and runs "at
	// least one" (an OR of the two) as a probe of the (contact_id, type, occurred_at)
	// index for each contact the other conditions leave; a count of such a condition
	// alone reads the window once instead (CountedEventSQL). SQLite runs a correlated
	// subquery once a contact, which measured slower than reading the window once
	// (docs/benchmark-log.md).
	if c.d == PostgreSQL && (isAtLeastOne(x) || isNone(x)) {
		own := "EXISTS (SELECT 1 FROM events e WHERE e.contact_id = c.id AND " + c.eventConds(x) + ")"
		// "merged_into_id IS NOT NULL" follows from "= c.id", but the planner then
		// knows the merged contacts are few: without it, it sized the anti-join for
		// all the contacts, in several batches, and wrote every live contact to a
		// temporary file for none (an eighth to a sixth of "no email open in 60 days").
		merged := "EXISTS (SELECT 1 FROM contacts m JOIN events e ON e.contact_id = m.id WHERE m.merged_into_id IS NOT NULL AND m.merged_into_id = c.id AND " + c.eventConds(x) + ")"
		if isNone(x) {
			c.b.WriteString("(NOT " + own + " AND NOT " + merged + ")")
			return
		}
		c.b.WriteString("(" + own + " OR " + merged + ")")
		return
	}
	sub, zeroPasses := c.eventSet(x)
	if !zeroPasses {
		c.b.WriteString("c.id IN (" + sub + ")")
		return
	}
	if c.d == PostgreSQL {
		// PostgreSQL turns NOT EXISTS into an anti-join; NOT IN over a large set it cannot.
		c.b.WriteString("NOT EXISTS (SELECT 1 FROM (" + sub + ") x WHERE x.who = c.id)")
		return
	}
	c.b.WriteString("c.id NOT IN (" + sub + ")")
}

// eventConds is the condition on one event "e" of the event condition.
func (c *compiler) eventConds(x EventCond) string {
	w := "e.type = " + c.arg(x.Type)
	if x.WithinDays > 0 {
		w += " AND e.occurred_at >= " + c.arg(c.now.Add(-days(x.WithinDays)).UnixMicro())
	}
	if x.Where != nil {
		if c.d == SQLite && rawTextHolds(x.Where.Op, x.Where.Value) {
			// A cheap test of the stored JSON text first: most events of the window
			// are then passed over without parsing their properties.
			w += ` AND e.properties LIKE ` + c.arg("%"+likeEscape(x.Where.Value)+"%") + ` ESCAPE '\'`
		}
		w += " AND " + c.text(c.jsonText("e.properties", x.Where.Property), x.Where.Op, Text(x.Where.Value))
	}
	return w
}

// eventSet is a query of the contacts, in the column "who", whose count of the
// condition's events fails (when zeroPasses, that is when a contact without
// such events meets the condition) or passes (otherwise). The events of the
// window are read once, not once a contact, through the (type, occurred_at)
// index. A merged contact's events count for the one it was merged into: they
// are read a second time through the few merged contacts. The set may hold
// merged contacts (their own events are still theirs), which never match.
func (c *compiler) eventSet(x EventCond) (sub string, zeroPasses bool) {
	// The contacts merged into others are few: SQLite must start from them (CROSS
	// JOIN fixes its join order), not look up the contact of every event of the
	// window, which took seconds over a million contacts; and it must then read
	// each one's events through the index by contact, not the whole window again
	// through the index by type and time, which its statistics can prefer.
	mergedJoin := " JOIN events e"
	if c.d == SQLite {
		mergedJoin = " CROSS JOIN events e INDEXED BY events_contact"
	}
	sub = "SELECT e.contact_id AS who FROM events e WHERE e.contact_id IS NOT NULL AND " + c.eventConds(x) +
		" UNION ALL SELECT m.merged_into_id FROM contacts m" + mergedJoin + " ON e.contact_id = m.id WHERE m.merged_into_id IS NOT NULL AND " + c.eventConds(x)
	// A contact without any such event has the count 0: when 0 passes, the
	// condition is "not among those whose count fails".
	zeroPasses = compareCount(0, x.Op, x.Count)
	// "At least one" and "none" need no counting.
	if !isAtLeastOne(x) && !isNone(x) {
		having := "COUNT(*) " + string(x.Op) + " " + c.arg(int64(x.Count))
		if zeroPasses {
			having = "NOT (" + having + ")"
		}
		sub = "SELECT who FROM (" + sub + ") ev GROUP BY who HAVING " + having
	}
	return sub, zeroPasses
}

// CountedEventSQL compiles a filter that is a single count of events which a
// contact without such events fails ("at least once", ">= 2", "= 4") to the set
// of contacts whose count passes: a query of distinct ids in the column "who".
// The set may hold merged contacts, which a count of contacts must leave out.
// ok is false for any other filter.
//
// Counting that set reads the window's events once and then only the few merged
// contacts. Counting the contacts the filter matches looked each contact of the
// set up again on PostgreSQL (a tenth to a sixth of "viewed /pricing twice in 14
// days" at a million contacts), and tested "at least once" with a probe of the
// events index for every contact (about 2 s for "an email open in 60 days",
// against 0.6 s).
func CountedEventSQL(f Filter, d Dialect, now time.Time) (q string, args []any, ok bool, err error) {
	e := f.root()
	for {
		if a, isAnd := e.(And); isAnd && len(a.Terms) == 1 {
			e = a.Terms[0]
			continue
		}
		if o, isOr := e.(Or); isOr && len(o.Terms) == 1 {
			e = o.Terms[0]
			continue
		}
		break
	}
	x, isEvent := e.(EventCond)
	if !isEvent || ZeroPasses(x) {
		return "", nil, false, nil
	}
	if err := Check(x); err != nil {
		return "", nil, false, err
	}
	c := &compiler{d: d, now: now.UTC().Truncate(time.Microsecond)}
	q, _ = c.eventSet(x)
	if isAtLeastOne(x) {
		// A contact with several such events is in the set once.
		q = "SELECT who FROM (" + q + ") ev GROUP BY who"
	}
	return q, c.args, true, nil
}

// rawTextHolds reports whether every JSON object whose member matches has the
// value's text, as written, inside its stored JSON text (events' properties,
// contacts' custom fields): true for a positive match on
// a value that JSON writers never escape (Go's encoder escapes quotes,
// backslashes, control characters, <, > and &, U+2028 and U+2029, and writes
// invalid UTF-8 as an escaped U+FFFD) and that no
// number's text can hold (a number is stored as JSON writes it, 1e+21, but
// compared as SQLite prints it, 1.0e+21).
func rawTextHolds(op Op, value string) bool {
	if op != OpEq && op != OpContains && op != OpStartsWith {
		return false
	}
	if value == "" || !utf8.ValidString(value) {
		return false
	}
	numeric := true
	for _, r := range value {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || r == utf8.RuneError || strings.ContainsRune(`"\<>&`, r) {
			return false
		}
		if !strings.ContainsRune("0123456789.eE+-", r) {
			numeric = false
		}
	}
	return !numeric
}

// memberTextHolds reports whether a custom field equal to value is always stored
// as the exact text "key":"value": a string that JSON writers never escape (see
// rawTextHolds), and not a text the parse also gives for a number, true, false,
// an array or an object.
func memberTextHolds(value string) bool {
	return rawTextHolds(OpEq, value) && value != "true" && value != "false" &&
		!strings.HasPrefix(value, "[") && !strings.HasPrefix(value, "{")
}

// customEq is custom.key = value on SQLite, decided from the stored text where it
// can be, because parsing the JSON of every contact that holds the value (a
// quarter of a million for a common plan) cost more than reading them all.
//
// Contacts' custom fields are written by Go's encoding/json from a map: compact,
// no space around ':' or ','. A contact whose member equals value therefore
// holds the text "key":"value" (key and value need no escaping), and without it
// the answer is no. With it, the answer is yes when the whole text has no
// backslash and no '}' before its last character. Without a backslash no quote
// is escaped, so the four quotes of "key":"value" are JSON's own: the text is a
// member, not part of a longer key or a value. Without a '}' before the end no
// object is nested in another, so that member is a top-level one. Anything else
// is left to the parse, as before.
//
// Both tests are GLOB patterns that start with '*' and then a plain character:
// SQLite looks for that character with strcspn, which makes them nearly free,
// where instr, length and substr count UTF-8 characters one at a time (the
// earlier form, which looked at the character before the member, cost a fifth
// more on a million contacts).
//
// A key written twice (never by encoding/json from a map) matches when either
// value does; the engines read such a text differently anyway: memory and
// PostgreSQL take the last, SQLite's parse the first.
func (c *compiler) customEq(key, value string) {
	member := `"` + key + `":"` + value + `"`
	c.b.WriteString("instr(c.custom, " + c.arg(member) + ") > 0 AND CASE WHEN c.custom NOT GLOB '*\\*' AND c.custom NOT GLOB '*}?*' THEN 1 ELSE ")
	c.b.WriteString(c.text(c.jsonText("c.custom", key), OpEq, Text(value)))
	c.b.WriteString(" END")
}

// ZeroPasses reports whether a contact without any of the condition's events
// meets it (count = 0, count < 3, ...).
func ZeroPasses(x EventCond) bool { return compareCount(0, x.Op, x.Count) }

// isAtLeastOne reports whether a count condition means "one or more".
func isAtLeastOne(x EventCond) bool {
	return (x.Op == OpGe && x.Count == 1) || (x.Op == OpGt && x.Count == 0) || (x.Op == OpNe && x.Count == 0)
}

// isNone reports whether a count condition means "none".
func isNone(x EventCond) bool {
	return (x.Op == OpEq && x.Count == 0) || (x.Op == OpLt && x.Count == 1) || (x.Op == OpLe && x.Count == 0)
}

// UsesCompany reports whether the expression reads the contact's company, so a
// query joins companies only when it must.
func UsesCompany(e Expr) bool {
	uses := false
	Walk(e, func(x Expr) {
		if c, ok := x.(Cond); ok && strings.HasPrefix(c.Field, "company.") {
			uses = true
		}
	})
	return uses
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
