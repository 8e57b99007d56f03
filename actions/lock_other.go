//go:build !unix

package actions

import "errors"

// errNoLock: without flock two exporters could drive the same workflows and
// send an upgrade twice, so actions are refused here.
var errNoLock = errors.New("actions: this platform has no exclusive lock for --storage.path (flock); the upgrade workflow needs one to never send an upgrade twice, so /actions cannot be enabled here")

func lockDir(string) (func(), error) { return nil, errNoLock }

// StorageLockSupported is nil where --storage.path can be locked, which
// the workflow needs before actions can be enabled.
func StorageLockSupported() error { return errNoLock }
