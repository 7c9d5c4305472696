/* SPDX-License-Identifier: GPL-2.0-or-later */
/* module.h - The passt module ABI: the one public header
 *
 * This header is the whole contract between the passt core and its modules.
 * A module is a shared object that exports exactly one symbol, the descriptor
 * 'passt_module' (define it with PASST_MODULE()). Everything a module may do
 * at run time goes through the table of core services it receives in its
 * configure() callback; it never reaches into core globals, never calls
 * another module, and never includes anything of the core's but this file.
 *
 * Kinds of module
 * ---------------
 * - Protocol modules (PASST_MOD_PROTOCOL) speak something on top of the
 *   guest's Ethernet link: tcp, udp, icmp, dhcp, ndp. They declare which guest
 *   frames they take (struct passt_claim) and receive them in batches through
 *   on_frames(); they send frames to the guest with frame_alloc() and
 *   frame_send() (or to_guest()).
 * - Backend modules (PASST_MOD_BACKEND) move frames between the guest and the
 *   core: tap, qemu_stream, vhost_user. Exactly one is loaded, selected by the
 *   'backend' setting. It passes guest frames to the core with from_guest()
 *   and the core hands it frames for the guest through its send() callback,
 *   once per event loop turn, in one batch.
 *
 * Pushing back (since 1.2)
 * ------------------------
 * A backend whose guest reads slower than the host sends (a QEMU that
 * drains its socket at its own pace, a virtqueue without free buffers)
 * would otherwise drop frames, and TCP would only find out from the
 * guest's duplicate ACKs. Instead it tells the core how many more bytes of
 * frames it can take with tx_window() (from its send(), and whenever it
 * drains). A protocol module with data that can wait (TCP: it stays in the
 * host socket) asks tx_room() before building frames, builds no more than
 * that, and gets on_tx_ready() once the room it asked for is there. Small
 * control frames (ACKs, DHCP, NDP, UDP) are not held back: a backend keeps
 * a reserve for them. A backend that never calls tx_window() never pushes
 * back, and tx_room() is SIZE_MAX.
 *
 * Life cycle
 * ----------
 *   dlopen + descriptor check  (no module code runs; --list-modules stops here)
 *   configure()   read the module's own config group, check ranges
 *   init()        open every file descriptor, allocate every buffer
 *   [the core enters its sandbox: namespaces, no capabilities, seccomp]
 *   start()       first actions from inside the sandbox (optional)
 *   on_fd() / on_frames() / on_timer() / on_defer() / on_reset()
 *   fini()        at shutdown (optional): flush, close, say goodbye
 *
 * After init() the module runs inside a seccomp filter composed of the core's
 * list and the 'syscalls' lists of the loaded modules: any system call a
 * module makes after init() must be in its own list (names as in
 * seccomp_syscall_resolve_name(3), without architecture prefix; a name the
 * running architecture lacks is ignored, so list alternatives freely). The
 * core itself covers epoll, read/write/writev on file descriptors it hands
 * out, clock_gettime, timerfd and exit. A violation kills the process.
 *
 * Compatibility rules
 * -------------------
 * A descriptor starts with abi_major, abi_minor and its own size; the core
 * checks these before touching anything else. The core loads a module whose
 * major equals its own and whose minor is not newer than its own (a newer
 * module could need services this core lacks). Members are only ever
 * appended, each marked with the minor version that added it; the core reads
 * a member only if the descriptor's size covers it, and a module reads a
 * member of struct passt_core_ops or struct passt_netcfg only if that
 * structure's size covers it. Anything else (reordering, retyping, removal)
 * bumps the major version. (ABI 1.0 is frozen with the first release of
 * the project; until then its members may still move.)
 *
 * Threading and memory
 * --------------------
 * One thread. Callbacks must never block. Module state lives in the priv
 * block (priv_size bytes, zeroed, allocated by the core before configure()),
 * not in mutable statics, so one process may run a module twice (tests do):
 * any callback finds it with passt_priv(m), and the core with passt_core(m).
 * Allocate what you need in init(); nothing on the packet path.
 *
 * Guest bytes are hostile: read frames only through passt_frame_at(); a bad
 * frame is dropped with a PASST_LOG_TRACE line, never asserted on.
 */

#ifndef PASST_MODULE_H
#define PASST_MODULE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/uio.h>

#define PASST_ABI_MAJOR	1	/* bump when a field changes or goes away */
#define PASST_ABI_MINOR	2	/* bump when a field is added at the end */

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Basic types                                                              */
/* ------------------------------------------------------------------------ */

/**
 * enum passt_mod_kind - What a module is
 * @PASST_MOD_PROTOCOL:	speaks a protocol to the guest (tcp, dhcp...)
 * @PASST_MOD_BACKEND:	carries the guest's frames (tap, qemu_stream...)
 */
enum passt_mod_kind {
	PASST_MOD_PROTOCOL = 1,
	PASST_MOD_BACKEND = 2,
};

