package web

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/filter"
)

// The segment builder shows a filter as groups of condition rows: the segment
// matches all (or any) of its groups, and a group all (or any) of its rows. A
// filter of another shape (a "not", deeper nesting) is edited in its text form.

// eventField is the builder's name for a condition on event history.
const eventField = "event"

type builderRow struct {
	Field, Op, Value                  string
	EventType, Property, PropOp, Prop string
	Days, CountOp, Count              string
	Error                             string
}

type builderGroup struct {
	Match string // all or any
	Rows  []builderRow
}

type builder struct {
	Match     string // all or any
	Groups    []builderGroup
	Mode      string // rows, or text when the filter has a shape the rows cannot show
	Text      string // the text form
	TextError string
	Err       bool // a row or the text is wrong
}

const (
	maxGroups = 20
	maxRows   = 50
)

var (
	rowKey   = regexp.MustCompile(`^g(\d+)r(\d+)_field$`)
	groupKey = regexp.MustCompile(`^g(\d+)_match$`)
)

// builderFromForm reads the builder's inputs.
func builderFromForm(form url.Values) *builder {
	b := &builder{Match: oneOf(form.Get("match"), "all", "any"), Mode: oneOf(form.Get("mode"), "rows", "text"), Text: form.Get("text")}
	groups := map[int]map[int]bool{}
	for k := range form {
		if m := rowKey.FindStringSubmatch(k); m != nil {
			g, _ := strconv.Atoi(m[1])
			r, _ := strconv.Atoi(m[2])
			if g < maxGroups && r < maxRows {
				if groups[g] == nil {
					groups[g] = map[int]bool{}
				}
				groups[g][r] = true
			}
		}
		if m := groupKey.FindStringSubmatch(k); m != nil {
			if g, _ := strconv.Atoi(m[1]); g < maxGroups && groups[g] == nil {
				groups[g] = map[int]bool{}
			}
		}
	}
	for g := 0; g < maxGroups; g++ {
		rows, ok := groups[g]
		if !ok {
			continue
		}
		grp := builderGroup{Match: oneOf(form.Get(fmt.Sprintf("g%d_match", g)), "all", "any")}
		for r := 0; r < maxRows; r++ {
			if !rows[r] {
				continue
			}
			p := fmt.Sprintf("g%dr%d_", g, r)
			grp.Rows = append(grp.Rows, builderRow{
				Field: form.Get(p + "field"), Op: form.Get(p + "op"), Value: form.Get(p + "value"),
				EventType: strings.TrimSpace(form.Get(p + "etype")), Property: strings.TrimSpace(form.Get(p + "prop")),
				PropOp: form.Get(p + "pop"), Prop: form.Get(p + "pvalue"), Days: strings.TrimSpace(form.Get(p + "days")),
				CountOp: form.Get(p + "cop"), Count: strings.TrimSpace(form.Get(p + "count")),
			})
		}
		b.Groups = append(b.Groups, grp)
	}
	return b
}

func oneOf(v string, choices ...string) string {
	for _, c := range choices {
		if v == c {
			return v
		}
	}
	return choices[0]
}

