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
#include <sys/epoll.h>
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

/* ---- c-epoll: the twin of libc-epoll (and of mio and tokio) ---- */

#define SL_C_EPOLL_EVENTS 8
#define SL_C_EPOLL_WAIT_MS (-1) /* no timeout: why in src/compare/paths/epoll.rs */
#define SL_C_EPOLL_READ ((unsigned int)(EPOLLIN | EPOLLRDHUP | EPOLLET))

/* Waits until the set reports `want` (or the peer's shutdown, an error, a hang-up): 0 or
   -errno. */
static int ep_wait(int ep, unsigned int want)
{
    struct epoll_event ev[SL_C_EPOLL_EVENTS];
    unsigned int any = want | EPOLLRDHUP | EPOLLERR | EPOLLHUP;
    for (;;) {
        int n = epoll_wait(ep, ev, SL_C_EPOLL_EVENTS, SL_C_EPOLL_WAIT_MS);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (int i = 0; i < n; i++)
            if (ev[i].events & any)
                return 0;
    }
}

/* A send found the buffer full: watch for output too while it waits, then stop. */
static int ep_writable(int fd, int ep)
{
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    e.events = SL_C_EPOLL_READ | EPOLLOUT;
    e.data.u64 = (unsigned long long)fd;
    if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e) < 0)
        return -errno;
    int waited = ep_wait(ep, EPOLLOUT);
    e.events = SL_C_EPOLL_READ;
    if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e) < 0)
        return -errno;
    return waited;
}

static inline long ep_send(int fd, int ep, const unsigned char *buf, size_t len)
{
    for (;;) {
        ssize_t n = send(fd, buf, len, MSG_DONTWAIT);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -errno;
        int err = ep_writable(fd, ep);
        if (err)
            return err;
    }
}

static inline long ep_recv(int fd, int ep, unsigned char *buf, size_t len)
{
    for (;;) {
        ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -errno;
        int err = ep_wait(ep, EPOLLIN);
        if (err)
            return err;
    }
}

static inline int ep_send_all(int fd, int ep, const unsigned char *buf, size_t len, int is_stream)
{
    size_t done = 0;
    do {
        long n = ep_send(fd, ep, buf + done, len - done);
        if (n < 0)
            return (int)n;
        done += (size_t)n;
    } while (is_stream && done < len);
    return 0;
}

static inline long ep_recv_all(int fd, int ep, unsigned char *buf, size_t len, int is_stream)
{
    if (is_stream && len == 0)
        return 0;
    size_t done = 0;
    do {
        long n = ep_recv(fd, ep, buf + done, len - done);
        if (n < 0)
            return n;
        if (n == 0)
            return SL_C_PEER_CLOSED;
        done += (size_t)n;
    } while (is_stream && done < len);
    return (long)done;
}

int sl_c_epoll_send_msg(int fd, int ep, const unsigned char *buf, size_t len, int is_stream)
{
    return ep_send_all(fd, ep, buf, len, is_stream);
}

long sl_c_epoll_recv_msg(int fd, int ep, unsigned char *buf, size_t len, int is_stream)
{
    return ep_recv_all(fd, ep, buf, len, is_stream);
}

int sl_c_epoll_pair_once(int tx, int tx_ep, int rx, int rx_ep, unsigned char *buf, size_t len,
                         int is_stream)
{
    int err = ep_send_all(tx, tx_ep, buf, len, is_stream);
    if (err)
        return err;
    long got = ep_recv_all(rx, rx_ep, buf, len, is_stream);
    return got < 0 ? (int)got : 0;
}

long long sl_c_epoll_echo(int fd, int ep, unsigned char *buf, size_t cap, int is_stream)
{
    long long echoes = 0;
    for (;;) {
        long n = ep_recv(fd, ep, buf, cap);
        if (n < 0)
            return n;
        if (n == 0)
            return echoes;
        int err = ep_send_all(fd, ep, buf, (size_t)n, is_stream);
        if (err)
            return err;
        echoes++;
    }
}

