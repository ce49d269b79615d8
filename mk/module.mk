# mk/module.mk: the llmaccel.ko kernel module (driver/, Kbuild, uapi/).
# Included by the top-level Makefile (after BUILD is set).
#
#   make module          build $(DRIVER_KO) = build/module/llmaccel.ko
#                        against /lib/modules/$(KVER)/build
#   make module-lint     W=1 build + sparse (C=2) + checkpatch.pl --strict on
#                        driver/*.[ch] and uapi/drm/llmaccel_accel.h; fails on
#                        any warning.  checkpatch.pl and its data files are
#                        extracted once from Debian's linux-source-6.12 into
#                        $(KSRC_CACHE) (driver/ksrc-tools.sh); sparse is the
#                        Debian package (installed when missing and root)
#   make module_install  install the module (+ depmod) and the udev rule
#                        (root); DESTDIR/INSTALL_MOD_PATH are honoured
#   make module-dkms-src stage a DKMS source tree in $(MODULE_DKMS_DIR)
#                        (dkms add/build/install it: see docs/uapi.md)
#   make module-host-test  host TAP test of driver/llmaccel_pt.h (the
#                        driver's pure page-table and range arithmetic)
#   make module-smoke    static build/module-tests/llmaccel-smoke, the
#                        driver's end-to-end check to run in the VM
#   make check-vm-module  boot the VM (mk/vm.mk's VM_RUN, device with
#                        inject-hang-queue=2) and run driver/tests/vm-smoke.sh:
#                        TAP in $(TAPDIR)/vm-module.tap, status in .rc
#   make module-clean
#
# The kernel build runs in $(MODULE_DIR), a tree of symbolic links to the
# sources, so no object file lands in the repository.  KVER defaults to the
# kernel of Debian's linux-image-6.12-amd64 (scripts/setup-vm-deps.sh),
# else the newest /lib/modules entry with a build directory.

BUILD           ?= build
MODULE_DIR      ?= $(BUILD)/module
DRIVER_KO       := $(MODULE_DIR)/llmaccel.ko
LLMACCEL_CACHE  ?= /var/cache/llmaccel
KSRC_CACHE      ?= $(LLMACCEL_CACHE)/ksrc
MODULE_LINT_LOG ?= $(BUILD)/module-lint
ifeq ($(origin KVER),undefined)
KVER := $(shell { scripts/setup-vm-deps.sh --kver 2>/dev/null || \
	  ls /lib/modules 2>/dev/null | sort -V | tail -n 1; } | head -n 1)
endif
KDIR            ?= /lib/modules/$(KVER)/build
UDEV_RULES_DIR  ?= /etc/udev/rules.d
MODULE_DKMS_DIR ?= $(BUILD)/dkms/llmaccel-1.0

