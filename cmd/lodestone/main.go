// Command lodestone is the Lodestone server and its administration tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Lodestone: lead generation and lead management.

Usage:
  lodestone serve [--addr ADDR] [--data DIR] [--database-url URL] [--demo]
  lodestone migrate
  lodestone apikey create --name NAME --role ROLE
  lodestone apikey list
  lodestone apikey revoke ID
  lodestone user create --email EMAIL --role ROLE [--name NAME]   (reads the password from stdin)
  lodestone backup FILE
  lodestone import contacts FILE --channel CHANNEL [--campaign NAME] [--consent BASIS] [--map COLUMN=FIELD]…
  lodestone version

Every command takes --data DIR or --database-url URL (or LODESTONE_DATA,
LODESTONE_DATABASE_URL). Run "lodestone COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lodestone:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr, getenv)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr, getenv)
	case "apikey":
		return cmdAPIKey(ctx, rest, stdout, stderr, getenv)
	case "user":
		return cmdUser(ctx, rest, stdin, stdout, stderr, getenv)
	case "backup":
		return cmdBackup(ctx, rest, stdout, stderr, getenv)
	case "import":
		return cmdImport(ctx, rest, stdout, stderr, getenv)
	case "score":
		return cmdScore(ctx, rest, stdout, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, "lodestone", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
