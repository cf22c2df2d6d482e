/*
 * selectclient.c -- a stream client that multiplexes stdin and its socket with select(2)
 *
 * Written for socklab, in the style of the example programs of Beej's Guide to Network
 * Programming (client.c, select.c; public domain) and of select_tut(2). Released into the
 * public domain (CC0 1.0): no rights reserved.
 *
 * Usage: selectclient host port
 * What is read from stdin goes to the server; what the server sends is printed. At the end of
 * stdin the write side is shut down; the client exits when the server closes the connection.
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <netdb.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>

#define MAXDATASIZE 256 // max number of bytes we can get at once

int main(int argc, char *argv[])
{
	int sockfd, rv;
	int stdin_open = 1; // until read() returns 0
	struct addrinfo hints, *servinfo, *p;
	char buf[MAXDATASIZE];
	fd_set readfds;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: selectclient host port\n");
		exit(1);
	}

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;

	if ((rv = getaddrinfo(argv[1], argv[2], &hints, &servinfo)) != 0) {
		fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(rv));
		return 1;
	}

	// loop through all the results and connect to the first we can
	for (p = servinfo; p != NULL; p = p->ai_next) {
		if ((sockfd = socket(p->ai_family, p->ai_socktype, p->ai_protocol)) == -1) {
			perror("selectclient: socket");
			continue;
		}
		if (connect(sockfd, p->ai_addr, p->ai_addrlen) == -1) {
			perror("selectclient: connect");
			close(sockfd);
			continue;
		}
		break;
	}

	if (p == NULL) {
		fprintf(stderr, "selectclient: failed to connect\n");
		return 2;
	}

	freeaddrinfo(servinfo); // all done with this structure

	printf("selectclient: connected\n");

	for (;;) {
		FD_ZERO(&readfds);
		if (stdin_open)
			FD_SET(STDIN_FILENO, &readfds);
		FD_SET(sockfd, &readfds);

		if (select(sockfd + 1, &readfds, NULL, NULL, NULL) == -1) {
			perror("select");
			exit(1);
		}

		if (FD_ISSET(sockfd, &readfds)) { // the server sent something
			if ((n = recv(sockfd, buf, sizeof buf, 0)) == -1) {
				perror("recv");
				exit(1);
			}
			if (n == 0) {
				printf("selectclient: server closed the connection\n");
				break;
			}
			fwrite(buf, 1, n, stdout);
		}

		if (stdin_open && FD_ISSET(STDIN_FILENO, &readfds)) { // input to send
			if ((n = read(STDIN_FILENO, buf, sizeof buf)) == -1) {
				perror("read");
				exit(1);
			}
			if (n == 0) { // end of input: no more to send
				shutdown(sockfd, SHUT_WR);
				stdin_open = 0;
			} else if (send(sockfd, buf, n, 0) == -1) {
				perror("send");
				exit(1);
			}
		}
	}

	close(sockfd);

	return 0;
}
