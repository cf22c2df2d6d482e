//! Stream mode on the executor's side: the sender thread that is told how many messages to send,
//! and one round received and timed at the other end.

use std::io;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use super::{ns, sender_gone, Cpus, Slot};
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

impl Slot {
    /// One stream round: asks the sender for `k` messages, receives until all arrived or (for
    /// datagrams) the sender is done and the socket stays quiet.
    pub(super) fn stream_round(&mut self, k: u64, record: bool) -> io::Result<()> {
        let sender = self.sender.as_ref().expect("stream slots have a sender");
        let b = self.b.as_deref_mut().expect("stream slots keep b");
        sender.cmd.send(k).map_err(|_| sender_gone())?;
        let start = Instant::now();
        let mut prev = start;
        let mut got = 0;
        let mut sent = None;
        while got < k {
            match b.recv_count(&mut self.buf) {
                Ok(n) => {
                    let t = Instant::now();
                    if record {
                        self.rec.record(ns(prev, t) / n.max(1), n.max(1));
                    }
                    prev = t;
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
            self.sent += sent;
            self.received += got;
            self.busy += prev.duration_since(start);
        }
        Ok(())
    }
}
