package main

import (
	"context"
	"io"

	"github.com/lodestone-hq/lodestone/internal/app"
)

func loadDemo(ctx context.Context, a *app.App, stdout io.Writer) error {
	return nil
}
