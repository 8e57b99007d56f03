// Command vcfsim serves a simulated VMware Cloud Foundation SDDC Manager API
// (VCF 5.2.1, 9.0.2 or 9.1.0) for tests, demos and benchmarks. See the README's Simulator
// section.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// defaultListen avoids 443 (needs privileges) and 8080/9xxx (exporters).
const defaultListen = "127.0.0.1:8443"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

// run parses args, serves until ctx ends and returns the exit code. ready,
// if set, gets the server once it listens (for tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(*vcfsim.Server)) int {
	def := vcfsim.DefaultConfig()
	app := kingpin.New("vcfsim", "Simulated VMware Cloud Foundation SDDC Manager API (VCF 5.2.1, 9.0.2 or 9.1.0): /v1 endpoints with a deterministic inventory, "+
		"token auth, the upgrade lifecycle on a compressible clock and fault injection; /sim is the unauthenticated control API.")
	app.Writer(stdout).ErrorWriter(stderr).UsageWriter(stdout)
	exitCode := -1
	app.Terminate(func(code int) { exitCode = code })

	listen := app.Flag("web.listen-address", "Address to listen on (host:port).").Default(defaultListen).String()
	useTLS := app.Flag("tls", "Serve HTTPS with a self-signed certificate generated at start (--no-tls or --tls=false for plain HTTP).").Default("true").Bool()
	caFile := app.Flag("tls.ca-file", "Write the PEM CA certificate that signed the server certificate to this file, so clients can verify it.").String()
	vcfVersion := app.Flag("vcf-version", "SDDC Manager API version to play: "+strings.Join(vcfsim.Versions(), " or ")+
		" (9.x: paged /v1/hosts, host GPUs, lifecycleManagedBy, SDDC Manager upgraded by VCF Operations through /sim/sddc-manager/upgrade;"+
		" 9.1.0 adds nested validation checks, the NSX finalize stage, check-set run metadata and BLOCKED upgrades through /sim/upgrades/block).").
		Default(def.VCFVersion).Enum(vcfsim.Versions()...)
	pageSize := app.Flag("hosts.page-size", "Default and largest page of GET /v1/hosts where the version pages it (0: the version's, "+fmt.Sprint(vcfsim.DefaultHostsPageSize)+" in 9.0.2).").Default("0").Int()
	hostOrder := app.Flag("hosts.order", "Order of GET /v1/hosts: commissioned (by domain and cluster, then the unassigned hosts) or id (by id: in no order of their names; the API references promise none).").
		Default(vcfsim.HostOrderCommissioned).Enum(vcfsim.HostOrders()...)
	pageBase := app.Flag("page-base", "Number of the first page of a list, 0 or 1 (the API references do not say).").Default("0").Int()
	pageMax := app.Flag("page-size-max", "Serve at most this many elements a page of every paged list, whatever is asked (0: a list's default page size).").Default("0").Int()
	totalLie := app.Flag("total-elements-lie", "Add this to the totalElements of the hosts, domains, clusters and tasks lists (pages that do not add up).").Default("0").Int()
	seed := app.Flag("seed", "Seed of the inventory (ids, names, sizes) and of the usage drift.").Default(fmt.Sprint(def.Seed)).Int64()
	domains := app.Flag("domains", "Number of workload domains; the first is the MANAGEMENT domain, the rest VI.").Default(fmt.Sprint(def.Domains)).Int()
	clusters := app.Flag("clusters-per-domain", "Clusters per domain.").Default(fmt.Sprint(def.ClustersPerDomain)).Int()
	hosts := app.Flag("hosts-per-cluster", "ESXi hosts per cluster.").Default(fmt.Sprint(def.HostsPerCluster)).Int()
	unassigned := app.Flag("unassigned-hosts", "Commissioned hosts without a domain (UNASSIGNED_USEABLE).").Default(fmt.Sprint(def.UnassignedHosts)).Int()
	username := app.Flag("username", "User name POST /v1/tokens accepts.").Default(def.Username).String()
	password := app.Flag("password", "Password POST /v1/tokens accepts (it is a simulator: the default is public).").Default(def.Password).String()
	tokenTTL := app.Flag("token-ttl", "Access token lifetime, real time.").Default(def.TokenTTL.String()).Duration()
	timeScale := app.Flag("time-scale", "Simulated seconds per real second: 1 is real time, 3600 makes an hour of downloads, checks, upgrades and the SDDC Manager outage pass in a second.").Default("1").Float64()
	latency := app.Flag("latency", "Delay added to every /v1 request (Go duration).").Default("0s").Duration()
	jitter := app.Flag("jitter", "Random extra delay in [0, jitter) per /v1 request.").Default("0s").Duration()
	preErr := app.Flag("precheck.errors", "Errors reported by check-set runs (validation-domain-summary errorValidationsCount).").Default("0").Int()
	preWarn := app.Flag("precheck.warnings", "Warnings reported by check-set runs (warningGapsCount).").Default("0").Int()
	finalizeAfter := app.Flag("nsx.finalize-after-upgrade", "9.1.0: the NSX upgrade reads COMPLETED_WITH_SUCCESS before its finalize stage runs (default: the upgrade covers it).").Bool()
	logLevel := app.Flag("log.level", "Log level: debug (logs every request), info, warn or error.").Default("info").Enum("debug", "info", "warn", "error")

	var f vcfsim.Faults
	app.Flag("fault.latency", "Fault: extra delay per /v1 request.").Default("0s").DurationVar(&f.Latency)
	app.Flag("fault.jitter", "Fault: extra random delay in [0, jitter) per /v1 request.").Default("0s").DurationVar(&f.Jitter)
	app.Flag("fault.error-rate", "Fault: fraction (0..1) of /v1 requests answered with --fault.error-code.").Default("0").Float64Var(&f.ErrorRate)
	app.Flag("fault.error-code", "Fault: status for --fault.error-rate answers (500 or 503).").Default("503").IntVar(&f.ErrorCode)
	app.Flag("fault.fail-endpoint", `Fault: endpoint answered with --fault.fail-code, as "METHOD /v1/template" (e.g. "GET /v1/hosts/{id}").`).StringVar(&f.FailEndpoint)
	app.Flag("fault.fail-code", "Fault: status for --fault.fail-endpoint.").Default("500").IntVar(&f.FailCode)
	app.Flag("fault.fail-count", "Fault: fail only the next N matching requests (0 = all).").Default("0").IntVar(&f.FailCount)
	app.Flag("fault.outage", "Fault: every /v1 request fails for this long after start.").Default("0s").DurationVar(&f.Outage)
	app.Flag("fault.outage-mode", "Fault: how outages (also the SDDC Manager upgrade) fail requests: 503, or refuse (close the connection).").Default("503").EnumVar(&f.OutageMode, "503", "refuse")
	app.Flag("fault.malformed", `Fault: endpoint whose 200 bodies are invalid JSON (e.g. "GET /v1/domains").`).StringVar(&f.Malformed)
	app.Flag("fault.truncate", "Fault: endpoint whose 200 bodies are cut short (the connection closes mid-body).").StringVar(&f.Truncate)
	app.Flag("fault.slow-body", "Fault: spread writing each /v1 body over this long.").Default("0s").DurationVar(&f.SlowBody)
	app.Flag("fault.fail-upgrade", "Fault: component whose upgrades end FAILED: SDDC_MANAGER, NSX_T_MANAGER, VCENTER or ESX_HOST.").EnumVar(&f.FailUpgrade, "", "SDDC_MANAGER", "NSX_T_MANAGER", "VCENTER", "ESX_HOST")

	if _, err := app.Parse(boolAssignments(args, "tls")); err != nil {
		fmt.Fprintf(stderr, "vcfsim: %v (try --help)\n", err)
		return 2
	}
	if exitCode >= 0 { // --help
		return exitCode
	}

	var level slog.Level
	_ = level.UnmarshalText([]byte(*logLevel))
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg := vcfsim.Config{
		VCFVersion: *vcfVersion, HostsPageSize: *pageSize, HostOrder: *hostOrder, PageBase: *pageBase, MaxPageSize: *pageMax, TotalElementsLie: *totalLie,
		Seed: *seed, Domains: *domains, ClustersPerDomain: *clusters, HostsPerCluster: *hosts, UnassignedHosts: *unassigned,
		Username: *username, Password: *password, TokenTTL: *tokenTTL, TimeScale: *timeScale,
		Latency: *latency, Jitter: *jitter, PrecheckErrors: *preErr, PrecheckWarnings: *preWarn,
		NsxFinalizeAfterUpgrade: *finalizeAfter, TLS: *useTLS, Faults: f, Logger: log,
	}
	start := time.Now()
	srv, err := vcfsim.StartServer(cfg, *listen)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	if *caFile != "" {
		if !cfg.TLS {
			log.Warn("--tls.ca-file ignored: TLS is off")
		} else if err := os.WriteFile(*caFile, srv.CACertPEM, 0o644); err != nil {
			log.Error("writing CA file", "file", *caFile, "err", err)
			_ = srv.Close()
			return 1
		}
	}
	log.Info("vcfsim listening", "url", srv.URL, "vcf_version", cfg.VCFVersion, "tls", cfg.TLS, "ca_file", *caFile,
		"domains", cfg.Domains, "hosts", cfg.Domains*cfg.ClustersPerDomain*cfg.HostsPerCluster+cfg.UnassignedHosts,
		"seed", cfg.Seed, "time_scale", cfg.TimeScale, "username", cfg.Username, "startup", time.Since(start).Round(time.Millisecond))
	if ready != nil {
		ready(srv)
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

// boolAssignments rewrites "--name=false" into "--no-name" (and "=true"
// into "--name"): kingpin's bool flags take no value, but --tls=false is
// the documented way to turn TLS off.
func boolAssignments(args []string, names ...string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		for _, n := range names {
			if v, ok := strings.CutPrefix(a, "--"+n+"="); ok {
				if b, err := strconv.ParseBool(v); err == nil {
					a = "--" + n
					if !b {
						a = "--no-" + n
					}
				}
			}
		}
		out = append(out, a)
	}
	return out
}
