//go:build !unix

package actions

// lockDir is a no-op where flock is not available.
func lockDir(dir string) (func(), error) { return func() {}, nil }
