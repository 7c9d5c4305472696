#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pcap.sh - The capture file the daemon writes (pcap = FILE) while the
# guest gets a DHCP lease through the tap opens in tcpdump and shows the
# whole exchange: DISCOVER, OFFER, REQUEST, ACK, between the guest's MAC
# and the daemon's.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_need tcpdump
lab_up
lab_passt "pcap = \"$T/dhcp.pcap\";"
lab_dhcp4

guest_mac=$(lab_guest cat "/sys/class/net/$LAB_IF/address")
tcpdump -r "$T/dhcp.pcap" -n -e -vv udp and port 67 > "$T/dump" \
	2> "$T/dump.err" || fail "tcpdump -r: $(cat "$T/dump.err")"

# -vv prints the message type as "DHCP-Message (53), length 1: Discover"
types=$(sed -n 's/.*DHCP-Message[^:]*: \([A-Za-z]*\).*/\1/p' "$T/dump" |
	tr '\n' ' ')
expect_eq "DHCP messages in the capture" "$types" \
	"Discover Offer Request ACK "

# Frames of both directions, with the right Ethernet addresses
expect_eq "frames from the guest" \
	"$(grep -c "^[0-9:.]* $guest_mac > " "$T/dump")" 2
expect_eq "frames from the daemon" \
	"$(grep -c "^[0-9:.]* $LAB_OUR_MAC > $guest_mac" "$T/dump")" 2
