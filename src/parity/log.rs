//! An strace log (`strace -f -o FILE`) read into [`Entry`]s: one per call, signal and exit, with
//! the pid that made it.

use std::collections::HashMap;

use super::line;

/// One syscall: name, argument text, return text, as strace printed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// `socket`, `accept4`…
    pub name: String,
    /// Everything between the parentheses.
    pub args: String,
    /// What follows ` = `: `3`, `0`, `-1 EADDRINUSE (Address already in use)`, `?` for a call
    /// the process never returned from.
    pub ret: String,
}

impl Call {
    /// `name(args) = ret`, without strace's alignment padding.
    pub fn text(&self) -> String {
        format!("{}({}) = {}", self.name, self.args, self.ret)
    }

    /// The first argument when it is a number (an fd for most calls).
    pub fn first_int(&self) -> Option<i64> {
        self.args.split(',').next()?.trim().parse().ok()
    }

    /// The return value when it is a number (`3` of `3`, `-1` of `-1 EBADF (…)`).
    pub fn ret_int(&self) -> Option<i64> {
        self.ret.split(' ').next()?.parse().ok()
    }
}

/// What one line (or a joined unfinished/resumed pair) of the log records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A syscall.
    Call(Call),
    /// `--- SIGTERM {si_signo=SIGTERM, …} ---`: the text between the dashes.
    Signal(String),
    /// `+++ exited with 0 +++`, `+++ killed by SIGTERM +++`: the text between the plus signs.
    Exit(String),
    /// A line of another shape, kept verbatim rather than dropped.
    Other(String),
}

/// One event and the process (or thread) it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The pid strace's `-f` prefix names (0 for a log written without `-f`).
    pub pid: u32,
    /// What happened.
    pub event: Event,
}

/// The log's complete lines: strace killed while writing leaves a last line without its newline.
pub fn complete(log: &str) -> &str {
    &log[..log.rfind('\n').map_or(0, |i| i + 1)]
}

/// Reads a log written with `strace -f`: strips the `PID ` prefix (padded: `3423  close(3)`),
/// joins each `<unfinished ...>` with its `<... name resumed>` (at the resumed line, where the
/// call returned), and keeps signals and exits as their own events. A call left unfinished at
/// the end of the log (the process was killed inside it) is kept with `?` as its return.
/// Never fails: a line of no known shape is an [`Event::Other`].
pub fn parse(log: &str) -> Vec<Entry> {
    let mut pending: HashMap<u32, String> = HashMap::new();
    let mut order: Vec<u32> = Vec::new();
    let mut entries = Vec::new();
    for raw in log.lines() {
        let (pid, line) = split_pid(raw);
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let event = if let Some(sig) = between(line, "--- ", " ---") {
            Event::Signal(sig.to_owned())
        } else if let Some(exit) = between(line, "+++ ", " +++") {
            Event::Exit(exit.to_owned())
        } else if let Some(head) = line.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, head.to_owned());
            order.push(pid);
            continue;
        } else if let Some(head) = line.strip_suffix(" <unfinished ...>) = ?") {
            // strace 6 for a process killed inside a call.
            call_event(&format!("{head}) = ?"))
        } else if line.starts_with("<... ") {
            let tail = line
                .find("resumed>")
                .map_or("", |i| &line[i + "resumed>".len()..]);
            match pending.remove(&pid) {
                Some(head) => call_event(&format!("{head}{tail}")),
                None => Event::Other(line.to_owned()),
            }
        } else {
            call_event(line)
        };
        entries.push(Entry { pid, event });
    }
    // Calls still open at the end: the process was killed (or the log cut) inside them.
    for pid in order {
        if let Some(head) = pending.remove(&pid) {
            let head = head.trim_end().trim_end_matches(',');
            let event = call_event(&format!("{head}) = ?"));
            entries.push(Entry { pid, event });
        }
    }
    entries
}

/// `("3423", "close(3) = 0")` from `3423  close(3) = 0`; pid 0 when there is no prefix.
fn split_pid(raw: &str) -> (u32, &str) {
    match raw.split_once(' ') {
        Some((p, rest)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            (p.parse().unwrap_or(0), rest.trim_start())
        }
        _ => (0, raw),
    }
}

/// The text of `line` between `open` and `close`, when it is framed by them.
fn between<'a>(line: &'a str, open: &str, close: &str) -> Option<&'a str> {
    line.strip_prefix(open)?.strip_suffix(close)
}

/// A call line as an [`Event::Call`], or [`Event::Other`] when it is not one.
fn call_event(line: &str) -> Event {
    match line::split_call(line) {
        Some((name, args, ret)) if !name.is_empty() && !name.contains(' ') => Event::Call(Call {
            name: name.to_owned(),
            args: args.to_owned(),
            ret: ret.trim().to_owned(),
        }),
        _ => Event::Other(line.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(pid: u32, name: &str, args: &str, ret: &str) -> Entry {
        let (name, args, ret) = (name.into(), args.into(), ret.into());
        Entry {
            pid,
            event: Event::Call(Call { name, args, ret }),
        }
    }

    #[test]
    fn joins_resumed_calls_per_pid_and_keeps_signals_and_exits() {
        let log = "\
7 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3
7 accept4(3, {sa_family=AF_INET, sin_port=htons(41000)}, [16], SOCK_CLOEXEC <unfinished ...>
8 read(5, \"x = 1)\", 6) = 6
7  <... accept4 resumed>) = 4
7 --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=99, si_uid=0} ---
7 poll([{fd=3, events=POLLIN}], 1, -1) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)
7 +++ killed by SIGTERM +++
8 recvfrom(4, ";
        let got = parse(complete(log));
        let want = vec![
            call(7, "socket", "AF_INET, SOCK_STREAM, IPPROTO_IP", "3"),
            call(8, "read", "5, \"x = 1)\", 6", "6"),
            call(
                7,
                "accept4",
                "3, {sa_family=AF_INET, sin_port=htons(41000)}, [16], SOCK_CLOEXEC",
                "4",
            ),
            Entry {
                pid: 7,
                event: Event::Signal(
                    "SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=99, si_uid=0}".into(),
                ),
            },
            call(
                7,
                "poll",
                "[{fd=3, events=POLLIN}], 1, -1",
                "? ERESTART_RESTARTBLOCK (Interrupted by signal)",
            ),
            Entry {
                pid: 7,
                event: Event::Exit("killed by SIGTERM".into()),
            },
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_call_open_at_the_end_is_kept_unfinished() {
        let log = "5 poll([{fd=3, events=POLLIN}], 1, -1 <unfinished ...>\n\
                   6 close(4) = 0\n\
                   6 write(1, \"a\", 1 <unfinished ...>) = ?\n\
                   9 garbage line\n";
        let got = parse(log);
        assert_eq!(got[0], call(6, "close", "4", "0"));
        assert_eq!(got[1], call(6, "write", "1, \"a\", 1", "?"));
        assert_eq!(got[2].event, Event::Other("garbage line".into()));
        assert_eq!(
            got[3],
            call(5, "poll", "[{fd=3, events=POLLIN}], 1, -1", "?")
        );
    }
}