/* Log levels: the syslog(3) numbers, plus trace below debug */
#define PASST_LOG_ERR		3
#define PASST_LOG_WARNING	4
#define PASST_LOG_NOTICE	5
#define PASST_LOG_INFO		6
#define PASST_LOG_DEBUG		7
#define PASST_LOG_TRACE		8
/* Or'ed into a level: at most a few lines per second from this module, for
 * messages that a guest or a peer can trigger at will
 */
#define PASST_LOG_RATELIMIT	0x100

#define PASST_ETH_ALEN		6
#define PASST_ETH_HLEN		14
#define PASST_ETHERTYPE_IP	0x0800
#define PASST_ETHERTYPE_ARP	0x0806
#define PASST_ETHERTYPE_IPV6	0x86dd

#define PASST_PIF_NAME_MAX	128	/* bytes of a pif name with its NUL */
#define PASST_IFNAME_MAX	16	/* IFNAMSIZ */
#define PASST_DNS_MAX		4	/* nameservers per IP version */
#define PASST_SEARCH_MAX	8	/* search domains */
#define PASST_DOMAIN_MAX	254	/* a domain name with its NUL */

/**
 * struct passt_mod - The core's record of a loaded module: opaque to modules,
 * except for its head (struct passt_mod_head), read through passt_core() and
 * passt_priv()
 */
struct passt_mod;
struct passt_core_ops;

/**
 * struct passt_mod_head - First members of every struct passt_mod
 * @core:	Core services (the same table configure() receives)
 * @priv:	The module's priv_size bytes of state
 *
 * Callbacks receive only the module's record: this is how they find their
 * state and the core without any mutable static.
 */
struct passt_mod_head {
	const struct passt_core_ops *core;
	void *priv;
};

/**
 * passt_core() - Core services, from any callback
 * @m:		The module's record
 *
 * Return: core services
 */
static inline const struct passt_core_ops *passt_core(const struct passt_mod *m)
{
	return ((const struct passt_mod_head *)(const void *)m)->core;
}

/**
 * passt_priv() - The module's state, from any callback
 * @m:		The module's record
 *
 * Return: priv_size bytes, zeroed at load
 */
static inline void *passt_priv(const struct passt_mod *m)
{
	return ((const struct passt_mod_head *)(const void *)m)->priv;
}

/**
 * struct passt_frame - One Ethernet frame from the guest, read-only
 * @data:	Frame, starting with the Ethernet header
 * @len:	Length of the frame; for IP, trimmed to the IP datagram's end
 * @l3off:	Offset of the network header (ARP, IPv4, IPv6)
 * @l4off:	Offset of the transport header, 0 if none (not IP, fragment)
 * @l4len:	Length of the transport header and payload, from the IP header
 * @ethertype:	EtherType in host order (PASST_ETHERTYPE_*)
 * @l4proto:	IP protocol (IPPROTO_*), after IPv6 extension headers, or 0
 * @flags:	PASST_FRAME_* flags, set by the backend (0 when in doubt)
 *
 * For IPv4 and IPv6 the core has checked, before a module sees the frame,
 * that the version, header length and total length are coherent and that
 * all of it lies inside @len. Modules still read through passt_frame_at().
 *
 * PASST_FRAME_CSUM_OK: the guest's kernel handed this frame to the backend
 * through memory with its transport checksum offloaded (a tap or virtio
 * header said so), and it never crossed a wire: the TCP, UDP or ICMP
 * checksum field may hold only a partial sum and must not be verified.
 * A backend sets it only where the kernel's own header vouches for it.
 */
struct passt_frame {
	const uint8_t *data;
	size_t len;
	uint16_t l3off;
	uint16_t l4off;
	uint16_t l4len;
	uint16_t ethertype;
	uint8_t l4proto;
	uint8_t flags;
	uint8_t pad_[6];
};

#define PASST_FRAME_CSUM_OK	0x01	/* don't verify the L4 checksum */

/**
 * passt_frame_at() - Bounds-checked access into a frame
 * @f:		Frame
 * @off:	Offset in the frame
 * @len:	Number of bytes wanted
 *
 * Return: pointer to @len bytes at @off in @f, or NULL unless all are there
 */
static inline const void *passt_frame_at(const struct passt_frame *f,
					 size_t off, size_t len)
{
	return off > f->len || len > f->len - off ? NULL : f->data + off;
}

/**
 * struct passt_claim - Guest frames a protocol module takes
 * @ethertype:	PASST_ETHERTYPE_IP, _IPV6, or any other EtherType
 * @l4proto:	IPPROTO_* for IP ethertypes, 0: any
 * @l4dst:	destination port (TCP, UDP) or ICMP/ICMPv6 type, 0: any
 *
 * The most specific claim wins: (ethertype, proto, port) over (ethertype,
 * proto) over (ethertype). Two modules making the same claim is a start-up
 * error. A zeroed entry ends a claims list. ARP is answered by the core
 * unless a module claims it.
 */
struct passt_claim {
	uint16_t ethertype;
	uint8_t l4proto;
	uint16_t l4dst;
};

/**
 * union passt_inany - An IPv6 address, or an IPv4 one mapped (::ffff:a.b.c.d)
 * @a6:		IPv6 address
 * @v4:		IPv4-mapped view: ten zero bytes, two 0xff bytes, the address
 */
