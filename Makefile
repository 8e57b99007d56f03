# vcf_exporter build, test and tooling.
GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
PKGS      := ./...
BIN       := vcf_exporter
INFLUXD   ?= $(shell command -v influxd 2>/dev/null || echo $(GOBIN)/influxd)

.PHONY: all build test vet fmt-check unit integration bench run deps-prometheus deps-influxd

all: build

build:
	$(GO) build -o $(BIN) .

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 $(PKGS)

# test is the project's test command (README, .ci/run).
test: vet fmt-check unit

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

run: build
	./$(BIN) --simulator
