package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/contact"
)

// locale is a pool of first and last names that are common together.
type locale struct {
	first, last []string
}

var (
	german = &locale{
		first: []string{"Anna", "Lukas", "Sophie", "Jonas", "Lena", "Felix", "Marie", "Maximilian", "Laura", "Tobias",
			"Katharina", "Jan", "Julia", "Stefan", "Sabine", "Michael", "Nina", "Florian", "Claudia", "Jürgen",
			"Birgit", "Matthias", "Hannah", "Sebastian", "Petra", "Thomas", "Miriam", "Kai", "Ute", "Björn", "Elif", "Deniz"},
		last: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
			"Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger",
			"Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Huber", "Brandt", "Yılmaz", "Kaya", "Nowak", "Gruber", "Baumann"},
	}
	british = &locale{
		first: []string{"Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Jack", "Emily", "Charlie", "Sophie",
			"Thomas", "Grace", "James", "Chloe", "William", "Olivia", "Daniel", "Hannah", "Priya", "Arjun",
			"Aisha", "Mohammed", "Siobhan", "Rhys", "Fiona", "Callum", "Eleanor", "Kwame"},
		last: []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies", "Robinson", "Wright", "Thompson",
			"Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel",
			"Khan", "Singh", "Ahmed", "O'Brien", "MacDonald", "Campbell", "Hughes", "Mensah"},
	}
	american = &locale{
		first: []string{"Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Mia", "Mason", "Sofia", "Lucas",
			"Isabella", "Logan", "Harper", "Benjamin", "Evelyn", "Jacob", "Madison", "Michael", "Chloe", "Daniel",
			"Aaliyah", "Jamal", "Carlos", "Maria", "Wei", "Mei", "Hiroshi", "Yuki", "Raj", "Ananya"},
		last: []string{"Johnson", "Williams", "Miller", "Davis", "Garcia", "Rodriguez", "Martinez", "Anderson", "Taylor", "Thomas",
			"Moore", "Jackson", "Martin", "Lee", "Thompson", "Harris", "Clark", "Lewis", "Robinson", "Walker",
			"Young", "Allen", "King", "Nguyen", "Chen", "Kim", "Patel", "Hernandez", "Lopez", "Washington"},
	}
	french = &locale{
		first: []string{"Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Jules", "Inès", "Arthur",
			"Sarah", "Nathan", "Juliette", "Théo", "Clémence", "Antoine", "Élodie", "Mathieu", "Amélie", "Julien",
			"Céline", "Nicolas", "Margaux", "Pierre", "Yasmine", "Karim"},
		last: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
			"Simon", "Laurent", "Lefèvre", "Michel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
			"Rousseau", "Mercier", "Benali", "Nguyen", "Chevalier", "Roux"},
	}
	dutch = &locale{
		first: []string{"Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Levi", "Sophie", "Finn", "Anna",
			"Jesse", "Fleur", "Bram", "Sanne", "Thijs", "Lotte", "Ruben", "Eva", "Noor", "Joris"},
		last: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer",
			"de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer"},
	}
	spanish = &locale{
		first: []string{"Lucía", "Hugo", "Sofía", "Martín", "María", "Pablo", "Paula", "Daniel", "Valeria", "Alejandro",
			"Carmen", "Javier", "Elena", "Diego", "Marta", "Sergio", "Nuria", "Jordi"},
		last: []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
			"Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Álvarez", "Puig", "Navarro"},
	}
)

// country holds what a person from there looks like in a form: names, cities with
// phone numbers, company domains and legal forms, free-mail providers, and the hour
// offset that puts their clicks in their own business hours.
type country struct {
	code      string
	weight    float64
	locale    *locale
	cities    []city
	tld       string
	legal     []string
	freeMail  []string
	utcOffset int
	// quality is how likely people from here buy, relative to 1, so the audience
	// insights report has something to find.
	quality float64
}

type city struct {
	name, region string
	phones       []phonePattern
}

// phonePattern is an E.164 prefix and how many random digits follow it. Where a
// country reserves numbers for drama and examples (Ofcom's 020 7946 0xxx, the US
// 555-01xx, ARCEP's 01 99 00 xx xx), those come first, so the demo dials nobody.
type phonePattern struct {
	prefix string
	digits int
}

func ph(prefix string, digits int) []phonePattern { return []phonePattern{{prefix, digits}} }

func us(area string) []phonePattern {
	return []phonePattern{{"+1" + area + "55501", 2}, {"+1" + area, 7}}
}

