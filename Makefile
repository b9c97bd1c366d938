# qbi-runner: the commands a newcomer needs. `make test` and `make demo` work on a fresh
# Debian 12 machine: they install missing packages first (make deps).
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
CMAKE_ARGS ?=

# Debian 12 packages the build and the tests need. chromium: the evidence report's test renders
# it in a headless browser. The metrics tests check the exposition and contrib/'s alert rules
# with the real tools: promtool (only Debian's `prometheus` package has it; installed without
# recommends, so no node exporter comes along; on a machine booted with systemd its postinst
# starts a Prometheus server on :9090: `systemctl disable --now prometheus` if unwanted) and
# Prometheus's Python client's parser (python3-prometheus-client).
DEPS := cmake g++ make libpoco-dev libsqlitecpp-dev libyaml-cpp-dev libgtest-dev libgmock-dev \
        libssl-dev systemd man-db groff-base chromium prometheus python3-prometheus-client

# (man-db and groff-base: the docs_man test renders the man pages with `man --warnings`.)
# What `make deb` and `make test-deb` need besides DEPS (kept out of DEPS so `make test` stays
# lean): lintian, dpkg-shlibdeps (dpkg-dev), strip (binutils).
DEB_DEPS := lintian dpkg-dev binutils

.PHONY: all deps build test test-asan test-tsan demo install bench clean format format-check \
        deb test-deb

all: build

deps:
	@missing=$$(for p in $(DEPS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing:" $$missing; \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	$(MAKE) test BUILD=build-asan CMAKE_ARGS="-DQBI_SANITIZE=address,undefined -DQBI_BUILD_BENCH=OFF"

# ThreadSanitizer for the engine (the concurrent core): its test binaries only. Timing-bound
# tests get one retry, since TSan slows threads several-fold.
TSAN_TARGETS := engine_policy_test engine_machine_test engine_fake_test engine_fake_flow_test engine_idle_test \
                core_clock_test engine_pool_test engine_concurrency_test engine_sim_test engine_flow_test engine_halt_test \
                engine_busy_test submit_pipeline_test
test-tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQBI_SANITIZE=thread -DQBI_BUILD_BENCH=OFF
	cmake --build build-tsan -j$(JOBS) --target $(TSAN_TARGETS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j$(JOBS) \
	  --repeat until-pass:2 -R '^(Engine|Backoff|RateLimiter|CircuitBreaker|ManualClock|PipelineTest)'

demo: build
	$(BUILD)/bin/qbi-runner demo

bench: build
	@for b in $(BUILD)/bench/*_bench; do echo "== $$b"; $$b || exit 1; done

# The prefix is configured too: the units' ExecStart and the demo's examples path follow it.
install: deps
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j$(JOBS)
	cmake --install $(BUILD)

# Debian packages qbi-runner_<version>_<arch>.deb and qbi-sim_<version>_<arch>.deb in
# $(BUILD)/deb, from the $(BUILD) tree (only the two programs and their pages are built; an
# existing tree is reused as it is). test-deb: lintian, then the package unpacked and tried.
deb: deps $(BUILD)/CMakeCache.txt
	@$(MAKE) --no-print-directory deps DEPS="$(DEB_DEPS)"
	cmake --build $(BUILD) -j$(JOBS) --target qbi-runner qbi-sim qbi-docs
	rm -rf $(BUILD)/deb
	packaging/deb/build-deb.sh $(BUILD) $(BUILD)/deb

test-deb: deb
	packaging/deb/check-deb.sh $(BUILD)/deb

# The tree follows .clang-format (clang-format 14, Debian 12); CI runs format-check.
FORMAT_FILES = $$(git ls-files 'runner/*.cpp' 'runner/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp' 'bench/*.h')
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@$(MAKE) --no-print-directory deps DEPS=clang-format
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build build-asan build-tsan
