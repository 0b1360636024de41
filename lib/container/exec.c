/* A further process in a running container, "like the container's"
 * (container.h): exec and the healthcheck. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "util/env.h"

void cc_container_exec_release(struct cc_container_exec *x)
{
	cc_env_release(&x->env);
	free(x->seccomp_cache);
	*x = (struct cc_container_exec){ 0 };
}

int cc_container_exec_init(struct cc_store *s, const struct cc_container_record *c, const struct cc_container_spec *sp,
			   const struct cc_container_exec_params *p, struct cc_container_exec *x, cc_error **err)
{
	*x = (struct cc_container_exec){ 0 };
	/* The container's environment, then the env files, then -e (later wins). */
	for (char *const *v = sp->env; v != NULL && *v; v++)
		if (cc_env_set(&x->env, *v, err) < 0)
			goto failed;
	for (char *const *f = p->env_files; f != NULL && *f; f++)
		if (cc_env_file(&x->env, *f, err) < 0)
			goto failed;
	for (char *const *v = p->env; v != NULL && *v; v++)
		if (cc_env_set(&x->env, *v, err) < 0)
			goto failed;
	if (cc_env_finish(&x->env, err) < 0)
		goto failed;
	if (asprintf(&x->seccomp_cache, "%s/cache/seccomp", cc_store_root(s)) < 0) {
		x->seccomp_cache = NULL;
		cc_error_set(err, ENOMEM, "exec in container %.12s", c->id);
		goto failed;
	}
	/* the container's own privileges: capabilities, seccomp, no_new_privs;
	 * privileged: every capability and no seccomp filter for this process,
	 * whatever the container's own (docker's exec --privileged) */
	x->spec = (struct cc_run_spec){
		.privileged = p->privileged || sp->privileged,
		.no_new_privileges = sp->no_new_privileges,
		.seccomp_profile = p->privileged ? NULL : sp->seccomp,
		.cap_add = (const char **)sp->cap_add,
		.cap_drop = (const char **)sp->cap_drop,
		/* the cgroup it joins is the container's own: its device
		 * allowlist confines MKNOD as for the container's process */
		.container_id = c->id,
		.seccomp_cache_dir = x->seccomp_cache,
		.argv = p->argv,
		.env = x->env.v,
		.cwd = p->workdir ? p->workdir : sp->workdir,
		.user = p->user ? p->user : sp->user,
		.tty = p->tty,
		.interactive = p->interactive,
	};
	return 0;
failed:
	cc_container_exec_release(x);
	return -1;
}
