package attribution

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var win = time.Date(2025, 3, 31, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// journey builds n touches one day apart, the last one at the win, with the lead-creating
// and opportunity-creating touches at the given indexes (-1: none marked).
func journey(n, lead, opp int) []Touch {
	ts := make([]Touch, n)
	for i := range ts {
		ts[i] = Touch{At: win.Add(-time.Duration(n-1-i) * day), LeadCreating: i == lead, OpportunityCreating: i == opp}
	}
	return ts
}

// aged builds touches the given numbers of days before the win.
func aged(days ...int) []Touch {
	ts := make([]Touch, len(days))
	for i, d := range days {
		ts[i] = Touch{At: win.Add(-time.Duration(d) * day)}
	}
	return ts
}

// fracs reads "1/2 1/4 1/4" into rationals.
func fracs(t *testing.T, s string) []*big.Rat {
	t.Helper()
	var rs []*big.Rat
	for _, f := range strings.Fields(s) {
		r, ok := new(big.Rat).SetString(f)
		if !ok {
			t.Fatalf("bad fraction %q", f)
		}
		rs = append(rs, r)
	}
	return rs
}

func ratsString(rs []*big.Rat) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.RatString())
	}
	return b.String()
}

func TestCredits(t *testing.T) {
	tests := []struct {
		name    string
		model   Model
		touches []Touch
		want    string
	}{
		{"first 1", FirstTouch, journey(1, -1, -1), "1"},
		{"first 2", FirstTouch, journey(2, -1, -1), "1 0"},
		{"first 3", FirstTouch, journey(3, 1, 2), "1 0 0"},
		{"first 4", FirstTouch, journey(4, 1, 2), "1 0 0 0"},
		{"first 6", FirstTouch, journey(6, 2, 4), "1 0 0 0 0 0"},

		{"last 1", LastTouch, journey(1, -1, -1), "1"},
		{"last 2", LastTouch, journey(2, -1, -1), "0 1"},
		{"last 3", LastTouch, journey(3, 1, 2), "0 0 1"},
		{"last 4", LastTouch, journey(4, 1, 2), "0 0 0 1"},
		{"last 6", LastTouch, journey(6, 2, 4), "0 0 0 0 0 1"},

		{"linear 1", Linear, journey(1, 0, 0), "1"},
		{"linear 2", Linear, journey(2, 0, 1), "1/2 1/2"},
		{"linear 3", Linear, journey(3, 1, 2), "1/3 1/3 1/3"},
		{"linear 4", Linear, journey(4, 1, 2), "1/4 1/4 1/4 1/4"},
		{"linear 6", Linear, journey(6, 2, 4), "1/6 1/6 1/6 1/6 1/6 1/6"},

		{"u 1", UShaped, journey(1, 0, -1), "1"},
		{"u 2, lead second: no touch left for the spread", UShaped, journey(2, 1, -1), "1/2 1/2"},
		{"u 2, lead is first", UShaped, journey(2, 0, -1), "4/5 1/5"},
		{"u 2, no lead marked: first is lead", UShaped, journey(2, -1, -1), "4/5 1/5"},
		{"u 3", UShaped, journey(3, 1, -1), "2/5 2/5 1/5"},
		{"u 3, lead is first", UShaped, journey(3, 0, -1), "4/5 1/10 1/10"},
		{"u 4", UShaped, journey(4, 2, 3), "2/5 1/10 2/5 1/10"},
		{"u 6", UShaped, journey(6, 3, 5), "2/5 1/20 1/20 2/5 1/20 1/20"},

		{"w 1", WShaped, journey(1, 0, 0), "1"},
		{"w 2, lead first, opp last", WShaped, journey(2, 0, 1), "2/3 1/3"},
		{"w 2, lead and opp on second", WShaped, journey(2, 1, 1), "1/3 2/3"},
		{"w 3, all positioned", WShaped, journey(3, 1, 2), "1/3 1/3 1/3"},
		{"w 3, no opp marked: last is opp", WShaped, journey(3, 1, -1), "1/3 1/3 1/3"},
		{"w 4", WShaped, journey(4, 1, 2), "3/10 3/10 3/10 1/10"},
		{"w 4, nothing marked", WShaped, journey(4, -1, -1), "3/5 1/20 1/20 3/10"},
		{"w 4, lead and opp on one touch", WShaped, journey(4, 2, 2), "3/10 1/20 3/5 1/20"},
		{"w 6", WShaped, journey(6, 1, 4), "3/10 3/10 1/30 1/30 3/10 1/30"},

		{"full 1", FullPath, journey(1, 0, 0), "1"},
		{"full 2", FullPath, journey(2, 0, 1), "1/2 1/2"},
		{"full 2, all four positions on the last touch but first", FullPath, journey(2, 1, 1), "1/4 3/4"},
		{"full 3, lead and opp on the middle", FullPath, journey(3, 1, 1), "1/4 1/2 1/4"},
		{"full 3, lead first, opp last", FullPath, journey(3, 0, 2), "9/20 1/10 9/20"},
		{"full 4, all positioned", FullPath, journey(4, 1, 2), "1/4 1/4 1/4 1/4"},
		{"full 4, nothing marked", FullPath, journey(4, -1, -1), "9/20 1/20 1/20 9/20"},
		{"full 6", FullPath, journey(6, 1, 3), "9/40 9/40 1/20 9/40 1/20 9/40"},
		{"full 6, other positions", FullPath, journey(6, 2, 4), "9/40 1/20 9/40 1/20 9/40 9/40"},

		{"j 1", JShaped, journey(1, -1, -1), "1"},
		{"j 2", JShaped, journey(2, -1, -1), "1/4 3/4"},
		{"j 3", JShaped, journey(3, 1, 2), "1/5 1/5 3/5"},
		{"j 4", JShaped, journey(4, 1, 2), "1/5 1/10 1/10 3/5"},
		{"j 6", JShaped, journey(6, 1, 2), "1/5 1/20 1/20 1/20 1/20 3/5"},

		{"inverse j 1", InverseJ, journey(1, -1, -1), "1"},
		{"inverse j 2", InverseJ, journey(2, -1, -1), "3/4 1/4"},
		{"inverse j 3", InverseJ, journey(3, 1, 2), "3/5 1/5 1/5"},
		{"inverse j 4", InverseJ, journey(4, 1, 2), "3/5 1/10 1/10 1/5"},
		{"inverse j 6", InverseJ, journey(6, 1, 2), "3/5 1/20 1/20 1/20 1/20 1/5"},

		{"decay 1", TimeDecay, aged(40), "1"},
		{"decay 2, same age", TimeDecay, aged(7, 7), "1/2 1/2"},
		{"decay 2, a half-life apart: exact thirds", TimeDecay, aged(7, 0), "1/3 2/3"},
		{"decay 3, half-lives apart: exact sevenths", TimeDecay, aged(14, 7, 0), "1/7 2/7 4/7"},
		{"decay 3", TimeDecay, aged(7, 7, 0), "1/4 1/4 1/2"},
		{"decay 4", TimeDecay, aged(14, 14, 7, 0), "1/8 1/8 1/4 1/2"},
		{"decay 6", TimeDecay, aged(28, 28, 21, 14, 7, 0), "1/32 1/32 1/16 1/8 1/4 1/2"},
		{"decay, only relative age matters", TimeDecay, aged(107, 100), "1/3 2/3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Credits(tt.model, tt.touches, win)
			want := fracs(t, tt.want)
			if len(got) != len(want) {
				t.Fatalf("got %d credits, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i].Cmp(want[i]) != 0 {
					t.Fatalf("Credits = %s, want %s", ratsString(got), ratsString(want))
				}
			}
		})
	}
}

