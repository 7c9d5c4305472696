# SPDX-License-Identifier: GPL-2.0-or-later
# Makefile - passt: the daemon, its modules, tests and checks
#
# make                 build/passt and build/modules/*.so
# make check           unit tests (CUnit) and integration tests
# make lint            gcc and clang with -Werror, cppcheck, clang-tidy
# make install         PREFIX, DESTDIR, LIBDIR, MODULEDIR honoured
# make BUILD=dir       build somewhere else (parallel trees)

VERSION		:= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1)

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
DESTDIR		?=

PROTO_MODULES	:= tcp udp icmp dhcp ndp
BACKEND_MODULES	:= tap qemu_stream vhost_user
MODULES		:= $(PROTO_MODULES) $(BACKEND_MODULES)

WARN		:= -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wpointer-arith -Wvla
BASE_CFLAGS	:= -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE \
		   -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
		   -Iinclude -DVERSION='"$(VERSION)"' \
		   -DMODULEDIR='"$(MODULEDIR)"'

ifeq ($(SANITIZE),1)
BASE_CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE
SAN_LDFLAGS	:= -fsanitize=address,undefined
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

.PHONY: all clean check unit integration lint install uninstall bench fuzz \
	FORCE

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
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Itests/unit -Imodules/$* -Ibackends/$* -I$(BUILD)/gen/$* -MMD -MP -c -o $@ $<

$(BUILD)/unit: $(UNIT_OBJS) $(CORE_LIB_OBJS)
	$(CC) $(LDFLAGS) $(SAN_LDFLAGS) -o $@ $^ $(CORE_LIBS) -lcunit

# A module's unit test links its sources with a fake core, one binary each
# (every module defines the same 'passt_module' symbol)
UNIT_MODULES	:= $(patsubst tests/unit/modules/%_test.c,%,$(wildcard tests/unit/modules/*_test.c))
UNIT_MOD_BINS	:= $(UNIT_MODULES:%=$(BUILD)/unit-%)

define unit_module_rules
$(BUILD)/unit-$(1): $(BUILD)/obj/tests/unit/modules/$(1)_test.o $(BUILD)/obj/tests/unit/fake_core.o $(BUILD)/obj/tests/unit/main.o $(call mod_objs,$(1))
	$$(CC) $$(LDFLAGS) $$(SAN_LDFLAGS) -o $$@ $$^ -lcunit
$(BUILD)/obj/tests/unit/modules/$(1)_test.o: $(BUILD)/gen/$(1)/syscalls.gen.h
endef
$(foreach m,$(UNIT_MODULES),$(eval $(call unit_module_rules,$(m))))

include tests/unit/mods.mk

.PHONY: unit-bins
unit-bins: $(BUILD)/unit $(UNIT_MOD_BINS) $(TEST_MODULE_SOS)

unit: $(BUILD)/unit $(UNIT_MOD_BINS) $(TEST_MODULE_SOS) all
	cd tests/unit && BUILD=$(abspath $(BUILD)) $(abspath $(BUILD))/unit
	@set -e; for t in $(UNIT_MOD_BINS); do \
		(cd tests/unit && BUILD=$(abspath $(BUILD)) $(abspath $$t)); \
	done

integration: all $(TEST_MODULE_SOS)
	BUILD=$(abspath $(BUILD)) sh tests/integration/run.sh

check: $(DEPS_STAMP)
	$(MAKE) unit
	$(MAKE) integration

lint: $(DEPS_STAMP)
	sh scripts/lint.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MODULEDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(SYSCONFDIR)/passt \
		$(DESTDIR)$(PREFIX)/include/passt
	install -m 755 $(BUILD)/passt $(DESTDIR)$(BINDIR)/passt
	install -m 644 $(MODULE_SOS) $(DESTDIR)$(MODULEDIR)/
	install -m 644 etc/passt.conf $(DESTDIR)$(SYSCONFDIR)/passt/passt.conf
	install -m 644 include/passt/module.h $(DESTDIR)$(PREFIX)/include/passt/
	if [ -f doc/passt.1 ]; then install -m 644 doc/passt.1 $(DESTDIR)$(MANDIR)/man1/; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/passt $(DESTDIR)$(MANDIR)/man1/passt.1
	rm -f $(MODULES:%=$(DESTDIR)$(MODULEDIR)/%.so)
	rm -f $(DESTDIR)$(SYSCONFDIR)/passt/passt.conf
	rm -f $(DESTDIR)$(PREFIX)/include/passt/module.h

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
