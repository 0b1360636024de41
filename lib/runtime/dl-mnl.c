/* libmnl, loaded on first use (see util/dl.h): only bridge networking and
 * its nftables clean-up speak netlink through it, and `run --network none`
 * should not pay for mapping it.  Each wrapper has libmnl's own prototype
 * and forwards to the resolved symbol. */
#include <libmnl/libmnl.h>

#include "util/dl-wrap.h"

typedef struct mnl_socket S;
typedef struct nlmsghdr H;
typedef struct nlattr T;

#define MNL_FUNCS(X)                                                                                  \
	X(S *, mnl_socket_open2, (int bus, int flags), (bus, flags))                                   \
	X(int, mnl_socket_bind, (S * nl, unsigned int groups, pid_t pid), (nl, groups, pid))           \
	X(int, mnl_socket_close, (S * nl), (nl))                                                       \
	X(int, mnl_socket_get_fd, (const S *nl), (nl))                                                 \
	X(unsigned int, mnl_socket_get_portid, (const S *nl), (nl))                                    \
	X(ssize_t, mnl_socket_sendto, (const S *nl, const void *req, size_t siz), (nl, req, siz))      \
	X(ssize_t, mnl_socket_recvfrom, (const S *nl, void *buf, size_t siz), (nl, buf, siz))          \
	X(int, mnl_socket_setsockopt, (const S *nl, int type, void *buf, socklen_t len),               \
	  (nl, type, buf, len))                                                                        \
	X(H *, mnl_nlmsg_put_header, (void *buf), (buf))                                               \
	X(void *, mnl_nlmsg_put_extra_header, (H * nlh, size_t size), (nlh, size))                     \
	X(void *, mnl_nlmsg_get_payload, (const H *nlh), (nlh))                                        \
	X(size_t, mnl_nlmsg_get_payload_len, (const H *nlh), (nlh))                                    \
	X(void *, mnl_nlmsg_get_payload_tail, (const H *nlh), (nlh))                                   \
	X(bool, mnl_nlmsg_ok, (const H *nlh, int len), (nlh, len))                                     \
	X(H *, mnl_nlmsg_next, (const H *nlh, int *len), (nlh, len))                                   \
	X(uint16_t, mnl_attr_get_type, (const T *attr), (attr))                                        \
	X(uint16_t, mnl_attr_get_payload_len, (const T *attr), (attr))                                 \
	X(void *, mnl_attr_get_payload, (const T *attr), (attr))                                       \
	X(const char *, mnl_attr_get_str, (const T *attr), (attr))                                     \
	X(bool, mnl_attr_ok, (const T *attr, int len), (attr, len))                                    \
	X(T *, mnl_attr_next, (const T *attr), (attr))                                                 \
	X(int, mnl_attr_validate, (const T *attr, enum mnl_attr_data_type type), (attr, type))         \
	X(int, mnl_attr_parse, (const H *nlh, unsigned int offset, mnl_attr_cb_t cb, void *data),      \
	  (nlh, offset, cb, data))                                                                     \
	X(T *, mnl_attr_nest_start, (H * nlh, uint16_t type), (nlh, type))                             \
	X(void, mnl_attr_nest_end, (H * nlh, T *start), (nlh, start))                                  \
	X(void, mnl_attr_put, (H * nlh, uint16_t type, size_t len, const void *data),                  \
	  (nlh, type, len, data))                                                                      \
	X(void, mnl_attr_put_u32, (H * nlh, uint16_t type, uint32_t data), (nlh, type, data))          \
	X(void, mnl_attr_put_strz, (H * nlh, uint16_t type, const char *data), (nlh, type, data))

CC_DL_LIBRARY(cc_dl_mnl, "libmnl.so.0", MNL_FUNCS, CC_DL_NONE)
