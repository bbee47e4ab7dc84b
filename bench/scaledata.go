package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/enrich"
	"github.com/lodestone-hq/lodestone/internal/money"
)

// The scale data set: --scale-contacts contacts created over the last 12 months and
// --scale-events events, made from the contact's number by a hash, so every run has
// the same data. Each contact is captured by a form submit, newsletter sign-up or
// demo request whose page URL and referrer say where it came from (a campaign with
// costs, a search engine, a social site or nothing); later it views pages in visits,
// opens and clicks emails, attends webinars and submits forms, more of them lately.
// Some move on to MQL, SQL, opportunity (an open deal) and customer (a won deal).
// Contacts are enriched as the background enrichment would have left them, and
// their companies carry industry, size, head count and country, so that segments
// and fit rules have something to select. The rows are written in the shape the
// store's ingest, stage moves and deals give them (bench/scaleseed.go).

// scaleCampaign is one seeded campaign; ID is its row id.
type scaleCampaign struct {
	ID          int64
	Name, UTM   string
	Channel     attribution.Channel
	Source, Med string
	Monthly     int64 // cost per month, cents
}

var scaleCampaigns = []scaleCampaign{
	{Name: "Google Ads brand", UTM: "brand-search", Channel: attribution.PaidSearch, Source: "google", Med: "cpc", Monthly: 400_000},
	{Name: "Google Ads generic", UTM: "generic-search", Channel: attribution.PaidSearch, Source: "google", Med: "cpc", Monthly: 900_000},
	{Name: "Bing Ads", UTM: "bing-generic", Channel: attribution.PaidSearch, Source: "bing", Med: "cpc", Monthly: 150_000},
	{Name: "LinkedIn lead gen", UTM: "linkedin-leadgen", Channel: attribution.PaidSocial, Source: "linkedin", Med: "paid_social", Monthly: 700_000},
	{Name: "Facebook retargeting", UTM: "fb-retargeting", Channel: attribution.PaidSocial, Source: "facebook", Med: "paid_social", Monthly: 250_000},
	{Name: "Monthly newsletter", UTM: "newsletter", Channel: attribution.Email, Source: "newsletter", Med: "email", Monthly: 30_000},
	{Name: "Spring webinar series", UTM: "webinar-spring", Channel: attribution.Event, Source: "webinar", Med: "event", Monthly: 80_000},
	{Name: "Trade fair Hannover", UTM: "fair-hannover", Channel: attribution.Event, Source: "fair", Med: "event", Monthly: 500_000},
	{Name: "Partner program", UTM: "partner-program", Channel: attribution.Partner, Source: "partner", Med: "partner", Monthly: 120_000},
	{Name: "Review sites", UTM: "review-sites", Channel: attribution.Referral, Source: "g2", Med: "referral", Monthly: 60_000},
}

var scaleIndustries = []string{"software", "manufacturing", "retail", "finance", "healthcare", "logistics", "education", "media", "energy", "consulting"}

var scaleSizes = []struct {
	band     string
	min, max int64
}{{"1-10", 1, 10}, {"11-50", 11, 50}, {"51-200", 51, 200}, {"201-500", 201, 500}, {"501-1000", 501, 1000}, {"1001-5000", 1001, 5000}, {"5001+", 5001, 40000}}

var scaleCountries = []string{"DE", "DE", "DE", "DE", "AT", "CH", "US", "US", "GB", "FR", "NL", "ES", "IT", "PL", "SE", "DK"}

var scaleTitles = []string{"CEO", "CTO", "CFO", "Founder", "Managing Director", "VP Marketing", "VP Sales", "Head of Marketing", "Head of Sales",
	"Head of IT", "Marketing Manager", "Sales Manager", "IT Manager", "Office Manager", "Purchasing Manager", "Product Manager",
	"Software Engineer", "Senior Software Engineer", "Marketing Specialist", "Sales Representative", "Account Executive", "Consultant",
	"Operations Lead", "HR Manager", "Financial Controller", "Data Analyst", "Student", "Marketing Intern", "Customer Support Agent", "Designer"}

var scalePlans = []string{"free", "starter", "pro", "enterprise"}

var freeMail = []string{"gmail.com", "gmx.de", "web.de", "outlook.com", "yahoo.com"}

