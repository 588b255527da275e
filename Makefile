# schulgateway – the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
BIN   := bin/schulgateway
GO    ?= go
export SCHULGATEWAY_DEV ?= true

.PHONY: build run test lint bench postgres check-imports screenshots clean

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
	$(GO) test -race -count=1 ./...

lint: check-imports
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# internal/ is the domain: it must not reach HTTP, SQL, spreadsheet or JWT libraries.
check-imports:
	@bad=$$($(GO) list -deps ./internal/... | grep -E 'gofiber|jackc/pgx|xuri/excelize|lestrrat-go/jwx' || true); \
	if [ -n "$$bad" ]; then echo "internal/ imports adapter libraries:"; echo "$$bad"; exit 1; fi

# Load and end-to-end benchmarks; figures and how to read them: docs/performance.md.
bench: postgres
	$(GO) test -run '^$$' -bench 'ListSchulen' -benchtime 40000x ./bench/
	$(GO) test -run '^$$' -bench 'ImportMelderegister' -benchtime 1x -count 3 -timeout 20m ./bench/
	$(GO) test -run '^$$' -bench 'Kohorte|Planung' -benchtime 3x ./bench/

# Screenshots of the pages for the README, taken by the browser tests
# (headless Chromium via chromedp) into docs/screenshots.
screenshots: postgres
	@mkdir -p docs/screenshots
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run 'TestImportInBrowser|TestEinschulungAndPlanungPages' ./adapters/web/

clean:
	rm -rf bin
