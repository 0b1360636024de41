#include "dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

/* *state: 0 not tried, 1 loaded, -1 failed. */
int cc_dl_load(const char *soname, const char *const *names, void **syms, int n, int *state, cc_error **err)
{
	pthread_mutex_lock(&dl_lock);
	if (*state == 0) {
		void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
		*state = h ? 1 : -1;
		for (int i = 0; h && i < n; i++) {
			syms[i] = dlsym(h, names[i]);
			if (syms[i] == NULL)
				*state = -1;
		}
	}
	int st = *state;
	pthread_mutex_unlock(&dl_lock);
	if (st < 0) {
		const char *why = dlerror();
		return cc_error_set(err, 0, "load '%s': %s (is it installed?)", soname, why ? why : "missing symbol");
	}
	return 0;
}

void cc_dl_need(int (*load)(cc_error **err))
{
	cc_error *e = NULL;
	if (load(&e) < 0) {
		fprintf(stderr, "ccontainer: %s\n", e->msg);
		abort();
	}
}
