# paychaos: the commands a person runs more than once.
GO       ?= go
BIN      := bin
OUT      ?= reports/out
PKGS     := ./...
# Packages outside scenarios/ must not import Ginkgo or Gomega (reports/ may
# read Ginkgo's report types).
GINKGO_FREE := $(shell $(GO) list ./... | grep -v '/scenarios$$')

.PHONY: all build run test unit scenarios lint vet fmt staticcheck imports bench fuzz clean

all: lint test

build:
	$(GO) build -o $(BIN)/paychaos ./cmd/paychaos

## run: the default scenario suite against the reference shop, embedded.
run: build
	$(BIN)/paychaos run --out $(OUT)

## test: unit tests with the race detector, then the scenario suite.
test: unit scenarios

unit:
	$(GO) test -race -count=1 $(shell $(GO) list ./... | grep -v '/scenarios$$')

scenarios:
	$(GO) test -race -count=1 ./scenarios/ -ginkgo.v=false

lint: vet fmt staticcheck imports

vet:
	$(GO) vet $(PKGS)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

staticcheck:
	$(GO) tool staticcheck $(PKGS)

imports:
	@bad=$$($(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' $(GINKGO_FREE) | grep -E 'github\.com/onsi/gomega|github\.com/onsi/ginkgo/v2( |$$|/dsl|/extensions)' || true); \
	if [ -n "$$bad" ]; then echo "only scenarios/ and _test.go files may import Ginkgo or Gomega:"; echo "$$bad"; exit 1; fi

## bench: the benchmarks the issues name targets for.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./harness/check/

clean:
	rm -rf $(BIN) $(OUT)
