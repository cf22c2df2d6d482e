/* socklab C reference UDP client: `udp_client PORT MESSAGE` sends MESSAGE to 127.0.0.1:PORT in
   one datagram, waits for one reply datagram and prints it followed by a newline. */
#include "common.h"

#include <unistd.h>

int main(int argc, char *argv[])
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT MESSAGE\n", argv[0]);
        return 2;
    }
    struct sockaddr_in addr = loopback(parse_port(argv[0], argv[1]));
    const char *msg = argv[2];

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("sendto");
    /* 65507 = the largest UDP/IPv4 payload, so no reply is truncated. */
    static char reply[65507];
    ssize_t n = recvfrom(fd, reply, sizeof reply, 0, NULL, NULL);
    if (n < 0)
        die("recvfrom");
    printf("%.*s\n", (int)n, reply);
    if (close(fd) < 0)
        die("close");
    return 0;
}
