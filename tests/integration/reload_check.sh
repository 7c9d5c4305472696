#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# reload_check.sh - Check a file before reloading it, as a script would:
# passt --check-config --json against golden files (tests/integration/
# config/NN.json for NN.conf, and config/json/ for files only JSON
# needs: escapes), byte for byte; each output is valid JSON (python3) and
# says what the text output says; a bad file is still one line on stderr,
# exit 1, nothing on stdout; --list-modules --json lists what the lines do.

. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "no python3"
CONF="$TOP/tests/integration/config"

n=0
for golden in "$CONF"/*.json "$CONF"/json/*.json; do
	conf=${golden%.json}.conf
	[ -f "$conf" ] || fail "$golden: no $conf beside it"
	rc=0
	"$PASST" --check-config --json -c "$conf" > "$T/out" 2> "$T/err" ||
		rc=$?
	expect_eq "$conf: exit status" "$rc" 0
	[ ! -s "$T/err" ] || fail "$conf: wrote to stderr: $(cat "$T/err")"
	sed -i "s|$BUILD|@BUILD@|g; s|$TOP|@TOP@|g; s|module ABI $ABI:|module ABI @ABI@:|; s|\"abi\": \"$ABI\"|\"abi\": \"@ABI@\"|" "$T/out"
	diff -u "$golden" "$T/out" || fail "$conf: JSON output differs"

	# The same settings as the text output, read by a JSON parser
	"$PASST" --check-config -c "$conf" > "$T/text" ||
		fail "$conf: text output: exit $?"
	python3 - "$T/out" "$T/text" <<'PY' || fail "$conf: JSON doesn't match"
import json, re, sys

d = json.load(open(sys.argv[1]))
text = open(sys.argv[2], encoding='latin-1').read()

def setting(name):
    m = re.search(r'^%s = (.*?);' % re.escape(name), text, re.M)
    return m.group(1) if m else None

assert setting('backend') == '"%s"' % d['backend'], 'backend'
assert setting('mtu') == str(d['mtu']), 'mtu'
assert setting('max_flows') == str(d['max_flows']), 'max_flows'
assert setting('busy_poll_us') == str(d['busy_poll_us']), 'busy_poll_us'
rules = re.findall(r'^# forward rule (\d+): (\w+) (\w+) ', text, re.M)
assert len(rules) == len(d['forward']), 'number of rules'
pif = {'host': 'host', 'guest': 'splice'}
for (i, proto, frm), r in zip(rules, d['forward']):
    assert int(i) == r['rule'] and proto == r['proto'], 'rule %s' % i
    assert pif[r['from']] == frm, 'rule %s: from' % i
for v in ('ipv4', 'ipv6'):
    assert isinstance(d[v]['enable'], bool), v
    if d[v]['enable']:
        assert re.search(r'^\taddress = "%s";' % re.escape(d[v]['address']),
                         text, re.M), v + ' address'
for g in d['groups']:
    assert re.search(r'^%s = \{' % re.escape(g), text, re.M), 'group ' + g
PY
	n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "only $n golden JSON files"
echo "$n JSON golden files checked"

# A bad file: the same line as without --json, nothing on stdout
for base in "$CONF/10" "$CONF/15"; do
	rc=0
	"$PASST" --check-config --json -c "$base.conf" > "$T/out" \
		2> "$T/err" || rc=$?
	expect_eq "$base.conf --json: exit status" "$rc" 1
	[ ! -s "$T/out" ] || fail "$base.conf --json: wrote to stdout"
	sed -i "s|$BUILD|@BUILD@|g; s|$TOP|@TOP@|g" "$T/err"
	diff -u "$base.err" "$T/err" || fail "$base.conf --json: message"
done

# --json goes with what prints settings or modules, nothing else
rc=0
"$PASST" --json > "$T/out" 2> "$T/err" || rc=$?
expect_eq "--json alone: exit status" "$rc" 1
expect_eq "--json alone: message" "$(cat "$T/err")" \
	"--json: only with --check-config or --list-modules"

# --list-modules --json: the modules and files of the tab-separated lines
"$PASST" --list-modules > "$T/list" || fail "--list-modules: exit $?"
"$PASST" --list-modules --json > "$T/list.json" ||
	fail "--list-modules --json: exit $?"
python3 - "$T/list.json" "$T/list" <<'PY' || fail "--list-modules --json"
import json, sys

mods = json.load(open(sys.argv[1]))
lines = [l.split('\t') for l in open(sys.argv[2]).read().splitlines()]
assert len(mods) == len(lines) == 8, (len(mods), len(lines))
for m, l in zip(mods, lines):
    assert [m['name'], m['kind'], m['abi'], m['file']] == l, (m, l)
    assert m['summary'], m
PY
echo "--list-modules --json: 8 modules"
