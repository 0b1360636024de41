/* Networking over rtnetlink: the bridge, a container's veth pair, its
 * address and default route.  See net.h.
 *
 * Round trips are what a start pays for, so related requests go out in one
 * sendmsg: the veth pair is created in a single RTM_NEWLINK with the host end
 * already up and enslaved and the peer created directly inside the
 * container's namespace, named eth0, with its MAC; link up, address and
 * route follow in one more batch on a socket opened inside that namespace. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "net-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/dl.h"
#include "util/util.h"

/* --- the request/ack helper ------------------------------------------------ */

int cc_nl_open(struct cc_nl *n, int bus, cc_error **err)
{
	n->sk = NULL;
	/* every netlink conversation starts here, so libmnl loads here */
	if (cc_dl_mnl(err) < 0)
		return -1;
	n->sk = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (n->sk == NULL)
		return cc_error_set(err, errno, "open a netlink socket");
	int one = 1;
	/* best effort: they only improve error messages */
	(void)mnl_socket_setsockopt(n->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(n->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	struct timeval tv = { .tv_sec = 10 };
	if (setsockopt(mnl_socket_get_fd(n->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    mnl_socket_bind(n->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(n->sk);
		n->sk = NULL;
		return cc_error_set(err, e, "bind a netlink socket");
	}
	n->portid = mnl_socket_get_portid(n->sk);
	n->seq = 1;
	return 0;
}

void cc_nl_close(struct cc_nl *n)
{
	if (n->sk != NULL)
		mnl_socket_close(n->sk);
	n->sk = NULL;
}

static void ext_ack_text(const struct nlmsghdr *nlh, char *ext)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	if (off >= plen)
		return;
	const struct nlattr *attr;
	const void *tlvs = (const char *)e + off;
	mnl_attr_for_each_payload(tlvs, plen - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(ext, 128, "%s", mnl_attr_get_str(attr));
			return;
		}
	}
}

#define NL_MAX_MSGS 16

int cc_nl_talk(struct cc_nl *n, const void *buf, size_t len, uint32_t first, int *results,
	       int (*cb)(const struct nlmsghdr *nlh, void *data), void *data, char (*ext)[128], cc_error **err)
{
	bool want[NL_MAX_MSGS] = { false }, done[NL_MAX_MSGS] = { false };
	size_t count = 0, pending = 0;
	int left = (int)len;
	for (const struct nlmsghdr *m = buf; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
		if (count == NL_MAX_MSGS || m->nlmsg_seq != first + count)
			return cc_error_set(err, EINVAL, "netlink: malformed request");
		want[count] = (m->nlmsg_flags & NLM_F_ACK) != 0;
		pending += want[count];
		if (ext != NULL)
			ext[count][0] = '\0';
		results[count++] = 0;
	}
	if (mnl_socket_sendto(n->sk, buf, len) < 0)
		return cc_error_set(err, errno, "netlink: send");
	char rbuf[CC_NL_BUF] __attribute__((aligned(8)));
	while (pending > 0) {
		ssize_t r = mnl_socket_recvfrom(n->sk, rbuf, sizeof(rbuf));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cc_error_set(err, errno == EAGAIN ? ETIMEDOUT : errno, "netlink: receive");
		}
		int rl = (int)r;
		for (const struct nlmsghdr *h = (void *)rbuf; mnl_nlmsg_ok(h, rl); h = mnl_nlmsg_next(h, &rl)) {
			if (h->nlmsg_seq < first || h->nlmsg_seq >= first + count)
				continue; /* stale answer to an earlier request */
			size_t i = h->nlmsg_seq - first;
			if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) {
				int code = 0;
				if (h->nlmsg_type == NLMSG_ERROR &&
				    mnl_nlmsg_get_payload_len(h) >= sizeof(struct nlmsgerr)) {
					const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
					code = -e->error;
				} else if (h->nlmsg_type == NLMSG_DONE && mnl_nlmsg_get_payload_len(h) >= sizeof(int)) {
					code = -*(const int *)mnl_nlmsg_get_payload(h);
				}
				if (code != 0) {
					results[i] = code;
					if (h->nlmsg_type == NLMSG_ERROR && ext != NULL)
						ext_ack_text(h, ext[i]);
				}
				if (!done[i] && want[i]) {
					done[i] = true;
					pending--;
				} else if (code != 0 && !want[i]) {
					pending = 0; /* a framing message failed: nothing else follows */
				}
			} else if (cb != NULL) {
				(void)cb(h, data);
			}
		}
	}
	return 0;
}

/* --- message building ------------------------------------------------------- */

struct msgbuf {
	char buf[4096] __attribute__((aligned(8))); /* requests are small */
	size_t len;
	uint32_t first, next;
};

static void msgbuf_init(struct msgbuf *b, struct cc_nl *n, size_t n_msgs)
{
	b->len = 0;
	b->first = b->next = n->seq;
	n->seq += (uint32_t)n_msgs;
}

static struct nlmsghdr *msg_start(struct msgbuf *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b->buf + b->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = b->next++;
	return nlh;
}

static void msg_end(struct msgbuf *b, struct nlmsghdr *nlh)
{
	b->len += MNL_ALIGN(nlh->nlmsg_len);
}

static void put_ifinfo(struct nlmsghdr *nlh, int index, bool up)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
}

