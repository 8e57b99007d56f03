package vcfclient

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrUnauthorized is matched (errors.Is) by every error caused by the SDDC
// Manager rejecting the configured credentials. Callers use it to tell a
// configuration problem (fix the password) from a transient failure.
var ErrUnauthorized = errors.New("vcfclient: SDDC Manager rejected the credentials")

// AuthError is returned when a login fails because of the credentials, or
// when a login is refused locally because a recent login failed and the
// back-off has not elapsed yet (RetryAfter tells when the next attempt is
// allowed). It never contains the password or any token.
type AuthError struct {
	Username   string
	StatusCode int       // HTTP status of the failed login; 0 when refused locally
	RetryAfter time.Time // earliest time the client will try to log in again
	Err        error     // the underlying *APIError when the server answered
}

func (e *AuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "vcfclient: login as %q failed", e.Username)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
	} else {
		b.WriteString(" (not retried: recent login failure)")
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if !e.RetryAfter.IsZero() {
		fmt.Fprintf(&b, "; next login attempt not before %s", e.RetryAfter.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrUnauthorized) true for every AuthError.
func (e *AuthError) Is(target error) bool { return target == ErrUnauthorized }

func (e *AuthError) Unwrap() error { return e.Err }

// APIError is a non-2xx answer from the SDDC Manager. The fields after
// Endpoint come from the API's Error body when there is one; a body that is
// not an Error (a proxy's HTML page, for instance) leaves them empty.
type APIError struct {
	StatusCode         int
	Method             string
	Endpoint           string // path template, e.g. "/v1/hosts/{id}"
	ErrorCode          string
	ErrorType          string
	Message            string
	RemediationMessage string
	ReferenceToken     string
	// Nested holds the API's nestedErrors, when the error is a composite one.
	Nested []ErrorDetail
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "vcfclient: %s %s: HTTP %d", e.Method, e.Endpoint, e.StatusCode)
	if e.ErrorCode != "" {
		fmt.Fprintf(&b, " %s", e.ErrorCode)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RemediationMessage != "" {
		fmt.Fprintf(&b, " (remediation: %s)", e.RemediationMessage)
	}
	if e.ReferenceToken != "" {
		fmt.Fprintf(&b, " [reference %s]", e.ReferenceToken)
	}
	return b.String()
}

// IsNotFound reports whether err is an APIError with status 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether SDDC Manager answered 409 Conflict.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsBadRequest reports whether SDDC Manager answered 400 Bad Request.
func IsBadRequest(err error) bool { return hasStatus(err, http.StatusBadRequest) }

// IsDenied reports whether SDDC Manager refused the credentials or the
// privilege: an answer of 401 or 403, or a login that failed
// (ErrUnauthorized).
func IsDenied(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden
	}
	return errors.Is(err, ErrUnauthorized)
}

func hasStatus(err error, code int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == code
}

// DecodeError is returned when a response body cannot be decoded: invalid
// JSON, a truncated body, an unexpected shape or an unknown unit.
type DecodeError struct {
	Method   string
	Endpoint string
	Err      error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("vcfclient: %s %s: cannot decode response: %v", e.Method, e.Endpoint, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ErrorDetail is the API's Error schema, as found inside tasks, validations,
// upgradables and check-set results.
type ErrorDetail struct {
	ErrorCode          string            `json:"errorCode,omitempty"`
	ErrorType          string            `json:"errorType,omitempty"`
	Arguments          []string          `json:"arguments,omitempty"`
	Context            map[string]string `json:"context,omitempty"`
	Message            string            `json:"message,omitempty"`
	RemediationMessage string            `json:"remediationMessage,omitempty"`
	Causes             []ErrorCause      `json:"causes,omitempty"`
	NestedErrors       []ErrorDetail     `json:"nestedErrors,omitempty"`
	ReferenceToken     string            `json:"referenceToken,omitempty"`
	// Notifications (VCF 9.1) are the readable results of a pre-check.
	Notifications []Notification `json:"notifications,omitempty"`
}

// Notification is the API's ValidationNotification schema (VCF 9.1).
type Notification struct {
	Severity      string `json:"severity"` // INFO, ERROR, WARNING
	Message       string `json:"message"`
	ImpactMessage string `json:"impactMessage,omitempty"`
}

// ErrorCause is the API's ErrorCause schema.
type ErrorCause struct {
	Type    string `json:"type,omitempty"`
	Message string `json:"message,omitempty"`
}

// Failure explains in a few words why a call failed, for logs: whether the
// SDDC Manager could not be reached at all or answered something unusable.
func Failure(err error) string {
	var (
		de *DecodeError
		ae *APIError
		le *ListError
	)
	switch {
	case errors.As(err, &le):
		return "SDDC Manager's list does not add up"
	case errors.Is(err, ErrUnauthorized):
		return "SDDC Manager rejected the credentials"
	case errors.As(err, &de):
		return "SDDC Manager sent a response that cannot be decoded"
	case errors.As(err, &ae):
		return "SDDC Manager answered with an error"
	case isCertificateError(err):
		return "SDDC Manager's certificate is not trusted"
	default:
		return "SDDC Manager unreachable"
	}
}