// apply carries out a button of the builder: add-row:G, remove-row:G:R, add-group,
// remove-group:G, from-text (show the text form as rows), to-text.
func (b *builder) apply(action string) {
	parts := strings.Split(action, ":")
	idx := func(i, n int) (int, bool) {
		if i >= len(parts) {
			return 0, false
		}
		v, err := strconv.Atoi(parts[i])
		return v, err == nil && v >= 0 && v < n
	}
	switch parts[0] {
	case "add-row":
		if g, ok := idx(1, len(b.Groups)); ok && len(b.Groups[g].Rows) < maxRows {
			b.Groups[g].Rows = append(b.Groups[g].Rows, builderRow{})
		}
	case "remove-row":
		if g, ok := idx(1, len(b.Groups)); ok {
			if r, ok := idx(2, len(b.Groups[g].Rows)); ok {
				b.Groups[g].Rows = append(b.Groups[g].Rows[:r], b.Groups[g].Rows[r+1:]...)
				if len(b.Groups[g].Rows) == 0 {
					b.Groups = append(b.Groups[:g], b.Groups[g+1:]...)
				}
			}
		}
	case "add-group":
		if len(b.Groups) < maxGroups {
			b.Groups = append(b.Groups, builderGroup{Match: "all", Rows: []builderRow{{}}})
		}
	case "remove-group":
		if g, ok := idx(1, len(b.Groups)); ok {
			b.Groups = append(b.Groups[:g], b.Groups[g+1:]...)
		}
	case "from-text":
		e, err := filter.ParseText(b.Text)
		if err != nil {
			b.Mode, b.TextError, b.Err = "text", err.Error(), true
			return
		}
		if nb, ok := builderFromExpr(e); ok {
			*b = *nb
			return
		}
		b.Mode = "text"
	case "to-text":
		if e, err := b.expr(); err == nil {
			b.Text = filter.Format(e)
		}
		b.Mode = "text"
	}
	if len(b.Groups) == 0 && b.Mode == "rows" {
		b.Groups = []builderGroup{{Match: "all", Rows: []builderRow{{}}}}
	}
	for gi := range b.Groups {
		for ri := range b.Groups[gi].Rows {
			b.Groups[gi].Rows[ri].normalize()
		}
	}
}

// expr builds the filter; a wrong row keeps its message and the result is an error.
func (b *builder) expr() (filter.Expr, error) {
	if b.Mode == "text" {
		e, err := filter.ParseText(b.Text)
		if err != nil {
			b.TextError, b.Err = err.Error(), true
			return nil, err
		}
		return e, nil
	}
	var groups []filter.Expr
	for gi := range b.Groups {
		g := &b.Groups[gi]
		var terms []filter.Expr
		for ri := range g.Rows {
			row := &g.Rows[ri]
			// A row without a value is not filled in yet, not a search for contacts
			// without the field (that is "is empty"): a new segment must not start by
			// counting everyone whose country is unknown.
			if row.Field == "" || row.unfilled() {
				continue
			}
			e, err := row.expr()
			if err != nil {
				row.Error, b.Err = err.Error(), true
				continue
			}
			terms = append(terms, e)
		}
		if len(terms) == 0 {
			continue
		}
		if g.Match == "any" {
			groups = append(groups, filter.Or{Terms: terms})
		} else {
			groups = append(groups, filter.And{Terms: terms})
		}
	}
	if b.Err {
		return nil, errors.New("a condition is not complete")
	}
	var e filter.Expr = filter.And{Terms: groups}
	if b.Match == "any" && len(groups) > 0 {
		e = filter.Or{Terms: groups}
	}
	e = filter.Normalize(e)
	b.Text = filter.Format(e)
	return e, nil
}

// unfilled says a condition on a field still waits for its value.
func (row *builderRow) unfilled() bool {
	switch filter.Op(row.Op) {
	case filter.OpIsEmpty, filter.OpIsSet:
		return false
	}
	return row.Field != eventField && strings.TrimSpace(row.Value) == ""
}

