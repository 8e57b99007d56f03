// Package testutil holds helpers shared by the project's tests.
package testutil

import "github.com/vcf-exporter/vcf_exporter/internal/syncbuf"

// Buffer collects a process' or logger's output; safe to read while it is
// being written from other goroutines.
type Buffer = syncbuf.Buffer