/* Locally administered unicast MAC derived from an IPv4 address. */
static void mac_for(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0xcc;
	mac[2] = (uint8_t)(ip >> 24);
	mac[3] = (uint8_t)(ip >> 16);
	mac[4] = (uint8_t)(ip >> 8);
	mac[5] = (uint8_t)ip;
}

static void ip_text(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(ip) };
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static int nl_fail(int code, const char *ext, cc_error **err, const char *what)
{
	if (ext != NULL && ext[0] != '\0')
		return cc_error_set(err, code, "%s: %s", what, ext);
	return cc_error_set(err, code, "%s", what);
}

struct link_info {
	int index;
	bool bridge;   /* IFLA_INFO_KIND "bridge" */
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	bool *bridge = data;
	if (mnl_attr_get_type(attr) == IFLA_LINKINFO && mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0) {
		const struct nlattr *in;
		mnl_attr_for_each_nested(in, attr)
			if (mnl_attr_get_type(in) == IFLA_INFO_KIND && mnl_attr_validate(in, MNL_TYPE_NUL_STRING) == 0)
				*bridge = strcmp(mnl_attr_get_str(in), "bridge") == 0;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_info *li = data;
	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return 0;
	li->index = ((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index;
	(void)mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, &li->bridge);
	return 0;
}

/* Look up interface name: ifindex (and whether it is a bridge), -ENODEV
 * when there is none, or a cc_error. */
/* One request about the interface called name (RTM_GETLINK, RTM_DELLINK):
 * the kernel's answer in res[0] and its extended message in ext[0]. */
static int link_by_name(struct cc_nl *n, uint16_t type, const char *name,
			int (*cb)(const struct nlmsghdr *nlh, void *data), void *data, int res[1],
			char ext[1][128], cc_error **err)
{
	struct msgbuf b;
	msgbuf_init(&b, n, 1);
	struct nlmsghdr *nlh = msg_start(&b, type, NLM_F_ACK);
	put_ifinfo(nlh, 0, false);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	msg_end(&b, nlh);
	return cc_nl_talk(n, b.buf, b.len, b.first, res, cb, data, ext, err);
}

static int link_lookup(struct cc_nl *n, const char *name, bool *ret_bridge, cc_error **err)
{
	int res[1];
	struct link_info li = { 0 };
	char ext[1][128];
	if (link_by_name(n, RTM_GETLINK, name, link_cb, &li, res, ext, err) < 0)
		return cc_error_prefix(err, "look up interface '%s'", name);
	if (res[0] == ENODEV)
		return -ENODEV;
	if (res[0] != 0 || li.index <= 0)
		return nl_fail(res[0] ? res[0] : ENODEV, ext[0], err, "look up interface");
	if (ret_bridge != NULL)
		*ret_bridge = li.bridge;
	return li.index;
}

static int link_index(struct cc_nl *n, const char *name, cc_error **err)
{
	return link_lookup(n, name, NULL, err);
}

/* The configured bridge's ifindex; an interface of that name that is not a
 * bridge is an error (we must not put addresses on someone's eth0). */
static int bridge_index(struct cc_nl *n, const char *name, cc_error **err)
{
	bool is_bridge = false;
	int index = link_lookup(n, name, &is_bridge, err);
	if (index > 0 && !is_bridge)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "interface '%s' exists and is not a bridge", name);
	return index;
}

static void put_addr(struct msgbuf *b, int index, uint32_t ip, unsigned prefix)
{
	struct nlmsghdr *nlh = msg_start(b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(ip));
	mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(ip));
	msg_end(b, nlh);
}

