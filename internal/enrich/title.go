package enrich

import (
	"strings"
	"unicode"
)

// Seniority levels and departments, as SPEC's contract names them. An empty string
// means "unknown".
var (
	Seniorities = []string{"executive", "vp", "director", "manager", "senior", "entry", "intern"}
	Departments = []string{"executive", "engineering", "it", "marketing", "sales", "finance", "hr", "operations",
		"legal", "support", "product", "design", "education", "healthcare", "other"}
)

// A TitleRule maps a phrase of a job title to a value. Phrases are words separated by
// spaces; a word ending in "*" matches any word that starts with it ("vertrieb*"
// matches "vertriebsleiter") and a word starting with "*" any word that ends with it
// ("*leiter" matches "abteilungsleiter"), which is how German compounds are caught.
type TitleRule struct {
	Phrase string `json:"phrase"`
	Value  string `json:"value"`
}

// SeniorityRules are tried in order; the first phrase found in the title wins. The
// order matters: "vice president" before "president", "teamleiter" before "*leiter",
// "assistant" before "ceo" so an assistant to the CEO is not taken for one.
var SeniorityRules = []TitleRule{
	// Interns and apprentices.
	{"intern", "intern"}, {"internship", "intern"}, {"trainee", "intern"}, {"apprentice", "intern"},
	{"working student", "intern"}, {"werkstudent*", "intern"}, {"praktikant*", "intern"}, {"azubi", "intern"},
	{"auszubildende*", "intern"}, {"stagiaire", "intern"}, {"alternant*", "intern"}, {"becari*", "intern"}, {"pasante", "intern"},
	// Vice presidents, including their assistants.
	{"vice president", "vp"}, {"vicepresident", "vp"}, {"vice présidente", "vp"}, {"vice président", "vp"},
	{"vicepresidente", "vp"}, {"vp", "vp"}, {"svp", "vp"}, {"evp", "vp"}, {"avp", "vp"}, {"v p", "vp"},
	// Assistants of anyone are entry level.
	{"assistant", "entry"}, {"assistent*", "entry"}, {"assistante", "entry"}, {"asistente", "entry"}, {"sekretär*", "entry"},
	{"secretary", "entry"}, {"secrétaire", "entry"}, {"secretaria", "entry"},
	// The top of the company.
	{"ceo", "executive"}, {"cfo", "executive"}, {"cto", "executive"}, {"coo", "executive"}, {"cmo", "executive"},
	{"cio", "executive"}, {"cro", "executive"}, {"cpo", "executive"}, {"ciso", "executive"}, {"chro", "executive"},
	{"cso", "executive"}, {"cdo", "executive"}, {"c e o", "executive"}, {"chief", "executive"},
	{"founder", "executive"}, {"co founder", "executive"}, {"cofounder", "executive"}, {"gründer*", "executive"},
	{"mitgründer*", "executive"}, {"fondateur", "executive"}, {"fondatrice", "executive"}, {"fundador*", "executive"},
	{"owner", "executive"}, {"inhaber*", "executive"}, {"propriétaire", "executive"}, {"propietari*", "executive"},
	{"president", "executive"}, {"président*", "executive"}, {"presidente", "executive"}, {"chairman", "executive"},
	{"chairwoman", "executive"}, {"managing director", "executive"}, {"managing partner", "executive"},
	{"general manager", "executive"}, {"geschäftsführ*", "executive"}, {"vorstand*", "executive"},
	{"directeur général", "executive"}, {"directrice générale", "executive"}, {"pdg", "executive"}, {"gérant*", "executive"},
	{"director general", "executive"}, {"directora general", "executive"}, {"director ejecutivo", "executive"},
	{"consejero delegado", "executive"}, {"amministratore delegato", "executive"}, {"general counsel", "executive"},
	// Directors and heads.
	{"director", "director"}, {"directora", "director"}, {"directeur", "director"}, {"directrice", "director"},
	{"direktor*", "director"}, {"head", "director"}, {"teamleiter*", "manager"}, {"gruppenleiter*", "manager"},
	{"*leiter", "director"}, {"*leiterin", "director"}, {"leitung", "director"}, {"jefe", "director"}, {"jefa", "director"},
	{"responsable", "manager"}, {"chef", "manager"},
	// Managers and leads.
	{"manager", "manager"}, {"*manager", "manager"}, {"*managerin", "manager"}, {"mgr", "manager"}, {"gerente", "manager"}, {"supervisor*", "manager"},
	{"team lead", "manager"}, {"tech lead", "manager"}, {"technical lead", "manager"}, {"group lead", "manager"},
	{"project lead", "manager"}, {"lead engineer", "manager"}, {"lead developer", "manager"}, {"foreman", "manager"},
	{"superintendent", "manager"}, {"gestionnaire", "manager"},
	// Experienced individual contributors.
	{"senior", "senior"}, {"sr", "senior"}, {"principal", "senior"}, {"staff", "senior"}, {"expert*", "senior"},
	{"experte", "senior"}, {"sénior", "senior"}, {"leitende*", "senior"},
	// Beginners.
	{"junior", "entry"}, {"jr", "entry"}, {"associate", "entry"}, {"graduate", "entry"}, {"entry level", "entry"},
	{"débutant*", "entry"}, {"júnior", "entry"},
}

