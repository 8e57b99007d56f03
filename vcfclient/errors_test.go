package vcfclient

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The status helpers read SDDC Manager's answer through wrapping, so the
// workflow never compares HTTP codes itself.
func TestStatusHelpers(t *testing.T) {
	api := func(code int) error {
		return fmt.Errorf("requesting: %w", &APIError{Method: "POST", Endpoint: "/v1/upgrades", StatusCode: code})
	}
	for _, tc := range []struct {
		err                                 error
		notFound, conflict, badRequest, den bool
	}{
		{api(404), true, false, false, false},
		{api(409), false, true, false, false},
		{api(400), false, false, true, false},
		{api(401), false, false, false, true},
		{api(403), false, false, false, true},
		{api(500), false, false, false, false},
		{fmt.Errorf("login: %w", ErrUnauthorized), false, false, false, true},
		{errors.New("connection refused"), false, false, false, false},
		{nil, false, false, false, false},
	} {
		assert.Equal(t, tc.notFound, IsNotFound(tc.err), "%v", tc.err)
		assert.Equal(t, tc.conflict, IsConflict(tc.err), "%v", tc.err)
		assert.Equal(t, tc.badRequest, IsBadRequest(tc.err), "%v", tc.err)
		assert.Equal(t, tc.den, IsDenied(tc.err), "%v", tc.err)
	}
}
