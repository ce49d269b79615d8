# mk/run.mk: the BitNet model runner (issue D2, items 3, 4, 6, 7):
# libaccel/src/runner.c (one submission per prefill and per decode step),
# libaccel/src/cpu_ref.c (the CPU reference forward pass), their test and
# llmaccel-run.  Included by the top-level Makefile after mk/libaccel.mk,
# mk/tools.mk and mk/model.mk (uses LA_*, TOOLS_*, VM_RUN, DRIVER_KO,
# MKMODEL, TINY_MODEL); until then:
#   make -f Makefile -f mk/model.mk -f mk/run.mk <target>
#
#   make llmaccel-run      $(BUILD)/bin/llmaccel-run (libaccel.a inside,
#                          since the runner API is not exported by the .so
#                          yet) and a static copy $(TOOLS_DIR)/static/ for the VM
#   make runner-tests      test_runner on the sim backend, plain and under
#                          ASan+UBSan: TAP in $(TAPDIR)/runner.tap and
#                          runner-asan.tap; then llmaccel-run's command line
#                          (runner-cli.tap)
#   make check-vm-runner   boot the VM with llmaccel.ko, run test_runner on
#                          the kernel backend: $(TAPDIR)/vm-runner.tap, .rc
#   make run-vm            the main job: build everything, write the default
#                          model (preset tiny with an untied output head,
#                          seed 3: its samples are made of readable words),
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
RUN_CFLAGS      = $(TOOLS_CFLAGS) -Ilibaccel/src
RUN_ENV        := LIBACCEL_BACKEND=sim
RUN_ASAN_ENV   := UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1
RUN_VM_TIMEOUT ?= 1800
PROMPT         ?= Once upon a time
N              ?= 64
RUN_ARGS       ?=
MODEL          ?=
RUN_DEF_MODEL  := $(BUILD)/models/run-default.gguf
RUN_MODEL      := $(if $(MODEL),$(abspath $(MODEL)),$(RUN_DEF_MODEL))
RUN_VM_MEMORY  ?= $(if $(MODEL),4G,1G)
RUN_VM_DEVICE  ?= llmaccel

.PHONY: llmaccel-run runner-tests check-vm-runner run-vm run-host

# The tests #include the implementation: rebuild when it changes.
$(RUN_TEST) $(RUN_TEST_ASAN) $(RUN_TEST_VM): $(RUN_SRCS) $(RUN_HDRS)

llmaccel-run: $(RUN_BIN) $(RUN_STATIC)

$(RUN_DEF_MODEL): $(MKMODEL)
	@mkdir -p $(dir $@)
	$(MKMODEL) --preset tiny --untied --seed 3 --quiet --out $@

$(TOOLS_DIR)/llmaccel-run.o: tools/llmaccel-run.c $(TOOLS_HDRS) $(RUN_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(RUN_CFLAGS) -c $< -o $@

$(RUN_BIN): $(TOOLS_DIR)/llmaccel-run.o $(TOOLS_COMMON_OBJ) $(LA_A)
	@mkdir -p $(dir $@)
	$(CC) $(RUN_CFLAGS) -o $@ $< $(TOOLS_COMMON_OBJ) $(LA_A) $(LA_LIBS)

$(RUN_STATIC): $(TOOLS_DIR)/llmaccel-run.o $(TOOLS_COMMON_OBJ) $(LA_A)
	@mkdir -p $(dir $@)
	$(CC) $(RUN_CFLAGS) -static -o $@ $< $(TOOLS_COMMON_OBJ) $(LA_A) \
		$(LA_LIBS)

# llmaccel-run's command line: help, bad options, bad model files, a
# short greedy run whose output is deterministic, and its figures.
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
t man -l -Tutf8 tools/man/llmaccel-run.1
rm -rf $$d; echo "1..$$n"; [ $$f = 0 ]
endef
export RUN_CLI_TAP

runner-tests: $(RUN_TEST) $(RUN_TEST_ASAN) $(RUN_BIN) $(TINY_MODEL)
	@$(RUN_ENV) scripts/run-tap.sh $(TAPDIR) runner $(RUN_TEST)
	@$(RUN_ENV) $(RUN_ASAN_ENV) scripts/run-tap.sh $(TAPDIR) runner-asan \
		$(RUN_TEST_ASAN)
	@scripts/run-tap.sh $(TAPDIR) runner-cli sh -c "$$RUN_CLI_TAP"

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
