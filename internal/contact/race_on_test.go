//go:build race

package contact

// raceEnabled is set when the tests run under the race detector.
const raceEnabled = true
