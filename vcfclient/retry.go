package vcfclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jpillora/backoff"
)

// Transient reports whether a call that failed with err may succeed if made
// again later, without anyone changing anything: SDDC Manager is overloaded
// or restarting (HTTP 408, 429 and every 5xx), it cannot be reached
// (connection refused or reset, no route, DNS, timeouts, a deadline that ran
// out), or its answer broke off or is garbled (what a restarting appliance
// sends). Everything else is not transient: an untrusted certificate, a
// cancelled context, rejected credentials and every other API answer fail
// the same way the next time, and an error nobody foresaw is better shown
// than retried for hours.
func Transient(err error) bool {
	var (
		ae *APIError
		de *DecodeError
		ne net.Error
	)
	switch {
	case err == nil, errors.Is(err, context.Canceled), isCertificateError(err):
		return false
	case errors.As(err, &ae):
		return ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode == http.StatusRequestTimeout
	case errors.As(err, &de):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	case errors.As(err, &ne):
		return true
	}
	return false
}

// retryNow reports whether the client retries, within the same call, an
// attempt that failed with err after the server answered status (0: no
// answer). Only the transient failures that pass in seconds: the network,
// and the statuses that mean "not now" (429, 502, 503, 504). A 500, a 408
// or a garbled answer last as long as a restart does, minutes, beyond one
// call's deadline: riding those out is for a caller with hours to spare,
// the upgrade workflow.
func retryNow(err error, status int) bool {
	if !Transient(err) {
		return false
	}
	switch status {
	case 0, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff returns the delay before retry number attempt+1. Retry-After wins
// when the server sent one (capped by MaxRetryAfter). Otherwise it is "full
// jitter" exponential back-off: a random delay in [base/2, base*2^attempt],
// capped, so that many exporters hitting the same recovering SDDC Manager do
// not retry in lock-step.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, c.cfg.MaxRetryAfter)
	}
	return jitteredBackoff(attempt, c.cfg.RetryBaseDelay, c.cfg.RetryMaxDelay)
}

func jitteredBackoff(attempt int, base, maxDelay time.Duration) time.Duration {
	b := backoff.Backoff{Min: max(base/2, 1), Max: maxDelay, Factor: 2, Jitter: true}
	// The upper bound of the random delay is Min*2^n. Capping n where that
	// reaches maxDelay, rather than capping the delay drawn, keeps the
	// delays spread over [base/2, maxDelay] once the cap is reached instead
	// of piling up on maxDelay, in lock-step again.
	n := min(float64(attempt+1), math.Log2(float64(maxDelay)/float64(b.Min)))
	return b.ForAttempt(n)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// Garbage and past dates give 0 (use the normal back-off).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// isCertificateError reports whether err is a TLS certificate verification
// failure (unknown authority, wrong host name, expired certificate).
func isCertificateError(err error) bool {
	var verr *tls.CertificateVerificationError
	var uerr x509.UnknownAuthorityError
	var herr x509.HostnameError
	var ierr x509.CertificateInvalidError
	return errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &ierr)
}
