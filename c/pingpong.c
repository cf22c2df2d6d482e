/* socklab C floor: the implementation of pingpong.h (blocking write()/read() round trips and
   their timed loops), compiled with -O2 into a static library linked into the Rust crate. */
#define _POSIX_C_SOURCE 200809L

#include "pingpong.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

/* read()/write() with EINTR retried (see pingpong.h: benchmark loop, not a wrapper). */
static ssize_t read_retry(int fd, unsigned char *buf, size_t len)
{
    ssize_t n;
    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n;
}

static ssize_t write_retry(int fd, const unsigned char *buf, size_t len)
{
    ssize_t n;
    do
        n = write(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Stream: loop until all len bytes are written. Datagram: one write. */
int sl_c_send_msg(int fd, const unsigned char *buf, size_t len, int is_stream)
{
    size_t done = 0;
    do {
        ssize_t n = write_retry(fd, buf + done, len - done);
        if (n < 0)
            return -errno;
        done += (size_t)n;
    } while (is_stream && done < len);
    return 0;
}

/* Stream: loop until len bytes are read. Datagram: one read. read() == 0 is the peer closing. */
long sl_c_recv_msg(int fd, unsigned char *buf, size_t len, int is_stream)
{
    if (is_stream && len == 0)
        return 0; /* read(fd, buf, 0) would return 0 and look like EOF */
    size_t done = 0;
    do {
        ssize_t n = read_retry(fd, buf + done, len - done);
        if (n < 0)
            return -errno;
        if (n == 0)
            return SL_C_PEER_CLOSED;
        done += (size_t)n;
    } while (is_stream && done < len);
    return (long)done;
}

int sl_c_pair_once(int tx, int rx, unsigned char *buf, size_t len, int is_stream)
{
    int err = sl_c_send_msg(tx, buf, len, is_stream);
    if (err)
        return err;
    long got = sl_c_recv_msg(rx, buf, len, is_stream);
    return got < 0 ? (int)got : 0;
}

int sl_c_rtt_once(int fd, unsigned char *buf, size_t len, int is_stream)
{
    return sl_c_pair_once(fd, fd, buf, len, is_stream);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC + valid pointer */
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long sl_c_pair_loop(int tx, int rx, unsigned char *buf, size_t len, int is_stream,
                         long long iters)
{
    long long start = now_ns();
    for (long long i = 0; i < iters; i++) {
        int err = sl_c_pair_once(tx, rx, buf, len, is_stream);
        if (err)
            return err;
    }
    return now_ns() - start;
}

long long sl_c_rtt_loop(int fd, unsigned char *buf, size_t len, int is_stream, long long iters)
{
    return sl_c_pair_loop(fd, fd, buf, len, is_stream, iters);
}

long long sl_c_echo(int fd, unsigned char *buf, size_t cap, int is_stream)
{
    long long echoes = 0;
    for (;;) {
        ssize_t n = read_retry(fd, buf, cap);
        if (n < 0)
            return -errno;
        if (n == 0)
            return echoes;
        int err = sl_c_send_msg(fd, buf, (size_t)n, is_stream);
        if (err)
            return err;
        echoes++;
    }
}