var countries = []*country{
	{code: "DE", weight: 26, locale: german, tld: "de", legal: []string{"GmbH", "GmbH", "AG", "GmbH & Co. KG"},
		freeMail: []string{"gmail.com", "web.de", "gmx.de", "t-online.de"}, utcOffset: 1, quality: 1.25,
		cities: []city{{"Berlin", "Berlin", ph("+4930", 8)}, {"München", "Bayern", ph("+4989", 8)}, {"Hamburg", "Hamburg", ph("+4940", 8)},
			{"Köln", "Nordrhein-Westfalen", ph("+49221", 7)}, {"Frankfurt am Main", "Hessen", ph("+4969", 8)},
			{"Stuttgart", "Baden-Württemberg", ph("+49711", 7)}, {"Leipzig", "Sachsen", ph("+49341", 7)}, {"Düsseldorf", "Nordrhein-Westfalen", ph("+49211", 7)}}},
	{code: "AT", weight: 5, locale: german, tld: "at", legal: []string{"GmbH"}, freeMail: []string{"gmx.at", "gmail.com"}, utcOffset: 1, quality: 1.1,
		cities: []city{{"Wien", "Wien", ph("+431", 7)}, {"Graz", "Steiermark", ph("+43316", 6)}, {"Linz", "Oberösterreich", ph("+43732", 6)}}},
	{code: "CH", weight: 5, locale: german, tld: "ch", legal: []string{"AG", "GmbH"}, freeMail: []string{"bluewin.ch", "gmail.com"}, utcOffset: 1, quality: 1.2,
		cities: []city{{"Zürich", "Zürich", ph("+4144", 7)}, {"Basel", "Basel-Stadt", ph("+4161", 7)}, {"Bern", "Bern", ph("+4131", 7)}}},
	{code: "GB", weight: 18, locale: british, tld: "co.uk", legal: []string{"Ltd", "Ltd", "plc"},
		freeMail: []string{"gmail.com", "outlook.com", "yahoo.co.uk", "btinternet.com"}, utcOffset: 0, quality: 1,
		cities: []city{{"London", "England", ph("+442079460", 3)}, {"Manchester", "England", ph("+441614960", 3)},
			{"Birmingham", "England", ph("+441214960", 3)}, {"Edinburgh", "Scotland", ph("+441314960", 3)},
			{"Bristol", "England", ph("+441174960", 3)}, {"Leeds", "England", ph("+441134960", 3)}}},
	{code: "US", weight: 20, locale: american, tld: "com", legal: []string{"Inc.", "LLC", "Inc."},
		freeMail: []string{"gmail.com", "outlook.com", "yahoo.com", "icloud.com"}, utcOffset: -6, quality: 0.9,
		cities: []city{{"San Francisco", "CA", us("415")}, {"New York", "NY", us("212")}, {"Austin", "TX", us("512")},
			{"Chicago", "IL", us("312")}, {"Boston", "MA", us("617")}, {"Seattle", "WA", us("206")}, {"Denver", "CO", us("303")}}},
	{code: "FR", weight: 12, locale: french, tld: "fr", legal: []string{"SAS", "SARL", "SA"},
		freeMail: []string{"gmail.com", "orange.fr", "free.fr", "laposte.net"}, utcOffset: 1, quality: 0.8,
		cities: []city{{"Paris", "Île-de-France", ph("+3319900", 4)}, {"Lyon", "Auvergne-Rhône-Alpes", ph("+3346571", 4)},
			{"Marseille", "Provence-Alpes-Côte d'Azur", ph("+3346571", 4)}, {"Lille", "Hauts-de-France", ph("+3335301", 4)},
			{"Bordeaux", "Nouvelle-Aquitaine", ph("+3353649", 4)}, {"Toulouse", "Occitanie", ph("+3353649", 4)}}},
	{code: "NL", weight: 7, locale: dutch, tld: "nl", legal: []string{"B.V."}, freeMail: []string{"gmail.com", "ziggo.nl", "outlook.com"}, utcOffset: 1, quality: 1.1,
		cities: []city{{"Amsterdam", "Noord-Holland", ph("+3120", 7)}, {"Rotterdam", "Zuid-Holland", ph("+3110", 7)},
			{"Utrecht", "Utrecht", ph("+3130", 7)}, {"Eindhoven", "Noord-Brabant", ph("+3140", 7)}}},
	{code: "ES", weight: 7, locale: spanish, tld: "es", legal: []string{"S.L.", "S.A."}, freeMail: []string{"gmail.com", "hotmail.es", "telefonica.net"}, utcOffset: 1, quality: 0.75,
		cities: []city{{"Madrid", "Comunidad de Madrid", ph("+3491", 7)}, {"Barcelona", "Cataluña", ph("+3493", 7)}, {"Valencia", "Comunitat Valenciana", ph("+3496", 7)}}},
}

