/* INSi calls from a worker thread through the vigie-net helper process. */
#include "jobs/insi_remote.h"

#include "jobs/net_remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(struct insi_error *e, int kind, const char *fmt, const char *detail)
{
	memset(e, 0, sizeof *e);
	e->kind = kind;
	snprintf(e->message, sizeof e->message, fmt, detail);
	return kind;
}


int insi_remote_call(const struct insi_request *rq, int (*stop)(void *), void *stop_ctx,
		     struct insi_result *r, struct insi_error *e)
{
	char *buf = malloc(INSI_WIRE_MAX), *reply = NULL, err[200];
	int n, rc;

	memset(r, 0, sizeof *r);
	memset(e, 0, sizeof *e);
	if (!buf)
		return fail(e, INSI_ERR_CONFIG, "Mémoire insuffisante%s", "");
	n = insi_request_format(rq, buf, INSI_WIRE_MAX);
	if (n < 0) {
		free(buf);
		return fail(e, INSI_ERR_CONFIG, "Configuration INSi invalide (saut de ligne dans "
			    "une valeur)%s", "");
	}
	rc = net_remote_run("call", buf, (size_t)n, INSI_WIRE_MAX - 1, &reply, stop, stop_ctx,
			    err, sizeof err);
	memset(buf, 0, (size_t)n);   /* the key password */
	free(buf);
	if (rc == NET_REMOTE_CANCELLED)
		return fail(e, INSI_ERR_CANCELLED, "Appel INSi annulé%s", "");
	if (rc == NET_REMOTE_FAILED)
		return fail(e, INSI_ERR_CONFIG, "%s", err);
	if (!reply[0])
		rc = fail(e, INSI_ERR_CONFIG, "%s", err);
	else
		rc = insi_reply_parse(reply, r, e);
	free(reply);
	return rc;
}
