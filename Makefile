# weft — the two set-up commands (make demo, make test) and friends.
# Each target installs missing Debian packages first (as root), configures
# and builds; all are idempotent.

BUILD      ?= build
ASAN_BUILD ?= build-asan
UC_BUILD   ?= build-ucontext
JOBS       ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps build test demo asan bench install clean help

all: build

help:
	@echo "make demo     install deps, build, find a bug in an example and replay it"
	@echo "make test     install deps, build, run every test (CUnit + end-to-end)"
	@echo "make asan     the tests under AddressSanitizer + UBSan"
	@echo "make bench    the benchmarks (ratios against same-run baselines)"
	@echo "make install  install the library, headers, pkg-config and CMake files"

deps:
	@sh .ci/deps

$(BUILD)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j$(JOBS) >$(BUILD)/build.log 2>&1 || { cat $(BUILD)/build.log; exit 1; }
	@grep -i 'warning' $(BUILD)/build.log || true

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

demo: build
	@sh examples/demo.sh $(BUILD)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWEFT_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) >$(ASAN_BUILD)/build.log 2>&1 || { cat $(ASAN_BUILD)/build.log; exit 1; }
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j$(JOBS)

bench: build
	@sh bench/run.sh $(BUILD)

install: build
	@cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(UC_BUILD)
