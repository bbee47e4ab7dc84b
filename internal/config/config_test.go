package config

import (
	"flag"
	"log/slog"
	"strings"
	"testing"
)

func TestBindPrecedence(t *testing.T) {
	env := map[string]string{"LODESTONE_ADDR": "127.0.0.1:9999", "LODESTONE_DATA": "/tmp/x", "LODESTONE_LOG_LEVEL": "debug"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	read := Bind(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"--data", "/tmp/flag"}); err != nil {
		t.Fatal(err)
	}
	c, err := read()
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.DataDir != "/tmp/flag" || c.LogLevel != slog.LevelDebug || c.Region != "US" {
		t.Fatalf("config = %+v", c)
	}
	if c.PublicURL() != "http://127.0.0.1:9999" || c.SQLitePath() != "/tmp/flag/lodestone.db" {
		t.Fatalf("derived: %s %s", c.PublicURL(), c.SQLitePath())
	}
	if c.DatabaseURL != "" || c.AllowPrivateOutbound {
		t.Fatalf("defaults: %+v", c)
	}
}

// Every setting is read from its variable when no flag gives it.
func TestBindFromEnvironment(t *testing.T) {
	env := map[string]string{"LODESTONE_DATABASE_URL": "postgres://db.example/leads", "LODESTONE_ALLOW_PRIVATE_OUTBOUND": "true",
		"LODESTONE_REGION": "de", "LODESTONE_FORM_RATE_IP": "7", "LODESTONE_METRICS_TOKEN": "m"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	read := Bind(fs, func(k string) string { return env[k] })
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	c, err := read()
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://db.example/leads" || !c.AllowPrivateOutbound || c.Region != "DE" || c.FormRateIP != 7 || c.MetricsToken != "m" {
		t.Fatalf("config = %+v", c)
	}
}

func TestBindRejects(t *testing.T) {
	for _, args := range [][]string{{"--database-url", "mysql://x"}, {"--log-level", "loud"}, {"--log-format", "xml"}, {"--data", ""}, {"--allow-private-outbound", "maybe"}} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		read := Bind(fs, func(string) string { return "" })
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if _, err := read(); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	get := Bind(fs, func(k string) string {
		if k == "LODESTONE_TRUSTED_PROXIES" {
			return "10.0.0.0/8, 192.0.2.7 ,::1"
		}
		return ""
	})
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	c, err := get()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 3 || c.TrustedProxies[0].String() != "10.0.0.0/8" || c.TrustedProxies[1].String() != "192.0.2.7/32" || c.TrustedProxies[2].String() != "::1/128" {
		t.Fatalf("trusted proxies = %v", c.TrustedProxies)
	}
	if ps, err := ParseProxies("::ffff:10.0.0.0/104"); err != nil || len(ps) != 1 || ps[0].String() != "10.0.0.0/8" {
		t.Fatalf("an IPv4 range written in IPv6: %v %v", ps, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "1.2.3", "::ffff:0.0.0.0/90"} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		get := Bind(fs, func(string) string { return "" })
		if err := fs.Parse([]string{"--trusted-proxies", bad}); err != nil {
			t.Fatal(err)
		}
		if _, err := get(); err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
			t.Fatalf("%q: err = %v", bad, err)
		}
	}
}
