# mk/model.mk: BitNet model loading (issue D2, host side): the GGUF
# reader, the tokenizer and the model loader in libaccel/src, their tests
# and llmaccel-mkmodel.  Included by the top-level Makefile after
# mk/libaccel.mk (uses BUILD, CC, LA_*, ASAN_FLAGS, TAPDIR); until then:
#   make -f Makefile -f mk/model.mk <target>
#
#   make mkmodel       $(BUILD)/bin/llmaccel-mkmodel (linked against
#                      libaccel.so, rpath $ORIGIN/../libaccel)
#   make tiny-model    $(BUILD)/models/tiny.gguf (seed 1, TQ2_0)
#   make model-tests   TAP into $(TAPDIR): test_gguf and test_tokenizer
#                      plain (against libaccel.so) and under ASan+UBSan,
#                      a short GGUF fuzz (MODEL_FUZZ_SHORT mutated files,
#                      ASan) and llmaccel-mkmodel's command line and
#                      determinism
#   make fuzz-gguf     the long fuzz: FUZZ_GGUF_ITERS (default 100000)
#                      mutated files under ASan+UBSan, TAP in
#                      $(TAPDIR)/fuzz-gguf.tap
#
# The tests compile the implementation into the test program (MDL_API
# static), so they need nothing beyond libaccel's public API; the plain
# and ASan test binaries are built by mk/libaccel.mk's pattern rules, which
# also pick test_gguf and test_tokenizer up for check-libaccel.

MODEL_SRCS        := libaccel/src/gguf.c libaccel/src/tokenizer.c \
		     libaccel/src/model_load.c tools/llmaccel-mkmodel.c
MODEL_TEST_NAMES  := test_gguf test_tokenizer
MODEL_TESTS       := $(MODEL_TEST_NAMES:%=$(LA_DIR)/tests/%)
MODEL_ASAN_TESTS  := $(MODEL_TEST_NAMES:%=$(LA_DIR)/asan/tests/%)
MODEL_FUZZ        := $(LA_DIR)/asan/tests/fuzz_gguf
MKMODEL           := $(BUILD)/bin/llmaccel-mkmodel
TINY_MODEL        := $(BUILD)/models/tiny.gguf
FUZZ_GGUF_ITERS   ?= 100000
MODEL_FUZZ_SHORT  ?= 2000
MODEL_ASAN_ENV    := UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1

.PHONY: mkmodel tiny-model model-tests fuzz-gguf

# The sources are #included by the tests: rebuild when they change.
$(MODEL_TESTS) $(MODEL_ASAN_TESTS) $(MODEL_FUZZ): $(MODEL_SRCS) \
	libaccel/src/gguf.h libaccel/src/tokenizer.h libaccel/src/model.h

mkmodel: $(MKMODEL)

$(MKMODEL): tools/llmaccel-mkmodel.c $(LA_DIR)/libaccel.so
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ilibaccel/include -o $@ $< -L$(LA_DIR) \
		-Wl,-rpath,'$$ORIGIN/../libaccel' -laccel $(LA_LIBS)

tiny-model: $(TINY_MODEL)

$(TINY_MODEL): $(MKMODEL)
	@mkdir -p $(dir $@)
	$(MKMODEL) --preset tiny --seed 1 --quiet --out $@

# llmaccel-mkmodel: --help, bad options, same seed -> same bytes, another
# seed -> other bytes, every weight type parses in test_gguf already; the
# architecture follows the activation and the head (docs/model-files.md:
# the layouts themselves are checked by test_gguf), --latent only for
# f16, and the man page renders.
define MODEL_MKMODEL_TAP
set -u; m=$(MKMODEL); d=$$(mktemp -d); n=0; f=0
t() { n=$$((n+1)); if "$$@" >/dev/null 2>&1; then echo "ok $$n - $$*"; \
      else echo "not ok $$n - $$*"; f=$$((f+1)); fi; }
nt() { n=$$((n+1)); if "$$@" >/dev/null 2>&1; then echo "not ok $$n - fails: $$*"; \
       f=$$((f+1)); else echo "ok $$n - fails: $$*"; fi; }
t $$m --help
nt $$m --preset nope --out $$d/x
nt $$m --type q4_0 --out $$d/x
nt $$m --preset tiny
t $$m --quiet --seed 5 --out $$d/a
t $$m --quiet --seed 5 --out $$d/b
t cmp $$d/a $$d/b
t $$m --quiet --seed 6 --out $$d/c
nt cmp $$d/a $$d/c
for ty in tq1_0 i2_s f16; do t $$m --quiet --type $$ty --tokenizer bpe --out $$d/$$ty; done
t test -s $$d/f16
t $$m --quiet --untied --out $$d/u
t test $$(stat -c %s $$d/u) -gt $$(stat -c %s $$d/a)
t grep -aq 'bitnet-25.block_count' $$d/a
nt grep -aq 'llmaccel' $$d/a
t $$m --quiet --act silu --out $$d/s
t grep -aq 'bitnet.block_count' $$d/s
nt grep -aq 'llmaccel' $$d/s
t grep -aq 'llmaccel-bitnet.block_count' $$d/u
t grep -aq 'llmaccel.ffn_activation' $$d/u
$$m --untied --out $$d/u2 2>$$d/msg; t grep -q 'architecture llmaccel-bitnet: llama.cpp and bitnet.cpp do not read it' $$d/msg
t $$m --quiet --type f16 --out $$d/t16
t $$m --quiet --type f16 --latent --out $$d/l16
nt cmp $$d/t16 $$d/l16
nt $$m --quiet --latent --out $$d/x
$$m --quiet --type tq1_0 --latent --out $$d/x 2>$$d/msg; t grep -q -- '--latent needs --type f16' $$d/msg
t man -l -Tutf8 tools/man/llmaccel-mkmodel.1
rm -rf $$d; echo "1..$$n"; [ $$f = 0 ]
endef
export MODEL_MKMODEL_TAP

# test_gguf and test_tokenizer also run in check-libaccel (plain, ASan,
# valgrind, and in the VM); model-tests adds the GGUF fuzz and mkmodel.
model-tests: $(MODEL_FUZZ) $(MKMODEL)
	@$(MODEL_ASAN_ENV) scripts/run-tap.sh $(TAPDIR) model-fuzz-gguf-short \
		$(MODEL_FUZZ) $(MODEL_FUZZ_SHORT)
	@scripts/run-tap.sh $(TAPDIR) model-mkmodel sh -c "$$MODEL_MKMODEL_TAP"

fuzz-gguf: $(MODEL_FUZZ)
	@$(MODEL_ASAN_ENV) scripts/run-tap.sh $(TAPDIR) fuzz-gguf \
		$(MODEL_FUZZ) $(FUZZ_GGUF_ITERS)
