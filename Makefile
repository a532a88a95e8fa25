# dozen's tasks. `make help` lists them.
GO ?= go
BIN := bin/dozen

.PHONY: help build test golden docs bench lint example e2e

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## build bin/dozen
	$(GO) build -o $(BIN) ./cmd/dozen

example: build ## build dozen and render the go-ok example
	./$(BIN) render examples/go-ok

test: ## run every test: unit, Rego, golden and CLI specs
	$(GO) vet ./...
	$(GO) test ./...

golden: ## rewrite every golden file and CLI spec output
	DOZEN_UPDATE=1 $(GO) test ./...

docs: ## regenerate generated docs (policies/README.md)
	DOZEN_UPDATE=1 $(GO) test ./policies -run TestDocs

bench: ## run the benchmarks, whole processes against their peers (see BENCHMARKS.md)
	$(GO) build -o .cache/bin/dozen ./cmd/dozen
	GOBIN=$(CURDIR)/.cache/bin $(GO) install cuelang.org/go/cmd/cue@v0.17.1
	DOZEN_BIN=$(CURDIR)/.cache/bin/dozen CUE_BIN=$(CURDIR)/.cache/bin/cue \
		$(GO) test -run '^$$' -bench . -benchmem -count 5 ./generate/ | tee .cache/bench.txt
	GO=$(GO) ./scripts/bench-lint.sh | tee .cache/bench-lint-summary.txt

e2e: ## end-to-end: every rendered manifest through a real kube-apiserver and etcd (e2e/)
	$(GO) test -tags e2e -count=1 -timeout 60m -v ./e2e/

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...
