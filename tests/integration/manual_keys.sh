#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# manual_keys.sh - The manuals match the code, both ways:
# - every setting the code accepts (the core's key lists in core/conf.c,
#   each in-tree module's config_keys, and the module groups themselves) is
#   documented in doc/passt.conf.5, with a type and, for values, a default,
#   and every key documented there is accepted;
# - the key lists read from the sources are the ones the daemon reports
#   (asked through its "unknown setting" message, for each module built);
# - every option of passt --help (and of conf_parse()) is in the OPTIONS
#   of doc/passt.1, and every option documented there exists;
# - both pages format without warnings (when groff is here).
#
# The convention in doc/passt.conf.5: each key is a .TP paragraph whose tag
# is ".B name" (more names of one paragraph follow ".TQ"); a name is a
# top-level key, "group.key", or "forward[].key". The body starts with the
# type (String, Integer, Boolean, Array of strings, Group, List of groups)
# and, unless it is a group, has a line starting "Default:".

. "$(dirname "$0")/lib.sh"

python3 -c '' 2> /dev/null || skip "no python3"

# Settings accepted, from the sources: one "name" per line
python3 - "$TOP" > "$T/code" <<'PY' || fail "reading the sources failed"
import glob, os, re, sys

top = sys.argv[1]


def strip_comments(text):
	text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
	return re.sub(r'//[^\n]*', ' ', text)


def arrays(text):
	"""Every 'static const char *const NAME[] = { "...", ... };'"""
	out = {}
	for m in re.finditer(r'(?:static\s+)?const\s+char\s*\*\s*const\s+'
			     r'(\w+)\s*\[\s*\]\s*=\s*\{(.*?)\}\s*;', text,
			     re.S):
		out[m.group(1)] = re.findall(r'"([^"]*)"', m.group(2))
	return out


core = arrays(strip_comments(open(os.path.join(top, 'core/conf.c')).read()))
# Which group each of the core's lists describes: a new list must be
# added here, and documented
groups = {
	'conf_log_keys': ['log'],
	'conf_sandbox_keys': ['sandbox'],
	'conf_ip_keys': ['ipv4', 'ipv6'],
	'conf_fwd_keys': ['forward[]'],
}
keys = set()
for name, vals in core.items():
	if not name.endswith('_keys'):
		continue
	if name == 'conf_top_keys':
		keys.update(vals)
	elif name in groups:
		for g in groups[name]:
			keys.update(g + '.' + v for v in vals)
	else:
		sys.exit('core/conf.c: key list %s: which group is it? '
			 '(tests/integration/manual_keys.sh)' % name)
if 'conf_top_keys' not in core:
	sys.exit('core/conf.c: no conf_top_keys found')

for d in sorted(glob.glob(os.path.join(top, 'modules/*/')) +
		glob.glob(os.path.join(top, 'backends/*/'))):
	text = ''.join(strip_comments(open(f).read())
		       for f in sorted(glob.glob(d + '*.c')))
	desc = re.search(r'PASST_MODULE\s*\((.*?)\)\s*;', text, re.S)
	if not desc:
		sys.exit('%s: no PASST_MODULE() descriptor' % d)
	name = re.search(r'\.name\s*=\s*"([^"]+)"', desc.group(1))
	if not name:
		sys.exit('%s: descriptor without a name' % d)
	mod = name.group(1)
	keys.add(mod)
	ck = re.search(r'\.config_keys\s*=\s*(\w+)', desc.group(1))
	if not ck or ck.group(1) == 'NULL':
		continue
	arr = arrays(text)
	if ck.group(1) not in arr:
		sys.exit('%s: config_keys %s: array not found' %
			 (d, ck.group(1)))
	keys.update(mod + '.' + k for k in arr[ck.group(1)])
for k in sorted(keys):
	print(k)
PY

# Settings documented, each with its type and default, one per line
python3 - "$TOP/doc/passt.conf.5" > "$T/doc" <<'PY' ||
import re, sys