// TestTimeDecayMoney is the artefact that decimal-grid weights had: 0.03 split by
// thirds of a half-life apart gave the last touch 0.01 and the first 0.02, because
// 2/3 was held as 0.666666666666. Exact weights split it 0.01 and 0.02.
func TestTimeDecayMoney(t *testing.T) {
	tests := []struct {
		touches []Touch
		amount  int64
		want    []int64
	}{
		{aged(7, 0), 3, []int64{1, 2}},
		{aged(7, 0), 300, []int64{100, 200}},
		{aged(14, 7, 0), 7, []int64{1, 2, 4}},
		{aged(14, 7, 0), 1400, []int64{200, 400, 800}},
		{aged(14, 7, 0), 10000, []int64{1429, 2857, 5714}}, // 1428.57…, the 0.01 left to the first
		{aged(0, 7), 3, []int64{2, 1}},                     // the first touch is the newest here
	}
	for _, tt := range tests {
		got := SplitMoney(tt.amount, Credits(TimeDecay, tt.touches, win))
		if !slices.Equal(got, tt.want) {
			t.Errorf("SplitMoney(%d) over %v = %v, want %v", tt.amount, tt.touches, got, tt.want)
		}
	}
	// Ages that are not whole half-lives: irrational weights, held as the exact fractions
	// of their floats, still sum to exactly 1.
	got := Credits(TimeDecay, []Touch{{At: win.Add(-84 * time.Hour)}, {At: win}}, win) // 1 : √2
	assertNear(t, got, fracs(t, "4142135623731/10000000000000 5857864376269/10000000000000"))
}

