/* What a C program prints for a resolver error that is EAI_SYSTEM: getnameinfo(3) with
 * NI_NAMEREQD when no fd can be opened (RLIMIT_NOFILE 0: glibc cannot read /etc/hosts), then
 * the line C code prints for it, `fprintf(stderr, "getnameinfo: %s\n", gai_strerror(rv))`,
 * written to stdout here, and the errno on a line of its own. The tests compare it with
 * socklab's Error::perror_line for the same call (tests/sys/netdb.rs). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

int main(void)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(3490);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    struct rlimit old;
    getrlimit(RLIMIT_NOFILE, &old);
    struct rlimit none = {0, old.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &none) != 0) {
        perror("setrlimit");
        return 2;
    }
    int rv = getnameinfo((struct sockaddr *)&a, sizeof a, host, sizeof host, serv, sizeof serv,
                         NI_NAMEREQD);
    int saved = errno;
    setrlimit(RLIMIT_NOFILE, &old);
    if (rv == 0) {
        printf("resolved: %s\n", host);
        return 1;
    }
    printf("getnameinfo: %s\n", gai_strerror(rv));
    printf("rv %d errno %d\n", rv, rv == EAI_SYSTEM ? saved : 0);
    return 0;
}