func (row *builderRow) expr() (filter.Expr, error) {
	row.normalize()
	if row.Field == eventField {
		e := filter.EventCond{Type: row.EventType, Op: filter.Op(row.CountOp)}
		if e.Type == "" {
			return nil, errors.New("name the event type, such as page_view")
		}
		if row.Property != "" {
			e.Where = &filter.PropertyMatch{Property: row.Property, Op: filter.Op(row.PropOp), Value: row.Prop}
		}
		var err error
		if row.Days != "" {
			if e.WithinDays, err = strconv.Atoi(row.Days); err != nil {
				return nil, errors.New("the days are a whole number")
			}
		}
		if e.Count, err = strconv.Atoi(row.Count); err != nil {
			return nil, errors.New("the count is a whole number")
		}
		return e, checkMsg(e)
	}
	var typ string
	for _, f := range filter.Fields() {
		if f.Name == row.Field {
			typ = f.Type
		}
	}
	if strings.HasPrefix(row.Field, "custom.") {
		typ = "text"
	}
	if typ == "" {
		return nil, fmt.Errorf("unknown field %q", row.Field)
	}
	c := filter.Cond{Field: row.Field, Op: filter.Op(row.Op)}
	scalar := func(s string) (filter.Value, error) {
		s = strings.TrimSpace(s)
		if typ == "number" {
			n, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
				return filter.Value{}, fmt.Errorf("%s is a number", row.Field)
			}
			return filter.Number(n), nil
		}
		return filter.Text(s), nil
	}
	var err error
	switch c.Op {
	case filter.OpIsEmpty, filter.OpIsSet:
	case filter.OpIn:
		var list []filter.Value
		for _, part := range strings.Split(row.Value, ",") {
			v, err := scalar(part)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		c.Value = filter.List(list...)
	case filter.OpBefore, filter.OpAfter:
		t, perr := time.Parse("2006-01-02", strings.TrimSpace(row.Value))
		if perr != nil {
			return nil, errors.New("pick a date")
		}
		c.Value = filter.Time(t)
	case filter.OpWithinLast:
		n, perr := strconv.Atoi(strings.TrimSpace(row.Value))
		if perr != nil {
			return nil, errors.New("the days are a whole number")
		}
		c.Value = filter.Number(float64(n))
	default:
		if c.Value, err = scalar(row.Value); err != nil {
			return nil, err
		}
	}
	return c, checkMsg(c)
}

func checkMsg(e filter.Expr) error {
	var fe *filter.Error
	if err := filter.Check(e); errors.As(err, &fe) {
		return errors.New(fe.Msg)
	}
	return nil
}

// builderFromExpr shows a filter as rows, when its shape allows.
func builderFromExpr(e filter.Expr) (*builder, bool) {
	b := &builder{Match: "all", Mode: "rows", Text: filter.Format(e)}
	var top []filter.Expr
	switch x := e.(type) {
	case filter.And:
		top = x.Terms
	case filter.Or:
		top, b.Match = x.Terms, "any"
	default:
		top = []filter.Expr{e}
	}
	for _, t := range top {
		g := builderGroup{Match: "all"}
		var leaves []filter.Expr
		switch x := t.(type) {
		case filter.And:
			leaves = x.Terms
		case filter.Or:
			leaves, g.Match = x.Terms, "any"
		default:
			leaves = []filter.Expr{t}
		}
		if len(leaves) == 0 {
			return nil, false
		}
		for _, l := range leaves {
			row, ok := rowFromExpr(l)
			if !ok {
				return nil, false
			}
			g.Rows = append(g.Rows, row)
		}
		b.Groups = append(b.Groups, g)
	}
	if len(b.Groups) == 0 {
		b.Groups = []builderGroup{{Match: "all", Rows: []builderRow{{}}}}
	}
	return b, true
}

