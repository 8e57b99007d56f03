package actions

import (
	"context"
	"errors"
	"fmt"
)

// Domain errors of the engine's operations. The HTTP API maps them to
// status codes in one place (httpapi's httpStatus); other errors are 500.
var (
	ErrNotFound         = errors.New("not found")          // 404
	ErrInvalid          = errors.New("invalid request")    // 400
	ErrConflict         = errors.New("conflict")           // 409
	ErrNothingToUpgrade = errors.New("nothing to upgrade") // 422: no applicable version
	ErrNotStarted       = errors.New("engine not started") // 503
)

// opError is a domain error with its message for the user.
type opError struct {
	kind error
	msg  string
}

func (e *opError) Error() string { return e.msg }

func (e *opError) Unwrap() error { return e.kind }

// fail returns a domain error of kind with a message for the user.
func fail(kind error, format string, args ...any) error {
	return &opError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// RemoteError is SDDC Manager failing an operation's call.
type RemoteError struct {
	What string
	Err  error
}

func (e *RemoteError) Error() string {
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return e.What + ": SDDC Manager did not answer in time"
	}
	return e.What + ": " + e.Err.Error()
}

func (e *RemoteError) Unwrap() error { return e.Err }

func remoteErr(what string, err error) error { return &RemoteError{What: what, Err: err} }
