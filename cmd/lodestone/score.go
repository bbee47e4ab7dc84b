package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/predict"
)

const scoreUsage = `Usage:
  lodestone score train [--features N]   trains the predictive score on the contacts whose
                                         outcome is known, scores every contact, and prints
                                         the holdout AUC and the strongest features
`

// cmdScore runs "lodestone score train".
func cmdScore(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "train" {
		fmt.Fprint(stderr, scoreUsage)
		return errors.New(`say "score train"`)
	}
	fs, read := flags("score train", stderr, getenv)
	top := fs.Int("features", 10, "how many of the strongest features to print")
	cfg, err := parse(fs, read, args[1:])
	if err != nil {
		return err
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	// The model learns from enriched profiles: bring enrichment up to date first.
	e := &app.Enrichment{Store: s, Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	enriched := 0
	for {
		n, err := e.Round(ctx)
		if err != nil {
			return fmt.Errorf("enrichment: %w", err)
		}
		if n == 0 {
			break
		}
		enriched += n
	}
	if enriched > 0 {
		fmt.Fprintf(stdout, "Enriched %d contacts and companies first.\n", enriched)
	}
	pm, err := app.TrainPredictive(ctx, s, "cli")
	var refusal *predict.RefusalError
	if errors.As(err, &refusal) {
		fmt.Fprintln(stdout, refusal.Error())
		return errors.New("not trained: too few known outcomes")
	}
	if err != nil {
		return err
	}
	m := pm.Model
	auc := "not measured (the holdout lacks customers or lost contacts)"
	if m.AUC != nil {
		auc = fmt.Sprintf("%.3f", *m.AUC)
	}
	fmt.Fprintf(stdout, "Model %d: %d known outcomes (%d customers, %d disqualified or lost); trained on %d, holdout of the latest %d.\n",
		pm.ID, m.Trained+m.Holdout, m.Positives, m.Negatives, m.Trained, m.Holdout)
	fmt.Fprintf(stdout, "Holdout AUC: %s\n\nStrongest features (log-odds; numbers per standard deviation):\n", auc)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, w := range m.Strongest(*top) {
		name := w.Feature
		if w.Value != "" {
			name += " = " + w.Value
		}
		fmt.Fprintf(tw, "  %s\t%+.3f\n", name, w.Weight)
	}
	return tw.Flush()
}
