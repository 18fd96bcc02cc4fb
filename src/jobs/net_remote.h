/* Teleservice calls from a worker thread through vigie-net, the helper process that links
 * libcurl, OpenSSL and libxml2 (core/insi_wire.h explains why). */
#ifndef VIGIE_JOBS_NET_REMOTE_H
#define VIGIE_JOBS_NET_REMOTE_H

#include <stddef.h>

/* Path of vigie-net: $VIGIE_NET, else next to the running program, else "vigie-net" looked up
 * in PATH. The returned string is static. */
const char *net_remote_helper(void);

enum {
	NET_REMOTE_OK = 0,
	NET_REMOTE_FAILED = -1,     /* err holds a French message */
	NET_REMOTE_CANCELLED = -2,  /* stop() asked to give up: the helper was killed */
};

/* Runs "vigie-net <mode>", writes request (len bytes, wiped from nothing: the caller keeps
 * ownership) to its standard input, and reads its standard output (at most max bytes) into
 * *reply (malloc'd, NUL-terminated, to free) while polling stop every 100 ms. The helper's
 * stderr goes to /dev/null. Returns NET_REMOTE_OK (reply may be empty if the helper died),
 * NET_REMOTE_FAILED with err, or NET_REMOTE_CANCELLED. */
int net_remote_run(const char *mode, const char *request, size_t len, size_t max, char **reply,
		   int (*stop)(void *), void *stop_ctx, char *err, size_t errsize);

/* Reads a regular file the helper wrote (never through a symbolic link; at most max bytes,
 * else errno EFBIG) into *buf (malloc'd, NUL-terminated after *len bytes). 0 or -1. */
int net_remote_read_file(const char *path, long long max, void **buf, size_t *len);

#endif
