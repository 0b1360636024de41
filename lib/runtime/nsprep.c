/* The container's network, UTS and IPC namespaces, made ahead of clone in
 * a thread while the caller does its own preparation (store, image,
 * container directory).
 *
 * A new network namespace is the dearest part of clone: ~0.5 ms here, and
 * more on hosts with much netfilter or sysctl state, because every pernet
 * subsystem sets itself up.  unshare() in a thread gives only that thread
 * new namespaces (the mount and pid namespaces cannot be made this way,
 * and stay in clone); the thread keeps them alive as fds and exits.  The
 * child joins them with setns() before anything else, so the rest of the
 * runtime sees no difference.  Any failure here just leaves the work to
 * clone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const struct {
	unsigned long flag;
	const char *name;
} kinds[CC_RT_PREPARED_NS] = {
	{ CLONE_NEWNET, "net" },
	{ CLONE_NEWUTS, "uts" },
	{ CLONE_NEWIPC, "ipc" },
};

struct cc_runtime_ns {
	pthread_t tid;
	bool started;
	unsigned long flags;           /* asked for */
	int fds[CC_RT_PREPARED_NS];    /* made: an fd per kind in flags, else -1 */
};

static void *prepare_main(void *arg)
{
	struct cc_runtime_ns *p = arg;
	if (unshare((int)p->flags) < 0)
		return NULL;
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++) {
		if (!(p->flags & kinds[i].flag))
			continue;
		char path[64];
		(void)snprintf(path, sizeof(path), "/proc/thread-self/ns/%s", kinds[i].name);
		p->fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (p->fds[i] < 0) { /* all or nothing: clone makes them */
			for (size_t j = 0; j <= i; j++)
				cc_closep(&p->fds[j]);
			return NULL;
		}
	}
	return NULL;
}

struct cc_runtime_ns *cc_runtime_ns_prepare(bool net)
{
	struct cc_runtime_ns *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++)
		p->fds[i] = -1;
	p->flags = CLONE_NEWUTS | CLONE_NEWIPC | (net ? CLONE_NEWNET : 0);
	p->started = geteuid() == 0 && pthread_create(&p->tid, NULL, prepare_main, p) == 0;
	return p;
}

static void join(struct cc_runtime_ns *p)
{
	if (p->started) {
		(void)pthread_join(p->tid, NULL);
		p->started = false;
	}
}

void cc_rt_ns_take(struct cc_runtime_ns *p, unsigned long wanted, struct cc_rt_prepared_ns *ret)
{
	*ret = (struct cc_rt_prepared_ns){ 0 };
	if (p == NULL)
		return;
	join(p);
	/* only a set that is exactly what the container wants (the thread
	 * made all of them or none) */
	if ((wanted & (CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC)) != p->flags)
		return;
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++) {
		if (p->fds[i] < 0)
			continue;
		ret->fds[i] = p->fds[i];
		p->fds[i] = -1;
		ret->made |= kinds[i].flag;
	}
}

int cc_rt_ns_join(const struct cc_rt_prepared_ns *ns, cc_error **err)
{
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++)
		if ((ns->made & kinds[i].flag) && setns(ns->fds[i], (int)kinds[i].flag) < 0)
			return cc_error_set(err, errno, "join the container's %s namespace", kinds[i].name);
	return 0;
}

void cc_rt_ns_close(struct cc_rt_prepared_ns *ns)
{
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++)
		if (ns->made & kinds[i].flag)
			cc_closep(&ns->fds[i]);
	*ns = (struct cc_rt_prepared_ns){ 0 };
}

void cc_runtime_ns_release(struct cc_runtime_ns *p)
{
	if (p == NULL)
		return;
	join(p);
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++)
		cc_closep(&p->fds[i]);
	free(p);
}
