/* Networking over nftables: NAT for the bridge's subnet and DNAT for
 * published ports, all inside our own table `ip ccontainer`.  See net.h.
 *
 * Rules are created with libnftables (nft_run_cmd_from_buffer), which
 * costs about a millisecond per transaction; the frequent cheap questions
 * (does the network's chain exist, which container chains are there) and
 * deletion by name go straight to nfnetlink with libmnl, a few tens of
 * microseconds each.
 *
 * Published ports are DNAT in nftables rather than a userland proxy: no
 * process has to live as long as the container (we are daemonless), the
 * client's source address reaches the container for connections from
 * outside, and a process per port would cost a fork and memory.  Reaching
 * them through 127.0.0.1 needs three pieces (as docker without its proxy):
 * DNAT in the output hook, route_localnet=1 on the bridge so the kernel
 * routes a packet with a loopback source out of it, and masquerade of
 * 127.0.0.0/8 sources leaving through the bridge so the container can
 * answer.  The guard chain drops packets for 127.0.0.0/8 arriving from the
 * bridge, which route_localnet would otherwise let containers send to the
 * host's loopback services (CVE-2020-8558 in kube-proxy).
 *
 * Per-container chains are base chains of their own (hooked at prerouting
 * and output), not rules inside a shared chain: deleting a container's
 * rules is then deleting two chains by name, with no rule handles to find,
 * and a sweep after a crash only needs the chain names.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "net-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/dl.h"
#include "util/util.h"

#define NFT_MSG(type) ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (type)))

static void ip_text(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(ip) };
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/* --- names and rule text ------------------------------------------------------ */

void cc_net_base_chain_prefix(const struct cc_net_config *c, char out[64])
{
	snprintf(out, 64, "n_%s_%08x_%u", c->bridge, (unsigned)c->subnet, c->prefix);
}

int cc_net_container_chains(const char *owner, const char *id, char pre[128], char out[128])
{
	/* only hex goes into nftables text */
	if (owner == NULL || id == NULL || strlen(owner) != CC_NET_OWNER_LEN || !cc_is_hex(owner, CC_NET_OWNER_LEN) ||
	    strlen(id) != 64 || !cc_is_hex(id, 64))
		return -1;
	snprintf(pre, 128, "c_%s_%s_pre", owner, id);
	snprintf(out, 128, "c_%s_%s_out", owner, id);
	return 0;
}

/* A growing text buffer; on ENOMEM it becomes NULL and stays so. */
struct text {
	char *s;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) addf(struct text *t, const char *fmt, ...)
{
	if (t->s == NULL && t->cap != 0)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			free(t->s);
			t->s = NULL;
			t->cap = 1;
			return;
		}
		if (t->s != NULL && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap : 512;
		while (cap <= t->len + (size_t)n)
			cap *= 2;
		char *ns = realloc(t->s, cap);
		if (ns == NULL) {
			free(t->s);
			t->s = NULL;
			t->cap = 1;
			return;
		}
		t->s = ns;
		t->cap = cap;
	}
}