// scalePages are the site's pages a visit views, with /pricing about one view in seven.
var scalePages = []string{"/", "/pricing", "/features", "/features/segments", "/features/scoring", "/pricing", "/customers", "/about",
	"/docs/getting-started", "/docs/api", "/contact", "/pricing", "/integrations", "/security"}

var blogPosts = 40

// scale event kinds, in the compact record of an event.
const (
	evCapture uint8 = iota // the order of events at the same moment, as the store writes them
	evDealWon
	evStage
	evPageView
	evEmailOpen
	evEmailClick
	evWebinar
	evFormSubmit
)

var scaleEventType = []string{evCapture: "", evStage: "stage_changed", evDealWon: "deal_won", evPageView: "page_view",
	evEmailOpen: "email_open", evEmailClick: "email_click", evWebinar: "webinar_attended", evFormSubmit: "form_submit"}

// sev is one seeded event, compact: 10M of them are sorted by time before writing.
type sev struct {
	at      int64 // occurred_at, µs
	contact int32 // contact number (id - 1)
	kind    uint8
	ch      uint8  // channel index + 1 into scaleChannels, 0 for none
	camp    uint8  // campaign index + 1, 0 for none
	v       uint16 // properties variant (page view, email) or stage move
}

var scaleChannels = []attribution.Channel{attribution.Direct, attribution.OrganicSearch, attribution.PaidSearch, attribution.Social,
	attribution.PaidSocial, attribution.Email, attribution.Referral, attribution.Partner, attribution.Event, attribution.DirectMail,
	attribution.Phone, attribution.LiveTransfer, attribution.PurchasedList, attribution.Other}

func channelIndex(c attribution.Channel) uint8 {
	i := slices.Index(scaleChannels, c)
	if i < 0 {
		i = len(scaleChannels) - 1
	}
	return uint8(i + 1)
}

// scaleCompany is one seeded company.
type scaleCompany struct {
	ID                               int64
	Domain, Name, Industry, Size, CC string
	Employees                        int64
}

func scaleCompanyOf(k int) scaleCompany {
	h := mix(uint64(k) + 7_777_777)
	// companyName repeats after every head and tail pair: a number makes later ones unique.
	period := len(companyHeads) * len(companyTails)
	name := companyName(k % period)
	if k >= period {
		name += strconv.Itoa(k / period)
	}
	sz := scaleSizes[min(int(h%100)/15, len(scaleSizes)-1)]
	return scaleCompany{ID: int64(k + 1), Domain: name + ".com", Name: name, Industry: scaleIndustries[(h>>8)%uint64(len(scaleIndustries))],
		Size: sz.band, Employees: sz.min + int64((h>>16)%uint64(sz.max-sz.min+1)), CC: scaleCountries[(h>>24)%uint64(len(scaleCountries))]}
}

// stage moves: from, to, reason; the index is sev.v of a stage_changed event.
var scaleMoves = []struct{ from, to, reason string }{
	{"lead", "mql", "captured by newsletter_signup"},
	{"lead", "sql", "captured by demo_request"},
	{"lead", "mql", "engagement score reached the MQL threshold"},
	{"mql", "sql", "captured by demo_request"},
	{"sql", "opportunity", "deal opened"},
	{"opportunity", "customer", "deal won"},
}

var scaleMoveProps = func() []string {
	out := make([]string, len(scaleMoves))
	for i, m := range scaleMoves {
		b, _ := json.Marshal(map[string]any{"from": m.from, "to": m.to, "reason": m.reason})
		out[i] = string(b)
	}
	return out
}()

// scaleActor is the actor of the events the API received: the harness's API key,
// the first key of the database (internal/web/principal.go).
const scaleActor = "key:1"

// scaleContact is what the seeding writes for contact number i (id i+1).
type scaleContact struct {
	i                               int
	email, first, last, title       string
	companyName, city, country      string
	company                         int64
	custom                          string
	stage                           string
	created                         int64
	ch                              uint8 // first touch channel index + 1
	camp                            uint8 // first touch campaign index + 1
	capture                         string
	capturePage, captureRef         string
	stages                          []stageAt
	moves                           []moveAt
	deal                            int64 // amount in cents, 0 for none
	dealOpened, dealWon             int64
	seniority, department, mailKind string
}

type stageAt struct {
	stage string
	at    int64
}

type moveAt struct {
	move uint16
	at   int64
}

