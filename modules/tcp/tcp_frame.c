// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_frame.c - TCP segments on the guest's link: theirs parsed, ours built
 *
 * Guest segments are checked here once: a data offset inside the segment,
 * the checksum over pseudo-header and segment, options read only from SYNs
 * and only while they fit (an option running past the header ends the
 * parsing, as Linux does, and the segment is kept). Every read goes
 * through passt_frame_at() on the segment the core bounded.
 *
 * Our segments are built from a per-connection template of the IP and TCP
 * headers (addresses, ports, constant fields) with the partial checksums of
 * the parts that never change, so a frame costs a copy of at most 60 bytes,
 * a few stores and one pass of the core's checksum over the segment.
 */

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <passt/module.h>

#include "tcp.h"

/**
 * tcp_frame_csum_add() - Add a 16-bit word to an unfolded checksum
 * @sum:	Partial sum
 * @word:	Word, in memory order
 *
 * Return: new partial sum, carry folded back in
 */
static inline uint32_t tcp_frame_csum_add(uint32_t sum, uint16_t word)
{
	uint64_t s = (uint64_t)sum + word;

	return (uint32_t)((s & 0xffffffffU) + (s >> 32));
}

/**
 * tcp_frame_parse() - Check a guest segment and read its fields
 * @core:	Core services (checksum)
 * @f:		Frame, IP header checked by the core
 * @seg:	Parsed segment, filled on success
 *
 * Return: 0, -EINVAL for a truncated header or a bad data offset,
 *	   -EBADMSG for a bad checksum
 */
int tcp_frame_parse(const struct passt_core_ops *core,
		    const struct passt_frame *f, struct tcp_seg *seg)
{
	static const uint8_t proto4[2] = { 0, IPPROTO_TCP };
	static const uint8_t proto6[4] = { 0, 0, 0, IPPROTO_TCP };
	const uint8_t *th, *ip;
	size_t doff, i;
	uint32_t sum;

	if (!f->l4off || f->l4len < TCP_HLEN)
		return -EINVAL;
	th = passt_frame_at(f, f->l4off, f->l4len);
	if (!th)
		return -EINVAL;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < TCP_HLEN || doff > f->l4len)
		return -EINVAL;

	seg->v6 = f->ethertype == PASST_ETHERTYPE_IPV6;
	ip = passt_frame_at(f, f->l3off, seg->v6 ? PASST_IP6_HLEN
						 : PASST_IP4_HLEN);
	if (!ip)
		return -EINVAL;

	if (seg->v6) {
		sum = core->csum(ip + 8, 32, 0);
		sum = tcp_frame_csum_add(sum, htons(f->l4len));
		sum = core->csum(proto6, sizeof(proto6), sum);
		memcpy(&seg->src, ip + 8, 16);
		memcpy(&seg->dst, ip + 24, 16);
	} else {
		struct in_addr a;

		sum = core->csum(ip + 12, 8, 0);
		sum = tcp_frame_csum_add(sum, htons(f->l4len));
		sum = core->csum(proto4, sizeof(proto4), sum);
		memcpy(&a, ip + 12, 4);
		passt_inany_from_v4(&seg->src, a);
		memcpy(&a, ip + 16, 4);
		passt_inany_from_v4(&seg->dst, a);
	}
	if (!(f->flags & PASST_FRAME_CSUM_OK) &&
	    passt_csum_fold(core->csum(th, f->l4len, sum)))
		return -EBADMSG;

	seg->sport = passt_get16(th);
	seg->dport = passt_get16(th + 2);
	seg->seq = passt_get32(th + 4);
	seg->ack = passt_get32(th + 8);
	seg->flags = th[13] & (TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH |
			       TCP_ACK);
	seg->wnd = passt_get16(th + 14);
	seg->data = th + doff;
	seg->len = f->l4len - doff;
	seg->mss = 0;
	seg->ws = -1;

	if (!(seg->flags & TCP_SYN))
		return 0;

	for (i = TCP_HLEN; i < doff; ) {
		uint8_t kind = th[i], olen;

		if (kind == 0)			/* end of option list */
			break;
		if (kind == 1) {		/* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= doff)
			break;
		olen = th[i + 1];
		if (olen < 2 || i + olen > doff)
			break;			/* as Linux: stop, keep */
		if (kind == 2 && olen == 4)
			seg->mss = passt_get16(th + i + 2);
		else if (kind == 3 && olen == 3)
			seg->ws = (int8_t)(th[i + 2] > TCP_WS_MAX ? TCP_WS_MAX
								  : th[i + 2]);
		i += olen;
	}
	return 0;
}

