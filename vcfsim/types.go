package vcfsim

// JSON shapes of the VCF 5.2.1 and 9.0.2 APIs (components.schemas in the
// OpenAPI files), limited to the fields the simulator fills. Fields only one
// version has are omitempty and set by that version only. This file holds
// the shapes every area shares (errors, pages, references, resources); the
// types_*.go files hold those of one API area each.

type apiError struct {
	ErrorCode          string            `json:"errorCode"`
	ErrorType          string            `json:"errorType,omitempty"`
	Arguments          []string          `json:"arguments,omitempty"`
	Context            map[string]string `json:"context,omitempty"`
	Message            string            `json:"message"`
	RemediationMessage string            `json:"remediationMessage,omitempty"`
	ReferenceToken     string            `json:"referenceToken,omitempty"`
}

type pageMetadata struct {
	PageNumber    int `json:"pageNumber"`
	PageSize      int `json:"pageSize"`
	TotalElements int `json:"totalElements"`
	TotalPages    int `json:"totalPages"`
}

type page[T any] struct {
	Elements     []T           `json:"elements"`
	PageMetadata *pageMetadata `json:"pageMetadata,omitempty"`
}

func newPage[T any](elems []T) page[T] {
	if elems == nil {
		elems = []T{}
	}
	return page[T]{Elements: elems, PageMetadata: &pageMetadata{
		PageNumber: 0, PageSize: len(elems), TotalElements: len(elems), TotalPages: 1,
	}}
}

type ref struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

type resourceJSON struct {
	ResourceID string `json:"resourceId"`
	FQDN       string `json:"fqdn,omitempty"`
	Type       string `json:"type"`
	Name       string `json:"name,omitempty"`
}