// title is a job title, how often forms carry it and how likely its holder buys.
type title struct {
	name            string
	weight, quality float64
}

var titles = []title{
	{"CEO", 4, 1.6}, {"Founder & CEO", 2, 1.6}, {"Managing Director", 4, 1.5}, {"Head of Marketing", 8, 1.8},
	{"Marketing Director", 3, 1.7}, {"VP Sales", 3, 1.6}, {"Head of Sales", 5, 1.6}, {"Sales Manager", 10, 1.2},
	{"Marketing Manager", 12, 1.3}, {"Growth Marketing Manager", 4, 1.3}, {"Demand Generation Manager", 3, 1.5},
	{"Marketing Specialist", 7, 0.9}, {"Sales Development Representative", 5, 0.8}, {"Account Executive", 5, 0.9},
	{"Business Development Manager", 6, 1.1}, {"Revenue Operations Manager", 3, 1.5}, {"CRM Manager", 3, 1.2},
	{"Engineer", 3, 0.5}, {"Software Engineer", 4, 0.5}, {"Office Manager", 5, 0.6}, {"Assistant to the CEO", 2, 0.8},
	{"Consultant", 4, 0.8}, {"Freelance Marketer", 2, 0.6},
}

// Company names are made of two invented words, so they read like businesses without
// being any real one.
var (
	namePrefixes = []string{"Northwind", "Brightwave", "Bluepeak", "Ironleaf", "Silverfern", "Kestrel", "Harbourline", "Redcliff",
		"Moosberg", "Tannenfeld", "Lindholm", "Greywater", "Oakridge", "Sunmill", "Copperfield", "Starling", "Fjordlight",
		"Riverbend", "Alpenglow", "Cloudberry", "Quartzline", "Windrose", "Amberly", "Cedarpoint", "Falkenhain", "Marlowe",
		"Nordlicht", "Pinecrest", "Belcour", "Verdier", "Montclair", "Waldmann", "Tidewell", "Brookstone", "Heronsgate", "Lumisto"}
	nameSuffixes = []string{"Tools", "Logistics", "Analytics", "Systems", "Foods", "Labs", "Consulting", "Robotics", "Software",
		"Energy", "Medical", "Interiors", "Print", "Solar", "Textiles", "Bikes", "Studios", "Finance", "Packaging", "Machines"}
)

type company struct {
	name, domain, size string
	ctry               *country
	industry           string
	employees          int64
}

// sizes are the size bands of the enrichment contract, with the head counts they span.
var sizes = []struct {
	band     string
	min, max int64
}{{"1-10", 1, 10}, {"11-50", 11, 50}, {"51-200", 51, 200}, {"201-500", 201, 500}, {"501-1000", 501, 1000},
	{"1001-5000", 1001, 5000}, {"5001+", 5001, 40000}}

// companies invents n companies with work-email domains on real public suffixes, since
// contact.CompanyDomain refuses suffixes that no registry runs.
func companies(r *rand.Rand, n int) []*company {
	n = min(n, len(namePrefixes)*len(nameSuffixes)/2)
	weights := countryWeights()
	seen := map[string]bool{}
	out := make([]*company, 0, n)
	for len(out) < n {
		pre, suf := pick(r, namePrefixes), pick(r, nameSuffixes)
		if seen[pre+suf] {
			continue
		}
		seen[pre+suf] = true
		c := countries[weighted(r, weights)]
		tld := c.tld
		if chance(r, 0.2) {
			tld = "com" // a European company on .com
		}
		size := sizes[weighted(r, []float64{2, 4, 4, 1.4, 0.8, 0.6, 0.25})]
		out = append(out, &company{
			name:      pre + " " + suf + " " + pick(r, c.legal),
			domain:    strings.ToLower(pre+"-"+suf) + "." + tld,
			size:      size.band,
			employees: size.min + r.Int64N(size.max-size.min+1),
			ctry:      c,
			industry:  industries[suf].name,
		})
	}
	return out
}

func countryWeights() []float64 {
	w := make([]float64, len(countries))
	for i, c := range countries {
		w[i] = c.weight
	}
	return w
}

func titleWeights() []float64 {
	w := make([]float64, len(titles))
	for i, t := range titles {
		w[i] = t.weight
	}
	return w
}

