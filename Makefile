# SPDX-License-Identifier: GPL-2.0-or-later
# Makefile - passt: the daemon, its modules, tests and checks
#
# make                 build/passt and build/modules/*.so
# make check           unit tests (CUnit) and integration tests
# make lint            gcc and clang with -Werror, cppcheck, clang-tidy
# make fuzz            libFuzzer harnesses, FUZZ_SECONDS each (default 10)
# make check SANITIZE=1  everything built with ASan and UBSan, then tested
# make bench           side by side with pasta, slirp4netns, veth (QUICK=1)
# make install         PREFIX, DESTDIR, LIBDIR, MODULEDIR, MANDIR honoured
# make uninstall       the same variables: removes what install wrote
# make dist            $(BUILD)/passt-VERSION.tar.gz (DISTDIR= elsewhere)
# make BUILD=dir       build somewhere else (parallel trees)

# A tarball made by 'make dist' carries its version in .version. Asking
# git writes nothing to .git ('describe --dirty' would lock the index to
# refresh it): '-dirty' comes from a diff that refreshes it in memory only
VERSION		:= $(shell cat .version 2>/dev/null || \
		     { v=$$(git describe --tags --always 2>/dev/null) && \
		       { git --no-optional-locks diff --quiet HEAD -- \
			 2>/dev/null || v=$$v-dirty; } && echo $$v; } || \
		     echo 0.1)

ifeq ($(origin CC),default)
CC		:= gcc
endif
BUILD		?= build
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
MODULEDIR	?= $(LIBDIR)/passt/modules
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= $(PREFIX)/etc
DOCDIR		?= $(PREFIX)/share/doc/passt
INCLUDEDIR	?= $(PREFIX)/include
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
DESTDIR		?=
DISTDIR		?= $(BUILD)

PROTO_MODULES	:= tcp udp icmp dhcp ndp
BACKEND_MODULES	:= tap qemu_stream vhost_user
MODULES		:= $(PROTO_MODULES) $(BACKEND_MODULES)

WARN		:= -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wpointer-arith -Wvla
BASE_CFLAGS	:= -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE \
		   -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
		   -Iinclude -DVERSION='"$(VERSION)"' \
		   -DMODULEDIR='"$(MODULEDIR)"'

# SANITIZE=1: core, modules and tests with ASan and UBSan (any report is
# fatal). Integration tests run the daemon with detect_leaks=0: the leak
# check at exit stops the world through ptrace-like clone() calls and
# reads /proc, which the seccomp filter and the empty root forbid (leaks
# are the unit tests' and the fuzzers' to find, where there is no sandbox)
ifeq ($(SANITIZE),1)
BASE_CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE
SAN_LDFLAGS	:= -fsanitize=address,undefined
SAN_ENV		:= ASAN_OPTIONS=detect_leaks=0$(if $(ASAN_OPTIONS),:$(ASAN_OPTIONS))
endif

# Modules resolve every symbol at link time, except against a sanitizer
# runtime that only the executable carries
ifneq ($(SANITIZE),1)
MOD_LDFLAGS	:= -Wl,-z,defs
endif

CFLAGS		?=
LDFLAGS		?=
ALL_CFLAGS	:= $(BASE_CFLAGS) $(CFLAGS)
CORE_LIBS	:= -lconfig -lseccomp -ldl

