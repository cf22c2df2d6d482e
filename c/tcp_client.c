/* socklab C reference TCP client: `tcp_client PORT MESSAGE` connects to 127.0.0.1:PORT, writes
   MESSAGE, shuts down its write side, then copies whatever the server replies to stdout. */
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
    size_t len = strlen(msg);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("connect");
    /* A stream write may be partial: loop until every byte is queued. */
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, msg + done, len - done);
        if (n < 0)
            die("write");
        done += (size_t)n;
    }
    /* FIN tells the server the message is complete; its reply (if any) still arrives. */
    if (shutdown(fd, SHUT_WR) < 0)
        die("shutdown");
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    if (n < 0)
        die("read");
    if (close(fd) < 0)
        die("close");
    return 0;
}
