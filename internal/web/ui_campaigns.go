package web

import (
	"net/http"

	"github.com/lodestone-hq/lodestone/internal/store"
)

func (u *ui) campaigns(w http.ResponseWriter, r *http.Request, p *Principal) error {
	list, err := u.s.store.Campaigns(r.Context())
	if err != nil {
		return err
	}
	var cost, hours int64
	for _, c := range list {
		cost += c.Cost
		hours += c.Hours
	}
	data := struct {
		Campaigns   []*store.Campaign
		Cost, Hours int64
	}{list, cost, hours}
	u.render(w, r, http.StatusOK, "campaigns", view{Title: "Campaigns", Nav: "campaigns", User: p, Data: data})
	return nil
}
