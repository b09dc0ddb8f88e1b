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

PKGS := libbpf libelf libdw zlib capstone
CFLAGS ?= -g -O2
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	  -std=gnu11 -D_GNU_SOURCE -DLT_VERSION='"$(VERSION)"' \
	  -Iinclude -I$(OUTPUT) $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror -Wno-unused-function \
	      -Iinclude -I$(OUTPUT) -Ibpf

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# heap.bpf.c defines the shared maps (LT_DEFINE_MAPS): the BPF linker needs it first.
BPF_SRCS := bpf/heap.bpf.c $(filter-out bpf/heap.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(OUTPUT)/leaktrace.skel.h
SRCS := $(wildcard src/*.c)
OBJS := $(patsubst src/%.c,$(OUTPUT)/src/%.o,$(SRCS))
# Objects that use the BPF skeleton; unit tests link everything else (no root, no BPF).
BPF_USERS := $(patsubst %,$(OUTPUT)/src/%.o,main loader attach snapshot session fd_attach fd_trace v8gc)
LIB_OBJS := $(filter-out $(BPF_USERS),$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/unit/%,$(UNIT_SRCS))
TARGET_C := $(wildcard tests/targets/*.c)
TARGET_CXX := $(wildcard tests/targets/*.cc)
TARGET_BINS := $(patsubst tests/targets/%.c,$(OUTPUT)/targets/%,$(TARGET_C)) \
	       $(patsubst tests/targets/%.cc,$(OUTPUT)/targets/%,$(TARGET_CXX))
# Targets keep frame pointers like most services built for profiling; the ones named
# *_nofp.c are built without, to exercise CFI unwinding of the main executable.
TARGET_CFLAGS := -g -O1 -fno-omit-frame-pointer -pthread
TARGET_NOFP_CFLAGS := -g -O2 -fomit-frame-pointer -pthread

.PHONY: all clean check unit integration demo install deps bench
.DELETE_ON_ERROR:

all: leaktrace

deps:
	$(Q)tools/install-deps.sh --if-missing

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/src $(OUTPUT)/tests/unit $(OUTPUT)/targets:
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/leaktrace.h $(OUTPUT)/vmlinux.h | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/leaktrace.bpf.o: $(BPF_OBJS)
	$(call msg,BPFLINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(OUTPUT)/leaktrace.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name leaktrace_bpf > $@

$(filter $(BPF_USERS),$(OBJS)): $(SKEL)

$(OUTPUT)/src/%.o: src/%.c $(wildcard include/*.h) | $(OUTPUT)/src
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

leaktrace: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lstdc++ -o $@

$(OUTPUT)/tests/unit/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(LIB_OBJS) $(LDLIBS) -lstdc++ -lcmocka -o $@

$(OUTPUT)/targets/%_nofp: tests/targets/%_nofp.c $(wildcard tests/targets/*.h) | $(OUTPUT)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_NOFP_CFLAGS) $< -o $@

$(OUTPUT)/targets/%: tests/targets/%.c $(wildcard tests/targets/*.h) | $(OUTPUT)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) $< -o $@

$(OUTPUT)/targets/%: tests/targets/%.cc $(wildcard tests/targets/*.h) | $(OUTPUT)/targets
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(TARGET_CFLAGS) $< -o $@

targets: $(TARGET_BINS)

unit: $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(UNIT_BINS)

integration: leaktrace $(TARGET_BINS)
	$(Q)tests/integration/run.sh

# The integration suite under Debian's kernels, each in a QEMU guest (docs/kernels.md).
.PHONY: check-kernels
check-kernels: all targets
	$(Q)tools/check-kernels.sh

check: deps
	$(Q)$(MAKE) --no-print-directory all targets $(UNIT_BINS)
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory integration

demo: deps
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
	$(Q)rm -rf $(OUTPUT) leaktrace