func assertNear(t *testing.T, got, want []*big.Rat) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d credits, want %d", len(got), len(want))
	}
	for i := range want {
		d, _ := new(big.Rat).Sub(got[i], want[i]).Float64()
		if d > 1e-11 || d < -1e-11 {
			t.Fatalf("Credits = %s, want about %s", ratsString(got), ratsString(want))
		}
	}
	if Sum(got...).Cmp(big.NewRat(1, 1)) != 0 {
		t.Fatalf("credits %s do not sum to 1", ratsString(got))
	}
}

func TestCreditsEdges(t *testing.T) {
	t.Run("no touches", func(t *testing.T) {
		for _, m := range Models {
			if got := Credits(m, nil, win); got != nil {
				t.Errorf("%s: got %v, want nil", m, got)
			}
		}
	})
	t.Run("unknown model", func(t *testing.T) {
		if got := Credits("position_based", journey(3, 1, 2), win); got != nil {
			t.Errorf("got %v, want nil", got)
		}
	})
	t.Run("unsorted touches are credited by time, in the given order", func(t *testing.T) {
		ts := journey(3, 1, -1)
		ts[0], ts[2] = ts[2], ts[0] // now: last, lead, first
		assertCredits(t, Credits(UShaped, ts, win), "1/5 2/5 2/5")
		assertCredits(t, Credits(LastTouch, ts, win), "1 0 0")
	})
	t.Run("touches after the win get nothing", func(t *testing.T) {
		ts := append(journey(2, -1, -1), Touch{At: win.Add(time.Hour), LeadCreating: true, OpportunityCreating: true})
		assertCredits(t, Credits(LastTouch, ts, win), "0 1 0")
		assertCredits(t, Credits(Linear, ts, win), "1/2 1/2 0")
		assertCredits(t, Credits(WShaped, ts, win), "2/3 1/3 0")
		ts = append(aged(7, 7), Touch{At: win.Add(time.Minute)})
		assertCredits(t, Credits(TimeDecay, ts, win), "1/2 1/2 0")
	})
	t.Run("a touch at the win counts", func(t *testing.T) {
		assertCredits(t, Credits(LastTouch, aged(3, 0), win), "0 1")
	})
	t.Run("all touches after the win: all count", func(t *testing.T) {
		ts := journey(2, -1, -1)
		assertCredits(t, Credits(JShaped, ts, win.Add(-30*day)), "1/4 3/4")
		assertCredits(t, Credits(TimeDecay, aged(1, 1), win.Add(-30*day)), "1/2 1/2")
	})
	t.Run("earliest lead-creating and latest opportunity-creating mark count", func(t *testing.T) {
		ts := journey(6, -1, -1)
		ts[1].LeadCreating, ts[3].LeadCreating = true, true
		ts[2].OpportunityCreating, ts[4].OpportunityCreating = true, true
		assertCredits(t, Credits(WShaped, ts, win), "3/10 3/10 1/30 1/30 3/10 1/30")
	})
	t.Run("equal times keep the given order", func(t *testing.T) {
		ts := []Touch{{At: win}, {At: win}, {At: win}}
		assertCredits(t, Credits(FirstTouch, ts, win), "1 0 0")
		assertCredits(t, Credits(LastTouch, ts, win), "0 0 1")
	})
	t.Run("ancient touches do not break time decay", func(t *testing.T) {
		ts := []Touch{{At: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}, {At: win.Add(-day)}}
		assertCredits(t, Credits(TimeDecay, ts, win), "0 1")
	})
	t.Run("credits are fresh values", func(t *testing.T) {
		got := Credits(Linear, journey(2, -1, -1), win)
		got[0].SetInt64(7)
		assertCredits(t, Credits(Linear, journey(2, -1, -1), win), "1/2 1/2")
	})
}

func assertCredits(t *testing.T, got []*big.Rat, want string) {
	t.Helper()
	if s := ratsString(got); s != ratsString(fracs(t, want)) {
		t.Errorf("Credits = %s, want %s", s, want)
	}
}

