/* tcpcut: a TCP relay for the tests that drops a connection in the middle of an answer.
 * Usage: tcpcut LISTEN_PORT_FILE TARGET_PORT CUT_AFTER_BYTES
 * Listens on 127.0.0.1 (a free port, written to LISTEN_PORT_FILE), relays each connection to
 * 127.0.0.1:TARGET_PORT both ways, and closes both sides of a connection once CUT_AFTER_BYTES
 * bytes came from the server (0: never). Runs until killed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PAIRS 16

struct pair {
	int client, server;
	long long from_server;
};

static struct pair pairs[MAX_PAIRS];
static size_t n_pairs;

static int connect_target(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void drop(size_t i)
{
	close(pairs[i].client);
	close(pairs[i].server);
	pairs[i] = pairs[--n_pairs];
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
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

/* Relays what from has to say; 1 when the pair must be closed. */
static int relay(struct pair *p, int from_server, long long cut)
{
	char buf[16384];
	ssize_t n = read(from_server ? p->server : p->client, buf, sizeof buf);
	int cutting = 0;

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return 1;
	if (from_server && cut > 0 && p->from_server + n >= cut) {
		n = (ssize_t)(cut - p->from_server);
		cutting = 1;
	}
	if (from_server)
		p->from_server += n;
	if (n > 0 && write_all(from_server ? p->client : p->server, buf, (size_t)n))
		return 1;
	return cutting;
}

static int write_port_file(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", port);
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	long long cut;
	int lfd, target;

	if (argc != 4) {
		fprintf(stderr, "Usage : tcpcut FICHIER_PORT PORT_CIBLE COUPURE_APRES_OCTETS\n");
		return 2;
	}
	target = atoi(argv[2]);
	cut = atoll(argv[3]);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 8) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) ||
	    write_port_file(argv[1], ntohs(a.sin_port))) {
		perror("tcpcut");
		return 1;
	}
	for (;;) {
		struct pollfd p[1 + 2 * MAX_PAIRS];
		size_t np = 1;

		p[0].fd = lfd;
		p[0].events = n_pairs < MAX_PAIRS ? POLLIN : 0;
		for (size_t i = 0; i < n_pairs; i++) {
			p[np].fd = pairs[i].client;
			p[np++].events = POLLIN;
			p[np].fd = pairs[i].server;
			p[np++].events = POLLIN;
		}
		if (poll(p, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("tcpcut");
			return 1;
		}
		/* Backwards: drop() moves the last pair into the dropped one's place. */
		for (size_t i = n_pairs; i-- > 0;) {
			short ce = p[1 + 2 * i].revents, se = p[2 + 2 * i].revents;
			int done = 0;

			if (se & (POLLIN | POLLHUP | POLLERR))
				done = relay(&pairs[i], 1, cut);
			if (!done && (ce & (POLLIN | POLLHUP | POLLERR)))
				done = relay(&pairs[i], 0, cut);
			if (done)
				drop(i);
		}
		if (p[0].revents & POLLIN) {
			int c = accept(lfd, NULL, NULL), s;

			if (c < 0)
				continue;
			s = connect_target(target);
			if (s < 0) {
				close(c);
				continue;
			}
			pairs[n_pairs].client = c;
			pairs[n_pairs].server = s;
			pairs[n_pairs].from_server = 0;
			n_pairs++;
		}
	}
}