char *cc_net_nft_base_rules(const struct cc_net_config *c)
{
	char p[64], sub[INET_ADDRSTRLEN];
	cc_net_base_chain_prefix(c, p);
	ip_text(c->subnet, sub);
	const char *T = "ip " CC_NET_TABLE;
	const char *br = c->bridge;
	struct text t = { 0 };
	/* add + flush + add rule: idempotent, and one transaction, so
	 * concurrent starts that all found the chain missing end up with one
	 * copy of each rule, and a reader never sees the chain half-filled. */
	addf(&t, "add table %s\n", T);
	/* every bridge of ours, whatever its network: isolation below */
	addf(&t, "add set %s bridges { type ifname; }\n", T);
	addf(&t, "add element %s bridges { \"%s\" }\n", T, br);
	addf(&t, "add chain %s %s_guard { type filter hook prerouting priority -300; policy accept; }\n", T, p);
	addf(&t, "flush chain %s %s_guard\n", T, p);
	addf(&t, "add rule %s %s_guard iifname \"%s\" ip daddr 127.0.0.0/8 drop\n", T, p, br);
	/* what a container sends carries its own address: no spoofed source
	 * gets past its bridge (reflection through the resolver or a
	 * published port, or into another network) */
	addf(&t, "add rule %s %s_guard iifname \"%s\" ip saddr != %s/%u drop\n", T, p, br, sub, c->prefix);
	/* the network's resolver (on its gateway) answers its own bridge only:
	 * not other networks' containers, the host or its LAN */
	char gw[INET_ADDRSTRLEN];
	ip_text(c->gateway, gw);
	addf(&t, "add chain %s %s_in { type filter hook input priority 0; policy accept; }\n", T, p);
	addf(&t, "flush chain %s %s_in\n", T, p);
	addf(&t, "add rule %s %s_in ip daddr %s meta l4proto { tcp, udp } th dport 53 iifname != \"%s\" drop\n", T, p, gw,
	     br);
	/* Networks do not reach each other (docker's isolation): nothing is
	 * forwarded into this bridge from another of ours, except a
	 * connection to a published port (DNAT). */
	addf(&t, "add chain %s %s_fwd { type filter hook forward priority 0; policy accept; }\n", T, p);
	addf(&t, "flush chain %s %s_fwd\n", T, p);
	if (c->internal) {
		/* no route out and none in: only the bridge itself */
		addf(&t, "add rule %s %s_fwd iifname \"%s\" oifname != \"%s\" drop\n", T, p, br, br);
		addf(&t, "add rule %s %s_fwd oifname \"%s\" iifname != \"%s\" drop\n", T, p, br, br);
	} else {
		addf(&t, "add rule %s %s_fwd oifname \"%s\" iifname != \"%s\" iifname @bridges ct status dnat accept\n",
		     T, p, br, br);
		addf(&t, "add rule %s %s_fwd oifname \"%s\" iifname != \"%s\" iifname @bridges drop\n", T, p, br, br);
	}
	addf(&t, "add chain %s %s_post { type nat hook postrouting priority 100; policy accept; }\n", T, p);
	addf(&t, "flush chain %s %s_post\n", T, p);
	/* containers to anywhere but the bridge itself */
	if (!c->internal)
		addf(&t, "add rule %s %s_post ip saddr %s/%u oifname != \"%s\" masquerade\n", T, p, sub, c->prefix, br);
	/* published ports reached through 127.0.0.1 (see above) */
	addf(&t, "add rule %s %s_post oifname \"%s\" ip saddr 127.0.0.0/8 masquerade\n", T, p, br);
	/* hairpin: a container reaching a published port of a container on
	 * the same bridge through a host address must get the answer back
	 * through us, not straight from the other container */
	addf(&t, "add rule %s %s_post oifname \"%s\" ip saddr %s/%u ct status dnat masquerade\n", T, p, br, sub,
	     c->prefix);
	return t.s;
}

int cc_nft_remove_bridge(const struct cc_net_config *c, cc_error **err)
{
	char p[64], guard[80], post[80], fwd[80], in[80];
	cc_net_base_chain_prefix(c, p);
	snprintf(guard, sizeof(guard), "%s_guard", p);
	snprintf(post, sizeof(post), "%s_post", p);
	snprintf(fwd, sizeof(fwd), "%s_fwd", p);
	snprintf(in, sizeof(in), "%s_in", p);
	const char *names[4] = { in, fwd, post, guard };
	if (cc_nft_delete_chains(names, 4, err) < 0)
		return -1;
	/* the set's element: added first so that deleting it cannot fail
	 * for want of it (a bridge whose rules were never made) */
	const char *T = "ip " CC_NET_TABLE;
	struct text t = { 0 };
	addf(&t, "add table %s\nadd set %s bridges { type ifname; }\n", T, T);
	addf(&t, "add element %s bridges { \"%s\" }\ndelete element %s bridges { \"%s\" }\n", T, c->bridge, T,
	     c->bridge);
	if (t.s == NULL)
		return cc_error_set(err, ENOMEM, "nftables rules");
	int r = cc_nft_run(t.s, "remove the network's rules", err);
	free(t.s);
	return r;
}

char *cc_net_nft_port_rules(const struct cc_net_config *c, const struct cc_net_endpoint *ep)
{
	(void)c;
	char pre[128], out[128], to[INET_ADDRSTRLEN];
	if (cc_net_container_chains(ep->owner, ep->id, pre, out) < 0)
		return NULL;
	ip_text(ep->ip, to);
	const char *T = "ip " CC_NET_TABLE;
	struct text t = { 0 };
	addf(&t, "add table %s\n", T);
	addf(&t, "add chain %s %s { type nat hook prerouting priority -100; policy accept; }\n", T, pre);
	addf(&t, "add chain %s %s { type nat hook output priority -100; policy accept; }\n", T, out);
	for (size_t i = 0; i < ep->n_ports; i++) {
		const struct cc_port_map *m = &ep->ports[i];
		const char *proto = m->proto == IPPROTO_UDP ? "udp" : "tcp";
		char match[64];
		if (m->host_ip == 0) {
			snprintf(match, sizeof(match), "fib daddr type local");
		} else {
			char hip[INET_ADDRSTRLEN];
			ip_text(m->host_ip, hip);
			snprintf(match, sizeof(match), "ip daddr %s", hip);
		}
		/* packets from elsewhere (other hosts, containers); a loopback
		 * destination can only come from this host */
		if ((m->host_ip >> 24) != 127)
			addf(&t, "add rule %s %s %s %s dport %u dnat to %s:%u\n", T, pre, match, proto,
			     (unsigned)m->host_port, to, (unsigned)m->container_port);
		/* connections made on this host, 127.0.0.1 included */
		addf(&t, "add rule %s %s %s %s dport %u dnat to %s:%u\n", T, out, match, proto, (unsigned)m->host_port,
		     to, (unsigned)m->container_port);
	}
	return t.s;
}