// TestCreditsProperties checks on random journeys that every model's weights are
// non-negative and sum to exactly 1, and that money splits by them add up to the amount.
func TestCreditsProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	one := big.NewRat(1, 1)
	amounts := []int64{0, 1, -1, 100, -100, 999_999_999, -7, 1<<63 - 1, -1 << 63}
	for run := 0; run < 20000; run++ {
		n := 1 + rng.IntN(12)
		ts := make([]Touch, n)
		for i := range ts {
			ts[i] = Touch{
				At:                  win.Add(-time.Duration(rng.Int64N(int64(400 * day)))),
				LeadCreating:        rng.IntN(4) == 0,
				OpportunityCreating: rng.IntN(4) == 0,
			}
			if rng.IntN(10) == 0 {
				ts[i].At = win.Add(time.Duration(rng.Int64N(int64(day)))) // after the win
			}
		}
		m := Models[rng.IntN(len(Models))]
		credits := Credits(m, ts, win)
		if len(credits) != n {
			t.Fatalf("%s over %d touches: %d credits", m, n, len(credits))
		}
		for i, c := range credits {
			if c.Sign() < 0 {
				t.Fatalf("%s: credit %d is %s", m, i, c.RatString())
			}
		}
		if Sum(credits...).Cmp(one) != 0 {
			t.Fatalf("%s: credits %s sum to %s", m, ratsString(credits), Sum(credits...).RatString())
		}
		amount := rng.Int64() - rng.Int64()
		if rng.IntN(3) == 0 {
			amount = amounts[rng.IntN(len(amounts))]
		}
		parts := SplitMoney(amount, credits)
		var total big.Int
		for i, p := range parts {
			total.Add(&total, big.NewInt(p))
			if (amount >= 0 && p < 0) || (amount <= 0 && p > 0) {
				t.Fatalf("%s: part %d of %d is %d", m, i, amount, p)
			}
		}
		if total.Cmp(big.NewInt(amount)) != 0 {
			t.Fatalf("%s: SplitMoney(%d) = %v sums to %s", m, amount, parts, total.String())
		}
	}
}

// TestTimeDecayGrid: shares that are not simple fractions are whole parts of 2^-62 of a
// customer, each the float quotient rounded down, with the parts left over given to the
// earliest counted touch, wherever it is in the given order.
func TestTimeDecayGrid(t *testing.T) {
	grid := DecayGrid()
	// want is what the rule gives: floor(2^62 × float weight ÷ exact sum), remainder to earliest.
	want := func(ts []Touch, earliest int, counted ...int) []*big.Rat {
		newest := math.Inf(1)
		for _, i := range counted {
			newest = min(newest, win.Sub(ts[i].At).Hours()/TimeDecayHalfLife.Hours())
		}
		ws := make([]*big.Rat, len(ts))
		sum := new(big.Rat)
		for _, i := range counted {
			ws[i] = new(big.Rat).SetFloat64(math.Exp2(newest - win.Sub(ts[i].At).Hours()/TimeDecayHalfLife.Hours()))
			sum.Add(sum, ws[i])
		}
		out := make([]*big.Rat, len(ts))
		left := new(big.Int).Set(grid)
		for i := range ts {
			out[i] = new(big.Rat)
			if ws[i] == nil {
				continue
			}
			q := new(big.Rat).Quo(ws[i], sum)
			p := new(big.Int).Quo(new(big.Int).Mul(q.Num(), grid), q.Denom())
			left.Sub(left, p)
			out[i].SetFrac(p, grid)
		}
		out[earliest].Add(out[earliest], new(big.Rat).SetFrac(left, grid))
		return out
	}
	tests := []struct {
		name     string
		touches  []Touch
		earliest int
		counted  []int
	}{
		{"1 : √2", []Touch{{At: win.Add(-84 * time.Hour)}, {At: win}}, 0, []int{0, 1}},
		{"earliest given last", []Touch{{At: win.Add(-time.Hour)}, {At: win.Add(-50 * time.Hour)}, {At: win.Add(-400 * time.Hour)}}, 2, []int{0, 1, 2}},
		{"a touch after the win given first", []Touch{{At: win.Add(time.Hour)}, {At: win.Add(-10 * time.Hour)}, {At: win.Add(-1000 * time.Hour)}}, 2, []int{1, 2}},
		{"a year of touches", []Touch{{At: win.Add(-365 * day)}, {At: win.Add(-100*day - 3*time.Second)}, {At: win.Add(-7 * time.Minute)}}, 0, []int{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Credits(TimeDecay, tt.touches, win)
			w := want(tt.touches, tt.earliest, tt.counted...)
			for i := range w {
				if got[i].Cmp(w[i]) != 0 {
					t.Fatalf("Credits = %s, want %s", ratsString(got), ratsString(w))
				}
				if new(big.Int).Rem(grid, got[i].Denom()).Sign() != 0 {
					t.Fatalf("credit %s is not on the grid", got[i].RatString())
				}
			}
			if Sum(got...).Cmp(big.NewRat(1, 1)) != 0 {
				t.Fatalf("credits %s do not sum to 1", ratsString(got))
			}
		})
	}
}
