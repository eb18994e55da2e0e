# The two commands of the README: `make run` starts Village, `make test` runs every test.
GO       ?= go
BIN      := bin/village
PACKAGES := ./...

# Local defaults for `make run`; the environment overrides them. `village
# serve` records the domain and protocol in its database, so admin commands
# run by hand use them too. The data folder is the binary's choice (./data,
# or /var/lib/village when run as root from a folder the postgres OS user
# cannot enter), the same for `serve` and every `admin` command, unless
# VILLAGE_DATA_DIR names one.
export VILLAGE_DOMAIN   ?= localhost:8080
export VILLAGE_LISTEN   ?= 127.0.0.1:8080
export VILLAGE_PROTOCOL ?= http

.PHONY: run test build prereqs prereqs-test vet staticcheck fmt-check bench clean

run: prereqs build
	./$(BIN) serve

build:
	$(GO) build -o $(BIN) ./cmd/village

test: prereqs-test vet staticcheck fmt-check
	$(GO) test -count=1 -timeout 20m $(PACKAGES)

vet:
	$(GO) vet $(PACKAGES)

# A pinned staticcheck, fetched by the Go toolchain from the module proxy
# like any dependency: checks vet does not make (unused code, deprecated
# calls, simplifications).
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
staticcheck:
	$(GO) run $(STATICCHECK) $(PACKAGES)

fmt-check:
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

prereqs:
	@./.ci/prereqs

# prereqs, and what the tests add: npm, the Fedify test peer's modules, and
# for the browser tests Chromium and axe-core.
prereqs-test:
	@./.ci/prereqs --test

bench: prereqs
	$(GO) test -run '^$$' -bench . -benchmem $(PACKAGES)

clean:
	rm -rf bin
