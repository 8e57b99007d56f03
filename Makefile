# vcf_exporter build, test and tooling.
GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
PKGS      := ./...
BIN       := vcf_exporter
# apt-get runs through sudo when we are not root.
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The release version: what --version reports and the tarballs are named after.
VERSION   ?= $(shell cat VERSION)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null)
BRANCH    ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null)
VPKG      := github.com/prometheus/common/version
LDFLAGS   := -X $(VPKG).Version=$(VERSION) -X $(VPKG).Revision=$(REVISION) -X $(VPKG).Branch=$(BRANCH) \
             -X $(VPKG).BuildUser=$(shell id -un)@$(shell hostname) -X $(VPKG).BuildDate=$(shell date -u +%Y%m%d-%H:%M:%S)

# golangci-lint is pinned; `make lint` installs this version with `go install`
# when the one in GOBIN is missing or different.
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT         := $(GOBIN)/golangci-lint

.PHONY: all build release test vet fmt-check lint unit e2e bench bench-e2e fuzz run demo-upgrade check-config deps-prometheus deps-influxdb deps-mosquitto

all: build

# Static (no cgo, so no libc): the binary runs on any Linux of its
# architecture and on distroless/static. The Dockerfile and `make release`
# build with this same line.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .

# Release artefacts the way the Prometheus exporters ship them (promu's
# layout): .tarballs/vcf_exporter-<version>.<os>-<arch>.tar.gz, each holding
# the directory vcf_exporter-<version>.<os>-<arch>/ with the binary, LICENSE
# and NOTICE, plus sha256sums.txt. Plain go build, since promu is not on the
# Go module proxy and its crossbuild needs docker.
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64 darwin/arm64
RELEASE_DIR       ?= .tarballs
release:
	@set -e; rm -rf $(RELEASE_DIR) && mkdir -p $(RELEASE_DIR); \
	for p in $(RELEASE_PLATFORMS); do \
		d=$(BIN)-$(VERSION).$${p%/*}-$${p#*/}; \
		echo ">> $$d"; \
		mkdir -p $(RELEASE_DIR)/$$d; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(MAKE) --no-print-directory build BIN=$(RELEASE_DIR)/$$d/$(BIN); \
		cp LICENSE NOTICE $(RELEASE_DIR)/$$d/; \
		tar -C $(RELEASE_DIR) --owner=0 --group=0 --numeric-owner -czf $(RELEASE_DIR)/$$d.tar.gz $$d; \
		rm -r $(RELEASE_DIR)/$$d; \
	done; \
	cd $(RELEASE_DIR) && sha256sum *.tar.gz > sha256sums.txt && cat sha256sums.txt

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# lint runs golangci-lint with .golangci.yml (staticcheck, revive, errcheck,
# misspell, gocritic, testifylint, ...).
lint:
	@if ! $(GOLANGCI_LINT) version 2>/dev/null | grep -q "version $(GOLANGCI_LINT_VERSION:v%=%) "; then \
		echo "installing golangci-lint $(GOLANGCI_LINT_VERSION)"; \
		$(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION); \
	fi
	$(GOLANGCI_LINT) run ./...

# Prometheus and promtool (Debian package "prometheus") for the end-to-end
# test, which checks our output with `promtool check metrics` and has a real
# Prometheus scrape the exporter.
deps-prometheus:
	@if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then \
		echo "prometheus and promtool present: $$(command -v prometheus)"; \
	else \
		echo "installing the Debian package prometheus (promtool, prometheus)"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends prometheus; \
	fi

.PHONY: deps-jinja2 dashboards

# python3 with jinja2 renders the Home Assistant templates of examples/ in
# the consumers' acceptance test (consumers_test.go), as Home Assistant would.
deps-jinja2:
	@if python3 -c 'import jinja2' 2>/dev/null; then \
		echo "python3 jinja2 present"; \
	else \
		echo "installing the Debian package python3-jinja2"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends python3-jinja2; \
	fi

