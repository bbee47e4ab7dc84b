package demo

import (
	"hash/fnv"
	"math/rand/v2"

	"github.com/lodestone-hq/lodestone/internal/contact"
)

// ageShare is the share of people whose forms asked for their age band.
const ageShare = 0.6

// ageWeights are how a seniority's people spread over contact.AgeBands (under 18,
// 18-24, 25-34, 35-44, 45-54, 55-64, 65+): the people who decide are older, and
// since they are also the likeliest to buy (their titles' quality), the audience
// insights find the 35 to 54 year olds converting best, as the rest of the demo's
// story has it.
var ageWeights = map[string][]float64{
	"executive": {0, 0, 0.1, 0.33, 0.35, 0.18, 0.04},
	"vp":        {0, 0, 0.12, 0.42, 0.32, 0.13, 0.01},
	"director":  {0, 0, 0.15, 0.42, 0.3, 0.12, 0.01},
	"manager":   {0, 0.03, 0.37, 0.38, 0.17, 0.05, 0},
	"senior":    {0, 0.05, 0.45, 0.35, 0.12, 0.03, 0},
	"entry":     {0, 0.35, 0.5, 0.12, 0.03, 0, 0},
	"intern":    {0.02, 0.85, 0.13, 0, 0, 0, 0},
	"":          {0, 0.1, 0.4, 0.3, 0.15, 0.05, 0},
}

// ageBands gives part of the people an age band, after their fates (a disqualified
// student has become one by then). Each draw comes from the person's own address, not
// from the demo's generator, so the rest of the data is the same with or without them.
func (g *gen) ageBands() {
	for _, p := range g.people {
		if p.email == "" {
			continue // cold calls: nobody asked
		}
		h := fnv.New64a()
		h.Write([]byte(p.email))
		r := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
		if !chance(r, ageShare) {
			continue
		}
		w, ok := ageWeights[titleProfile[p.title][0]]
		if !ok {
			w = ageWeights[""]
		}
		p.ageBand = contact.AgeBands[weighted(r, w)]
	}
}
