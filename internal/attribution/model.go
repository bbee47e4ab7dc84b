package attribution

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"time"
)

// Model is a rule for sharing the credit of one conversion among the contact's touches (SPEC section 8).
type Model string

// The attribution models of SPEC section 8; their names are API values of the sources report.
const (
	FirstTouch Model = "first_touch"
	LastTouch  Model = "last_touch"
	Linear     Model = "linear"
	UShaped    Model = "u_shaped"
	WShaped    Model = "w_shaped"
	FullPath   Model = "full_path"
	JShaped    Model = "j_shaped"
	InverseJ   Model = "inverse_j"
	TimeDecay  Model = "time_decay"
)

// Models lists every model in the order of the specification.
var Models = []Model{FirstTouch, LastTouch, Linear, UShaped, WShaped, FullPath, JShaped, InverseJ, TimeDecay}

// ErrUnknownModel is the error ParseModel wraps for a name that is not a model.
var ErrUnknownModel = errors.New("unknown attribution model")

// ParseModel accepts only the exact lower-case names, as ParseChannel does.
func ParseModel(s string) (Model, error) {
	m := Model(s)
	if !m.Valid() {
		return "", fmt.Errorf("%w %q", ErrUnknownModel, s)
	}
	return m, nil
}

// Valid reports whether m is one of the models.
func (m Model) Valid() bool {
	_, ok := shapeOf(m)
	return ok || m == TimeDecay
}

// TimeDecayHalfLife is the age before the win at which a touch's time_decay weight halves.
const TimeDecayHalfLife = 7 * 24 * time.Hour

// Touch is a touch as the models see it: when it happened and which positions it holds.
// The caller marks the positions because only it knows when the contact was created and
// when it entered the opportunity stage.
type Touch struct {
	At                  time.Time
	LeadCreating        bool // the touch at which the contact was created
	OpportunityCreating bool // the last touch before the contact entered opportunity
}

// Credits returns one weight per touch, in the order given, as exact fractions that sum to
// exactly 1, so a conversion is never counted as more or less than one. It returns nil for
// no touches or an unknown model.
//
// Only touches at or before the win count; a later one gets 0, since it cannot have helped
// win the deal. If no touch is at or before the win, all of them count rather than losing
// the conversion. Touches are ordered by At (equal times keep their given order), so the
// first touch is the earliest and the last touch the latest counted one.
//
// Positions where the caller marked none: the lead-creating touch defaults to the first touch,
// as a contact is created at its first touch unless told otherwise. The opportunity-creating
// touch defaults to the last touch: a won deal means an opportunity existed by the win, and
// the last touch is the latest that could have created it; so w_shaped keeps its third peak
// instead of folding that share into the spread. If several
// touches are marked, the earliest LeadCreating one counts (a contact is created once; after
// a merge the older creation stands) and the latest OpportunityCreating one (a reopened
// opportunity is the one that was won).
func Credits(m Model, touches []Touch, win time.Time) []*big.Rat {
	if len(touches) == 0 || !m.Valid() {
		return nil
	}
	// One backing array instead of one allocation per touch; each credit is still its own value.
	values := make([]big.Rat, len(touches))
	credits := make([]*big.Rat, len(touches))
	for i := range credits {
		credits[i] = &values[i]
	}
	order := counted(touches, win)
	if m == TimeDecay {
		timeDecay(credits, touches, order, win)
		return credits
	}
	s, _ := shapeOf(m)
	s.apply(credits, positionsOf(touches, order), order)
	return credits
}

