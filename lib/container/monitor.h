/* What a detached container's start reports, on its way from `ccontainer
 * __start` to the monitor (a SOCK_SEQPACKET message, with the pty master as
 * SCM_RIGHTS for -t) and from the monitor to `run -d` / `start` (its ready
 * pipe; one message is smaller than PIPE_BUF, so it is written at once).
 * The same {errnum, kind, message} as the runtime's sync protocol, so a
 * detached start fails with the exit code a foreground one has (127 for a
 * command not found, 126 for one not executable).  Plain C: the monitor
 * links only libc. */
#ifndef CC_CONTAINER_MONITOR_H
#define CC_CONTAINER_MONITOR_H

#include <stdint.h>

#define CC_MON_VERSION 1

enum cc_mon_type {
	CC_MON_OK = 1,  /* pid: the container's process */
	CC_MON_ERROR,   /* errnum, kind (cc_error's), msg */
	CC_MON_HOLD,    /* before OK: fds (SCM_RIGHTS, at most CC_MON_HOLD_MAX)
	                   the monitor holds while the container runs: the
	                   sockets that reserve its published host ports, so
	                   that no other container (of any store) can publish
	                   them meanwhile */
};
#define CC_MON_HOLD_MAX 128

struct cc_mon_msg {
	uint32_t version;
	uint32_t type;
	int32_t pid;
	int32_t errnum;
	int32_t kind;
	char msg[1024]; /* NUL-terminated */
};

/* The most files a container's log may have in all (--log-opt max-file):
 * ctr.log and ctr.log.1 ... ctr.log.<N-1>, the names readers look at. */
#define CC_MON_LOG_FILES_MAX 100

/* The file in the container's directory where the monitor records the exit
 * status ("STATUS\n") before anything else, written aside, flushed and
 * renamed in: when `__cleanup` cannot run (ccontainer moved or upgraded
 * away), the next command that looks at the container finds the real
 * status there. */
#define CC_MON_EXIT_FILE "exit"

#endif
