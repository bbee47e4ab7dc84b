package web

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/maphash"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/flatjson"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// Tracking answers page views and identify hits at once and records them in the
// background in batches: a page view is not a submission, and the browser does not
// wait. What is queued when the server stops is written before it exits; a crash
// loses at most the last fraction of a second of page views, never a form post.

const (
	// collectPattern is the route of tracking hits.
	collectPattern = "POST /collect"

	maxHit       = 16 << 10
	trackerQueue = 20000
	trackerBatch = 500
	// trackerLinger is how long a small batch waits for more hits: one transaction
	// of a hundred page views costs the writer little more than one of ten, and the
	// browser, answered already, does not wait for it.
	trackerLinger = 5 * time.Millisecond
	trackerSmall  = trackerBatch / 4
)

// botWords are parts of the user agents of crawlers, link previewers and headless
// browsers, lower-cased. A plain substring search over them is some thirty times
// cheaper than one case-insensitive regular expression, on every hit.
var botWords = []string{"bot", "crawl", "spider", "slurp", "headless", "lighthouse", "pingdom", "uptime", "preview",
	"facebookexternalhit", "embedly", "quora link", "whatsapp", "curl/", "wget/", "python-requests", "go-http-client",
	"httpclient", "java/", "okhttp", "phantomjs", "selenium", "puppeteer", "playwright"}

// botBytes are botWords as bytes, for isBot's search in a lowered copy.
var botBytes = func() [][]byte {
	out := make([][]byte, len(botWords))
	for i, w := range botWords {
		out[i] = []byte(w)
	}
	return out
}()

