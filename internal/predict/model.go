// Package predict learns the predictive score (SPEC section 4): the probability that
// a contact becomes a customer, from the contacts whose outcome is known. It is an
// L2-regularised logistic regression fitted by Newton's method (deterministic: the
// same examples give the same model), over one-hot categorical and standardised
// numeric features, judged by its AUC on the most recent outcomes it was not fitted
// on. The package is pure: the store gathers the examples and keeps the model.
package predict

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Features describe one contact: categorical values (channel → "paid_search") and
// numbers (engagement → 40). A missing name is an unknown value.
type Features struct {
	Categorical map[string]string
	Numeric     map[string]float64
}

// Example is a contact whose outcome is known.
type Example struct {
	Features
	Customer  bool      // true: became a customer; false: disqualified or lost
	OutcomeAt time.Time // when the outcome was known, for the time-based holdout
}

// The default minimums of known outcomes below which training is refused.
const (
	DefaultMinOutcomes = 40
	DefaultMinPerClass = 10
)

// Enough reports whether the default minimums are met.
func Enough(customers, lost int) bool {
	return customers+lost >= DefaultMinOutcomes && customers >= DefaultMinPerClass && lost >= DefaultMinPerClass
}

// Options tune training; zero values take the defaults.
type Options struct {
	// Lambda is the L2 penalty on the weights (not on the intercept). Default 1.
	Lambda float64
	// MinOutcomes and MinPerClass refuse training on too little data (defaults 40 and 10).
	MinOutcomes, MinPerClass int
	// Holdout is the share of the latest outcomes of each kind kept out of fitting to
	// measure the model (default 0.2).
	Holdout float64
	// MaxValues caps the values kept per categorical feature, the most frequent first;
	// rarer ones share "(other)" (default 40).
	MaxValues int
}

func (o Options) withDefaults() Options {
	if o.Lambda <= 0 {
		o.Lambda = 1
	}
	if o.MinOutcomes <= 0 {
		o.MinOutcomes = DefaultMinOutcomes
	}
	if o.MinPerClass <= 0 {
		o.MinPerClass = DefaultMinPerClass
	}
	if o.Holdout <= 0 || o.Holdout >= 1 {
		o.Holdout = 0.2
	}
	if o.MaxValues <= 0 {
		o.MaxValues = 40
	}
	return o
}

// Weight is one learned coefficient. For a categorical feature it applies when the
// feature has Value; for a numeric one it is per standard deviation of the feature.
type Weight struct {
	Feature string  `json:"feature"`
	Value   string  `json:"value,omitempty"`
	Weight  float64 `json:"weight"`
	// Mean and Std standardise a numeric feature.
	Mean float64 `json:"mean,omitempty"`
	Std  float64 `json:"std,omitempty"`
}

// Model is a trained predictive score.
type Model struct {
	Intercept float64  `json:"intercept"`
	Weights   []Weight `json:"weights"`
	// AUC on the holdout; nil when the holdout lacks one of the two outcomes.
	AUC       *float64  `json:"auc"`
	Trained   int       `json:"trained"` // examples fitted on
	Holdout   int       `json:"holdout"` // examples measured on
	Positives int       `json:"positives"`
	Negatives int       `json:"negatives"`
	Lambda    float64   `json:"lambda"`
	CutOff    time.Time `json:"cut_off"` // outcomes after this are the holdout

	index map[string]int // "feature\x00value" → position in Weights
}

// ErrTooFewOutcomes is wrapped by the refusal to train on too little data.
var ErrTooFewOutcomes = errors.New("too few known outcomes")

// RefusalError says how many outcomes there are and how many are needed.
type RefusalError struct {
	Customers, Lost, MinOutcomes, MinPerClass int
}

func (e *RefusalError) Error() string {
	return fmt.Sprintf("The predictive score needs at least %d contacts with a known outcome, and %d of each kind; there are %d customers and %d disqualified or lost. It learns from them, so it waits until there are enough.",
		e.MinOutcomes, e.MinPerClass, e.Customers, e.Lost)
}

func (e *RefusalError) Unwrap() error { return ErrTooFewOutcomes }

// Train fits a model on the examples. The latest outcomes of each kind
// (Options.Holdout of them, by OutcomeAt) are kept out of fitting and give the
// model's AUC.
func Train(examples []Example, opt Options) (*Model, error) {
	opt = opt.withDefaults()
	pos := 0
	for _, e := range examples {
		if e.Customer {
			pos++
		}
	}
	neg := len(examples) - pos
	if len(examples) < opt.MinOutcomes || pos < opt.MinPerClass || neg < opt.MinPerClass {
		return nil, &RefusalError{Customers: pos, Lost: neg, MinOutcomes: opt.MinOutcomes, MinPerClass: opt.MinPerClass}
	}
	train, hold := split(examples, opt.Holdout)

	m := newModel(train, opt.MaxValues)
	m.Lambda, m.Trained, m.Holdout, m.Positives, m.Negatives = opt.Lambda, len(train), len(hold), pos, neg
	for i, e := range hold {
		if i == 0 || e.OutcomeAt.Before(m.CutOff) {
			m.CutOff = e.OutcomeAt
		}
	}
	m.fit(train, opt.Lambda)
	scores := make([]float64, len(hold))
	labels := make([]bool, len(hold))
	for i, e := range hold {
		scores[i], labels[i] = m.Score(e.Features), e.Customer
	}
	if auc, ok := AUC(scores, labels); ok {
		m.AUC = &auc
	}
	return m, nil
}

