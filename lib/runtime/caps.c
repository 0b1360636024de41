/* Capabilities: names, docker's default set, --cap-add/--cap-drop, and the
 * child's five sets.  Raw capset(2)/prctl(2): the child needs nothing that
 * allocates, and libcap's names lag behind the kernel's.
 *
 * What the container ends up with (docker's behaviour):
 *   root:     bounding = permitted = effective = the configured set
 *   non-root: bounding = the configured set, permitted = effective = empty
 *   both:     inheritable = ambient = empty
 * After execve a root process gets its bounding set as permitted and
 * effective (the kernel's "root is all file capabilities" rule), a non-root
 * one only what a file capability grants within the bounding set.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "security-internal.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/util.h"

static const char *const cap_names[CC_RT_CAP_MAX + 1] = {
	[0] = "CHOWN",
	[1] = "DAC_OVERRIDE",
	[2] = "DAC_READ_SEARCH",
	[3] = "FOWNER",
	[4] = "FSETID",
	[5] = "KILL",
	[6] = "SETGID",
	[7] = "SETUID",
	[8] = "SETPCAP",
	[9] = "LINUX_IMMUTABLE",
	[10] = "NET_BIND_SERVICE",
	[11] = "NET_BROADCAST",
	[12] = "NET_ADMIN",
	[13] = "NET_RAW",
	[14] = "IPC_LOCK",
	[15] = "IPC_OWNER",
	[16] = "SYS_MODULE",
	[17] = "SYS_RAWIO",
	[18] = "SYS_CHROOT",
	[19] = "SYS_PTRACE",
	[20] = "SYS_PACCT",
	[21] = "SYS_ADMIN",
	[22] = "SYS_BOOT",
	[23] = "SYS_NICE",
	[24] = "SYS_RESOURCE",
	[25] = "SYS_TIME",
	[26] = "SYS_TTY_CONFIG",
	[27] = "MKNOD",
	[28] = "LEASE",
	[29] = "AUDIT_WRITE",
	[30] = "AUDIT_CONTROL",
	[31] = "SETFCAP",
	[32] = "MAC_OVERRIDE",
	[33] = "MAC_ADMIN",
	[34] = "SYSLOG",
	[35] = "WAKE_ALARM",
	[36] = "BLOCK_SUSPEND",
	[37] = "AUDIT_READ",
	[38] = "PERFMON",
	[39] = "BPF",
	[40] = "CHECKPOINT_RESTORE",
};

int cc_rt_cap_from_name(const char *name)
{
	if (name == NULL)
		return -EINVAL;
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (int i = 0; i <= CC_RT_CAP_MAX; i++)
		if (strcasecmp(name, cap_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *cc_rt_cap_name(int cap)
{
	/* "CAP_" + the longest name fits in 32 bytes; one buffer per cap so
	 * that two results can be used together */
	static char buf[CC_RT_CAP_MAX + 1][32];
	if (cap < 0 || cap > CC_RT_CAP_MAX)
		return NULL;
	if (buf[cap][0] == '\0')
		(void)snprintf(buf[cap], sizeof(buf[cap]), "CAP_%s", cap_names[cap]);
	return buf[cap];
}

uint64_t cc_rt_caps_all(void)
{
	/* PR_CAPBSET_READ fails with EINVAL past the kernel's last capability;
	 * what our own bounding set lacks cannot be given to anyone. */
	uint64_t all = 0;
	for (int i = 0; i < 64; i++) {
		int r = prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0);
		if (r < 0)
			break;
		if (r == 1)
			all |= UINT64_C(1) << i;
	}
	return all;
}

static int is_all(const char *s)
{
	return strcasecmp(s, "ALL") == 0 || strcasecmp(s, "CAP_ALL") == 0;
}

static int has_all(const char *const *v)
{
	for (; v != NULL && *v != NULL; v++)
		if (is_all(*v))
			return 1;
	return 0;
}

static int apply_names(const char *const *v, uint64_t *caps, bool add, cc_error **err)
{
	for (; v != NULL && *v != NULL; v++) {
		if (is_all(*v))
			continue;
		int c = cc_rt_cap_from_name(*v);
		if (c < 0)
			return cc_error_setk(err, CC_ERR_INVALID, 0, "unknown capability: \"%s\"", *v);
		if (add)
			*caps |= UINT64_C(1) << c;
		else
			*caps &= ~(UINT64_C(1) << c);
	}
	return 0;
}

int cc_rt_caps_compute(const char *const *add, const char *const *drop, uint64_t all,
		       uint64_t *ret, cc_error **err)
{
	uint64_t caps = CC_RT_CAPS_DEFAULT;
	if (has_all(add))
		caps = all;
	else if (has_all(drop))
		caps = 0;
	int r = apply_names(add, &caps, true, err);
	if (r == 0)
		r = apply_names(drop, &caps, false, err);
	if (r < 0)
		return r;
	/* a capability the kernel (or our own bounding set) lacks cannot be
	 * held; docker on an older kernel silently does the same */
	*ret = caps & all;
	return 0;
}

int cc_rt_caps_bound(uint64_t caps, cc_error **err)
{
	for (int i = 0; i < 64; i++) {
		if (caps & (UINT64_C(1) << i))
			continue;
		/* dropping what is not there is fine: one call per capability */
		if (prctl(PR_CAPBSET_DROP, (unsigned long)i, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL)
			break; /* past the kernel's last capability */
		return cc_error_set(err, errno, "drop %s from the bounding set",
				    cc_rt_cap_name(i) != NULL ? cc_rt_cap_name(i) : "a capability");
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return cc_error_set(err, errno, "set keep-caps");
	return 0;
}

int cc_rt_caps_set(uint64_t caps, uint64_t extra, cc_error **err)
{
	/* Inheritable empty, so that nothing becomes ambient; ambient cleared
	 * explicitly (EINVAL: kernel without ambient capabilities). */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return cc_error_set(err, errno, "clear the ambient capabilities");
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return cc_error_set(err, errno, "reset keep-caps");
	uint64_t set = caps | extra;
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	data[0].effective = data[0].permitted = (uint32_t)set;
	data[1].effective = data[1].permitted = (uint32_t)(set >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return cc_error_set(err, errno, "set capabilities");
	return 0;
}
