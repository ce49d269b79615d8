# mk/debug.mk: the debug kernel lane.  Debian's 6.12 kernel has neither
# KASAN nor lockdep: this lane builds a guest kernel from Debian's
# linux-source-6.12 with KASAN (generic, inline), PROVE_LOCKING,
# DEBUG_OBJECTS, kmemleak, DMA-API debugging and the hung-task detector
# (scripts/debug-kernel.config), builds llmaccel.ko against it and runs the
# in-guest suites on it.  Included by the top-level Makefile after
# mk/qemu.mk, mk/vm.mk, mk/module.mk, mk/selftests.mk and mk/fuzz.mk (uses
# QEMU_BIN, VM_DIR, MODULE_TEST_DIR, the kselftest_boots and FUZZ_VM_BOOT
# macros and TAPDIR).
#
#   make debug-kernel     scripts/kernel-debug-build.sh: the kernel, cached
#                         under $(LLMACCEL_CACHE)/kernel-debug by a hash of
#                         the linux-source version, the config fragment and
#                         the script (our code is not an input: a driver
#                         change never rebuilds it); a progress line every
#                         30 s; results in $(DEBUG_KERNEL_DIR)
#   make debug-kernel-bg  start that build detached (log in
#                         $(DEBUG_KERNEL_DIR)/build.log) and return; a later
#                         `make debug-kernel` waits for it, showing progress
#   make module-debug     llmaccel.ko against the debug kernel's tree, in
#                         $(DEBUG_MODULE_DIR) (mk/module.mk's `module` in a
#                         sub-make with MODULE_DIR, KDIR and KVER overridden)
#   make check-debug      every boot of check-kselftest (as debug-kselftest-*)
#                         and check-vm-module's smoke test (debug-module) on
#                         the debug kernel, then the short fuzz of
#                         check-fuzz-vm (debug-fuzz, mk/fuzz.mk's
#                         FUZZ_VM_BOOT), then debug-log: per boot, no KASAN
#                         report, no lockdep/RCU/atomic-context report, no
#                         ODEBUG warning, no other WARNING/BUG/oops/hung
#                         task, and a kmemleak scan after the test with no
#                         leak from llmaccel or DRM (scripts/debug-log-tap.sh).
#                         TAP in $(TAPDIR)/debug-*.tap, exit status in .rc,
#                         console in .console.
#
# In each boot, llmaccel-vm --pre clears the boot messages from the log
# buffer (kmemleak's banner would trip the tests' own dmesg checks; the
# console, at loglevel=5, keeps every warning), and --post runs
# tests/vm/debug-post.sh: rmmod llmaccel, then a kmemleak scan.

DEBUG_KERNEL_DIR ?= $(BUILD)/kernel-debug
DEBUG_BZIMAGE    := $(DEBUG_KERNEL_DIR)/bzImage
DEBUG_ENV        := $(DEBUG_KERNEL_DIR)/kernel-debug.env
DEBUG_MODULE_DIR ?= $(BUILD)/module-debug
DEBUG_KO         := $(DEBUG_MODULE_DIR)/llmaccel.ko
# Known once debug-kernel has run (recipes expand after prerequisites).
debug_env   = $(shell sed -n 's/^$(1)=//p' $(DEBUG_ENV) 2>/dev/null)
DEBUG_KVER  = $(call debug_env,KVER)
DEBUG_KDIR  = $(call debug_env,KDIR)
DEBUG_KROOT = $(call debug_env,KROOT)
DEBUG_VGEM  = $(shell modinfo -b $(DEBUG_KROOT) -k $(DEBUG_KVER) -n vgem 2>/dev/null)
# KASAN, lockdep and kmemleak under TCG: several times slower than
# Debian's kernel.
DEBUG_VM_TIMEOUT ?= 1800
DEBUG_APPEND     ?= loglevel=5

# The runner's environment and options for the debug kernel (no commas:
# they are also a $(call) argument).
DEBUG_VM_ENV  = KVER=$(DEBUG_KVER) \
	LLMACCEL_VM_CACHE=$(abspath $(VM_DIR))/initramfs-debug
DEBUG_VM_OPTS = --kernel $(DEBUG_BZIMAGE) --kroot $(DEBUG_KROOT) \
	--append "$(DEBUG_APPEND)" \
	--add tests/vm/debug-post.sh:/tests/debug-post.sh \
	--pre 'dmesg -c >/dev/null' --post 'sh /tests/debug-post.sh'
DEBUG_VM_RUN  = $(DEBUG_VM_ENV) tools/llmaccel-vm --qemu $(QEMU_BIN) \
	--timeout $(DEBUG_VM_TIMEOUT) $(DEBUG_VM_OPTS)

