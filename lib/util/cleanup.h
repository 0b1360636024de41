/* Scope-bound cleanup, built on __attribute__((cleanup)).
 * Every cleanup function accepts NULL / -1 and keeps errno intact.
 * Ownership leaves a scope through steal_ptr() / steal_fd(). */
#ifndef CC_UTIL_CLEANUP_H
#define CC_UTIL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cc_freep(void *p)
{
	int saved = errno;
	free(*(void **)p);
	errno = saved;
}

static inline void cc_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd); /* nothing useful to do on close failure here */
		errno = saved;
		*fd = -1;
	}
}

static inline void cc_fclosep(FILE **f)
{
	if (*f != NULL) {
		int saved = errno;
		(void)fclose(*f);
		errno = saved;
		*f = NULL;
	}
}

static inline void cc_closedirp(DIR **d)
{
	if (*d != NULL) {
		int saved = errno;
		(void)closedir(*d);
		errno = saved;
		*d = NULL;
	}
}

static inline void cc_strvfreep(char ***v)
{
	if (*v == NULL)
		return;
	for (char **p = *v; *p; p++)
		free(*p);
	free(*v);
	*v = NULL;
}

#define _cleanup_free_ __attribute__((cleanup(cc_freep)))
#define _cleanup_close_ __attribute__((cleanup(cc_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cc_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cc_closedirp)))
#define _cleanup_strv_ __attribute__((cleanup(cc_strvfreep)))

#define steal_ptr(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })
#define steal_fd(fdp) ({ int _fd = *(fdp); *(fdp) = -1; _fd; })

#endif