// scaleSet is the generator of one seeding: its clock and sizes.
type scaleSet struct {
	contacts, events int
	companies        int
	now, start       int64 // µs; contacts are created from start to now
	titles           *enrich.TitleRules
	enrichCache      map[string][3]string
	made             []scaleContact // every contact, made once by get
}

// get is contact number i, made once: each table's pass over the contacts reads it
// again.
func (s *scaleSet) get(i int) *scaleContact {
	if i >= s.contacts {
		c := s.contact(i)
		return &c
	}
	if s.made == nil {
		s.made = make([]scaleContact, s.contacts)
		for k := range s.made {
			s.made[k] = s.contact(k)
		}
	}
	return &s.made[i]
}

const day = int64(24 * time.Hour / time.Microsecond)

func newScaleSet(contacts, events int, now time.Time) *scaleSet {
	n := now.UTC().Truncate(time.Second).UnixMicro()
	return &scaleSet{contacts: contacts, events: events, companies: max(100, contacts/50), now: n, start: n - 365*day,
		titles: enrich.NewTitleRules(), enrichCache: map[string][3]string{}}
}

// contact generates contact number i. Contacts are created in id order over the year.
func (s *scaleSet) contact(i int) scaleContact {
	h := mix(uint64(i) + 1)
	h2 := mix(uint64(i) + 0x9e3779b97f4a7c15)
	c := scaleContact{i: i}
	c.first = firstNames[h%uint64(len(firstNames))]
	c.last = lastName(int((h >> 8) % 1000))
	co := scaleCompanyOf(int((h >> 20) % uint64(s.companies)))
	c.company, c.companyName = co.ID, co.Name
	c.city = cities[(h>>36)%uint64(len(cities))]
	c.country = co.CC
	if (h>>40)%4 == 0 {
		c.country = scaleCountries[(h>>42)%uint64(len(scaleCountries))]
	}
	c.title = scaleTitles[(h>>46)%uint64(len(scaleTitles))]
	domain := co.Domain
	if (h2>>4)%100 < 15 {
		domain = freeMail[(h2>>12)%uint64(len(freeMail))]
	}
	c.email = fmt.Sprintf("%s.%s.%07d@%s", c.first, c.last, i, domain)
	plan := scalePlans[(h2>>20)%uint64(len(scalePlans))]
	c.custom = fmt.Sprintf(`{"plan":%q,"seats":"%d"}`, plan, 1+(h2>>24)%200)
	// Creation time: evenly over the year in id order, a little faster lately.
	f := float64(i) / float64(max(1, s.contacts))
	f = math.Sqrt(f*(1+0.3)) / math.Sqrt(1.3) // more contacts per day lately
	c.created = s.start + int64(f*float64(s.now-s.start-day)) + int64((h2>>32)%3600)*1_000_000
	// Capture type and its source.
	switch r := (h2 >> 40) % 100; {
	case r < 12:
		c.capture = "demo_request"
	case r < 30:
		c.capture = "newsletter_signup"
	default:
		c.capture = "form_submit"
	}
	page := "https://www.example.com/contact"
	if c.capture == "newsletter_signup" {
		page = "https://www.example.com/newsletter"
	} else if c.capture == "demo_request" {
		page = "https://www.example.com/demo"
	}
	switch r := (h2 >> 48) % 100; {
	case r < 40:
		k := int((h2 >> 52) % uint64(len(scaleCampaigns)))
		cp := scaleCampaigns[k]
		page += "?utm_source=" + cp.Source + "&utm_medium=" + cp.Med + "&utm_campaign=" + cp.UTM
	case r < 70:
		c.captureRef = "https://www.google.com/"
	case r < 78:
		c.captureRef = "https://www.linkedin.com/"
	case r < 84:
		c.captureRef = "https://news.ycombinator.com/"
	}
	c.capturePage = page
	ch, camp := classifyTouch(page, c.captureRef)
	c.ch, c.camp = ch, camp
	// Stages: the capture's own, then later moves.
	c.stage = "lead"
	c.stages = []stageAt{{"lead", c.created}}
	age := s.now - c.created
	later := func(frac uint64) int64 {
		return c.created + int64(float64(age)*float64(frac%1000)/1000*0.6) + 1_000_000
	}
	r := (h >> 52) % 1000
	switch c.capture {
	case "newsletter_signup":
		c.stage = "mql"
		c.stages = append(c.stages, stageAt{"mql", c.created})
		c.moves = append(c.moves, moveAt{0, c.created})
	case "demo_request":
		c.stage = "sql"
		c.stages = append(c.stages, stageAt{"mql", c.created}, stageAt{"sql", c.created})
		c.moves = append(c.moves, moveAt{1, c.created})
	default:
		if r < 200 {
			t := later(h2 >> 8)
			c.stage = "mql"
			c.stages = append(c.stages, stageAt{"mql", t})
			c.moves = append(c.moves, moveAt{2, t})
		}
	}
	if c.stage == "mql" && r%10 < 3 {
		t := max(c.stages[len(c.stages)-1].at+1_000_000, later(h2>>18))
		c.stage = "sql"
		c.stages = append(c.stages, stageAt{"sql", t})
		c.moves = append(c.moves, moveAt{3, t})
	}
	if c.stage == "sql" && (r/10)%10 < 6 {
		t := c.stages[len(c.stages)-1].at + int64((h2>>28)%30+1)*day/2
		if t < s.now {
			c.stage = "opportunity"
			c.stages = append(c.stages, stageAt{"opportunity", t})
			c.moves = append(c.moves, moveAt{4, t})
			c.deal = int64(2_000+(h>>12)%48_000) * 100
			c.dealOpened = t
			if w := t + int64((h2>>36)%60+1)*day; (r/100)%10 < 6 && w < s.now {
				c.stage = "customer"
				c.stages = append(c.stages, stageAt{"customer", w})
				c.moves = append(c.moves, moveAt{5, w})
				c.dealWon = w
			}
		}
	}
	// What enrichment derives (internal/enrich Enricher.Profile): seniority and
	// department from the title, the kind of address from the email's domain.
	e, ok := s.enrichCache[c.title]
	if !ok {
		e[0], e[1] = s.titles.Classify(c.title)
		s.enrichCache[c.title] = e
	}
	mk, ok := s.enrichCache["@"+domain]
	if !ok {
		mk[2] = enrich.EmailType(c.email)
		s.enrichCache["@"+domain] = mk
	}
	e[2] = mk[2]
	c.seniority, c.department, c.mailKind = e[0], e[1], e[2]
	return c
}

