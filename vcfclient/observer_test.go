package vcfclient

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingObserver records what an InventoryObserver is shown.
type recordingObserver struct {
	lists  int
	hosts  []string
	resets int
}

func (o *recordingObserver) Lists(*Inventory) { o.lists++ }
func (o *recordingObserver) Host(h *Host)     { o.hosts = append(o.hosts, h.ID) }
func (o *recordingObserver) Reset()           { o.hosts, o.resets = nil, o.resets+1 }

// TestInventoryObserved: the observer sees every host the list keeps, once,
// in order, and the other lists before the fetch ends; a walk that did not
// add up (its second page lost a host) is
// voided by a Reset and the hosts of the second walk are shown.
func TestInventoryObserved(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", staticJSON(page(map[string]any{"id": "d1", "name": "mgmt"})))
	f.handle("GET /v1/clusters", staticJSON(page()))
	f.handle("GET /v1/sddc-managers", staticJSON(page()))
	var requests atomic.Int32
	f.handle("GET /v1/hosts", func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
		el := []any{map[string]any{"id": fmt.Sprintf("h%d-a", p)}, map[string]any{"id": fmt.Sprintf("h%d-b", p)}}
		if requests.Add(1) == 2 {
			el = el[:1] // the first walk's second page lost a host
		}
		writeJSON(w, 200, map[string]any{"elements": el, "pageMetadata": map[string]int{"pageNumber": p, "pageSize": 2, "totalElements": 4, "totalPages": 2}})
	})
	obs := &recordingObserver{}
	inv, err := f.client(t).InventoryObserved(context.Background(), obs)
	require.NoError(t, err)
	var ids []string
	for _, h := range inv.Hosts {
		ids = append(ids, h.ID)
	}
	assert.Equal(t, []string{"h0-a", "h0-b", "h1-a", "h1-b"}, ids)
	assert.Equal(t, ids, obs.hosts, "the first walk is not seen in the end")
	assert.Equal(t, 1, obs.resets)
	assert.Equal(t, 1, obs.lists)
	assert.EqualValues(t, 4, requests.Load(), "two walks of two pages")
}
