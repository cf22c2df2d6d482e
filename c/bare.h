/* socklab bare syscall cost (`socklab compare --mode syscall`): one syscall in a tight loop,
   made four ways, to price each function frame that spans the kernel entry/exit.

   A frame "spans" a syscall when its call happens before the syscall and its ret after: on CPUs
   whose mitigations (retpolines, RSB filling, SRSO "Safe RET") clear the return predictions on
   kernel entry/exit, that ret mispredicts. glibc's wrappers are one such frame. */
#ifndef SOCKLAB_BARE_H
#define SOCKLAB_BARE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SL_C_BARE_GETPPID 0     /* getppid(): the cheapest syscall there is */
#define SL_C_BARE_RECV_EAGAIN 1 /* recv(fd, buf, len, MSG_DONTWAIT) on an empty socket: EAGAIN */

#define SL_C_BARE_INLINE 0 /* the syscall instruction inline in the loop (x86_64 only) */
#define SL_C_BARE_FRAME1 1 /* the same inline syscall inside one non-inlined function */
#define SL_C_BARE_FRAME2 2 /* ... inside a non-inlined function called by another */
#define SL_C_BARE_GLIBC 3  /* glibc's getppid() / recv() */

/* `iters` calls of `call` made `how`, timed with clock_gettime(CLOCK_MONOTONIC) around the loop.
   fd, buf and len are recv's (ignored for getppid). Returns the elapsed ns, -ENOSYS for an
   inline variant on a target without one, -EINVAL for an unknown call/how, or -EPROTO when a
   recv did not fail with EAGAIN (the socket was not empty). */
long long sl_c_bare_loop(int call, int how, int fd, unsigned char *buf, size_t len,
                         long long iters);

#ifdef __cplusplus
}
#endif

#endif