name = re.compile(r'^[a-z][a-z0-9_]*(\[\])?(\.[a-z][a-z0-9_]*)?$')
types = ('String', 'Integer', 'Boolean', 'Array of strings', 'Group',
	 'List of groups')
lines = open(sys.argv[1]).read().split('\n')
seen, bad = [], []
i = 0
while i < len(lines):
	if lines[i] != '.TP':
		i += 1
		continue
	i += 1
	tags = []
	while i < len(lines):
		m = re.match(r'^\.B (\S+)$', lines[i])
		if m and name.match(m.group(1)):
			tags.append(m.group(1))
			i += 1
			if i < len(lines) and lines[i] == '.TQ':
				i += 1
				continue
		break
	if not tags:
		continue
	body = []
	while i < len(lines) and not re.match(r'^\.(TP|SH|SS|PP|P|LP|RE)\b',
						lines[i]):
		body.append(lines[i])
		i += 1
	text = [l for l in body if l and not l.startswith('.\\"')]
	first = re.sub(r'\\f[BIRP]', '', text[0]) if text else ''
	t = [x for x in types if first.startswith(x)]
	if not t:
		bad.append('%s: the paragraph must start with its type (%s)' %
			   (tags[0], ', '.join(types)))
	elif not t[-1].endswith(('Group', 'List of groups')) and \
	     not any(l.startswith('Default:') for l in text):
		bad.append('%s: no "Default:" line' % tags[0])
	seen.extend(tags)
dups = sorted(set(k for k in seen if seen.count(k) > 1))
if dups:
	bad.append('documented twice: ' + ', '.join(dups))
if bad:
	sys.exit('doc/passt.conf.5:\n  ' + '\n  '.join(bad))
for k in sorted(set(seen)):
	print(k)
PY
	fail "doc/passt.conf.5 breaks its own convention"

[ "$(wc -l < "$T/code")" -gt 30 ] ||
	fail "only $(wc -l < "$T/code") settings found in the sources"
comm -23 "$T/code" "$T/doc" > "$T/undocumented"
comm -13 "$T/code" "$T/doc" > "$T/unknown"
[ -s "$T/undocumented" ] && fail "accepted but not in doc/passt.conf.5: \
$(tr '\n' ' ' < "$T/undocumented")"
[ -s "$T/unknown" ] && fail "in doc/passt.conf.5 but not accepted: \
$(tr '\n' ' ' < "$T/unknown")"