// isBot tells whether a user agent is a robot's (or missing). A user agent in ASCII
// is lowered into a buffer on the stack: this runs on every hit.
func isBot(ua string) bool {
	if ua == "" {
		return true
	}
	var buf [512]byte
	if len(ua) > len(buf) || !isASCII(ua) {
		ua = strings.ToLower(ua)
		for _, w := range botWords {
			if strings.Contains(ua, w) {
				return true
			}
		}
		return false
	}
	lower := buf[:len(ua)]
	for i := 0; i < len(ua); i++ {
		c := ua[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	for _, w := range botBytes {
		if bytes.Contains(lower, w) {
			return true
		}
	}
	return false
}

// botVerdicts remembers isBot's answer for user agents seen lately, one a slot chosen
// by the user agent's hash: a site's visitors come with a few hundred browsers' user
// agents, each then searched for the robot words once rather than on every hit.
var (
	botVerdicts [256]atomic.Pointer[botVerdict]
	botSeed     = maphash.MakeSeed()
)

type botVerdict struct {
	ua  string
	bot bool
}

// isBotSeen is isBot, answered from botVerdicts when the user agent is there.
func isBotSeen(ua string) bool {
	slot := &botVerdicts[maphash.String(botSeed, ua)%uint64(len(botVerdicts))]
	if v := slot.Load(); v != nil && v.ua == ua {
		return v.bot
	}
	bot := isBot(ua)
	if len(ua) <= 512 {
		slot.Store(&botVerdict{ua: strings.Clone(ua), bot: bot})
	}
	return bot
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

type tracker struct {
	store *store.Store
	hits  chan store.Capture
	done  chan struct{}
	once  sync.Once
	// wait is how long a hit waits for room in a full queue before it is refused.
	wait time.Duration
	// dropped counts hits refused because the queue stayed full; failed counts hits
	// the store refused.
	dropped, failed atomic.Int64
	lastWarn        atomic.Int64 // unix seconds of the last warning logged
}

func newTracker(s *store.Store) *tracker {
	t := &tracker{store: s, hits: make(chan store.Capture, trackerQueue), done: make(chan struct{}), wait: 250 * time.Millisecond}
	go t.run()
	return t
}

// enqueue queues a hit for the writer. When the queue is full the hit waits a little
// for room, so that a burst slows answers down rather than losing hits; past that it
// is refused and counted, and the caller says so.
func (t *tracker) enqueue(c store.Capture) bool {
	select {
	case t.hits <- c:
		return true
	default:
	}
	timer := time.NewTimer(t.wait)
	defer timer.Stop()
	select {
	case t.hits <- c:
		return true
	case <-timer.C:
		t.dropped.Add(1)
		return false
	}
}

func (t *tracker) run() {
	defer close(t.done)
	batch := make([]store.Capture, 0, trackerBatch)
	linger := time.NewTimer(trackerLinger)
	linger.Stop()
	for c := range t.hits {
		batch = append(batch[:0], c)
		open := t.fill(&batch)
		if open && len(batch) < trackerSmall {
			linger.Reset(trackerLinger)
		wait:
			for len(batch) < trackerBatch {
				select {
				case c, ok := <-t.hits:
					if !ok {
						open = false
						break wait
					}
					batch = append(batch, c)
				case <-linger.C:
					break wait
				}
			}
			linger.Stop()
		}
		for _, err := range t.store.IngestViews(context.Background(), batch) {
			if err != nil {
				t.failed.Add(1)
			}
		}
	}
}

// fill adds the hits queued already to the batch, up to its size, and tells whether
// the queue is still open.
func (t *tracker) fill(batch *[]store.Capture) bool {
	for len(*batch) < trackerBatch {
		select {
		case c, ok := <-t.hits:
			if !ok {
				return false
			}
			*batch = append(*batch, c)
		default:
			return true
		}
	}
	return true
}

// warnDropped logs, at most once a minute, that hits were refused.
func (t *tracker) warnDropped(log *slog.Logger) {
	now := time.Now().Unix()
	if last := t.lastWarn.Load(); now-last >= 60 && t.lastWarn.CompareAndSwap(last, now) {
		log.Warn("tracking hits refused: the write queue is full", "dropped_total", t.dropped.Load())
	}
}

// close writes what is queued and stops.
func (t *tracker) close() {
	t.once.Do(func() { close(t.hits) })
	<-t.done
}

// hitIn is what the snippet sends.
type hitIn struct {
	Type      string            `json:"type"`
	VisitorID string            `json:"visitor_id"`
	PageURL   string            `json:"page_url"`
	Referrer  string            `json:"referrer"`
	Title     string            `json:"title"`
	Email     string            `json:"email"`
	Traits    map[string]string `json:"traits"`
	Consent   bool              `json:"consent"`
}

// decodeHit is json.Unmarshal of a hit, read without reflection when it is the flat
// object the snippet sends with its fields named exactly; anything else (traits, a
// differently cased or unknown name, a null) goes through encoding/json. The body is
// copied into one string, whose parts the fields then are.
func decodeHit(body []byte, h *hitIn) error {
	ok := flatjson.EachString(string(body), func(k, v string, isString, truth bool) bool {
		var f *string
		switch k {
		case "consent":
			h.Consent = truth
			return !isString
		case "type":
			f = &h.Type
		case "visitor_id":
			f = &h.VisitorID
		case "page_url":
			f = &h.PageURL
		case "referrer":
			f = &h.Referrer
		case "title":
			f = &h.Title
		case "email":
			f = &h.Email
		default:
			return false
		}
		*f = v
		return isString
	})
	if ok {
		return nil
	}
	*h = hitIn{}
	return json.Unmarshal(body, h)
}

// handleCollect is POST /collect. It answers 204 for a hit it keeps and for one it
// ignores on purpose (robots, Global Privacy Control, no consent), so bots learn
// nothing; a malformed hit is a 400; a hit it cannot keep because its write queue
// stays full is a 503 with Retry-After, counted in /metrics and logged, never a
// silent 204.
func (s *Server) handleCollect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if ok, wait := s.collectLimit.allow(s.clientIP(r), time.Now()); !ok {
		s.tooMany(w, r, wait)
		return
	}
	if r.Header.Get("Sec-GPC") == "1" || isBotSeen(r.UserAgent()) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, err := readHit(w, r)
	if err != nil {
		s.writeError(w, r, jsonError(err))
		return
	}
	var h hitIn
	if err := decodeHit(body, &h); err != nil {
		s.writeError(w, r, jsonError(err))
		return
	}
	c, err := s.hitCapture(r, h)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.trackingNeedsConsent(r.Context()) && !h.Consent && c.Type == "page_view" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !s.tracker.enqueue(c) {
		s.tracker.warnDropped(s.log)
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// readHit reads a hit's body, at most maxHit bytes: one of a length given and within
// bounds into a buffer of its size, any other through a MaxBytesReader.
func readHit(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= maxHit {
		b := make([]byte, n)
		_, err := io.ReadFull(r.Body, b)
		return b, err
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, maxHit))
}

// validVisitor is visitorRe.MatchString without the regular expression machinery, on
// every hit: 1 to 128 letters, digits or . _ : -.
func validVisitor(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

func (s *Server) hitCapture(r *http.Request, h hitIn) (store.Capture, error) {
	if !validVisitor(h.VisitorID) {
		return store.Capture{}, errs.Field("visitor_id", "must be 1 to 128 letters, digits or . _ : -")
	}
	for _, f := range [...]struct{ name, value string }{{"page_url", h.PageURL}, {"referrer", h.Referrer}, {"title", h.Title}} {
		if len(f.value) > 4000 || !utf8.ValidString(f.value) || strings.IndexByte(f.value, 0) >= 0 {
			return store.Capture{}, errs.Field(f.name, "must be text of at most 4000 bytes")
		}
	}
	c := store.Capture{VisitorID: h.VisitorID, OccurredAt: s.store.Now(), Actor: "tracking"}
	props := make(map[string]any, 3)
	if h.Title != "" {
		props["title"] = h.Title
	}
	if ua := r.UserAgent(); ua != "" && utf8.ValidString(ua) {
		props["user_agent"] = ua[:min(len(ua), 500)]
	}
	switch h.Type {
	case "page_view":
		c.Type = "page_view"
		c.Web = attribution.FromFields(attribution.WebTouch{PageURL: h.PageURL, Referrer: h.Referrer})
	case "identify":
		e, err := contact.NormalizeEmail(h.Email)
		if err != nil {
			return c, errs.Field("email", "is not a valid email address")
		}
		c.Type, c.Email = "identify", e
		if d, ok := contact.CompanyDomain(e); ok {
			c.CompanyDomain = d
		}
		for k, v := range h.Traits {
			if len(v) > capture.ProfileLimit(k) || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return c, errs.Field("traits."+k, "must be text of at most %d bytes", capture.ProfileLimit(k))
			}
			switch k {
			case "first_name":
				c.Fields.FirstName = v
			case "last_name":
				c.Fields.LastName = v
			case "company":
				c.Fields.CompanyName = v
			case "job_title":
				c.Fields.JobTitle = v
			case "age_band":
				band, err := contact.NormalizeAgeBand(v)
				if err != nil {
					return c, errs.Field("traits.age_band", "is not an age band; use one of %s", strings.Join(contact.AgeBands, ", "))
				}
				c.Fields.AgeBand = band
			}
		}
		if h.PageURL != "" {
			props["page_url"] = h.PageURL
		}
	default:
		return c, errs.Field("type", "must be page_view or identify")
	}
	c.Properties = props
	return c, nil
}

// handleSnippet serves /t.js with the workspace's consent setting written in.
func (s *Server) handleSnippet(w http.ResponseWriter, r *http.Request) {
	js, err := publicFS.ReadFile("public/t.js")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := strings.Replace(string(js), "__REQUIRE_CONSENT__", strconv.FormatBool(s.trackingNeedsConsent(r.Context())), 1)
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	io.WriteString(w, out)
}

// trackingNeedsConsent is the workspace setting that makes tracking wait for the
// visitor's consent.
func (s *Server) trackingNeedsConsent(ctx context.Context) bool {
	return s.settings.get(ctx, "tracking_consent") == "required"
}
