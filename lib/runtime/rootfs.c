/* The container root, mounted from outside a container: for callers that
 * work on an image's filesystem themselves (build's COPY and ADD), with
 * exactly the overlay cc_runtime_run() would give the container. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"

#include <errno.h>
#include <sys/mount.h>

int cc_runtime_mount_root(const struct cc_run_spec *spec, cc_error **err)
{
	if (spec->rootfs_dir == NULL || (spec->n_lower == 0 && spec->upper_dir == NULL))
		return cc_error_setk(err, CC_ERR_INVALID, 0, "mount root: no rootfs dir or no layers");
	return cc_rt_mount_root(spec, err);
}

int cc_runtime_unmount_root(const char *rootfs_dir, cc_error **err)
{
	if (umount2(rootfs_dir, UMOUNT_NOFOLLOW) == 0)
		return 0;
	/* busy (an fd someone still holds): detach now, the kernel finishes */
	if (errno == EBUSY && umount2(rootfs_dir, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		return 0;
	return cc_error_set(err, errno, "unmount '%s'", rootfs_dir);
}
