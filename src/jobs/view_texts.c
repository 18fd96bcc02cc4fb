/* Texts prepared for the viewer by the DMP and MSSanté jobs. */
#include "jobs/view_texts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "jobs/net_remote.h"

#define VIEW_KEEP 8

static struct {
	long long job;
	char *text, *narrative;
	char title[256];
} views[VIEW_KEEP];
static pthread_mutex_t views_lock = PTHREAD_MUTEX_INITIALIZER;

void view_texts_put(long long job, char *text, char *narrative, const char *title)
{
	size_t slot = 0;

	pthread_mutex_lock(&views_lock);
	for (size_t i = 0; i < VIEW_KEEP; i++)
		if (!views[i].job || views[i].job < views[slot].job)
			slot = i;
	free(views[slot].text);
	free(views[slot].narrative);
	views[slot].job = job;
	views[slot].text = text;
	views[slot].narrative = narrative;
	snprintf(views[slot].title, sizeof views[slot].title, "%s", title);
	pthread_mutex_unlock(&views_lock);
}

int view_texts_take(long long job, char **text, char **narrative, char *title,
		    size_t title_size)
{
	int rc = -1;

	*text = *narrative = NULL;
	pthread_mutex_lock(&views_lock);
	for (size_t i = 0; i < VIEW_KEEP; i++)
		if (views[i].job == job && views[i].text) {
			*text = views[i].text;
			*narrative = views[i].narrative;
			snprintf(title, title_size, "%s", views[i].title);
			views[i].text = views[i].narrative = NULL;
			views[i].job = 0;
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&views_lock);
	return rc;
}

char *view_texts_narrative(const void *xml, size_t len, size_t max, int (*stop)(void *),
			   void *stop_ctx)
{
	char *reply = NULL, err[256];

	if (net_remote_run("cda-text", xml, len, max, &reply, stop, stop_ctx, err, sizeof err) !=
	    NET_REMOTE_OK)
		return NULL;
	if (!reply[0]) {
		free(reply);
		return NULL;
	}
	return reply;
}
