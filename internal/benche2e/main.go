// Command benche2e is `make bench-e2e`: it starts the vcfsim and
// vcf_exporter binaries on loopback and measures, in one run, what a scrape
// costs at scale (the table of docs/scaling-and-performance.md, "What a
// scrape costs"), for a 10,000-host inventory listed in the order hosts
// were commissioned and listed by id (in no order of their names: the
// exporter then sorts more), and a 1,000-host one, with 25 ms latency per
// request:
//
//   - floor: the four list bodies fetched concurrently and discarded;
//   - cold scrapes, plain and gzip alternately (the exporter must fetch:
//     --vcf.min-refresh-interval=0s);
//   - warm scrapes, plain and gzip (a second exporter reusing its
//     snapshot: --vcf.min-refresh-interval=1h);
//   - the plain transfer bound: the bytes of one plain scrape served from
//     memory by a minimal net/http server in this process, on loopback;
//   - API calls per refresh (vcfsim /sim/stats around the first cold scrape);
//   - peak RSS of each exporter (VmHWM in /proc/<pid>/status);
//   - series and bytes per scrape.
//
// Prometheus always asks for gzip, so warm/cold is judged in gzip; a plain
// warm scrape is held to the transfer bound instead. Scrapes are read by
// one client that never decompresses, counting lines as they stream. Each
// timing is the median of --reps repetitions. It prints the ratios beside
// the targets they are held to and writes every number as JSON (--out).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scenario is one inventory size and the order of its hosts (vcfsim's
// --hosts.order).
type scenario struct {
	Name                              string
	Domains, ClustersPerDomain, Hosts int
	HostOrder                         string
}

var scenarios = []scenario{
	{"10k", 20, 5, 100, "commissioned"},
	{"10k-by-id", 20, 5, 100, "id"},
	{"1k", 10, 1, 100, "commissioned"},
}

// Result is one scenario's numbers (seconds, bytes). Cold and Warm are
// plain text; the JSON names of earlier result files are kept.
type Result struct {
	Scenario      string  `json:"scenario"`
	Hosts         int     `json:"hosts"`
	HostsBodySize int     `json:"hosts_body_bytes"`
	Floor         float64 `json:"floor_seconds"`
	Cold          float64 `json:"cold_scrape_seconds"`
	ColdGzip      float64 `json:"cold_gzip_scrape_seconds"`
	Warm          float64 `json:"warm_scrape_seconds"`
	WarmGzip      float64 `json:"warm_gzip_scrape_seconds"`
	Transfer      float64 `json:"plain_transfer_seconds"`
	APICalls      int     `json:"api_calls_per_refresh"`
	PeakRSSCold   int64   `json:"peak_rss_bytes_cold_exporter"`
	PeakRSSWarm   int64   `json:"peak_rss_bytes_warm_exporter"`
	Series        int     `json:"series_per_scrape"`
	Bytes         int     `json:"bytes_per_scrape"`
	GzipBytes     int     `json:"gzip_bytes_per_scrape"`
	// Ratios of the table, each with its target: plain over plain unless
	// named, but warm_over_cold is gzip over gzip, as Prometheus scrapes.
	// warm_gzip_over_cold (warm gzip / cold plain) is kept from earlier files.
	ColdOverFloor     float64 `json:"cold_over_floor"`
	ColdGzipOverFloor float64 `json:"cold_gzip_over_floor"`
	WarmOverCold      float64 `json:"warm_over_cold"`
	WarmPlainOverCold float64 `json:"warm_plain_over_cold_plain"`
	WarmOverTransfer  float64 `json:"warm_plain_over_transfer"`
	GzipOverCold      float64 `json:"warm_gzip_over_cold"`
	RSSOverHostBody   float64 `json:"peak_rss_over_hosts_body"`
}

type options struct {
	exporter, vcfsim string
	reps             int
	latency          time.Duration
	out              string
	only             string
}

