# schulgateway – the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
BIN   := bin/schulgateway
GO    ?= go
export SCHULGATEWAY_DEV ?= true
# Go 1.27.3, fetched once from the Go module proxy: go1.26.8, the machine's
# own, has known vulnerabilities in net/http, crypto/tls, crypto/x509 and
# html/template (govulncheck, make lint). go.mod stays at 1.26.8, so a plain
# `go build` on the machine's Go still works.
export GOTOOLCHAIN ?= go1.27.3

.PHONY: build run test lint lint-openapi bench fuzz vulncheck postgres check-imports screenshots clean

build:
	$(GO) build -o $(BIN) ./cmd/schulgateway

postgres:
	@scripts/ensure-postgres.sh

# Builds, migrates, loads the demo city, prints a token per role and a curl
# line, then serves in dev mode on 127.0.0.1:8080 (Ctrl-C stops).
run: build postgres
	@$(BIN) migrate
	@$(BIN) seed-demo
	@scripts/print-dev-tokens.sh
	@$(BIN) serve

test: postgres check-imports
	@scripts/ensure-chromium.sh
	@scripts/ensure-oidc-provider.sh
	@scripts/ensure-xmllint.sh
	$(GO) test -race -count=1 ./...
	@FUZZTIME=3s scripts/fuzz.sh

# Every fuzz target for longer (FUZZTIME=10m make fuzz for a night run).
fuzz:
	@FUZZTIME=$${FUZZTIME:-1m} scripts/fuzz.sh

lint: check-imports lint-openapi
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@scripts/vulncheck.sh

# The contract under a standard OpenAPI linter (Redocly CLI, pinned,
# installed from the npm registry on first use; rules: openapi/redocly.yaml).
lint-openapi:
	@scripts/lint-openapi.sh

# Known vulnerabilities in the code paths the gateway uses (govulncheck).
vulncheck:
	@scripts/vulncheck.sh

# internal/ is the domain: it must not reach HTTP, SQL, spreadsheet or JWT
# libraries, nor any adapter (it declares ports; adapters implement them).
# adapters/postgres is storage, a leaf: it serves the domain and imports no
# other adapter (no HTTP, pages, spreadsheets, XSchule). Its tests may (they
# read sample workbooks with adapters/sheets); `go list -deps` without
# -test does not see them.
check-imports:
	@bad=$$($(GO) list -deps ./internal/... | grep -E 'gofiber|jackc/pgx|xuri/excelize|lestrrat-go/jwx|schulgateway/schulgateway/adapters' || true); \
	if [ -n "$$bad" ]; then echo "internal/ imports adapters or adapter libraries:"; echo "$$bad"; exit 1; fi
	@bad=$$($(GO) list -deps ./adapters/postgres/... | grep '^github.com/schulgateway/schulgateway/adapters/' | grep -v '^github.com/schulgateway/schulgateway/adapters/postgres\(/\|$$\)' || true); \
	if [ -n "$$bad" ]; then echo "adapters/postgres (storage) imports other adapters:"; echo "$$bad"; exit 1; fi

# Load and end-to-end benchmarks; figures and how to read them: docs/performance.md.
# The million-row CSVs run three times: one run on a shared machine is one sample of its noise.
bench: postgres
	@command -v wrk >/dev/null || { echo "make bench braucht wrk: apt-get install -y wrk"; exit 1; }
	$(GO) test -run '^$$' -bench 'Routen' -benchtime 1x ./bench/
	$(GO) test -run '^$$' -bench 'KinderSeite' -benchtime 1x -timeout 30m ./bench/
	$(GO) test -run '^$$' -bench 'ListSchulen' -benchtime 40000x ./bench/
	$(GO) test -run '^$$' -bench 'AuditedRead' -benchtime 20000x -count 2 ./bench/
	$(GO) test -run '^$$' -bench 'AuditChain' -benchtime 2x -count 2 ./bench/
	$(GO) test -run '^$$' -bench 'ImportMelderegister100k' -benchtime 1x -count 3 -timeout 20m ./bench/
	$(GO) test -run '^$$' -bench 'ImportVsExcelize100k' -benchtime 1x -count 2 -timeout 20m ./bench/
	$(GO) test -run '^$$' -bench 'ImportMelderegister(300k|1M)$$' -benchtime 1x -count 1 -timeout 30m ./bench/
	$(GO) test -run '^$$' -bench 'ImportMelderegister1MCSV' -benchtime 1x -count 3 -timeout 30m ./bench/
	$(GO) test -run '^$$' -bench 'Kohorte|Planung' -benchtime 3x ./bench/
	$(GO) test -run '^$$' -bench 'Abgleich50k' -benchtime 1x -count 3 ./bench/
	$(GO) test -run '^$$' -bench 'SchulpflichtJob' -benchtime 1x -count 3 -timeout 20m ./bench/

# Screenshots of the pages for the README, taken by the browser tests
# (headless Chromium via chromedp) into docs/screenshots: the pages with
# data from the demo city (postgres.SeedDemo, as make run loads it), the
# sign-in, an import with errors and a city without pupil lists from their journeys.
screenshots: postgres
	@scripts/ensure-chromium.sh
	@mkdir -p docs/screenshots
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run 'TestImportInBrowser|TestDemoScreenshots|TestSchulpflichtOhneSchuelerlisten' ./adapters/web/

clean:
	rm -rf bin
