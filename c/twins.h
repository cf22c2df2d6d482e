/* socklab C twins: the C floor's message loops making the same syscalls as each socklab libc-*
   path (send/recv, sendto/recvfrom, sendmsg/recvmsg, sendmmsg/recvmmsg), and the physical floor:
   the read/write loop with the syscall instruction inlined (x86_64 only).

   Conventions as in pingpong.h (connected blocking sockets, is_stream, EINTR retried, -errno,
   SL_C_PEER_CLOSED). Every function takes `call`, one of the SL_C_CALL_* values below; `to` and
   `tolen` are the address sendto() passes (SL_C_CALL_SENDTO_RECVFROM only; may be NULL, 0). */
#ifndef SOCKLAB_TWINS_H
#define SOCKLAB_TWINS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The syscalls a twin makes per message, one way. */
#define SL_C_CALL_READ_WRITE 0        /* write() / read(), through glibc (same as pingpong.c) */
#define SL_C_CALL_SEND_RECV 1         /* send() / recv(), glibc (sendto/recvfrom syscalls) */
#define SL_C_CALL_SENDTO_RECVFROM 2   /* sendto(to, tolen) / recvfrom() into a sockaddr_storage */
#define SL_C_CALL_SENDMSG_RECVMSG 3   /* sendmsg()/recvmsg(), one iovec, recvmsg names the peer */
#define SL_C_CALL_INLINE 4            /* write/read as the syscall instruction, inline (x86_64) */

/* 1 when SL_C_CALL_INLINE is available (x86_64 Linux), 0 elsewhere (it then returns -ENOSYS). */
int sl_c_have_inline(void);

/* One message one way, as pingpong.h's sl_c_send_msg / sl_c_recv_msg, with `call`'s syscalls.
   Returns 0 / the bytes read, -errno, or SL_C_PEER_CLOSED. An unknown call is -EINVAL. */
int sl_c_twin_send_msg(int call, int fd, const unsigned char *buf, size_t len, int is_stream,
                       const void *to, unsigned int tolen);
long sl_c_twin_recv_msg(int call, int fd, unsigned char *buf, size_t len, int is_stream);

/* Send on tx, receive on rx (rtt: tx == rx against an echo). Returns 0, -errno or
   SL_C_PEER_CLOSED. */
int sl_c_twin_pair_once(int call, int tx, int rx, unsigned char *buf, size_t len, int is_stream,
                        const void *to, unsigned int tolen);

/* The echo side of rtt with `call`'s syscalls (see pingpong.h: sl_c_echo). */
long long sl_c_twin_echo(int call, int fd, unsigned char *buf, size_t cap, int is_stream,
                         const void *to, unsigned int tolen);

/* stream mode's sender: k messages of len bytes with `call`'s send syscall, back to back (the
   loop socklab's per-message paths run in Rust). Returns 0 or the first error as -errno. */
int sl_c_twin_send_stream(int call, int fd, const unsigned char *buf, size_t len, int is_stream,
                          const void *to, unsigned int tolen, long long k);

/* `samples` timed samples of `per` pairs each (send on tx, receive on rx, `call`'s syscalls),
   with no function call spanning a syscall for SL_C_CALL_INLINE: stamps[0..=samples] receive
   clock_gettime(CLOCK_MONOTONIC) in ns before the first and after each sample. Returns 0, the
   first error as -errno, or SL_C_PEER_CLOSED. */
int sl_c_twin_pair_stamps(int call, int tx, int rx, unsigned char *buf, size_t len,
                          int is_stream, long long per, long long samples, long long *stamps);

/* c-mmsg: a batch of n datagrams of len bytes sent with sendmmsg() on tx and received with
   recvmmsg() on rx (until all n arrived), over headers built once by sl_c_mmsg_new. */
struct sl_c_mmsg;
/* Headers and buffers for batches of up to n messages of up to len bytes; NULL if out of
   memory. Free with sl_c_mmsg_free. */
struct sl_c_mmsg *sl_c_mmsg_new(unsigned int n, size_t len);
void sl_c_mmsg_free(struct sl_c_mmsg *m);
/* One batch: n (<= the n given to sl_c_mmsg_new) messages of len bytes. Returns 0, -errno, or
   -EIO when sendmmsg took fewer than n. */
int sl_c_mmsg_batch(struct sl_c_mmsg *m, int tx, int rx, unsigned int n, size_t len);
/* One-way halves: send n messages of len bytes / receive n messages. Return 0 or -errno. */
int sl_c_mmsg_send(struct sl_c_mmsg *m, int fd, unsigned int n, size_t len);
int sl_c_mmsg_recv(struct sl_c_mmsg *m, int fd, unsigned int n);
/* One message with sendmmsg/recvmmsg of one header pointed at buf (len bytes) for that call:
   returns its msg_len (a received length, or the bytes sent), or -errno. */
long sl_c_mmsg_one(struct sl_c_mmsg *m, int fd, unsigned char *buf, size_t len, int receive);

/* c-gso: UDP GSO on send, GRO on receive (the twin of socklab's libc-gso). The caller sets
   UDP_GRO on the receiving socket; the C side owns its buffers, built once: segs copies of a
   size-byte payload (0xA5), the UDP_SEGMENT control message, a 64 KiB receive buffer and room
   for the UDP_GRO control message. */
