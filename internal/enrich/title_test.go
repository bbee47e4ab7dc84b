package enrich

import (
	"strings"
	"testing"
)

func TestClassifyTitle(t *testing.T) {
	rules := NewTitleRules()
	tests := []struct {
		title, seniority, department string
	}{
		{"", "", ""},
		{"   ", "", ""},
		{"CEO", "executive", "executive"},
		{"Chief Executive Officer", "executive", "executive"},
		{"Co-Founder & CTO", "executive", "engineering"},
		{"CFO", "executive", "finance"},
		{"Chief Marketing Officer", "executive", "marketing"},
		{"VP of Sales", "vp", "sales"},
		{"Vice President, Marketing", "vp", "marketing"},
		{"SVP Engineering", "vp", "engineering"},
		{"President", "executive", "executive"},
		{"Managing Director", "executive", "executive"},
		{"Director of Engineering", "director", "engineering"},
		{"Head of People", "director", "hr"},
		{"Senior Marketing Manager", "manager", "marketing"},
		{"Product Manager", "manager", "product"},
		{"Senior Software Engineer", "senior", "engineering"},
		{"Sr. Accountant", "senior", "finance"},
		{"Software Engineer", "", "engineering"},
		{"Junior Developer", "entry", "engineering"},
		{"Marketing Intern", "intern", "marketing"},
		{"Executive Assistant to the CEO", "entry", "executive"},
		{"IT Manager", "manager", "it"},
		{"Customer Success Manager", "manager", "support"},
		{"Account Executive", "", "sales"},
		{"Team Lead, Support", "manager", "support"},
		{"General Counsel", "executive", "legal"},
		{"Registered Nurse", "", "healthcare"},
		{"Teacher", "", "education"},
		{"UX Designer", "", "design"},
		{"Logistics Coordinator", "", "operations"},
		{"Astronaut", "", "other"},
		// German.
		{"Geschäftsführer", "executive", "executive"},
		{"Vertriebsleiter", "director", "sales"},
		{"Leiterin Marketing", "director", "marketing"},
		{"Teamleiter Buchhaltung", "manager", "finance"},
		{"Softwareentwickler", "", "engineering"},
		{"Werkstudent Marketing", "intern", "marketing"},
		{"Produktmanagerin", "manager", "product"},
		{"Personalreferentin", "", "hr"},
		// French.
		{"Directeur commercial", "director", "sales"},
		{"Directrice générale", "executive", "executive"},
		{"PDG", "executive", "executive"},
		{"Responsable marketing", "manager", "marketing"},
		{"Développeur senior", "senior", "engineering"},
		{"Stagiaire ressources humaines", "intern", "hr"},
		// Spanish.
		{"Director de ventas", "director", "sales"},
		{"Gerente de Recursos Humanos", "manager", "hr"},
		{"Jefe de Logística", "director", "operations"},
		{"Desarrollador junior", "entry", "engineering"},
		{"Fundadora y CEO", "executive", "executive"},
	}
	for _, tt := range tests {
		s, d := rules.Classify(tt.title)
		if s != tt.seniority || d != tt.department {
			t.Errorf("Classify(%q) = (%q, %q), want (%q, %q)", tt.title, s, d, tt.seniority, tt.department)
		}
	}
}

// Every value a rule gives must be one the contract allows.
func TestTitleRuleValues(t *testing.T) {
	ok := func(list []string, v string) bool {
		for _, s := range list {
			if s == v {
				return true
			}
		}
		return false
	}
	for _, r := range SeniorityRules {
		if !ok(Seniorities, r.Value) {
			t.Errorf("seniority rule %q gives %q", r.Phrase, r.Value)
		}
	}
	for _, r := range DepartmentRules {
		if !ok(Departments, r.Value) {
			t.Errorf("department rule %q gives %q", r.Phrase, r.Value)
		}
	}
}

func BenchmarkClassifyTitle(b *testing.B) {
	rules := NewTitleRules()
	titles := []string{"Senior Software Engineer", "VP of Sales EMEA", "Geschäftsführer", "Responsable marketing digital", "Astronaut"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		rules.Classify(titles[i%len(titles)])
	}
}

func FuzzClassifyTitle(f *testing.F) {
	rules := NewTitleRules()
	for _, s := range []string{"VP Sales", "Geschäftsführerin", "C.E.O.", "*leiter", "\xff\xfe", strings.Repeat("head ", 100)} {
		f.Add(s)
	}
	in := func(list []string, v string) bool {
		for _, s := range list {
			if s == v {
				return true
			}
		}
		return v == ""
	}
	f.Fuzz(func(t *testing.T, title string) {
		s, d := rules.Classify(title)
		if !in(Seniorities, s) || !in(Departments, d) {
			t.Fatalf("Classify(%q) = %q, %q", title, s, d)
		}
	})
}
