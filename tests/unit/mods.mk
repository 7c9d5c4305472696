# SPDX-License-Identifier: GPL-2.0-or-later
# mods.mk - Deliberately broken modules for the loader's refusals
#
# Built like real modules (position independent, hidden visibility) into
# $(BUILD)/tests/mods/, one file each, named as the tests expect.

TEST_MODS	:= nosym abi2 minor9 small badname badkind badsys dupclaim \
		   failconf
TEST_MODULE_SOS	:= $(TEST_MODS:%=$(BUILD)/tests/mods/%.so)

$(BUILD)/tests/mods/%.so: tests/unit/mods/%.c tests/unit/mods/common.h include/passt/module.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-override-init -fPIC -fvisibility=hidden -shared -o $@ $<

.PHONY: test-mods
test-mods: $(TEST_MODULE_SOS)