func rowFromExpr(e filter.Expr) (builderRow, bool) {
	switch x := e.(type) {
	case filter.EventCond:
		row := builderRow{Field: eventField, EventType: x.Type, CountOp: string(x.Op), Count: strconv.Itoa(x.Count), PropOp: string(filter.OpContains)}
		if x.WithinDays > 0 {
			row.Days = strconv.Itoa(x.WithinDays)
		}
		if x.Where != nil {
			row.Property, row.PropOp, row.Prop = x.Where.Property, string(x.Where.Op), x.Where.Value
		}
		return row, true
	case filter.Cond:
		row := builderRow{Field: x.Field, Op: string(x.Op)}
		v := x.Value
		switch v.Kind {
		case filter.KindText:
			if strings.TrimSpace(v.Text) != v.Text {
				return row, false
			}
			row.Value = v.Text
		case filter.KindNumber:
			row.Value = strconv.FormatFloat(v.Number, 'f', -1, 64)
		case filter.KindTime:
			if !v.Time.Equal(v.Time.Truncate(24 * time.Hour)) {
				return row, false
			}
			row.Value = v.Time.Format("2006-01-02")
		case filter.KindList:
			var parts []string
			for _, item := range v.List {
				s := item.Text
				if item.Kind == filter.KindNumber {
					s = strconv.FormatFloat(item.Number, 'f', -1, 64)
				}
				if strings.Contains(s, ",") || strings.TrimSpace(s) != s {
					return row, false
				}
				parts = append(parts, s)
			}
			row.Value = strings.Join(parts, ", ")
		}
		return row, true
	}
	return builderRow{}, false
}

// What a row's template needs, worked out here so the template stays plain.

type builderOption struct {
	Value, Label string
	Selected     bool
}

type optionGroup struct {
	Label   string
	Options []builderOption
}

var opLabels = map[filter.Op]string{
	filter.OpEq: "is", filter.OpNe: "is not", filter.OpLt: "is less than", filter.OpLe: "is at most",
	filter.OpGt: "is more than", filter.OpGe: "is at least", filter.OpContains: "contains", filter.OpStartsWith: "starts with",
	filter.OpIn: "is one of", filter.OpIsEmpty: "is empty", filter.OpIsSet: "is set", filter.OpBefore: "is before",
	filter.OpAfter: "is on or after", filter.OpWithinLast: "is in the last",
}

var fieldLabels = map[string]string{
	"email": "Email", "first_name": "First name", "last_name": "Last name", "job_title": "Job title", "seniority": "Seniority",
	"department": "Department", "email_type": "Email type", "phone_type": "Phone type", "phone_region": "Phone region",
	"country": "Country", "city": "City", "region": "Region", "age_band": "Age band", "stage": "Stage", "owner": "Owner (email)", "created_at": "Created",
	"fit_score": "Fit score", "engagement_score": "Engagement score", "predictive_score": "Predictive score",
	"first_touch_channel": "Original channel", "first_touch_campaign": "Original campaign",
	"company.domain": "Company domain", "company.name": "Company name", "company.industry": "Industry", "company.size": "Company size",
	"company.employees": "Employees", "company.country": "Company country",
	"consent.marketing_email": "Consent: marketing email", "consent.phone": "Consent: phone", "consent.partner_sharing": "Consent: partner sharing",
}

// FieldGroups lists the fields to pick from, the row's own selected.
func (row builderRow) FieldGroups() []optionGroup {
	groups := []optionGroup{{Label: "Contact"}, {Label: "Company"}, {Label: "Consent"}, {Label: "Behaviour"}}
	for _, f := range filter.Fields() {
		i := 0
		switch {
		case strings.HasPrefix(f.Name, "company."):
			i = 1
		case strings.HasPrefix(f.Name, "consent."):
			i = 2
		}
		label := fieldLabels[f.Name]
		if label == "" {
			label = f.Name
		}
		groups[i].Options = append(groups[i].Options, builderOption{f.Name, label, f.Name == row.Field})
	}
	if strings.HasPrefix(row.Field, "custom.") {
		groups[0].Options = append(groups[0].Options, builderOption{row.Field, "Custom: " + strings.TrimPrefix(row.Field, "custom."), true})
	}
	groups[3].Options = []builderOption{{eventField, "Events (count)", row.Field == eventField}}
	return groups
}

func (row builderRow) info() (filter.FieldInfo, bool) {
	for _, f := range filter.Fields() {
		if f.Name == row.Field {
			return f, true
		}
	}
	if strings.HasPrefix(row.Field, "custom.") {
		return filter.FieldInfo{Name: row.Field, Type: "text", Ops: filter.TypeText.Ops()}, true
	}
	return filter.FieldInfo{}, false
}

