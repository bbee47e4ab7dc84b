package attribution

import "strings"

// sourceKind is what a traffic source is, as far as channel classification cares.
type sourceKind uint8

const (
	unknownSource sourceKind = iota
	searchEngine
	socialNetwork
)

// source is one search engine or social network: the hosts its links come from and the
// utm_source values marketers give it.
type source struct {
	name    string // also accepted as a utm_source value
	kind    sourceKind
	domains []string // a host matches itself and its subdomains; "brand.*" also allows any country ending (google.de, google.co.uk)
	names   []string // more utm_source values, lower case, written without spaces, '_' or '-'
}

// sources is the one table of search engines and social networks that SPEC section 2 asks for.
// Android apps send "android-app://package" as the referrer, so a few package names are hosts here.
var sources = []source{
	{"google", searchEngine, []string{"google.*", "com.google.android.googlequicksearchbox"}, []string{"googleads", "adwords", "googleadwords"}},
	{"bing", searchEngine, []string{"bing.com"}, []string{"bingads", "microsoftads", "microsoftadvertising"}},
	{"yahoo", searchEngine, []string{"search.yahoo.*"}, []string{"yahooads"}}, // not yahoo.*: mail.yahoo.com is webmail, not search
	{"duckduckgo", searchEngine, []string{"duckduckgo.com"}, []string{"ddg"}},
	{"baidu", searchEngine, []string{"baidu.com"}, nil},
	{"yandex", searchEngine, []string{"yandex.*", "ya.ru"}, []string{"yandexdirect"}},
	{"ecosia", searchEngine, []string{"ecosia.org"}, nil},
	{"naver", searchEngine, []string{"naver.com"}, nil},
	{"brave", searchEngine, []string{"search.brave.com"}, nil},
	{"startpage", searchEngine, []string{"startpage.com"}, nil},
	{"qwant", searchEngine, []string{"qwant.com"}, nil},
	{"seznam", searchEngine, []string{"seznam.cz"}, nil},
	{"sogou", searchEngine, []string{"sogou.com"}, nil},
	{"ask", searchEngine, []string{"ask.com"}, nil},

	{"facebook", socialNetwork, []string{"facebook.com", "fb.com", "fb.me", "messenger.com", "com.facebook.katana"}, []string{"fb", "meta", "facebookads", "fbads", "metaads"}},
	{"instagram", socialNetwork, []string{"instagram.com", "com.instagram.android"}, []string{"ig", "instagramads", "igads"}},
	{"linkedin", socialNetwork, []string{"linkedin.com", "lnkd.in", "com.linkedin.android"}, []string{"lnkd.in", "linkedinads"}},
	{"twitter", socialNetwork, []string{"twitter.com", "x.com", "t.co"}, []string{"x", "t.co", "twitterads", "xads"}},
	{"tiktok", socialNetwork, []string{"tiktok.com"}, []string{"tiktokads"}},
	{"youtube", socialNetwork, []string{"youtube.com", "youtu.be", "com.google.android.youtube"}, []string{"yt"}},
	{"pinterest", socialNetwork, []string{"pinterest.*", "pin.it"}, []string{"pinterestads"}},
	{"reddit", socialNetwork, []string{"reddit.com", "redd.it"}, []string{"redditads"}},
	{"threads", socialNetwork, []string{"threads.net", "threads.com"}, nil},
	{"snapchat", socialNetwork, []string{"snapchat.com"}, []string{"snap"}},
	{"bluesky", socialNetwork, []string{"bsky.app"}, []string{"bsky"}},
	{"mastodon", socialNetwork, []string{"mastodon.social"}, nil},
	{"xing", socialNetwork, []string{"xing.com"}, nil},
	{"vk", socialNetwork, []string{"vk.com"}, []string{"vkontakte"}},
	{"weibo", socialNetwork, []string{"weibo.com"}, nil},
	{"quora", socialNetwork, []string{"quora.com"}, nil},
	{"tumblr", socialNetwork, []string{"tumblr.com"}, nil},
	{"whatsapp", socialNetwork, []string{"whatsapp.com", "wa.me"}, nil},
	{"telegram", socialNetwork, []string{"telegram.org", "t.me"}, nil},
	{"discord", socialNetwork, []string{"discord.com", "discord.gg"}, nil},
}

