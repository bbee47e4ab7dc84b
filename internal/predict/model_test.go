package predict

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// synthetic draws contacts from a known logistic model: intercept −0.5, fit +1.5
// per standard deviation, engagement −0.8, and channel paid_search +1 over email and
// event −1 over email.
func synthetic(n int, seed uint64) []Example {
	r := rand.New(rand.NewPCG(seed, 7))
	channels := []string{"email", "paid_search", "event"}
	effect := map[string]float64{"email": 0, "paid_search": 1, "event": -1}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Example, n)
	for i := range out {
		fit, eng := r.NormFloat64(), r.NormFloat64()
		ch := channels[r.IntN(3)]
		z := -0.5 + 1.5*fit - 0.8*eng + effect[ch]
		out[i] = Example{
			Features:  Features{Categorical: map[string]string{"channel": ch}, Numeric: map[string]float64{"fit": 10*fit + 50, "engagement": 5 * eng}},
			Customer:  r.Float64() < sigmoid(z),
			OutcomeAt: t0.Add(time.Duration(i) * time.Hour),
		}
	}
	return out
}

func weightOf(m *Model, feature, value string) float64 {
	for _, w := range m.Weights {
		if w.Feature == feature && w.Value == value {
			return w.Weight
		}
	}
	return math.NaN()
}

func TestTrainRecoversKnownCoefficients(t *testing.T) {
	m, err := Train(synthetic(40000, 1), Options{Lambda: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 0.1 {
			t.Errorf("%s = %.3f, want %.3f ± 0.1", name, got, want)
		}
	}
	// The numbers were scaled (fit ×10, engagement ×5): the weights per standard
	// deviation are the true ones.
	near("fit", weightOf(m, "fit", ""), 1.5)
	near("engagement", weightOf(m, "engagement", ""), -0.8)
	email := weightOf(m, "channel", "email")
	near("paid_search − email", weightOf(m, "channel", "paid_search")-email, 1)
	near("event − email", weightOf(m, "channel", "event")-email, -1)
	near("intercept + email", m.Intercept+email, -0.5)
	if m.AUC == nil || *m.AUC < 0.75 {
		t.Errorf("holdout AUC = %v, want above 0.75", m.AUC)
	}
	if m.Holdout != 8000 || m.Trained != 32000 {
		t.Errorf("split %d / %d, want 32000 / 8000", m.Trained, m.Holdout)
	}
	if s := m.Strongest(1); len(s) != 1 || s[0].Feature != "fit" {
		t.Errorf("strongest = %+v, want fit", s)
	}
	// Deterministic: the same data gives the same model.
	m2, _ := Train(synthetic(40000, 1), Options{Lambda: 0.01})
	if m2.Intercept != m.Intercept || *m2.AUC != *m.AUC {
		t.Error("training twice gave two models")
	}
}

func TestHoldoutIsTheLatestOutcomesOfEachKind(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ex []Example
	// 50 customers over 50 days, then 50 lost ones all on one later day: a plain
	// time split would measure on lost ones only.
	for i := range 50 {
		ex = append(ex, Example{Features: Features{Numeric: map[string]float64{"x": float64(i % 7)}}, Customer: true, OutcomeAt: t0.AddDate(0, 0, 49-i)})
		ex = append(ex, Example{Features: Features{Numeric: map[string]float64{"x": float64(i % 5)}}, OutcomeAt: t0.AddDate(0, 3, 0).Add(time.Duration(i) * time.Minute)})
	}
	train, hold := split(ex, 0.2)
	if len(train) != 80 || len(hold) != 20 {
		t.Fatalf("split %d / %d", len(train), len(hold))
	}
	customers := 0
	for _, e := range hold {
		if e.Customer {
			customers++
			if e.OutcomeAt.Before(t0.AddDate(0, 0, 40)) {
				t.Errorf("customer of %v in the holdout; only the latest ten belong there", e.OutcomeAt)
			}
		} else if e.OutcomeAt.Before(t0.AddDate(0, 3, 0).Add(40 * time.Minute)) {
			t.Errorf("lost contact of %v in the holdout", e.OutcomeAt)
		}
	}
	if customers != 10 {
		t.Errorf("%d customers in the holdout, want 10", customers)
	}
	m, err := Train(ex, Options{})
	if err != nil || m.AUC == nil || !m.CutOff.Equal(t0.AddDate(0, 0, 40)) {
		t.Fatalf("model %+v, %v", m, err)
	}
}

func TestTrainRefusesTooFewOutcomes(t *testing.T) {
	ex := synthetic(39, 2)
	_, err := Train(ex, Options{})
	var re *RefusalError
	if !errors.As(err, &re) || !errors.Is(err, ErrTooFewOutcomes) {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if re.Customers+re.Lost != 39 || re.MinOutcomes != 40 {
		t.Errorf("refusal %+v", re)
	}
	// Enough outcomes but only one customer: refused too.
	ex = synthetic(200, 2)
	n := 0
	for i := range ex {
		if ex[i].Customer {
			n++
			ex[i].Customer = n == 1
		}
	}
	if _, err := Train(ex, Options{}); !errors.Is(err, ErrTooFewOutcomes) {
		t.Fatalf("one customer: err = %v", err)
	}
}

func TestAUC(t *testing.T) {
	// Customers score 0.9, 0.5, 0.3; others 0.5, 0.2. Pairs (customer, other):
	// (0.9,0.5)=1 (0.9,0.2)=1 (0.5,0.5)=½ (0.5,0.2)=1 (0.3,0.5)=0 (0.3,0.2)=1 → 4.5/6.
	auc, ok := AUC([]float64{0.9, 0.5, 0.3, 0.5, 0.2}, []bool{true, true, true, false, false})
	if !ok || math.Abs(auc-0.75) > 1e-12 {
		t.Errorf("AUC = %v, %v; want 0.75", auc, ok)
	}
	if auc, _ := AUC([]float64{1, 1, 1, 1}, []bool{true, false, true, false}); auc != 0.5 {
		t.Errorf("all tied: %v, want 0.5", auc)
	}
	if auc, _ := AUC([]float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}); auc != 1 {
		t.Errorf("perfect: %v", auc)
	}
	if _, ok := AUC([]float64{0.3, 0.4}, []bool{true, true}); ok {
		t.Error("one class gave an AUC")
	}
}

func TestScoreUnknownValues(t *testing.T) {
	m, err := Train(synthetic(2000, 4), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := m.Score(Features{Categorical: map[string]string{"channel": "never seen", "other": "x"}})
	if p <= 0 || p >= 1 || math.IsNaN(p) {
		t.Errorf("score %v", p)
	}
}

func BenchmarkScoreOneContact(b *testing.B) {
	ex := synthetic(2000, 5)
	m, err := Train(ex, Options{})
	if err != nil {
		b.Fatal(err)
	}
	f := ex[0].Features
	b.ReportAllocs()
	for b.Loop() {
		m.Score(f)
	}
}
