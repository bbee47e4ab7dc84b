package enrich

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeTestGeoDB builds a tiny City database: 81.2.69.0/24 is London, 2.125.0.0/16
// is somewhere in Spain without a city.
func writeTestGeoDB(t testing.TB) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoIP2-City", RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	insert := func(cidr string, rec mmdbtype.Map) {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	insert("81.2.69.0/24", mmdbtype.Map{
		"country": mmdbtype.Map{"iso_code": mmdbtype.String("GB")},
		"city":    mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("London"), "de": mmdbtype.String("London")}},
	})
	insert("2.125.0.0/16", mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("ES")}})
	path := filepath.Join(t.TempDir(), "city.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGeoIP(t *testing.T) {
	g, err := OpenGeoIP(writeTestGeoDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	tests := map[string]Place{
		"81.2.69.142":        {Country: "GB", City: "London"},
		"::ffff:81.2.69.142": {Country: "GB", City: "London"},
		"2.125.160.216":      {Country: "ES"},
		"8.8.8.8":            {},
		"10.0.0.1":           {},
		"127.0.0.1":          {},
		"not an ip":          {},
		"":                   {},
	}
	for ip, want := range tests {
		if got := g.Lookup(ip); got != want {
			t.Errorf("Lookup(%q) = %+v, want %+v", ip, got, want)
		}
	}
	if _, err := OpenGeoIP(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("a missing database opened")
	}
}