/* --- libnftables ------------------------------------------------------------------- */

int cc_nft_run(const char *cmds, const char *what, cc_error **err)
{
	int lr = cc_dl_nftables(err);
	if (lr < 0)
		return lr;
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (ctx == NULL)
		return cc_error_set(err, ENOMEM, "%s: nftables", what);
	/* keep libnftables quiet: its messages become our one error line */
	(void)nft_ctx_buffer_output(ctx);
	(void)nft_ctx_buffer_error(ctx);
	int r = 0;
	if (nft_run_cmd_from_buffer(ctx, cmds) != 0) {
		const char *msg = nft_ctx_get_error_buffer(ctx);
		if (msg == NULL)
			msg = "";
		if (strncmp(msg, "Error: ", 7) == 0)
			msg += 7;
		r = cc_error_set(err, 0, "%s: nftables: %.*s", what, (int)strcspn(msg, "\n"),
				 *msg ? msg : "failed");
	}
	nft_ctx_free(ctx);
	return r;
}

/* --- raw nfnetlink ------------------------------------------------------------------- */

static struct nlmsghdr *nft_msg(char *buf, size_t *off, uint16_t type, uint16_t flags, uint32_t seq,
				uint8_t family, uint16_t res_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return nlh;
}

int cc_nft_chain_exists(const char *name, cc_error **err)
{
	__attribute__((cleanup(cc_nl_close))) struct cc_nl n = { 0 };
	if (cc_nl_open(&n, NETLINK_NETFILTER, err) < 0)
		return cc_error_prefix(err, "nftables");
	char buf[512] __attribute__((aligned(8)));
	size_t off = 0;
	uint32_t seq = n.seq++;
	struct nlmsghdr *nlh = nft_msg(buf, &off, NFT_MSG(NFT_MSG_GETCHAIN), NLM_F_ACK, seq, NFPROTO_IPV4, 0);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, CC_NET_TABLE);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name);
	off += MNL_ALIGN(nlh->nlmsg_len);
	int res[1];
	if (cc_nl_talk(&n, buf, off, seq, res, NULL, NULL, NULL, err) < 0)
		return cc_error_prefix(err, "nftables: look up chain '%s'", name);
	if (res[0] == ENOENT)
		return 0;
	if (res[0] != 0)
		return cc_error_set(err, res[0], "nftables: look up chain '%s'", name);
	return 1;
}

/* One transaction deleting chains names[0..n): begin, the deletions, end.
 * results gets each deletion's errno. */
