package demo

import (
	"context"
	"fmt"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// industry is what a company's name says it does, and how likely its people buy,
// relative to 1, so the audience insights have an industry to find.
type industry struct {
	name    string
	quality float64
}

// industries maps the second word of an invented company name to its industry.
var industries = map[string]industry{
	"Tools": {"Manufacturing", 1.1}, "Machines": {"Manufacturing", 1.1}, "Robotics": {"Manufacturing", 1.2}, "Packaging": {"Manufacturing", 1},
	"Textiles": {"Manufacturing", 0.8}, "Print": {"Manufacturing", 0.8}, "Bikes": {"Retail", 0.7}, "Foods": {"Food and beverage", 0.7},
	"Logistics": {"Logistics", 0.9}, "Analytics": {"Software", 1.5}, "Systems": {"Software", 1.4}, "Software": {"Software", 1.5},
	"Labs": {"Software", 1.3}, "Consulting": {"Professional services", 1.2}, "Studios": {"Marketing and advertising", 1.3},
	"Energy": {"Energy", 0.8}, "Solar": {"Energy", 0.8}, "Medical": {"Healthcare", 0.6}, "Interiors": {"Retail", 0.7}, "Finance": {"Financial services", 1},
}

// titleProfile is the seniority and department of a job title, in the values of the
// enrichment contract.
var titleProfile = map[string][2]string{
	"CEO": {"executive", "executive"}, "Founder & CEO": {"executive", "executive"}, "Managing Director": {"executive", "executive"},
	"Head of Marketing": {"director", "marketing"}, "Marketing Director": {"director", "marketing"}, "VP Sales": {"vp", "sales"},
	"Head of Sales": {"director", "sales"}, "Sales Manager": {"manager", "sales"}, "Marketing Manager": {"manager", "marketing"},
	"Growth Marketing Manager": {"manager", "marketing"}, "Demand Generation Manager": {"manager", "marketing"},
	"Marketing Specialist": {"entry", "marketing"}, "Sales Development Representative": {"entry", "sales"},
	"Account Executive": {"senior", "sales"}, "Business Development Manager": {"manager", "sales"},
	"Revenue Operations Manager": {"manager", "operations"}, "CRM Manager": {"manager", "marketing"}, "Engineer": {"senior", "engineering"},
	"Software Engineer": {"senior", "engineering"}, "Office Manager": {"manager", "operations"}, "Assistant to the CEO": {"entry", "executive"},
	"Consultant": {"senior", "other"}, "Freelance Marketer": {"", "marketing"}, "Student": {"intern", "education"},
}

// profiles writes what enrichment would have found: seniority and department from the
// title, the email type, and the company's industry, size band, head count and country.
func (g *gen) profiles(ctx context.Context, s *store.Store) error {
	byDomain := map[string]*company{}
	for _, c := range g.companies {
		byDomain[c.domain] = c
	}
	byDomain[g.competitor.domain] = g.competitor
	var ps []store.Profile
	for _, p := range g.people {
		if p.id == 0 {
			continue
		}
		tp := titleProfile[p.title]
		pr := store.Profile{ContactID: p.id, Seniority: tp[0], Department: tp[1]}
		switch {
		case p.email == "":
		case p.free:
			pr.EmailType = "free"
		default:
			pr.EmailType = "work"
		}
		if co := byDomain[p.domain]; co != nil && !p.free {
			pr.Industry, pr.Size, pr.CompanyCountry = co.industry, co.size, co.ctry.code
			if co.employees > 0 {
				n := co.employees
				pr.Employees = &n
			}
		}
		ps = append(ps, pr)
	}
	if err := s.SetProfiles(ctx, ps); err != nil {
		return fmt.Errorf("demo: profiles: %w", err)
	}
	return nil
}
