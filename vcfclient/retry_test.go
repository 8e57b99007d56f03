package vcfclient

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTransient(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"503", &APIError{StatusCode: 503}, true},
		{"500", &APIError{StatusCode: 500}, true},
		{"429", &APIError{StatusCode: 429}, true},
		{"408", &APIError{StatusCode: 408}, true},
		{"400", &APIError{StatusCode: 400}, false},
		{"401", &APIError{StatusCode: 401}, false},
		{"404", &APIError{StatusCode: 404}, false},
		{"rejected credentials", &AuthError{Username: "u", StatusCode: 401, Err: &APIError{StatusCode: 401}}, false},
		{"garbled body", &DecodeError{Err: io.ErrUnexpectedEOF}, true},
		{"refused", fmt.Errorf("vcfclient: GET /v1/domains: %w", refused), true},
		{"EOF", fmt.Errorf("vcfclient: GET /v1/domains: %w", io.EOF), true},
		{"deadline", context.DeadlineExceeded, true},
		{"cancelled", context.Canceled, false},
		{"untrusted certificate", fmt.Errorf("vcfclient: GET /v1/domains: %w", x509.UnknownAuthorityError{}), false},
		{"unforeseen", errors.New("something nobody foresaw"), false},
		{"nil", nil, false},
	} {
		assert.Equal(t, tc.want, Transient(tc.err), tc.name)
	}
}

// Once the ceiling reaches the maximum the delays still spread below it:
// exporters retrying a long outage do not fall into lock-step.
func TestBackoffSpreadsAtTheCap(t *testing.T) {
	atMax := 0
	for range 200 {
		d := jitteredBackoff(20, 100*time.Millisecond, time.Second)
		assert.GreaterOrEqual(t, d, 50*time.Millisecond)
		assert.LessOrEqual(t, d, time.Second)
		if d == time.Second {
			atMax++
		}
	}
	assert.Less(t, atMax, 10)
}