union passt_inany {
	struct in6_addr a6;
	struct {
		uint8_t zero[10];
		uint8_t one[2];
		struct in_addr a4;
	} v4;
};

/**
 * passt_inany_v4() - IPv4 address of an IPv4-mapped passt_inany
 * @a:		Address
 *
 * Return: pointer to the IPv4 address, or NULL if @a is IPv6
 */
static inline const struct in_addr *passt_inany_v4(const union passt_inany *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };

	return memcmp(a, prefix, sizeof(prefix)) ? NULL : &a->v4.a4;
}

/**
 * passt_inany_from_v4() - Make an IPv4-mapped passt_inany
 * @a:		Address to fill
 * @a4:		IPv4 address
 */
static inline void passt_inany_from_v4(union passt_inany *a, struct in_addr a4)
{
	memset(a->v4.zero, 0, sizeof(a->v4.zero));
	a->v4.one[0] = a->v4.one[1] = 0xff;
	a->v4.a4 = a4;
}

/* ------------------------------------------------------------------------ */
/* Flows and forwarding                                                     */
/* ------------------------------------------------------------------------ */

/* pif: packet interface, a small integer naming where packets come from */
#define PASST_PIF_NONE		0
#define PASST_PIF_TAP		1	/* the guest, through the backend */
#define PASST_PIF_HOST		2	/* host sockets */
#define PASST_PIF_SPLICE	3	/* guest namespace loopback (tap only) */

/**
 * struct passt_flowside - One side of a flow, as seen from the daemon
 * @eaddr:	Endpoint address: the peer (guest, or remote host)
 * @oaddr:	Our address on this side, as the peer addresses us
 * @eport:	Endpoint port (ICMP: echo identifier)
 * @oport:	Our port (ICMP: echo identifier)
 * @pif:	Interface of this side (PASST_PIF_*)
 * @ifindex:	Interface index for link-local addresses (scope_id), or 0
 */
struct passt_flowside {
	union passt_inany eaddr;
	union passt_inany oaddr;
	uint16_t eport;
	uint16_t oport;
	uint8_t pif;
	uint8_t pad_[3];
	uint32_t ifindex;
};

/* Conventional flow side indices */
#define PASST_INISIDE	0	/* the side that opened the flow */
#define PASST_TGTSIDE	1	/* the side it was forwarded to */

/**
 * struct passt_flow - A conversation, owned by the module that created it
 * @proto:	IP protocol (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP(V6))
 * @type:	Module's own tag (for example a TCP state class)
 * @side:	Both sides: PASST_INISIDE and PASST_TGTSIDE
 *
 * The module fills @side before hashing a side with flow_hash(); the core
 * finds the flow from a packet's tuple on either hashed side.
 */
struct passt_flow {
	uint8_t proto;
	uint8_t type;
	uint8_t pad_[2];
	struct passt_flowside side[2];
};

/* Forwarding rule flags */
#define PASST_FWD_AUTO		0x01	/* ports from a scan ("auto") */
#define PASST_FWD_ALL		0x02	/* from "all": bind failures are quiet */

/**
 * struct passt_fwd_rule - One forwarding rule: a port range on one pif
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @from:	pif where connections arrive (PASST_PIF_HOST, _SPLICE)
 * @flags:	PASST_FWD_* flags
 * @first:	First port of the range, as it arrives
 * @last:	Last port of the range, inclusive
 * @to:		Port on the other side that @first maps to; the range keeps
 *		its offsets (@first + n goes to @to + n)
 * @addr:	Address to listen on, unspecified (::) for any
 * @ifname:	Interface to listen on (SO_BINDTODEVICE), empty for any
 * @any_family:	Listen on both IPv4 and IPv6 (no address was given)
 */
struct passt_fwd_rule {
	uint8_t proto;
	uint8_t from;
	uint8_t flags;
	uint8_t any_family;
	uint16_t first;
	uint16_t last;
	uint16_t to;
	uint16_t pad_;
	union passt_inany addr;
	char ifname[PASST_IFNAME_MAX];
};

/* Listening sockets the core opens for forwarding rules reach the module
 * named by the rule's protocol ("tcp" or "udp") through on_fd() with this
 * type; @data is PASST_FWD_REF(rule index, port). When a reload (SIGHUP)
 * removes the rule, on_fd() is called once more with @events EPOLLHUP
 * alone, the rule still readable through fwd_rule(), and then the core
 * closes the socket: forget everything that uses it (since 1.1)
 */
#define PASST_FD_LISTEN		0xff
#define PASST_FWD_REF(rule, port)	(((uint32_t)(rule) << 16) | (port))
#define PASST_FWD_REF_RULE(data)	((data) >> 16)
#define PASST_FWD_REF_PORT(data)	((uint16_t)(data))

/* ------------------------------------------------------------------------ */
/* Network settings                                                         */
/* ------------------------------------------------------------------------ */

