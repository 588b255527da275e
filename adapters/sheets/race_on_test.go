//go:build race

package sheets

// raceEnabled skips the tests that take too long under the race detector.
const raceEnabled = true
