# Thin wrapper over CMake: the README's commands.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 16384
FUZZ_TARGETS = $(sort $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c))))

.PHONY: all build deps test demo bench clean sanitize fuzz

all: build

deps:
	@bash deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 600

sanitize:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DLOCKSTEP_SANITIZE=ON"

# Each libFuzzer target for FUZZ_SECONDS, one after the other, from its seed corpus (new inputs go
# to build-fuzz/corpus/, crash inputs to build-fuzz/artifacts/); fails at the first crash.
fuzz:
	@bash deploy/install-deps.sh --fuzz
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOCKSTEP_CUDA=OFF -DLOCKSTEP_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t build-fuzz/artifacts/$$t && echo "== $$t: $(FUZZ_SECONDS) s" && \
	  build-fuzz/tests/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) -timeout=10 \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/$$t/ build-fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	    || { echo "$$t found a crash: build-fuzz/artifacts/$$t/"; exit 1; }; \
	done

demo: build
	bash tools/demo.sh $(BUILD)

bench: build
	bash tools/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
