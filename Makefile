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

.PHONY: run test build prereqs prereqs-test vet staticcheck fmt-check fuzz bench clean

run: prereqs build
	./$(BIN) serve

build:
	$(GO) build -o $(BIN) ./cmd/village

# How many test binaries run at once (go test -p), and how many tests of one
# package (those that call t.Parallel; go test -parallel). The end-to-end
# tests wait for the processes they start, but the suite's CPU work now
# fills both cores at four: at six a Fedify peer or a browser step ran past
# its time limit in three runs out of three (README: Tests). A browser test
# waiting for its turn (two Chromiums at a time) holds one of the places
# of cmd/village/browsertests, its own test binary.
TEST_PROCS    ?= 4
TEST_PARALLEL ?= 4
# go test starts packages in the order named: the three long ones first
# (cmd/village's end-to-end tests, the browser tests beside them, web), and
# the short ones one after another in the fourth place.
TEST_PACKAGES := ./cmd/village ./cmd/village/browsertests ./web $(PACKAGES)

# go test through internal/testsummary: the usual output (failing tests'
# whole output, a line per package), then the packages by elapsed time and
# the ten slowest tests; every event in test-artifacts/go-test.json.
# TEST_TAGS: the suite hashes passwords at bcrypt's lowest cost
# (models/password_cost_testpasswords.go), in the instances it starts too;
# `make test TEST_TAGS=` runs it at the real cost.
TEST_TAGS ?= testpasswords
#
# staticcheck and the fuzz targets run beside the tests, niced, and their
# output follows the tests': the suite is CPU-bound, and its last minutes
# (the longest end-to-end tests, mostly waiting) leave a core idle that
# those checks fill, where run first they added over a minute to the wall
# time. Either failing fails `make test`.
test: prereqs-test vet fmt-check
	@mkdir -p test-artifacts; rm -f test-artifacts/checks.rc; \
	( nice -n 10 $(MAKE) --no-print-directory staticcheck fuzz >test-artifacts/checks.log 2>&1; \
	  echo $$? >test-artifacts/checks.rc ) & \
	$(GO) run ./internal/testsummary -json test-artifacts/go-test.json -- \
		-count=1 -timeout 20m -p $(TEST_PROCS) -parallel $(TEST_PARALLEL) -tags "$(TEST_TAGS)" $(TEST_PACKAGES); \
	tests=$$?; wait; \
	echo "--- staticcheck and fuzz (run beside the tests):"; cat test-artifacts/checks.log; \
	checks=$$(cat test-artifacts/checks.rc 2>/dev/null || echo 1); \
	if [ "$$checks" != 0 ]; then echo "make test: staticcheck or fuzz FAILED (above)"; fi; \
	[ "$$tests" = 0 ] && [ "$$checks" = 0 ]

# Vetted with the suite's tags first, so that vet and the tests share one
# compile of each package (a fresh clone compiles everything once, not
# twice), then models' untagged password cost; internal/testenv's untagged
# file (two constants) is left to the build, since vetting it alone would
# compile most of the tree again without the tag.
vet:
	$(GO) vet -tags "$(TEST_TAGS)" $(PACKAGES)
	$(GO) vet ./models

# A pinned staticcheck, fetched by the Go toolchain from the module proxy
# like any dependency: checks vet does not make (unused code, deprecated
# calls, simplifications).
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
staticcheck:
	$(GO) run $(STATICCHECK) $(PACKAGES)

fmt-check:
	@out="$$(gofmt -l .)"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# A short run of each fuzz target (go test -fuzz, FUZZTIME each, about 40 s
# in all): the parsers of what other servers send and the HTML sanitizer.
# Their seeds (f.Add, and testdata/fuzz/ beside each package) also run in
# every plain `go test`. A failing input is written to the package's
# testdata/fuzz/NAME/: fix the code and commit the input as a seed. For a
# longer hunt: make fuzz FUZZTIME=10m.
# A count, not a duration: with a wall-clock -fuzztime, Go 1.26's fuzz
# coordinator can report a bare "context deadline exceeded" at the end of
# a run that found nothing (golang/go#75804, fixed in Go 1.27); a count
# has no deadline to race. 10,000 inputs is about 2 s of each target here.
FUZZTIME ?= 10000x
FUZZ_TARGETS := \
	federation/jsonguard:FuzzCheck \
	federation/signature:FuzzParseSignatureHeader \
	federation/signature:FuzzCheckRequest \
	federation/signature:FuzzSignatureInput \
	federation:FuzzParseIncomingObject \
	federation:FuzzSplitHandle \
	federation/content:FuzzSanitize \
	federation/content:FuzzSanitizeOutputParsesSafe
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; start=$$(date +%s); \
		out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) ./$$pkg 2>&1) || \
			{ echo "$$out"; echo "fuzz: $$name in ./$$pkg FAILED"; exit 1; }; \
		echo "fuzz: $$name in ./$$pkg ok ($$(( $$(date +%s) - start )) s)"; \
	done

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
