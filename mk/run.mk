# mk/run.mk: the BitNet model runner (issue D2, items 3, 4, 6, 7):
# libaccel/src/runner.c (one submission per prefill and per decode step),
# libaccel/src/cpu_ref.c (the CPU reference forward pass), their test and
# llmaccel-run.  Included by the top-level Makefile after mk/libaccel.mk,
# mk/tools.mk and mk/model.mk (uses LA_*, TOOLS_*, VM_RUN, DRIVER_KO,
# MKMODEL, TINY_MODEL); until then:
#   make -f Makefile -f mk/model.mk -f mk/run.mk <target>
#
#   make llmaccel-run      $(BUILD)/bin/llmaccel-run (linked against
#                          libaccel.so, rpath $ORIGIN/../libaccel, like the
#                          other tools) and a static copy in
#                          $(TOOLS_DIR)/static/ for the VM
#   make runner-tests      test_runner on the sim backend, plain and under
#                          ASan+UBSan: TAP in $(TAPDIR)/runner.tap and
#                          runner-asan.tap; then llmaccel-run's command line
#                          (runner-cli.tap) and the "Running a model"
#                          example of docs/libaccel.md,
#                          libaccel/examples/generate.c, built against
#                          libaccel.so and run on $(TINY_MODEL) and the
#                          default model of run-vm (runner-example.tap);
#                          and that the default model has exactly
#                          llama.cpp's "bitnet" layout (test_gguf
#                          --llama-layout: runner-default-model.tap)
#   make check-vm-runner   boot the VM with llmaccel.ko, run test_runner on
#                          the kernel backend: $(TAPDIR)/vm-runner.tap, .rc
#   make run-vm            the main job: build everything, write the default
#                          model ($(RUN_DEF_MODEL_ARGS): a SiLU model with
#                          the head tied to the embedding, a file
#                          llama.cpp's "bitnet" loader opens; this seed's
#                          samples are made of readable words),
#                          boot the VM, load the driver, run llmaccel-run on
#                          the emulated device.  MODEL=/path/to/model.gguf
#                          runs the user's file (copied into the guest);
#                          PROMPT, N, RUN_ARGS (e.g. "--temp 0 --ctx 256"),
#                          RUN_VM_MEMORY (guest RAM, default 1G, 4G with
#                          MODEL) and RUN_VM_DEVICE (e.g.
#                          "llmaccel,preset=tellme-kv260") tune it
#   make run-host          the same on the host's sim backend (no VM)
#
# test_runner is also picked up by check-libaccel / check-vm-libaccel
# (libaccel/tests/test_*.c); it writes its models in memory, so it needs
# no file.

RUN_SRCS       := libaccel/src/runner.c libaccel/src/cpu_ref.c \
		  libaccel/src/gguf.c libaccel/src/tokenizer.c \
		  libaccel/src/model_load.c tools/llmaccel-mkmodel.c
RUN_HDRS       := libaccel/src/runner.h libaccel/src/cpu_ref.h \
		  libaccel/src/model.h libaccel/src/gguf.h \
		  libaccel/src/tokenizer.h
RUN_TEST       := $(LA_DIR)/tests/test_runner
RUN_TEST_ASAN  := $(LA_DIR)/asan/tests/test_runner
RUN_TEST_VM    := $(LA_DIR)/vm/test_runner
RUN_BIN        := $(BUILD)/bin/llmaccel-run
RUN_STATIC     := $(TOOLS_DIR)/static/llmaccel-run
RUN_CFLAGS      = $(TOOLS_CFLAGS)
RUN_GEN        := $(LA_DIR)/examples/generate
RUN_ENV        := LIBACCEL_BACKEND=sim
RUN_ASAN_ENV   := UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1
RUN_VM_TIMEOUT ?= 1800
PROMPT         ?= Once upon a time
N              ?= 64
RUN_ARGS       ?=
MODEL          ?=
RUN_DEF_MODEL  := $(BUILD)/models/run-default.gguf
# The one definition of the default model: its rule and its layout test
# (runner-tests) both use it.  docs/model-files.md: llama.cpp-compatible.
RUN_DEF_MODEL_ARGS := --preset tiny --act silu --seed 7
RUN_MODEL      := $(if $(MODEL),$(abspath $(MODEL)),$(RUN_DEF_MODEL))
RUN_VM_MEMORY  ?= $(if $(MODEL),4G,1G)
RUN_VM_DEVICE  ?= llmaccel