# ---- the short fuzz: mk/fuzz.mk's FUZZ_VM_BOOT ---------------------------
# $(call FUZZ_VM_BOOT,NAME,SECONDS,VM_OPTIONS,ENV) (make fuzz-vm's boot)
# with this kernel's options; its binary comes from `make selftests`.
# Without mk/fuzz.mk, debug-fuzz says it is skipped.
DEBUG_FUZZ_SECONDS ?= $(or $(FUZZ_VM_SHORT_SECONDS),60)

.PHONY: debug-kernel debug-kernel-bg module-debug check-debug \
	debug-kselftest debug-smoke debug-fuzz debug-log

debug-kernel:
	@scripts/kernel-debug-build.sh $(DEBUG_KERNEL_DIR)

debug-kernel-bg:
	@mkdir -p $(DEBUG_KERNEL_DIR)
	@nohup setsid scripts/kernel-debug-build.sh $(DEBUG_KERNEL_DIR) \
		>$(DEBUG_KERNEL_DIR)/build.log 2>&1 </dev/null &
	@echo "debug-kernel: building in the background" \
		"(log: $(DEBUG_KERNEL_DIR)/build.log; make debug-kernel waits for it)"

module-debug: debug-kernel
	@$(MAKE) --no-print-directory module MODULE_DIR=$(DEBUG_MODULE_DIR) \
		KDIR=$(DEBUG_KDIR) KVER=$(DEBUG_KVER)

# Sub-makes keep the order under make -j: the kernel after QEMU (their
# apt runs must not race), the boots after the module, the log check last.
check-debug: qemu selftests module-smoke
	@scripts/setup-vm-deps.sh
	@$(MAKE) --no-print-directory module-debug
	@mkdir -p $(TAPDIR)
	@rm -f $(TAPDIR)/debug-*
	@$(MAKE) --no-print-directory debug-kselftest
	@$(MAKE) --no-print-directory debug-smoke
	@$(MAKE) --no-print-directory debug-fuzz
	@$(MAKE) --no-print-directory debug-log

# check-kselftest's boots (mk/selftests.mk), on the debug kernel.
debug-kselftest: VM_RUN = $(DEBUG_VM_RUN)
debug-kselftest: DRIVER_KO = $(DEBUG_KO)
debug-kselftest: SELFTEST_VGEM = $(DEBUG_VGEM)
debug-kselftest: KSELFTEST_TIMEOUT = $(DEBUG_VM_TIMEOUT)
debug-kselftest:
	@test -f "$(SELFTEST_VGEM)" || { echo "debug-kselftest: no vgem.ko" \
		"in the debug kernel (make debug-kernel)" >&2; exit 1; }
	@$(call kselftest_boots,debug-)

# check-vm-module's boot (mk/module.mk), on the debug kernel.
debug-smoke:
	@echo "== suite debug-module: driver/tests/vm-smoke.sh on the debug kernel"
	@t0=$$(date +%s); \
	$(DEBUG_VM_RUN) --module $(DEBUG_KO) \
		--device llmaccel,inject-hang-queue=2 \
		--add $(MODULE_TEST_DIR)/llmaccel-smoke:/tests/llmaccel-smoke \
		--add driver/tests/vm-smoke.sh:/tests/vm-smoke.sh \
		--out $(TAPDIR)/debug-module.tap \
		--log $(TAPDIR)/debug-module.console \
		-- sh /tests/vm-smoke.sh /tests/llmaccel-smoke 2; \
	echo $$? >$(TAPDIR)/debug-module.rc; \
	grep -E '^(not )?ok |^1\.\.' $(TAPDIR)/debug-module.tap; \
	echo "== debug-module: rc $$(cat $(TAPDIR)/debug-module.rc), $$(( $$(date +%s) - t0 )) s"

debug-fuzz:
	@$(if $(value FUZZ_VM_BOOT),$(call FUZZ_VM_BOOT,debug-fuzz,$(DEBUG_FUZZ_SECONDS),$(DEBUG_VM_OPTS) --module $(DEBUG_KO) --module $(DEBUG_VGEM),$(DEBUG_VM_ENV)),echo "== debug-fuzz: skipped (no FUZZ_VM_BOOT: mk/fuzz.mk missing)")

debug-log:
	@echo "== suite debug-log: KASAN, lockdep, ODEBUG, WARN and kmemleak reports of the debug boots"
	@scripts/debug-log-tap.sh $(sort $(filter-out $(TAPDIR)/debug-log.console, \
		$(wildcard $(TAPDIR)/debug-*.console))) >$(TAPDIR)/debug-log.tap; \
	echo $$? >$(TAPDIR)/debug-log.rc; \
	cat $(TAPDIR)/debug-log.tap
