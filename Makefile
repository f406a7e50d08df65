# paychaos: the commands a person runs more than once.
GO       ?= go
BIN      := bin
OUT      ?= reports/out
PKGS     := ./...
# Packages outside scenarios/ must not import Ginkgo or Gomega (reports/ may
# read Ginkgo's report types); the harness must not link the reference shop.
GINKGO_FREE := $(shell $(GO) list ./... | grep -v '/scenarios$$')

.PHONY: all build run test unit scenarios killmatrix storefront-test flake lint vet fmt staticcheck imports bench fuzz clean

all: lint test

build:
	$(GO) build -o $(BIN)/paychaos ./cmd/paychaos
	$(GO) build -o $(BIN)/shop ./examples/shop

## run: the default scenario suite against the reference shop, embedded.
run: build
	$(BIN)/paychaos run --out $(OUT)

## test: unit tests with the race detector, the whole scenario suite and
## the Python storefront's own tests (under ten minutes).
test: unit scenarios storefront-test

## killmatrix: the default suite against the safe reference shop and once
## per flaw: every flaw must be caught with the invariant it breaks. Longer
## than test (about eight minutes); .ci/run runs it after test.

unit:
	$(GO) test -race -count=1 $(shell $(GO) list ./... | grep -v '/scenarios$$')

# Every scenario, slow ones included, four at a time, with the race detector.
scenarios:
	$(GO) tool ginkgo -race -p --procs=4 --fail-on-empty --silence-skips ./scenarios/

killmatrix: build
	$(BIN)/paychaos killmatrix --parallel 6 --out $(OUT)/killmatrix

## storefront-test: the Python storefront (examples/storefront-py, standard
## library only) end to end against the fake provider, both flows, every flaw.
storefront-test: build
	PAYCHAOS_BIN=$(CURDIR)/$(BIN)/paychaos python3 -m unittest discover -s examples/storefront-py -v

## images: the containers mode's images (paychaos/provider, paychaos/toxiproxy,
## paychaos/shop, tag dev): static binaries FROM scratch, nothing pulled; an
## image is rebuilt only when its binary changed.
images: build
	$(BIN)/paychaos images

## test-containers: the container suite (provider, Toxiproxy and the shop as
## containers; real kill, pause and network partition). Needs a Docker engine:
## with CI=true a missing one fails, elsewhere the suite skips saying why.
test-containers: images
	$(GO) test -race -count=1 -v ./harness/containers/

.PHONY: images test-containers

## flake: the default suite 20 times in a row, each with its own seed.
flake: build
	@for i in $$(seq 1 20); do \
		$(BIN)/paychaos run --seed $$i --out $(OUT)/flake > $(OUT)/flake.log 2>&1 || { echo "run $$i (seed $$i) failed:"; tail -40 $(OUT)/flake.log; exit 1; }; \
		echo "run $$i/20 passed (seed $$i)"; \
	done

## selfchaos: paychaos's own stopping under chaos: runs interrupted or
## killed at seeded random moments (parent or shard; SIGINT, SIGTERM,
## SIGKILL), each checked to leave no process, listener or temporary file,
## and followed by a run that must pass. SEED and ROUNDS choose them.
SEED ?= $(shell date +%s)
ROUNDS ?= 8
selfchaos:
	PAYCHAOS_SELFCHAOS_ROUNDS=$(ROUNDS) PAYCHAOS_SELFCHAOS_SEED=$(SEED) $(GO) test -count=1 -timeout 30m -run '^TestSelfChaos$$' -v ./cmd/paychaos/

.PHONY: selfchaos

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
	@bad=$$($(GO) list -deps ./harness/... | grep -E '^(github\.com/paychaos/paychaos/examples/shop|github\.com/stripe/stripe-go|modernc\.org/sqlite)(/|$$)' || true); \
	if [ -n "$$bad" ]; then echo "the harness must reach the reference shop through a launcher (scenarios/refshop), not link it:"; echo "$$bad"; exit 1; fi

## bench: the checker over 100k, 1M and 10M operations (the 10M input
## needs about 13 GB); the provider's CPU per request against a bare
## net/http handler (server pinned to one core); paychaos's open-loop
## traffic against a bare Go generator on the reference shop, side by side.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./harness/check/
	$(GO) test -run '^$$' -bench OpenLoopVsDedicated -benchtime 1x ./scenarios/refshop/
	taskset -c 1 $(GO) test -run '^$$' -bench CPUPerRequest -benchtime 1x ./fakeprovider/internal/benchserver/
	$(GO) test -run '^$$' -bench . -benchmem -cpu 1 ./fakeprovider/

## fuzz: a minute on each fuzz target: the provider's, the report's input
## and secret masking (their seeds run in make test).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzHandlers -fuzztime 60s ./fakeprovider/
	$(GO) test -run '^$$' -fuzz FuzzFormDecode -fuzztime 60s ./fakeprovider/
	$(GO) test -run '^$$' -fuzz FuzzControl -fuzztime 60s ./fakeprovider/
	$(GO) test -run '^$$' -fuzz FuzzReportInput -fuzztime 60s ./reports/
	$(GO) test -run '^$$' -fuzz FuzzMask -fuzztime 60s ./internal/secret/

clean:
	rm -rf $(BIN) $(OUT)
