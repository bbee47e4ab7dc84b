package app

func (a *App) segmentFeature() feature { return feature{} }
