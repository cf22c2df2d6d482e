/*
 * passfd.c -- a server that hands each connection to a worker process: it accepts one, passes
 * the connected socket over a Unix socket pair with SCM_RIGHTS, and the worker serves it
 *
 * Written for socklab, after the SCM_RIGHTS examples of cmsg(3) and unix(7) (send and receive
 * one fd in ancillary data) and in the style of the example programs of Beej's Guide to
 * Network Programming (public domain). Released into the public domain (CC0 1.0): no rights
 * reserved.
 *
 * Usage: passfd [port]
 * The worker echoes the first message it receives on the passed socket; the server waits for
 * the worker and exits.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#define PORT 9037

// Send fd over the Unix socket sock, with one byte of data
int send_fd(int sock, int fd)
{
	struct msghdr msg;
	struct iovec iov;
	char byte = 'F';
	union { // ancillary data buffer, aligned for a cmsghdr
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct cmsghdr *cmsg;

	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_name = NULL;
	msg.msg_namelen = 0;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;

	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

	return sendmsg(sock, &msg, 0) == -1 ? -1 : 0;
}

// Receive an fd sent by send_fd over sock: the fd, or -1
int recv_fd(int sock)
{
	struct msghdr msg = {0};
	struct iovec iov;
	char byte;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct cmsghdr *cmsg;
	int fd;

	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;

	if (recvmsg(sock, &msg, 0) <= 0)
		return -1;

	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg == NULL || cmsg->cmsg_len != CMSG_LEN(sizeof(int)) ||
	    cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

// The worker: receives a connection, echoes its first message, exits
void worker(int sock)
{
	char buf[256];
	ssize_t n;
	int fd = recv_fd(sock);

	close(sock);
	if (fd == -1) {
		fprintf(stderr, "passfd: worker: no fd received\n");
		exit(1);
	}

	if ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
		printf("passfd: worker got %.*s", (int)n, buf);
		if (send(fd, buf, n, 0) == -1)
			perror("send");
	}

	close(fd);
	exit(0);
}

int main(int argc, char *argv[])
{
	int sv[2], listener, conn, status;
	int yes = 1;
	struct sockaddr_in addr;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		perror("socketpair");
		exit(1);
	}

	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) { // the worker
		close(sv[0]);
		worker(sv[1]);
	}
	close(sv[1]);

	listener = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(int));
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons(argc > 1 ? atoi(argv[1]) : PORT);
	if (bind(listener, (struct sockaddr *)&addr, sizeof addr) == -1) {
		perror("bind");
		exit(1);
	}
	if (listen(listener, 10) == -1) {
		perror("listen");
		exit(1);
	}
	printf("passfd: waiting for a connection\n");

	if ((conn = accept(listener, NULL, NULL)) == -1) {
		perror("accept");
		exit(1);
	}
	if (send_fd(sv[0], conn) == -1)
		perror("sendmsg");
	close(conn); // the worker has its own copy now
	close(sv[0]);

	if (waitpid(pid, &status, 0) == -1) {
		perror("waitpid");
		exit(1);
	}
	printf("passfd: worker exited with %d\n", WEXITSTATUS(status));

	close(listener);

	return 0;
}