.PHONY: llmaccel-run runner-tests check-vm-runner run-vm run-host

# The tests #include the implementation: rebuild when it changes.
$(RUN_TEST) $(RUN_TEST_ASAN) $(RUN_TEST_VM): $(RUN_SRCS) $(RUN_HDRS)

llmaccel-run: $(RUN_BIN) $(RUN_STATIC)

# mk/run.mk is a prerequisite: a change of RUN_DEF_MODEL_ARGS rewrites it.
$(RUN_DEF_MODEL): $(MKMODEL) mk/run.mk
	@mkdir -p $(dir $@)
	$(MKMODEL) $(RUN_DEF_MODEL_ARGS) --quiet --out $@

# llmaccel-run uses only libaccel.h: the .o comes from mk/tools.mk's
# pattern rule, the links are those of the other tools.
$(RUN_BIN): $(TOOLS_DIR)/llmaccel-run.o $(TOOLS_COMMON_OBJ) \
		$(LA_DIR)/libaccel.so
	@mkdir -p $(dir $@)
	$(CC) $(RUN_CFLAGS) -o $@ $< $(TOOLS_COMMON_OBJ) -L$(LA_DIR) \
		-Wl,-rpath,'$$ORIGIN/../libaccel' -laccel $(LA_LIBS)

$(RUN_STATIC): $(TOOLS_DIR)/llmaccel-run.o $(TOOLS_COMMON_OBJ) $(LA_A)
	@mkdir -p $(dir $@)
	$(CC) $(RUN_CFLAGS) -static -o $@ $< $(TOOLS_COMMON_OBJ) $(LA_A) \
		$(LA_LIBS)

# llmaccel-run's command line: help, bad options, bad model files, a
# short greedy run whose output is deterministic, and its figures; the
# note that latent float weights were ternarized at load (only then).
define RUN_CLI_TAP
set -u; r=$(RUN_BIN); m=$(TINY_MODEL); d=$$(mktemp -d); n=0; f=0
t() { n=$$((n+1)); if "$$@" >$$d/out 2>&1; then echo "ok $$n - $$*"; \
      else echo "not ok $$n - $$*"; sed 's/^/# /' $$d/out; f=$$((f+1)); fi; }
nt() { n=$$((n+1)); if "$$@" >$$d/out 2>&1; then echo "not ok $$n - fails: $$*"; \
       f=$$((f+1)); else echo "ok $$n - fails: $$*"; fi; }
has() { n=$$((n+1)); if grep -q -- "$$1" $$d/out; then echo "ok $$n - output has '$$1'"; \
        else echo "not ok $$n - output lacks '$$1'"; sed 's/^/# /' $$d/out; f=$$((f+1)); fi; }
export LIBACCEL_BACKEND=sim
t $$r --help; has "usage: llmaccel-run"
nt $$r; has "a model is required"
nt $$r -m $$m --top-p 2; has "bad value"
nt $$r -m $$d/none.gguf; has "No such file"
head -c 1000 $$m >$$d/trunc.gguf
nt $$r -q -m $$d/trunc.gguf; has "cannot load"
t $$r -q -m $$m -p "The quick brown fox" -n 16 --temp 0
has "submissions/token     1.00"; has "prompt tokens"; has "time to first token"
has "tokens/s modeled"
cp $$d/out $$d/a
t $$r -q -m $$m -p "The quick brown fox" -n 16 --temp 0 --no-stream
n=$$((n+1)); if [ "$$(head -n 1 $$d/a)" = "$$(head -n 1 $$d/out)" ]; then \
  echo "ok $$n - greedy text is reproducible, streamed or not"; else \
  echo "not ok $$n - greedy text differs"; f=$$((f+1)); fi
t $$r -q -m $$m -p "hello" -n 300 --temp 1.2 --top-k 20 --top-p 0.9 --seed 7 --ctx 64
has "generating"
t $$r -q -m $$m -p "hello" -n 8 --wfmt t5 --head-i8 --backend sim
for j in 1 3 7; do t $$r -q -m $$m -p "The quick brown fox" -n 16 --temp 0 --no-stream --threads $$j
n=$$((n+1)); if [ "$$(head -n 1 $$d/a)" = "$$(head -n 1 $$d/out)" ]; then \
  echo "ok $$n - --threads $$j: the same greedy text"; else \
  echo "not ok $$n - --threads $$j: greedy text differs"; f=$$((f+1)); fi; done
