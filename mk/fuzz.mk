# mk/fuzz.mk: the ioctl fuzzer of llmaccel.ko in the VM
# (selftests/llmaccel/llmaccel_fuzz.c, built by `make selftests`).
# Included by the top-level Makefile after mk/selftests.mk (uses
# SELFTEST_DIR, SELFTEST_VGEM, DRIVER_KO, VM_DIR, QEMU_BIN and TAPDIR).
#
#   make fuzz-vm         the long run: FUZZ_VM_SECONDS (600) of
#                        FUZZ_VM_PROCS x FUZZ_VM_THREADS workers; TAP in
#                        $(TAPDIR)/fuzz-vm.tap, exit status in fuzz-vm.rc,
#                        console in fuzz-vm.console
#   make check-fuzz-vm   the short run of `make check`: FUZZ_VM_SHORT_SECONDS
#                        (60); TAP in $(TAPDIR)/fuzz-vm-short.tap (.rc,
#                        .console)
#
# Both boot the VM with the module and vgem as check-kselftest does, with
# FUZZ_VM_SMP CPUs (threads really run at once) and the hung-task detector
# at FUZZ_VM_HUNG_S seconds, so a task stuck in the driver is reported
# within the run.  FUZZ_VM_PARAMS are module parameters: max_job_ms bounds
# the random jobs, so the queue checks at the end never wait minutes behind
# a job that keeps the device busy legitimately.  FUZZ_VM_SEED makes a run
# repeatable (the thread interleaving does not repeat, though).
#
# For other kernels (the debug lane, mk/debug.mk):
#
#   $(call FUZZ_VM_BOOT,NAME,SECONDS,VM_OPTIONS,ENV)
#
#   NAME        TAP base name: $(TAPDIR)/NAME.tap, .rc, .console
#   SECONDS     fuzz duration; the VM's timeout is SECONDS + FUZZ_VM_SLACK
#   VM_OPTIONS  tools/llmaccel-vm options choosing the kernel and the
#               modules; empty means $(FUZZ_VM_DEFAULT_OPTS), Debian's
#               kernel with $(DRIVER_KO) and $(SELFTEST_VGEM).  Another
#               kernel: --kernel VMLINUZ --module LLMACCEL.KO --module VGEM.KO
#               (plus --append/--memory/--qemu-arg as wanted)
#   ENV         environment of the runner; empty means
#               $(FUZZ_VM_DEFAULT_ENV).  Another kernel: KVER=... (its
#               /lib/modules tree goes into the initramfs) and its own
#               LLMACCEL_VM_CACHE=DIR
#
# It is a shell fragment for a recipe line (`@$(call FUZZ_VM_BOOT,...)`):
# it never fails the recipe; the .rc file carries the verdict for
# scripts/tap-summary.sh.  The fuzzer binary is static and the same for
# every kernel.  Prerequisites are the caller's: qemu, selftests, the
# modules, scripts/setup-vm-deps.sh.

FUZZ_VM_SECONDS       ?= 600
FUZZ_VM_SHORT_SECONDS ?= 60
FUZZ_VM_PROCS         ?= 4
FUZZ_VM_THREADS       ?= 4
FUZZ_VM_SEED          ?= 1
FUZZ_VM_SMP           ?= 2
FUZZ_VM_HUNG_S        ?= 30
FUZZ_VM_PARAMS        ?= max_job_ms=20000
# Boot, worker watchdog (120 s), queue checks and the log scan.
FUZZ_VM_SLACK         ?= 600
FUZZ_VM_ARGS          ?=
FUZZ_VM_BIN           := $(SELFTEST_DIR)/llmaccel_fuzz

FUZZ_VM_DEFAULT_OPTS = --module $(DRIVER_KO) --module $(SELFTEST_VGEM)
FUZZ_VM_DEFAULT_ENV  = LLMACCEL_VM_CACHE=$(abspath $(VM_DIR))/initramfs

define FUZZ_VM_BOOT # name, seconds, llmaccel-vm options, environment
	echo "== suite $(1): llmaccel_fuzz -d $(2) -p $(FUZZ_VM_PROCS) -t $(FUZZ_VM_THREADS) -s $(FUZZ_VM_SEED) in the VM"; \
	t0=$$(date +%s); \
	$(or $(strip $(4)),$(FUZZ_VM_DEFAULT_ENV)) tools/llmaccel-vm \
		--qemu $(QEMU_BIN) --timeout $$(( $(2) + $(FUZZ_VM_SLACK) )) \
		--smp $(FUZZ_VM_SMP) \
		$(or $(strip $(3)),$(FUZZ_VM_DEFAULT_OPTS)) \
		--add $(FUZZ_VM_BIN):/tests/bin/llmaccel_fuzz \
		--add selftests/llmaccel/run-in-vm.sh:/tests/run-in-vm.sh \
		--out $(TAPDIR)/$(1).tap --log $(TAPDIR)/$(1).console -- \
		sh /tests/run-in-vm.sh $(foreach p,$(FUZZ_VM_PARAMS),--param $(p)) \
		llmaccel_fuzz -d $(2) -p $(FUZZ_VM_PROCS) -t $(FUZZ_VM_THREADS) \
		-s $(FUZZ_VM_SEED) -H $(FUZZ_VM_HUNG_S) $(FUZZ_VM_ARGS); \
	echo $$? >$(TAPDIR)/$(1).rc; \
	grep -E '^(not )?ok |^1\.\.|^Bail out|^# (ioctls|reset_count|kmsg BAD|dmesg BAD)' \
		$(TAPDIR)/$(1).tap; \
	echo "== $(1): rc $$(cat $(TAPDIR)/$(1).rc), $$(( $$(date +%s) - t0 )) s";
endef

.PHONY: fuzz-vm check-fuzz-vm fuzz-vm-deps

# vgem comes from the guest kernel's package, extracted after
# setup-vm-deps.sh (as in check-kselftest: no two apt runs under -j).
fuzz-vm-deps: qemu module selftests
	@scripts/setup-vm-deps.sh
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) \
		$(SELFTEST_VGEM)
	@mkdir -p $(TAPDIR)

check-fuzz-vm: fuzz-vm-deps
	@$(call FUZZ_VM_BOOT,fuzz-vm-short,$(FUZZ_VM_SHORT_SECONDS))

fuzz-vm: fuzz-vm-deps
	@$(call FUZZ_VM_BOOT,fuzz-vm,$(FUZZ_VM_SECONDS))
