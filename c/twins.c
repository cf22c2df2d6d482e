/* socklab C twins: the implementation of twins.h (one message loop per syscall family, and the
   inline-syscall floor), compiled with -O2 into the same static library as pingpong.c. */
#define _GNU_SOURCE

#include "twins.h"
#include "pingpong.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__linux__)
#define SL_HAVE_INLINE 1
/* The syscall instruction, inline: rax = number, rdi/rsi/rdx = arguments; the kernel returns
   in rax (-errno on failure) and clobbers rcx (return rip) and r11 (rflags). No call, no ret:
   nothing whose return prediction the kernel entry/exit could spoil. */
static inline long sl_syscall3(long n, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}
#else
#define SL_HAVE_INLINE 0
#endif

int sl_c_have_inline(void)
{
    return SL_HAVE_INLINE;
}

/* One send call of `call`'s kind: bytes taken, or -errno. EINTR retried. */
static inline long one_send(int call, int fd, const unsigned char *buf, size_t len,
                            const void *to, unsigned int tolen)
{
    for (;;) {
        ssize_t n;
        switch (call) {
        case SL_C_CALL_READ_WRITE:
            n = write(fd, buf, len);
            break;
        case SL_C_CALL_SEND_RECV:
            n = send(fd, buf, len, 0);
            break;
        case SL_C_CALL_SENDTO_RECVFROM:
            n = sendto(fd, buf, len, 0, (const struct sockaddr *)to, (socklen_t)tolen);
            break;
        case SL_C_CALL_SENDMSG_RECVMSG: {
            struct iovec iov = {(void *)buf, len};
            struct msghdr msg = {0};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            n = sendmsg(fd, &msg, 0);
            break;
        }
        case SL_C_CALL_INLINE: {
#if SL_HAVE_INLINE
            long r = sl_syscall3(SYS_write, fd, (long)buf, (long)len);
            if (r == -EINTR)
                continue;
            return r;
#else
            return -ENOSYS;
#endif
        }
        default:
            return -EINVAL;
        }
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

/* One receive call of `call`'s kind: bytes read (0 = EOF), or -errno. EINTR retried. */
static inline long one_recv(int call, int fd, unsigned char *buf, size_t len)
{
    for (;;) {
        ssize_t n;
        switch (call) {
        case SL_C_CALL_READ_WRITE:
            n = read(fd, buf, len);
            break;
        case SL_C_CALL_SEND_RECV:
            n = recv(fd, buf, len, 0);
            break;
        case SL_C_CALL_SENDTO_RECVFROM: {
            struct sockaddr_storage from;
            socklen_t fromlen = sizeof from;
            n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &fromlen);
            break;
        }
        case SL_C_CALL_SENDMSG_RECVMSG: {
            struct sockaddr_storage from;
            struct iovec iov = {buf, len};
            struct msghdr msg = {0};
            msg.msg_name = &from;
            msg.msg_namelen = sizeof from;
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            n = recvmsg(fd, &msg, 0);
            break;
        }
        case SL_C_CALL_INLINE: {
#if SL_HAVE_INLINE
            long r = sl_syscall3(SYS_read, fd, (long)buf, (long)len);
            if (r == -EINTR)
                continue;
            return r;
#else
            return -ENOSYS;
#endif
        }
        default:
            return -EINVAL;
        }
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
    }
}

/* Inlined into every caller below: a whole message one way. */
static inline int send_all(int call, int fd, const unsigned char *buf, size_t len,
                           int is_stream, const void *to, unsigned int tolen)
{
    size_t done = 0;
    do {
        long n = one_send(call, fd, buf + done, len - done, to, tolen);
        if (n < 0)
            return (int)n;
        done += (size_t)n;
    } while (is_stream && done < len);
    return 0;
}

static inline long recv_all(int call, int fd, unsigned char *buf, size_t len, int is_stream)
{
    if (is_stream && len == 0)
        return 0;
    size_t done = 0;
    do {
        long n = one_recv(call, fd, buf + done, len - done);
        if (n < 0)
            return n;
        if (n == 0)
            return SL_C_PEER_CLOSED;
        done += (size_t)n;
    } while (is_stream && done < len);
    return (long)done;
}

static inline int pair(int call, int tx, int rx, unsigned char *buf, size_t len, int is_stream,
                       const void *to, unsigned int tolen)
{
    int err = send_all(call, tx, buf, len, is_stream, to, tolen);
    if (err)
        return err;
    long got = recv_all(call, rx, buf, len, is_stream);
    return got < 0 ? (int)got : 0;
}

int sl_c_twin_send_msg(int call, int fd, const unsigned char *buf, size_t len, int is_stream,
                       const void *to, unsigned int tolen)
{
    return send_all(call, fd, buf, len, is_stream, to, tolen);
}

long sl_c_twin_recv_msg(int call, int fd, unsigned char *buf, size_t len, int is_stream)
{
    return recv_all(call, fd, buf, len, is_stream);
}

int sl_c_twin_pair_once(int call, int tx, int rx, unsigned char *buf, size_t len, int is_stream,
                        const void *to, unsigned int tolen)
{
    return pair(call, tx, rx, buf, len, is_stream, to, tolen);
}

long long sl_c_twin_echo(int call, int fd, unsigned char *buf, size_t cap, int is_stream,
                         const void *to, unsigned int tolen)
{
    long long echoes = 0;
    for (;;) {
        long n = one_recv(call, fd, buf, cap);
        if (n < 0)
            return n;
        if (n == 0)
            return echoes;
        int err = send_all(call, fd, buf, (size_t)n, is_stream, to, tolen);
        if (err)
            return err;
        echoes++;
    }
}

int sl_c_twin_send_stream(int call, int fd, const unsigned char *buf, size_t len, int is_stream,
                          const void *to, unsigned int tolen, long long k)
{
    for (long long i = 0; i < k; i++) {
        int err = send_all(call, fd, buf, len, is_stream, to, tolen);
        if (err)
            return err;
    }
    return 0;
}

static inline long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* a vDSO call made after the syscalls: no ret spans one */
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int sl_c_twin_pair_stamps(int call, int tx, int rx, unsigned char *buf, size_t len,
                          int is_stream, long long per, long long samples, long long *stamps)
{
    stamps[0] = now_ns();
    for (long long s = 0; s < samples; s++) {
        for (long long i = 0; i < per; i++) {
            int err = pair(call, tx, rx, buf, len, is_stream, NULL, 0);
            if (err)
                return err;
        }
        stamps[s + 1] = now_ns();
    }
    return 0;
}

struct sl_c_mmsg {
    unsigned int cap;
    size_t len;
    struct mmsghdr *tx;
    struct mmsghdr *rx;
    struct iovec *tx_iov;
    struct iovec *rx_iov;
    struct sockaddr_storage *names;
    unsigned char *tx_buf;
    unsigned char *rx_buf;
};

void sl_c_mmsg_free(struct sl_c_mmsg *m)
{
    if (!m)
        return;
    free(m->tx);
    free(m->rx);
    free(m->tx_iov);
    free(m->rx_iov);
    free(m->names);
    free(m->tx_buf);
    free(m->rx_buf);
    free(m);
}

struct sl_c_mmsg *sl_c_mmsg_new(unsigned int n, size_t len)
{
    struct sl_c_mmsg *m = calloc(1, sizeof *m);
    if (!m || n == 0)
        goto fail;
    size_t cap = len ? len : 1;
    m->cap = n;
    m->len = cap;
    m->tx = calloc(n, sizeof *m->tx);
    m->rx = calloc(n, sizeof *m->rx);
    m->tx_iov = calloc(n, sizeof *m->tx_iov);
    m->rx_iov = calloc(n, sizeof *m->rx_iov);
    m->names = calloc(n, sizeof *m->names);
    m->tx_buf = calloc(n, cap);
    m->rx_buf = calloc(n, cap);
    if (!m->tx || !m->rx || !m->tx_iov || !m->rx_iov || !m->names || !m->tx_buf || !m->rx_buf)
        goto fail;
    for (unsigned int i = 0; i < n; i++) {
        memset(m->tx_buf + i * cap, 0xA5, cap);
        m->tx_iov[i] = (struct iovec){m->tx_buf + i * cap, cap};
        m->rx_iov[i] = (struct iovec){m->rx_buf + i * cap, cap};
        m->tx[i].msg_hdr.msg_iov = &m->tx_iov[i];
        m->tx[i].msg_hdr.msg_iovlen = 1;
        m->rx[i].msg_hdr.msg_iov = &m->rx_iov[i];
        m->rx[i].msg_hdr.msg_iovlen = 1;
        m->rx[i].msg_hdr.msg_name = &m->names[i];
    }
    return m;
fail:
    sl_c_mmsg_free(m);
    return NULL;
}

int sl_c_mmsg_send(struct sl_c_mmsg *m, int fd, unsigned int n, size_t len)
{
    if (n > m->cap || len > m->len)
        return -EINVAL;
    for (unsigned int i = 0; i < n; i++)
        m->tx_iov[i].iov_len = len;
    int sent;
    do
        sent = sendmmsg(fd, m->tx, n, 0);
    while (sent < 0 && errno == EINTR);
    if (sent < 0)
        return -errno;
    return (unsigned int)sent == n ? 0 : -EIO;
}

int sl_c_mmsg_recv(struct sl_c_mmsg *m, int fd, unsigned int n)
{
    if (n > m->cap)
        return -EINVAL;
    unsigned int got = 0;
    while (got < n) {
        /* msg_namelen is in-out: reset it before every call, as socklab's MmsgBatch does. */
        for (unsigned int i = got; i < n; i++)
            m->rx[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
        int r = recvmmsg(fd, m->rx + got, n - got, 0, NULL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        got += (unsigned int)r;
    }
    return 0;
}

int sl_c_mmsg_batch(struct sl_c_mmsg *m, int tx, int rx, unsigned int n, size_t len)
{
    int err = sl_c_mmsg_send(m, tx, n, len);
    return err ? err : sl_c_mmsg_recv(m, rx, n);
}

long sl_c_mmsg_one(struct sl_c_mmsg *m, int fd, unsigned char *buf, size_t len, int receive)
{
    struct mmsghdr *h = receive ? &m->rx[0] : &m->tx[0];
    struct iovec *iov = h->msg_hdr.msg_iov;
    struct iovec keep = *iov;
    *iov = (struct iovec){buf, len};
    if (receive)
        h->msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    int r;
    do
        r = receive ? recvmmsg(fd, h, 1, 0, NULL) : sendmmsg(fd, h, 1, 0);
    while (r < 0 && errno == EINTR);
    int err = errno;
    *iov = keep;
    if (r < 0)
        return -err;
    return r == 1 ? (long)h->msg_len : -EIO;
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

/* The largest UDP payload the receive buffer takes: GRO coalesces up to one. */
#define SL_C_GSO_RX 65536

struct sl_c_gso {
    size_t size;
    unsigned int segs;
    unsigned char *tx;
    unsigned char *rx;
    /* The UDP_SEGMENT control message, built once: a cmsghdr and the u16 segment size. */
    union {
        char buf[CMSG_SPACE(sizeof(unsigned short))];
        struct cmsghdr align;
    } tx_cmsg;
    /* Room for the UDP_GRO control message (an int), as libc-gso's cmsg_space(4). */
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } rx_cmsg;
};

void sl_c_gso_free(struct sl_c_gso *g)
{
    if (!g)
        return;
    free(g->tx);
    free(g->rx);
    free(g);
}

struct sl_c_gso *sl_c_gso_new(size_t size, unsigned int segs)
{
    if (size == 0 || size > 0xffff || segs == 0)
        return NULL;
    struct sl_c_gso *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->size = size;
    g->segs = segs;
    g->tx = malloc(size * segs);
    g->rx = malloc(SL_C_GSO_RX);
    if (!g->tx || !g->rx) {
        sl_c_gso_free(g);
        return NULL;
    }
    memset(g->tx, 0xA5, size * segs);
    struct msghdr m = {0};
    m.msg_control = g->tx_cmsg.buf;
    m.msg_controllen = sizeof g->tx_cmsg.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(unsigned short));
    unsigned short seg = (unsigned short)size;
    memcpy(CMSG_DATA(c), &seg, sizeof seg);
    return g;
}

int sl_c_gso_send(struct sl_c_gso *g, int fd, long long k)
{
    struct iovec iov = {g->tx, 0};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = g->tx_cmsg.buf;
    m.msg_controllen = sizeof g->tx_cmsg.buf;
    while (k > 0) {
        unsigned int n = k < (long long)g->segs ? (unsigned int)k : g->segs;
        iov.iov_len = (size_t)n * g->size;
        if (sendmsg(fd, &m, 0) < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        k -= n;
    }
    return 0;
}

long sl_c_gso_recv(struct sl_c_gso *g, int fd, int *segment)
{
    for (;;) {
        struct iovec iov = {g->rx, SL_C_GSO_RX};
        struct msghdr m = {0};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = g->rx_cmsg.buf;
        m.msg_controllen = sizeof g->rx_cmsg.buf;
        ssize_t got = recvmsg(fd, &m, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
                c->cmsg_len >= CMSG_LEN(sizeof(int))) {
                int seg;
                memcpy(&seg, CMSG_DATA(c), sizeof seg);
                if (seg > 0) {
                    *segment = seg;
                    return (long)(((size_t)got + (size_t)seg - 1) / (size_t)seg);
                }
            }
        }
        return 1;
    }
}

long sl_c_gso_one(int fd, unsigned char *buf, size_t len, int receive)
{
    struct iovec iov = {buf, len};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    for (;;) {
        ssize_t n = receive ? recvmsg(fd, &m, 0) : sendmsg(fd, &m, 0);
        if (n >= 0)
            return (long)n;
        if (errno != EINTR)
            return -errno;
    }
}
