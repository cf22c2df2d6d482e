/* socklab bare syscall cost: the implementation of bare.h, compiled into the floor library. */
#define _GNU_SOURCE

#include "bare.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#if defined(__x86_64__) && defined(__linux__)
/* rax = number, rdi, rsi, rdx, r10, r8, r9 = arguments; rcx and r11 are clobbered. */
static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* One call, inline: 0 on the expected result, -1 otherwise. */
static inline int inline_once(int call, int fd, unsigned char *buf, size_t len)
{
    if (call == SL_C_BARE_GETPPID)
        return sys6(SYS_getppid, 0, 0, 0, 0, 0, 0) > 0 ? 0 : -1;
    long r = sys6(SYS_recvfrom, fd, (long)buf, (long)len, MSG_DONTWAIT, 0, 0);
    return r == -EAGAIN ? 0 : -1;
}

/* noipa: no inlining, cloning or interprocedural shortcuts: a real call and ret. */
__attribute__((noipa)) static int frame1(int call, int fd, unsigned char *buf, size_t len)
{
    return inline_once(call, fd, buf, len);
}

__attribute__((noipa)) static int frame2(int call, int fd, unsigned char *buf, size_t len)
{
    int r = frame1(call, fd, buf, len);
    __asm__ volatile("" : "+r"(r)); /* no tail call: frame2's own ret spans the syscall too */
    return r;
}
#define SL_HAVE_INLINE 1
#else
#define SL_HAVE_INLINE 0
#endif

static inline int glibc_once(int call, int fd, unsigned char *buf, size_t len)
{
    if (call == SL_C_BARE_GETPPID)
        return getppid() > 0 ? 0 : -1;
    return recv(fd, buf, len, MSG_DONTWAIT) < 0 && errno == EAGAIN ? 0 : -1;
}

long long sl_c_bare_loop(int call, int how, int fd, unsigned char *buf, size_t len,
                         long long iters)
{
    if (call != SL_C_BARE_GETPPID && call != SL_C_BARE_RECV_EAGAIN)
        return -EINVAL;
    if (how < SL_C_BARE_INLINE || how > SL_C_BARE_GLIBC)
        return -EINVAL;
#if !SL_HAVE_INLINE
    if (how != SL_C_BARE_GLIBC)
        return -ENOSYS;
#endif
    int bad = 0;
    long long start = now_ns();
    switch (how) {
#if SL_HAVE_INLINE
    case SL_C_BARE_INLINE:
        for (long long i = 0; i < iters; i++)
            bad |= inline_once(call, fd, buf, len);
        break;
    case SL_C_BARE_FRAME1:
        for (long long i = 0; i < iters; i++)
            bad |= frame1(call, fd, buf, len);
        break;
    case SL_C_BARE_FRAME2:
        for (long long i = 0; i < iters; i++)
            bad |= frame2(call, fd, buf, len);
        break;
#endif
    default:
        for (long long i = 0; i < iters; i++)
            bad |= glibc_once(call, fd, buf, len);
        break;
    }
    long long elapsed = now_ns() - start;
    return bad ? -EPROTO : elapsed;
}