/**
 * struct passt_netcfg - Resolved network settings, read-only for modules
 * @size:		sizeof(struct passt_netcfg) in the core
 * @mtu:		MTU of the guest's link
 * @our_mac:		MAC address the daemon uses towards the guest
 * @guest_mac:		Guest's MAC as learned from its frames (broadcast
 *			until the first frame arrives)
 * @ip4:		IPv4 settings (addresses in network order)
 * @ip4.enable:		IPv4 is enabled
 * @ip4.prefix_len:	Prefix length of the guest's address
 * @ip4.n_dns:		Number of entries in @ip4.dns
 * @ip4.addr:		Address handed to the guest (the host's by default)
 * @ip4.gw:		Default gateway handed to the guest
 * @ip4.dns:		Nameservers handed to the guest
 * @ip4.dns_match:	Guest DNS queries to this address are forwarded...
 * @ip4.dns_host:	...to this host resolver (both 0.0.0.0 if none)
 * @ip4.map_host_loopback: Guest traffic to it reaches host 127.0.0.1, or 0
 * @ip4.outbound_addr:	Source address for outbound sockets, or 0
 * @ip4.outbound_if:	Interface for outbound sockets, or empty
 * @ip4.addr_seen:	Address the guest was last seen using
 * @ip6:		IPv6 settings, same meaning as @ip4, plus:
 * @ip6.our_ll:		Our link-local address (source of NDP messages)
 * @ip6.addr_ll_seen:	Guest's link-local address, as last seen
 * @n_search:		Number of entries in @search
 * @search:		DNS search domains handed to the guest
 * @guest_ifindex:	Guest-side interface index (tap), or 0
 */
struct passt_netcfg {
	uint32_t size;
	uint32_t mtu;
	uint8_t our_mac[PASST_ETH_ALEN];
	uint8_t guest_mac[PASST_ETH_ALEN];
	struct {
		bool enable;
		uint8_t prefix_len;
		uint8_t n_dns;
		uint8_t pad_;
		struct in_addr addr;
		struct in_addr gw;
		struct in_addr dns[PASST_DNS_MAX];
		struct in_addr dns_match;
		struct in_addr dns_host;
		struct in_addr map_host_loopback;
		struct in_addr outbound_addr;
		char outbound_if[PASST_IFNAME_MAX];
		struct in_addr addr_seen;
	} ip4;
	struct {
		bool enable;
		uint8_t prefix_len;
		uint8_t n_dns;
		uint8_t pad_;
		struct in6_addr addr;
		struct in6_addr gw;
		struct in6_addr dns[PASST_DNS_MAX];
		struct in6_addr dns_match;
		struct in6_addr dns_host;
		struct in6_addr map_host_loopback;
		struct in6_addr outbound_addr;
		char outbound_if[PASST_IFNAME_MAX];
		struct in6_addr addr_seen;
		struct in6_addr our_ll;
		struct in6_addr addr_ll_seen;
	} ip6;
	uint32_t n_search;
	char search[PASST_SEARCH_MAX][PASST_DOMAIN_MAX];
	uint32_t guest_ifindex;
};

/* ------------------------------------------------------------------------ */
/* Core services                                                            */
/* ------------------------------------------------------------------------ */

