// Package httpx holds small net/http helpers shared by the exporter's
// handlers and the simulator.
package httpx

import "net/http"

// StatusRecorder records the status code a handler answers with, for
// request and audit logs. Unwrap lets http.ResponseController reach Flush
// and Hijack underneath.
type StatusRecorder struct {
	http.ResponseWriter
	// Status is the code written first; 0 until the handler writes.
	Status int
}

func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