// classifyTouch is the channel and campaign the ingest gives a touch with this page
// URL and referrer (internal/store/ingest.go touchOf).
func classifyTouch(page, ref string) (uint8, uint8) {
	key := page + " " + ref
	classifyMu.Lock()
	r, ok := classifyCache[key]
	classifyMu.Unlock()
	if ok {
		return r[0], r[1]
	}
	ch, camp := classifyTouch1(page, ref)
	classifyMu.Lock()
	classifyCache[key] = [2]uint8{ch, camp}
	classifyMu.Unlock()
	return ch, camp
}

var (
	classifyMu    sync.Mutex
	classifyCache = map[string][2]uint8{}
)

func classifyTouch1(page, ref string) (uint8, uint8) {
	m := map[string]string{"page_url": page}
	if ref != "" {
		m["referrer"] = ref
	}
	camp := uint8(0)
	ch := attribution.Classify(attribution.FromProperties(m), func(key string) (attribution.Channel, bool) {
		for k, cp := range scaleCampaigns {
			if cp.UTM == strings.ToLower(strings.TrimSpace(key)) {
				camp = uint8(k + 1)
				return cp.Channel, true
			}
		}
		return "", false
	})
	return channelIndex(ch), camp
}

// webProps is the stored properties of an event with these properties and page URL:
// the UTM parameters of the URL are kept beside it (internal/store/ingest.go withWeb).
func webProps(props map[string]any) string {
	m := map[string]string{}
	for k, v := range props {
		if s, ok := v.(string); ok {
			m[k] = s
		}
	}
	if u, err := url.Parse(m["page_url"]); err == nil {
		for _, k := range []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"} {
			if v := u.Query().Get(k); v != "" {
				if _, ok := props[k]; !ok {
					props[k] = v
				}
			}
		}
	}
	b, _ := json.Marshal(props)
	return string(b)
}

// captureProps is the stored properties of contact c's capture event.
func (c *scaleContact) captureProps() string {
	p := map[string]any{"first_name": c.first, "last_name": c.last, "company": c.companyName, "job_title": c.title,
		"city": c.city, "country": c.country, "page_url": c.capturePage}
	if c.captureRef != "" {
		p["referrer"] = c.captureRef
	}
	if !strings.HasSuffix(c.email, "@"+c.companyName+".com") {
		// A free mail address says nothing of the company: the form asks for its website.
		p["website"] = "https://www." + c.companyName + ".com"
	}
	return webProps(p)
}

