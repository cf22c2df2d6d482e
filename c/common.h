/* socklab C reference programs: the helpers shared by tcp_client.c, udp_server.c, udp_client.c.
   Header-only (static functions) so each program stays one translation unit. */
#ifndef SOCKLAB_C_COMMON_H
#define SOCKLAB_C_COMMON_H

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* perror(what) and exit(1): every failed call in the reference programs ends here. */
static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Parse a decimal port 0..65535; anything else prints a one-line usage error and exits 2. */
static unsigned short parse_port(const char *prog, const char *text)
{
    char *end = NULL;
    errno = 0;
    long port = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "%s: invalid port '%s' (expected 0..65535)\n", prog, text);
        exit(2);
    }
    return (unsigned short)port;
}

/* 127.0.0.1:port as a zeroed sockaddr_in (sin_zero cleared, unlike the seed). */
static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
}

#endif