/* Write "1" to a sysctl file unless it already holds it. */
static int sysctl_on(const char *path, const char *what, cc_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
	char c = 0;
	if (fd < 0 || pread(fd, &c, 1, 0) < 0)
		return cc_error_set(err, errno, "%s: open '%s'", what, path);
	if (c == '1')
		return 0;
	if (pwrite(fd, "1\n", 2, 0) != 2)
		return cc_error_set(err, errno, "%s: write '%s'", what, path);
	return 0;
}

/* --- the bridge ----------------------------------------------------------------- */

static int bridge_create(struct cc_nl *n, const struct cc_net_config *c, cc_error **err)
{
	struct msgbuf b;
	msgbuf_init(&b, n, 1);
	struct nlmsghdr *nlh = msg_start(&b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	put_ifinfo(nlh, 0, true);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, c->bridge);
	/* A fixed MAC: otherwise a bridge takes the lowest of its ports'
	 * addresses, and the gateway's MAC would change under the
	 * containers' ARP caches whenever a port comes or goes. */
	uint8_t mac[6];
	mac_for(c->gateway, mac);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, li);
	msg_end(&b, nlh);
	int res[1];
	char ext[1][128];
	if (cc_nl_talk(n, b.buf, b.len, b.first, res, NULL, NULL, ext, err) < 0)
		return cc_error_prefix(err, "create bridge '%s'", c->bridge);
	if (res[0] != 0 && res[0] != EEXIST) { /* EEXIST: a concurrent start made it */
		char what[48];
		snprintf(what, sizeof(what), "create bridge '%s'", c->bridge);
		return nl_fail(res[0], ext[0], err, what);
	}
	return 0;
}

int cc_net_bridge_ensure(const struct cc_net_config *c, cc_error **err)
{
	__attribute__((cleanup(cc_nl_close))) struct cc_nl n = { 0 };
	if (cc_nl_open(&n, NETLINK_ROUTE, err) < 0)
		return -1;
	int index = bridge_index(&n, c->bridge, err);
	if (index == -ENODEV) {
		if (bridge_create(&n, c, err) < 0)
			return -1;
		index = bridge_index(&n, c->bridge, err);
		if (index == -ENODEV)
			return cc_error_set(err, ENODEV, "bridge '%s' vanished after it was created", c->bridge);
	}
	if (index < 0)
		return -1;
	/* The gateway address, every time: someone may have removed it, and
	 * EEXIST is one cheap round trip. */
	struct msgbuf b;
	msgbuf_init(&b, &n, 1);
	put_addr(&b, index, c->gateway, c->prefix);
	int res[1];
	char ext[1][128];
	if (cc_nl_talk(&n, b.buf, b.len, b.first, res, NULL, NULL, ext, err) < 0)
		return -1;
	if (res[0] != 0 && res[0] != EEXIST)
		return nl_fail(res[0], ext[0], err, "add the gateway address to the bridge");

	/* Containers reach the outside through us: forwarding on (docker
	 * and podman do the same).  route_localnet lets DNAT send packets
	 * from 127.0.0.1 to the bridge (published ports on localhost); the
	 * guard chain (net-nft.c) drops 127/8 arriving from the bridge, so
	 * containers cannot use it to reach the host's loopback services. */
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", c->bridge);
	if (sysctl_on("/proc/sys/net/ipv4/ip_forward", "enable IPv4 forwarding", err) < 0 ||
	    sysctl_on(path, "enable route_localnet on the bridge", err) < 0)
		return -1;

	char prefix[64], chain[80];
	cc_net_base_chain_prefix(c, prefix);
	snprintf(chain, sizeof(chain), "%s_in", prefix); /* the newest of its chains */
	int exists = cc_nft_chain_exists(chain, err);
	if (exists < 0)
		return -1;
	if (exists == 0) {
		_cleanup_free_ char *rules = cc_net_nft_base_rules(c);
		if (rules == NULL)
			return cc_error_set(err, ENOMEM, "nftables rules");
		if (cc_nft_run(rules, "set up NAT for the bridge", err) < 0)
			return -1;
	}
	return 0;
}

/* --- a container's veth ------------------------------------------------------- */

static int del_link(struct cc_nl *n, const char *name, cc_error **err)
{
	int res[1];
	char ext[1][128];
	if (link_by_name(n, RTM_DELLINK, name, NULL, NULL, res, ext, err) < 0)
		return -1;
	if (res[0] != 0 && res[0] != ENODEV)
		return nl_fail(res[0], ext[0], err, "delete interface");
	return 0;
}

/* A NETLINK_ROUTE socket inside the network namespace nsfd.  A socket
 * belongs to the namespace it was created in, so we step in, create it and
 * step back; this process is single-threaded here and setns only affects
 * the calling thread anyway. */
