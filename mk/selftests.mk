# mk/selftests.mk: the kselftest suite of llmaccel.ko (selftests/llmaccel/).
# Included by the top-level Makefile after mk/qemu.mk, mk/vm.mk and
# mk/module.mk (uses QEMU's `qemu` target, VM_RUN, DRIVER_KO, KVER, KDIR,
# KSRC_CACHE and TAPDIR).
#
#   make selftests        build $(SELFTEST_BIN), a static binary using the
#                         kernel's kselftest_harness.h (extracted once from
#                         Debian's linux-source-6.12 into $(KSFT_INC) by
#                         selftests/llmaccel/ksft-headers.sh, never
#                         committed) with the rtl-model compiled in
#   make check-kselftest  build the module and the suite, then boot the VM
#                         once per suite below (QEMU device properties in
#                         brackets):
#     kselftest-llmaccel         [defaults] everything but the fault-
#                                injection fixtures: ioctls, bad input,
#                                fences, model-exact jobs, isolation,
#                                debugfs reset, unload/reload x20, dmesg
#     kselftest-llmaccel-hang    [inject-hang-queue=3] hang recovery, bans,
#                                innocent files' jobs complete; dmesg
#                                (module hang_check_ms=250, as the next)
#     kselftest-llmaccel-inject  [inject-dma-fail=8, inject-drop-irq=2,
#                                inject-corrupt-compl=3] DMA error, lost
#                                interrupt, corrupt completion; dmesg
#     kselftest-core-ioctl       [defaults] llmaccel_core_ioctl_test: every
#                                DRM core ioctl number as uid 65534 (the
#                                filter in driver/llmaccel_ioctl.c); dmesg
#     kselftest-limits           [defaults] llmaccel_limits_test: pinned BO
#                                memory limits as uid 65534 (per file,
#                                device-wide, dma-buf, killed process, the
#                                defaults vs MemAvailable, a job after);
#                                dmesg (module pin_limit_mb=48,
#                                pin_limit_file_mb=32: small, so quick)
#                         TAP in $(TAPDIR)/<name>.tap, exit status in
#                         <name>.rc (as scripts/run-tap.sh), console in
#                         <name>.console.  Each binary run is one TAP plan.
#
# vgem (Debian's module, decompressed into $(SELFTEST_DIR)) rides along in
# the initramfs: its fences hold jobs back, so no test sleeps.

SELFTEST_DIR     ?= $(BUILD)/selftests
KSFT_INC         ?= $(KSRC_CACHE)/selftests
SELFTEST_BIN     := $(SELFTEST_DIR)/llmaccel_test
SELFTEST_CORE_IOCTL := $(SELFTEST_DIR)/llmaccel_core_ioctl_test
SELFTEST_VGEM    := $(SELFTEST_DIR)/vgem.ko
KSELFTEST_TIMEOUT ?= 600
KSELFTEST_HANG_Q ?= 3
# Progress-check interval of the injection boots: hangs and lost
# interrupts are found in 1-2 intervals, so a short one keeps them quick.
KSELFTEST_HANG_CHECK_MS ?= 250
KSELFTEST_INJECT ?= inject-dma-fail=8,inject-drop-irq=2,inject-corrupt-compl=3
# Pinned-memory limits of the limits boot (MiB): small, so filling them is
# quick; the test reads them back from sysfs.
KSELFTEST_PIN_LIMIT_MB ?= 48
KSELFTEST_PIN_LIMIT_FILE_MB ?= 32
comma := ,

.PHONY: selftests check-kselftest selftests-clean

# The sub-make knows the dependencies (sources, headers, rtl-model).
selftests:
	@$(MAKE) --no-print-directory -C selftests/llmaccel \
		O=$(abspath $(SELFTEST_DIR)) KSFT_INC=$(KSFT_INC) \
		KSRC_CACHE=$(KSRC_CACHE) KDIR=$(KDIR) KVER=$(KVER)

$(SELFTEST_VGEM):
	@mkdir -p $(dir $@)
	@f=$$(modinfo -k $(KVER) -n vgem) || { echo "selftests: no vgem" \
		"module for $(KVER) (linux-image-6.12-amd64)" >&2; exit 1; }; \
	case $$f in \
	*.xz) xz -dc "$$f" >$@.tmp ;; *.zst) zstd -qdc "$$f" >$@.tmp ;; \
	*.gz) gzip -dc "$$f" >$@.tmp ;; *) cp "$$f" $@.tmp ;; \
	esac && mv $@.tmp $@

# One VM boot per device configuration; a boot's failure never stops the
# next one (the summary reads the .rc files).
KSELFTEST_RUN = $(VM_RUN) --timeout $(KSELFTEST_TIMEOUT) \
	--module $(DRIVER_KO) --module $(SELFTEST_VGEM) \
	--add $(SELFTEST_DIR):/tests/bin \
	--add selftests/llmaccel/run-in-vm.sh:/tests/run-in-vm.sh

define kselftest_boot # name, device, runner arguments (binary, options)
	echo "== suite $(1): sh run-in-vm.sh $(3) in the VM (-device $(2))"; \
	t0=$$(date +%s); \
	$(KSELFTEST_RUN) --device $(2) --out $(TAPDIR)/$(1).tap \
		--log $(TAPDIR)/$(1).console -- sh /tests/run-in-vm.sh $(3); \
	echo $$? >$(TAPDIR)/$(1).rc; \
	grep -E '^(not )?ok |^1\.\.|^# Totals' $(TAPDIR)/$(1).tap; \
	echo "== $(1): rc $$(cat $(TAPDIR)/$(1).rc), $$(( $$(date +%s) - t0 )) s";
endef

# Every boot of the suite; $(1) prefixes the suite names (mk/debug.mk
# runs the same boots on the debug kernel as debug-kselftest-*).
define kselftest_boots # name prefix
$(call kselftest_boot,$(1)kselftest-llmaccel,llmaccel,llmaccel_test -F hang -F inject)
$(call kselftest_boot,$(1)kselftest-llmaccel-hang,llmaccel$(comma)inject-hang-queue=$(KSELFTEST_HANG_Q),--hang-queue $(KSELFTEST_HANG_Q) --param hang_check_ms=$(KSELFTEST_HANG_CHECK_MS) llmaccel_test -f hang -f final)
$(call kselftest_boot,$(1)kselftest-llmaccel-inject,llmaccel$(comma)$(KSELFTEST_INJECT),--param hang_check_ms=$(KSELFTEST_HANG_CHECK_MS) llmaccel_test -f inject -f final)
$(call kselftest_boot,$(1)kselftest-core-ioctl,llmaccel,llmaccel_core_ioctl_test)
$(call kselftest_boot,$(1)kselftest-limits,llmaccel,--param pin_limit_mb=$(KSELFTEST_PIN_LIMIT_MB) --param pin_limit_file_mb=$(KSELFTEST_PIN_LIMIT_FILE_MB) llmaccel_limits_test)
endef

# vgem comes from the guest kernel's package: extracted after
# setup-vm-deps.sh (inside the recipe, so no two apt runs race under -j).
check-kselftest: qemu module selftests
	@scripts/setup-vm-deps.sh
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) \
		$(SELFTEST_VGEM)
	@mkdir -p $(TAPDIR)
	@$(call kselftest_boots,)

selftests-clean:
	rm -rf $(SELFTEST_DIR)
