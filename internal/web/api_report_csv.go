package web

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"

	"github.com/lodestone-hq/lodestone/internal/export"
	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// sourcesCSVHeader names the columns of the sources report's CSV, as the JSON names them.
var sourcesCSVHeader = []string{"channel", "campaign", "new_leads", "mqls", "sqls", "customers", "conversion_rate", "cost", "cpl",
	"hours", "hours_per_lead", "loaded_cost", "revenue", "cac", "roi", "speed_to_lead"}

// handleSourcesCSV is GET /api/v1/reports/sources.csv: the rows of the sources report
// and a last row of totals. Null is an empty cell. Names are written through
// export.Cell, so a campaign named "=HYPERLINK(…)" stays text in a spreadsheet; the
// numbers are our own and written as numbers.
func (s *Server) handleSourcesCSV(w http.ResponseWriter, r *http.Request) error {
	q, err := sourcesQueryFrom(r)
	if err != nil {
		return err
	}
	rep, err := s.sourcesReport(r.Context(), q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sources-`+q.from.Format("2006-01-02")+`-`+q.to.Format("2006-01-02")+`.csv"`)
	return writeSourcesCSV(w, s.currency(r.Context()), rep)
}

func writeSourcesCSV(out io.Writer, cur money.Currency, rep report.Report) error {
	if _, err := io.WriteString(out, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(out)
	if err := cw.Write(sourcesCSVHeader); err != nil {
		return err
	}
	for i := range rep.Rows {
		row := &rep.Rows[i]
		campaign := ""
		if row.Campaign != nil {
			campaign = row.Campaign.Name
		}
		if err := cw.Write(append([]string{export.Cell(row.Channel), export.Cell(campaign)}, metricCells(cur, &row.Metrics)...)); err != nil {
			return err
		}
	}
	if err := cw.Write(append([]string{"total", ""}, metricCells(cur, &rep.Totals)...)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// metricCells are a row's figures: counts, money as decimals, ratios unrounded.
func metricCells(cur money.Currency, m *report.Metrics) []string {
	j := toMetricsJSON(cur, m)
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	return []string{i(j.NewLeads), i(j.MQLs), i(j.SQLs), num(&j.Customers), num(j.ConversionRate), cur.Format(m.Cost), str(j.CPL),
		num(&j.Hours), num(j.HoursPerLead), str(j.LoadedCost), cur.Format(m.Revenue), str(j.CAC), num(j.ROI), num(j.SpeedToLead)}
}