/**
 * tcp_frame_tmpl() - Prepare a connection's header template
 * @core:	Core services (checksum)
 * @c:		Connection, @v6 set
 * @src:	Source as the guest sees it (the address it talks to)
 * @sport:	Source port
 * @dst:	The guest's address
 * @dport:	The guest's port
 */
void tcp_frame_tmpl(const struct passt_core_ops *core, struct tcp_conn *c,
		    const union passt_inany *src, uint16_t sport,
		    const union passt_inany *dst, uint16_t dport)
{
	static const uint8_t proto4[2] = { 0, IPPROTO_TCP };
	static const uint8_t proto6[4] = { 0, 0, 0, IPPROTO_TCP };
	uint8_t *ip = c->tmpl, *th;

	memset(c->tmpl, 0, sizeof(c->tmpl));
	if (c->v6) {
		passt_put32(ip, 0x60000000);
		ip[6] = IPPROTO_TCP;
		ip[7] = 255;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		c->csum_ip = 0;
		c->csum_l4 = core->csum(proto6, sizeof(proto6),
					core->csum(ip + 8, 32, 0));
		th = ip + PASST_IP6_HLEN;
	} else {
		ip[0] = 0x45;
		passt_put16(ip + 6, 0x4000);	/* DF */
		ip[8] = 255;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, &src->v4.a4, 4);
		memcpy(ip + 16, &dst->v4.a4, 4);
		c->csum_ip = core->csum(ip, PASST_IP4_HLEN, 0);
		c->csum_l4 = core->csum(proto4, sizeof(proto4),
					core->csum(ip + 12, 8, 0));
		th = ip + PASST_IP4_HLEN;
	}
	passt_put16(th, sport);
	passt_put16(th + 2, dport);
}

/**
 * tcp_frame_hlen() - Length of Ethernet, IP and TCP headers, no options
 * @c:		Connection
 *
 * Return: header length
 */
size_t tcp_frame_hlen(const struct tcp_conn *c)
{
	return (c->v6 ? PASST_ETH_IP6_LEN : PASST_ETH_IP4_LEN) + TCP_HLEN;
}

/**
 * tcp_frame_fill() - Write the headers of a segment to the guest
 * @core:	Core services
 * @c:		Connection (template)
 * @buf:	Frame; options (if any) and payload are already in place
 *		after the TCP header
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 * @flags:	TCP flags
 * @wnd:	Window field
 * @optlen:	Length of the options, a multiple of 4
 * @plen:	Payload length
 *
 * Return: frame length
 */
size_t tcp_frame_fill(const struct passt_core_ops *core,
		      const struct tcp_conn *c, uint8_t *buf, uint32_t seq,
		      uint32_t ack, uint8_t flags, uint16_t wnd,
		      size_t optlen, size_t plen)
{
	size_t iplen = c->v6 ? PASST_IP6_HLEN : PASST_IP4_HLEN;
	size_t l4len = TCP_HLEN + optlen + plen;
	uint8_t *ip = buf + PASST_ETH_HLEN, *th = ip + iplen;
	uint16_t sum;

	passt_eth_fill(core->net(NULL), buf,
		       c->v6 ? PASST_ETHERTYPE_IPV6 : PASST_ETHERTYPE_IP);
	memcpy(ip, c->tmpl, iplen + TCP_HLEN);
	if (c->v6) {
		passt_put16(ip + 4, (uint16_t)l4len);
	} else {
		passt_put16(ip + 2, (uint16_t)(iplen + l4len));
		sum = passt_csum_fold(tcp_frame_csum_add(c->csum_ip,
					htons((uint16_t)(iplen + l4len))));
		memcpy(ip + 10, &sum, 2);
	}

	passt_put32(th + 4, seq);
	passt_put32(th + 8, ack);
	th[12] = (uint8_t)(((TCP_HLEN + optlen) / 4) << 4);
	th[13] = flags;
	passt_put16(th + 14, wnd);
	sum = passt_csum_fold(core->csum(th, l4len,
			tcp_frame_csum_add(c->csum_l4,
					   htons((uint16_t)l4len))));
	memcpy(th + 16, &sum, 2);

	return PASST_ETH_HLEN + iplen + l4len;
}