/**
 * struct passt_core_ops - The only way into the core
 * @size:	sizeof(struct passt_core_ops) in the core: a module reads a
 *		member only if @size covers it
 *
 * Logging and configuration
 * @log:	Log a line, prefixed with the module's name; @level is
 *		PASST_LOG_*, optionally or'ed with PASST_LOG_RATELIMIT
 * @cfg_int:	Integer @key of the module's group: 0 found, 1 absent (keep
 *		the default), -EINVAL wrong type (the core said where)
 * @cfg_bool:	Boolean @key, same return values
 * @cfg_str:	String @key, same return values; the string lives as long
 *		as the module
 * @cfg_list_len: Number of elements of list or array @key, or 1 absent,
 *		-EINVAL if not a list: 0 found (*n set)
 * @cfg_list_str: String element @idx of list or array @key, as cfg_str
 * @net:	Resolved network settings (live: guest_mac and *_seen change);
 *		@m may be NULL
 *
 * File descriptors and time
 * @fd_add:	Watch @fd for @events (EPOLLIN...); on_fd() gets @type (the
 *		module's own, 0-254) and @data (24 bits) back. 0 or -errno
 * @fd_mod:	Change @events, @type and @data of a watched @fd
 * @fd_del:	Stop watching @fd (it does not close it)
 * @timer_arm:	Call on_timer() once in @ms milliseconds (replacing an
 *		earlier request; 0 cancels), besides the periodic timer_ms
 * @defer:	Call on_defer() once at the end of this event loop turn,
 *		before frames are flushed to the guest
 * @now:	Monotonic time of the current event loop turn
 *
 * Module state
 * @priv:	The module's priv_size bytes, zeroed at load (the same as
 *		passt_priv())
 *
 * Frames to the guest
 * @frame_alloc: Room for one frame of up to @len bytes in the core's queue
 *		towards the guest, or NULL if @len is too big or the queue is
 *		full even after a flush. Valid until frame_send() or the next
 *		frame_alloc(), whichever comes first.
 * @frame_send:	Queue the frame built in the last frame_alloc() buffer, @len
 *		bytes long (at most what was allocated). 0 or -errno
 * @frames_reserve: Room for up to @n frames of up to @len bytes each, in
 *		one batch, so that one system call can fill many (a
 *		recvmsg() scattering into them): sets @bufs[i], returns how
 *		many were reserved (fewer when the queue is short of room;
 *		0 only if @len can never fit). Valid until frames_commit(),
 *		frame_alloc(), another reservation or a flush.
 * @frames_commit: Queue the first @n reserved frames with lengths @lens
 *		(0 skips a slot); the other reserved slots are released.
 *		0, or -EINVAL beyond the reservation
 * @to_guest:	Queue one frame gathered from @n iovecs (copied). 0 or -errno
 * @flush:	Hand queued frames to the backend now, instead of at the end
 *		of the loop turn
 *
 * Frames from the guest (backends only)
 * @from_guest:	Hand @n frames (only @data and @len set) to the core, which
 *		checks, sorts and dispatches them before returning
 * @guest_reset: The guest went away (link down, client disconnected): the
 *		core calls every protocol module's on_reset()
 * @quit:	Leave the event loop and exit with @status after fini()
 * @command:	The command given after '--' on the command line (argv,
 *		NULL-terminated), or NULL: the tap backend runs it in the
 *		guest's namespace
 *
 * Flows
 * @flow_new:	Allocate a flow for @proto with the module's @type tag:
 *		index, or -ENOSPC when the table is full. The flow must be
 *		hashed or freed before the callback returns.
 * @flow_at:	Flow @idx if it belongs to this module, else NULL
 * @flow_hash:	Make @side of flow @idx findable: 0, or -EEXIST if another
 *		flow has the same tuple
 * @flow_find:	Flow with side (@pif, @proto, @eaddr:@eport, @oaddr:@oport)
 *		belonging to this module: index, with *@side set if @side is
 *		not NULL, or -ENOENT
 * @flow_free:	Unhash and release flow @idx
 * @flow_max:	Capacity of the flow table
 *
 * Forwarding
 * @fwd_rule:	Rule @idx, or NULL
 * @fwd_lookup:	Rule forwarding @proto packets arriving on @pif at
 *		@addr:@port: index, or -ENOENT
 * @pif_name:	Name of pif @pif ("tap", "host", "splice"), or NULL
 * @guest_socket: A new socket (socket(2) arguments) in the guest's own
 *		network namespace, for the splice path between its loopback
 *		and the host's: works after the sandbox too, through the
 *		backend. The caller owns the fd. -ENOTSUP when the backend
 *		has no namespace (qemu_stream, vhost_user), else -errno
 * @claimed:	Whether a loaded module takes frames matching @claim
 *		exactly (for example: is there a DHCPv6 server, UDP port
 *		547 over IPv6, for router advertisements to announce?)
 *
 * Helpers
 * @csum:	Add the 16-bit ones' complement sum of @len bytes at @buf to
 *		@init (unfolded, 32 bits); the fastest implementation the
 *		CPU supports
 *
 * Pushing back, since 1.2 (see "Pushing back" above)
 * @tx_room:	Bytes of frames the backend can take now, counting those
 *		queued this turn; SIZE_MAX if it never pushes back. With less
 *		than @want, the module's on_tx_ready() is called once there
 *		is @want (or more) again
 * @tx_window:	Backends only: bytes of frames it can take beyond what it
 *		holds now (SIZE_MAX: no limit, the default). Call it from
 *		send(), where it need not count the frames being handed over
 *		after the call, and whenever what it holds drains
 */
struct passt_core_ops {
	uint32_t size;

