/*
 * connecttimeout.c -- connect(2) with a timeout: a non-blocking connect, poll(2) for
 * writability, then SO_ERROR for the outcome
 *
 * Written for socklab, after the non-blocking connect that connect(2) describes (EINPROGRESS:
 * "select(2) or poll(2) for completion ... then getsockopt(2) to read the SO_ERROR option") and
 * in the style of the example programs of Beej's Guide to Network Programming (public domain).
 * Released into the public domain (CC0 1.0): no rights reserved.
 *
 * Usage: connecttimeout host port timeout_ms
 * Connects within timeout_ms, sends one line and exits 0; exits 2 when no address connects.
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <netdb.h>
#include <sys/types.h>
#include <sys/socket.h>

// connect sockfd to addr within timeout_ms: 0, or -1 with errno set (ETIMEDOUT on timeout)
int connect_timeout(int sockfd, const struct sockaddr *addr, socklen_t addrlen, int timeout_ms)
{
	int flags, rv, err;
	socklen_t len = sizeof err;
	struct pollfd pfd;

	if ((flags = fcntl(sockfd, F_GETFL)) == -1)
		return -1;
	if (fcntl(sockfd, F_SETFL, flags | O_NONBLOCK) == -1)
		return -1;

	rv = connect(sockfd, addr, addrlen);
	if (rv == -1 && errno != EINPROGRESS)
		return -1;

	if (rv == -1) { // in progress: wait until the socket is writable
		pfd.fd = sockfd;
		pfd.events = POLLOUT;
		if ((rv = poll(&pfd, 1, timeout_ms)) == -1)
			return -1;
		if (rv == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (getsockopt(sockfd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			return -1;
		if (err != 0) { // the connect failed: its error
			errno = err;
			return -1;
		}
	}

	if (fcntl(sockfd, F_SETFL, flags) == -1) // blocking again
		return -1;
	return 0;
}

int main(int argc, char *argv[])
{
	int sockfd, rv;
	struct addrinfo hints, *servinfo, *p;

	if (argc != 4) {
		fprintf(stderr, "usage: connecttimeout host port timeout_ms\n");
		exit(1);
	}

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;

	if ((rv = getaddrinfo(argv[1], argv[2], &hints, &servinfo)) != 0) {
		fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rv));
		return 1;
	}

	for (p = servinfo; p != NULL; p = p->ai_next) {
		if ((sockfd = socket(p->ai_family, p->ai_socktype, p->ai_protocol)) == -1) {
			perror("connecttimeout: socket");
			continue;
		}
		if (connect_timeout(sockfd, p->ai_addr, p->ai_addrlen, atoi(argv[3])) == -1) {
			perror("connecttimeout: connect");
			close(sockfd);
			continue;
		}
		break;
	}

	freeaddrinfo(servinfo); // all done with this structure

	if (p == NULL) {
		fprintf(stderr, "connecttimeout: failed to connect\n");
		return 2;
	}

	printf("connecttimeout: connected\n");

	if (send(sockfd, "hello\n", 6, 0) == -1)
		perror("send");

	close(sockfd);

	return 0;
}
