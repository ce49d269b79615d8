# mk/tools.mk: the libaccel command-line tools (issue D1, item 3).
# Included by the top-level Makefile after mk/libaccel.mk, mk/vm.mk and
# mk/module.mk (uses LA_*, VM_RUN, DRIVER_KO, MODULE_TEST_DIR).
#
#   make tools           $(BUILD)/bin/llmaccel-{info,bench,top}, linked
#                        against $(BUILD)/libaccel/libaccel.so (rpath
#                        $ORIGIN/../libaccel), and fully static copies in
#                        $(BUILD)/tools/static/ for the VM
#   make check-tools     host TAP (tools/tests/host-tools.sh) into
#                        $(TAPDIR)/tools.tap, and again with the tools
#                        built with ASan+UBSan into tools-asan.tap (leaks
#                        and undefined behaviour fail): --help of each tool, info and
#                        bench --quick/--json on the sim backend with the
#                        JSON validated, the no-device message on the
#                        kernel backend, llmaccel-top on a fake sysfs/proc
#                        tree, the man pages rendered
#   make check-vm-tools  boot the VM once with llmaccel.ko and the static
#                        tools (tools/tests/vm-tools.sh): info, bench
#                        --quick and top --once while a job runs, on the
#                        kernel backend; TAP in $(TAPDIR)/vm-tools.tap,
#                        status in vm-tools.rc.  The device's SEM_WAIT
#                        timeout is raised so the smoke program's --sem
#                        job can hold queue 0 busy for top to see
#   make bench-host      the full llmaccel-bench tables on the sim backend:
#                        read bandwidth, TLMM (T2/T5, M 1/128/512, hot and
#                        DRAM GEMV), attention, latency, tokenizers, and
#                        bitnet-0.7b/bitnet-2b prefill, decode and TTFT
#                        (BENCH_ARGS="--models bitnet-0.7b" skips the big
#                        model)
#   make bench-vm        the decode rows and null-job latency on the host's
#                        sim backend (--decode-out), then in the VM on the
#                        kernel backend printed beside them (--decode-ref);
#                        BENCH_VM_ARGS adds options to both runs
#   make install-tools   bin/ and share/man/man1 under $(DESTDIR)$(PREFIX)

TOOLS          := llmaccel-info llmaccel-bench llmaccel-top
TOOLS_DIR      := $(BUILD)/tools
TOOLS_BINS     := $(TOOLS:%=$(BUILD)/bin/%)
TOOLS_STATIC   := $(TOOLS:%=$(TOOLS_DIR)/static/%)
TOOLS_MANS     := $(TOOLS:%=tools/man/%.1)
TOOLS_ASAN     := $(TOOLS:%=$(TOOLS_DIR)/asan/bin/%)
TOOLS_JSONCHK  := $(TOOLS_DIR)/json-check
TOOLS_JSONCHK_STATIC := $(TOOLS_DIR)/static/json-check
TOOLS_CFLAGS    = $(ALL_CFLAGS) -Ilibaccel/include -Itools -pthread
TOOLS_HDRS     := tools/common.h libaccel/include/libaccel.h \
		  rtl-model/include/llmaccel_hw.h
TOOLS_COMMON_OBJ := $(TOOLS_DIR)/common.o
MANDIR         ?= $(PREFIX)/share/man
BINDIR         ?= $(PREFIX)/bin
# Figures of bench-vm: the kernel backend in a guest with room for the
# models (bitnet-2b: file, loader and weights, about 4 GiB); VM_TIMEOUT of
# a full run is raised accordingly.
TOOLS_VM_TIMEOUT ?= 1800
BENCH_VM_MEMORY  ?= 6G
BENCH_VM_ARGS    ?=
BENCH_REF        := $(BUILD)/bench/host-decode.txt
# The host writes the models once; the guest reads the same files.
BENCH_MODELS     := $(BUILD)/bench/models

.PHONY: tools check-tools check-vm-tools bench-host bench-vm install-tools

tools: $(TOOLS_BINS) $(TOOLS_STATIC) $(TOOLS_JSONCHK)

$(TOOLS_DIR)/%.o: tools/%.c $(TOOLS_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) -c $< -o $@

$(TOOLS_BINS): $(BUILD)/bin/%: $(TOOLS_DIR)/%.o $(TOOLS_COMMON_OBJ) \
		$(LA_DIR)/libaccel.so
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) -o $@ $< $(TOOLS_COMMON_OBJ) -L$(LA_DIR) \
		-Wl,-rpath,'$$ORIGIN/../libaccel' -laccel $(LA_LIBS)

