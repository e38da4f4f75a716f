# The two commands of README.md, and what they stand on.
SWIFT ?= swift
SHELL := bash
APT_PACKAGES := libdnnl-dev libhdf5-dev libturbojpeg0-dev libpng-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps demo test bench fuzz proto format dist dist-test dist-debian

# Installs the Debian packages vizrun builds against, if any is missing.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Builds in release mode and runs the seed config: writes out/seed/.
demo: deps
	$(SWIFT) build -c release --product vizrun
	.build/release/vizrun Configs/seed.yaml

# The suite is XCTest, built optimised (with @testable access): the golden tests run whole
# networks, which an unoptimised build makes ten times slower. The last line restates XCTest's
# total as `N passed, M failed, K skipped`. The example plugin (Docs/Examples/ChannelStats) is built and its
# own tests run first: vizrun's tests load the library through the command, so the plugin SDK
# cannot break unnoticed. Its build cache stays in .build-examples between runs.
TEST_FLAGS := -c release -Xswiftc -enable-testing
EXAMPLE_FLAGS := $(TEST_FLAGS) --package-path Docs/Examples/ChannelStats --scratch-path .build-examples
test: deps
	$(SWIFT) build --build-tests $(TEST_FLAGS)
	$(SWIFT) build --build-tests $(EXAMPLE_FLAGS)
	$(SWIFT) test --skip-build $(EXAMPLE_FLAGS) --disable-swift-testing
	set -o pipefail; $(SWIFT) test --skip-build $(TEST_FLAGS) --disable-swift-testing 2>&1 | tee .build/test.log
	@grep -oE 'Executed [0-9]+ tests?, with ([0-9]+ tests? skipped and )?[0-9]+ failures?' .build/test.log | tail -1 \
		| awk '{ failed = 0; skipped = 0; \
			for (i = 4; i < NF; i++) { if ($$(i + 1) ~ /^failure/) failed = $$i; if ($$(i + 2) == "skipped") skipped = $$i } \
			print "tests: " $$2 - failed - skipped " passed, " failed " failed, " skipped " skipped" }'

# Times vizrun against the equivalent Keras script (when TensorFlow is installed); see Docs/performance.md.
bench: deps
	$(SWIFT) build -c release --product vizrun
	python3 Scripts/benchmark.py

# Runs every libFuzzer target of Tests/Fuzz for FUZZ_SECONDS each (default 60), FUZZ_JOBS at a time
# (default 2), in its own scratch folder (.build-fuzz), so `make test` neither builds nor waits for
# it; prints executions, coverage and crashes per target (Docs/fuzzing.md). FUZZ_TARGETS picks some.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 2
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) SWIFT=$(SWIFT) Scripts/fuzz.sh $(FUZZ_TARGETS)

# Formats the Swift sources with the toolchain's swift-format and .swift-format (the generated
# protobuf code keeps the generator's layout).
format:
	find Package.swift Sources Plugins Tests Docs/Examples -name '*.swift' ! -name '*.pb.swift' -print0 \
		| xargs -0 $(SWIFT) format format -i --configuration .swift-format

# Regenerates Sources/ONNX/Proto/onnx-subset.pb.swift after an edit of onnx-subset.proto. The generated
# file is committed, so building vizrun needs neither protoc nor the plugin. protoc comes from Debian's
# protobuf-compiler; protoc-gen-swift is built from the swift-protobuf release Package.swift resolves,
# once, into .build-protoc-gen (minutes on 2 cores).
proto:
	command -v protoc >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq protobuf-compiler; }
	$(SWIFT) build -c release --product protoc-gen-swift --scratch-path .build-protoc-gen
	protoc --plugin=protoc-gen-swift=.build-protoc-gen/release/protoc-gen-swift --swift_opt=Visibility=Internal \
		--swift_out=Sources/ONNX/Proto -I Sources/ONNX/Proto Sources/ONNX/Proto/onnx-subset.proto

# The release tarball and the Python wheel, in dist/ (Docs/install.md): a release build of the
# command and the plugin SDK's two libraries in their own scratch folder, then Packaging/dist.sh
# bundles what they load, the SDK's modules and the licences. Needs python3 (for auditwheel).
DIST_SCRATCH := .build-dist
DIST_BUILD_FLAGS := -c release
# CI packages what `make test` built (`make dist-test DIST_FROM_TEST_BUILD=1`): the same code
# with -enable-testing, which spares it a second five-minute release build.
ifdef DIST_FROM_TEST_BUILD
DIST_SCRATCH := .build
DIST_BUILD_FLAGS := $(TEST_FLAGS)
endif
DIST_FLAGS = $(DIST_BUILD_FLAGS) --scratch-path $(DIST_SCRATCH)
dist: deps
	$(SWIFT) build $(DIST_FLAGS) --product vizrun
	$(SWIFT) build $(DIST_FLAGS) --product VizCore
	$(SWIFT) build $(DIST_FLAGS) --product VizImage
	Packaging/dist.sh $(DIST_SCRATCH) dist

# Uses what `make dist` built as a user would: the tarball unpacked, the wheel installed in a fresh
# virtual environment, each running the demo config and a plugin built against its SDK; the
# Python wrapper's pytest tests against the installed wheel.
dist-test: dist
	Tests/Dist/check_tarball.sh dist/vizrun-*-linux-x86_64.tar.gz
	Tests/Dist/check_wheel.sh dist/vizrun-*.whl

# The same inside a minimal Debian (debootstrap --variant=minbase: no -dev packages, no Swift).
# Needs root and Debian's mirror, so it is not part of dist-test; skips where debootstrap is absent.
dist-debian: dist
	Tests/Dist/check_minimal_debian.sh dist/vizrun-*-linux-x86_64.tar.gz dist/vizrun-*.whl
