/* socklab C reference UDP server: a C mirror of the seed's udp_server.py (bind 127.0.0.1:PORT,
   default 9090, one recvfrom of 1024 bytes, print it like Python's f-string, reply, close). */
#include "common.h"

#include <arpa/inet.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    if (argc > 2) {
        fprintf(stderr, "usage: %s [PORT]\n", argv[0]);
        return 2;
    }
    /* Python's bind(('localhost', 9090)) resolves localhost to 127.0.0.1. */
    struct sockaddr_in addr = loopback(argc > 1 ? parse_port(argv[0], argv[1]) : 9090);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("bind");

    /* Flushed (Python's print to a pipe would not be) so a caller can read this line as
       "bound, ready": a datagram sent before bind() would be dropped. */
    printf("UDP 서버 대기 중...\n");
    fflush(stdout);

    char data[1024];
    struct sockaddr_in peer;
    socklen_t peer_len = sizeof peer;
    ssize_t n = recvfrom(fd, data, sizeof data, 0, (struct sockaddr *)&peer, &peer_len);
    if (n < 0)
        die("recvfrom");

    /* f"{addr}" prints the (host, port) tuple: ('127.0.0.1', 54321). Printed with its length:
       the datagram is not NUL-terminated (the C++ seed's bug is not reproduced here). */
    char host[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &peer.sin_addr, host, sizeof host) == NULL)
        die("inet_ntop");
    printf("받은 데이터: %.*s, 보낸 주소: ('%s', %u)\n", (int)n, data, host,
           (unsigned)ntohs(peer.sin_port));
    fflush(stdout);

    static const char reply[] = "응답 메시지";
    if (sendto(fd, reply, sizeof reply - 1, 0, (struct sockaddr *)&peer, peer_len) < 0)
        die("sendto");
    if (close(fd) < 0)
        die("close");
    return 0;
}