static int nl_open_in(int nsfd, struct cc_nl *n, cc_error **err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return cc_error_set(err, errno, "open our network namespace");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return cc_error_set(err, errno, "enter the container's network namespace");
	int r = cc_nl_open(n, NETLINK_ROUTE, err);
	if (setns(self, CLONE_NEWNET) < 0) {
		int e = errno;
		cc_nl_close(n);
		/* cannot happen: we hold the fd of the namespace we came from */
		cc_error_clear(err);
		return cc_error_set(err, e, "return to our network namespace");
	}
	return r;
}

/* The interface inside the container: up, its address and (unless
 * no_route) the default route. */
static int configure_inside(int nsfd, const struct cc_net_config *c, const char *ifname, uint32_t ip, bool no_route,
			    cc_error **err)
{
	__attribute__((cleanup(cc_nl_close))) struct cc_nl n = { 0 };
	if (nl_open_in(nsfd, &n, err) < 0)
		return -1;
	int index = link_index(&n, ifname, err);
	if (index == -ENODEV)
		return cc_error_set(err, ENODEV, "%s is missing in the container", ifname);
	if (index < 0)
		return -1;
	struct msgbuf b;
	msgbuf_init(&b, &n, no_route ? 2 : 3);
	struct nlmsghdr *nlh = msg_start(&b, RTM_NEWLINK, NLM_F_ACK);
	put_ifinfo(nlh, index, true);
	msg_end(&b, nlh);
	put_addr(&b, index, ip, c->prefix);
	if (no_route)
		goto talk;
	nlh = msg_start(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(c->gateway));
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
	msg_end(&b, nlh);
talk:;
	int res[3] = { 0, 0, 0 };
	char ext[3][128];
	if (cc_nl_talk(&n, b.buf, b.len, b.first, res, NULL, NULL, ext, err) < 0)
		return -1;
	if (res[0] != 0) {
		char what[48];
		snprintf(what, sizeof(what), "bring %s up", ifname);
		return nl_fail(res[0], ext[0], err, what);
	}
	if (res[1] != 0) {
		char what[64];
		ip_text(ip, what + snprintf(what, sizeof(what), "add address "));
		return nl_fail(res[1], ext[1], err, what);
	}
	if (res[2] != 0)
		return nl_fail(res[2], ext[2], err, "add the container's default route");
	return 0;
}

static int create_veth(struct cc_nl *n, const struct cc_net_config *c, int bridge, int nsfd, const char *host,
		       const struct cc_net_endpoint *ep, const char *ifname, cc_error **err)
{
	struct msgbuf b;
	msgbuf_init(&b, n, 1);
	struct nlmsghdr *nlh = msg_start(&b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	put_ifinfo(nlh, 0, true);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, host);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)bridge);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* the peer's attributes follow its own struct ifinfomsg; it cannot
	 * be created up (veth_open fails with ENOTCONN before the pair is
	 * linked), configure_inside brings it up */
	struct ifinfomsg *pifi = mnl_nlmsg_get_payload_tail(nlh);
	memset(pifi, 0, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	/* the same address always gets the same MAC: a reused lease keeps
	 * the neighbour entries that the host and other containers hold */
	uint8_t mac[6];
	if (ep->mac != NULL)
		memcpy(mac, ep->mac, sizeof(mac));
	else
		mac_for(ep->ip, mac);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	msg_end(&b, nlh);
	int res[1];
	char ext[1][128];
	if (cc_nl_talk(n, b.buf, b.len, b.first, res, NULL, NULL, ext, err) < 0)
		return -1;
	if (res[0] == EEXIST) {
		char ipt[INET_ADDRSTRLEN];
		ip_text(ep->ip, ipt);
		return cc_error_setk(err, CC_ERR_IN_USE, EEXIST, "address %s is in use on bridge '%s' (interface '%s')",
				     ipt, c->bridge, host);
	}
	if (res[0] != 0)
		return nl_fail(res[0], ext[0], err, "create the veth pair");
	return 0;
}

