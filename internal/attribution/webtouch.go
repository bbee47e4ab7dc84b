package attribution

import (
	"net/url"
	"strings"
)

// WebTouch is what a page view or form post tells about where the visitor came from.
type WebTouch struct {
	PageURL     string
	Referrer    string
	UTMSource   string
	UTMMedium   string
	UTMCampaign string
	UTMTerm     string
	UTMContent  string
}

// FromProperties reads page_url, referrer and utm_* from event or form properties (SPEC
// section 11). A utm_* that is missing or blank in the properties is taken from the query
// string of page_url, because the tracking snippet often sends only the URL it landed on.
// Values are trimmed of surrounding spaces; case is kept, since campaign keys are shown to people.
func FromProperties(props map[string]string) WebTouch {
	return FromFields(WebTouch{PageURL: props["page_url"], Referrer: props["referrer"], UTMSource: props["utm_source"],
		UTMMedium: props["utm_medium"], UTMCampaign: props["utm_campaign"], UTMTerm: props["utm_term"], UTMContent: props["utm_content"]})
}

// FromFields is FromProperties of the properties page_url, referrer and utm_* holding
// raw's fields (an empty field is a missing property), without building a map.
func FromFields(raw WebTouch) WebTouch {
	t := WebTouch{
		PageURL:     strings.TrimSpace(raw.PageURL),
		Referrer:    strings.TrimSpace(raw.Referrer),
		UTMSource:   strings.TrimSpace(raw.UTMSource),
		UTMMedium:   strings.TrimSpace(raw.UTMMedium),
		UTMCampaign: strings.TrimSpace(raw.UTMCampaign),
		UTMTerm:     strings.TrimSpace(raw.UTMTerm),
		UTMContent:  strings.TrimSpace(raw.UTMContent),
	}
	fields := []struct {
		key   string
		value *string
	}{
		{"utm_source", &t.UTMSource},
		{"utm_medium", &t.UTMMedium},
		{"utm_campaign", &t.UTMCampaign},
		{"utm_term", &t.UTMTerm},
		{"utm_content", &t.UTMContent},
	}
	var query url.Values
	for _, f := range fields {
		if *f.value != "" {
			continue
		}
		if query == nil {
			if query = pageQuery(t.PageURL); query == nil {
				break
			}
		}
		*f.value = strings.TrimSpace(query.Get(f.key))
	}
	return t
}

// pageQuery returns the query parameters of a page URL, or nil when it has none.
// It cuts at the first '?' rather than parsing the whole URL, so a bad escape in the path
// does not lose good UTM parameters, and hash-routed pages ("/#/offer?utm_source=x") work too.
func pageQuery(pageURL string) url.Values {
	_, raw, ok := strings.Cut(pageURL, "?")
	if !ok {
		return nil
	}
	raw, _, _ = strings.Cut(raw, "#")
	// ParseQuery keeps every well-formed pair even when another pair is malformed.
	query, _ := url.ParseQuery(raw)
	if len(query) == 0 {
		return nil
	}
	return query
}

// HasSource reports whether the touch says where the visitor came from: it carries UTM
// parameters or an external referrer (one whose host differs from the page's host).
func (t WebTouch) HasSource() bool {
	return t.hasUTM() || t.externalReferrer() != ""
}

func (t WebTouch) hasUTM() bool {
	for _, v := range [...]string{t.UTMSource, t.UTMMedium, t.UTMCampaign, t.UTMTerm, t.UTMContent} {
		if strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// externalReferrer returns the referrer's host, or "" when there is no referrer or it is
// the site itself: a click from one page of the site to another is navigation, not a source.
// Without a readable page URL a referrer counts as external, since nothing shows it is internal.
func (t WebTouch) externalReferrer() string {
	ref := hostOf(t.Referrer)
	if ref == "" || sameSite(ref, hostOf(t.PageURL)) {
		return ""
	}
	return ref
}

// sameSite compares hosts ignoring a leading "www.", which sites add and drop freely.
// Other subdomains stay distinct: blog.example.com linking to example.com is a referral.
func sameSite(a, b string) bool {
	return strings.TrimPrefix(a, "www.") == strings.TrimPrefix(b, "www.")
}

// hostOf returns the lower-case host of a URL without user, port or trailing dot, or ""
// when the text names no host. Referrers and page URLs come from browsers and forms and are
// often odd, so it reads what it can by hand instead of rejecting the value the way
// url.Parse does for, say, a bad escape in the path.
func hostOf(raw string) string {
	s := strings.TrimSpace(raw)
	bare := true
	if i := strings.Index(s, "//"); i >= 0 && isSchemePrefix(s[:i]) {
		s, bare = s[i+2:], false
	}
	if i := strings.IndexAny(s, "/?#\\"); i >= 0 {
		s = s[:i]
	}
	if bare {
		// Without "//" only a plain "example.com" or "example.com:8080" names a host;
		// about:blank, mailto:a@b.c and javascript:... do not.
		if strings.IndexByte(s, '@') >= 0 {
			return ""
		}
		if _, port, ok := strings.Cut(s, ":"); ok && !isDigits(port) {
			return ""
		}
		if strings.IndexByte(s, '.') < 0 {
			return ""
		}
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") {
		// An IPv6 literal such as [::1]:8080.
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return ""
		}
		s = s[1:end]
		if !isHostText(s, true) {
			return ""
		}
		return strings.ToLower(s)
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(strings.ToLower(s), ".")
	if !isHostText(s, false) {
		return ""
	}
	return s
}

// isSchemePrefix reports whether p is what may come before "//": nothing, or a scheme
// with its colon such as "https:" or "android-app:".
func isSchemePrefix(p string) bool {
	if p == "" {
		return true
	}
	name, ok := strings.CutSuffix(p, ":")
	if !ok || name == "" || !isLetter(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !isLetter(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// isHostText reports whether s can be a host name: letters, digits, '-', '.', '_' and any
// non-ASCII byte (internationalised names), or hex digits, ':' and '.' for an IPv6 literal.
func isHostText(s string, ipv6 bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case ipv6 && (isDigit(c) || c == ':' || c == '.' || (c|0x20 >= 'a' && c|0x20 <= 'f')):
		case !ipv6 && (isLetter(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c >= 0x80):
		default:
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
