package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/predict"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestPredictiveScoreCarriesModelAUC: the contact API and the contact page give the
// predictive score with the holdout AUC of the model behind it, and neither before a
// model has scored the contact.
func TestPredictiveScoreCarriesModelAUC(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	out, err := e.s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "ada@example.com", Touch: true},
		{Type: "form_submit", Email: "bo@example.com", Touch: true}})
	if err != nil {
		t.Fatal(err)
	}
	ada, bo := out[0].ContactID, out[1].ContactID
	get := func(id int64) map[string]any {
		scores, _ := e.do("GET", fmt.Sprint("/api/v1/contacts/", id), e.token, "").json(t)["scores"].(map[string]any)
		return scores
	}
	if sc := get(ada); sc["predictive"] != nil || sc["predictive_auc"] != nil {
		t.Fatalf("before a model: %v", sc)
	}
	auc := 0.8347
	if _, err := e.s.SavePredictiveModel(ctx, &predict.Model{AUC: &auc, Trained: 40, Holdout: 10}, "test"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SavePredictiveScores(ctx, []store.PredictiveScore{{ContactID: ada, Score: 0.62}}); err != nil {
		t.Fatal(err)
	}
	if sc := get(ada); sc["predictive"] != 0.62 || sc["predictive_auc"] != 0.8347 {
		t.Fatalf("scored: %v", sc)
	}
	if sc := get(bo); sc["predictive"] != nil || sc["predictive_auc"] != nil {
		t.Fatalf("unscored contact: %v", sc)
	}
	list := e.do("GET", "/api/v1/contacts", e.token, "")
	if !strings.Contains(string(list.body), `"predictive":0.62,"predictive_auc":0.8347`) || !strings.Contains(string(list.body), `"predictive":null,"predictive_auc":null`) {
		t.Fatalf("list: %s", list.body)
	}

	u := newUIEnv(t)
	u.user("mia@example.com", "marketer")
	cookie := u.login("mia@example.com")
	id := u.contact("cy@example.com", "Cy")
	if w := u.do("GET", fmt.Sprint("/contacts/", id), nil, cookie); strings.Contains(w.Body.String(), "model AUC") {
		t.Fatal("an unscored contact shows a model AUC")
	}
	if _, err := u.store.SavePredictiveModel(ctx, &predict.Model{AUC: &auc}, "test"); err != nil {
		t.Fatal(err)
	}
	if err := u.store.SavePredictiveScores(ctx, []store.PredictiveScore{{ContactID: id, Score: 0.62}}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, u.do("GET", fmt.Sprint("/contacts/", id), nil, cookie), 200, "62%", `id="predictive-auc"`, "model AUC 0.83")
}