static int delete_batch(const char *const *names, size_t n, int *results, cc_error **err)
{
	__attribute__((cleanup(cc_nl_close))) struct cc_nl nl = { 0 };
	if (cc_nl_open(&nl, NETLINK_NETFILTER, err) < 0)
		return cc_error_prefix(err, "nftables");
	char buf[2048] __attribute__((aligned(8)));
	size_t off = 0;
	uint32_t seq = nl.seq;
	nl.seq += (uint32_t)n + 2;
	struct nlmsghdr *nlh = nft_msg(buf, &off, NFNL_MSG_BATCH_BEGIN, 0, seq, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	off += MNL_ALIGN(nlh->nlmsg_len);
	for (size_t i = 0; i < n; i++) {
		nlh = nft_msg(buf, &off, NFT_MSG(NFT_MSG_DELCHAIN), NLM_F_ACK, seq + 1 + (uint32_t)i, NFPROTO_IPV4, 0);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, CC_NET_TABLE);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, names[i]);
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	nlh = nft_msg(buf, &off, NFNL_MSG_BATCH_END, 0, seq + 1 + (uint32_t)n, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	off += MNL_ALIGN(nlh->nlmsg_len);
	int res[8];
	if (cc_nl_talk(&nl, buf, off, seq, res, NULL, NULL, NULL, err) < 0)
		return cc_error_prefix(err, "nftables: delete chain '%s'", names[0]);
	int frame = res[0] ? res[0] : res[n + 1];
	for (size_t i = 0; i < n; i++)
		results[i] = frame ? frame : res[i + 1];
	return 0;
}

int cc_nft_delete_chains(const char *const *names, size_t n, cc_error **err)
{
	/* Every nftables transaction that removes something waits for an RCU
	 * grace period in the kernel (10-20 ms here), so the chains go in one
	 * transaction.  It is all or nothing: when one chain is missing
	 * (ENOENT: gone already, or no table) the rest go one by one. */
	int res[4];
	if (n == 0 || n > 4)
		return n == 0 ? 0 : cc_error_set(err, E2BIG, "nftables: too many chains at once");
	if (delete_batch(names, n, res, err) < 0)
		return -1;
	bool missing = false;
	for (size_t i = 0; i < n; i++) {
		if (res[i] != 0 && res[i] != ENOENT)
			return cc_error_set(err, res[i], "nftables: delete chain '%s'", names[i]);
		missing |= res[i] == ENOENT;
	}
	for (size_t i = 0; missing && n > 1 && i < n; i++) {
		int one;
		if (delete_batch(&names[i], 1, &one, err) < 0)
			return -1;
		if (one != 0 && one != ENOENT)
			return cc_error_set(err, one, "nftables: delete chain '%s'", names[i]);
	}
	return 0;
}

/* Chain dump: collect the IDs of owner's container chains. */
struct chain_list {
	char prefix[16];   /* "c_<owner>_" */
	char (*ids)[65];
	size_t n, cap;
	bool nomem;
};

static int chain_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if ((type == NFTA_CHAIN_TABLE || type == NFTA_CHAIN_NAME) && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct chain_list *l = data;
	if (nlh->nlmsg_type != NFT_MSG(NFT_MSG_NEWCHAIN))
		return 0;
	const struct nlattr *tb[NFTA_CHAIN_MAX + 1] = { NULL };
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), chain_attr_cb, tb) < 0 || tb[NFTA_CHAIN_TABLE] == NULL ||
	    tb[NFTA_CHAIN_NAME] == NULL || strcmp(mnl_attr_get_str(tb[NFTA_CHAIN_TABLE]), CC_NET_TABLE) != 0)
		return 0;
	const char *name = mnl_attr_get_str(tb[NFTA_CHAIN_NAME]);
	size_t pl = strlen(l->prefix);
	if (strncmp(name, l->prefix, pl) != 0 || strlen(name) != pl + 64 + 4 ||
	    (strcmp(name + pl + 64, "_pre") != 0 && strcmp(name + pl + 64, "_out") != 0))
		return 0;
	for (size_t i = pl; i < pl + 64; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->ids[i], name + pl, 64) == 0)
			return 0; /* _pre and _out of the same container */
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *nv = realloc(l->ids, cap * sizeof(*l->ids));
		if (nv == NULL) {
			l->nomem = true;
			return 0;
		}
		l->ids = nv;
		l->cap = cap;
	}
	snprintf(l->ids[l->n++], 65, "%.64s", name + pl);
	return 0;
}

int cc_net_sweep(const char *owner, bool (*alive)(const char *id, void *data), void *data, cc_error **err)
{
	if (owner == NULL || strlen(owner) != CC_NET_OWNER_LEN || !cc_is_hex(owner, CC_NET_OWNER_LEN))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "network sweep: bad owner tag");
	struct chain_list l = { .n = 0 };
	snprintf(l.prefix, sizeof(l.prefix), "c_%s_", owner);
	{
		__attribute__((cleanup(cc_nl_close))) struct cc_nl n = { 0 };
		if (cc_nl_open(&n, NETLINK_NETFILTER, err) < 0)
			return cc_error_prefix(err, "nftables");
		char buf[256] __attribute__((aligned(8)));
		size_t off = 0;
		uint32_t seq = n.seq++;
		/* the kernel has no table filter for chain dumps: every chain of
		 * the ip family comes back and chain_cb keeps ours */
		struct nlmsghdr *nlh =
			nft_msg(buf, &off, NFT_MSG(NFT_MSG_GETCHAIN), NLM_F_DUMP | NLM_F_ACK, seq, NFPROTO_IPV4, 0);
		off += MNL_ALIGN(nlh->nlmsg_len);
		int res[1];
		if (cc_nl_talk(&n, buf, off, seq, res, chain_cb, &l, NULL, err) < 0) {
			free(l.ids);
			return cc_error_prefix(err, "nftables: list chains");
		}
		if (res[0] != 0 || l.nomem) {
			free(l.ids);
			return cc_error_set(err, l.nomem ? ENOMEM : res[0], "nftables: list chains");
		}
	}
	int swept = 0, r = 0;
	for (size_t i = 0; i < l.n && r == 0; i++) {
		if (alive(l.ids[i], data))
			continue;
		char pre[128], out[128];
		const char *names[2] = { pre, out };
		if (cc_net_container_chains(owner, l.ids[i], pre, out) == 0 && cc_nft_delete_chains(names, 2, err) < 0)
			r = -1;
		else
			swept++;
	}
	free(l.ids);
	return r < 0 ? r : swept;
}