// DepartmentRules are tried in order; the first phrase found wins. Officers with a
// function (CFO, CTO, …) come before the plain top roles so they land in their own
// department; a non-empty title that matches nothing is "other".
var DepartmentRules = []TitleRule{
	{"cfo", "finance"}, {"chief financial", "finance"}, {"cto", "engineering"}, {"chief technology", "engineering"},
	{"cmo", "marketing"}, {"chief marketing", "marketing"}, {"cio", "it"}, {"chief information", "it"}, {"ciso", "it"},
	{"coo", "operations"}, {"chief operating", "operations"}, {"cro", "sales"}, {"chief revenue", "sales"},
	{"cpo", "product"}, {"chief product", "product"}, {"chro", "hr"}, {"chief people", "hr"}, {"chief human", "hr"},
	{"ceo", "executive"}, {"c e o", "executive"}, {"chief executive", "executive"}, {"founder", "executive"},
	{"co founder", "executive"}, {"cofounder", "executive"}, {"gründer*", "executive"}, {"fondateur", "executive"},
	{"fundador*", "executive"}, {"owner", "executive"}, {"inhaber*", "executive"}, {"managing director", "executive"},
	{"general manager", "executive"}, {"geschäftsführ*", "executive"}, {"vorstand*", "executive"}, {"pdg", "executive"},
	{"directeur général", "executive"}, {"director general", "executive"}, {"consejero delegado", "executive"},
	{"directrice générale", "executive"}, {"chairman", "executive"}, {"managing partner", "executive"},
	// Functions.
	{"marketing*", "marketing"}, {"*marketing", "marketing"}, {"brand", "marketing"}, {"seo", "marketing"},
	{"content", "marketing"}, {"communications", "marketing"}, {"kommunikation", "marketing"}, {"communication", "marketing"},
	{"comunicación", "marketing"}, {"growth", "marketing"}, {"demand generation", "marketing"}, {"lead generation", "marketing"},
	{"public relations", "marketing"}, {"pr", "marketing"}, {"social media", "marketing"}, {"mercadotecnia", "marketing"},
	{"sales", "sales"}, {"account executive", "sales"}, {"account manager", "sales"}, {"key account*", "sales"},
	{"business development", "sales"}, {"bdr", "sales"}, {"sdr", "sales"}, {"vertrieb*", "sales"}, {"*vertrieb", "sales"},
	{"verkauf*", "sales"}, {"verkäufer*", "sales"}, {"ventas", "sales"}, {"vendedor*", "sales"}, {"commercial*", "sales"},
	{"ventes", "sales"}, {"vendeur", "sales"}, {"comercial", "sales"}, {"revenue", "sales"},
	{"finance", "finance"}, {"financial", "finance"}, {"accounting", "finance"}, {"accountant", "finance"},
	{"controller", "finance"}, {"controlling", "finance"}, {"treasury", "finance"}, {"treasurer", "finance"},
	{"buchhalt*", "finance"}, {"finanz*", "finance"}, {"comptab*", "finance"}, {"financ*", "finance"},
	{"contable", "finance"}, {"contador*", "finance"}, {"finanzas", "finance"}, {"tax", "finance"}, {"audit*", "finance"},
	{"hr", "hr"}, {"human resources", "hr"}, {"people", "hr"}, {"talent", "hr"}, {"recruit*", "hr"},
	{"personalleit*", "hr"}, {"personalreferent*", "hr"}, {"personalabteilung", "hr"}, {"personalwesen", "hr"},
	{"ressources humaines", "hr"}, {"recursos humanos", "hr"}, {"rrhh", "hr"}, {"drh", "hr"},
	{"legal", "legal"}, {"counsel", "legal"}, {"lawyer", "legal"}, {"attorney", "legal"}, {"paralegal", "legal"},
	{"jurist*", "legal"}, {"rechtsanwalt*", "legal"}, {"syndikus*", "legal"}, {"avocat*", "legal"}, {"juridique", "legal"},
	{"abogad*", "legal"}, {"jurídic*", "legal"}, {"compliance", "legal"},
	{"customer service", "support"}, {"customer success", "support"}, {"customer support", "support"},
	{"support", "support"}, {"helpdesk", "support"}, {"help desk", "support"}, {"kundenservice", "support"},
	{"kundendienst", "support"}, {"kundenbetreuung", "support"}, {"service client", "support"},
	{"atención al cliente", "support"},
	{"product*", "product"}, {"produkt*", "product"}, {"produit", "product"}, {"producto", "product"},
	{"designer", "design"}, {"design", "design"}, {"ux", "design"}, {"ui", "design"}, {"diseñador*", "design"},
	{"graphiste", "design"}, {"gestalter*", "design"}, {"art director", "design"}, {"creative", "design"},
	{"it", "it"}, {"information technology", "it"}, {"sysadmin", "it"}, {"system administrator", "it"},
	{"systems administrator", "it"}, {"systemadministrator*", "it"}, {"network*", "it"}, {"informatique", "it"},
	{"informática", "it"}, {"informatik*", "it"}, {"edv", "it"}, {"security", "it"}, {"cyber*", "it"},
	{"infrastructure", "it"},
	{"engineer*", "engineering"}, {"software", "engineering"}, {"developer", "engineering"}, {"development", "engineering"},
	{"programmer", "engineering"}, {"devops", "engineering"}, {"sre", "engineering"}, {"data scientist", "engineering"},
	{"architect", "engineering"}, {"entwickl*", "engineering"}, {"*entwickler", "engineering"}, {"ingenieur*", "engineering"},
	{"*ingenieur", "engineering"}, {"ingeniero", "engineering"}, {"ingeniera", "engineering"}, {"développeur*", "engineering"},
	{"desarrollador*", "engineering"}, {"technology", "engineering"}, {"technical", "engineering"}, {"qa", "engineering"},
	{"operations", "operations"}, {"ops", "operations"}, {"logistic*", "operations"}, {"logistik*", "operations"}, {"logística", "operations"}, {"logistique", "operations"},
	{"supply chain", "operations"}, {"procurement", "operations"}, {"purchasing", "operations"}, {"buyer", "operations"},
	{"einkauf*", "operations"}, {"facility", "operations"}, {"facilities", "operations"}, {"opérations", "operations"},
	{"operaciones", "operations"}, {"production", "operations"}, {"plant", "operations"}, {"warehouse", "operations"},
	{"teacher", "education"}, {"professor", "education"}, {"lecturer", "education"}, {"lehrer*", "education"},
	{"dozent*", "education"}, {"enseignant*", "education"}, {"profesor*", "education"}, {"professeur", "education"},
	{"tutor", "education"}, {"education", "education"}, {"school", "education"}, {"dean", "education"},
	{"nurse", "healthcare"}, {"doctor", "healthcare"}, {"physician", "healthcare"}, {"arzt", "healthcare"},
	{"ärztin", "healthcare"}, {"*arzt", "healthcare"}, {"pflege*", "healthcare"}, {"krankenschwester", "healthcare"},
	{"médecin", "healthcare"}, {"médico", "healthcare"}, {"enfermer*", "healthcare"}, {"infirmi*", "healthcare"},
	{"pharmacist", "healthcare"}, {"dentist", "healthcare"}, {"therapist", "healthcare"}, {"clinical", "healthcare"},
	{"surgeon", "healthcare"},
	// Top roles without a function named.
	{"chief", "executive"}, {"president", "executive"}, {"président*", "executive"}, {"presidente", "executive"}, {"gérant*", "executive"},
}

