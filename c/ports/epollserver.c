/*
 * epollserver.c -- an echo server on epoll(7): the listening socket and every connection in
 * one epoll set, connections non-blocking and edge-triggered (read until EAGAIN)
 *
 * Written for socklab, after the usage example of epoll(7) (the man page's sketch of an
 * edge-triggered accept loop) and in the style of Beej's Guide to Network Programming's
 * pollserver.c (public domain). Released into the public domain (CC0 1.0): no rights reserved.
 *
 * Usage: epollserver [port]
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netdb.h>

#define PORT "9036"     // Port we're listening on
#define MAX_EVENTS 10

// Return a listening socket
int get_listener_socket(const char *port)
{
	int listener;     // Listening socket descriptor
	int yes = 1;      // For setsockopt() SO_REUSEADDR, below
	int rv;
	struct addrinfo hints, *ai, *p;

	// Get us a socket and bind it
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rv = getaddrinfo(NULL, port, &hints, &ai)) != 0) {
		fprintf(stderr, "epollserver: %s\n", gai_strerror(rv));
		exit(1);
	}

	for (p = ai; p != NULL; p = p->ai_next) {
		listener = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
		if (listener < 0) {
			continue;
		}

		// Lose the pesky "address already in use" error message
		setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(int));

		if (bind(listener, p->ai_addr, p->ai_addrlen) < 0) {
			close(listener);
			continue;
		}

		break;
	}

	freeaddrinfo(ai); // All done with this

	// If we got here, it means we didn't get bound
	if (p == NULL) {
		return -1;
	}

	// Listen
	if (listen(listener, 10) == -1) {
		return -1;
	}

	return listener;
}

// Put fd in non-blocking mode, as an edge-triggered epoll needs
int setnonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags == -1)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int main(int argc, char *argv[])
{
	struct epoll_event ev, events[MAX_EVENTS];
	int listener, conn_sock, nfds, epollfd;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char buf[256];

	listener = get_listener_socket(argc > 1 ? argv[1] : PORT);
	if (listener == -1) {
		fprintf(stderr, "error getting listening socket\n");
		exit(1);
	}

	epollfd = epoll_create1(0);
	if (epollfd == -1) {
		perror("epoll_create1");
		exit(1);
	}

	ev.events = EPOLLIN;
	ev.data.fd = listener;
	if (epoll_ctl(epollfd, EPOLL_CTL_ADD, listener, &ev) == -1) {
		perror("epoll_ctl: listener");
		exit(1);
	}

	for (;;) {
		nfds = epoll_wait(epollfd, events, MAX_EVENTS, -1);
		if (nfds == -1) {
			perror("epoll_wait");
			exit(1);
		}

		for (int n = 0; n < nfds; ++n) {
			if (events[n].data.fd == listener) {
				addrlen = sizeof addr;
				conn_sock = accept(listener, (struct sockaddr *)&addr, &addrlen);
				if (conn_sock == -1) {
					perror("accept");
					continue;
				}
				setnonblocking(conn_sock);
				ev.events = EPOLLIN | EPOLLET;
				ev.data.fd = conn_sock;
				if (epoll_ctl(epollfd, EPOLL_CTL_ADD, conn_sock, &ev) == -1) {
					perror("epoll_ctl: conn_sock");
					exit(1);
				}
				printf("epollserver: new connection on socket %d\n", conn_sock);
			} else {
				int fd = events[n].data.fd;
				for (;;) { // edge-triggered: read until there is nothing left
					ssize_t count = read(fd, buf, sizeof buf);
					if (count == -1) {
						if (errno != EAGAIN) {
							perror("read");
							close(fd);
						}
						break;
					}
					if (count == 0) {
						printf("epollserver: socket %d hung up\n", fd);
						close(fd); // also removes it from the epoll set
						break;
					}
					if (write(fd, buf, count) == -1) {
						perror("write");
					}
				}
			}
		}
	}
}