	void (*log)(struct passt_mod *m, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	int (*cfg_int)(struct passt_mod *m, const char *key, long long *v);
	int (*cfg_bool)(struct passt_mod *m, const char *key, bool *v);
	int (*cfg_str)(struct passt_mod *m, const char *key, const char **v);
	int (*cfg_list_len)(struct passt_mod *m, const char *key, size_t *n);
	int (*cfg_list_str)(struct passt_mod *m, const char *key, size_t idx,
			    const char **v);
	const struct passt_netcfg *(*net)(struct passt_mod *m);

	int (*fd_add)(struct passt_mod *m, int fd, uint32_t events,
		      uint8_t type, uint32_t data);
	int (*fd_mod)(struct passt_mod *m, int fd, uint32_t events,
		      uint8_t type, uint32_t data);
	void (*fd_del)(struct passt_mod *m, int fd);
	void (*timer_arm)(struct passt_mod *m, uint32_t ms);
	void (*defer)(struct passt_mod *m);
	const struct timespec *(*now)(struct passt_mod *m);

	void *(*priv)(struct passt_mod *m);

	void *(*frame_alloc)(struct passt_mod *m, size_t len);
	int (*frame_send)(struct passt_mod *m, size_t len);
	size_t (*frames_reserve)(struct passt_mod *m, size_t n, size_t len,
				 uint8_t **bufs);
	int (*frames_commit)(struct passt_mod *m, size_t n,
			     const size_t *lens);
	int (*to_guest)(struct passt_mod *m, const struct iovec *iov, size_t n);
	void (*flush)(struct passt_mod *m);

	int (*from_guest)(struct passt_mod *m, const struct passt_frame *f,
			  size_t n);
	void (*guest_reset)(struct passt_mod *m);
	void (*quit)(struct passt_mod *m, int status);
	char *const *(*command)(struct passt_mod *m);

	int (*flow_new)(struct passt_mod *m, uint8_t proto, uint8_t type);
	struct passt_flow *(*flow_at)(struct passt_mod *m, unsigned int idx);
	int (*flow_hash)(struct passt_mod *m, unsigned int idx,
			 unsigned int side);
	int (*flow_find)(struct passt_mod *m, uint8_t pif, uint8_t proto,
			 const union passt_inany *eaddr, uint16_t eport,
			 const union passt_inany *oaddr, uint16_t oport,
			 unsigned int *side);
	void (*flow_free)(struct passt_mod *m, unsigned int idx);
	unsigned int (*flow_max)(struct passt_mod *m);

	const struct passt_fwd_rule *(*fwd_rule)(struct passt_mod *m,
						 unsigned int idx);
	int (*fwd_lookup)(struct passt_mod *m, uint8_t pif, uint8_t proto,
			  const union passt_inany *addr, uint16_t port);
	const char *(*pif_name)(struct passt_mod *m, uint8_t pif);
	int (*guest_socket)(struct passt_mod *m, int domain, int type,
			    int protocol);
	bool (*claimed)(struct passt_mod *m, const struct passt_claim *claim);

	uint32_t (*csum)(const void *buf, size_t len, uint32_t init);

	/* since 1.2 */
	size_t (*tx_room)(struct passt_mod *m, size_t want);
	void (*tx_window)(struct passt_mod *m, size_t bytes);
};

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

/**
 * struct passt_stat - One counter of a module, for its stats() hook
 * @name:	Counter name: [a-z0-9_], at most PASST_STAT_NAME_MAX
 *		characters, in static storage; by convention "flows_<state>"
 *		for flows by state, "drop_<reason>" for what was dropped
 *		and why, "<what>_to_host" and "<what>_from_host" for traffic
 *		on the host side (the core counts the guest side itself)
 * @value:	Its value
 *
 * Since 1.1.
 */
struct passt_stat {
	const char *name;
	uint64_t value;
};

#define PASST_STATS_MAX		32	/* counters stats() may fill */
#define PASST_STAT_NAME_MAX	31

/**
 * struct passt_module - What a module exports as 'passt_module'
 * @abi_major:	PASST_ABI_MAJOR at build time (set by PASST_MODULE())
 * @abi_minor:	PASST_ABI_MINOR at build time (set by PASST_MODULE())
 * @size:	sizeof(struct passt_module) at build (set by PASST_MODULE())
 * @name:	Module name: equal to the file name without ".so", and the
 *		name of its config group; [a-z0-9_], at most 31 characters
 * @kind:	PASST_MOD_PROTOCOL or PASST_MOD_BACKEND
 * @summary:	One line on what it is, for --list-modules
 * @priv_size:	Bytes of state the core allocates (zeroed) for it
 * @syscalls:	NULL-terminated system call names needed after init(), or
 *		NULL for none
 * @config_keys: NULL-terminated keys of its config group, or NULL
 * @claims:	Guest frames it takes (protocol modules), zeroed entry ends
 *		the list; NULL for none
 * @timer_ms:	Period of on_timer() calls, 0 for none
 * @configure:	Read the config group through @core (keep @core: it is valid
 *		for the module's whole life); 0 or -errno after logging why
 * @init:	Open every fd, allocate everything; 0 or -errno
 * @start:	Called once inside the sandbox before the first event; may
 *		be NULL
 * @fini:	Called at shutdown; may be NULL
 * @on_fd:	Event on a watched fd: @type and @data as given to fd_add()
 * @on_frames:	A batch of claimed guest frames, in arrival order
 * @on_timer:	Periodic (timer_ms) or requested (timer_arm()) wake-up
 * @on_defer:	End of a loop turn, after a defer() request; may be NULL
 * @on_reset:	The guest went away: drop its flows; may be NULL
 * @send:	Backends only: take @n frames, one per iovec; return how many
 *		were taken (the rest are dropped by the core) or -errno
 * @guest_socket: Backends only, optional: a socket made in the guest's
 *		network namespace (see passt_core_ops.guest_socket), or
 *		-errno; NULL if the guest has no namespace of ours
 * @stats:	Optional (since 1.1): fill up to @n (PASST_STATS_MAX) of
 *		the module's own counters into @st, in a stable order, and
 *		return how many. Called on SIGUSR1, from the event loop,
 *		never on the packet path: cheap but not free (a walk over
 *		the module's flows is fine). The core logs them on one line
 *		after its own counters of the module: frames and bytes from
 *		and to the guest, and flows owned
 * @on_tx_ready: Optional (since 1.2): the room the module asked tx_room()
 *		for is there again. Only queue work here (defer(), then send
 *		from on_defer()): it may be called while frames are being
 *		handed to the backend
 */
struct passt_module {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t size;
	const char *name;
	enum passt_mod_kind kind;
	const char *summary;
	size_t priv_size;
	const char *const *syscalls;
	const char *const *config_keys;
	const struct passt_claim *claims;
	unsigned int timer_ms;