MODULE_SRCS := Kbuild $(sort $(wildcard driver/*.c driver/*.h)) \
	       uapi/drm/llmaccel_accel.h rtl-model/include/llmaccel_hw.h
MODULE_LINT_FILES := $(sort $(wildcard driver/*.c driver/*.h)) \
		     uapi/drm/llmaccel_accel.h

.PHONY: module module-lint module_install module-install module-clean \
	module-dkms-src module-tree module-host-test module-smoke \
	check-vm-module

# Mirror the sources as links (cheap, idempotent; stale links removed).
module-tree:
	@test -d "$(KDIR)" || { echo "module: no kernel build tree $(KDIR)" \
		"(install linux-headers-6.12-amd64: make vm-deps)" >&2; exit 1; }
	@mkdir -p $(MODULE_DIR)/driver $(MODULE_DIR)/uapi/drm \
		$(MODULE_DIR)/rtl-model/include
	@find $(MODULE_DIR) -type l ! -exec test -e {} \; -delete
	@for f in $(MODULE_SRCS); do \
		ln -sfn $(abspath .)/$$f $(MODULE_DIR)/$$f; done

module: module-tree
	$(MAKE) -C $(KDIR) M=$(abspath $(MODULE_DIR)) modules

# W=1 and sparse over every file (C=2), then checkpatch --strict.
module-lint: module-tree
	@mkdir -p $(MODULE_LINT_LOG)
	@command -v sparse >/dev/null || { [ "$$(id -u)" = 0 ] && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends sparse >/dev/null; } || \
		{ echo "module-lint: sparse missing (apt-get install sparse)" >&2; \
		exit 1; }
	@driver/ksrc-tools.sh $(KSRC_CACHE) $(KVER)
	$(MAKE) -C $(KDIR) M=$(abspath $(MODULE_DIR)) clean >/dev/null
	$(MAKE) -C $(KDIR) M=$(abspath $(MODULE_DIR)) W=1 C=2 modules \
		2>&1 | tee $(MODULE_LINT_LOG)/build.log
	@n=$$(grep -cE 'warning:|error:' $(MODULE_LINT_LOG)/build.log); \
	echo "module-lint: W=1 + sparse: $$n warnings"; \
	$(KSRC_CACHE)/scripts/checkpatch.pl --strict --no-tree --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f \
		$(MODULE_LINT_FILES) >$(MODULE_LINT_LOG)/checkpatch.log 2>&1; \
	c=$$(grep -cE '^(ERROR|WARNING|CHECK):' \
		$(MODULE_LINT_LOG)/checkpatch.log); \
	echo "module-lint: checkpatch --strict: $$c findings" \
		"($(MODULE_LINT_LOG)/checkpatch.log)"; \
	[ $$c -eq 0 ] || grep -A3 -E '^(ERROR|WARNING|CHECK):' \
		$(MODULE_LINT_LOG)/checkpatch.log; \
	test $$n -eq 0 -a $$c -eq 0

module_install module-install: module
	$(MAKE) -C $(KDIR) M=$(abspath $(MODULE_DIR)) modules_install \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH))
	install -D -m 0644 driver/99-llmaccel.rules \
		$(DESTDIR)$(UDEV_RULES_DIR)/99-llmaccel.rules
	@if [ -z "$(DESTDIR)$(INSTALL_MOD_PATH)" ]; then \
		depmod -a $(KVER); \
		udevadm control --reload-rules 2>/dev/null || true; \
	fi

module-dkms-src:
	rm -rf $(MODULE_DKMS_DIR)
	mkdir -p $(MODULE_DKMS_DIR)
	for f in $(MODULE_SRCS) driver/dkms.conf driver/99-llmaccel.rules; do \
		install -D -m 0644 $$f $(MODULE_DKMS_DIR)/$$f; done
	cp driver/dkms.conf $(MODULE_DKMS_DIR)/dkms.conf

MODULE_TEST_DIR := $(BUILD)/module-tests
MODULE_TEST_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Idriver -Irtl-model/include

$(MODULE_TEST_DIR)/test_llmaccel_pt: driver/tests/test_llmaccel_pt.c \
		driver/llmaccel_pt.h rtl-model/include/llmaccel_hw.h
	@mkdir -p $(dir $@)
	$(CC) $(MODULE_TEST_CFLAGS) -fsanitize=address,undefined $< -o $@

module-host-test: $(MODULE_TEST_DIR)/test_llmaccel_pt
	$(MODULE_TEST_DIR)/test_llmaccel_pt

# The raw kernel uapi drm.h (not run through headers_install) still has
# __user; define it away instead of needing libdrm-dev.
$(MODULE_TEST_DIR)/llmaccel-smoke: driver/tests/llmaccel-smoke.c \
		uapi/drm/llmaccel_accel.h rtl-model/include/llmaccel_hw.h
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -std=gnu11 -Wall -Wextra -Werror -D__user= \
		-Iuapi/drm -Irtl-model/include \
		-I$(firstword $(wildcard $(KDIR)/include/uapi/drm \
		$(subst -amd64,-common,$(realpath $(KDIR)))/include/uapi/drm)) \
		$< -o $@

module-smoke: $(MODULE_TEST_DIR)/llmaccel-smoke

TAPDIR ?= $(BUILD)/tap
check-vm-module: module module-smoke
	@mkdir -p $(TAPDIR)
	@$(VM_RUN) --module $(DRIVER_KO) --device llmaccel,inject-hang-queue=2 \
		--add $(MODULE_TEST_DIR)/llmaccel-smoke:/tests/llmaccel-smoke \
		--add driver/tests/vm-smoke.sh:/tests/vm-smoke.sh \
		--out $(TAPDIR)/vm-module.tap --log $(TAPDIR)/vm-module.console \
		-- sh /tests/vm-smoke.sh /tests/llmaccel-smoke 2; \
	echo $$? >$(TAPDIR)/vm-module.rc; \
	cat $(TAPDIR)/vm-module.tap

module-clean:
	rm -rf $(MODULE_DIR) $(MODULE_LINT_LOG) $(BUILD)/dkms $(MODULE_TEST_DIR)
