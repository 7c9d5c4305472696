#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dhcp_v6.sh - An unmodified DHCPv6 client (ISC dhclient -6) in the guest
# namespace, behind the tap backend with the default sandbox, gets exactly
# the host's IPv6 address, the host's IPv6 nameserver and search domain,
# and its interface ends up with that address.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_need dhclient
lab_up
lab_passt

# The client speaks from its link-local address: wait until DAD is done
wait_for 50 sh -c "ip netns exec $LAB_GUEST ip -6 addr show dev $LAB_IF \
	scope link | grep -q inet6 && ! ip netns exec $LAB_GUEST \
	ip -6 addr show dev $LAB_IF tentative | grep -q inet6" ||
	fail "no usable link-local address on $LAB_IF"

cat > "$T/dhclient6.conf" <<CONF
request dhcp6.name-servers, dhcp6.domain-search;
CONF
# A hook script of our own: record, and add the address; no resolv.conf
cat > "$T/dhclient6.script" <<SCRIPT
#!/bin/sh
case "\$reason" in
BOUND6|RENEW6|REBIND6|REBOOT6)
	{
		echo "reason=\$reason"
		echo "ip6=\$new_ip6_address"
		echo "prefixlen=\$new_ip6_prefixlen"
		echo "dns=\$new_dhcp6_name_servers"
		echo "search=\$new_dhcp6_domain_search"
	} > "$T/dhcp6.env.tmp" && mv "$T/dhcp6.env.tmp" "$T/dhcp6.env"
	ip -6 addr replace "\$new_ip6_address/\$new_ip6_prefixlen" \
		dev "\$interface" nodad
	;;
esac
exit 0
SCRIPT
chmod 755 "$T/dhclient6.script"

# -d: stay in the foreground (killed at the end, by PID); -1: try once
ip netns exec "$LAB_GUEST" dhclient -6 -d -1 -v -cf "$T/dhclient6.conf" \
	-sf "$T/dhclient6.script" -lf "$T/dhclient6.leases" \
	-pf "$T/dhclient6.pid" "$LAB_IF" > "$T/dhclient.out" 2>&1 &
PIDS="$PIDS $!"
wait_for 200 test -s "$T/dhcp6.env" ||
	fail "dhclient -6 got no lease: $(cat "$T/dhclient.out")"

env="$T/dhcp6.env"
expect_eq "reason" "$(lab_env "$env" reason)" BOUND6
expect_eq "address" "$(lab_env "$env" ip6)" "$LAB_HOST6"
expect_eq "nameservers" "$(lab_env "$env" dns)" "$LAB_DNS6"
expect_match "search" "$(lab_env "$env" search)" "^${LAB_SEARCH//./\\.}\\.?\$"

expect_match "guest address" \
	"$(lab_guest ip -6 -o addr show dev "$LAB_IF" scope global)" \
	"inet6 $LAB_HOST6/[0-9]+ "

kill -0 "$LAB_PASST_PID" || fail "passt died: $(cat "$T/passt.log")"
