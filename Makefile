# Thin wrapper over CMake: the README's commands.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all build deps test demo bench clean sanitize

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

demo: build
	bash tools/demo.sh $(BUILD)

bench: build
	bash tools/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan
