package enrich

import (
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Place is where an IP address is, as far as the database knows.
type Place struct {
	Country string // ISO 3166 alpha-2
	City    string // English name
}

// GeoIP reads a MaxMind-format database (GeoLite2-City, GeoIP2-City, DB-IP's City
// Lite, or a Country database, which gives no city).
type GeoIP struct {
	r *maxminddb.Reader
}

// OpenGeoIP opens the database file at path.
func OpenGeoIP(path string) (*GeoIP, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, err
	}
	return &GeoIP{r: r}, nil
}

// Close releases the database.
func (g *GeoIP) Close() error { return g.r.Close() }

type geoRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
}

// Lookup finds the place of an IP address; a private, malformed or unknown address
// gives an empty Place.
func (g *GeoIP) Lookup(ip string) Place {
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil || !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return Place{}
	}
	var rec geoRecord
	if err := g.r.Lookup(addr.Unmap()).Decode(&rec); err != nil {
		return Place{}
	}
	return Place{Country: strings.ToUpper(rec.Country.ISOCode), City: rec.City.Names["en"]}
}
