package vcfclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const (
	endpointReleases           = "/v1/releases"
	endpointDomainReleaseViews = "/v1/releases/domains"
	endpointDomainReleaseView  = "/v1/releases/domains/{domainId}"
	endpointFutureReleases     = "/v1/releases/domains/{domainId}/future-releases"
	endpointReleaseValidations = "/v1/releases/domains/{domainId}/validations"
	endpointReleaseValidation  = "/v1/releases/domains/validations/{validationId}"
)

// releaseWire decodes both Release and DomainFutureRelease: Release
// declares exactly the fields we keep with the API's names, and the skipped
// fields (sku, updates, ...) are never allocated.
type releaseWire = Release

func keepRelease(w *releaseWire) (Release, error) { return *w, nil }

// Releases lists the releases of a domain (GET /v1/releases?domainId=). The
// first element is the domain's current release.
func (c *Client) Releases(ctx context.Context, domainID string) ([]Release, error) {
	req := newRequest(http.MethodGet, endpointReleases)
	if domainID != "" {
		req.query = url.Values{"domainId": {domainID}}
	}
	return list(ctx, c, req, keepRelease)
}

// FutureReleases lists the releases a domain could be upgraded to, with their
// applicability (GET /v1/releases/domains/{domainId}/future-releases).
func (c *Client) FutureReleases(ctx context.Context, domainID string) ([]Release, error) {
	if domainID == "" {
		return nil, errors.New("vcfclient: FutureReleases: empty domain id")
	}
	req := newRequest(http.MethodGet, endpointFutureReleases, domainID)
	return list(ctx, c, req, keepRelease)
}

// DomainReleaseViews returns the release view of every domain (GET
// /v1/releases/domains).
func (c *Client) DomainReleaseViews(ctx context.Context) ([]DomainReleaseView, error) {
	return list(ctx, c, newRequest(http.MethodGet, endpointDomainReleaseViews), keep[DomainReleaseView])
}

// DomainReleaseView returns a domain's target release (GET
// /v1/releases/domains/{domainId}).
func (c *Client) DomainReleaseView(ctx context.Context, domainID string) (*DomainReleaseView, error) {
	return get(ctx, c, endpointDomainReleaseView, domainID, keep[DomainReleaseView])
}

// SetTargetRelease sets a domain's target release (PATCH
// /v1/releases/domains/{domainId}). Not retried (except after a 401).
func (c *Client) SetTargetRelease(ctx context.Context, domainID string, r DomainRelease) error {
	if domainID == "" {
		return errors.New("vcfclient: SetTargetRelease: empty domain id")
	}
	req := newRequest(http.MethodPatch, endpointDomainReleaseView, domainID)
	req.body = r
	return c.do(ctx, req, nil)
}

// ValidateRelease starts the validation of a domain's target release (POST
// /v1/releases/domains/{domainId}/validations). Not retried (except after a
// 401).
func (c *Client) ValidateRelease(ctx context.Context, domainID string, r DomainRelease) (*Validation, error) {
	if domainID == "" {
		return nil, errors.New("vcfclient: ValidateRelease: empty domain id")
	}
	req := newRequest(http.MethodPost, endpointReleaseValidations, domainID)
	req.body = r
	var v Validation
	if err := c.do(ctx, req, decodeInto(&v)); err != nil {
		return nil, err
	}
	return &v, nil
}

// Validation polls a release validation (GET
// /v1/releases/domains/validations/{validationId}).
func (c *Client) Validation(ctx context.Context, validationID string) (*Validation, error) {
	return get(ctx, c, endpointReleaseValidation, validationID, keep[Validation])
}

// ---- versions ----

// parseVersion parses the dotted numeric part of a VCF version. A build
// suffix after '-' or '+' ("5.2.0.0-24108943") is ignored: VCF orders
// releases by the dotted part only.
func parseVersion(v string) ([]uint64, error) {
	s := strings.TrimSpace(v)
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return nil, fmt.Errorf("vcfclient: invalid version %q", v)
	}
	parts := strings.Split(s, ".")
	out := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("vcfclient: invalid version %q", v)
		}
		out[i] = n
	}
	return out, nil
}

// MajorVersion returns the first number of a version ("9" for
// "9.0.0.0-24703748"), or "" when v is not a version.
func MajorVersion(v string) string {
	p, err := parseVersion(v)
	if err != nil {
		return ""
	}
	return strconv.FormatUint(p[0], 10)
}

// CompareVersions compares two VCF versions numerically, dot by dot
// ("5.10.0.0" > "5.9.1.0"), missing components counting as 0 ("5.2" ==
// "5.2.0.0"). Build suffixes ("-24108943") are ignored. It returns -1, 0 or
// +1, or an error when either is not a version.
func CompareVersions(a, b string) (int, error) {
	va, err := parseVersion(a)
	if err != nil {
		return 0, err
	}
	vb, err := parseVersion(b)
	if err != nil {
		return 0, err
	}
	for i := 0; i < max(len(va), len(vb)); i++ {
		var x, y uint64
		if i < len(va) {
			x = va[i]
		}
		if i < len(vb) {
			y = vb[i]
		}
		switch {
		case x < y:
			return -1, nil
		case x > y:
			return 1, nil
		}
	}
	return 0, nil
}

// UpgradePaths returns the releases current can be upgraded to, lowest
// first: applicabilityStatus APPLICABLE, isApplicable, version > current,
// and current >= minCompatibleVcfVersion when the release has one. VCF 9
// makes minCompatibleVcfVersion optional; without it the applicability
// SDDC Manager computed for the domain is all we rely on. Releases with unparsable versions
// are skipped (an unparsable current gives no paths): offering an upgrade we
// cannot order is worse than offering none.
func UpgradePaths(current string, rs []Release) []Release {
	if _, err := parseVersion(current); err != nil {
		return nil
	}
	var out []Release
	for _, r := range rs {
		if r.ApplicabilityStatus != "APPLICABLE" || !r.IsApplicable {
			continue
		}
		newer, err := CompareVersions(r.Version, current)
		if err != nil || newer <= 0 {
			continue
		}
		// An unparsable minCompatibleVcfVersion skips the release like
		// any unparsable version.
		if r.MinCompatibleVcfVersion != "" {
			if ok, err := CompareVersions(current, r.MinCompatibleVcfVersion); err != nil || ok < 0 {
				continue
			}
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Release) int {
		n, _ := CompareVersions(a.Version, b.Version) // both parsed above
		return n
	})
	return out
}

// NextRelease returns the lowest upgrade path from current, if any.
func NextRelease(current string, rs []Release) (Release, bool) {
	p := UpgradePaths(current, rs)
	if len(p) == 0 {
		return Release{}, false
	}
	return p[0], true
}
