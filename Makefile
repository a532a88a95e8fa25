# dozen's tasks. `make help` lists them.
GO ?= go
BIN := bin/dozen
COUNT ?= 5

.PHONY: help build test golden docs bench lint example e2e realworld

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## build bin/dozen
	$(GO) build -o $(BIN) ./cmd/dozen

example: build ## build dozen and render the go-ok example
	./$(BIN) render examples/go-ok

test: realworld ## run every test: unit, Rego, golden and CLI specs
	$(GO) vet ./...
	$(GO) test ./...

realworld: ## download the real-world lint corpus's modules (testdata/realworld/corpus.txt) into Go's module cache
	bash .ci/fetch-realworld.sh

golden: ## rewrite every golden file and CLI spec output
	DOZEN_UPDATE=1 $(GO) test ./...

docs: ## regenerate generated docs (policies/README.md)
	DOZEN_UPDATE=1 $(GO) test ./policies -run TestDocs

bench: ## measure dozen against its peers, whole processes, and write the figures into BENCHMARKS.md
	$(GO) run ./internal/benchrun -count $(COUNT) -write BENCHMARKS.md
	$(GO) test -run '^$$' -bench . -benchmem ./generate/ ./policies/ | tee .cache/bench/inprocess.txt

e2e: ## end-to-end: every rendered manifest through a real kube-apiserver and etcd (e2e/)
	$(GO) test -tags e2e -count=1 -timeout 60m -v ./e2e/

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...