/* ---- c-io-uring, c-io-uring-batch: the twins of the io-uring paths, raw syscalls ---- */

#if defined(__linux__) && defined(__has_include)
#if __has_include(<linux/io_uring.h>)
#include <linux/io_uring.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#define SL_HAVE_URING 1
#endif
#endif
#ifndef SL_HAVE_URING
#define SL_HAVE_URING 0
#endif

#if SL_HAVE_URING

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif

struct sl_c_uring {
    int fd;
    unsigned int entries;
    unsigned int *sq_head, *sq_tail, *sq_mask;
    unsigned int *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *sq_ring, *cq_ring;
    size_t sq_ring_len, cq_ring_len, sqes_len;
    /* Our SQ tail, published by each enter. */
    unsigned int tail;
    /* Per op of the current call (user_data = index): its result. */
    long long *res;
};

void sl_c_uring_free(struct sl_c_uring *r)
{
    if (!r)
        return;
    if (r->sqes)
        munmap(r->sqes, r->sqes_len);
    if (r->cq_ring && r->cq_ring != r->sq_ring)
        munmap(r->cq_ring, r->cq_ring_len);
    if (r->sq_ring)
        munmap(r->sq_ring, r->sq_ring_len);
    if (r->fd >= 0)
        close(r->fd);
    free(r->res);
    free(r);
}

static void *ring_map(int fd, size_t len, long long off)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, off);
    return p == MAP_FAILED ? NULL : p;
}

int sl_c_uring_new(unsigned int entries, unsigned int flags, struct sl_c_uring **out)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = flags;
    int fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (fd < 0)
        return -errno;
    struct sl_c_uring *r = calloc(1, sizeof *r);
    if (!r) {
        close(fd);
        return -ENOMEM;
    }
    r->fd = fd;
    r->entries = p.sq_entries;
    r->sq_ring_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
    r->cq_ring_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) {
        if (r->cq_ring_len > r->sq_ring_len)
            r->sq_ring_len = r->cq_ring_len;
        r->cq_ring_len = r->sq_ring_len;
    }
    r->sq_ring = ring_map(fd, r->sq_ring_len, IORING_OFF_SQ_RING);
    if (!r->sq_ring)
        goto fail;
    r->cq_ring = single ? r->sq_ring : ring_map(fd, r->cq_ring_len, IORING_OFF_CQ_RING);
    if (!r->cq_ring)
        goto fail;
    r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
    r->sqes = ring_map(fd, r->sqes_len, IORING_OFF_SQES);
    if (!r->sqes)
        goto fail;
    r->res = calloc(p.sq_entries, sizeof *r->res);
    if (!r->res) {
        errno = ENOMEM;
        goto fail;
    }
    char *sq = r->sq_ring, *cq = r->cq_ring;
    r->sq_head = (unsigned int *)(sq + p.sq_off.head);
    r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
    unsigned int *array = (unsigned int *)(sq + p.sq_off.array);
    for (unsigned int i = 0; i < p.sq_entries; i++)
        array[i] = i; /* the SQ array as an identity map, as the io-uring crate sets it up */
    r->cq_head = (unsigned int *)(cq + p.cq_off.head);
    r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    r->tail = *r->sq_tail;
    *out = r;
    return 0;
fail:;
    int err = -errno;
    sl_c_uring_free(r);
    return err;
}

/* Queues one SQE. */
static inline void put(struct sl_c_uring *r, __u8 op, int fd, const void *addr, size_t len,
                       __u8 sqe_flags, __u64 data)
{
    struct io_uring_sqe *s = &r->sqes[r->tail & *r->sq_mask];
    memset(s, 0, sizeof *s);
    s->opcode = op;
    s->flags = sqe_flags;
    s->fd = fd;
    s->addr = (__u64)(uintptr_t)addr;
    s->len = (__u32)len;
    s->user_data = data;
    r->tail++;
}

/* io_uring_enter: submits what is queued and waits for `want` completions, no timeout (as the
   io-uring crate's submit_and_wait: no signal mask, its size passed as sizeof(sigset_t)).
   Returns what the kernel returns (the SQEs submitted, or 0) or -errno. */
