package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestScoringScreenTakesManyRulesInOneSave: the Scoring screen offers five empty
// rows a table, and "Add more empty rows" shows the form again with what was typed
// and five more, saving nothing; six fit and six engagement rules then go in with
// one save and one recompute. No script is involved: it is a plain form post.
func TestScoringScreenTakesManyRulesInOneSave(t *testing.T) {
	e := newUIEnv(t)
	e.user("mia@example.com", store.RoleMarketer)
	c := e.login("mia@example.com")
	same := []string{"Origin", "http://127.0.0.1:8080", "Sec-Fetch-Site", "same-origin"}
	page := e.do("GET", "/scoring", nil, c)
	wantStatus(t, page, http.StatusOK, `id="more-rules"`)
	if n := strings.Count(page.Body.String(), `name="fit_filter"`); n != 5 {
		t.Errorf("%d fit rows on a fresh screen, want 5", n)
	}
	if n := strings.Count(page.Body.String(), `name="eng_type"`); n != 5 {
		t.Errorf("%d engagement rows on a fresh screen, want 5", n)
	}

	form := url.Values{}
	addFit := func(n int) {
		for i := range n {
			form.Add("fit_filter", fmt.Sprintf(`job_title contains "t%d"`, i))
			form.Add("fit_points", fmt.Sprint(5+i))
			form.Add("fit_label", fmt.Sprintf("Title %d", i))
		}
	}
	addEng := func(n int) {
		for i := range n {
			for k, v := range map[string]string{"eng_type": fmt.Sprintf("custom_%d", i), "eng_property": "", "eng_op": "contains", "eng_value": "",
				"eng_points": fmt.Sprint(3 + i), "eng_half_life": "", "eng_label": ""} {
				form.Add(k, v)
			}
		}
	}
	addFit(5)
	addEng(5)
	more := url.Values{"more": {"rows"}}
	for k, v := range form {
		more[k] = v
	}
	w := e.do("POST", "/scoring/rules", more, c, same...)
	wantStatus(t, w, http.StatusOK, "More empty rows below", `value="job_title contains &#34;t4&#34;"`, `value="Title 4"`, `value="custom_4"`)
	if n := strings.Count(w.Body.String(), `name="fit_filter"`); n != 10 {
		t.Errorf("%d fit rows after asking for more, want 10", n)
	}
	if n := strings.Count(w.Body.String(), `name="eng_type"`); n != 10 {
		t.Errorf("%d engagement rows after asking for more, want 10", n)
	}
	if latest, _, _ := e.store.ScoringRules(context.Background()); latest.Version != 0 {
		t.Fatal("asking for more rows saved the rules")
	}

	form = url.Values{}
	addFit(6)
	addEng(6)
	w = e.do("POST", "/scoring/rules", form, c, same...)
	wantStatus(t, w, http.StatusSeeOther)
	latest, _, err := e.store.ScoringRules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if latest.Version != 1 || len(latest.Rules.Fit) != 6 || len(latest.Rules.Engagement) != 6 {
		t.Fatalf("after one save: version %d with %d fit and %d engagement rules", latest.Version, len(latest.Rules.Fit), len(latest.Rules.Engagement))
	}
	if rc, _ := e.store.LatestRecompute(context.Background()); rc == nil || rc.ID != 1 {
		t.Errorf("one save, recomputes: %+v", rc)
	}
}
