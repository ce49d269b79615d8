# mk/qemu.mk: QEMU 10 with the llmaccel device, and its qtest.
# Included by the top-level Makefile (after BUILD and TAPDIR are set).
#
#   make qemu         install build deps (idempotent, root) and build or
#                     reuse qemu-system-x86_64 with the device; the QEMU
#                     source, build tree and ccache live in $(LLMACCEL_CACHE)
#                     (default /var/cache/llmaccel), outside the repository
#   make check-qtest  run the device qtest: TAP in $(TAPDIR)/qtest-llmaccel.tap,
#                     exit status in $(TAPDIR)/qtest-llmaccel.rc; its fuzz
#                     cases run the short version (LLA_FUZZ_ITERS 4000)
#   make check-qtest-asan  the same against the ASan+UBSan build
#   make fuzz-device  the long device fuzz under ASan+UBSan: the fuzz cases
#                     once per seed in FUZZ_DEVICE_SEEDS with
#                     FUZZ_DEVICE_ITERS register writes (ITERS/20
#                     descriptors, ITERS/5 command buffers) each; fails on
#                     a crash, timeout, test failure or sanitizer report
#
# QEMU_BIN is the stable path of the binary (a hard link or copy of the
# cached build), for the VM runner and anything else that boots QEMU; run
# it with -L /usr/share/seabios -L /usr/share/qemu (it ships no firmware).

BUILD          ?= build
TAPDIR         ?= $(BUILD)/tap
QEMU_DIR       ?= $(BUILD)/qemu
QEMU_BIN       ?= $(QEMU_DIR)/qemu-system-x86_64
QEMU_QTEST     ?= $(QEMU_DIR)/llmaccel-test
QTEST_TIMEOUT  ?= 600
LLMACCEL_CACHE ?= /var/cache/llmaccel
export LLMACCEL_CACHE

.PHONY: qemu qemu-deps check-qtest

qemu-deps:
	@scripts/setup-qemu-deps.sh

# Always asks the build script: it hashes every input and returns in about
# a second when nothing changed.
qemu: qemu-deps
	@scripts/qemu-build.sh $(QEMU_DIR)

check-qtest: qemu
	@QTEST_QEMU_BINARY=$(abspath $(QEMU_BIN)) scripts/run-tap.sh \
		$(TAPDIR) qtest-llmaccel \
		timeout $(QTEST_TIMEOUT) $(QEMU_QTEST) --tap

# Optional robustness flavour (not part of check): QEMU and the qtest
# built with ASan+UBSan in a second build tree of the same cache.
QEMU_ASAN_DIR ?= $(BUILD)/qemu-asan
.PHONY: qemu-asan check-qtest-asan
qemu-asan: qemu-deps
	@QEMU_FLAVOR=asan scripts/qemu-build.sh $(QEMU_ASAN_DIR)

check-qtest-asan: qemu-asan
	@ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
		QTEST_QEMU_BINARY=$(abspath $(QEMU_ASAN_DIR))/qemu-system-x86_64 \
		scripts/run-tap.sh $(TAPDIR) qtest-llmaccel-asan \
		timeout $(QTEST_TIMEOUT) $(QEMU_ASAN_DIR)/llmaccel-test --tap

# The long fuzz: by default 4 seeds x 50000 = 200,000 register writes,
# 10,000 garbage descriptors and 40,000 random command buffers.
FUZZ_DEVICE_ITERS   ?= 50000
FUZZ_DEVICE_SEEDS   ?= 1 2 3 4
FUZZ_DEVICE_TIMEOUT ?= 1200
.PHONY: fuzz-device
fuzz-device: qemu-asan
	@FUZZ_ITERS=$(FUZZ_DEVICE_ITERS) FUZZ_SEEDS="$(FUZZ_DEVICE_SEEDS)" \
		FUZZ_TIMEOUT=$(FUZZ_DEVICE_TIMEOUT) \
		QTEST_QEMU_BINARY=$(abspath $(QEMU_ASAN_DIR))/qemu-system-x86_64 \
		qemu-device/tests/fuzz-device.sh $(QEMU_ASAN_DIR)/llmaccel-test \
		$(BUILD)/fuzz-device
