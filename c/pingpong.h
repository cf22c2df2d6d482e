/* socklab C floor: blocking write()/read() round trips on already-connected sockets, the
   in-process baseline every Rust path is benchmarked against (linked into the crate).

   Conventions for every function below:
   - fds are open, connected sockets in blocking mode; buf holds at least len (or cap) bytes.
   - is_stream != 0 (SOCK_STREAM): write all len bytes (looping on partial writes), then read
     until len bytes are back. is_stream == 0 (SOCK_DGRAM/SEQPACKET): exactly one write() and one
     read() per message; len must be >= 1, since a zero-length datagram reads as "peer closed".
   - EINTR is retried here on purpose: these are benchmark loops, not syscall wrappers (socklab's
     sys layer never retries EINTR).
   - Errors are returned as -errno; a read() returning 0 (peer closed) is SL_C_PEER_CLOSED. */
#ifndef SOCKLAB_PINGPONG_H
#define SOCKLAB_PINGPONG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returned when read() returns 0 (orderly shutdown / EOF) before the message is complete.
   Chosen far outside the errno range (Linux errnos are < 200) so it cannot collide. */
#define SL_C_PEER_CLOSED (-1000)

/* One message, one way: write all len bytes of buf on fd (a stream, looping on partial writes)
   or exactly one write() (a datagram). Returns 0 or -errno. */
int sl_c_send_msg(int fd, const unsigned char *buf, size_t len, int is_stream);

/* One message, one way: read until len bytes are in buf (a stream; len == 0 reads nothing) or
   exactly one read() of at most len bytes (a datagram). Returns the bytes read (len on a
   stream), -errno, or SL_C_PEER_CLOSED when read() returns 0 (EOF, or an empty datagram). */
long sl_c_recv_msg(int fd, unsigned char *buf, size_t len, int is_stream);

/* One blocking round trip on fd: write len bytes of buf, then read len bytes back into buf.
   Returns 0, -errno, or SL_C_PEER_CLOSED. */
int sl_c_rtt_once(int fd, unsigned char *buf, size_t len, int is_stream);

/* Same-thread pair: write len bytes on tx, then read len bytes on rx. For streams, len must fit
   in the socket buffers (nobody reads while we write). Returns 0, -errno, or SL_C_PEER_CLOSED. */
int sl_c_pair_once(int tx, int rx, unsigned char *buf, size_t len, int is_stream);

/* `iters` calls of sl_c_rtt_once / sl_c_pair_once, timed with clock_gettime(CLOCK_MONOTONIC)
   around the whole loop (for criterion's iter_custom). Returns the elapsed nanoseconds (>= 0),
   or the first error as -errno / SL_C_PEER_CLOSED. */
long long sl_c_rtt_loop(int fd, unsigned char *buf, size_t len, int is_stream, long long iters);
long long sl_c_pair_loop(int tx, int rx, unsigned char *buf, size_t len, int is_stream,
                         long long iters);

/* Echo server for rtt mode: read up to cap bytes, write them all back; repeat until read()
   returns 0 (peer closed, or a zero-length datagram: the way to stop a datagram echo).
   Returns the number of messages echoed, or -errno. */
long long sl_c_echo(int fd, unsigned char *buf, size_t cap, int is_stream);

#ifdef __cplusplus
}
#endif

#endif
