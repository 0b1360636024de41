/* Private to lib/runtime/net*.c: a small netlink request/ack helper shared
 * by rtnetlink (net-link.c) and nfnetlink (net-nft.c). */
#ifndef CC_RUNTIME_NET_INTERNAL_H
#define CC_RUNTIME_NET_INTERNAL_H

#include <libmnl/libmnl.h>
#include <stdint.h>

#include "net.h"

/* big enough that the kernel never truncates a dump message (libmnl's
 * MNL_SOCKET_DUMP_SIZE) */
#define CC_NL_BUF 32768

struct cc_nl {
	struct mnl_socket *sk;
	unsigned portid;
	uint32_t seq;          /* next sequence number to use */
};

/* Open a netlink socket of family bus (SOCK_CLOEXEC, extended acks, a
 * receive timeout so a lost answer cannot hang a start). */
int cc_nl_open(struct cc_nl *n, int bus, cc_error **err);
void cc_nl_close(struct cc_nl *n);

/* Send the messages in buf[0..len) (sequence numbers first, first+1, ...)
 * in one sendmsg and read until every message that asked for an ACK (or a
 * dump, NLM_F_DUMP) has been answered.  results[i] receives 0 or the errno
 * of message first+i (room for every message in buf, at most 16).  Other
 * messages (dump entries, GET replies) go to cb when non-NULL.  ext, when
 * non-NULL, has a buffer per message for the kernel's extended ack text
 * ("" when there is none).  Returns 0 when all answers arrived, else a cc_error. */
int cc_nl_talk(struct cc_nl *n, const void *buf, size_t len, uint32_t first, int *results,
	       int (*cb)(const struct nlmsghdr *nlh, void *data), void *data, char (*ext)[128], cc_error **err);

/* net-nft.c */
/* Does chain `name` exist in table ip ccontainer?  1 yes, 0 no, <0 error. */
int cc_nft_chain_exists(const char *name, cc_error **err);
/* Run nftables commands through libnftables. */
int cc_nft_run(const char *cmds, const char *what, cc_error **err);
/* Delete chains from table ip ccontainer (at most 4, one transaction when
 * they all exist); missing ones are fine. */
int cc_nft_delete_chains(const char *const *names, size_t n, cc_error **err);
/* Delete a network's chains and its element of the bridges set. */
int cc_nft_remove_bridge(const struct cc_net_config *c, cc_error **err);

#endif
