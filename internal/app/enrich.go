package app

func (a *App) enrichFeature() feature { return feature{} }
