// Package config builds one Config from command-line flags and environment
// variables. Every flag has a LODESTONE_* variable; a flag given on the command line
// wins over the variable.
package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is everything the server needs to start.
type Config struct {
	Addr        string // listen address
	DataDir     string // folder of the SQLite database and uploads
	DatabaseURL string // postgres:// URL; empty selects SQLite in DataDir
	BaseURL     string // public URL of this server, for links; derived from Addr when empty
	Region      string // default region for phone numbers without a country code
	LogLevel    slog.Level
	LogFormat   string // text or json
	// Public capture endpoints are rate limited per client IP and per form, in
	// submissions a minute; 0 turns a limit off (for load tests on one machine).
	FormRateIP   int
	FormRateForm int
	// MetricsToken, when set, is the bearer token a Prometheus scrape of /metrics
	// must send; when empty, /metrics answers only direct requests from this machine.
	MetricsToken string
	// AllowPrivateOutbound lets calls to addresses an admin configured (the company
	// data provider) reach loopback, private and link-local addresses.
	AllowPrivateOutbound bool
	// TrustedProxies are the reverse proxies in front of Lodestone: a request that
	// comes from one of them is from the client its X-Forwarded-For names.
	TrustedProxies []netip.Prefix
}

// SQLitePath is the database file inside the data folder.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "lodestone.db") }

// PublicURL is the base of links the server prints or sends.
func (c Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	host := c.Addr
	if strings.HasPrefix(host, ":") {
		host = "127.0.0.1" + host
	}
	return "http://" + host
}

// Var describes one setting, for flags, environment and the README's table.
type Var struct {
	Flag, Env, Default, Help string
}

// Vars lists the settings shared by every subcommand that opens the database.
var Vars = []Var{
	{"addr", "LODESTONE_ADDR", "127.0.0.1:8080", "address to listen on"},
	{"data", "LODESTONE_DATA", "./lodestone-data", "folder of the embedded SQLite database"},
	{"database-url", "LODESTONE_DATABASE_URL", "", "a postgres:// URL selects PostgreSQL instead of SQLite"},
	{"base-url", "LODESTONE_BASE_URL", "", "public URL of this server, for links (default: http://ADDR)"},
	{"region", "LODESTONE_REGION", "US", "default region (ISO 3166 code) for phone numbers written without a country code"},
	{"log-level", "LODESTONE_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "LODESTONE_LOG_FORMAT", "text", "text or json"},
	{"form-rate-ip", "LODESTONE_FORM_RATE_IP", "30", "form posts a minute allowed from one IP address (0: no limit)"},
	{"form-rate-form", "LODESTONE_FORM_RATE_FORM", "6000", "form posts a minute allowed to one form (0: no limit)"},
	{"metrics-token", "LODESTONE_METRICS_TOKEN", "", "bearer token for GET /metrics from other machines (default: only this machine, not through a proxy)"},
	{"trusted-proxies", "LODESTONE_TRUSTED_PROXIES", "", "comma-separated addresses or ranges (CIDR) of your reverse proxies; a request from one counts as from the client its X-Forwarded-For names, for rate limits and consent records (default: none, the connection's address is the client's)"},
	{"allow-private-outbound", "LODESTONE_ALLOW_PRIVATE_OUTBOUND", "false", "let the company data provider's URL reach loopback, private and link-local addresses (a provider on your own network)"},
}

// Bind registers the settings on a flag set, with defaults from the environment, and
// returns a function that reads the Config once the flags are parsed.
func Bind(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	vals := map[string]*string{}
	for _, v := range Vars {
		def := v.Default
		if e := getenv(v.Env); e != "" {
			def = e
		}
		vals[v.Flag] = fs.String(v.Flag, def, v.Help+" ($"+v.Env+")")
	}
	return func() (Config, error) {
		c := Config{
			Addr:         *vals["addr"],
			DataDir:      *vals["data"],
			DatabaseURL:  *vals["database-url"],
			BaseURL:      *vals["base-url"],
			Region:       strings.ToUpper(*vals["region"]),
			LogFormat:    *vals["log-format"],
			MetricsToken: *vals["metrics-token"],
		}
		if err := c.LogLevel.UnmarshalText([]byte(*vals["log-level"])); err != nil {
			return c, fmt.Errorf("--log-level: %w", err)
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			return c, fmt.Errorf("--log-format must be text or json")
		}
		if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
			return c, fmt.Errorf("--database-url must start with postgres://")
		}
		for _, r := range []struct {
			flag string
			dst  *int
		}{{"form-rate-ip", &c.FormRateIP}, {"form-rate-form", &c.FormRateForm}} {
			n, err := strconv.Atoi(*vals[r.flag])
			if err != nil || n < 0 {
				return c, fmt.Errorf("--%s must be a whole number, 0 or more", r.flag)
			}
			*r.dst = n
		}
		allow, err := strconv.ParseBool(*vals["allow-private-outbound"])
		if err != nil {
			return c, fmt.Errorf("--allow-private-outbound must be true or false")
		}
		c.AllowPrivateOutbound = allow
		if c.TrustedProxies, err = ParseProxies(*vals["trusted-proxies"]); err != nil {
			return c, fmt.Errorf("--trusted-proxies: %w", err)
		}
		if c.DataDir == "" {
			return c, fmt.Errorf("--data must name a folder")
		}
		return c, nil
	}
}

// ParseProxies reads a comma-separated list of addresses and CIDR ranges.
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR range", f)
			}
			if a := p.Addr(); a.Is4In6() {
				// ::ffff:10.0.0.0/104 is 10.0.0.0/8; addresses are compared unmapped.
				if p.Bits() < 96 {
					return nil, fmt.Errorf("%q mixes IPv4 and IPv6", f)
				}
				p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR range", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