// word is one word of a phrase pattern.
type word struct {
	text           string
	prefix, suffix bool // "text*" or "*text"
}

func (w word) match(t string) bool {
	switch {
	case w.prefix:
		return strings.HasPrefix(t, w.text)
	case w.suffix:
		return strings.HasSuffix(t, w.text)
	}
	return t == w.text
}

type compiledRule struct {
	words []word
	value string
}

// TitleRules classifies job titles. Build it once with NewTitleRules; it is safe for
// concurrent use.
type TitleRules struct {
	seniority, department []compiledRule
}

func compile(rules []TitleRule) []compiledRule {
	out := make([]compiledRule, 0, len(rules))
	for _, r := range rules {
		var ws []word
		for _, f := range titleWords(r.Phrase, true) {
			w := word{text: f}
			if t, ok := strings.CutSuffix(f, "*"); ok {
				w = word{text: t, prefix: true}
			} else if t, ok := strings.CutPrefix(f, "*"); ok {
				w = word{text: t, suffix: true}
			}
			ws = append(ws, w)
		}
		if len(ws) > 0 {
			out = append(out, compiledRule{words: ws, value: r.Value})
		}
	}
	return out
}

// NewTitleRules compiles the default rules.
func NewTitleRules() *TitleRules {
	return &TitleRules{seniority: compile(SeniorityRules), department: compile(DepartmentRules)}
}

// maxTitle bounds the work on one title; real titles are far shorter.
const maxTitle = 200

// titleWords lower-cases s and splits it into words of letters and digits; with
// pattern set, '*' stays part of a word.
func titleWords(s string, pattern bool) []string {
	if len(s) > maxTitle {
		s = s[:maxTitle]
	}
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !(pattern && r == '*')
	})
}

func first(rules []compiledRule, words []string) string {
	for _, r := range rules {
		for i := 0; i+len(r.words) <= len(words); i++ {
			ok := true
			for j, w := range r.words {
				if !w.match(words[i+j]) {
					ok = false
					break
				}
			}
			if ok {
				return r.value
			}
		}
	}
	return ""
}

// Classify returns the seniority and department of a job title, each empty when the
// title says nothing about it. A non-empty title of no known function is "other".
func (t *TitleRules) Classify(title string) (seniority, department string) {
	words := titleWords(title, false)
	if len(words) == 0 {
		return "", ""
	}
	seniority, department = first(t.seniority, words), first(t.department, words)
	if department == "" {
		department = "other"
	}
	return seniority, department
}
