# Top-level entry points. Each target does all set-up on a fresh Debian 12
# machine (scripts/setup), configures with a CMake preset and builds.
#   make test   - build (dev preset) and run every test
#   make asan   - build and test under ASan+UBSan
#   make tsan   - build under ThreadSanitizer, run the multi-threaded tests
#   make demo   - generate a synthetic Exchange compromise and hunt it
#   make bench  - generate GBs of logs and measure (see bench/README.md)
#   make fuzz   - run every libFuzzer target for FUZZ_SECONDS each
.PHONY: all setup build test asan tsan demo bench fuzz release clean format

FUZZ_SECONDS ?= 60
BENCH_SIZE ?= 2G

all: build

setup:
	@scripts/setup

build: setup
	cmake --preset dev >/dev/null
	cmake --build --preset dev

release: setup
	cmake --preset release >/dev/null
	cmake --build --preset release

test: build
	ctest --preset dev

asan: setup
	cmake --preset asan >/dev/null
	cmake --build --preset asan
	ctest --preset asan

tsan: setup
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan
	ctest --preset tsan

demo: release
	rm -rf build/demo
	build/release/spoor-gen case build/demo/evidence
	build/release/spoor hunt --format table --baseline build/demo/evidence/baseline \
	  -o build/demo/case build/demo/evidence
	@echo
	@echo "case directory: build/demo/case (findings.jsonl, findings.csv, coverage.json, incidents.jsonl, timeline.csv, case.sqlite, report.html, run.json)"

bench: release
	SPOOR_BENCH=1 scripts/setup
	bench/run.sh $(BENCH_SIZE)

fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz
	fuzz/run.sh $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
