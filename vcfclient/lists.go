package vcfclient

import (
	"context"
	"fmt"
	"net/http"

	json "github.com/goccy/go-json"
)

// The wire side shared by every endpoint family (inventory, upgrades,
// releases): get fetches one object, decodePage streams the elements of
// one page of a list. Walking the pages of a list is in paging.go.

// pageMeta is the PageMetadata schema.
type pageMeta struct {
	PageNumber    int  `json:"pageNumber"`
	PageSize      int  `json:"pageSize"`
	TotalElements *int `json:"totalElements"` // nil when absent: nothing to cross-check by
	TotalPages    int  `json:"totalPages"`
	// present is false when the body had no pageMetadata (a bare array,
	// or an object without it): nothing to page or cross-check by.
	present bool
}

// decodePage walks a Page* body ({"elements":[...],"pageMetadata":{...}})
// token by token and decodes the elements one at a time into a W that is
// reused, handing each to fn, which must not keep the pointer. Only one
// element is ever held in memory, and W declares only the fields we keep,
// so the rest of each element is scanned but never allocated. A bare JSON
// array is accepted too (some SDDC Manager versions answer so).
func decodePage[W any](dec *json.Decoder, fn func(*W) error) (pageMeta, error) {
	var meta pageMeta
	tok, err := dec.Token()
	if err != nil {
		return meta, err
	}
	switch tok {
	case json.Delim('['):
		return meta, decodeElements(dec, fn)
	case json.Delim('{'):
	default:
		return meta, fmt.Errorf("expected a page object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return meta, err
		}
		key, _ := tok.(string)
		switch key {
		case "elements":
			tok, err := dec.Token()
			if err != nil {
				return meta, err
			}
			if tok == nil { // "elements": null
				continue
			}
			if tok != json.Delim('[') {
				return meta, fmt.Errorf("elements: expected an array, got %v", tok)
			}
			if err := decodeElements(dec, fn); err != nil {
				return meta, err
			}
		case "pageMetadata":
			var m *pageMeta
			if err := dec.Decode(&m); err != nil {
				return meta, fmt.Errorf("pageMetadata: %w", err)
			}
			if m != nil {
				meta = *m
				meta.present = true
			}
		default:
			if err := skipValue(dec); err != nil {
				return meta, err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // closing '}'
		return meta, err
	}
	return meta, nil
}

// decodeElements decodes array elements up to and including the closing ']'.
func decodeElements[W any](dec *json.Decoder, fn func(*W) error) error {
	var w W
	for i := 0; dec.More(); i++ {
		var zero W
		w = zero
		if err := dec.Decode(&w); err != nil {
			return fmt.Errorf("elements[%d]: %w", i, err)
		}
		if err := fn(&w); err != nil {
			return fmt.Errorf("elements[%d]: %w", i, err)
		}
	}
	_, err := dec.Token() // ']'
	return err
}

// skipValue consumes one JSON value of any shape.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// get fetches one object from endpoint (with {id} replaced by id) and
// converts it.
func get[W, M any](ctx context.Context, c *Client, endpoint, id string, conv func(*W) (M, error)) (*M, error) {
	if id == "" {
		return nil, fmt.Errorf("vcfclient: %s: empty id", endpoint)
	}
	req := newRequest(http.MethodGet, endpoint, id)
	var w W
	if err := c.do(ctx, req, decodeInto(&w)); err != nil {
		return nil, err
	}
	m, err := conv(&w)
	if err != nil {
		return nil, &DecodeError{Method: req.method, Endpoint: req.endpoint, Err: err}
	}
	c.noteDropped(endpoint, &w)
	return &m, nil
}