nt $$r -m $$m --threads 65; has "bad value"
$(MKMODEL) --quiet --type f16 --latent --out $$d/latent.gguf
$(MKMODEL) --quiet --type f16 --out $$d/ternary.gguf
t $$r -q -m $$d/latent.gguf -p "hello" -n 4
has "note: 14 matrices held latent (not ternary) float weights; the loader ternarized them with absmean"
t $$r -q -m $$d/ternary.gguf -p "hello" -n 4
n=$$((n+1)); if grep -q 'ternarized' $$d/out; then echo "not ok $$n - ternary F16: no note"; \
  f=$$((f+1)); else echo "ok $$n - ternary F16 (llama.cpp's converter output): no note"; fi
t man -l -Tutf8 tools/man/llmaccel-run.1
rm -rf $$d; echo "1..$$n"; [ $$f = 0 ]
endef
export RUN_CLI_TAP

# The example of docs/libaccel.md "Running a model", as an application
# builds it: libaccel.h only, linked against libaccel.so.
$(RUN_GEN): libaccel/examples/generate.c libaccel/include/libaccel.h \
		$(LA_DIR)/libaccel.so
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -Ilibaccel/include \
		-Irtl-model/include -o $@ $< -L$(LA_DIR) \
		-Wl,-rpath,'$$ORIGIN/..' -laccel

# generate.c: the documented block equals the file; it runs on the tiny
# model, its greedy text is reproducible and is the text llmaccel-run
# generates from the same prompt; sampled text depends on the seed only
# and is llmaccel-run's with the same parameters; errors fail cleanly.
define RUN_EXAMPLE_TAP
set -u; g=$(RUN_GEN); r=$(RUN_BIN); m=$(TINY_MODEL); md=$(RUN_DEF_MODEL)
d=$$(mktemp -d); n=0; f=0
ok() { n=$$((n+1)); if [ "$$1" = 0 ]; then echo "ok $$n - $$2"; else \
       echo "not ok $$n - $$2"; f=$$((f+1)); fi; }
awk '/^<!-- example: libaccel\/examples\/generate.c -->/ { w = 1; next } \
     w && /^```c$$/ { i = 1; next } i && /^```$$/ { exit } i { print }' \
	docs/libaccel.md >$$d/doc.c
[ -s $$d/doc.c ] && cmp -s $$d/doc.c libaccel/examples/generate.c
ok $$? "the documented example equals libaccel/examples/generate.c"
nm -D $$g 2>/dev/null | grep -q ' U accel_model_load'
ok $$? "generate takes accel_model_load from libaccel.so"
export LIBACCEL_BACKEND=sim
$$g $$m "The quick brown fox" 24 0 >$$d/a 2>$$d/a.err; ok $$? "generate greedy on $$m"
sed 's/^/# /' $$d/a $$d/a.err
grep -q '^generate: 24 tokens after a prompt of' $$d/a.err && \
	grep -q 'tokens/s modeled by the device' $$d/a.err
ok $$? "24 tokens generated, figures printed"
grep -q '^generate: 23 submissions for 23 decode steps$$' $$d/a.err
ok $$? "one submission per decode step"
$$g $$m "The quick brown fox" 24 0 >$$d/b 2>/dev/null; cmp -s $$d/a $$d/b
ok $$? "the greedy text is reproducible"
$$r -q -m $$m -p "The quick brown fox" -n 24 --temp 0 --no-stream >$$d/c 2>/dev/null
head -n "$$(wc -l <$$d/a)" $$d/c | cmp -s - $$d/a
ok $$? "llmaccel-run --temp 0 prints the same text"
# sampled, on the default model of make run (the tiny one is too peaked
# for the seed to matter)
$$g $$md "hello" 40 0.9 >$$d/s 2>$$d/s.err; ok $$? "generate sampled on $$md (temperature 0.9)"
sed 's/^/# /' $$d/s
$$g $$md "hello" 40 0.9 >$$d/t 2>/dev/null; cmp -s $$d/s $$d/t
ok $$? "sampling with the fixed seed is reproducible"
$$r -q -m $$md -p "hello" -n 40 --temp 0.9 --top-k 40 --top-p 0.95 --seed 1 \
	--no-stream >$$d/u 2>/dev/null
