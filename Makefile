# SPDX-License-Identifier: GPL-2.0
# leaktrace build: BPF objects -> linked object -> skeleton -> userspace, tests, demo.

OUTPUT ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CLANG ?= clang
BPFTOOL ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
LLVM_STRIP ?= llvm-strip
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

PKGS := libbpf libelf libdw zlib capstone libprotobuf-c libcurl json-c
# pprof's profile.proto as Debian ships it (golang-github-google-pprof-dev); protoc-c turns it
# into C in $(OUTPUT)/proto at build time.
PPROF_PROTO ?= /usr/share/gocode/src/github.com/google/pprof/proto/profile.proto
PROTOC_C ?= protoc-c
# CFLAGS and EXTRA_CFLAGS are the user's (make CFLAGS='-O1 -fsanitize=address' works); the
# flags the build needs are added in LT_CFLAGS, never overridden by a command line.
CFLAGS ?= -g -O2
# make SAN=1: leaktrace, unit tests and targets with ASan + UBSan, in build-san/ (check-san)
LT_BIN := leaktrace
ifeq ($(SAN),1)
OUTPUT := build-san
LT_BIN := $(OUTPUT)/leaktrace
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
SRC_DIRS := src $(patsubst %/,%,$(sort $(dir $(wildcard src/*/*.c))))
LT_CFLAGS := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	     -std=gnu11 -D_GNU_SOURCE -DLT_VERSION='"$(VERSION)"' -MMD -MP \
	     -Iinclude -I$(OUTPUT) -I$(OUTPUT)/proto $(addprefix -I,$(SRC_DIRS)) \
	     $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(CFLAGS) $(EXTRA_CFLAGS)
LT_CFLAGS += $(SAN_CFLAGS)
LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread -lm
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror -Wno-unused-function \
	      -Iinclude -I$(OUTPUT) -Ibpf

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# bpf/leaktrace.bpf.c defines what the others declare extern, and is linked first: the
# linker of libbpf 1.1 (bpftool 7.1) leaves offset 0 in the .maps BTF of an extern map it
# meets before the map's definition, and libbpf then fails to open the object.
BPF_SRCS := bpf/leaktrace.bpf.c $(filter-out bpf/leaktrace.bpf.c,$(sort $(wildcard bpf/*.bpf.c)))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
# The object is linked once per prototype of the session kfunc (bpf/heap.bpf.c): the
# skeleton is generated from the first; the loader swaps in the ELF of the others.
BPF_VARIANTS := ctx nosess
BPF_VARIANT_ctx := 2
BPF_VARIANT_nosess := 0
SKEL := $(OUTPUT)/leaktrace.skel.h
SKEL_VARIANTS := $(patsubst %,$(OUTPUT)/leaktrace.%.skel.h,$(BPF_VARIANTS))
SRCS := $(wildcard src/*.c src/*/*.c)
PROTO_OBJS := $(OUTPUT)/proto/profile.pb-c.o
OBJS := $(patsubst src/%.c,$(OUTPUT)/src/%.o,$(SRCS)) $(PROTO_OBJS)
# Objects that use the BPF skeleton (they include it); unit tests link everything else
# (no root, no BPF).
BPF_USERS := $(patsubst src/%.c,$(OUTPUT)/src/%.o,$(shell grep -l 'leaktrace.skel.h' $(SRCS)))
LIB_OBJS := $(filter-out $(BPF_USERS) $(OUTPUT)/src/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c tests/unit/*/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(UNIT_SRCS))
TARGET_C := $(wildcard tests/targets/*.c)
TARGET_CXX := $(wildcard tests/targets/*.cc)
TARGET_BINS := $(patsubst tests/targets/%.c,$(OUTPUT)/targets/%,$(TARGET_C)) \
	       $(patsubst tests/targets/%.cc,$(OUTPUT)/targets/%,$(TARGET_CXX))
# Targets keep frame pointers like most services built for profiling; the ones named
# *_nofp.c are built without, to exercise CFI unwinding of the main executable.
TARGET_CFLAGS := -g -O1 -fno-omit-frame-pointer -pthread
TARGET_NOFP_CFLAGS := -g -O2 -fomit-frame-pointer -pthread

.PHONY: all clean check unit integration demo demo-c install deps bench
.DELETE_ON_ERROR:
.SECONDARY:

all: $(LT_BIN)

deps:
	$(Q)tools/install-deps.sh --if-missing

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/targets:
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/leaktrace.h $(OUTPUT)/vmlinux.h | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bpf/heap.%.bpf.o: bpf/heap.bpf.c $(wildcard bpf/*.h) include/leaktrace.h $(OUTPUT)/vmlinux.h | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DLT_SESSION_KFUNC=$(BPF_VARIANT_$*) -c $< -o $@

$(OUTPUT)/leaktrace.bpf.o: $(BPF_OBJS)
	$(call msg,BPFLINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

# The same objects in the same order but heap's, so that every variant has the skeleton's
# layout of maps and globals.
$(OUTPUT)/leaktrace.%.bpf.o: $(OUTPUT)/bpf/heap.%.bpf.o $(BPF_OBJS)
	$(call msg,BPFLINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $(patsubst $(OUTPUT)/bpf/heap.bpf.o,$<,$(BPF_OBJS))

$(SKEL): $(OUTPUT)/leaktrace.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name leaktrace_bpf > $@

$(OUTPUT)/leaktrace.%.skel.h: $(OUTPUT)/leaktrace.%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name leaktrace_bpf_$* > $@

$(filter $(BPF_USERS),$(OBJS)): $(SKEL) $(SKEL_VARIANTS)

$(OUTPUT)/proto/profile.pb-c.c $(OUTPUT)/proto/profile.pb-c.h: $(PPROF_PROTO)
	$(call msg,PROTOC-C,$@)
	$(Q)mkdir -p $(OUTPUT)/proto
	$(Q)$(PROTOC_C) --c_out=$(OUTPUT)/proto --proto_path=$(dir $(PPROF_PROTO)) $(notdir $(PPROF_PROTO))

$(OUTPUT)/proto/profile.pb-c.o: $(OUTPUT)/proto/profile.pb-c.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(LT_CFLAGS) -Wno-unused-parameter -c $< -o $@

$(patsubst src/%.c,$(OUTPUT)/src/%.o,$(wildcard src/output/output_pprof*.c)): $(OUTPUT)/proto/profile.pb-c.h

$(OUTPUT)/src/%.o: src/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LT_CFLAGS) -c $< -o $@

$(LT_BIN): $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LT_CFLAGS) $^ $(LDLIBS) -lstdc++ -o $@
ifneq ($(LT_BIN),leaktrace)
.PHONY: leaktrace
leaktrace: $(LT_BIN)
endif

$(OUTPUT)/tests/unit/probe/test_load_family: $(OUTPUT)/leaktrace.bpf.o
$(OUTPUT)/tests/unit/mem/test_allocators: $(OUTPUT)/leaktrace.bpf.o

$(OUTPUT)/tests/unit/%: tests/unit/%.c $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LT_CFLAGS) -Itests/unit -DLT_BPF_OBJECT='"$(OUTPUT)/leaktrace.bpf.o"' $< \
		$(LIB_OBJS) $(LDLIBS) -lstdc++ -lcmocka -o $@

$(OUTPUT)/targets/%_nofp: tests/targets/%_nofp.c $(wildcard tests/targets/*.h) | $(OUTPUT)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_NOFP_CFLAGS) $< -o $@

$(OUTPUT)/targets/%: tests/targets/%.c $(wildcard tests/targets/*.h) | $(OUTPUT)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) $< -o $@

$(OUTPUT)/targets/%: tests/targets/%.cc $(wildcard tests/targets/*.h) | $(OUTPUT)/targets
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(TARGET_CFLAGS) $< -o $@

# The allocator suite's targets (suite_alloc.py): one source per API, built against each
# allocator (libjemalloc-dev, libgoogle-perftools-dev, libmimalloc-dev, musl-tools, golang-go).
ALLOC_SRC := tests/targets/alloc
ALLOC_DEPS := tests/targets/target.h | $(OUTPUT)/targets
ALLOC_BINS := $(addprefix $(OUTPUT)/targets/,cxx_alloc cxx_alloc_jemalloc cxx_alloc_tcmalloc \
	cxx_alloc_mimalloc alloc_api_jemalloc alloc_api_jemalloc_static alloc_api_tcmalloc \
	alloc_api_mimalloc alloc_c_static alloc_c_musl alloc_c_musl_static go_heap go_cgo)
TARGET_BINS += $(ALLOC_BINS)
ALLOC_LIB_jemalloc := -ljemalloc
ALLOC_LIB_tcmalloc := -ltcmalloc_minimal
ALLOC_LIB_mimalloc := -lmimalloc

$(OUTPUT)/targets/cxx_alloc: $(ALLOC_SRC)/cxx_alloc.cc $(ALLOC_DEPS)
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(TARGET_CFLAGS) $< -o $@

$(OUTPUT)/targets/cxx_alloc_%: $(ALLOC_SRC)/cxx_alloc.cc $(ALLOC_DEPS)
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(TARGET_CFLAGS) $< -o $@ -Wl,--no-as-needed $(ALLOC_LIB_$*)

$(OUTPUT)/targets/alloc_api_%: $(ALLOC_SRC)/alloc_api.c $(ALLOC_DEPS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -DLT_$(shell echo $* | tr a-z A-Z) $< -o $@ \
		-Wl,--no-as-needed $(ALLOC_LIB_$*)

# jemalloc inside the program itself: its symbols are found in the executable
$(OUTPUT)/targets/alloc_api_jemalloc_static: $(ALLOC_SRC)/alloc_api.c $(ALLOC_DEPS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -DLT_JEMALLOC -static $< -o $@ -ljemalloc -lstdc++ -lm

$(OUTPUT)/targets/alloc_c_static: $(ALLOC_SRC)/alloc_c.c $(ALLOC_DEPS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -static $< -o $@

$(OUTPUT)/targets/alloc_c_musl: $(ALLOC_SRC)/alloc_c.c $(ALLOC_DEPS)
	$(call msg,MUSL-GCC,$@)
	$(Q)musl-gcc $(TARGET_CFLAGS) $< -o $@

$(OUTPUT)/targets/alloc_c_musl_static: $(ALLOC_SRC)/alloc_c.c $(ALLOC_DEPS)
	$(call msg,MUSL-GCC,$@)
	$(Q)musl-gcc $(TARGET_CFLAGS) -static $< -o $@

$(OUTPUT)/targets/go_%: $(ALLOC_SRC)/go/main.go $(ALLOC_SRC)/go/%.go | $(OUTPUT)/targets
	$(call msg,GO,$@)
	$(Q)CGO_ENABLED=$(if $(findstring cgo,$*),1,0) GOCACHE=$(abspath $(OUTPUT))/gocache \
		GOPATH=$(abspath $(OUTPUT))/gopath go build -o $@ $^

targets: $(TARGET_BINS)

unit: $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(UNIT_BINS)

integration: leaktrace $(TARGET_BINS)
	$(Q)tests/integration/run.sh

# The integration suite under Debian's kernels, each in a QEMU guest (docs/kernels.md): the
# whole suite on Debian 12's 6.1 and Debian 13's 6.12 (CI). The newest backports kernel
# (7.3) takes 30-90 s to attach under emulation, past the suite's timeouts: it is checked by
# hand (check-kernels-newest runs a few tests with room for it; not in CI).
KERNELS_FULL := linux-image-amd64 linux-image-amd64/bookworm-backports
KERNEL_NEWEST := linux-image-amd64/trixie-backports
NEWEST_TESTS := heap_leak_malloc launch_mode fd_files_by_stack load_only classic_probes_exact
.PHONY: check-kernels check-kernels-newest
check-kernels: all targets
	$(Q)LT_KERNELS="$(KERNELS_FULL)" tools/check-kernels.sh
check-kernels-newest: all targets
	$(Q)LT_KERNELS="$(KERNEL_NEWEST)" LT_VM_OPTS="-e LT_ATTACH_TIMEOUT=300 -e LT_EXIT_TIMEOUT=300" \
		tools/check-kernels.sh $(NEWEST_TESTS)

# Every C source and header of ours, BPF and tests included (not build/ or generated files).
FORMAT_SRCS := $(wildcard src/*.[ch] src/*/*.[ch] bpf/*.[ch] include/*.h tests/unit/*.[ch] \
		 tests/unit/*/*.[ch] tests/targets/*.[ch] tests/targets/*.cc bench/*.c tests/fuzz/*.[ch])
.PHONY: format format-check
format:
	$(Q)clang-format -i $(FORMAT_SRCS)
format-check:
	$(call msg,FORMAT,check)
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

# check builds and tests what is installed; `make deps check` installs first (.ci/run, README).
check:
	$(Q)$(MAKE) --no-print-directory all targets $(UNIT_BINS)
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory fuzz-replay
	$(Q)$(MAKE) --no-print-directory integration

# The unit tests, then the integration tests named in SAN_TESTS (substrings of test names; all when empty) against
# the ASan + UBSan build: any report of theirs aborts leaktrace, and the test fails. The
# whole suite takes about 6 min so (the budget stops it at 12); a small quarantine keeps
# leaktrace's memory near 150 MB beside a Node target.
SAN_TESTS ?=
.PHONY: check-san
check-san:
	$(Q)$(MAKE) --no-print-directory SAN=1 all targets
	$(Q)$(MAKE) --no-print-directory SAN=1 unit
	$(Q)LEAKTRACE=build-san/leaktrace LT_TARGETS=build-san/targets LT_SUITE_BUDGET=720 \
		ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:quarantine_size_mb=32 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1 tests/integration/run.sh $(SAN_TESTS)

# demo: the Node service of demo/node (express, its npm dependencies installed by deps);
# demo-c: the C toy service.
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo-node.sh

demo-c: deps
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/targets/demo_leaky
	$(Q)tools/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/run.sh

install: leaktrace
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 leaktrace $(DESTDIR)$(PREFIX)/bin/leaktrace
	install -m 0644 docs/leaktrace.8 $(DESTDIR)$(PREFIX)/share/man/man8/leaktrace.8

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) leaktrace build-san $(FUZZ_OUT)

include tests/fuzz/fuzz.mk
-include $(OBJS:.o=.d) $(UNIT_BINS:=.d)
