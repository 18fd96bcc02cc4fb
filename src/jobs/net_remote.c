/* Teleservice calls from a worker thread through the vigie-net helper process. */
#include "jobs/net_remote.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char helper_path[PATH_MAX + 16];
static pthread_once_t helper_once = PTHREAD_ONCE_INIT;

static void find_helper(void)
{
	const char *env = getenv("VIGIE_NET");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(helper_path, sizeof helper_path, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		char *slash;
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			snprintf(helper_path, sizeof helper_path, "%.*s/vigie-net",
				 (int)(slash - self), self);
			if (access(helper_path, X_OK) == 0)
				return;
		}
	}
	snprintf(helper_path, sizeof helper_path, "vigie-net");
}

const char *net_remote_helper(void)
{
	pthread_once(&helper_once, find_helper);
	return helper_path;
}

static int spawn_helper(const char *mode, pid_t *pid, int *to_child, int *from_child,
			char *err, size_t errsize)
{
	char *argv[] = { (char *)net_remote_helper(), (char *)mode, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dflt;
	int in[2], out[2], rc;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		snprintf(err, errsize, "Appel du téléservice impossible : %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	/* The terminal belongs to the screen: the helper's diagnostics go nowhere. */
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* Nothing else of this process (database, wake pipe) goes to the helper. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	sigemptyset(&dflt);
	posix_spawnattr_setsigmask(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	rc = strchr(argv[0], '/') ? posix_spawn(pid, argv[0], &fa, &attr, argv, environ)
				  : posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(in[0]);
	close(out[1]);
	if (rc) {
		close(in[1]);
		close(out[0]);
		snprintf(err, errsize, "Programme d'appel des téléservices (vigie-net) introuvable "
			 "ou non exécutable : %s", strerror(rc));
		return -1;
	}
	*to_child = in[1];
	*from_child = out[0];
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read the reply until EOF (or size - 1 bytes); -1 when stop() asked to give up. */
static int read_reply(int fd, char *buf, size_t size, int (*stop)(void *), void *ctx)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, 100);
		ssize_t n;

		if (stop && stop(ctx))
			return -1;
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= size - 1)
			break;
	}
	buf[len] = 0;
	return 0;
}

int net_remote_run(const char *mode, const char *request, size_t len, size_t max, char **reply,
		   int (*stop)(void *), void *stop_ctx, char *err, size_t errsize)
{
	char *buf = malloc(max + 1);
	int to, from, rc, status = 0;
	pid_t pid;

	*reply = NULL;
	if (!buf) {
		snprintf(err, errsize, "Mémoire insuffisante");
		return NET_REMOTE_FAILED;
	}
	if (spawn_helper(mode, &pid, &to, &from, err, errsize)) {
		free(buf);
		return NET_REMOTE_FAILED;
	}
	rc = write_all(to, request, len);
	close(to);
	if (rc) {
		snprintf(err, errsize, "Le programme d'appel des téléservices (vigie-net) n'a pas "
			 "lu la requête");
		rc = NET_REMOTE_FAILED;
	} else if (read_reply(from, buf, max + 1, stop, stop_ctx) < 0) {
		kill(pid, SIGKILL);
		snprintf(err, errsize, "Appel annulé");
		rc = NET_REMOTE_CANCELLED;
	}
	close(from);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc) {
		free(buf);
		return rc;
	}
	if (!buf[0])
		snprintf(err, errsize, "Le programme d'appel des téléservices (vigie-net) s'est "
			 "arrêté sans répondre%s", WIFSIGNALED(status) ? " (signal)" : "");
	*reply = buf;
	return NET_REMOTE_OK;
}

int net_remote_read_file(const char *path, long long max, void **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	char *b;
	size_t got = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size > max ||
	    !(b = malloc((size_t)sb.st_size + 1))) {
		if (fstat(fd, &sb) == 0 && sb.st_size > max)
			errno = EFBIG;
		close(fd);
		return -1;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, b + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	b[got] = 0;
	*buf = b;
	*len = got;
	return 0;
}
