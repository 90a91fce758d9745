# aport: build, test, benchmark.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/aport
FUZZTIME ?= 20s

.PHONY: build test vet fmt-check unit policy-test bench bench-process fuzz clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/aport

# make test: what CI runs.
test: vet fmt-check unit policy-test

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 ./...

# The example policy tests for the dev preset, run by the built binary.
policy-test: build
	./$(BIN) test examples/dev-tests.yaml --passport examples/dev-passport.json

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

# Whole-process cost of aport eval next to an empty Go hook, in one run.
bench-process:
	$(GO) test -run '^$$' -bench Process -benchtime 400x ./bench/

fuzz:
	@grep -rlE '^func Fuzz' --include='*_test.go' internal cmd | xargs -n1 dirname | sort -u | while read pkg; do \
		for t in $$(grep -hoE '^func Fuzz[A-Za-z0-9_]+' $$pkg/*_test.go | sed 's/func //'); do \
			echo "fuzz $$t in $$pkg"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin
