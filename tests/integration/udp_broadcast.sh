#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# udp_broadcast.sh - Broadcast and multicast from the guest go out where
# the host can send them: a listener on the router's side of the host's
# link gets the guest's datagrams to 255.255.255.255, to the subnet's
# broadcast address and to a multicast group it joined, and its unicast
# answers (from its own address) reach the guest's socket.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_need python3
lab_up
lab_passt "" "config_net = true;"

GROUP=239.1.2.3
BCAST=203.0.113.255

# Not lab_*(): $! must be the process itself, for the cleanup

ip netns exec "$LAB_ROUTER" python3 -c "
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'lan')
s.bind(('', 9999))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton('$GROUP') + socket.inet_aton('$LAB_GW4'))
print('listening', flush=True)
while True:
    d, a = s.recvfrom(100)
    print(d.decode(), a[0], flush=True)
    s.sendto(b'ack ' + d, a)
" > "$T/router.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/router.log" || fail "$(cat "$T/router.log")"

for dst in 255.255.255.255 "$BCAST" "$GROUP"; do
	got=$(lab_guest python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
s.settimeout(2)
for attempt in range(3):
    s.sendto(b'to-$dst', ('$dst', 9999))
    try:
        d, a = s.recvfrom(100)
        print(d.decode(), a[0])
        break
    except socket.timeout:
        continue
else:
    print('no answer')
" 2> "$T/err") || fail "$(cat "$T/err")"
	expect_eq "answer to the guest's datagram to $dst" "$got" \
		"ack to-$dst $LAB_GW4"
	echo "$dst: received on the host's link, answer back to the guest"
done

expect_eq "what the router's listener got, and from where" \
	"$(grep -v listening "$T/router.log" | sort -u | tr '\n' ' ')" \
	"to-$BCAST $LAB_HOST4 to-$GROUP $LAB_HOST4 \
to-255.255.255.255 $LAB_HOST4 "
kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