# The sources say what the daemon says: ask it, group by group, with a key
# nobody has (modules that are not built are left to the sources alone)
M="$T/mods.d"
mkdir -p "$M"
oot_build "$M/fakebe.so" "$TOP/include" "$TOP/tests/oot/fakebe.c"
for f in "$BUILD"/modules/*.so; do
	[ -e "$f" ] && ln -s "$f" "$M/"
done
# knows() - Keys the daemon lists for a group, one per line, sorted
# $1: the setting to write (it replaces a line of the same key), $2: the
# group name in the message
knows() {
	cat > "$T/k.conf" <<CONF
backend = "fakebe";
module_dir = "$M";
modules = [ ];
ipv4 = { address = "10.77.0.2"; prefix_len = 24; gateway = "10.77.0.1"; };
ipv6 = { enable = false; };
CONF
	sed -i "/^${1%% *} = /d" "$T/k.conf"
	echo "$1" >> "$T/k.conf"
	"$PASST" -c "$T/k.conf" --check-config 2>&1 > /dev/null |
		sed -n "s/.*: unknown setting ($2 knows \(.*\))$/\1/p" |
		sed 's/^no settings$//' | tr ',' '\n' | sed 's/^ //' |
		sed '/^$/d' | sort
}
for g in log sandbox ipv4 ipv6; do
	want=$(sed -n "s/^$g\.//p" "$T/code")
	[ -n "$want" ] || fail "no keys of $g found in the sources"
	expect_eq "keys of $g (daemon vs sources)" \
		"$(knows "$g = { zz_nobody_reads = 1; };" "$g")" "$want"
done
expect_eq "keys of forward rules (daemon vs sources)" \
	"$(knows 'forward = ( { zz_nobody_reads = 1; } );' 'forward\[0\]')" \
	"$(sed -n 's/^forward\[\]\.//p' "$T/code")"
checked=0
for f in "$BUILD"/modules/*.so; do
	[ -e "$f" ] || continue
	mod=$(basename "$f" .so)
	grep -qx "$mod" "$T/code" || continue
	expect_eq "keys of $mod (daemon vs sources)" \
		"$(knows "$mod = { zz_nobody_reads = 1; };" "$mod")" \
		"$(sed -n "s/^$mod\.//p" "$T/code" | sort)"
	checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || echo "note: no module built: sources only"

# Options: passt --help and conf_parse() against the OPTIONS of passt.1
"$PASST" --help > "$T/help" || fail "passt --help exited with $?"
{
	grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' "$T/help" | tr -d ' ,'
	sed -n '/static const struct option opts\[\]/,/};/p' \
		"$TOP/core/conf.c" | sed -n 's/^[[:space:]]*{ "\([a-z-]*\)".*/--\1/p'
	grep -o 'getopt_long(argc, argv, "[^"]*"' "$TOP/core/conf.c" |
		sed 's/.*"\(.*\)"/\1/' | tr -d '+:' | grep -o . |
		sed 's/^/-/'
} | sort -u > "$T/opts.code"
[ "$(wc -l < "$T/opts.code")" -gt 10 ] ||
	fail "only $(wc -l < "$T/opts.code") options found: $(cat "$T/opts.code")"
awk '/^\.SH /{ s = $2 } s == "OPTIONS" && prev == ".TP" { print }
     { prev = $0 }' "$TOP/doc/passt.1" | sed 's/\\-/-/g; s/\\f[BIRP]//g' |
	tr -d '"' > "$T/tags"
grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' "$T/tags" | tr -d ' ,' |
	sort -u > "$T/opts.doc"
comm -23 "$T/opts.code" "$T/opts.doc" > "$T/undocumented"
comm -13 "$T/opts.code" "$T/opts.doc" > "$T/unknown"
[ -s "$T/undocumented" ] && fail "options not in passt.1's OPTIONS: \
$(tr '\n' ' ' < "$T/undocumented")"
[ -s "$T/unknown" ] && fail "options in passt.1 that passt lacks: \
$(tr '\n' ' ' < "$T/unknown")"
grep -qE -- '-- +COMMAND' "$T/tags" ||
	fail "passt.1's OPTIONS don't document '-- COMMAND'"

# The EXAMPLE of passt.conf.5 is a valid configuration
sed -n '/^\.SH EXAMPLE$/,/^\.SH /p' "$TOP/doc/passt.conf.5" |
	sed -e '/^\./d' -e 's/\\-/-/g' > "$T/example.conf"
[ -s "$T/example.conf" ] || fail "passt.conf.5 has no EXAMPLE"
if [ -f "$BUILD/modules/tcp.so" ] && [ -f "$BUILD/modules/udp.so" ] &&
   [ -f "$BUILD/modules/qemu_stream.so" ]; then
	"$PASST" -c "$T/example.conf" --check-config > /dev/null \
		2> "$T/err" || fail "passt.conf.5's EXAMPLE: $(cat "$T/err")"
fi

# Both pages format cleanly
if command -v groff > /dev/null; then
	for p in passt.1 passt.conf.5; do
		groff -man -ww -z -t "$TOP/doc/$p" > "$T/groff" 2>&1 ||
			fail "groff failed on $p: $(cat "$T/groff")"
		[ -s "$T/groff" ] && fail "groff warns about $p: \
$(head -5 "$T/groff")"
	done
fi
exit 0
