# SPDX-License-Identifier: GPL-2.0
# Fuzzing of the parsers of input leaktrace does not control (tests/fuzz/fuzz_*.c, one per
# parser), included by the Makefile.
#   make fuzz            each target under libFuzzer (clang, ASan + UBSan) for FUZZ_SECONDS
#   make fuzz-replay     each entry point, built without libFuzzer (ASan + UBSan), once on
#                        its committed corpus and this machine's seeds (part of `make check`)
# libFuzzer's objects, this machine's seeds (seeds/NAME) and the grown corpus (corpus/NAME)
# go to FUZZ_OUT, never mixed with the normal build; a crash's input is written to
# $(FUZZ_OUT)/crash/NAME/: fix the parser and commit the input under tests/fuzz/corpus/NAME/
# so that the replay keeps checking it.
FUZZ_OUT ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_ARGS ?= # more libFuzzer flags (CI: -seed=1)
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_OUT)/fuzz_%)
FUZZ_LIB_OBJS := $(patsubst $(OUTPUT)/src/%.o,$(FUZZ_OUT)/src/%.o,$(LIB_OBJS))
REPLAY_BINS := $(FUZZ_NAMES:%=$(OUTPUT)/tests/fuzz/replay_%)

.PHONY: fuzz fuzz-build fuzz-replay

$(FUZZ_OUT)/src/%.o: src/%.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(LT_CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MF $(@:.o=.d) -c $< -o $@

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB_OBJS)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(LT_CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer -MF $@.d $< $(FUZZ_LIB_OBJS) \
		$(LDLIBS) -lstdc++ -o $@

$(FUZZ_OUT)/seeds/%: tests/fuzz/seed.sh tests/fuzz/seed_elf.c
	$(call msg,SEED,$@)
	$(Q)rm -rf $@ && tests/fuzz/seed.sh $* $@

$(OUTPUT)/tests/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LT_CFLAGS) -MF $@.d $< tests/fuzz/replay.c $(LIB_OBJS) $(LDLIBS) -lstdc++ -o $@

fuzz-build: $(FUZZ_BINS)

# One target after the other (the machine has few CPUs); -max_len caps how far libFuzzer
# grows an input (the ELF seeds are ~16 KiB).
fuzz: $(FUZZ_BINS) $(FUZZ_NAMES:%=$(FUZZ_OUT)/seeds/%)
	$(Q)failed=; for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_OUT)/crash/$$n $(FUZZ_OUT)/corpus/$$n tests/fuzz/corpus/$$n; \
		echo "== fuzz $$n ($(FUZZ_SECONDS) s)"; \
		$(FUZZ_OUT)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 $(FUZZ_ARGS) \
			-artifact_prefix=$(FUZZ_OUT)/crash/$$n/ $(FUZZ_OUT)/corpus/$$n \
			$(FUZZ_OUT)/seeds/$$n tests/fuzz/corpus/$$n || failed="$$failed $$n"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashed:$$failed (inputs in $(FUZZ_OUT)/crash)"; exit 1; fi

# The replay is built with ASan + UBSan (SAN=1: build-san/'s objects) so that an input that
# once crashed a parser, or made it do undefined behaviour, fails again if the fix goes.
ifeq ($(SAN),1)
fuzz-replay: $(REPLAY_BINS) $(FUZZ_NAMES:%=$(FUZZ_OUT)/seeds/%)
	$(Q)for n in $(FUZZ_NAMES); do \
		c=tests/fuzz/corpus/$$n; [ -d $$c ] || c=; \
		$(OUTPUT)/tests/fuzz/replay_$$n $$c $(FUZZ_OUT)/seeds/$$n || exit 1; \
	done
else
fuzz-replay:
	$(Q)$(MAKE) --no-print-directory SAN=1 fuzz-replay
endif

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d) $(REPLAY_BINS:=.d)
