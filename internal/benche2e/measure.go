package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The measurements over HTTP: the floor (the list bodies alone), timed
// scrapes with their series and bytes, the transfer bound of a plain
// scrape, and vcfsim's API call counters.

// client never decompresses: gzip scrapes are timed up to the last
// compressed byte, as Prometheus receives them.
var client = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func post(ctx context.Context, url string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	return nil
}

func login(ctx context.Context, simURL string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, simURL+"/v1/tokens",
		strings.NewReader(`{"username":"admin@local","password":"VMware1!VMware1!"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var pair struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&pair); err != nil {
		return "", fmt.Errorf("login: %s: %w", resp.Status, err)
	}
	if pair.AccessToken == "" {
		return "", fmt.Errorf("login: %s: no access token", resp.Status)
	}
	return pair.AccessToken, nil
}

// floor fetches the four list bodies concurrently and discards them.
func floor(ctx context.Context, simURL, token string) (time.Duration, int, error) {
	lists := []string{"/v1/domains", "/v1/clusters", "/v1/hosts", "/v1/sddc-managers"}
	sizes := make([]int64, len(lists))
	errs := make([]error, len(lists))
	var wg sync.WaitGroup
	begin := time.Now()
	for i, path := range lists {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, simURL+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer func() { _ = resp.Body.Close() }()
			sizes[i], errs[i] = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusOK {
				errs[i] = fmt.Errorf("GET %s: %s", path, resp.Status)
			}
		})
	}
	wg.Wait()
	return time.Since(begin), int(sizes[2]), errors.Join(errs...)
}

type scrapeResult struct {
	seconds       float64
	series, bytes int
}

func scrape(ctx context.Context, base string, gzip bool) (scrapeResult, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	begin := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return scrapeResult{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	// Counted as it streams (a scraper parses as it reads): the time is
	// the exporter's, not that of growing a buffer here.
	var lc lineCounter
	_, err = io.Copy(&lc, resp.Body)
	d := time.Since(begin)
	if err != nil {
		return scrapeResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return scrapeResult{}, fmt.Errorf("scrape: %s", resp.Status)
	}
	if gzip && resp.Header.Get("Content-Encoding") != "gzip" {
		return scrapeResult{}, errors.New("scrape: asked for gzip, got " + resp.Header.Get("Content-Encoding"))
	}
	r := scrapeResult{seconds: d.Seconds(), bytes: lc.bytes}
	if !gzip {
		r.series = lc.samples
	}
	return r, nil
}

// fetch returns the body of a GET of url, untimed.
func fetch(ctx context.Context, url string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// transfer serves body from memory on loopback, as plainly as net/http
// allows, and returns the median time of reps scrapes of it: what moving
// those bytes costs, with no exporter behind them.
func transfer(ctx context.Context, body []byte, reps int) (float64, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(l) }()
	defer func() { _ = srv.Close() }()
	var ts []float64
	for range reps {
		s, err := scrape(ctx, "http://"+l.Addr().String(), false)
		if err != nil {
			return 0, fmt.Errorf("transfer bound: %w", err)
		}
		ts = append(ts, s.seconds)
	}
	return median(ts), nil
}

// lineCounter counts the bytes and the sample lines (not starting with
// '#') of an exposition written to it.
type lineCounter struct {
	bytes, samples int
	midLine        bool
}

func (c *lineCounter) Write(p []byte) (int, error) {
	n := len(p)
	c.bytes += n
	for len(p) > 0 {
		if !c.midLine && p[0] != '#' && p[0] != '\n' {
			c.samples++
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.midLine = true
			break
		}
		c.midLine = false
		p = p[i+1:]
	}
	return n, nil
}

// apiCalls sums vcfsim's request counters of /v1 (the token excluded).
func apiCalls(ctx context.Context, simURL string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, simURL+"/sim/stats", nil)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	var stats map[string]int
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		return 0, err
	}
	n := 0
	for k, v := range stats {
		if k != "POST /v1/tokens" {
			n += v
		}
	}
	return n, nil
}
