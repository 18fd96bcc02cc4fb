/* INSi calls from a worker thread through vigie-net, the helper process that links libcurl,
 * OpenSSL and libxml2 (core/insi_wire.h explains why). */
#ifndef VIGIE_JOBS_INSI_REMOTE_H
#define VIGIE_JOBS_INSI_REMOTE_H

#include "core/insi_wire.h"

/* One call: spawns vigie-net, sends the request, waits for the reply while polling stop (the
 * helper is killed when it returns nonzero). Returns 0 with r filled on a CR, or a negative
 * insi_error_kind with e filled (French message). */
int insi_remote_call(const struct insi_request *rq, int (*stop)(void *), void *stop_ctx,
		     struct insi_result *r, struct insi_error *e);

#endif