func (c *scaleContact) dealName() string { return "Subscription " + c.companyName }

func (c *scaleContact) dealProps(dealID int64) string {
	b, _ := json.Marshal(map[string]any{"deal_id": dealID, "amount": money.Default().Format(c.deal), "name": c.dealName()})
	return string(b)
}

// search text and words, as internal/store/search.go makes them (name, email,
// company; no phone here).
func (c *scaleContact) terms() (string, []string) {
	var terms []string
	for _, w := range strings.FieldsFunc(strings.ToLower(c.first+" "+c.last+" "+c.email+" "+c.companyName), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) > 64 {
			w = w[:64]
		}
		if !slices.Contains(terms, w) && len(terms) < 32 {
			terms = append(terms, w)
		}
	}
	return " " + strings.Join(terms, " "), terms
}

func (c *scaleContact) dedupe() string { return contact.NameCompanyKey(c.first, c.last, c.companyName) }

// Page-view variants: a visit's first view carries its source; the views after it
// are internal clicks. Variants are precomputed properties with their channel.
type pvVariant struct {
	props    string
	ch, camp uint8
}

var pvVariants, pvInternal = func() ([]pvVariant, []pvVariant) {
	type src struct{ query, ref string }
	srcs := []src{{"", ""}, {"", ""}, {"", ""}, {"", "https://www.google.com/"}, {"", "https://www.google.com/"}, {"", "https://www.bing.com/"},
		{"", "https://www.linkedin.com/"}, {"", "https://twitter.com/"}}
	for _, cp := range scaleCampaigns {
		srcs = append(srcs, src{"?utm_source=" + cp.Source + "&utm_medium=" + cp.Med + "&utm_campaign=" + cp.UTM, ""})
	}
	var first, internal []pvVariant
	pages := slices.Clone(scalePages)
	for k := range blogPosts {
		pages = append(pages, "/blog/post-"+strconv.Itoa(k))
	}
	for _, p := range pages {
		for _, s := range srcs {
			page := "https://www.example.com" + p + s.query
			props := map[string]any{"page_url": page}
			if s.ref != "" {
				props["referrer"] = s.ref
			}
			ch, camp := classifyTouch(page, s.ref)
			first = append(first, pvVariant{webProps(props), ch, camp})
		}
		ich, icamp := classifyTouch("https://www.example.com"+p, "https://www.example.com/")
		internal = append(internal, pvVariant{webProps(map[string]any{"page_url": "https://www.example.com" + p, "referrer": "https://www.example.com/"}), ich, icamp})
	}
	return first, internal
}()

// pvTouch is the web touch of each page-view variant, first views then internal ones.
var pvTouch = func() []attribution.WebTouch {
	var out []attribution.WebTouch
	for _, v := range append(slices.Clone(pvVariants), pvInternal...) {
		out = append(out, attribution.FromProperties(stringMap(v.props)))
	}
	return out
}()