int cc_net_attach(const struct cc_net_config *c, pid_t pid, const struct cc_net_endpoint *ep, cc_error **err)
{
	char host[16], path[64];
	cc_net_veth_name(ep->ip, host);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return cc_error_set(err, errno, "open the container's network namespace");
	__attribute__((cleanup(cc_nl_close))) struct cc_nl n = { 0 };
	if (cc_nl_open(&n, NETLINK_ROUTE, err) < 0)
		return -1;
	int bridge = bridge_index(&n, c->bridge, err);
	if (bridge == -ENODEV)
		return cc_error_set(err, ENODEV, "bridge '%s' does not exist", c->bridge);
	if (bridge < 0)
		return -1;
	const char *ifname = ep->ifname != NULL ? ep->ifname : "eth0";
	if (create_veth(&n, c, bridge, nsfd, host, ep, ifname, err) < 0)
		return -1;
	int r = configure_inside(nsfd, c, ifname, ep->ip, ep->no_default_route || c->internal, err);
	if (r == 0 && ep->n_ports > 0) {
		_cleanup_free_ char *rules = cc_net_nft_port_rules(c, ep);
		r = rules == NULL ? cc_error_set(err, ENOMEM, "nftables rules")
				  : cc_nft_run(rules, "publish ports", err);
	}
	if (r < 0) {
		/* the veth pair goes with its host end; nft_run is atomic, so
		 * the port chains are either all there or none */
		cc_error *e2 = NULL;
		(void)del_link(&n, host, &e2); /* the first error is the one to report */
		cc_error_free(e2);
		return cc_error_prefix(err, "network");
	}
	return 0;
}

int cc_net_detach(const char *owner, const char *id, bool ports, cc_error **err)
{
	char pre[128], out[128];
	if (cc_net_container_chains(owner, id, pre, out) < 0)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "network: bad container id");
	/* The veth pair is not deleted here: it goes with the container's
	 * network namespace, which the kernel tears down (asynchronously,
	 * within milliseconds) once the container's last process is gone.
	 * Deleting it ourselves costs a synchronous RCU grace period of
	 * 10-25 ms on the exit path.  Until the old pair is gone its name
	 * (the address) is taken, so cc_net_attach refuses the address
	 * (CC_ERR_IN_USE) and the caller leases the next one: an address is
	 * never on two ports of the bridge at once.  When it is reused, the
	 * new eth0 has the same MAC, so the neighbour entries the host and
	 * other containers hold for it stay right. */
	int r = 0;
	cc_error *e = NULL;
	const char *names[2] = { pre, out };
	if (ports && cc_nft_delete_chains(names, 2, &e) < 0)
		r = -1;
	if (r < 0) {
		cc_error_prefix(&e, "network cleanup of %.12s", id);
		if (err != NULL && *err == NULL)
			*err = steal_ptr(&e);
		cc_error_free(e);
	}
	return r;
}

int cc_net_unplug(uint32_t ip, cc_error **err)
{
	char host[16];
	cc_net_veth_name(ip, host);
	__attribute__((cleanup(cc_nl_close))) struct cc_nl n = { 0 };
	if (cc_nl_open(&n, NETLINK_ROUTE, err) < 0)
		return -1;
	return del_link(&n, host, err);
}

int cc_net_link_exists(const char *name, cc_error **err)
{
	__attribute__((cleanup(cc_nl_close))) struct cc_nl n = { 0 };
	if (cc_nl_open(&n, NETLINK_ROUTE, err) < 0)
		return -1;
	int index = link_index(&n, name, err);
	return index == -ENODEV ? 0 : index < 0 ? -1 : 1;
}

int cc_net_free_ifname(pid_t pid, char out[16], cc_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return cc_error_set(err, errno, "open the container's network namespace");
	__attribute__((cleanup(cc_nl_close))) struct cc_nl n = { 0 };
	if (nl_open_in(nsfd, &n, err) < 0)
		return -1;
	for (int i = 0; i < 64; i++) {
		snprintf(out, 16, "eth%d", i);
		int index = link_index(&n, out, err);
		if (index == -ENODEV)
			return 0;
		if (index < 0)
			return -1;
	}
	return cc_error_set(err, ENOSPC, "the container has too many interfaces");
}

int cc_net_bridge_remove(const struct cc_net_config *c, cc_error **err)
{
	/* rules first: a bridge without rules is harmless, rules naming a
	 * bridge that someone else creates later are not */
	if (cc_nft_remove_bridge(c, err) < 0)
		return -1;
	__attribute__((cleanup(cc_nl_close))) struct cc_nl n = { 0 };
	if (cc_nl_open(&n, NETLINK_ROUTE, err) < 0)
		return -1;
	int index = bridge_index(&n, c->bridge, err);
	if (index == -ENODEV)
		return 0;
	if (index < 0)
		return -1;
	return del_link(&n, c->bridge, err) < 0 ? cc_error_prefix(err, "remove bridge '%s'", c->bridge) : 0;
}
