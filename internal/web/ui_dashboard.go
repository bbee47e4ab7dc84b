package web

import (
	"net/http"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

type dashboard struct {
	Total     int64
	ThisMonth int64
	LastMonth int64
	MonthName string
	Trend     string // "up", "down" or "flat"
	TrendText string
	Funnel    []funnelStep
	Newest    []*store.Contact
	Campaigns []*store.Campaign
}

// funnelStep is one bar of the stage chart; Width is a CSS class, since the
// Content-Security-Policy allows no inline styles.
type funnelStep struct {
	Stage string
	Count int64
	Width string
}

func (u *ui) dashboard(w http.ResponseWriter, r *http.Request, p *Principal) error {
	ctx := r.Context()
	st := u.s.store
	var d dashboard
	var err error
	if d.Total, err = st.CountContacts(ctx); err != nil {
		return err
	}
	now := st.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	d.MonthName = month.Format("January")
	if d.ThisMonth, err = st.CountContactsCreated(ctx, month, month.AddDate(0, 1, 0)); err != nil {
		return err
	}
	if d.LastMonth, err = st.CountContactsCreated(ctx, month.AddDate(0, -1, 0), month); err != nil {
		return err
	}
	d.Trend, d.TrendText = trend(d.ThisMonth, d.LastMonth, month.AddDate(0, -1, 0).Format("January"))
	counts, err := st.StageCounts(ctx)
	if err != nil {
		return err
	}
	var most int64
	for _, n := range counts {
		most = max(most, n)
	}
	for _, stage := range lifecycle.Stages {
		d.Funnel = append(d.Funnel, funnelStep{Stage: stage, Count: counts[stage], Width: widthClass(counts[stage], most)})
	}
	page, err := st.Contacts(ctx, store.ContactFilter{Limit: 10})
	if err != nil {
		return err
	}
	d.Newest = page.Contacts
	if d.Campaigns, err = st.RecentCampaigns(ctx, 5); err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "dashboard", view{Title: "Dashboard", Nav: "dashboard", User: p, Data: d})
	return nil
}

// trend compares this month's new contacts with last month's.
func trend(now, before int64, beforeName string) (string, string) {
	switch {
	case before == 0 && now == 0:
		return "flat", "none in " + beforeName + " either"
	case before == 0:
		return "up", "none in " + beforeName
	case now == before:
		return "flat", "same as " + beforeName
	}
	pct := (now - before) * 100 / before
	if now > before {
		return "up", "+" + itoa(pct) + "% vs " + beforeName
	}
	return "down", itoa(pct) + "% vs " + beforeName
}

// widthClass is the bar width of n against the largest count, in steps of 5 %.
// A stage with anyone in it always shows a sliver.
func widthClass(n, most int64) string {
	if n <= 0 || most <= 0 {
		return "w-0"
	}
	step := (n*20 + most - 1) / most // round up to the next 5 %
	return "w-" + itoa(step*5)
}