	int (*configure)(struct passt_mod *m, const struct passt_core_ops *core);
	int (*init)(struct passt_mod *m);
	int (*start)(struct passt_mod *m);
	void (*fini)(struct passt_mod *m);

	void (*on_fd)(struct passt_mod *m, uint8_t type, int fd, uint32_t data,
		      uint32_t events, const struct timespec *now);
	void (*on_frames)(struct passt_mod *m, const struct passt_frame *f,
			  size_t n, const struct timespec *now);
	void (*on_timer)(struct passt_mod *m, const struct timespec *now);
	void (*on_defer)(struct passt_mod *m, const struct timespec *now);
	void (*on_reset)(struct passt_mod *m);

	int (*send)(struct passt_mod *m, const struct iovec *iov, size_t n);
	int (*guest_socket)(struct passt_mod *m, int domain, int type,
			    int protocol);

	/* since 1.1 */
	size_t (*stats)(struct passt_mod *m, struct passt_stat *st, size_t n);

	/* since 1.2 */
	void (*on_tx_ready)(struct passt_mod *m);
};

/**
 * PASST_MODULE() - Define the module's exported descriptor
 *
 * Usage: PASST_MODULE(.name = "udp", .kind = PASST_MOD_PROTOCOL, ...);
 */
#define PASST_MODULE(...)						\
	__attribute__((visibility("default")))				\
	const struct passt_module passt_module = {			\
		.abi_major = PASST_ABI_MAJOR,				\
		.abi_minor = PASST_ABI_MINOR,				\
		.size = sizeof(struct passt_module),			\
		__VA_ARGS__						\
	}

/* ------------------------------------------------------------------------ */
/* Checksum helpers, built on passt_core_ops.csum                           */
/* ------------------------------------------------------------------------ */

/**
 * passt_csum_fold() - Fold a 32-bit partial sum into a 16-bit checksum
 * @sum:	Partial sum
 *
 * Return: ones' complement of the folded sum, in the byte order the sum was
 *	   computed in (network order for sums over packet bytes)
 */
static inline uint16_t passt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ------------------------------------------------------------------------ */
/* Building frames towards the guest                                        */
/* ------------------------------------------------------------------------ */

/* Offsets of the payload after Ethernet + IP (+ UDP) headers */
#define PASST_IP4_HLEN		20
#define PASST_IP6_HLEN		40
#define PASST_UDP_HLEN		8
#define PASST_ETH_IP4_LEN	(PASST_ETH_HLEN + PASST_IP4_HLEN)
#define PASST_ETH_IP6_LEN	(PASST_ETH_HLEN + PASST_IP6_HLEN)

/**
 * passt_put16() - Store a 16-bit value in network order
 * @p:		Destination, any alignment
 * @v:		Value in host order
 */
static inline void passt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/**
 * passt_get16() - Load a 16-bit value stored in network order
 * @p:		Source, any alignment
 *
 * Return: value in host order
 */
static inline uint16_t passt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * passt_put32() - Store a 32-bit value in network order
 * @p:		Destination, any alignment
 * @v:		Value in host order
 */
static inline void passt_put32(uint8_t *p, uint32_t v)
{
	passt_put16(p, (uint16_t)(v >> 16));
	passt_put16(p + 2, (uint16_t)v);
}

/**
 * passt_get32() - Load a 32-bit value stored in network order
 * @p:		Source, any alignment
 *
 * Return: value in host order
 */
static inline uint32_t passt_get32(const uint8_t *p)
{
	return (uint32_t)passt_get16(p) << 16 | passt_get16(p + 2);
}

/**
 * passt_eth_fill() - Ethernet header from the daemon to the guest
 * @net:	Network settings (our_mac, guest_mac)
 * @buf:	Frame start, PASST_ETH_HLEN bytes
 * @ethertype:	EtherType, host order
 */
static inline void passt_eth_fill(const struct passt_netcfg *net,
				  uint8_t *buf, uint16_t ethertype)
{
	memcpy(buf, net->guest_mac, PASST_ETH_ALEN);
	memcpy(buf + PASST_ETH_ALEN, net->our_mac, PASST_ETH_ALEN);
	passt_put16(buf + 12, ethertype);
}

/**
 * passt_ip4_fill() - Ethernet and IPv4 headers for a datagram to the guest
 * @core:	Core services (for the checksum)
 * @buf:	Frame start; the L4 header and payload follow at
 *		PASST_ETH_IP4_LEN and are @l4len bytes long
 * @proto:	IP protocol
 * @src:	Source address (network order)
 * @dst:	Destination address (network order)
 * @l4len:	Length of L4 header and payload
 *
 * Return: total frame length
 */
static inline size_t passt_ip4_fill(const struct passt_core_ops *core,
				    uint8_t *buf, uint8_t proto,
				    struct in_addr src, struct in_addr dst,
				    size_t l4len)
{
	uint8_t *ip = buf + PASST_ETH_HLEN;

	passt_eth_fill(core->net(NULL), buf, PASST_ETHERTYPE_IP);
	ip[0] = 0x45;				/* version 4, IHL 5 */
	ip[1] = 0;				/* DSCP, ECN */
	passt_put16(ip + 2, (uint16_t)(PASST_IP4_HLEN + l4len));
	passt_put16(ip + 4, 0);			/* ID: DF set, unused */
	passt_put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 255;				/* TTL */
	ip[9] = proto;
	passt_put16(ip + 10, 0);
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	{
		uint16_t c = passt_csum_fold(core->csum(ip, PASST_IP4_HLEN,
							  0));

		memcpy(ip + 10, &c, 2);
	}
	return PASST_ETH_IP4_LEN + l4len;
}

/**
 * passt_ip6_fill() - Ethernet and IPv6 headers for a datagram to the guest
 * @core:	Core services
 * @buf:	Frame start; L4 header and payload follow at PASST_ETH_IP6_LEN
 * @proto:	Next header (IPPROTO_UDP, IPPROTO_ICMPV6...)
 * @src:	Source address
 * @dst:	Destination address
 * @l4len:	Length of L4 header and payload
 * @hop_limit:	Hop limit (255 for NDP)
 *
 * Return: total frame length
 */
static inline size_t passt_ip6_fill(const struct passt_core_ops *core,
				    uint8_t *buf, uint8_t proto,
				    const struct in6_addr *src,
				    const struct in6_addr *dst,
				    size_t l4len, uint8_t hop_limit)
{
	uint8_t *ip = buf + PASST_ETH_HLEN;

	passt_eth_fill(core->net(NULL), buf, PASST_ETHERTYPE_IPV6);
	passt_put32(ip, 0x60000000);		/* version 6 */
	passt_put16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = hop_limit;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	return PASST_ETH_IP6_LEN + l4len;
}

/**
 * passt_l4_csum() - Checksum of an L4 segment with the IP pseudo-header
 * @core:	Core services
 * @buf:	Frame built by passt_ip4_fill() or passt_ip6_fill()
 * @v6:		Whether it is IPv6
 * @l4len:	Length of L4 header and payload (checksum field zeroed)
 *
 * Return: checksum to store as is (network order) in the L4 header
 */
static inline uint16_t passt_l4_csum(const struct passt_core_ops *core,
				     const uint8_t *buf, bool v6, size_t l4len)
{
	const uint8_t *ip = buf + PASST_ETH_HLEN;
	uint8_t pseudo[8];
	uint32_t sum;

	if (v6) {
		sum = core->csum(ip + 8, 32, 0);	/* src, dst */
		passt_put32(pseudo, (uint32_t)l4len);
		passt_put32(pseudo + 4, ip[6]);
		sum = core->csum(pseudo, 8, sum);
		sum = core->csum(ip + PASST_IP6_HLEN, l4len, sum);
	} else {
		sum = core->csum(ip + 12, 8, 0);
		pseudo[0] = 0;
		pseudo[1] = ip[9];
		passt_put16(pseudo + 2, (uint16_t)l4len);
		sum = core->csum(pseudo, 4, sum);
		sum = core->csum(ip + PASST_IP4_HLEN, l4len, sum);
	}
	return passt_csum_fold(sum);
}

/**
 * passt_udp_fill() - Ethernet, IP and UDP headers around a payload
 * @core:	Core services
 * @buf:	Frame start; the payload is already at PASST_ETH_IP4_LEN +
 *		PASST_UDP_HLEN (or PASST_ETH_IP6_LEN + PASST_UDP_HLEN)
 * @v6:		IPv6 (@src6, @dst6) or IPv4 (@src4, @dst4)
 * @src4:	IPv4 source, if !@v6
 * @dst4:	IPv4 destination, if !@v6
 * @src6:	IPv6 source, if @v6
 * @dst6:	IPv6 destination, if @v6
 * @sport:	Source port, host order
 * @dport:	Destination port, host order
 * @plen:	Payload length
 *
 * Return: total frame length
 */
static inline size_t passt_udp_fill(const struct passt_core_ops *core,
				    uint8_t *buf, bool v6,
				    struct in_addr src4, struct in_addr dst4,
				    const struct in6_addr *src6,
				    const struct in6_addr *dst6,
				    uint16_t sport, uint16_t dport, size_t plen)
{
	size_t l4len = PASST_UDP_HLEN + plen, len;
	uint8_t *udp;
	uint16_t c;

	if (v6) {
		len = passt_ip6_fill(core, buf, IPPROTO_UDP, src6, dst6,
				     l4len, 255);
		udp = buf + PASST_ETH_IP6_LEN;
	} else {
		len = passt_ip4_fill(core, buf, IPPROTO_UDP, src4, dst4,
				     l4len);
		udp = buf + PASST_ETH_IP4_LEN;
	}
	passt_put16(udp, sport);
	passt_put16(udp + 2, dport);
	passt_put16(udp + 4, (uint16_t)l4len);
	passt_put16(udp + 6, 0);
	c = passt_l4_csum(core, buf, v6, l4len);
	if (!c)
		c = 0xffff;		/* 0 means "no checksum" in UDP */
	memcpy(udp + 6, &c, 2);
	return len;
}

#ifdef __cplusplus
}
#endif

#endif /* PASST_MODULE_H */
