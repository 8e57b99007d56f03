package vcfsim

import (
	"fmt"
	"net/http"
	"testing"
)

// pagingCase is one generation of paging played by the simulator.
type pagingCase struct {
	name    string
	version string // spec the answers are validated against
	paging  paging // nil: the version's
	number  string // page number parameter the generation documents
	size    string
}

var pagingCases = []pagingCase{
	{name: "5.2.1", version: VCF521},
	{name: "9.0.2", version: VCF902, number: "page", size: "size"},
	{name: "9.1", version: VCF910, number: "pageNumber", size: "pageSize"},
}

type idPage struct {
	Elements     []struct{ ID string } `json:"elements"`
	PageMetadata pageMetadata          `json:"pageMetadata"`
}

// TestPagingWalk: in each generation, with either numbering and a capped
// page, walking a list by its generation's parameters yields every
// element once, and each page is valid in the generation's reference.
func TestPagingWalk(t *testing.T) {
	for _, pc := range pagingCases {
		t.Run(pc.name, func(t *testing.T) {
			doc := loadSpec(t, pc.version)
			for _, base := range []int{0, 1} {
				for _, limit := range []int{0, 5} {
					cfg := fastConfig()
					cfg.VCFVersion = VCF902
					if pc.version == VCF521 {
						cfg.VCFVersion = VCF521
					}
					cfg.paging, cfg.PageBase, cfg.MaxPageSize = pc.paging, base, limit
					c := startServer(t, cfg).login()
					cf := &conformance{t: t, c: c, doc: doc, errSch: doc.Components.Schemas["Error"].Value, covered: map[string]bool{}}
					want := map[string]int{pathHosts: 26, pathDomains: 3, pathClusters: 6}
					for _, path := range []string{pathHosts, pathDomains, pathClusters} {
						l, paged := c.srv.Sim.paging[path]
						seen := map[string]bool{}
						var first idPage
						mustJSON(t, cf.check("GET", path, path, nil, 200), &first)
						if first.PageMetadata.PageNumber != base || first.PageMetadata.TotalElements != want[path] {
							t.Fatalf("base %d cap %d %s: first page %+v", base, limit, path, first.PageMetadata)
						}
						pages := first.PageMetadata.TotalPages
						if !paged && (pages != 1 || len(first.Elements) != want[path]) {
							t.Fatalf("%s is not paged here, got %+v", path, first.PageMetadata)
						}
						if paged && limit > 0 && len(first.Elements) > limit {
							t.Fatalf("%s: %d elements on a page capped at %d", path, len(first.Elements), limit)
						}
						for _, e := range first.Elements {
							seen[e.ID] = true
						}
						for i := 1; paged && i < pages; i++ {
							var p idPage
							// The size served first, as a client learns it.
							q := fmt.Sprintf("%s?%s=%d&%s=%d", path, l.number[0], base+i, l.size[0], len(first.Elements))
							mustJSON(t, cf.check("GET", path, q, nil, 200), &p)
							if p.PageMetadata.PageNumber != base+i {
								t.Fatalf("%s: page %+v", q, p.PageMetadata)
							}
							for _, e := range p.Elements {
								if seen[e.ID] {
									t.Fatalf("%s: %s on two pages", q, e.ID)
								}
								seen[e.ID] = true
							}
						}
						if len(seen) != want[path] {
							t.Fatalf("base %d cap %d %s: walked %d, want %d", base, limit, path, len(seen), want[path])
						}
						if paged {
							for _, q := range []string{l.number[0] + "=" + fmt.Sprint(base-1), l.size[0] + "=0", l.number[0] + "=x"} {
								cf.check("GET", path, path+"?"+q, nil, http.StatusBadRequest)
							}
						}
					}
				}
			}
		})
	}
}

// TestPaging91DeprecatedNames: 9.1 still reads page/size on /v1/hosts,
// and pageNumber/pageSize win when both are sent.
func TestPaging91DeprecatedNames(t *testing.T) {
	cfg := fastConfig()
	cfg.paging = paging910
	c := startServer(t, cfg).login()
	var def, old, both idPage
	c.get("/v1/hosts", &def)
	c.get("/v1/hosts?page=1&size=3", &old)
	c.get("/v1/hosts?page=5&size=3&pageNumber=1&pageSize=4", &both)
	if len(def.Elements) != 20 || def.PageMetadata.TotalPages != 2 {
		t.Errorf("default page: %d hosts, %+v", len(def.Elements), def.PageMetadata)
	}
	if len(old.Elements) != 3 || old.PageMetadata.PageNumber != 1 || old.Elements[0].ID != def.Elements[3].ID {
		t.Errorf("page/size: %+v", old)
	}
	if len(both.Elements) != 4 || both.PageMetadata.PageNumber != 1 || both.Elements[0].ID != def.Elements[4].ID {
		t.Errorf("both names: %+v", both)
	}
}

// TestPagingLies: TotalElementsLie shifts every inventory list's total;
// ShiftNextPage moves one later page once.
func TestPagingLies(t *testing.T) {
	cfg := fastConfig()
	cfg.paging, cfg.TotalElementsLie = paging910, -2
	c := startServer(t, cfg).login()
	var doms, p1, p2, again idPage
	c.get("/v1/domains", &doms)
	if doms.PageMetadata.TotalElements != 1 {
		t.Errorf("domains total %d, want 3-2", doms.PageMetadata.TotalElements)
	}
	c.get("/v1/hosts?pageNumber=1&pageSize=5", &p1)
	c.srv.Sim.ShiftNextPage(1)
	c.get("/v1/hosts?pageNumber=0&pageSize=5", &p2) // a first page is never shifted
	c.get("/v1/hosts?pageNumber=1&pageSize=5", &p2)
	c.get("/v1/hosts?pageNumber=1&pageSize=5", &again)
	if p2.Elements[0].ID != p1.Elements[1].ID || again.Elements[0].ID != p1.Elements[0].ID {
		t.Errorf("shift: %v then %v, unshifted %v", p2.Elements, again.Elements, p1.Elements)
	}
}

func TestSetTotalElementsLie(t *testing.T) {
	c := startServer(t, fastConfig()).login()
	var before, after idPage
	c.get("/v1/clusters", &before)
	c.srv.Sim.SetTotalElementsLie(4)
	c.get("/v1/clusters", &after)
	if before.PageMetadata.TotalElements != 6 || after.PageMetadata.TotalElements != 10 {
		t.Errorf("totals %d then %d, want 6 then 10", before.PageMetadata.TotalElements, after.PageMetadata.TotalElements)
	}
}