// asciiName folds a name into what people put before the @: "Jürgen" -> "juergen",
// "O'Brien" -> "obrien", "van den Berg" -> "vandenberg".
var asciiName = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "ı", "i",
	"á", "a", "à", "a", "â", "a", "é", "e", "è", "e", "ê", "e", "ë", "e", "í", "i", "î", "i", "ï", "i",
	"ó", "o", "ô", "o", "ú", "u", "ù", "u", "û", "u", "ç", "c", "ñ", "n",
	" ", "", "'", "", "-", "",
)

func mailName(s string) string { return asciiName.Replace(strings.ToLower(s)) }

// workAddress returns an unused address at a company domain in one of the usual patterns.
func (g *gen) workAddress(first, last, domain string) string {
	f, l := mailName(first), mailName(last)
	patterns := []string{f + "." + l, f + "." + l, f + "." + l, f[:1] + "." + l, f[:1] + l, f, f + "_" + l}
	start := g.rng.IntN(len(patterns))
	for i := range patterns {
		if a := patterns[(start+i)%len(patterns)] + "@" + domain; g.claimEmail(a) {
			return a
		}
	}
	for n := 2; ; n++ {
		if a := fmt.Sprintf("%s.%s%d@%s", f, l, n, domain); g.claimEmail(a) {
			return a
		}
	}
}

// freeAddress returns an unused free-mail address; people there add digits more often.
func (g *gen) freeAddress(first, last, domain string) string {
	f, l := mailName(first), mailName(last)
	for {
		var local string
		switch g.rng.IntN(4) {
		case 0:
			local = f + "." + l
		case 1:
			local = f + l + fmt.Sprint(70+g.rng.IntN(36))
		case 2:
			local = f + "_" + l + fmt.Sprint(1+g.rng.IntN(99))
		default:
			local = f[:1] + l + fmt.Sprint(1960+g.rng.IntN(45))
		}
		if a := local + "@" + domain; g.claimEmail(a) {
			return a
		}
	}
}

// claimEmail takes an address for one person only, so no two demo people share a contact.
func (g *gen) claimEmail(a string) bool {
	n, err := contact.NormalizeEmail(a)
	if err != nil || g.emails[n] {
		return false
	}
	g.emails[n] = true
	return true
}

// phone returns an unused, valid E.164 number in the city.
func (g *gen) phone(c city) string {
	for _, p := range c.phones {
		for range 40 {
			var b strings.Builder
			b.WriteString(p.prefix)
			for range p.digits {
				b.WriteByte(byte('0' + g.rng.IntN(10)))
			}
			n, err := contact.NormalizePhone(b.String(), "")
			if err == nil && !g.phones[n] {
				g.phones[n] = true
				return n
			}
		}
	}
	return ""
}

// newPerson invents someone: at a company with a work address, or (free) with a
// free-mail address and perhaps the name of a small business.
func (g *gen) newPerson(free bool) *person {
	r := g.rng
	p := &person{}
	var co *company
	if free {
		p.ctry = countries[weighted(r, g.countryW)]
	} else {
		// A few companies bring many contacts, as real accounts do.
		co = g.companies[int(float64(len(g.companies))*pow(r.Float64(), 1.3))]
		p.ctry = co.ctry
	}
	loc := p.ctry.locale
	if chance(r, 0.1) {
		loc = countries[weighted(r, g.countryW)].locale // people move
	}
	p.first, p.last = pick(r, loc.first), pick(r, loc.last)
	t := titles[weighted(r, g.titleW)]
	p.title, p.quality = t.name, t.quality*p.ctry.quality
	if co != nil {
		p.quality *= industries[strings.Fields(co.name)[1]].quality
	}
	p.home = pick(r, p.ctry.cities)
	p.city, p.region = p.home.name, p.home.region
	if free {
		p.free, p.size = true, "1-10"
		p.quality *= 0.55
		p.email = g.freeAddress(p.first, p.last, pick(r, p.ctry.freeMail))
		if chance(r, 0.35) {
			p.company = pick(r, namePrefixes) + " " + pick(r, []string{"Consulting", "Design", "Media", "Services"})
		}
	} else {
		p.company, p.domain, p.size = co.name, co.domain, co.size
		p.email = g.workAddress(p.first, p.last, co.domain)
	}
	if chance(r, 0.35) {
		p.phone = g.phone(p.home)
	}
	return p
}

// phoneOnly invents someone reached by a cold call: a name, a company and a number.
func (g *gen) phoneOnly() *person {
	p := g.newPerson(false)
	if p.phone == "" {
		p.phone = g.phone(p.home)
	}
	if p.phone != "" { // with every number of the city taken, the person keeps the address
		delete(g.emails, p.email)
		p.email = ""
	}
	return p
}