/**
 * tcp_frame_mss_ours() - MSS we announce to the guest: its link's MTU
 * @core:	Core services
 * @v6:		IPv6
 *
 * Return: MSS
 */
static uint16_t tcp_frame_mss_ours(const struct passt_core_ops *core, bool v6)
{
	uint32_t mtu = core->net(NULL)->mtu, h = v6 ? 60 : 40;

	if (mtu > 65535)
		mtu = 65535;
	if (mtu < h + TCP_MSS4_DEFAULT)
		return TCP_MSS4_DEFAULT;
	return (uint16_t)(mtu - h);
}

/**
 * tcp_frame_ctl() - Send a segment without payload to the guest
 * @m:		This module
 * @c:		Connection
 * @flags:	TCP flags: with SYN, MSS and window scale options are added
 * @seq:	Sequence number
 *
 * Return: 0, or -ENOBUFS if there was no room for the frame
 */
int tcp_frame_ctl(struct passt_mod *m, struct tcp_conn *c, uint8_t flags,
		  uint32_t seq)
{
	const struct passt_core_ops *core = passt_core(m);
	size_t hlen = tcp_frame_hlen(c), optlen = 0, len;
	uint32_t ack = (flags & TCP_ACK) ? c->rcv_nxt : 0;
	uint16_t wnd = 0;
	uint8_t *buf;

	if (!(flags & TCP_RST)) {
		wnd = tcp_seq_wnd_to_guest(m, c);
		if (flags & TCP_SYN) {	/* never scaled (RFC 7323, 2.2) */
			uint32_t w = c->rcv_edge - c->rcv_nxt;

			wnd = w > 65535 ? 65535 : (uint16_t)w;
		}
	}
	if (flags & TCP_SYN)
		optlen = c->ws_ours ? TCP_SYN_OPTLEN : 4;

	buf = core->frame_alloc(m, hlen + optlen);
	if (!buf)
		return -ENOBUFS;

	if (flags & TCP_SYN) {
		uint8_t *o = buf + hlen;

		o[0] = 2;			/* MSS */
		o[1] = 4;
		passt_put16(o + 2, tcp_frame_mss_ours(core, c->v6));
		if (c->ws_ours) {
			o[4] = 1;		/* NOP */
			o[5] = 3;		/* window scale */
			o[6] = 3;
			o[7] = c->ws_ours;
		}
	}
	len = tcp_frame_fill(core, c, buf, seq, ack, flags, wnd, optlen, 0);
	return core->frame_send(m, len);
}

/**
 * tcp_frame_rst_reply() - Answer a segment nobody expects with a reset
 * @m:		This module
 * @seg:	The segment (never itself a reset)
 *
 * RFC 9293, 3.10.7.1: with ACK, <SEQ=SEG.ACK><CTL=RST>; without,
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN and FIN counted in.
 *
 * Return: 0, or -ENOBUFS
 */
int tcp_frame_rst_reply(struct passt_mod *m, const struct tcp_seg *seg)
{
	const struct passt_core_ops *core = passt_core(m);
	struct tcp_conn tmp;
	uint32_t seq = 0, ack = 0;
	uint8_t flags = TCP_RST, *buf;
	size_t len;

	if (seg->flags & TCP_RST)
		return 0;

	memset(&tmp, 0, sizeof(tmp));
	tmp.v6 = seg->v6;
	tcp_frame_tmpl(core, &tmp, &seg->dst, seg->dport, &seg->src,
		       seg->sport);
	if (seg->flags & TCP_ACK) {
		seq = seg->ack;
	} else {
		ack = seg->seq + (uint32_t)seg->len +
		      !!(seg->flags & TCP_SYN) + !!(seg->flags & TCP_FIN);
		flags |= TCP_ACK;
	}

	buf = core->frame_alloc(m, tcp_frame_hlen(&tmp));
	if (!buf)
		return -ENOBUFS;
	len = tcp_frame_fill(core, &tmp, buf, seq, ack, flags, 0, 0, 0);
	return core->frame_send(m, len);
}