struct sl_c_gso;
/* Buffers for datagrams of size bytes (1..=65535) sent segs (>= 1) per sendmsg; NULL if out of
   memory or an argument is out of range. Free with sl_c_gso_free. */
struct sl_c_gso *sl_c_gso_new(size_t size, unsigned int segs);
void sl_c_gso_free(struct sl_c_gso *g);
/* k datagrams in sendmsg() calls of up to segs segments each, every call with the UDP_SEGMENT
   control message (no address: a connected socket). Returns 0 or -errno. */
int sl_c_gso_send(struct sl_c_gso *g, int fd, long long k);
/* One recvmsg() into the 64 KiB buffer with room for the UDP_GRO control message: returns the
   datagrams it holds (its length over the segment size the cmsg gives, 1 without one, and then
   *segment is left alone) or -errno. */
long sl_c_gso_recv(struct sl_c_gso *g, int fd, int *segment);
/* One plain sendmsg()/recvmsg() (receive != 0) of buf, one iovec, no address, no control data:
   libc-gso's single calls outside stream mode. Returns the byte count or -errno. */
long sl_c_gso_one(int fd, unsigned char *buf, size_t len, int receive);

/* c-epoll: the twin of socklab's libc-epoll (and of mio and tokio, whose reactors make these
   calls): send()/recv() with MSG_DONTWAIT; on EAGAIN, epoll_wait(ep, 8 events, -1) until the
   socket's event comes, then the call again. `ep` is an epoll set watching `fd` alone with
   EPOLLIN | EPOLLRDHUP | EPOLLET (socklab sets it up, as for libc-epoll); a send that finds the
   buffer full adds EPOLLOUT for its wait (EPOLL_CTL_MOD) and takes it away after. EINTR is
   retried. Returns as the twins above. */
int sl_c_epoll_send_msg(int fd, int ep, const unsigned char *buf, size_t len, int is_stream);
long sl_c_epoll_recv_msg(int fd, int ep, unsigned char *buf, size_t len, int is_stream);
/* Send on tx (its set tx_ep), receive on rx (rx_ep); rtt: tx == rx against an echo. */
int sl_c_epoll_pair_once(int tx, int tx_ep, int rx, int rx_ep, unsigned char *buf, size_t len,
                         int is_stream);
long long sl_c_epoll_echo(int fd, int ep, unsigned char *buf, size_t cap, int is_stream);

/* c-io-uring and c-io-uring-batch: the twins of socklab's io-uring paths (the io-uring crate),
   through the raw io_uring_setup / io_uring_enter syscalls and the rings they map (no liburing).
   Every op is one io_uring_enter that submits its SQEs and waits for all their completions
   (IORING_ENTER_GETEVENTS, no timeout, as the crate's submit_and_wait), so no op outlives the
   call that made it. A ring is used by the thread that made it (IORING_SETUP_SINGLE_ISSUER). Returns are as the twins above. Without <linux/io_uring.h> at
   build time every call returns -ENOSYS. */
struct sl_c_uring;
/* What an op returns when io_uring_enter failed in a way no op can outlive (none is known for
   these arguments): its SQEs may still be in flight, writing into the caller's buffers. */
#define SL_C_URING_STRANDED (-2000)
/* A ring of `entries` SQEs set up with `flags` (IORING_SETUP_*), in *out; 0 or -errno (the
   errno of io_uring_setup: EPERM where kernel.io_uring_disabled or seccomp forbids it, EINVAL
   for flags the kernel does not know, ENOSYS without io_uring). */
int sl_c_uring_new(unsigned int entries, unsigned int flags, struct sl_c_uring **out);
void sl_c_uring_free(struct sl_c_uring *r);
/* One message one way: a SEND (or a RECV) of len bytes, sends (recvs) again until all of it
   moved on a stream. */
int sl_c_uring_send_msg(struct sl_c_uring *r, int fd, const unsigned char *buf, size_t len,
                        int is_stream);
long sl_c_uring_recv_msg(struct sl_c_uring *r, int fd, unsigned char *buf, size_t len,
                         int is_stream);
/* One op: SEND(tx, buf, len) linked (IOSQE_IO_LINK) to RECV(rx, buf, len), one io_uring_enter
   for both; the rest of a stream message moves as in sl_c_uring_send_msg / recv_msg. rtt:
   tx == rx against an echo. */
int sl_c_uring_pair_once(struct sl_c_uring *r, int tx, int rx, unsigned char *buf, size_t len,
                         int is_stream);
/* The echo side of rtt: a RECV, then per message its SEND linked to the next RECV, one
   io_uring_enter each; `spare` (cap bytes) takes the next message while `buf` goes out. Ends
   when a RECV returns 0; returns the messages echoed or -errno. */
long long sl_c_uring_echo(struct sl_c_uring *r, int fd, unsigned char *buf,
                          unsigned char *spare, size_t cap, int is_stream);
/* c-io-uring-batch: n pairs of SEND(tx, buf, len) linked to RECV(rx, rx + i * len, len) in one
   io_uring_enter that waits for all 2n completions (the ring holds at least 2n SQEs; rx is
   n * len bytes). Datagrams only. Returns 0, -errno of the first failed op, or -EIO when a SEND
   took less than len. */
int sl_c_uring_batch(struct sl_c_uring *r, int tx, int rx, const unsigned char *buf, size_t len,
                     unsigned char *rx_bufs, unsigned int n);

#ifdef __cplusplus
}
#endif

#endif