func main() {
	var o options
	flag.StringVar(&o.exporter, "exporter", "./vcf_exporter", "vcf_exporter binary")
	flag.StringVar(&o.vcfsim, "vcfsim", "./vcfsim", "vcfsim binary")
	flag.IntVar(&o.reps, "reps", 5, "repetitions of each timing (the median is reported)")
	flag.DurationVar(&o.latency, "latency", 25*time.Millisecond, "vcfsim latency per request")
	flag.StringVar(&o.out, "out", "bench-e2e.json", "JSON results file")
	flag.StringVar(&o.only, "scenario", "", "run only this scenario (10k, 10k-by-id or 1k)")
	flag.Parse()
	results, err := runAll(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		os.Exit(1)
	}
	fmt.Print(table(results))
	b, _ := json.MarshalIndent(results, "", "  ")
	if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		os.Exit(1)
	}
	fmt.Printf("\nwritten to %s\n", o.out)
}

// runAll runs the selected scenarios within 15 minutes.
func runAll(o options) ([]Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var results []Result
	for _, sc := range scenarios {
		if o.only != "" && o.only != sc.Name {
			continue
		}
		r, err := run(ctx, o, sc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.Name, err)
		}
		results = append(results, r)
	}
	return results, nil
}

func run(ctx context.Context, o options, sc scenario) (Result, error) {
	r := Result{Scenario: sc.Name}
	simAddr, err := freeAddr()
	if err != nil {
		return r, err
	}
	sim, err := start(ctx, o.vcfsim, nil, "--no-tls", "--web.listen-address="+simAddr,
		"--domains="+strconv.Itoa(sc.Domains), "--clusters-per-domain="+strconv.Itoa(sc.ClustersPerDomain),
		"--hosts-per-cluster="+strconv.Itoa(sc.Hosts), "--hosts.order="+sc.HostOrder, "--latency="+o.latency.String(), "--log.level=warn")
	if err != nil {
		return r, err
	}
	defer sim.stop()
	simURL := "http://" + simAddr
	if err := waitOK(ctx, simURL+"/sim/stats"); err != nil {
		return r, fmt.Errorf("vcfsim: %w", err)
	}

	// Floor: the four list bodies, concurrently, discarded.
	token, err := login(ctx, simURL)
	if err != nil {
		return r, err
	}
	var floors []float64
	for range o.reps {
		d, hostsBytes, err := floor(ctx, simURL, token)
		if err != nil {
			return r, err
		}
		floors = append(floors, d.Seconds())
		r.HostsBodySize = hostsBytes
	}
	r.Floor = median(floors)

	// Cold: every scrape fetches.
	cold, err := startExporter(ctx, o.exporter, simURL, "0s")
	if err != nil {
		return r, err
	}
	defer cold.stop()
	if _, err := scrape(ctx, cold.url, false); err != nil { // login, first upgrade check
		return r, err
	}
	// Plain and gzip alternately, reps of each; the first (plain) is
	// counted.
	var colds, coldGzips []float64
	for i := range 2 * o.reps {
		gzip := i%2 == 1
		if i == 0 {
			if err := post(ctx, simURL+"/sim/stats/reset"); err != nil {
				return r, err
			}
		}
		s, err := scrape(ctx, cold.url, gzip)
		if err != nil {
			return r, err
		}
		if i == 0 {
			if r.APICalls, err = apiCalls(ctx, simURL); err != nil {
				return r, err
			}
			r.Series, r.Bytes = s.series, s.bytes
		}
		if gzip {
			coldGzips = append(coldGzips, s.seconds)
		} else {
			colds = append(colds, s.seconds)
		}
	}
	r.Cold, r.ColdGzip = median(colds), median(coldGzips)
	if r.PeakRSSCold, err = cold.peakRSS(); err != nil {
		return r, err
	}
	cold.stop()

	// Warm: the snapshot is reused.
	warm, err := startExporter(ctx, o.exporter, simURL, "1h")
	if err != nil {
		return r, err
	}
	defer warm.stop()
	if _, err := scrape(ctx, warm.url, false); err != nil {
		return r, err
	}
	if err := post(ctx, simURL+"/sim/stats/reset"); err != nil {
		return r, err
	}
	var warms, gzips []float64
	for range o.reps {
		s, err := scrape(ctx, warm.url, false)
		if err != nil {
			return r, err
		}
		warms = append(warms, s.seconds)
		g, err := scrape(ctx, warm.url, true)
		if err != nil {
			return r, err
		}
		gzips = append(gzips, g.seconds)
		r.GzipBytes = g.bytes
	}
	n, err := apiCalls(ctx, simURL)
	if err != nil {
		return r, fmt.Errorf("counting the API calls of the warm scrapes: %w", err)
	}
	if n != 0 {
		return r, fmt.Errorf("warm scrapes made %d API calls: the snapshot was not reused", n)
	}
	r.Warm, r.WarmGzip = median(warms), median(gzips)
	if r.PeakRSSWarm, err = warm.peakRSS(); err != nil {
		return r, err
	}

	// Transfer bound: one plain scrape's bytes, served from memory.
	body, err := fetch(ctx, warm.url+"/metrics")
	if err != nil {
		return r, err
	}
	warm.stop()
	if r.Transfer, err = transfer(ctx, body, o.reps); err != nil {
		return r, err
	}
	r.Hosts = sc.Domains*sc.ClustersPerDomain*sc.Hosts + 2 // + vcfsim's 2 unassigned hosts
	r.setRatios()
	return r, nil
}

