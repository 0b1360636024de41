/* What top and stats read of a container's processes in /proc: the fields
 * of `ps -ef` and of its -o descriptors, and a network namespace's
 * counters.  Read as the files are, no ps run: a process may go at any
 * moment, and then its files say ESRCH or ENOENT. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "util/util.h"

static int read_proc(pid_t pid, const char *file, size_t max, char **ret, size_t *ret_len, cc_error **err)
{
	char path[64];
	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	size_t len = 0;
	int r = cc_read_file(path, max, ret, &len, err);
	if (r == 0 && ret_len != NULL)
		*ret_len = len;
	return r;
}

void cc_proc_info_release(struct cc_proc_info *p)
{
	if (p == NULL)
		return;
	free(p->args);
	p->args = NULL;
}

int cc_runtime_proc_info(pid_t pid, struct cc_proc_info *ret, cc_error **err)
{
	*ret = (struct cc_proc_info){ .pid = pid };
	_cleanup_free_ char *stat = NULL, *status = NULL, *cmdline = NULL;
	size_t len = 0;
	int r = read_proc(pid, "stat", 4096, &stat, NULL, err);
	if (r < 0)
		return r;
	/* "PID (COMM) S PPID ...": comm may hold spaces and parentheses */
	char *open = strchr(stat, '('), *close = strrchr(stat, ')');
	if (open == NULL || close == NULL || close < open)
		return cc_error_set(err, EINVAL, "parse '/proc/%d/stat'", (int)pid);
	size_t cl = (size_t)(close - open - 1);
	if (cl >= sizeof(ret->comm))
		cl = sizeof(ret->comm) - 1;
	memcpy(ret->comm, open + 1, cl);
	ret->comm[cl] = '\0';
	/* fields 3.. after the comm, numbered as proc(5) numbers them */
	unsigned long long f[25] = { 0 };
	char state = '?';
	const char *p = close + 1;
	int n = 0;
	if (sscanf(p, " %c%n", &state, &n) != 1)
		return cc_error_set(err, EINVAL, "parse '/proc/%d/stat'", (int)pid);
	p += n;
	for (int i = 4; i <= 24; i++) {
		char *end = NULL;
		/* nice (19) and others may be negative */
		long long v = strtoll(p, &end, 10);
		if (end == p)
			break;
		f[i] = (unsigned long long)v;
		p = end;
	}
	ret->state = state;
	ret->ppid = (pid_t)f[4];
	pid_t pgrp = (pid_t)f[5], session = (pid_t)f[6], tpgid = (pid_t)f[8];
	ret->tty_nr = (unsigned)f[7];
	ret->utime = f[14];
	ret->stime = f[15];
	ret->nice = (long)(long long)f[19];
	ret->nthreads = (int64_t)f[20];
	ret->start_ticks = f[22];
	ret->vsize = f[23];
	ret->rss_pages = f[24];
	ret->session_leader = session == pid;
	ret->fg_pgrp = tpgid > 0 && tpgid == pgrp;
	ret->multithreaded = ret->nthreads > 1;

	cc_error *e = NULL;
	if (read_proc(pid, "status", 64 * 1024, &status, NULL, &e) == 0) {
		const char *u = strstr(status, "\nUid:");
		unsigned long ruid = 0, euid = 0;
		if (u != NULL && sscanf(u + 5, "%lu %lu", &ruid, &euid) == 2)
			ret->uid = (uid_t)euid; /* ps's UID and USER: the effective one */
	}
	cc_error_clear(&e);
	if (read_proc(pid, "cmdline", 1 << 20, &cmdline, &len, &e) == 0) {
		while (len > 0 && cmdline[len - 1] == '\0')
			len--;
		for (size_t i = 0; i < len; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		cmdline[len] = '\0';
		ret->args = steal_ptr(&cmdline);
	}
	cc_error_clear(&e);
	if (ret->args == NULL && (ret->args = strdup("")) == NULL)
		return cc_error_set(err, ENOMEM, "process %d", (int)pid);
	return 0;
}

int cc_runtime_net_io(pid_t pid, uint64_t *ret_rx, uint64_t *ret_tx, cc_error **err)
{
	_cleanup_free_ char *text = NULL;
	int r = read_proc(pid, "net/dev", 1 << 20, &text, NULL, err);
	if (r < 0)
		return r;
	uint64_t rx = 0, tx = 0;
	/* two header lines, then "  eth0: RXBYTES packets errs drop fifo
	 * frame compressed multicast TXBYTES ..." */
	for (char *line = text; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		char *colon = strchr(line, ':');
		if (colon != NULL) {
			*colon = '\0';
			const char *name = line + strspn(line, " ");
			unsigned long long v[9];
			if (strcmp(name, "lo") != 0 &&
			    sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
				   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
				rx += v[0];
				tx += v[8];
			}
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	*ret_rx = rx;
	*ret_tx = tx;
	return 0;
}