# The guest has no libaccel.so: static binaries need nothing at run time.
$(TOOLS_STATIC): $(TOOLS_DIR)/static/%: $(TOOLS_DIR)/%.o \
		$(TOOLS_COMMON_OBJ) $(LA_A)
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) -static -o $@ $< $(TOOLS_COMMON_OBJ) $(LA_A) \
		$(LA_LIBS)

# ASan+UBSan builds against libaccel's sanitized objects, for check-tools.
$(TOOLS_DIR)/asan/%.o: tools/%.c $(TOOLS_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) $(ASAN_FLAGS) -O1 -c $< -o $@

$(TOOLS_ASAN): $(TOOLS_DIR)/asan/bin/%: $(TOOLS_DIR)/asan/%.o \
		$(TOOLS_DIR)/asan/common.o $(LA_ASAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) $(ASAN_FLAGS) -O1 -o $@ $< \
		$(TOOLS_DIR)/asan/common.o $(LA_ASAN_OBJS) $(LA_LIBS)

$(TOOLS_JSONCHK): tools/tests/json-check.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -O1 -o $@ $<

$(TOOLS_JSONCHK_STATIC): tools/tests/json-check.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -static -o $@ $<

check-tools: tools $(TOOLS_ASAN)
	@scripts/run-tap.sh $(TAPDIR) tools sh tools/tests/host-tools.sh \
		$(BUILD)/bin $(TOOLS_JSONCHK) tools/man
	@UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		scripts/run-tap.sh $(TAPDIR) tools-asan sh \
		tools/tests/host-tools.sh $(TOOLS_DIR)/asan/bin \
		$(TOOLS_JSONCHK) tools/man

TOOLS_VM_ADDS = $(foreach t,$(TOOLS),--add $(TOOLS_DIR)/static/$(t):/usr/bin/$(t)) \
	--add $(TOOLS_JSONCHK_STATIC):/usr/bin/json-check \
	--add $(MODULE_TEST_DIR)/llmaccel-smoke:/tests/llmaccel-smoke \
	--add tools/tests/vm-tools.sh:/tests/vm-tools.sh

check-vm-tools: qemu module module-smoke $(TOOLS_STATIC) $(TOOLS_JSONCHK_STATIC)
	@scripts/setup-vm-deps.sh
	@mkdir -p $(TAPDIR)
	@echo "== suite vm-tools: tools/tests/vm-tools.sh in the VM"
	@$(VM_RUN) --module $(DRIVER_KO) $(TOOLS_VM_ADDS) \
		--device llmaccel,sem-timeout-ms=20000 \
		--out $(TAPDIR)/vm-tools.tap --log $(TAPDIR)/vm-tools.console \
		-- sh /tests/vm-tools.sh /tests/llmaccel-smoke; \
	echo $$? >$(TAPDIR)/vm-tools.rc; \
	cat $(TAPDIR)/vm-tools.tap

bench-host: $(BUILD)/bin/llmaccel-bench
	LIBACCEL_BACKEND=sim $(BUILD)/bin/llmaccel-bench $(BENCH_ARGS)

bench-vm: qemu module $(TOOLS_STATIC) $(BUILD)/bin/llmaccel-bench
	@scripts/setup-vm-deps.sh
	@mkdir -p $(dir $(BENCH_REF)) $(BENCH_MODELS)
	@echo "== llmaccel-bench on the host's sim backend (decode rows)"
	LIBACCEL_BACKEND=sim $(BUILD)/bin/llmaccel-bench --only bw,model,latency \
		--model-dir $(BENCH_MODELS) $(BENCH_VM_ARGS) \
		--decode-out $(BENCH_REF)
	@echo "== llmaccel-bench in the VM on the kernel backend, beside the host's"
	@$(VM_RUN) --timeout $(TOOLS_VM_TIMEOUT) --memory $(BENCH_VM_MEMORY) \
		--module $(DRIVER_KO) \
		$(foreach t,$(TOOLS),--add $(TOOLS_DIR)/static/$(t):/usr/bin/$(t)) \
		--add $(BENCH_REF):/tests/host-decode.txt \
		--add $(BENCH_MODELS):/tests/models \
		-- 'modprobe llmaccel && llmaccel-bench --only model,latency --model-dir /tests/models $(BENCH_VM_ARGS) --decode-ref /tests/host-decode.txt'

install-tools: $(TOOLS_BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	for t in $(TOOLS); do \
		$(CC) $(TOOLS_CFLAGS) -o $(DESTDIR)$(BINDIR)/$$t \
			$(TOOLS_DIR)/$$t.o $(TOOLS_COMMON_OBJ) -L$(LA_DIR) \
			-laccel $(LA_LIBS) || exit 1; done
	install -m 644 $(TOOLS_MANS) $(DESTDIR)$(MANDIR)/man1/
