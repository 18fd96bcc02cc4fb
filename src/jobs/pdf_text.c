/* Text of a PDF through pdftotext (poppler-utils), run as a child process with a time limit. */
#include "jobs/pdf_text.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PDF_TEXT_MAX (4 * 1024 * 1024)
#define PDF_TEXT_SECONDS 15

static int spawn(const char *path, pid_t *pid, int *out, char *err, size_t errsize)
{
	char *argv[] = { (char *)"pdftotext", (char *)"-q", (char *)"-enc", (char *)"UTF-8",
			 (char *)"-layout", (char *)path, (char *)"-", NULL };
	posix_spawn_file_actions_t fa;
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, errsize, "Extraction du texte impossible : %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = posix_spawnp(pid, "pdftotext", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc) {
		close(p[0]);
		snprintf(err, errsize, rc == ENOENT
			 ? "pdftotext n'est pas installé (paquet poppler-utils) : le texte du PDF "
			   "ne peut pas être affiché ici"
			 : "pdftotext ne peut pas être lancé : %s", strerror(rc));
		return -1;
	}
	*out = p[0];
	return 0;
}

int pdf_text_extract(const char *path, char **text, char *err, size_t errsize)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	time_t start = time(NULL);
	int fd, status = 0, killed = 0;
	pid_t pid;

	*text = NULL;
	if (!buf) {
		snprintf(err, errsize, "Mémoire insuffisante");
		return -1;
	}
	if (spawn(path, &pid, &fd, err, errsize)) {
		free(buf);
		return -1;
	}
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;
		if (time(NULL) - start > PDF_TEXT_SECONDS || len >= PDF_TEXT_MAX) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (poll(&p, 1, 200) <= 0)
			continue;
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = 0;
	if (killed || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errsize, killed ? "Le PDF est trop long ou trop lent à lire : texte "
				       "non extrait"
					: "PDF illisible : pdftotext n'a pas pu en extraire le texte");
		free(buf);
		return -1;
	}
	*text = buf;
	return 0;
}
