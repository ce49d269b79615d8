# mk/vm.mk: the test VM (Debian's 6.12 kernel, busybox initramfs, QEMU with
# the llmaccel device under TCG) and the suites that run inside it.
# Included by the top-level Makefile after BUILD and TAPDIR are set; uses
# the `qemu` target and QEMU_BIN of mk/qemu.mk.
#
#   make vm-deps    install the guest kernel, headers, busybox-static, cpio,
#                   kmod, seabios, qemu-system-data (idempotent, root)
#   make check-vm   boot the VM and run tests/vm/pci-check.sh: TAP in
#                   $(TAPDIR)/vm-pci.tap, exit status in $(TAPDIR)/vm-pci.rc
#                   (as scripts/run-tap.sh), console in vm-pci.console
#   make check-vm-idmatch  boot the VM with three llmaccel functions (our
#                   identity; our IDs with another class; QXL's IDs) and run
#                   tests/vm/id-match.sh: llmaccel.ko binds only the first;
#                   TAP in $(TAPDIR)/vm-idmatch.tap, status in .rc
#   make vm-shell   interactive busybox shell in the VM (Ctrl-A x quits)
#
# VM_RUN is the runner command line for further suites, e.g.
#   $(VM_RUN) --module $(DRIVER_KO) --out $(TAPDIR)/x.tap -- /tests/x
# VM_MODULES (our .ko files) go into every initramfs built here.

BUILD       ?= build
TAPDIR      ?= $(BUILD)/tap
QEMU_BIN    ?= $(BUILD)/qemu/qemu-system-x86_64
VM_DIR      ?= $(BUILD)/vm
VM_TIMEOUT  ?= 120
VM_MODULES  ?=
# Queue count of the device in check-vm: not the QEMU default, so the
# MSI-X table size is seen to follow the configuration.
VM_PCI_QUEUES ?= 3
VM_HWENV    := $(VM_DIR)/hw.env

VM_RUN = LLMACCEL_VM_CACHE=$(abspath $(VM_DIR))/initramfs \
	 tools/llmaccel-vm --qemu $(QEMU_BIN) --timeout $(VM_TIMEOUT) \
	 $(foreach m,$(VM_MODULES),--module $(m))

.PHONY: vm-deps check-vm check-vm-idmatch vm-shell

vm-deps:
	@scripts/setup-vm-deps.sh

# Header constants for the guest scripts, generated from llmaccel_hw.h.
$(VM_DIR)/hwconst: tests/vm/hwconst.c rtl-model/include/llmaccel_hw.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes \
		-Irtl-model/include $< -o $@

$(VM_HWENV): $(VM_DIR)/hwconst
	$(VM_DIR)/hwconst >$@.tmp && mv $@.tmp $@

# vm-deps runs inside the recipe, after `qemu` (which installs its own
# build deps): two apt runs in parallel under make -j would fight over the
# dpkg lock.
check-vm: qemu $(VM_HWENV)
	@scripts/setup-vm-deps.sh
	@mkdir -p $(TAPDIR)
	@echo "== suite vm-pci: tests/vm/pci-check.sh in the VM (queues=$(VM_PCI_QUEUES))"
	@$(VM_RUN) --device llmaccel,queues=$(VM_PCI_QUEUES) \
		--add $(VM_HWENV):/tests/hw.env \
		--add tests/vm/pci-check.sh:/tests/pci-check.sh \
		--out $(TAPDIR)/vm-pci.tap --log $(TAPDIR)/vm-pci.console \
		-- sh /tests/pci-check.sh /tests/hw.env $(VM_PCI_QUEUES); \
	echo $$? >$(TAPDIR)/vm-pci.rc; \
	cat $(TAPDIR)/vm-pci.tap

check-vm-idmatch: qemu $(VM_HWENV)
	@scripts/setup-vm-deps.sh
	@mkdir -p $(TAPDIR)
	@echo "== suite vm-idmatch: tests/vm/id-match.sh in the VM (three functions)"
	@$(VM_RUN) --device llmaccel \
		--qemu-arg -device --qemu-arg llmaccel,class=0x0b40,revision=5 \
		--qemu-arg -device --qemu-arg llmaccel,vendor-id=0x1b36,device-id=0x0100,class=0x0380 \
		--add $(VM_HWENV):/tests/hw.env \
		--add tests/vm/id-match.sh:/tests/id-match.sh \
		--out $(TAPDIR)/vm-idmatch.tap --log $(TAPDIR)/vm-idmatch.console \
		-- sh /tests/id-match.sh /tests/hw.env; \
	echo $$? >$(TAPDIR)/vm-idmatch.rc; \
	cat $(TAPDIR)/vm-idmatch.tap

vm-shell: qemu
	@scripts/setup-vm-deps.sh
	@$(VM_RUN) --timeout 86400 --shell