# Regenerates dashboards/*.json from the Go code (TestGenerated checks it).
dashboards:
	$(GO) generate ./dashboards

# InfluxDB 1.8.10 (influxd, with Flux) for the InfluxDB sink's tests, built
# once into GOPATH/bin (about two minutes). The tests find it there or in
# PATH; without it they skip, or fail when CI is set.
INFLUXD_VERSION := v1.8.10
deps-influxdb:
	@if command -v influxd >/dev/null 2>&1 || [ -x "$(GOBIN)/influxd" ]; then \
		echo "influxd present: $$(command -v influxd || echo $(GOBIN)/influxd)"; \
	else \
		echo "building influxd $(INFLUXD_VERSION) into $(GOBIN)"; \
		$(GO) install github.com/influxdata/influxdb/cmd/influxd@$(INFLUXD_VERSION); \
	fi

# mosquitto (Debian packages mosquitto, mosquitto-clients) for the MQTT
# sink's tests, which start their own broker on a loopback port; without
# it they skip, or fail when CI is set.
deps-mosquitto:
	@if [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1; then \
		echo "mosquitto present"; \
	else \
		echo "installing the Debian packages mosquitto mosquitto-clients"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends mosquitto mosquitto-clients; \
	fi

unit:
	$(GO) test -race -count=1 $(PKGS)

# End-to-end test only: builds the binary, runs it against vcfsim, compares
# /metrics and /probe with testdata/*.golden and has Prometheus scrape it.
# `make e2e UPDATE=1` rewrites the golden files.
e2e: deps-prometheus
	$(GO) test -race -count=1 -run 'TestE2E' . $(if $(UPDATE),-args -update)

# test is the project's test command (README, .ci/run).
test: vet fmt-check lint deps-prometheus deps-jinja2 deps-influxdb deps-mosquitto unit

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# End-to-end performance: vcfsim with 10,000 hosts (listed as commissioned
# and by id) and 1,000 hosts, 25 ms latency, the exporter binary, medians of
# REPS runs; prints the ratio table and writes .build/bench-e2e.json.
REPS ?= 5
bench-e2e: build
	$(GO) build -o .build/vcfsim ./cmd/vcfsim
	$(GO) run ./internal/benche2e --exporter=./$(BIN) --vcfsim=.build/vcfsim --reps=$(REPS) --out=.build/bench-e2e.json

# Fuzz targets, one "package:FuzzName" per line; `make fuzz` runs each for
# FUZZTIME. Their seed corpora are committed under each package's
# testdata/fuzz/ and run by `make test` as ordinary tests.
FUZZTIME ?= 20s
FUZZ_TARGETS := \
	./vcfclient:FuzzDecodeHosts \
	./vcfclient:FuzzDecodeDomains \
	./vcfclient:FuzzCompareVersions \
	./config:FuzzParse \
	./actions/httpapi:FuzzDecodeStartRequest \
	./actions:FuzzLoadWorkflowFile

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzzing $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# The demo listens on loopback only: nothing outside the machine reaches it.
run: build
	./$(BIN) --simulator --web.listen-address=127.0.0.1:10095

# The upgrade demo (README "Upgrade demo"): simulated time 3600x, /actions
# with the token "$(DEMO_TOKEN)", fast polling, state in $(DEMO_DIR).
# /actions tokens have at least 32 characters.
DEMO_DIR ?= /tmp/vcf_exporter-demo
DEMO_TOKEN ?= vcf-demo-upgrade-token-not-a-secret
demo-upgrade: build
	rm -rf $(DEMO_DIR) && mkdir -p -m 700 $(DEMO_DIR) && (umask 077 && echo $(DEMO_TOKEN) > $(DEMO_DIR)/token)
	./$(BIN) --simulator --simulator.time-scale=3600 --web.listen-address=127.0.0.1:10095 \
		--actions.token-file=$(DEMO_DIR)/token --actions.poll-interval=200ms --actions.settle-time=1s \
		--storage.path=$(DEMO_DIR)/data

check-config: build
	./$(BIN) --config.check --config.file=$(CONFIG)
