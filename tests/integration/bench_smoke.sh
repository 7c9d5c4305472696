#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench_smoke.sh - make bench's harness end to end, cut short: QUICK=1 with
# veth (MTU 65520), slirp4netns, pasta and this daemon's tap (BENCH_ONLY);
# TCP IPv4 guest to remote, TCP round trips and connections per second
# (BENCH_TESTS); results in a directory of the test's own (BENCH_OUT), so
# the tree's bench/results.* stay as they are. It installs what it lacks,
# as make bench does (bench/deps.sh).
#
# results.json: a positive median of every test for veth and the tap, and
# for slirp4netns and pasta either one or the reason they didn't run;
# the daemon's CPU time and memory; the method and the machine.
# results.md: the Markdown table, with the ratio and target columns.
# results.png: a PNG image.

. "$(dirname "$0")/lib.sh"

need_root
command -v python3 > /dev/null || skip "needs python3"
[ -f "$BUILD/modules/tap.so" ] || skip "no tap backend built"

OUT="$T/out"
mkdir -p "$OUT"
rc=0
QUICK=1 BENCH_ONLY="veth65520 slirp4netns pasta tap" \
	BENCH_TESTS="tcp4_up tcp_rr crr" BENCH_OUT="$OUT" \
	bash "$TOP/bench/run.sh" > "$T/bench.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "bench exited with $rc: $(tail -5 "$T/bench.log")"
grep -q 'progress\|rep 1' "$T/bench.log" ||
	fail "no progress lines: $(head -5 "$T/bench.log")"

python3 - "$OUT" <<'EOF' || fail "results don't hold what they should"
import json, sys

out = sys.argv[1]
j = json.load(open(out + '/results.json'))
tests = {'tcp4_up': 'tcp4_up', 'tcp_rr': 'tcp_rr_p50', 'crr': 'crr'}
keys = [i['key'] for i in j['impls']]
assert keys == ['veth65520', 'slirp4netns', 'pasta', 'tap'], keys
assert j['quick'] is True and j['method'] and j['machine'], 'header'
for t, metric in tests.items():
    med = j['medians'].get(metric, {})
    for k in ('veth65520', 'tap'):
        assert (med.get(k) or 0) > 0, '%s: %s: no median' % (t, k)
    for k in ('slirp4netns', 'pasta'):
        if (med.get(k) or 0) <= 0:
            why = j['errors'].get(k, {}).get(t) or j['errors'].get(k)
            assert why, '%s: %s: neither a median nor a reason' % (t, k)
            print('%s, %s: not measured: %s' % (k, t, why))
assert (j['medians'].get('cpu_up', {}).get('tap') or 0) > 0, 'cpu_up'
assert (j['medians'].get('rss_peak', {}).get('tap') or 0) > 0, 'rss'
md = open(out + '/results.md').read()
for s in ('| metric |', 'tap ÷ slirp4netns', 'tap ÷ pasta',
          'target met (tap)', 'TCP connections/s'):
    assert s in md, 'results.md: no "%s"' % s
png = open(out + '/results.png', 'rb').read()
assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 4096, 'results.png'
print('tap: %.1f Gbit/s, round trip p50 %.0f us, %.0f conn/s' %
      (j['medians']['tcp4_up']['tap'], j['medians']['tcp_rr_p50']['tap'],
       j['medians']['crr']['tap']))
EOF
git -C "$TOP" diff --quiet -- bench/results.json bench/results.md 2>/dev/null ||
	[ ! -d "$TOP/.git" ] || fail "the tree's bench/results changed"
echo "bench: QUICK, 4 implementations, 3 tests: json, table and chart"
