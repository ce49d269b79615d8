# mk/libaccel.mk: libaccel, the userspace library (issue D1).
# Included by the top-level Makefile after BUILD, CC, ALL_CFLAGS,
# ASAN_FLAGS, TAPDIR and MODEL_LIB are set.
#
#   make libaccel          $(BUILD)/libaccel/: libaccel.so.0 (soname, with
#                          the real file libaccel.so.$(LA_VERSION) and the
#                          libaccel.so link), libaccel.a, libaccel.pc
#   make check-libaccel    the TAP suites on the sim backend: plain (linked
#                          against the shared library), ASan+UBSan, once
#                          under valgrind, and the example program of
#                          docs/libaccel.md built from a staged install
#   make install-libaccel  DESTDIR and PREFIX (default /usr/local) honoured
#
# The library carries its own position-independent build of the rtl-model
# (so libaccel.so and libaccel.a are self-contained); MODEL_LIB is not
# linked into it because that archive is not built with -fPIC.

PREFIX        ?= /usr/local
LIBDIR        ?= $(PREFIX)/lib
INCLUDEDIR    ?= $(PREFIX)/include
LA_VERSION    := 0.1.0
LA_SONAME     := libaccel.so.0
LA_DIR        := $(BUILD)/libaccel
LA_SO         := $(LA_DIR)/libaccel.so.$(LA_VERSION)
LA_A          := $(LA_DIR)/libaccel.a
LA_PC         := $(LA_DIR)/libaccel.pc
LA_SRCS       := $(sort $(wildcard libaccel/src/*.c))
LA_MODEL_SRCS := $(sort $(wildcard rtl-model/src/*.c))
LA_HDRS       := $(wildcard libaccel/include/*.h libaccel/src/*.h libaccel/tests/*.h \
		   rtl-model/include/*.h rtl-model/src/*.h rtl-model/tests/*.h \
		   uapi/drm/llmaccel_accel.h)
# The kernel backend needs the DRM core's drm.h (libdrm-dev's copy; only
# the header, libdrm itself is not linked) and the driver's UAPI header.
LA_DRM_CFLAGS := $(or $(shell pkg-config --cflags-only-I libdrm 2>/dev/null),-I/usr/include/libdrm)
LA_CFLAGS      = $(ALL_CFLAGS) -Ilibaccel/include -Ilibaccel/src -pthread \
		 $(LA_DRM_CFLAGS) -Iuapi/drm
LA_PIC_OBJS   := $(patsubst %.c,$(LA_DIR)/pic/%.o,$(LA_SRCS) $(LA_MODEL_SRCS))
LA_ASAN_OBJS  := $(patsubst %.c,$(LA_DIR)/asan/%.o,$(LA_SRCS) $(LA_MODEL_SRCS))
LA_TEST_SRCS  := $(sort $(wildcard libaccel/tests/test_*.c))
LA_TESTS      := $(LA_TEST_SRCS:libaccel/tests/%.c=$(LA_DIR)/tests/%)
LA_ASAN_TESTS := $(LA_TEST_SRCS:libaccel/tests/%.c=$(LA_DIR)/asan/tests/%)
LA_LIBS       := -lm -lpthread
# The semaphore timeout is raised so a loaded machine cannot make the
# host-released waits of the tests time out.
LA_ENV        := LIBACCEL_BACKEND=sim LIBACCEL_SIM_SEM_TIMEOUT_MS=2500

.PHONY: libaccel check-libaccel install-libaccel libaccel-tests

# $(call la_install,DESTDIR,PREFIX,LIBDIR,INCLUDEDIR): one shell command.
la_install = install -d $(1)$(3)/pkgconfig $(1)$(4) && \
	install -m 644 $(LA_A) $(1)$(3)/libaccel.a && \
	install -m 755 $(LA_SO) $(1)$(3)/libaccel.so.$(LA_VERSION) && \
	ln -sf libaccel.so.$(LA_VERSION) $(1)$(3)/$(LA_SONAME) && \
	ln -sf $(LA_SONAME) $(1)$(3)/libaccel.so && \
	install -m 644 libaccel/include/libaccel.h \
		rtl-model/include/llmaccel_hw.h $(1)$(4)/ && \
	sed -e 's|@PREFIX@|$(2)|' -e 's|@LIBDIR@|$(3)|' \
		-e 's|@INCLUDEDIR@|$(4)|' \
		-e 's|@VERSION@|$(LA_VERSION)|' libaccel/libaccel.pc.in \
		> $(1)$(3)/pkgconfig/libaccel.pc

libaccel: $(LA_DIR)/libaccel.so $(LA_A) $(LA_PC)
libaccel-tests: $(LA_TESTS) $(LA_ASAN_TESTS)

$(LA_DIR)/pic/%.o: %.c $(LA_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LA_CFLAGS) -fPIC -c $< -o $@

$(LA_DIR)/asan/%.o: %.c $(LA_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LA_CFLAGS) $(ASAN_FLAGS) -O1 -c $< -o $@

$(LA_SO): $(LA_PIC_OBJS) libaccel/libaccel.map
	$(CC) $(LA_CFLAGS) -shared -Wl,-soname,$(LA_SONAME) \
		-Wl,--version-script=libaccel/libaccel.map -Wl,--no-undefined \
		-o $@ $(LA_PIC_OBJS) $(LA_LIBS)

$(LA_DIR)/$(LA_SONAME): $(LA_SO)
	ln -sf $(notdir $<) $@

$(LA_DIR)/libaccel.so: $(LA_DIR)/$(LA_SONAME)
	ln -sf $(notdir $<) $@

$(LA_A): $(LA_PIC_OBJS)
	rm -f $@ && ar rcs $@ $^

# The pc file of the build tree describes the default install location.
$(LA_PC): libaccel/libaccel.pc.in mk/libaccel.mk
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(LA_VERSION)|' $< > $@

# Plain tests link the shared library, so they also prove the exports.
$(LA_DIR)/tests/%: libaccel/tests/%.c $(LA_HDRS) $(LA_DIR)/libaccel.so
	@mkdir -p $(dir $@)
	$(CC) $(LA_CFLAGS) -Irtl-model/tests -o $@ $< $(LA_MODEL_OBJS_FOR_TESTS) \
		-L$(LA_DIR) -Wl,-rpath,'$$ORIGIN/..' -laccel $(LA_LIBS)

# The tests compare against the rtl-model run directly, so they link the
# model too; the library's copy stays private behind its version script.
LA_MODEL_OBJS_FOR_TESTS = $(filter $(LA_DIR)/pic/rtl-model/%,$(LA_PIC_OBJS))
$(LA_TESTS): $(LA_MODEL_OBJS_FOR_TESTS)

$(LA_DIR)/asan/tests/%: libaccel/tests/%.c $(LA_HDRS) $(LA_ASAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LA_CFLAGS) $(ASAN_FLAGS) -O1 -Irtl-model/tests -o $@ $< \
		$(LA_ASAN_OBJS) $(LA_LIBS)

check-libaccel: libaccel libaccel-tests
	@scripts/setup-libaccel-deps.sh
	@for t in $(LA_TESTS); do $(LA_ENV) scripts/run-tap.sh $(TAPDIR) \
		libaccel-$$(basename $$t) $$t; done
	@for t in $(LA_ASAN_TESTS); do $(LA_ENV) \
		UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		scripts/run-tap.sh $(TAPDIR) libaccel-asan-$$(basename $$t) $$t; done
	@for t in $(LA_TESTS); do $(LA_ENV) LIBACCEL_SIM_MEM_MB=256 \
		scripts/run-tap.sh $(TAPDIR) libaccel-valgrind-$$(basename $$t) \
		valgrind -q --leak-check=full --errors-for-leak-kinds=all \
		--error-exitcode=1 $$t; done
	@rm -rf $(LA_DIR)/stage
	@$(call la_install,$(abspath $(LA_DIR)/stage),/usr,/usr/lib,/usr/include)
	@$(LA_ENV) scripts/run-tap.sh $(TAPDIR) libaccel-example \
		sh libaccel/tests/example.sh docs/libaccel.md \
		$(abspath $(LA_DIR)/stage) /usr $(abspath $(LA_DIR)/example) \
		"$(CC)" libaccel/libaccel.map

install-libaccel: libaccel
	$(call la_install,$(DESTDIR),$(PREFIX),$(LIBDIR),$(INCLUDEDIR))

# ---- the same suites on the kernel backend, in the test VM -------------
# The test programs are linked statically against libaccel.a (which holds
# the rtl-model the tests also call), so the busybox initramfs needs no
# shared library.  The digest file is written by the sim backend on the
# host at build time; test_digest in the VM must reproduce it bit for bit.
#
#   make check-vm-libaccel  boot the VM once, load llmaccel.ko, run every
#                           suite with LIBACCEL_BACKEND=kernel (static,
#                           shared, ASan+UBSan and TSan builds), the example
#                           program against its sim output: one TAP
#                           stream in $(TAPDIR)/vm-libaccel.tap, its exit
#                           status in vm-libaccel.rc, console in
#                           vm-libaccel.console
LA_VM_DIR     := $(LA_DIR)/vm
# Suites (test_NAME) not to run in the VM; every other one runs there.
# test_runner runs on the kernel backend in check-vm-runner (mk/run.mk).
LA_VM_SKIP    ?= test_runner
LA_VM_SRCS     = $(filter-out $(LA_VM_SKIP:%=libaccel/tests/%.c),$(LA_TEST_SRCS))
LA_VM_TESTS    = $(LA_VM_SRCS:libaccel/tests/%.c=$(LA_VM_DIR)/%)
LA_DIGEST     := $(LA_VM_DIR)/digest.expected

.PHONY: check-vm-libaccel libaccel-vm-tests
libaccel-vm-tests: $(LA_VM_TESTS) $(LA_DIGEST) $(LA_VM_DIR)/example.expected

$(LA_VM_DIR)/%: libaccel/tests/%.c $(LA_HDRS) $(LA_A)
	@mkdir -p $(dir $@)
	$(CC) $(LA_CFLAGS) -Irtl-model/tests -static -o $@ $< $(LA_A) $(LA_LIBS)

$(LA_DIGEST): $(LA_DIR)/tests/test_digest
	@mkdir -p $(dir $@)
	$(LA_ENV) LIBACCEL_DIGEST_WRITE=$@.tmp $< >$@.log 2>&1 || \
		{ cat $@.log; rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

# The example of docs/libaccel.md, static; its sim output on the host is
# what the kernel backend must print in the VM (device line aside).
$(LA_VM_DIR)/example: libaccel/examples/example.c libaccel/include/libaccel.h $(LA_A)
	@mkdir -p $(dir $@)
	$(CC) $(LA_CFLAGS) -static -o $@ $< $(LA_A) $(LA_LIBS)

$(LA_VM_DIR)/example.expected: $(LA_VM_DIR)/example
	$(LA_ENV) $< >$@.tmp 2>&1 || { cat $@.tmp; rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

# Four builds of the suites run there: static (libaccel.a, above),
# against libaccel.so (found through the tests' $ORIGIN/.. rpath), under
# ASan+UBSan (the runner copies the sanitizer runtimes with the programs)
# and under ThreadSanitizer: on the kernel backend the device's memory
# accesses are QEMU's, invisible to TSan, so any report is a race in the
# library or the test program itself.
LA_TSAN_OBJS := $(patsubst %.c,$(LA_DIR)/tsan/%.o,$(LA_SRCS) $(LA_MODEL_SRCS))
$(LA_DIR)/tsan/%.o: %.c $(LA_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LA_CFLAGS) -fsanitize=thread -O1 -c $< -o $@

$(LA_DIR)/tsan/tests/%: libaccel/tests/%.c $(LA_HDRS) $(LA_TSAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LA_CFLAGS) -fsanitize=thread -O1 -Irtl-model/tests -o $@ $< \
		$(LA_TSAN_OBJS) $(LA_LIBS)

LA_VM_SO_TESTS   = $(LA_VM_SRCS:libaccel/tests/%.c=$(LA_DIR)/tests/%)
LA_VM_ASAN_TESTS = $(LA_VM_SRCS:libaccel/tests/%.c=$(LA_DIR)/asan/tests/%)
# TSan (slow under TCG) on the suites with concurrent threads.
LA_VM_TSAN      ?= test_api test_ops test_stress
LA_VM_TSAN_TESTS = $(patsubst libaccel/tests/%.c,$(LA_DIR)/tsan/tests/%, \
		   $(filter $(LA_VM_TSAN:%=libaccel/tests/%.c),$(LA_VM_SRCS)))
LA_VM_STAGE := $(LA_DIR)/vm-stage
# The guest needs 1-2 minutes under TCG; room for a loaded machine.
LA_VM_TIMEOUT ?= 400
check-vm-libaccel: module libaccel-vm-tests libaccel $(LA_VM_SO_TESTS) \
		$(LA_VM_ASAN_TESTS) $(LA_VM_TSAN_TESTS)
	@mkdir -p $(TAPDIR)
	@rm -rf $(LA_VM_STAGE)
	@mkdir -p $(LA_VM_STAGE)/static $(LA_VM_STAGE)/so/tests \
		$(LA_VM_STAGE)/asan $(LA_VM_STAGE)/tsan
	@cp $(LA_VM_TESTS) $(LA_DIGEST) $(LA_VM_DIR)/example \
		$(LA_VM_DIR)/example.expected $(LA_VM_STAGE)/static/
	@cp $(LA_VM_SO_TESTS) $(LA_VM_STAGE)/so/tests/
	@cp $(LA_SO) $(LA_VM_STAGE)/so/$(LA_SONAME)
	@cp $(LA_VM_ASAN_TESTS) $(LA_VM_STAGE)/asan/
	@cp $(LA_VM_TSAN_TESTS) $(LA_VM_STAGE)/tsan/
	@$(VM_RUN) --timeout $(LA_VM_TIMEOUT) --module $(DRIVER_KO) \
		--add $(LA_VM_STAGE):/tests/libaccel \
		--add libaccel/tests/vm-libaccel.sh:/tests/vm-libaccel.sh \
		--out $(TAPDIR)/vm-libaccel.tap --log $(TAPDIR)/vm-libaccel.console \
		-- sh /tests/vm-libaccel.sh /tests/libaccel/static \
		so:/tests/libaccel/so/tests asan:/tests/libaccel/asan \
		tsan:/tests/libaccel/tsan; \
	echo $$? >$(TAPDIR)/vm-libaccel.rc; \
	cat $(TAPDIR)/vm-libaccel.tap
