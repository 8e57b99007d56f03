//go:build !race

package vcfsim

const raceEnabled = false
