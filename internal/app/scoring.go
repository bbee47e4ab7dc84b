package app

func (a *App) scoringFeature() feature { return feature{} }
