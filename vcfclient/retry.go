package vcfclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryableStatus reports the statuses after which a GET is retried: the
// server (or a proxy in front of it) says "not now", not "no".
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
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
		if retryAfter > c.cfg.MaxRetryAfter {
			return c.cfg.MaxRetryAfter
		}
		return retryAfter
	}
	return jitteredBackoff(attempt, c.cfg.RetryBaseDelay, c.cfg.RetryMaxDelay)
}

func jitteredBackoff(attempt int, base, maxDelay time.Duration) time.Duration {
	d := base
	for i := 0; i < attempt && d < maxDelay; i++ {
		d *= 2
	}
	if d > maxDelay {
		d = maxDelay
	}
	lo := base / 2
	if d <= lo {
		return d
	}
	return lo + rand.N(d-lo+1)
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
