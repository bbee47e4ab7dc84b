package config

import (
	"flag"
	"log/slog"
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
}

func TestBindRejects(t *testing.T) {
	for _, args := range [][]string{{"--database-url", "mysql://x"}, {"--log-level", "loud"}, {"--log-format", "xml"}, {"--data", ""}} {
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