// split keeps the latest share of each outcome apart, by outcome time: the model is
// measured on outcomes that came after those it learned from, and on both kinds
// even when one kind was recorded in a burst (a clean-up that disqualified many
// leads on one day).
func split(examples []Example, share float64) (train, hold []Example) {
	for _, customer := range []bool{false, true} {
		var part []Example
		for _, e := range examples {
			if e.Customer == customer {
				part = append(part, e)
			}
		}
		slices.SortStableFunc(part, func(a, b Example) int { return a.OutcomeAt.Compare(b.OutcomeAt) })
		n := int(math.Round(float64(len(part)) * share))
		train = append(train, part[:len(part)-n]...)
		hold = append(hold, part[len(part)-n:]...)
	}
	return train, hold
}

const otherValue = "(other)"

// newModel lays out the weights: the most frequent values of each categorical
// feature, and each numeric feature with its mean and standard deviation.
func newModel(train []Example, maxValues int) *Model {
	counts := map[string]map[string]int{}
	sums := map[string][2]float64{} // sum, sum of squares
	for _, e := range train {
		for f, v := range e.Categorical {
			if counts[f] == nil {
				counts[f] = map[string]int{}
			}
			counts[f][v]++
		}
		for f, x := range e.Numeric {
			s := sums[f]
			sums[f] = [2]float64{s[0] + x, s[1] + x*x}
		}
	}
	m := &Model{}
	for _, f := range sortedKeys(counts) {
		vals := sortedKeys(counts[f])
		slices.SortStableFunc(vals, func(a, b string) int { return cmp.Compare(counts[f][b], counts[f][a]) })
		if len(vals) > maxValues {
			vals = append(vals[:maxValues:maxValues], otherValue)
		}
		for _, v := range vals {
			m.Weights = append(m.Weights, Weight{Feature: f, Value: v})
		}
	}
	n := float64(len(train))
	for _, f := range sortedKeys(sums) {
		// A contact without the number counts as zero, as the score reads it.
		mean := sums[f][0] / n
		std := math.Sqrt(max(sums[f][1]/n-mean*mean, 0))
		if std < 1e-12 {
			continue // a constant says nothing
		}
		m.Weights = append(m.Weights, Weight{Feature: f, Mean: mean, Std: std})
	}
	m.buildIndex()
	return m
}

func (m *Model) buildIndex() {
	m.index = make(map[string]int, len(m.Weights))
	for i, w := range m.Weights {
		m.index[w.Feature+"\x00"+w.Value] = i
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sparse is one contact as positions and values of the weight vector.
type sparse struct {
	idx []int
	val []float64
}

func (m *Model) encode(f Features) sparse {
	var s sparse
	for name, v := range f.Categorical {
		i, ok := m.index[name+"\x00"+v]
		if !ok {
			i, ok = m.index[name+"\x00"+otherValue]
		}
		if ok {
			s.idx, s.val = append(s.idx, i), append(s.val, 1)
		}
	}
	for name, x := range f.Numeric {
		if i, ok := m.index[name+"\x00"]; ok {
			w := m.Weights[i]
			s.idx, s.val = append(s.idx, i), append(s.val, (x-w.Mean)/w.Std)
		}
	}
	// Numeric features a contact lacks count as zero.
	for i, w := range m.Weights {
		if w.Std > 0 {
			if _, ok := f.Numeric[w.Feature]; !ok {
				s.idx, s.val = append(s.idx, i), append(s.val, -w.Mean/w.Std)
			}
		}
	}
	// In weight order, so sums do not depend on map order and training is repeatable.
	order := make([]int, len(s.idx))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(s.idx[a], s.idx[b]) })
	out := sparse{idx: make([]int, len(order)), val: make([]float64, len(order))}
	for k, i := range order {
		out.idx[k], out.val[k] = s.idx[i], s.val[i]
	}
	return out
}