CORE_SRCS	:= $(wildcard core/*.c)
CORE_OBJS	:= $(CORE_SRCS:%.c=$(BUILD)/obj/%.o)
CORE_LIB_OBJS	:= $(filter-out $(BUILD)/obj/core/main.o,$(CORE_OBJS))

mod_dir		= $(if $(filter $(1),$(BACKEND_MODULES)),backends/$(1),modules/$(1))
mod_srcs	= $(wildcard $(call mod_dir,$(1))/*.c)
mod_objs	= $(patsubst %.c,$(BUILD)/obj/%.pic.o,$(call mod_srcs,$(1)))

MODULE_SOS	:= $(MODULES:%=$(BUILD)/modules/%.so)

.PHONY: all clean check unit integration lint install uninstall dist bench \
	fuzz FORCE

all: $(BUILD)/passt $(MODULE_SOS)

# Build and test dependencies, installed once per build tree when missing
DEPS_STAMP	:= $(BUILD)/.deps
$(DEPS_STAMP): scripts/deps.sh
	@mkdir -p $(dir $@)
	sh scripts/deps.sh
	@touch $@

# The core's list of system calls, from '#syscalls' lines in core/*.c
$(BUILD)/gen/core/syscalls.gen.h: $(CORE_SRCS) scripts/syscalls.sh | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	sh scripts/syscalls.sh core_syscalls $(CORE_SRCS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/core/%.o: core/%.c $(BUILD)/gen/core/syscalls.gen.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(BUILD)/gen/core -MMD -MP -c -o $@ $<

# The module directory compiled into the loader follows MODULEDIR: a
# 'make install MODULEDIR=...' after a plain 'make' rebuilds it
MODULEDIR_STAMP	:= $(BUILD)/gen/core/moduledir
$(MODULEDIR_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(MODULEDIR)' | cmp -s - $@ 2>/dev/null || \
		echo '$(MODULEDIR)' > $@
$(BUILD)/obj/core/modload.o: $(MODULEDIR_STAMP)

# So is the version --version prints: a commit after a build rebuilds it
VERSION_STAMP	:= $(BUILD)/gen/core/version
$(VERSION_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(VERSION)' | cmp -s - $@ 2>/dev/null || \
		echo '$(VERSION)' > $@
$(BUILD)/obj/core/conf.o: $(VERSION_STAMP)

$(BUILD)/passt: $(CORE_OBJS)
	$(CC) $(LDFLAGS) $(SAN_LDFLAGS) -pie -Wl,-z,relro,-z,now -o $@ $^ $(CORE_LIBS)

# Modules: position independent, only the descriptor visible
define module_rules
$(BUILD)/gen/$(1)/syscalls.gen.h: $(call mod_srcs,$(1)) scripts/syscalls.sh | $$(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	sh scripts/syscalls.sh module_syscalls $(call mod_srcs,$(1)) > $$@.tmp && mv $$@.tmp $$@

$(BUILD)/obj/$(call mod_dir,$(1))/%.pic.o: $(call mod_dir,$(1))/%.c $(BUILD)/gen/$(1)/syscalls.gen.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -fPIC -fvisibility=hidden -I$(BUILD)/gen/$(1) -MMD -MP -c -o $$@ $$<

$(BUILD)/modules/$(1).so: $(call mod_objs,$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) $$(SAN_LDFLAGS) -shared -Wl,-z,relro,-z,now $$(MOD_LDFLAGS) -o $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_rules,$(m))))

# Unit tests: one CUnit runner with every suite; broken modules for the
# loader's refusals are built by tests/unit/mods.mk
UNIT_SRCS	:= tests/unit/main.c $(wildcard tests/unit/core/*.c)
UNIT_OBJS	:= $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c $(BUILD)/gen/core/syscalls.gen.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Icore -Itests/unit -I$(BUILD)/gen/core -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/unit/modules/%.o: tests/unit/modules/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Itests/unit -Imodules/$(*:_test=) -Ibackends/$(*:_test=) -I$(BUILD)/gen/$(*:_test=) -MMD -MP -c -o $@ $<

$(BUILD)/unit: $(UNIT_OBJS) $(CORE_LIB_OBJS)
	$(CC) $(LDFLAGS) $(SAN_LDFLAGS) -o $@ $^ $(CORE_LIBS) -lcunit

# A module's unit test links its sources with a fake core, one binary each
# (every module defines the same 'passt_module' symbol)
UNIT_MODULES	:= $(patsubst tests/unit/modules/%_test.c,%,$(wildcard tests/unit/modules/*_test.c))
UNIT_MOD_BINS	:= $(UNIT_MODULES:%=$(BUILD)/unit-%)

define unit_module_rules
$(BUILD)/unit-$(1): $(BUILD)/obj/tests/unit/modules/$(1)_test.o $(BUILD)/obj/tests/unit/fake_core.o $(BUILD)/obj/tests/unit/netns.o $(BUILD)/obj/tests/unit/wire.o $(BUILD)/obj/tests/unit/main.o $(call mod_objs,$(1))
	$$(CC) $$(LDFLAGS) $$(SAN_LDFLAGS) -o $$@ $$^ -lcunit
$(BUILD)/obj/tests/unit/modules/$(1)_test.o: $(BUILD)/gen/$(1)/syscalls.gen.h
endef
$(foreach m,$(UNIT_MODULES),$(eval $(call unit_module_rules,$(m))))

include tests/unit/mods.mk

.PHONY: unit-bins
unit-bins: $(BUILD)/unit $(UNIT_MOD_BINS) $(TEST_MODULE_SOS)

unit: $(BUILD)/unit $(UNIT_MOD_BINS) $(TEST_MODULE_SOS) all
	cd tests/unit && BUILD=$(abspath $(BUILD)) $(abspath $(BUILD))/unit
	@set -e; for t in $(abspath $(UNIT_MOD_BINS)); do \
		(cd tests/unit && BUILD=$(abspath $(BUILD)) $$t); \
	done

integration: all $(TEST_MODULE_SOS)
	$(SAN_ENV) BUILD=$(abspath $(BUILD)) sh tests/integration/run.sh

check: $(DEPS_STAMP)
	$(MAKE) unit
	$(MAKE) integration

lint: $(DEPS_STAMP)
	sh scripts/lint.sh

# Fuzzing (tests/fuzz/): libFuzzer harnesses built with clang, ASan and
# UBSan into $(BUILD)/fuzz, each run for FUZZ_SECONDS from its seed corpus
# in tests/fuzz/corpus/ (executions per harness in $(BUILD)/fuzz/summary)
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 10
FUZZ_DIR	:= $(BUILD)/fuzz
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS	:= -std=gnu11 -O1 -g $(WARN) -D_GNU_SOURCE -Iinclude \
		   -DVERSION='"$(VERSION)"' -DMODULEDIR='"$(MODULEDIR)"' \
		   -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_PROTO	:= tcp udp icmp dhcp ndp
FUZZ_TARGETS	:= $(FUZZ_PROTO:%=frames-%) qemu_stream vhost_user \
		   vhost_msg conf fwd_spec
FUZZ_BINS	:= $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
FUZZ_CORE_OBJS	:= $(CORE_LIB_OBJS:$(BUILD)/obj/%=$(FUZZ_DIR)/obj/%)
FUZZ_FRAME_OBJS	:= $(patsubst %,$(FUZZ_DIR)/obj/core/%.o,frame csum log pcap)
FUZZ_COMMON	:= $(FUZZ_DIR)/obj/tests/fuzz/fuzz_util.o
FUZZ_FAKE	:= $(FUZZ_DIR)/obj/tests/unit/fake_core.o

$(FUZZ_DIR)/obj/core/%.o: core/%.c $(BUILD)/gen/core/syscalls.gen.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(BUILD)/gen/core -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes -Icore -Itests/unit \
		-Itests/fuzz -Ibackends/vhost_user -MMD -MP -c -o $@ $<

define fuzz_module_rules
$(FUZZ_DIR)/obj/$(call mod_dir,$(1))/%.o: $(call mod_dir,$(1))/%.c $(BUILD)/gen/$(1)/syscalls.gen.h
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(BUILD)/gen/$(1) -MMD -MP -c -o $$@ $$<
FUZZ_OBJS_$(1) := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(call mod_srcs,$(1)))
endef
$(foreach m,$(FUZZ_PROTO) qemu_stream vhost_user,$(eval $(call fuzz_module_rules,$(m))))

define fuzz_frames_rule
$(FUZZ_DIR)/frames-$(1): $(FUZZ_DIR)/obj/tests/fuzz/fuzz_frames.o $(FUZZ_COMMON) $(FUZZ_FAKE) $(FUZZ_FRAME_OBJS) $(FUZZ_OBJS_$(1))
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $$@ $$^
endef
$(foreach m,$(FUZZ_PROTO),$(eval $(call fuzz_frames_rule,$(m))))

$(FUZZ_DIR)/qemu_stream: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_qemu_stream.o $(FUZZ_COMMON) $(FUZZ_FAKE) $(FUZZ_FRAME_OBJS) $(FUZZ_OBJS_qemu_stream)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

$(FUZZ_DIR)/vhost_user: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_vhost_user.o $(FUZZ_COMMON) $(FUZZ_FAKE) $(FUZZ_FRAME_OBJS) $(FUZZ_OBJS_vhost_user)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

# The same backend, its control socket: messages from a hostile frontend
$(FUZZ_DIR)/vhost_msg: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_vhost_msg.o $(FUZZ_COMMON) $(FUZZ_FAKE) $(FUZZ_FRAME_OBJS) $(FUZZ_OBJS_vhost_user)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

# The config parser exits through die(): --wrap=die makes that a return
# to the harness (tests/fuzz/fuzz_conf.c)
$(FUZZ_DIR)/conf: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_conf.o $(FUZZ_COMMON) $(FUZZ_CORE_OBJS)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -Wl,--wrap=die -o $@ $^ \
		$(CORE_LIBS)

$(FUZZ_DIR)/fwd_spec: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_fwd_spec.o $(FUZZ_COMMON) $(FUZZ_CORE_OBJS)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(CORE_LIBS)

.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BINS)

fuzz: $(DEPS_STAMP) $(FUZZ_BINS)
	FUZZ_DIR=$(abspath $(FUZZ_DIR)) FUZZ_SECONDS=$(FUZZ_SECONDS) \
		sh tests/fuzz/run.sh $(FUZZ_TARGETS)

# Side by side with pasta, slirp4netns and veth, as root (bench/run.sh);
# QUICK=1 for a short run
bench: all
	BUILD=$(abspath $(BUILD)) bash bench/run.sh

# Installed files; nothing is written outside $(DESTDIR) and the
# directories above
ABI_VERSION	:= $(shell awk '/^\#define PASST_ABI_MAJOR/ { M = $$3 } \
		     /^\#define PASST_ABI_MINOR/ { m = $$3 } \
		     END { print M "." m }' include/passt/module.h)
EXAMPLES	:= examples/ethstats/ethstats.c examples/ethstats/ethstats_test.c \
		   examples/ethstats/Makefile

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MODULEDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSCONFDIR)/passt $(DESTDIR)$(INCLUDEDIR)/passt \
		$(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(DOCDIR)/examples/ethstats
	install -m 755 $(BUILD)/passt $(DESTDIR)$(BINDIR)/passt
	install -m 644 $(MODULE_SOS) $(DESTDIR)$(MODULEDIR)/
	install -m 644 etc/passt.conf $(DESTDIR)$(SYSCONFDIR)/passt/passt.conf
	install -m 644 include/passt/module.h $(DESTDIR)$(INCLUDEDIR)/passt/
	install -m 644 doc/passt.1 $(DESTDIR)$(MANDIR)/man1/passt.1
	install -m 644 doc/passt.conf.5 $(DESTDIR)$(MANDIR)/man5/passt.conf.5
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
		-e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@MODULEDIR@|$(MODULEDIR)|g' \
		-e 's|@ABI_VERSION@|$(ABI_VERSION)|g' \
		-e 's|@VERSION@|$(VERSION)|g' doc/passt-module.pc.in \
		> $(DESTDIR)$(PKGCONFIGDIR)/passt-module.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/passt-module.pc
	install -m 644 doc/modules.md $(DESTDIR)$(DOCDIR)/modules.md
	install -m 644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/ethstats/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/passt
	rm -f $(MODULES:%=$(DESTDIR)$(MODULEDIR)/%.so)
	rm -f $(DESTDIR)$(SYSCONFDIR)/passt/passt.conf
	rm -f $(DESTDIR)$(INCLUDEDIR)/passt/module.h
	rm -f $(DESTDIR)$(MANDIR)/man1/passt.1 \
		$(DESTDIR)$(MANDIR)/man5/passt.conf.5
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/passt-module.pc
	rm -f $(DESTDIR)$(DOCDIR)/modules.md \
		$(EXAMPLES:examples/%=$(DESTDIR)$(DOCDIR)/examples/%)
	rmdir $(DESTDIR)$(MODULEDIR) $(DESTDIR)$(SYSCONFDIR)/passt \
		$(DESTDIR)$(INCLUDEDIR)/passt \
		$(DESTDIR)$(DOCDIR)/examples/ethstats \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
		2>/dev/null || true

# The tarball holds what git tracks plus new files it doesn't ignore (or,
# outside a git checkout, the tree without build output) and .version, so
# that it builds from itself and knows what it is
DIST_NAME	:= passt-$(VERSION)
DIST_TMP	:= $(BUILD)/dist.tmp
DIST_BUILD	:= $(patsubst $(CURDIR)/%,%,$(abspath $(BUILD)))

dist:
	rm -rf $(DIST_TMP)
	mkdir -p $(DIST_TMP)/$(DIST_NAME) $(DISTDIR)
	{ if [ -e .git ]; then \
		git --no-optional-locks ls-files -co --exclude-standard; \
	  else find . -path ./.git -prune -o -type f -print | \
		sed 's|^\./||'; fi; } | \
	grep -v -e '^$(DIST_BUILD)/' -e '^build/' -e '\.[od]$$' \
		-e '\.so$$' -e '^passt-.*\.tar\.gz$$' | \
	while IFS= read -r f; do [ -f "$$f" ] && echo "$$f"; done | \
	tar -cf - --no-recursion --verbatim-files-from -T - | \
	tar -xf - -C $(DIST_TMP)/$(DIST_NAME)
	echo '$(VERSION)' > $(DIST_TMP)/$(DIST_NAME)/.version
	tar -czf $(DISTDIR)/$(DIST_NAME).tar.gz -C $(DIST_TMP) --sort=name \
		--owner=0 --group=0 --numeric-owner $(DIST_NAME)
	rm -rf $(DIST_TMP)
	@echo "$(DISTDIR)/$(DIST_NAME).tar.gz"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
