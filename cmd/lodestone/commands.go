package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// flags makes a flag set with the shared settings bound to it.
func flags(name string, stderr io.Writer, getenv func(string) string) (*flag.FlagSet, func() (config.Config, error)) {
	fs := flag.NewFlagSet("lodestone "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, config.Bind(fs, getenv)
}

// parse reads flags wherever they stand, so "backup FILE --data DIR" works as well
// as "backup --data DIR FILE"; the positional arguments are left in positional.
func parse(fs *flag.FlagSet, read func() (config.Config, error), args []string) (config.Config, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return config.Config{}, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	// Parse once more with the positionals alone, so fs.Arg and fs.NArg see them.
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return config.Config{}, err
	}
	return read()
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs, read := flags("serve", stderr, getenv)
	demo := fs.Bool("demo", false, "fill a fresh workspace with realistic sample data")
	cfg, err := parse(fs, read, args)
	if err != nil {
		return err
	}
	a := &app.App{Config: cfg, Log: newLogger(stderr, cfg.LogLevel, cfg.LogFormat), Out: stdout}
	if err := a.Open(ctx); err != nil {
		return err
	}
	if *demo {
		if err := loadDemo(ctx, a, stdout); err != nil {
			a.Close(context.Background())
			return err
		}
	}
	if err := a.Run(ctx); err != nil {
		a.Close(context.Background())
		return err
	}
	fmt.Fprintf(stdout, "Lodestone is running at %s (%s). Press Ctrl+C to stop.\n", a.URL(), a.Store.Engine())
	gcDone := make(chan struct{})
	go func() {
		defer close(gcDone)
		app.GCHeadroom(ctx)
	}()
	<-ctx.Done()
	<-gcDone
	fmt.Fprintln(stdout, "Stopping…")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return a.Close(sctx)
}

func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	return app.OpenStore(ctx, cfg)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs, read := flags("migrate", stderr, getenv)
	cfg, err := parse(fs, read, args)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	names, err := s.Migrations(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s database is up to date: %d migrations applied (%s)\n", s.Engine(), len(names), strings.Join(names, ", "))
	return nil
}

func cmdAPIKey(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errors.New("apikey needs a subcommand: create, list or revoke")
	}
	sub, args := args[0], args[1:]
	fs, read := flags("apikey "+sub, stderr, getenv)
	name := fs.String("name", "", "what the key is for (create)")
	role := fs.String("role", "", "admin, marketer, sales, agent or read_only (create)")
	cfg, err := parse(fs, read, args)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "create":
		key, k, err := auth.IssueAPIKey(ctx, s, *name, *role, "cli")
		if fe := (*errs.Error)(nil); errors.As(err, &fe) && fe.Field != "" {
			return fmt.Errorf("--%s %s", fe.Field, fe.Message)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Created API key %d %q with role %s. It is shown once; keep it safe:\n%s\n", k.ID, k.Name, k.Role, key)
	case "list":
		keys, err := s.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tPREFIX\tCREATED\tLAST USED\tSTATE")
		for _, k := range keys {
			used, state := "never", "live"
			if !k.LastUsedAt.IsZero() {
				used = k.LastUsedAt.Format(time.RFC3339)
			}
			if k.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Name, k.Role, k.Prefix, k.CreatedAt.Format(time.RFC3339), used, state)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("apikey revoke needs the key's ID (see apikey list)")
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a key ID", fs.Arg(0))
		}
		if err := s.RevokeAPIKey(ctx, id, "cli"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Revoked API key %d.\n", id)
	default:
		return fmt.Errorf("unknown apikey subcommand %q: create, list or revoke", sub)
	}
	return nil
}

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("user needs a subcommand: create")
	}
	fs, read := flags("user create", stderr, getenv)
	email := fs.String("email", "", "the user's email, used to log in")
	name := fs.String("name", "", "the user's name")
	role := fs.String("role", store.RoleAdmin, "admin, marketer, sales, agent or read_only")
	cfg, err := parse(fs, read, args[1:])
	if err != nil {
		return err
	}
	e, err := contact.NormalizeEmail(*email)
	if err != nil {
		return errors.New("--email must be a valid email address")
	}
	r, ok := store.RoleNamed(*role)
	if !ok {
		return fmt.Errorf("--role must be one of %s", strings.Join(store.Roles, ", "))
	}
	*role = r
	fmt.Fprint(stderr, "Password (at least 10 characters), then Enter: ")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("no password given on standard input")
	}
	hash, err := auth.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		return fmt.Errorf("password %v", err)
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, store.User{Email: e, Name: strings.TrimSpace(*name), Role: *role, PasswordHash: hash}, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nCreated user %d %s with role %s.\n", u.ID, u.Email, u.Role)
	return nil
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs, read := flags("backup", stderr, getenv)
	cfg, err := parse(fs, read, args)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("backup needs the file to write: lodestone backup FILE")
	}
	if cfg.DatabaseURL != "" {
		// Refused before the store is opened, which would migrate the database.
		return errors.New("backup copies the embedded SQLite database; for PostgreSQL use pg_dump")
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote a consistent copy of the database to %s.\n", fs.Arg(0))
	return nil
}