static inline int enter(struct sl_c_uring *r, unsigned int want)
{
    __atomic_store_n(r->sq_tail, r->tail, __ATOMIC_RELEASE);
    unsigned int submit = r->tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
    unsigned int flags = want ? IORING_ENTER_GETEVENTS : 0;
    long ret = syscall(__NR_io_uring_enter, r->fd, submit, want, flags, NULL, sizeof(sigset_t));
    return ret < 0 ? -errno : (int)ret;
}

/* Takes the completions there are: each op's result by its index. Returns how many. */
static inline unsigned int reap(struct sl_c_uring *r)
{
    unsigned int head = *r->cq_head;
    unsigned int tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    unsigned int n = tail - head;
    for (; head != tail; head++) {
        const struct io_uring_cqe *c = &r->cqes[head & *r->cq_mask];
        if (c->user_data < r->entries)
            r->res[c->user_data] = c->res;
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
    return n;
}

/* Submits the n ops queued (user_data 0..n-1) and waits for every completion (EINTR: again,
   submitting nothing). An enter failing otherwise (no such error is known for these arguments)
   returns SL_C_URING_STRANDED: ops may still be out. */
static int complete(struct sl_c_uring *r, unsigned int n)
{
    unsigned int got = 0;
    for (;;) {
        got += reap(r);
        if (got >= n)
            return 0;
        int ret = enter(r, n - got);
        if (ret >= 0 || ret == -EINTR)
            continue;
        return SL_C_URING_STRANDED;
    }
}

static long uring_one(struct sl_c_uring *r, __u8 op, int fd, const unsigned char *buf,
                      size_t len)
{
    put(r, op, fd, buf, len, 0, 0);
    int err = complete(r, 1);
    return err ? err : (long)r->res[0];
}

static int uring_send_all(struct sl_c_uring *r, int fd, const unsigned char *buf, size_t len,
                          int is_stream)
{
    size_t done = 0;
    do {
        long n = uring_one(r, IORING_OP_SEND, fd, buf + done, len - done);
        if (n < 0)
            return (int)n;
        done += (size_t)n;
    } while (is_stream && done < len);
    return 0;
}

static long uring_recv_all(struct sl_c_uring *r, int fd, unsigned char *buf, size_t len,
                           int is_stream)
{
    if (is_stream && len == 0)
        return 0;
    size_t done = 0;
    do {
        long n = uring_one(r, IORING_OP_RECV, fd, buf + done, len - done);
        if (n < 0)
            return n;
        if (n == 0)
            return SL_C_PEER_CLOSED;
        done += (size_t)n;
    } while (is_stream && done < len);
    return (long)done;
}

int sl_c_uring_send_msg(struct sl_c_uring *r, int fd, const unsigned char *buf, size_t len,
                        int is_stream)
{
    return uring_send_all(r, fd, buf, len, is_stream);
}

long sl_c_uring_recv_msg(struct sl_c_uring *r, int fd, unsigned char *buf, size_t len,
                         int is_stream)
{
    return uring_recv_all(r, fd, buf, len, is_stream);
}

int sl_c_uring_pair_once(struct sl_c_uring *r, int tx, int rx, unsigned char *buf, size_t len,
                         int is_stream)
{
    put(r, IORING_OP_SEND, tx, buf, len, IOSQE_IO_LINK, 0);
    put(r, IORING_OP_RECV, rx, buf, len, 0, 1);
    int err = complete(r, 2);
    if (err)
        return err;
    long long sent = r->res[0], got = r->res[1];
    if (sent < 0)
        return (int)sent;
    if (got < 0)
        return (int)got;
    /* Zero bytes back: the end of a stream, or an empty datagram (an echo that ended). */
    if (got == 0 && len > 0)
        return SL_C_PEER_CLOSED;
    if (!is_stream)
        return 0;
    /* A stream's rest: the RECV wrote no further than the SEND had sent. */
    if ((size_t)sent < len) {
        err = uring_send_all(r, tx, buf + sent, len - (size_t)sent, 1);
        if (err)
            return err;
    }
    if ((size_t)got < len) {
        long n = uring_recv_all(r, rx, buf + got, len - (size_t)got, 1);
        if (n < 0)
            return (int)n;
    }
    return 0;
}

long long sl_c_uring_echo(struct sl_c_uring *r, int fd, unsigned char *buf,
                          unsigned char *spare, size_t cap, int is_stream)
{
    long long echoes = 0;
    unsigned char *cur = buf, *next = spare;
    long n = uring_one(r, IORING_OP_RECV, fd, cur, cap);
    for (;;) {
        if (n <= 0)
            return n < 0 ? n : echoes;
        put(r, IORING_OP_SEND, fd, cur, (size_t)n, IOSQE_IO_LINK, 0);
        put(r, IORING_OP_RECV, fd, next, cap, 0, 1);
        int err = complete(r, 2);
        if (err)
            return err;
        long long sent = r->res[0], got = r->res[1];
        if (sent < 0)
            return sent;
        if (is_stream && sent < n) {
            err = uring_send_all(r, fd, cur + sent, (size_t)(n - sent), 1);
            if (err)
                return err;
        }
        echoes++;
        n = (long)got;
        unsigned char *t = cur;
        cur = next;
        next = t;
    }
}

int sl_c_uring_batch(struct sl_c_uring *r, int tx, int rx, const unsigned char *buf, size_t len,
                     unsigned char *rx_bufs, unsigned int n)
{
    if (n == 0 || n > r->entries / 2)
        return -EINVAL;
    for (unsigned int i = 0; i < n; i++) {
        put(r, IORING_OP_SEND, tx, buf, len, IOSQE_IO_LINK, 2ULL * i);
        put(r, IORING_OP_RECV, rx, rx_bufs + (size_t)i * len, len, 0, 2ULL * i + 1);
    }
    int err = complete(r, 2 * n);
    if (err)
        return err;
    for (unsigned int i = 0; i < 2 * n; i++)
        if (r->res[i] < 0)
            return (int)r->res[i];
    for (unsigned int i = 0; i < n; i++)
        if (r->res[2 * i] != (long long)len)
            return -EIO;
    return 0;
}

#else /* no <linux/io_uring.h>: every call says so */

struct sl_c_uring {
    int unused;
};
int sl_c_uring_new(unsigned int entries, unsigned int flags, struct sl_c_uring **out)
{
    (void)entries;
    (void)flags;
    (void)out;
    return -ENOSYS;
}
void sl_c_uring_free(struct sl_c_uring *r)
{
    (void)r;
}
int sl_c_uring_send_msg(struct sl_c_uring *r, int fd, const unsigned char *buf, size_t len,
                        int is_stream)
{
    (void)r, (void)fd, (void)buf, (void)len, (void)is_stream;
    return -ENOSYS;
}
long sl_c_uring_recv_msg(struct sl_c_uring *r, int fd, unsigned char *buf, size_t len,
                         int is_stream)
{
    (void)r, (void)fd, (void)buf, (void)len, (void)is_stream;
    return -ENOSYS;
}
int sl_c_uring_pair_once(struct sl_c_uring *r, int tx, int rx, unsigned char *buf, size_t len,
                         int is_stream)
{
    (void)r, (void)tx, (void)rx, (void)buf, (void)len, (void)is_stream;
    return -ENOSYS;
}
long long sl_c_uring_echo(struct sl_c_uring *r, int fd, unsigned char *buf,
                          unsigned char *spare, size_t cap, int is_stream)
{
    (void)r, (void)fd, (void)buf, (void)spare, (void)cap, (void)is_stream;
    return -ENOSYS;
}
int sl_c_uring_batch(struct sl_c_uring *r, int tx, int rx, const unsigned char *buf, size_t len,
                     unsigned char *rx_bufs, unsigned int n)
{
    (void)r, (void)tx, (void)rx, (void)buf, (void)len, (void)rx_bufs, (void)n;
    return -ENOSYS;
}

#endif