// sourceIndex is the table turned into lookups, so a classification costs a few map reads
// instead of a scan of every domain.
type sourceIndex struct {
	byDomain map[string]sourceKind // exact host suffixes such as "bing.com"
	byBrand  map[string]sourceKind // "brand.*" entries without their ".*", such as "google"
	byName   map[string]sourceKind // utm_source values
}

// index is derived once from sources and only read afterwards.
var index = newSourceIndex(sources)

func newSourceIndex(table []source) sourceIndex {
	ix := sourceIndex{
		byDomain: map[string]sourceKind{},
		byBrand:  map[string]sourceKind{},
		byName:   map[string]sourceKind{},
	}
	for _, s := range table {
		for _, d := range s.domains {
			if brand, ok := strings.CutSuffix(d, ".*"); ok {
				ix.byBrand[brand] = s.kind
			} else {
				ix.byDomain[d] = s.kind
			}
		}
		ix.byName[s.name] = s.kind
		for _, n := range s.names {
			ix.byName[n] = s.kind
		}
	}
	return ix
}

// hostKind says whether a lower-case host belongs to a known search engine or social network.
func hostKind(host string) sourceKind {
	if host == "" {
		return unknownSource
	}
	if k := suffixKind(host, index.byDomain); k != unknownSource {
		return k
	}
	return brandKind(host)
}

// suffixKind looks up host and then each parent domain, so m.facebook.com finds facebook.com.
// Whole labels only: box.com never finds x.com.
func suffixKind(host string, m map[string]sourceKind) sourceKind {
	for h := host; h != ""; {
		if k, ok := m[h]; ok {
			return k
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			break
		}
		h = h[dot+1:]
	}
	return unknownSource
}

// secondLevel holds the labels that come before a country code in two-label endings
// such as co.uk, com.br and ne.jp.
var secondLevel = map[string]bool{
	"co": true, "com": true, "net": true, "org": true, "ne": true, "or": true,
	"ac": true, "edu": true, "gov": true, "gob": true,
}

// brandKind matches "brand.*" entries by taking off the host's top-level ending.
// Without a public-suffix list the ending is judged by shape: one label of two or three
// letters (com, de), or a country code after a known second level (co.uk, com.br).
func brandKind(host string) sourceKind {
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || !isShortLabel(host[dot+1:]) {
		return unknownSource
	}
	base := host[:dot]
	if k := suffixKind(base, index.byBrand); k != unknownSource {
		return k
	}
	if len(host)-dot-1 != 2 {
		return unknownSource
	}
	dot = strings.LastIndexByte(base, '.')
	if dot <= 0 || !secondLevel[base[dot+1:]] {
		return unknownSource
	}
	return suffixKind(base[:dot], index.byBrand)
}

// isShortLabel reports whether a label looks like a top-level domain: two or three letters.
func isShortLabel(label string) bool {
	if len(label) < 2 || len(label) > 3 {
		return false
	}
	for i := 0; i < len(label); i++ {
		if label[i] < 'a' || label[i] > 'z' {
			return false
		}
	}
	return true
}

// utmSourceKind reads a utm_source value first as a name ("google", "fb") and else as a
// domain ("google.com", "www.facebook.com"), since marketers write both.
func utmSourceKind(value string) sourceKind {
	name := normaliseName(value)
	if name == "" {
		return unknownSource
	}
	if k, ok := index.byName[name]; ok {
		return k
	}
	return hostKind(hostOf(value))
}

// normaliseName folds a utm value the way people vary it: case, spaces around it, and the
// separators in "Social Media", "social-media", "social_media" or "Facebook Ads".
func normaliseName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if !strings.ContainsAny(s, " _-") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-':
			return -1
		}
		return r
	}, s)
}
