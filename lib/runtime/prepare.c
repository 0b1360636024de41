/* Work for a container done ahead of clone, in a thread, while the caller
 * does its own preparation (store, image, container directory):
 *
 *  - its network, UTS and IPC namespaces.  A new network namespace is the
 *    dearest part of clone (~0.5 ms here, more on hosts with much
 *    netfilter or sysctl state: every pernet subsystem sets itself up).
 *    unshare() in a thread gives only that thread new namespaces (the
 *    mount and pid namespaces cannot be made this way and stay in clone);
 *    the thread keeps them as fds (with "lo" up already), and the child
 *    joins them with setns() before anything else;
 *  - its cgroup: layout detection, mkdir and limits, the fds the child
 *    needs to move itself in (~0.4 ms).
 *
 * cc_runtime_run/start take what matches their spec and do the rest
 * themselves, so any failure or mismatch here only costs the head start;
 * an error creating the cgroup is reported by them, after the spec has
 * been validated, exactly as if they had met it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"
#include "cgroup-internal.h"
#include "security-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	unsigned long flag;
	const char *name;
} kinds[CC_RT_PREPARED_NS] = {
	{ CLONE_NEWNET, "net" },
	{ CLONE_NEWUTS, "uts" },
	{ CLONE_NEWIPC, "ipc" },
};

struct cc_runtime_prep {
	pthread_t tid;
	bool started;
	/* what was asked */
	unsigned long ns_flags;
	char *container_id;            /* NULL: no cgroup */
	struct cc_resources resources; /* validated, defaults filled in */
	bool privileged;
	/* what the thread made: read only after the join */
	int fds[CC_RT_PREPARED_NS];    /* all of ns_flags, or all -1 */
	bool lo_up;
	struct cc_rt_cgroup cg;
	bool cg_made;                  /* created, limited, join fds open */
	cc_error *cg_err;              /* or why not */
};

static void make_namespaces(struct cc_runtime_prep *p)
{
	if (unshare((int)p->ns_flags) < 0)
		return;
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++) {
		if (!(p->ns_flags & kinds[i].flag))
			continue;
		char path[64];
		(void)snprintf(path, sizeof(path), "/proc/thread-self/ns/%s", kinds[i].name);
		p->fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (p->fds[i] < 0) { /* all or nothing: clone makes them */
			for (size_t j = 0; j <= i; j++)
				cc_closep(&p->fds[j]);
			return;
		}
	}
	/* what the child would do first in it; else the child does it */
	if (p->ns_flags & CLONE_NEWNET)
		p->lo_up = cc_rt_loopback_up(NULL) == 0;
}

static void make_cgroup(struct cc_runtime_prep *p)
{
	int r = cc_rt_cgroup_init(&p->cg, NULL, p->container_id, &p->cg_err);
	if (r == 0)
		r = cc_rt_cgroup_create(&p->cg, &p->resources, p->privileged, &p->cg_err);
	if (r == 0)
		r = cc_rt_cgroup_open_join(&p->cg, &p->cg_err);
	p->cg_made = r == 0;
}

static void *prepare_main(void *arg)
{
	struct cc_runtime_prep *p = arg;
	make_namespaces(p);
	if (p->container_id != NULL)
		make_cgroup(p);
	return NULL;
}

struct cc_runtime_prep *cc_runtime_prepare(const struct cc_runtime_prep_request *req)
{
	if (geteuid() != 0)
		return NULL;
	struct cc_runtime_prep *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++)
		p->fds[i] = -1;
	p->ns_flags = CLONE_NEWUTS | CLONE_NEWIPC | (req->own_net ? CLONE_NEWNET : 0);
	/* limits that do not validate are left to cc_runtime_run to refuse */
	if (req->container_id != NULL &&
	    cc_rt_resources_check(&req->resources, true, &p->resources, NULL) == 0) {
		p->container_id = strdup(req->container_id);
		p->privileged = req->privileged;
	}
	p->started = pthread_create(&p->tid, NULL, prepare_main, p) == 0;
	if (!p->started) /* nothing made: cc_runtime_run does it all */
		free(steal_ptr(&p->container_id));
	return p;
}

static void join(struct cc_runtime_prep *p)
{
	if (p->started) {
		(void)pthread_join(p->tid, NULL);
		p->started = false;
	}
}

void cc_rt_prep_take_ns(struct cc_runtime_prep *p, unsigned long wanted, struct cc_rt_prepared_ns *ret)
{
	*ret = (struct cc_rt_prepared_ns){ 0 };
	if (p == NULL)
		return;
	join(p);
	/* only a set that is exactly what the container wants (the thread
	 * made all of them or none) */
	if ((wanted & (CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC)) != p->ns_flags)
		return;
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++) {
		if (p->fds[i] < 0)
			continue;
		ret->fds[i] = p->fds[i];
		p->fds[i] = -1;
		ret->made |= kinds[i].flag;
	}
	ret->lo_up = ret->made != 0 && p->lo_up;
}

int cc_rt_prep_take_cgroup(struct cc_runtime_prep *p, const char *id, const struct cc_resources *res,
			   bool privileged, struct cc_rt_cgroup *ret, cc_error **err)
{
	if (p == NULL || p->container_id == NULL)
		return 0;
	join(p);
	if (strcmp(id, p->container_id) != 0)
		return 0; /* another container's: cc_runtime_prep_release removes it */
	bool same = memcmp(res, &p->resources, sizeof(*res)) == 0 && privileged == p->privileged;
	if (same && p->cg_made) {
		*ret = p->cg;
		p->cg = (struct cc_rt_cgroup){ 0 };
		p->cg_made = false;
		free(steal_ptr(&p->container_id));
		return 1;
	}
	/* Not usable: undo what the thread made of it now, since the caller
	 * makes this very cgroup itself next (never later, under its feet). */
	(void)cc_rt_cgroup_destroy(&p->cg, NULL);
	cc_rt_cgroup_release(&p->cg);
	free(steal_ptr(&p->container_id));
	if (!same || p->cg_err == NULL)
		return 0;
	int r = p->cg_err->errnum > 0 ? -p->cg_err->errnum : -1;
	if (err != NULL && *err == NULL)
		*err = steal_ptr(&p->cg_err);
	return r;
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

void cc_runtime_prep_release(struct cc_runtime_prep *p)
{
	if (p == NULL)
		return;
	join(p);
	for (size_t i = 0; i < CC_RT_PREPARED_NS; i++)
		cc_closep(&p->fds[i]);
	if (p->container_id != NULL) { /* made but not taken: nothing runs in it */
		cc_error *e = NULL;
		if (cc_rt_cgroup_destroy(&p->cg, &e) < 0)
			cc_error_free(e);
	}
	cc_rt_cgroup_release(&p->cg);
	cc_error_free(p->cg_err);
	free(p->container_id);
	free(p);
}
