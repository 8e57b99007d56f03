// Package syncbuf holds a bytes buffer that is safe for concurrent use: the
// log of /probe?debug=true, and the output the tests collect from loggers
// and processes.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer collects a process' or logger's output; safe to read while it is
// being written from other goroutines.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
