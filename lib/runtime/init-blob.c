/* The --init program (init/ccontainer-init.c), embedded in ccontainer and
 * handed to the container as a sealed memfd.
 *
 * PID 1 of a container must not be a host binary the container could open
 * through /proc/1/exe and rewrite once it is no longer busy (runc's
 * CVE-2019-5736), nor a copy of the process that set the container up
 * (whose memory and environment are the caller's).  So the init is a small
 * static program of its own, built before ccontainer and assembled into it
 * (.incbin), and each --init start copies it into a memfd sealed against
 * every change (write, grow, shrink, further seals) that the child
 * execveat()s.  /proc/1/exe is then "/memfd:ccontainer-init (deleted)":
 * nothing on the host, and immutable even for a privileged container.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/util.h"

#ifndef CC_INIT_BIN
#define CC_INIT_BIN "build/ccontainer-init"
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

__asm__(".pushsection .rodata.cc_rt_init,\"a\",@progbits\n"
	".balign 16\n"
	".globl cc_rt_init_blob\n"
	".hidden cc_rt_init_blob\n"
	"cc_rt_init_blob:\n"
	".incbin \"" CC_INIT_BIN "\"\n"
	".globl cc_rt_init_blob_end\n"
	".hidden cc_rt_init_blob_end\n"
	"cc_rt_init_blob_end:\n"
	".popsection\n");
extern const unsigned char cc_rt_init_blob[], cc_rt_init_blob_end[];

size_t cc_rt_init_size(void)
{
	return (size_t)(cc_rt_init_blob_end - cc_rt_init_blob);
}

int cc_rt_init_memfd(cc_error **err)
{
	/* MFD_EXEC: kernels with vm.memfd_noexec (6.3+) want it said;
	 * older ones refuse the flag */
	int fd = memfd_create("ccontainer-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("ccontainer-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return cc_error_set(err, errno, "init: memfd_create");
	size_t n = cc_rt_init_size();
	if (n == 0 || cc_write_all(fd, cc_rt_init_blob, n) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		int e = n == 0 ? ENOEXEC : errno;
		(void)close(fd);
		return cc_error_set(err, e, "init: seal a copy of ccontainer-init");
	}
	return fd;
}
