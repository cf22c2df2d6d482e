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

#ifdef __cplusplus
}
#endif

#endif
