# llmaccel top-level build.  `make` builds, `make check` runs every test.
# Host userspace is C11 with -Werror; a second flavour of the rtl-model
# and its tests is built with ASan+UBSan under build/asan.

BUILD     ?= build
CC        ?= cc
SAN       ?=
OPT       ?= -O2
# Bit-exactness depends on no FMA contraction and IEEE float semantics.
CFLAGS    ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	     -ffp-contract=off -fno-fast-math -fno-strict-aliasing \
	     -D_DEFAULT_SOURCE \
	     -Irtl-model/include -Irtl-model/src $(SAN) $(CFLAGS)
LDLIBS    += -lm -lpthread

MODEL_SRCS := $(sort $(wildcard rtl-model/src/*.c))
MODEL_OBJS := $(MODEL_SRCS:%.c=$(BUILD)/%.o)
MODEL_LIB  := $(BUILD)/rtl-model/libllamodel.a
TEST_SRCS  := $(sort $(wildcard rtl-model/tests/test_*.c))
TEST_BINS  := $(TEST_SRCS:rtl-model/tests/%.c=$(BUILD)/rtl-model/tests/%)
CLI        := $(BUILD)/bin/llmaccel-model
BENCH      := $(BUILD)/bin/tlmm-bench
TAPDIR     := $(BUILD)/tap

ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer

.PHONY: bench all check check-host check-host-plain check-host-asan check-cli \
	check-driver-host fuzz install run run-jobs setup setup-host clean tests \
	asan-tests
.DEFAULT_GOAL := all
# Keep intermediate objects: rebuilding them every run costs more than disk.
.SECONDARY:

all: $(MODEL_LIB) $(CLI) $(BENCH) $(TEST_BINS) libaccel tools mkmodel \
	llmaccel-run
tests: $(TEST_BINS)

$(BUILD)/%.o: %.c $(wildcard rtl-model/include/*.h rtl-model/src/*.h rtl-model/tests/*.h rtl-model/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(MODEL_LIB): $(MODEL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/rtl-model/tests/%: $(BUILD)/rtl-model/tests/%.o $(MODEL_LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

CLI_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard rtl-model/cli/*.c)))
$(CLI): $(CLI_OBJS) $(MODEL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BENCH): $(BUILD)/rtl-model/bench/tlmm-bench.o $(MODEL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# Benchmarks print figures; nothing is asserted.  bench-host (mk/tools.mk):
# llmaccel-bench on the sim backend (bandwidth, TLMM, attention, latency,
# tokenizers, whole-model prefill/decode/TTFT); bench-vm: its decode rows
# from the kernel backend in the VM beside the host's.
bench: $(BENCH) bench-host
	$(BENCH)

# ---- the other layers ---------------------------------------------------
include mk/qemu.mk
include mk/vm.mk
include mk/module.mk
include mk/libaccel.mk
include mk/tools.mk
include mk/model.mk
include mk/run.mk
include mk/selftests.mk
include mk/fuzz.mk
include mk/debug.mk
# Every VM boot carries the driver, so every VM target builds it first.
VM_MODULES = $(DRIVER_KO)
check-vm check-vm-idmatch vm-shell check-kselftest check-vm-libaccel: module

# ---- tests ---------------------------------------------------------------
# Each suite writes TAP to $(TAPDIR); tap-summary.sh prints the verdict.

check-host-plain: all
	@for t in $(TEST_BINS); do \
		scripts/run-tap.sh $(TAPDIR) $$(basename $$t) $$t; done

check-host-asan:
	$(MAKE) BUILD=$(BUILD)/asan SAN="$(ASAN_FLAGS)" OPT=-O1 tests
	@for t in $(TEST_BINS:$(BUILD)/%=$(BUILD)/asan/%); do \
		UBSAN_OPTIONS=print_stacktrace=1 \
		scripts/run-tap.sh $(TAPDIR) asan-$$(basename $$t) $$t; done

check-cli: $(CLI)
	@scripts/run-tap.sh $(TAPDIR) cli-sample-jobs \
		rtl-model/tests/cli-jobs.sh $(CLI) rtl-model/jobs

# Every suite of the project; each leaves its TAP in $(TAPDIR).  Suites
# are run with make -k so one broken layer does not hide the others; a
# build failure counts as a failed suite in the summary.
HOST_SUITES := check-host-plain check-host-asan check-cli check-libaccel \
	       check-driver-host check-tools model-tests runner-tests
VM_SUITES   := check-qtest check-vm check-vm-idmatch check-vm-module check-kselftest \
	       check-vm-tools check-vm-libaccel check-vm-runner check-fuzz-vm check-debug
SUITES      := $(HOST_SUITES) $(VM_SUITES)

check-driver-host: $(MODULE_TEST_DIR)/test_llmaccel_pt
	@scripts/run-tap.sh $(TAPDIR) driver-pt $<

check-host: setup-host
	@rm -rf $(TAPDIR)
	@$(MAKE) --no-print-directory -k $(HOST_SUITES); \
		scripts/tap-summary.sh $(TAPDIR) $$?

check: setup
	@rm -rf $(TAPDIR)
	@$(MAKE) --no-print-directory -k $(SUITES); \
		scripts/tap-summary.sh $(TAPDIR) $$?

# Long validator mutation run (the short one is in check-host).
FUZZ_ITERS ?= 2000000
fuzz:
	$(MAKE) BUILD=$(BUILD)/asan SAN="$(ASAN_FLAGS)" OPT=-O1 tests
	LLA_MUTATE_ITERS=$(FUZZ_ITERS) $(BUILD)/asan/rtl-model/tests/test_mutate

# Main job (until the VM exists): run the shipped sample jobs.
# The main job: boot the VM with the emulated accelerator, load the
# driver and generate tokens from a synthetic BitNet model (MODEL=path
# uses yours; PROMPT, N and RUN_ARGS tune it; see mk/run.mk).  A sub-make
# runs it, so KVER is read after setup installed the kernel packages.
run: setup
	@$(MAKE) --no-print-directory run-vm

# The rtl-model CLI on the shipped sample jobs.
run-jobs: $(CLI)
	@for j in rtl-model/jobs/*.job; do \
		echo "== $$j"; $(CLI) run $$j || exit 1; done

# libaccel (library, headers, pkg-config) and the tools under
# $(DESTDIR)$(PREFIX); `make module_install` installs the driver.
install: install-libaccel install-tools install-run

setup-host:
	@scripts/setup.sh --host

setup:
	@scripts/setup.sh

clean:
	rm -rf $(BUILD)
