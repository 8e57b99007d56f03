package vcfsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// tclient drives a test server over real HTTP.
type tclient struct {
	t     testing.TB
	srv   *Server
	hc    *http.Client
	token string
	clk   *testutil.Clock // the server's real-time source (startClocked)
}

// startTest is vcfsimtest.New for this package's own tests (which that
// package, importing this one, cannot serve).
func startTest(t testing.TB, opts ...Option) *Server {
	t.Helper()
	srv, err := Start(opts...)
	if err != nil {
		t.Fatalf("vcfsim: starting the test simulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func startServer(t testing.TB, cfg Config) *tclient {
	t.Helper()
	srv := startTest(t, func(c *Config) { *c = cfg })
	return &tclient{t: t, srv: srv, hc: srv.Client()}
}

// startClocked starts a server whose time only moves when the test says
// (clk.Add, or each poll of eventually): downloads, check runs, upgrades,
// the SDDC Manager outage and fault outages happen at exactly the same
// point of a test, however busy the machine is.
func startClocked(t testing.TB, cfg Config) *tclient {
	t.Helper()
	clk := testutil.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	cfg.Now = clk.Now
	c := startServer(t, cfg)
	c.clk = clk
	return c
}

// fastConfig compresses an hour into 0.1 s so upgrades finish quickly.
func fastConfig() Config {
	cfg := DefaultConfig()
	cfg.TimeScale = 36000
	return cfg
}

func (c *tclient) login() *tclient {
	c.t.Helper()
	st, body := c.do("POST", "/v1/tokens", map[string]string{"username": "admin@local", "password": "VMware1!VMware1!"})
	if st != http.StatusCreated {
		c.t.Fatalf("login: %d %s", st, body)
	}
	var tp struct {
		AccessToken  string `json:"accessToken"`
		RefreshToken struct {
			ID string `json:"id"`
		} `json:"refreshToken"`
	}
	mustJSON(c.t, body, &tp)
	c.token = tp.AccessToken
	return c
}

// do sends a request; body may be nil, a string (sent raw) or a value
// (sent as JSON).
func (c *tclient) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	resp, err := c.send(method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, b
}

func (c *tclient) send(method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.hc.Do(req)
}

// get expects 200 and decodes the body into out.
func (c *tclient) get(path string, out any) {
	c.t.Helper()
	st, b := c.do("GET", path, nil)
	if st != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, st, b)
	}
	mustJSON(c.t, b, out)
}

func mustJSON(t testing.TB, b []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decoding %q: %v", truncate(b), err)
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// pollStep is how far each poll of eventually moves the clock: 1 ms of
// real time, 36 simulated seconds with fastConfig, well below every
// simulated duration the tests look at (the SDDC Manager outage is an hour).
const pollStep = time.Millisecond

// eventually moves the server's clock on by pollStep and checks cond, until
// cond holds; it fails after 100,000 polls (a simulated 41 days at
// fastConfig's scale), which no flow needs.
func (c *tclient) eventually(what string, cond func() bool) {
	c.t.Helper()
	if c.clk == nil {
		c.t.Fatal("eventually needs a server started with startClocked")
	}
	for range 100000 {
		c.clk.Add(pollStep)
		if cond() {
			return
		}
	}
	c.t.Fatalf("%s never happened", what)
}

type idName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type domainsPage struct {
	Elements []struct {
		idName
		Status   string   `json:"status"`
		Clusters []idName `json:"clusters"`
		Capacity struct {
			CPU struct {
				Used, Total struct {
					Value float64 `json:"value"`
					Unit  string  `json:"unit"`
				}
			} `json:"cpu"`
		} `json:"capacity"`
	} `json:"elements"`
}

// domainID returns the id of the domain named name.
func (c *tclient) domainID(name string) string {
	c.t.Helper()
	var p domainsPage
	c.get("/v1/domains", &p)
	for _, d := range p.Elements {
		if d.Name == name {
			return d.ID
		}
	}
	c.t.Fatalf("no domain %q", name)
	return ""
}