func (r *Result) setRatios() {
	r.ColdOverFloor = r.Cold / r.Floor
	r.ColdGzipOverFloor = r.ColdGzip / r.Floor
	r.WarmOverCold = r.WarmGzip / r.ColdGzip
	r.WarmPlainOverCold = r.Warm / r.Cold
	r.WarmOverTransfer = r.Warm / r.Transfer
	r.GzipOverCold = r.WarmGzip / r.Cold
	r.RSSOverHostBody = float64(max(r.PeakRSSCold, r.PeakRSSWarm)) / float64(r.HostsBodySize)
}

// table formats the ratios beside their targets, per scenario.
func table(rs []Result) string {
	var w strings.Builder
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	ms := func(s float64) string { return strconv.FormatFloat(s*1000, 'f', 0, 64) + " ms" }
	ratio := func(name string, a, b, q float64, target string) {
		fmt.Fprintf(&w, "| %s | %s / %s = %.3g | %s |\n", name, ms(a), ms(b), q, target)
	}
	for _, r := range rs {
		fmt.Fprintf(&w, "\n%s: %d hosts, /v1/hosts %.1f MiB\n\n", r.Scenario, r.Hosts, mib(int64(r.HostsBodySize)))
		w.WriteString("| measure | value | target |\n")
		w.WriteString("|---|---|---|\n")
		fmt.Fprintf(&w, "| API calls per refresh | %d | ≤ 5 |\n", r.APICalls)
		ratio("cold plain / floor", r.Cold, r.Floor, r.ColdOverFloor, "≤ 3 (goal 1.5)")
		ratio("cold gzip / floor", r.ColdGzip, r.Floor, r.ColdGzipOverFloor, "≤ 3 (goal 1.5)")
		ratio("warm / cold as Prometheus scrapes (gzip)", r.WarmGzip, r.ColdGzip, r.WarmOverCold, "≤ 0.05")
		ratio("warm plain / cold plain", r.Warm, r.Cold, r.WarmPlainOverCold, "(bound: transfer)")
		ratio("warm plain / transfer bound", r.Warm, r.Transfer, r.WarmOverTransfer, "≈ 1")
		fmt.Fprintf(&w, "| exporter peak RSS / raw /v1/hosts bytes | %.0f MiB / %.0f MiB = %.2f | ≤ 1.5 (goal 1.0) |\n",
			mib(max(r.PeakRSSCold, r.PeakRSSWarm)), mib(int64(r.HostsBodySize)), r.RSSOverHostBody)
		fmt.Fprintf(&w, "| series per scrape | %d (%.1f MB of text, %.1f MB gzip) | |\n", r.Series, float64(r.Bytes)/1e6, float64(r.GzipBytes)/1e6)
	}
	return w.String()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
