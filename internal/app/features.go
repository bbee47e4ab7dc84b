package app

import (
	"context"

	"github.com/lodestone-hq/lodestone/internal/jobs"
)

// A feature is an area of the product that works in the background: the durable
// jobs it handles and, optionally, a loop that runs until ctx ends.
type feature struct {
	jobs map[string]jobs.Handler
	run  func(ctx context.Context)
}

// features are the background parts of each area, each kept in its own file.
func (a *App) features() []feature {
	return []feature{a.scoringFeature(), a.segmentFeature(), a.enrichFeature(), a.predictFeature(), a.captureFeature(), a.reportFeature()}
}