// Score is the probability, between 0 and 1, that the contact becomes a customer.
func (m *Model) Score(f Features) float64 {
	if m.index == nil {
		m.buildIndex()
	}
	z := m.Intercept
	var buf [32]int
	hits := buf[:0]
	for name, v := range f.Categorical {
		i, ok := m.index[name+"\x00"+v]
		if !ok {
			i, ok = m.index[name+"\x00"+otherValue]
		}
		if ok {
			hits = append(hits, i)
		}
	}
	// Summed in weight order, so a score does not depend on map order.
	slices.Sort(hits)
	for _, i := range hits {
		z += m.Weights[i].Weight
	}
	for i := range m.Weights {
		w := &m.Weights[i]
		if w.Std > 0 {
			z += w.Weight * (f.Numeric[w.Feature] - w.Mean) / w.Std
		}
	}
	return sigmoid(z)
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// fit runs Newton's method on the penalised log-likelihood. The Hessian is built
// from the sparse rows, so its cost grows with the number of features a contact has,
// not with the number of features there are.
func (m *Model) fit(train []Example, lambda float64) {
	p := len(m.Weights) + 1 // position 0 is the intercept
	rows := make([]sparse, len(train))
	for i, e := range train {
		s := m.encode(e.Features)
		rows[i] = sparse{idx: append([]int{0}, plusOne(s.idx)...), val: append([]float64{1}, s.val...)}
	}
	beta := make([]float64, p)
	grad := make([]float64, p)
	hess := make([]float64, p*p)
	for iter := 0; iter < 100; iter++ {
		clear(grad)
		clear(hess)
		for i, r := range rows {
			z := 0.0
			for k, j := range r.idx {
				z += beta[j] * r.val[k]
			}
			mu := sigmoid(z)
			y := 0.0
			if train[i].Customer {
				y = 1
			}
			w := max(mu*(1-mu), 1e-10)
			for a, ja := range r.idx {
				grad[ja] += (mu - y) * r.val[a]
				for b, jb := range r.idx {
					hess[ja*p+jb] += w * r.val[a] * r.val[b]
				}
			}
		}
		for j := 1; j < p; j++ {
			grad[j] += lambda * beta[j]
			hess[j*p+j] += lambda
		}
		hess[0] += 1e-9
		step := solve(hess, grad, p)
		change := 0.0
		for j := range beta {
			beta[j] -= step[j]
			change = max(change, math.Abs(step[j]))
		}
		if change < 1e-9 {
			break
		}
	}
	m.Intercept = beta[0]
	for j := range m.Weights {
		m.Weights[j].Weight = beta[j+1]
	}
}

func plusOne(idx []int) []int {
	out := make([]int, len(idx))
	for i, j := range idx {
		out[i] = j + 1
	}
	return out
}

// solve returns x with A x = b for a symmetric positive definite A (row-major p×p),
// by Cholesky decomposition. A is overwritten.
func solve(a, b []float64, p int) []float64 {
	for j := 0; j < p; j++ {
		d := a[j*p+j]
		for k := 0; k < j; k++ {
			d -= a[j*p+k] * a[j*p+k]
		}
		d = math.Sqrt(max(d, 1e-12))
		a[j*p+j] = d
		for i := j + 1; i < p; i++ {
			s := a[i*p+j]
			for k := 0; k < j; k++ {
				s -= a[i*p+k] * a[j*p+k]
			}
			a[i*p+j] = s / d
		}
	}
	y := make([]float64, p)
	for i := 0; i < p; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= a[i*p+k] * y[k]
		}
		y[i] = s / a[i*p+i]
	}
	x := make([]float64, p)
	for i := p - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < p; k++ {
			s -= a[k*p+i] * x[k]
		}
		x[i] = s / a[i*p+i]
	}
	return x
}

// Strongest returns the n weights of largest size, strongest first.
func (m *Model) Strongest(n int) []Weight {
	ws := slices.Clone(m.Weights)
	slices.SortStableFunc(ws, func(a, b Weight) int { return cmp.Compare(math.Abs(b.Weight), math.Abs(a.Weight)) })
	if len(ws) > n {
		ws = ws[:n]
	}
	return ws
}

// AUC is the area under the ROC curve: the chance that a customer picked at random
// scores above a non-customer picked at random, ties counting half. ok is false when
// one of the two outcomes is missing.
func AUC(scores []float64, customer []bool) (auc float64, ok bool) {
	type pair struct {
		s   float64
		pos bool
	}
	ps := make([]pair, len(scores))
	nPos := 0
	for i, s := range scores {
		ps[i] = pair{s, customer[i]}
		if customer[i] {
			nPos++
		}
	}
	nNeg := len(ps) - nPos
	if nPos == 0 || nNeg == 0 {
		return 0, false
	}
	slices.SortFunc(ps, func(a, b pair) int { return cmp.Compare(a.s, b.s) })
	// Mann–Whitney: the sum of the positives' ranks, tied scores sharing their mean rank.
	rankSum := 0.0
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].s == ps[i].s {
			j++
		}
		mean := float64(i+1+j) / 2 // ranks i+1 … j
		for k := i; k < j; k++ {
			if ps[k].pos {
				rankSum += mean
			}
		}
		i = j
	}
	return (rankSum - float64(nPos)*float64(nPos+1)/2) / (float64(nPos) * float64(nNeg)), true
}
