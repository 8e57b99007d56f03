//go:build race

package vcfsim

// raceEnabled skips the 10,000-host tests: the race detector makes them
// ten times slower and they test speed, not concurrency.
const raceEnabled = true
