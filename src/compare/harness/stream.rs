//! Stream mode on the executor's side: the sender thread that is told how many messages to send,
//! and one round received and timed at the other end ([`StreamRound`]).
//!
//! The unit of a stream measurement is the round: how many messages arrived, and how fast. A
//! round's rate is taken from the return of its first receive call to the return of its last,
//! over the messages delivered after the first call: the sender thread's wake-up at the start
//! of the round (tens of µs across CPUs, the time of a dozen GSO sends) and the final
//! wait for datagrams that were lost stay out of it.

use std::io;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{sender_gone, Cpus, Slot};
use crate::compare::paths::Path;

/// The sender thread of `stream` mode: told how many messages to send, replies when done.
pub(super) struct Sender {
    pub(super) cmd: mpsc::Sender<u64>,
    pub(super) done: mpsc::Receiver<io::Result<u64>>,
    pub(super) handle: JoinHandle<()>,
}

impl Sender {
    pub(super) fn spawn(mut a: Box<dyn Path>, size: usize, cpu: Option<usize>) -> Sender {
        let (cmd, cmd_rx) = mpsc::channel::<u64>();
        let (done_tx, done) = mpsc::channel();
        let handle = std::thread::spawn(move || {
            if let Err(e) = Cpus::pin_here(cpu) {
                let _ = done_tx.send(Err(e.into()));
                return;
            }
            let buf = vec![0xA5u8; size];
            for k in cmd_rx {
                let r = a.send_stream(&buf, k).map(|()| k);
                if done_tx.send(r).is_err() {
                    break;
                }
            }
        });
        Sender { cmd, done, handle }
    }
}

/// One stream round as the receiver saw it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StreamRound {
    /// Messages the sender sent.
    pub sent: u64,
    /// Messages delivered (received).
    pub received: u64,
    /// Messages delivered by the receive calls after the first.
    pub after_first: u64,
    /// From the return of the first receive call to the return of the last.
    pub first_to_last: Duration,
    /// From the request to the sender to the return of the last receive call.
    pub start_to_last: Duration,
}

impl StreamRound {
    /// Nanoseconds per delivered message: the first-to-last time over the messages delivered
    /// after the first receive call; for a round whose messages all came in one call (too short
    /// to have a rate of its own), the start-to-last time over all of them. `None` when nothing
    /// arrived.
    pub fn ns_per_msg(&self) -> Option<f64> {
        if self.after_first > 0 && !self.first_to_last.is_zero() {
            Some(self.first_to_last.as_nanos() as f64 / self.after_first as f64)
        } else if self.received > 0 {
            Some(self.start_to_last.as_nanos().max(1) as f64 / self.received as f64)
        } else {
            None
        }
    }
}

impl Slot {
    /// One stream round: asks the sender for `k` messages, receives until all arrived or (for
    /// datagrams) the sender is done and the socket stays quiet; a recorded round is kept in
    /// [`Slot::stream`].
    pub(super) fn stream_round(&mut self, k: u64, record: bool) -> io::Result<()> {
        let sender = self.sender.as_ref().expect("stream slots have a sender");
        let b = self.b.as_deref_mut().expect("stream slots keep b");
        sender.cmd.send(k).map_err(|_| sender_gone())?;
        let start = Instant::now();
        let mut first: Option<(Instant, u64)> = None;
        let mut last = start;
        let mut got = 0;
        let mut sent = None;
        while got < k {
            match b.recv_count(&mut self.buf) {
                Ok(n) => {
                    last = Instant::now();
                    first.get_or_insert((last, n));
                    got += n;
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    match sender.done.try_recv() {
                        Ok(r) => {
                            sent = Some(r?);
                            break;
                        }
                        Err(mpsc::TryRecvError::Empty) => continue,
                        Err(mpsc::TryRecvError::Disconnected) => return Err(sender_gone()),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        let sent = match sent {
            Some(s) => s,
            None => sender.done.recv().map_err(|_| sender_gone())??,
        };
        if record {
            let (t1, n1) = first.unwrap_or((start, 0));
            self.stream.push(StreamRound {
                sent,
                received: got,
                after_first: got.saturating_sub(n1),
                first_to_last: last.duration_since(t1),
                start_to_last: last.duration_since(start),
            });
            self.sent += sent;
            self.received += got;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_rate_leaves_out_the_first_call() {
        let round = |received, after_first, first_to_last_ns, start_to_last_ns| StreamRound {
            sent: 100,
            received,
            after_first,
            first_to_last: Duration::from_nanos(first_to_last_ns),
            start_to_last: Duration::from_nanos(start_to_last_ns),
        };
        // 64 in the first call, 36 after it over 360 ns: 10 ns each (the wake-up's 5 µs out).
        assert_eq!(round(100, 36, 360, 5_360).ns_per_msg(), Some(10.0));
        // Everything in one call: the start-to-last time over all 64.
        assert_eq!(round(64, 0, 0, 640).ns_per_msg(), Some(10.0));
        assert_eq!(round(0, 0, 0, 0).ns_per_msg(), None);
    }
}