// IsEvent reports whether the row counts events.
func (row builderRow) IsEvent() bool { return row.Field == eventField }

// Ops lists the operators of the row's field.
func (row builderRow) Ops() []builderOption {
	f, _ := row.info()
	var out []builderOption
	for _, op := range f.Ops {
		out = append(out, builderOption{string(op), opLabels[op], string(op) == row.Op})
	}
	return out
}

func (row builderRow) opOrFirst() filter.Op {
	f, _ := row.info()
	for _, op := range f.Ops {
		if string(op) == row.Op {
			return op
		}
	}
	if len(f.Ops) > 0 {
		return f.Ops[0]
	}
	return ""
}

// Input is the kind of value input the row shows: none, choice, date, days, number or text.
func (row builderRow) Input() string {
	f, ok := row.info()
	if !ok {
		return "none"
	}
	switch op := row.opOrFirst(); {
	case op == filter.OpIsEmpty || op == filter.OpIsSet:
		return "none"
	case op == filter.OpBefore || op == filter.OpAfter:
		return "date"
	case op == filter.OpWithinLast:
		return "days"
	case len(f.Choices) > 0 && op != filter.OpIn:
		return "choice"
	case f.Type == "number" && op != filter.OpIn:
		return "number"
	}
	return "text"
}

// Choices lists the values of a choice field, the row's own selected.
func (row builderRow) Choices() []builderOption {
	f, _ := row.info()
	var out []builderOption
	for _, c := range f.Choices {
		out = append(out, builderOption{c, c, c == row.Value})
	}
	return out
}

// Placeholder hints at what to type.
func (row builderRow) Placeholder() string {
	if row.opOrFirst() == filter.OpIn {
		return "values, separated by commas"
	}
	return "value"
}

// CountOps and PropOps are the choices of an event row.
func (row builderRow) CountOps() []builderOption {
	labels := map[filter.Op]string{filter.OpGe: "at least", filter.OpLe: "at most", filter.OpEq: "exactly", filter.OpGt: "more than", filter.OpLt: "fewer than", filter.OpNe: "not exactly"}
	var out []builderOption
	for _, op := range []filter.Op{filter.OpGe, filter.OpLe, filter.OpEq, filter.OpGt, filter.OpLt, filter.OpNe} {
		out = append(out, builderOption{string(op), labels[op], string(op) == row.CountOp})
	}
	return out
}

func (row builderRow) PropOps() []builderOption {
	var out []builderOption
	for _, op := range []filter.Op{filter.OpContains, filter.OpEq, filter.OpNe, filter.OpStartsWith} {
		out = append(out, builderOption{string(op), opLabels[op], string(op) == row.PropOp})
	}
	return out
}

// normalize gives a row whose field just changed operators that fit it.
func (row *builderRow) normalize() {
	if row.Field == eventField {
		row.CountOp = string(oneOfOp(row.CountOp, filter.OpGe, filter.OpLe, filter.OpEq, filter.OpGt, filter.OpLt, filter.OpNe))
		row.PropOp = string(oneOfOp(row.PropOp, filter.OpContains, filter.OpEq, filter.OpNe, filter.OpStartsWith))
		return
	}
	row.Op = string(row.opOrFirst())
}

func oneOfOp(v string, ops ...filter.Op) filter.Op {
	for _, o := range ops {
		if string(o) == v {
			return o
		}
	}
	return ops[0]
}

// groupView is a group as the template draws it, with its number for people.
type groupView struct {
	builderGroup
	I, N int
}

// GroupList numbers the groups for the template.
func (b *builder) GroupList() []groupView {
	out := make([]groupView, len(b.Groups))
	for i, g := range b.Groups {
		out[i] = groupView{g, i, i + 1}
	}
	return out
}