func stringMap(raw string) map[string]string {
	var m map[string]any
	_ = json.Unmarshal([]byte(raw), &m)
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

var emailVariants = func() []string {
	var out []string
	for m := range 12 {
		out = append(out, fmt.Sprintf(`{"email":"newsletter-%02d"}`, m+1))
	}
	return out
}()

var clickVariants = func() []pvVariant {
	var out []pvVariant
	for m := range 12 {
		page := fmt.Sprintf("https://www.example.com/blog/post-%d?utm_source=newsletter&utm_medium=email&utm_campaign=newsletter", m)
		out = append(out, pvVariant{props: webProps(map[string]any{"email": fmt.Sprintf("newsletter-%02d", m+1), "page_url": page}),
			ch: channelIndex(attribution.Email)})
	}
	return out
}()

var webinarVariants = []string{`{"webinar":"segments-101"}`, `{"webinar":"scoring-deep-dive"}`, `{"webinar":"attribution-explained"}`}

var formVariants = func() []pvVariant {
	var out []pvVariant
	for _, p := range []string{"/whitepaper", "/ebook", "/checklist"} {
		page := "https://www.example.com" + p
		ch, camp := classifyTouch(page, "")
		out = append(out, pvVariant{webProps(map[string]any{"page_url": page}), ch, camp})
	}
	return out
}()

// activity appends contact c's events: its capture, stage moves, deal and its
// activity of n events after creation, more of them lately.
func (s *scaleSet) activity(c *scaleContact, n int, out []sev) []sev {
	ci := int32(c.i)
	out = append(out, sev{at: c.created, contact: ci, kind: evCapture, ch: c.ch, camp: c.camp})
	for _, m := range c.moves {
		out = append(out, sev{at: m.at, contact: ci, kind: evStage, v: m.move})
	}
	if c.dealWon != 0 {
		out = append(out, sev{at: c.dealWon, contact: ci, kind: evDealWon})
	}
	if n <= 0 {
		return out
	}
	h := mix(uint64(c.i) + 0x51ed270b)
	span := s.now - c.created - 60_000_000
	if span <= 0 {
		return out
	}
	// Times of the activity, as fractions of the span skewed to the end.
	times := make([]int64, 0, n)
	for k := range n {
		h = mix(h + uint64(k))
		u := float64(h>>11) / float64(1<<53)
		u = math.Pow(u, 0.6) // later is likelier
		times = append(times, c.created+60_000_000+int64(u*float64(span)))
	}
	slices.Sort(times)
	var prev *attribution.PageView
	for k := 0; k < len(times); k++ {
		h = mix(h + 0x1234)
		t := times[k]
		switch r := h % 100; {
		case r < 62: // a visit of 1 to 4 page views
			pages := min(1+int((h>>8)%4), len(times)-k)
			v := uint16((h >> 16) % uint64(len(pvVariants)))
			cur := attribution.PageView{At: time.UnixMicro(t), Touch: pvTouch[v]}
			ev := sev{at: t, contact: ci, kind: evPageView, v: v}
			// A page view is a touch when it starts a visit (internal/store/ingest.go touchOf).
			if attribution.StartsSession(prev, cur) {
				ev.ch, ev.camp = pvVariants[v].ch, pvVariants[v].camp
			}
			out = append(out, ev)
			prev = &cur
			for p := 1; p < pages; p++ {
				t += int64(30+(h>>(24+p*4))%240) * 1_000_000
				w := uint16(len(pvVariants)) + uint16((h>>(32+p*5))%uint64(len(pvInternal)))
				cur := attribution.PageView{At: time.UnixMicro(t), Touch: pvTouch[w]}
				ev := sev{at: t, contact: ci, kind: evPageView, v: w}
				if attribution.StartsSession(prev, cur) {
					ev.ch, ev.camp = pvInternal[int(w)-len(pvVariants)].ch, pvInternal[int(w)-len(pvVariants)].camp
				}
				out = append(out, ev)
				prev = &cur
				k++
			}
		case r < 88:
			out = append(out, sev{at: t, contact: ci, kind: evEmailOpen, v: uint16((h >> 20) % uint64(len(emailVariants)))})
		case r < 94:
			out = append(out, sev{at: t, contact: ci, kind: evEmailClick, v: uint16((h >> 20) % uint64(len(clickVariants))), ch: channelIndex(attribution.Email)})
		case r < 97:
			out = append(out, sev{at: t, contact: ci, kind: evWebinar, v: uint16((h >> 20) % uint64(len(webinarVariants)))})
		default:
			fv := formVariants[(h>>20)%uint64(len(formVariants))]
			out = append(out, sev{at: t, contact: ci, kind: evFormSubmit, v: uint16((h >> 20) % uint64(len(formVariants))), ch: fv.ch, camp: fv.camp})
		}
	}
	return out
}

// props is the stored properties of a seeded event, and its channel and campaign.
func (e sev) props(c *scaleContact, dealID int64) string {
	switch e.kind {
	case evCapture:
		return c.captureProps()
	case evStage:
		return scaleMoveProps[e.v]
	case evDealWon:
		return c.dealProps(dealID)
	case evPageView:
		if int(e.v) < len(pvVariants) {
			return pvVariants[e.v].props
		}
		return pvInternal[int(e.v)-len(pvVariants)].props
	case evEmailOpen:
		return emailVariants[e.v]
	case evEmailClick:
		return clickVariants[e.v].props
	case evWebinar:
		return webinarVariants[e.v]
	default:
		return formVariants[e.v].props
	}
}
