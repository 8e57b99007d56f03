//go:build unix

package actions

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes an exclusive lock on dir/.lock so that two exporters never
// drive the same workflows. The kernel releases it when the process dies.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("actions: storage directory %s is in use by another vcf_exporter", dir)
		}
		return nil, fmt.Errorf("actions: locking %s: %w", dir, err)
	}
	return func() { _ = f.Close() }, nil // closing releases the lock
}

// StorageLockSupported is nil where --storage.path can be locked, which
// the workflow needs before actions can be enabled.
func StorageLockSupported() error { return nil }