// counted returns the indexes of the touches that share the credit, earliest first.
func counted(touches []Touch, win time.Time) []int {
	order := make([]int, 0, len(touches))
	for i, t := range touches {
		if !t.At.After(win) {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		for i := range touches {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return touches[a].At.Compare(touches[b].At) })
	return order
}

// position is a place in the journey that a positional model credits.
type position uint8

const (
	first position = iota
	leadCreating
	opportunityCreating
	last
	positionCount
)

// positionsOf finds the touch index at each position; see Credits for the defaults.
func positionsOf(touches []Touch, order []int) [positionCount]int {
	p := [positionCount]int{
		first:               order[0],
		leadCreating:        -1,
		opportunityCreating: order[len(order)-1],
		last:                order[len(order)-1],
	}
	for _, i := range order {
		if touches[i].LeadCreating && p[leadCreating] < 0 {
			p[leadCreating] = i
		}
		if touches[i].OpportunityCreating {
			p[opportunityCreating] = i
		}
	}
	if p[leadCreating] < 0 {
		p[leadCreating] = order[0]
	}
	return p
}

// shape is a positional model: fixed shares at positions, and a spread share divided
// equally over the touches that hold no position. Every share in SPEC section 8 is a whole
// number of fortieths (22.5 % is 9/40), so shapes are counted in fortieths and the credits
// computed in integers; Linear is the shape that spreads everything.
type shape struct {
	at     [positionCount]int64
	spread int64
}

// shapeOf gives the shares of SPEC section 8, in fortieths, for every model except time_decay.
func shapeOf(m Model) (shape, bool) {
	switch m {
	case FirstTouch:
		return shape{at: [positionCount]int64{first: 40}}, true
	case LastTouch:
		return shape{at: [positionCount]int64{last: 40}}, true
	case Linear:
		return shape{spread: 40}, true
	case UShaped: // 40 % first, 40 % lead-creating, 20 % spread
		return shape{at: [positionCount]int64{first: 16, leadCreating: 16}, spread: 8}, true
	case WShaped: // 30 % first, lead-creating and opportunity-creating, 10 % spread
		return shape{at: [positionCount]int64{first: 12, leadCreating: 12, opportunityCreating: 12}, spread: 4}, true
	case FullPath: // 22.5 % first, lead-creating, opportunity-creating and last, 10 % spread
		return shape{at: [positionCount]int64{first: 9, leadCreating: 9, opportunityCreating: 9, last: 9}, spread: 4}, true
	case JShaped: // 20 % first, 60 % last, 20 % spread
		return shape{at: [positionCount]int64{first: 8, last: 24}, spread: 8}, true
	case InverseJ: // 60 % first, 20 % last, 20 % spread
		return shape{at: [positionCount]int64{first: 24, last: 8}, spread: 8}, true
	}
	return shape{}, false
}

// apply sets credits by the shape. When two positions fall on one touch it takes both
// shares; when no touch is left for the spread share, that share goes to the positioned
// touches in proportion to their shares; so a single touch takes all (SPEC section 8).
func (s shape) apply(credits []*big.Rat, at [positionCount]int, order []int) {
	// held[i] > 0 exactly for positioned touches, since every position share is positive.
	held := make([]int64, len(credits))
	var heldTotal int64
	for p, n := range s.at {
		held[at[p]] += n
		heldTotal += n
	}
	var rest int64
	for _, i := range order {
		if held[i] == 0 {
			rest++
		}
	}
	den := int64(40)
	switch {
	case s.spread == 0:
	case rest > 0:
		// Over a denominator of 40·rest each unpositioned touch gets spread/40 ÷ rest.
		den *= rest
		for _, i := range order {
			if held[i] == 0 {
				held[i] = s.spread
			} else {
				held[i] *= rest
			}
		}
	default:
		// Dividing by what the positions hold hands out the spread share in proportion.
		den = heldTotal
	}
	for i, n := range held {
		credits[i].SetFrac64(n, den)
	}
}

// timeDecay gives each counted touch a weight 2^(-age/half-life), age being its time before
// the win, normalised to sum to 1. The weights are computed in float64, then each is
// taken as the exact fraction that float is and divided by their exact sum, so the
// credits sum to exactly 1 and are the true shares wherever the floats are exact: touches
// whole half-lives apart weigh exactly 1/3 and 2/3, and a money split by them is exact.
// (Rounding the weights to a decimal grid instead would make 2/3 a hair less than 2/3,
// and a split of 0.03 would give its last touch 0.01 instead of 0.02.)
//
// Where a share is not such a simple fraction (its denominator is 2^32 or more, as when
// touches are not whole half-lives apart and the weights are floats of irrational
// numbers), every share is rounded down to a whole number of DecayGrid parts of a
// customer, and what is left over, at most one part per counted touch, goes to the
// earliest counted touch: the rule SPEC section 8 gives for money, at 2^-62 of a
// customer. The credits still sum to exactly 1, differ from the float quotients by less
// than 2^-62 each (below the floats' own precision), and share a denominator across
// customers, so a report adds thousands of them up as integers. Exact float quotients
// had unrelated denominators of some 60 bits each, and their exact sum over a year's
// customers was a fraction of a million digits that took seconds to reduce.
func timeDecay(credits []*big.Rat, touches []Touch, order []int, win time.Time) {
	halfLives := make([]float64, len(order))
	newest := math.Inf(1)
	for k, i := range order {
		halfLives[k] = win.Sub(touches[i].At).Hours() / TimeDecayHalfLife.Hours()
		newest = min(newest, halfLives[k])
	}
	// Measuring from the newest touch instead of the win gives the same weights after
	// normalising, but the newest weight is 1, so old touches cannot make the sum underflow to 0.
	sum := new(big.Rat)
	for k, i := range order {
		credits[i].SetFloat64(math.Exp2(newest - halfLives[k]))
		sum.Add(sum, credits[i])
	}
	simple := true
	for _, i := range order {
		credits[i].Quo(credits[i], sum)
		simple = simple && credits[i].Denom().BitLen() <= 32
	}
	if simple {
		return
	}
	left := new(big.Int).Set(decayGrid)
	part := new(big.Int)
	for _, i := range order {
		part.Lsh(credits[i].Num(), decayGridBits)
		part.Quo(part, credits[i].Denom())
		left.Sub(left, part)
		credits[i].SetFrac(part, decayGrid)
	}
	first := credits[order[0]]
	first.Add(first, new(big.Rat).SetFrac(left, decayGrid))
}

// decayGridBits is the grid of time_decay shares that are not simple fractions: 2^-62 of
// a customer, so a share's numerator over the grid fits an int64.
const decayGridBits = 62

// decayGrid is 2^decayGridBits.
var decayGrid = new(big.Int).Lsh(big.NewInt(1), decayGridBits)

// DecayGrid is the denominator every time_decay credit divides unless all of a
// conversion's credits are fractions with denominators under 2^32.
func DecayGrid() *big.Int { return new(big.Int).Set(decayGrid) }
