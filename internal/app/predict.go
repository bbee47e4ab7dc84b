package app

func (a *App) predictFeature() feature { return feature{} }