head -n "$$(wc -l <$$d/s)" $$d/u | cmp -s - $$d/s
ok $$? "llmaccel-run with the same sampling and seed prints the same text"
$$g $$md "hello" 40 0.9 2 >$$d/v 2>/dev/null; ! cmp -s $$d/s $$d/v
ok $$? "another seed samples another text"
$$g $$d/none.gguf "x" 4 0 >$$d/e 2>&1; [ $$? = 1 ] && grep -q 'accel_model_load' $$d/e
ok $$? "a missing model fails with the library's message"
$$g >$$d/e 2>&1; [ $$? = 2 ] && grep -q usage $$d/e; ok $$? "no arguments: usage"
rm -rf $$d; echo "1..$$n"; [ $$f = 0 ]
endef
export RUN_EXAMPLE_TAP

runner-tests: $(RUN_TEST) $(RUN_TEST_ASAN) $(RUN_BIN) $(RUN_GEN) $(TINY_MODEL) \
		$(RUN_DEF_MODEL) $(LA_DIR)/tests/test_gguf $(MKMODEL)
	@$(RUN_ENV) scripts/run-tap.sh $(TAPDIR) runner $(RUN_TEST)
	@$(RUN_ENV) $(RUN_ASAN_ENV) scripts/run-tap.sh $(TAPDIR) runner-asan \
		$(RUN_TEST_ASAN)
	@scripts/run-tap.sh $(TAPDIR) runner-cli sh -c "$$RUN_CLI_TAP"
	@scripts/run-tap.sh $(TAPDIR) runner-example sh -c "$$RUN_EXAMPLE_TAP"
	@scripts/run-tap.sh $(TAPDIR) runner-default-model \
		$(LA_DIR)/tests/test_gguf --llama-layout $(RUN_DEF_MODEL)

# ---- in the VM, on the kernel backend ------------------------------------
check-vm-runner: qemu module $(RUN_TEST_VM)
	@scripts/setup-vm-deps.sh
	@mkdir -p $(TAPDIR)
	@echo "== suite vm-runner: test_runner on the kernel backend in the VM"
	@$(VM_RUN) --timeout $(RUN_VM_TIMEOUT) --module $(DRIVER_KO) \
		--add $(RUN_TEST_VM):/tests/test_runner \
		--out $(TAPDIR)/vm-runner.tap --log $(TAPDIR)/vm-runner.console \
		-- 'modprobe llmaccel && LIBACCEL_BACKEND=kernel /tests/test_runner'; \
	echo $$? >$(TAPDIR)/vm-runner.rc; \
	cat $(TAPDIR)/vm-runner.tap

# The main job.  The model file goes into the initramfs as /models/NAME.
run-vm: qemu module $(RUN_STATIC) $(RUN_MODEL)
	@scripts/setup-vm-deps.sh
	@echo "== llmaccel-run in the VM: $(RUN_MODEL), prompt \"$(PROMPT)\", $(N) tokens"
	@$(VM_RUN) --timeout $(RUN_VM_TIMEOUT) --memory $(RUN_VM_MEMORY) \
		--module $(DRIVER_KO) --device $(RUN_VM_DEVICE) \
		--add $(RUN_STATIC):/usr/bin/llmaccel-run \
		--add $(RUN_MODEL):/models/$(notdir $(RUN_MODEL)) \
		-- 'modprobe llmaccel && LIBACCEL_BACKEND=kernel llmaccel-run -m /models/$(notdir $(RUN_MODEL)) -p "$(PROMPT)" -n $(N) $(RUN_ARGS)'

run-host: $(RUN_BIN) $(RUN_MODEL)
	$(RUN_ENV) $(RUN_BIN) -m $(RUN_MODEL) -p "$(PROMPT)" -n $(N) $(RUN_ARGS)

# llmaccel-run and llmaccel-mkmodel join the other tools in `make install`
# (linked against the installed libaccel.so, like install-tools does).
.PHONY: install-run
install-run: $(RUN_BIN) $(MKMODEL)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(CC) $(RUN_CFLAGS) -o $(DESTDIR)$(BINDIR)/llmaccel-run \
		$(TOOLS_DIR)/llmaccel-run.o $(TOOLS_COMMON_OBJ) -L$(LA_DIR) \
		-laccel $(LA_LIBS)
	install -m 755 $(MKMODEL) $(DESTDIR)$(BINDIR)/llmaccel-mkmodel
	install -m 644 tools/man/llmaccel-run.1 tools/man/llmaccel-mkmodel.1 \
		$(DESTDIR)$(MANDIR)/man1/
