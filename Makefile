# Makefile — the two commands of the README, and a few helpers. CMake does the building.
#   make run    install what is missing, build, run the main job
#   make test   install what is missing, build, run every test
SHELL := /bin/bash
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SHARED ?= $(abspath ../shared)
CMAKE_FLAGS = -DMI32_SHARED_DIR=$(SHARED)
FUZZ_SECONDS ?= 20

.PHONY: all build deps deps-test run test test-unit test-asan test-vectors test-integration \
	test-browser test-realstack test-deb install deb \
	fuzz bench demo clean

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

# Builds print one line; the compiler's output is in build*/build.log, and its tail is shown
# when something fails (make V=1 shows it all).
MAKEFLAGS += --no-print-directory
ifeq ($(V),1)
QUIET =
else
QUIET = > $(1)/build.log 2>&1 || { tail -n 40 $(1)/build.log; echo "build failed: see $(1)/build.log"; exit 1; }
endif

build: deps
	@cmake -S . -B build $(CMAKE_FLAGS) >/dev/null
	@echo "building build/mi32 …"
	@cmake --build build -j $(JOBS) $(call QUIET,build)

# The main job. With a Bluetooth adapter it listens on it (root or CAP_NET_ADMIN/CAP_NET_RAW
# needed); without one (or with DEMO=1) it replays the bundled capture of a simulated fleet
# in a loop with its keys, so every kind of sensor shows up at once. RUN_ARGS adds options.
DEMO_DIR := build/demo
WEB_PORT ?= 8080
run: build
	@mkdir -p $(DEMO_DIR)
	@[ -f $(DEMO_DIR)/mi32cfg ] || cp examples/demo.mi32cfg $(DEMO_DIR)/mi32cfg
	@echo "make run: dashboard at http://127.0.0.1:$(WEB_PORT)/m32 (this machine only; to open it to"
	@echo "          the LAN: make run RUN_ARGS='--web-bind 0.0.0.0 --web-password YOURS')"
	@if [ -z "$(DEMO)" ] && ls /sys/class/bluetooth/hci* >/dev/null 2>&1; then \
		echo "make run: Bluetooth adapter found, listening on it"; \
		exec ./build/mi32 run --state-dir $(DEMO_DIR) --mi32cfg $(DEMO_DIR)/mi32cfg.live \
			--json --web-port $(WEB_PORT) $(RUN_ARGS); \
	else \
		echo "make run: no Bluetooth adapter, replaying examples/demo.btsnoop in a loop"; \
		exec ./build/mi32 run --replay examples/demo.btsnoop --loop --state-dir $(DEMO_DIR) \
			--mi32cfg $(DEMO_DIR)/mi32cfg --json --web-port $(WEB_PORT) $(RUN_ARGS); \
	fi

build-test: deps-test
	@cmake -S . -B build $(CMAKE_FLAGS) -DMI32_TESTS=ON >/dev/null
	@echo "building build (tests) …"
	@cmake --build build -j $(JOBS) $(call QUIET,build)

build-asan: deps-test
	@cmake -S . -B build-asan $(CMAKE_FLAGS) -DMI32_TESTS=ON -DMI32_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null
	@echo "building build-asan (tests) …"
	@cmake --build build-asan -j $(JOBS) $(call QUIET,build-asan)

test-unit: build-test
	cd build && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)

test-vectors: build-test
	@if [ -d $(SHARED)/vectors ]; then \
		/usr/bin/python3 $(SHARED)/tools/check-vectors build/mi32 $(SHARED)/vectors/*.jsonl; \
	else echo "SKIPPED: $(SHARED)/vectors is absent, vector check not run"; fi

# tests/homekit: npm's hap-controller (pinned in its package-lock.json) plays Apple's Home app
test-integration: build-test
	@cd tests/homekit && { [ -d node_modules/hap-controller ] || npm ci --no-audit --no-fund; }
	@if ls tests/integration/test_*.py >/dev/null 2>&1; then \
		MI32_BIN=$(abspath build/mi32) MI32_BUILD_DIR=$(abspath build) MI32_SHARED=$(SHARED) \
		/usr/bin/python3 -m pytest -q tests/integration; fi

# The web interface in Debian's chromium, driven by playwright-core (npm, pinned in
# tests/browser/package-lock.json); screenshots land in build/screenshots/.
test-browser: build-test
	@cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund; }
	MI32_BIN=$(abspath build/mi32) MI32_SCREENSHOTS=$(abspath build/screenshots) \
		node tests/browser/run.js

# Linux's own Bluetooth stack (btvirt's virtual controllers, bluetoothd, D-Bus) in one QEMU
# VM on the software CPU, with the mi32 just built; the guest kernel is unpacked once into
# build/vm/. RS_PYTEST_ARGS picks tests ("-k watchdog"); MI32_NO_VM=1 skips, saying so.
test-realstack: build-test
	@scripts/deps.sh realstack
	@MI32_BIN=$(abspath build/mi32) MI32_SHARED=$(SHARED) tests/realstack/run.sh


# The Debian package, built from the tree (tracked and new files, not build output) copied
# to build-deb/mi32/, so dpkg-buildpackage writes the .deb and its .changes into build-deb/.
DEB_DIR := build-deb
deb:
	@scripts/deps.sh deb
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/mi32
	@git ls-files -z --cached --others --exclude-standard | \
		tar -c --null --ignore-failed-read -T - -f - 2>/dev/null | tar -x -C $(DEB_DIR)/mi32
	cd $(DEB_DIR)/mi32 && DEB_BUILD_OPTIONS="nocheck parallel=$(JOBS)" \
		dpkg-buildpackage -us -uc -b

# lintian, the files, modes, conffiles and maintainer scripts of the .deb, the unit
# (systemd-analyze verify and security), the man pages (man --warnings) and bash completion.
test-deb: deb build
	@scripts/deps.sh test
	tests/deb/check.sh $(DEB_DIR)

# `make install PREFIX=/usr/local` (DESTDIR=… for a staging root): the binary, the unit, the
# default /etc/mi32/mi32.conf (PREFIX/etc/mi32 unless PREFIX is /usr), the man pages, bash
# completion and the examples.
PREFIX ?= /usr/local
install: build
	@cmake -S . -B build -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build build -j $(JOBS)
	cmake --install build

test: test-unit test-asan test-vectors test-integration test-browser test-realstack test-deb

# Bounded coverage-guided fuzzing with clang's libFuzzer. The growing corpus stays in
# build-fuzz/corpus/; a crash lands in fuzz/corpus/<target>/crash-* and `make test` replays it
# from then on (commit it with its fix).
fuzz: deps-test
	@cmake -S . -B build-fuzz $(CMAKE_FLAGS) -DMI32_FUZZ=ON -DMI32_TESTS=OFF \
		-DMI32_SANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@for f in build-fuzz/fuzz_*; do t=$${f##*/fuzz_}; \
		mkdir -p fuzz/corpus/$$t build-fuzz/corpus/$$t; \
		echo "== $$t ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=fuzz/corpus/$$t/crash- \
			build-fuzz/corpus/$$t fuzz/corpus/$$t 2>&1 | tail -n 1 || exit 1; done

bench: build
	./build/mi32 bench

# Regenerate the shipped demo capture, its keys and the decode sample from mi32's encoders.
demo: build
	./build/mi32 simulate --out examples/demo.btsnoop --mi32cfg examples/demo.mi32cfg --duration 900
	./build/mi32 simulate --samples > examples/sample.jsonl

clean:
	rm -rf build build-asan build-fuzz build-deb
