//! From an strace log's entries to the lines two runs can be compared by: the calls of the
//! chosen [`Class`]es, with what legitimately differs between two runs (or between C and Rust)
//! replaced by names, and nothing else touched.
//!
//! What is replaced, and by what:
//! - **fds** a traced call created (`socket`, `accept`, `socketpair`, `epoll_create`, `dup`, an
//!   `SCM_RIGHTS` receive) become `S0`, `S1`… (sockets), `E0`… (epoll), `F0`… (received or
//!   other), in the order they were created, wherever strace shows them as fds: a call's fd
//!   argument, a returned fd, poll's `fd=`, select's sets, epoll's `data` when it holds a
//!   named fd, `cmsg_data`. select's `nfds` is a count the program passes and stays a number.
//! - **ports**: `htons(P)` for the run's port becomes `htons(PORT)`; a port the kernel chose
//!   (in its ephemeral range, `ip_local_port_range`, as an address the kernel wrote: accept's
//!   peer, getsockname, a receive's source) becomes `htons(PEER)`, there and wherever the
//!   program passes it back later (a `sendto` reply); any other port stays, so a port the
//!   program picks itself is compared.
//! - **pids**: each traced process is `P0`, `P1`… (in the order they were forked), in `*pid=`
//!   fields, fork/clone returns, `wait4`/`kill` arguments; another pid is `PID`.
//! - **times and sequence numbers**: select's `left {…}`, `si_utime`/`si_stime`, netlink's
//!   `nlmsg_seq` (glibc seeds it from the clock).
//! - **pointers**: hex values of 8 or more digits (`child_tidptr=0x7f…`) become `0x…`.
//! - **values the kernel ignores**, which C often leaves uninitialised: `msg_flags` of
//!   `sendmsg`/`sendmmsg` and the `sa_data` of an `AF_UNSPEC` address become `<ignored>`, and
//!   the raw values are kept in [`Line::ignored`] so a report can say they differed. epoll's
//!   `data` is compared by its low 32 bits (C's `ev.data.fd = fd` leaves the union's upper half
//!   as it was): a nonzero upper half is kept in [`Line::ignored`] too.
//!
//! Lines of several processes are grouped by process (`P0`'s calls, then `P1`'s), each prefixed
//! with its name: the interleaving of two processes is the scheduler's, not the program's.
//! Text inside quoted strings (data, paths) is never rewritten.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::ops::RangeInclusive;

use super::log::{Call, Entry, Event};

/// A class of syscalls `--filter` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// strace's `%network`: socket, bind, connect, accept, send*/recv*, *sockopt, shutdown…
    Net,
    /// poll, ppoll, select (pselect6), epoll_create/ctl/wait/pwait.
    Poll,
    /// read, write, readv, writev, close, fcntl, ioctl, dup* on an fd a traced call created.
    Io,
    /// read, write, readv, writev on fds 0, 1 and 2: what the program reads and prints.
    Stdio,
    /// fork/clone, wait4, kill, and SIGCHLD.
    Proc,
}

impl Class {
    /// Every class, in `--filter`'s order.
    pub const ALL: [Class; 5] = [
        Class::Net,
        Class::Poll,
        Class::Io,
        Class::Stdio,
        Class::Proc,
    ];

    /// The name `--filter` takes.
    pub fn name(self) -> &'static str {
        match self {
            Class::Net => "net",
            Class::Poll => "poll",
            Class::Io => "io",
            Class::Stdio => "stdio",
            Class::Proc => "proc",
        }
    }

    /// The class of `name` (`net`, `poll`…).
    pub fn parse(name: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.name() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`Class`]es.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Filter(u8);

impl Filter {
    /// `net,poll,io,stdio`: the socket calls, the waits, I/O on the program's fds and what it
    /// reads and prints.
    pub const DEFAULT: Filter = Filter(0b01111);
    /// Every class.
    pub const ALL: Filter = Filter(0b11111);

    /// No class.
    pub fn empty() -> Filter {
        Filter(0)
    }

    /// This set with `class` added.
    pub fn with(self, class: Class) -> Filter {
        Filter(self.0 | class.bit())
    }

    /// Whether `class` is in the set.
    pub fn contains(self, class: Class) -> bool {
        self.0 & class.bit() != 0
    }

    /// `net,poll` (or `all`): comma-separated class names.
    ///
    /// # Errors
    /// [`FilterError::Unknown`] naming a word that is no class; [`FilterError::Empty`] when no
    /// class is given.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let mut set = Filter::empty();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name == "all" {
                return Ok(Filter::ALL);
            }
            let class = Class::parse(name).ok_or_else(|| FilterError::Unknown(name.to_owned()))?;
            set = set.with(class);
        }
        if set == Filter::empty() {
            return Err(FilterError::Empty);
        }
        Ok(set)
    }

    /// strace's `-e trace=` value for this set: the classes' calls, plus what following fds
    /// needs whatever the set (the calls that create, copy and close fds, fork and clone).
    pub fn strace_set(self) -> String {
        let mut names: Vec<&str> = vec!["%network"];
        names.extend(POLL);
        names.extend(IO);
        names.extend(PROC);
        names.join(",")
    }
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string())
    }
}

/// Why [`Filter::parse`] read no set of classes. `Display` is one line naming the classes
/// allowed, what the CLI prints after `--filter: `.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterError {
    /// A word that is no class's name.
    Unknown(String),
    /// No class at all (an empty list).
    Empty,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allowed = || {
            Class::ALL
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            FilterError::Unknown(name) => {
                write!(f, "unknown class '{name}' (allowed: {}, all)", allowed())
            }
            FilterError::Empty => write!(f, "no class given (allowed: {}, all)", allowed()),
        }
    }
}

impl std::error::Error for FilterError {}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = Class::ALL
            .iter()
            .filter(|c| self.contains(**c))
            .map(|c| c.name())
            .collect();
        f.write_str(&names.join(","))
    }
}

/// strace's `%network` on x86-64 (and the generic names other architectures use).
const NET: &[&str] = &[
    "socket",
    "socketpair",
    "bind",
    "connect",
    "listen",
    "accept",
    "accept4",
    "getsockname",
    "getpeername",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "setsockopt",
    "getsockopt",
    "shutdown",
    "send",
    "recv",
    "socketcall",
];
const POLL: &[&str] = &[
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
];
const IO: &[&str] = &[
    "read", "write", "readv", "writev", "close", "fcntl", "ioctl", "dup", "dup2", "dup3",
];
const PROC: &[&str] = &["clone", "clone3", "fork", "vfork", "wait4", "kill"];
/// Whether the first argument of call `name` is an fd: every network call but the ones that
/// make sockets, every I/O call, and epoll's calls on an epoll fd.
fn first_fd(name: &str) -> bool {
    (NET.contains(&name) && !matches!(name, "socket" | "socketpair" | "socketcall"))
        || IO.contains(&name)
        || matches!(
            name,
            "epoll_ctl" | "epoll_wait" | "epoll_pwait" | "epoll_pwait2"
        )
}

/// How to normalise one run's log.
#[derive(Clone, Debug)]
pub struct Normalize {
    /// The classes shown.
    pub filter: Filter,
    /// Show the start-up calls (see [`Line::startup`]) instead of dropping them.
    pub keep: bool,
    /// The run's port (`{port}`), shown as `PORT`; 0 for none.
    pub port: u16,
    /// The kernel's ephemeral ports, shown as `PEER`.
    pub ephemeral: RangeInclusive<u16>,
}

impl Normalize {
    /// The default filter, start-up calls dropped, `port` as the run's, and this machine's
    /// ephemeral range.
    pub fn new(port: u16) -> Normalize {
        Normalize {
            filter: Filter::DEFAULT,
            keep: false,
            port,
            ephemeral: ephemeral_ports(),
        }
    }
}

/// The kernel's ephemeral port range (`/proc/sys/net/ipv4/ip_local_port_range`; Linux's default
/// 32768-60999 when it cannot be read).
pub fn ephemeral_ports() -> RangeInclusive<u16> {
    let text =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let mut it = text
        .split_whitespace()
        .filter_map(|n| n.parse::<u16>().ok());
    match (it.next(), it.next()) {
        (Some(lo), Some(hi)) if lo <= hi => lo..=hi,
        _ => 32768..=60999,
    }
}

/// One normalised line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The text compared: `accept(S0, NULL, NULL) = S1`, prefixed `P1 ` when the log has several
    /// processes.
    pub text: String,
    /// The index of its [`Entry`] in the parsed log.
    pub entry: usize,
    /// A start-up call: made by the first process before it created its first fd, of a class
    /// shown but not on a traced fd (the loader's `read`/`close` of its libraries, Rust's
    /// `poll` of fds 0-2 before `main`). Only present with [`Normalize::keep`].
    pub startup: bool,
    /// Values shown as `<ignored>`: (`msg_flags`, the raw value).
    pub ignored: Vec<(String, String)>,
}

/// The lines of `entries` (a parsed log) as [`Normalize`] says.
pub fn normalize(entries: &[Entry], opts: &Normalize) -> Vec<Line> {
    // Entries per pid, in the log's order.
    let mut by_pid: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut first_seen: Vec<u32> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        by_pid
            .entry(e.pid)
            .or_insert_with(|| {
                first_seen.push(e.pid);
                Vec::new()
            })
            .push(i);
    }
    let Some(&root) = first_seen.first() else {
        return Vec::new();
    };
    let mut state = State {
        opts,
        names: Names::default(),
        pids: HashMap::from([(root, "P0".to_owned())]),
        learned: RefCell::new(HashSet::new()),
    };
    let mut queue: VecDeque<(u32, Fds)> = VecDeque::from([(root, Fds::default())]);
    let mut done: Vec<u32> = Vec::new();
    let mut groups: Vec<Vec<Line>> = Vec::new();
    loop {
        let (pid, fds) = match queue.pop_front() {
            Some(next) => next,
            // A process whose fork the log does not show: after the others, with no fds.
            None => match first_seen.iter().find(|p| !done.contains(p)) {
                Some(&p) => {
                    let n = state.pids.len();
                    state.pids.entry(p).or_insert_with(|| format!("P{n}"));
                    (p, Fds::default())
                }
                None => break,
            },
        };
        done.push(pid);
        let indices = by_pid.get(&pid).map(Vec::as_slice).unwrap_or(&[]);
        let (lines, children) = state.process(entries, indices, fds, pid == root);
        groups.push(lines);
        for (child, fds) in children {
            if !done.contains(&child) && !queue.iter().any(|(p, _)| *p == child) {
                queue.push_back((child, fds));
            }
        }
    }
    let several = groups.len() > 1;
    let mut out = Vec::new();
    for (lines, pid) in groups.into_iter().zip(&done) {
        for mut line in lines {
            if several {
                line.text = format!("{} {}", state.pids[pid], line.text);
            }
            out.push(line);
        }
    }
    out
}

/// The fd names of one process: number -> name.
#[derive(Clone, Debug, Default)]
struct Fds(HashMap<i64, String>);

/// The name counters, shared by every process (names are unique in the log).
#[derive(Debug, Default)]
struct Names {
    counts: HashMap<char, usize>,
}

impl Names {
    fn next(&mut self, letter: char) -> String {
        let n = self.counts.entry(letter).or_insert(0);
        let name = format!("{letter}{n}");
        *n += 1;
        name
    }
}

struct State<'a> {
    opts: &'a Normalize,
    names: Names,
    pids: HashMap<u32, String>,
    /// Ephemeral ports the kernel wrote into an address (shown as `PEER` from then on).
    learned: RefCell<HashSet<u16>>,
}

/// The calls whose address arguments the kernel writes (where it tells the program a port it
/// chose).
const ADDRESS_OUT: &[&str] = &[
    "accept",
    "accept4",
    "getsockname",
    "getpeername",
    "recvfrom",
    "recvmsg",
    "recvmmsg",
];

impl State<'_> {
    /// One process's lines, and the children it forked with their fds at the fork.
    fn process(
        &mut self,
        entries: &[Entry],
        indices: &[usize],
        mut fds: Fds,
        root: bool,
    ) -> (Vec<Line>, Vec<(u32, Fds)>) {
        let mut lines = Vec::new();
        let mut children = Vec::new();
        // Start-up lasts until the first process creates its first fd.
        let mut startup = root && fds.0.is_empty();
        for &i in indices {
            let shown = match &entries[i].event {
                Event::Call(call) => {
                    let before = fds.0.len();
                    let shown = self.call(call, &mut fds, startup, &mut children);
                    if fds.0.len() > before {
                        startup = false;
                    }
                    shown
                }
                Event::Signal(text) => {
                    let child = text.starts_with("SIGCHLD ");
                    (!child || self.opts.filter.contains(Class::Proc))
                        .then(|| Shown::plain(format!("--- {} ---", self.rewrite(text, &fds))))
                }
                Event::Exit(text) => Some(Shown::plain(format!("+++ {text} +++"))),
                Event::Other(text) => Some(Shown::plain(text.clone())),
            };
            if let Some(s) = shown {
                if s.startup && !self.opts.keep {
                    continue;
                }
                lines.push(Line {
                    text: s.text,
                    entry: i,
                    startup: s.startup,
                    ignored: s.ignored,
                });
            }
        }
        (lines, children)
    }

    /// One call: updates the fd names, and returns its line when its class is shown.
    fn call(
        &mut self,
        call: &Call,
        fds: &mut Fds,
        startup: bool,
        children: &mut Vec<(u32, Fds)>,
    ) -> Option<Shown> {
        let name = call.name.as_str();
        let filter = self.opts.filter;
        let fd = call.first_int();
        let on_ours = first_fd(name) && fd.is_some_and(|fd| fds.0.contains_key(&fd));
        let class = if NET.contains(&name) {
            Some(Class::Net)
        } else if POLL.contains(&name) {
            Some(Class::Poll)
        } else if PROC.contains(&name) {
            Some(Class::Proc)
        } else if on_ours {
            Some(Class::Io)
        } else if matches!(name, "read" | "write" | "readv" | "writev")
            && fd.is_some_and(|fd| (0..=2).contains(&fd))
        {
            Some(Class::Stdio)
        } else {
            None
        };
        // Waits and I/O before the first fd of the program are its runtime's.
        let is_startup = startup && matches!(class, None | Some(Class::Poll | Class::Io));
        let shown = match class {
            Some(c) if filter.contains(c) && !is_startup => true,
            _ => is_startup && self.opts.keep && (class.is_some() || IO.contains(&name)),
        };

        // Names are rewritten before the call's effect (a close still shows its name), new
        // fds named after it.
        let args = split_top(&call.args);
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        if first_fd(name) {
            rename_arg(&mut args, 0, fds);
        }
        if name == "epoll_ctl" {
            rename_arg(&mut args, 2, fds);
        }
        let ret_fd = call.ret_int().filter(|&r| r >= 0);
        match name {
            "close" => {
                if let Some(fd) = fd {
                    fds.0.remove(&fd);
                }
            }
            "socket" | "accept" | "accept4" => {
                if let Some(r) = ret_fd {
                    let n = self.names.next('S');
                    fds.0.insert(r, n);
                }
            }
            "epoll_create" | "epoll_create1" => {
                if let Some(r) = ret_fd {
                    let n = self.names.next('E');
                    fds.0.insert(r, n);
                }
            }
            "socketpair" if ret_fd == Some(0) => {
                if let Some(pair) = args.get_mut(3) {
                    for n in numbers_in(pair) {
                        let name = self.names.next('S');
                        fds.0.insert(n, name);
                    }
                }
            }
            "dup" | "dup2" | "dup3" | "fcntl" => {
                let dup = name != "fcntl" || args.get(1).is_some_and(|c| c.starts_with("F_DUPFD"));
                let letter = fd
                    .and_then(|fd| fds.0.get(&fd))
                    .and_then(|n| n.chars().next());
                if let (true, Some(r)) = (dup, ret_fd) {
                    // dup2/dup3 onto a named fd closes it first.
                    fds.0.remove(&r);
                    if let Some(letter) = letter {
                        let n = self.names.next(letter);
                        fds.0.insert(r, n);
                    }
                }
            }
            "recvmsg" | "recvmmsg" => {
                for n in rights(&call.args) {
                    if let std::collections::hash_map::Entry::Vacant(e) = fds.0.entry(n) {
                        e.insert(self.names.next('F'));
                    }
                }
            }
            "clone" | "clone3" | "fork" | "vfork" => {
                if let Some(child) = ret_fd.filter(|&c| c > 0) {
                    let child = child as u32;
                    let n = self.pids.len();
                    self.pids.entry(child).or_insert_with(|| format!("P{n}"));
                    children.push((child, fds.clone()));
                }
            }
            _ => {}
        }
        if !shown {
            return None;
        }

        // The return value: a new fd, a pid, or as printed.
        let ret = match name {
            "socket" | "accept" | "accept4" | "epoll_create" | "epoll_create1" | "dup" | "dup2"
            | "dup3" | "fcntl" => match ret_fd.and_then(|r| fds.0.get(&r)) {
                Some(n) if name != "fcntl" || args[1].starts_with("F_DUPFD") => {
                    let rest = call.ret.split_once(' ').map_or("", |(_, r)| r);
                    if rest.is_empty() {
                        n.clone()
                    } else {
                        format!("{n} {rest}")
                    }
                }
                _ => call.ret.clone(),
            },
            "clone" | "clone3" | "fork" | "vfork" | "wait4" => match ret_fd.filter(|&p| p > 0) {
                Some(p) => self.pid_name(p),
                None => call.ret.clone(),
            },
            _ => call.ret.clone(),
        };
        if matches!(name, "wait4" | "kill") {
            if let Some(p) = args[0].trim().parse::<i64>().ok().filter(|&p| p > 0) {
                args[0] = self.pid_name(p);
            }
        }
        if name == "socketpair" {
            if let Some(pair) = args.get_mut(3) {
                *pair = rename_numbers(pair, fds);
            }
        }
        if matches!(name, "select" | "pselect6") {
            for set in args.iter_mut().skip(1).take(3) {
                if set.starts_with('[') {
                    *set = rename_numbers(set, fds);
                }
            }
        }

        let mut ignored = Vec::new();
        let mut args = args.join(", ");
        if matches!(name, "sendmsg" | "sendmmsg") {
            let ends = &[',', '}'];
            args = ignore_value(&args, "msg_flags=", "msg_flags", ends, &mut ignored);
        }
        // The `sa_data` of an `AF_UNSPEC` address (connect's "dissolve the association", where
        // the kernel reads only the family), up to the address's end.
        let unspec = "{sa_family=AF_UNSPEC, sa_data=";
        args = ignore_value(&args, unspec, "sa_data", &['}'], &mut ignored);
        if name.starts_with("epoll_") {
            args = epoll_data(&args, &mut ignored);
        }
        let learn = ADDRESS_OUT.contains(&name);
        let args = self.rewrite_call(&args, fds, learn);
        let ret = if matches!(name, "select" | "pselect6") {
            select_ret(&ret, fds)
        } else {
            ret
        };
        let ret = self.rewrite_call(&ret, fds, false);
        Some(Shown {
            text: format!("{name}({args}) = {ret}"),
            startup: is_startup,
            ignored,
        })
    }

    fn pid_name(&self, pid: i64) -> String {
        u32::try_from(pid)
            .ok()
            .and_then(|p| self.pids.get(&p))
            .cloned()
            .unwrap_or_else(|| "PID".to_owned())
    }

    /// The rewrites that apply anywhere outside quoted strings: ports, pids, fds in `fd=`,
    /// epoll data and `cmsg_data`, times, sequence numbers, pointers.
    fn rewrite(&self, text: &str, fds: &Fds) -> String {
        self.rewrite_call(text, fds, false)
    }

    /// [`rewrite`](Self::rewrite) of a call's text; `learn`: its ephemeral ports are the
    /// kernel's (an address it wrote).
    fn rewrite_call(&self, text: &str, fds: &Fds, learn: bool) -> String {
        outside_strings(text, |seg| {
            let mut learned = self.learned.borrow_mut();
            let seg = ports(
                seg,
                self.opts.port,
                &self.opts.ephemeral,
                &mut learned,
                learn,
            );
            let seg = fields(&seg, |key, value| {
                let n: i64 = value.parse().ok()?;
                if key == "pid" || key.ends_with("_pid") {
                    return (n != 0).then(|| self.pid_name(n));
                }
                match key {
                    "fd" | "u32" | "u64" => fds.0.get(&n).cloned(),
                    "nlmsg_seq" => Some("SEQ".to_owned()),
                    "si_utime" | "si_stime" => Some("T".to_owned()),
                    _ => None,
                }
            });
            let seg = cmsg_rights(&seg, fds);
            pointers(&seg)
        })
    }
}

/// A line about to be kept.
struct Shown {
    text: String,
    startup: bool,
    ignored: Vec<(String, String)>,
}

impl Shown {
    fn plain(text: String) -> Shown {
        Shown {
            text,
            startup: false,
            ignored: Vec::new(),
        }
    }
}

/// `args` split at its top-level commas (outside brackets and quoted strings), each part trimmed.
pub(crate) fn split_top(args: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start, mut in_str, mut escaped) = (0i32, 0, false, false);
    for (i, c) in args.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = args[start..].trim();
    if !last.is_empty() || !parts.is_empty() {
        parts.push(last);
    }
    parts
}

/// Applies `f` to every part of `text` outside its quoted strings.
fn outside_strings(text: &str, mut f: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut start, mut in_str, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    in_str = false;
                    out.push_str(&text[start..=i]);
                    start = i + 1;
                }
                _ => {}
            }
        } else if c == '"' {
            out.push_str(&f(&text[start..i]));
            in_str = true;
            start = i;
        }
    }
    if in_str {
        out.push_str(&text[start..]);
    } else {
        out.push_str(&f(&text[start..]));
    }
    out
}

/// `args[i]`, an fd number, as its name.
fn rename_arg(args: &mut [String], i: usize, fds: &Fds) {
    if let Some(a) = args.get_mut(i) {
        if let Some(n) = a.trim().parse::<i64>().ok().and_then(|fd| fds.0.get(&fd)) {
            *a = n.clone();
        }
    }
}

/// The numbers in `text` (`[3, 4]`, `[3 4]`).
fn numbers_in(text: &str) -> Vec<i64> {
    text.split(|c: char| !c.is_ascii_digit() && c != '-')
        .filter_map(|t| t.parse().ok())
        .collect()
}

/// Every whole number in `text` that is a named fd, as its name.
fn rename_numbers(text: &str, fds: &Fds) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            match digits.parse::<i64>().ok().and_then(|n| fds.0.get(&n)) {
                Some(name) => out.push_str(name),
                None => out.push_str(digits),
            }
            digits.clear();
        }
    };
    let mut prev_word = false;
    for c in text.chars() {
        if c.is_ascii_digit() && (!prev_word || !digits.is_empty()) {
            digits.push(c);
            continue;
        }
        flush(&mut digits, &mut out);
        prev_word = c.is_ascii_alphanumeric() || c == '_';
        out.push(c);
    }
    flush(&mut digits, &mut out);
    out
}

/// select's return text: the fds in its `(in [..], out [..])` sets named, the time `left`
/// masked.
fn select_ret(ret: &str, fds: &Fds) -> String {
    let Some(open) = ret.find(" (") else {
        return ret.to_owned();
    };
    let (head, tail) = ret.split_at(open);
    let inner = &tail[2..tail.len().saturating_sub(1)];
    let parts: Vec<String> = split_top(inner)
        .into_iter()
        .map(|p| {
            if p.starts_with("left ") {
                "left {…}".to_owned()
            } else {
                rename_numbers(p, fds)
            }
        })
        .collect();
    format!("{head} ({})", parts.join(", "))
}

/// The fd numbers an `SCM_RIGHTS` message of a receive carries (`cmsg_data=[5, 6]`).
fn rights(args: &str) -> Vec<i64> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(i) = rest.find("cmsg_type=SCM_RIGHTS, cmsg_data=[") {
        rest = &rest[i + "cmsg_type=SCM_RIGHTS, cmsg_data=[".len()..];
        let end = rest.find(']').unwrap_or(rest.len());
        out.extend(numbers_in(&rest[..end]));
    }
    out
}

/// `cmsg_data=[5, 6]` of an `SCM_RIGHTS` message with its named fds.
fn cmsg_rights(text: &str, fds: &Fds) -> String {
    const KEY: &str = "cmsg_type=SCM_RIGHTS, cmsg_data=[";
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(KEY) {
        out.push_str(&rest[..i + KEY.len()]);
        rest = &rest[i + KEY.len()..];
        let end = rest.find(']').unwrap_or(rest.len());
        out.push_str(&rename_numbers(&rest[..end], fds));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `htons(N)`: the run's port as `PORT`; an ephemeral port the kernel wrote (`learn`: this is
/// such an address, and the port is remembered in `learned`), or wrote before, as `PEER`; any
/// other as it is.
fn ports(
    text: &str,
    port: u16,
    ephemeral: &RangeInclusive<u16>,
    learned: &mut HashSet<u16>,
    learn: bool,
) -> String {
    const HTONS: &str = "htons(";
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(HTONS) {
        out.push_str(&rest[..i + HTONS.len()]);
        rest = &rest[i + HTONS.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<u16>() {
            Ok(p) if p == port && port != 0 => out.push_str("PORT"),
            Ok(p) if ephemeral.contains(&p) && (learn || learned.contains(&p)) => {
                learned.insert(p);
                out.push_str("PEER");
            }
            _ => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Every `key=DIGITS` of `text` for which `f(key, digits)` gives a replacement, replaced.
fn fields(text: &str, f: impl Fn(&str, &str) -> Option<String>) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut i = 0;
    while let Some(eq) = text[i..].find('=').map(|e| e + i) {
        let key_start = text[..eq]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |k| k + 1);
        let digits = bytes[eq + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = eq + 1 + digits;
        let key = &text[key_start..eq];
        let whole = bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
        if digits > 0 && !key.is_empty() && whole {
            if let Some(new) = f(key, &text[eq + 1..end]) {
                out.push_str(&text[last..=eq]);
                out.push_str(&new);
                last = end;
            }
        }
        i = eq + 1;
    }
    out.push_str(&text[last..]);
    out
}

/// Hex numbers of 8 digits or more (user-space addresses) as `0x…`.
fn pointers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("0x") {
        let before = rest[..i].chars().next_back();
        let hex = rest[i + 2..]
            .bytes()
            .take_while(u8::is_ascii_hexdigit)
            .count();
        out.push_str(&rest[..i]);
        let word = before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if hex >= 8 && !word {
            out.push_str("0x…");
        } else {
            out.push_str(&rest[i..i + 2 + hex]);
        }
        rest = &rest[i + 2 + hex..];
    }
    out.push_str(rest);
    out
}

/// What stands after each `prefix` of `text`, up to the first of `ends`, as `<ignored>`; the
/// value kept in `ignored` under `name`.
fn ignore_value(
    text: &str,
    prefix: &str,
    name: &str,
    ends: &[char],
    ignored: &mut Vec<(String, String)>,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        out.push_str(&rest[..i + prefix.len()]);
        rest = &rest[i + prefix.len()..];
        let end = rest.find(ends).unwrap_or(rest.len());
        ignored.push((name.to_owned(), rest[..end].to_owned()));
        out.push_str("<ignored>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// epoll's `data={u32=N, u64=M}` compared by its low half: C's `ev.data.fd = fd` writes only
/// `u32` and leaves the union's upper half as it was, which the kernel stores and gives back.
/// An upper half that is not zero is shown as `u64=N` and kept in `ignored`.
fn epoll_data(text: &str, ignored: &mut Vec<(String, String)>) -> String {
    const KEY: &str = "data={u32=";
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(KEY) {
        out.push_str(&rest[..i + KEY.len()]);
        rest = &rest[i + KEY.len()..];
        let n_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n = &rest[..n_len];
        let after = &rest[n_len..];
        let Some(m_text) = after.strip_prefix(", u64=") else {
            continue;
        };
        let m_len = m_text.bytes().take_while(u8::is_ascii_digit).count();
        let m = &m_text[..m_len];
        if m != n {
            ignored.push(("data.u64".to_owned(), m.to_owned()));
        }
        out.push_str(&format!("{n}, u64={n}"));
        rest = &m_text[m_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::super::log::parse;
    use super::*;

    fn texts(log: &str, opts: &Normalize) -> Vec<String> {
        normalize(&parse(log), opts)
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    fn opts(port: u16) -> Normalize {
        Normalize {
            filter: Filter::DEFAULT,
            keep: false,
            port,
            ephemeral: 32768..=60999,
        }
    }

    #[test]
    fn keeps_socket_calls_and_names_fds_ports_and_drops_start_up() {
        let log = "\
7 read(3, \"\\177ELF\"..., 832) = 832
7 close(3) = 0
7 poll([{fd=0, events=0}, {fd=1, events=0}, {fd=2, events=0}], 3, 0) = 0 (Timeout)
7 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3
7 bind(3, {sa_family=AF_INET, sin_port=htons(5000), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0
7 listen(3, 10) = 0
7 poll([{fd=3, events=POLLIN}], 1, -1) = 1 ([{fd=3, revents=POLLIN}])
7 accept4(3, {sa_family=AF_INET, sin_port=htons(41000), sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC) = 4
7 read(4, \"fd=3 = (\", 1024) = 8
7 write(1, \"ok\\n\", 3) = 3
7 write(5, \"noise\", 5) = 5
7 close(4) = 0
7 read(4, \"\", 10) = 0
7 connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 EISCONN (Transport endpoint is already connected)
7 close(3) = 0
7 +++ exited with 0 +++
";
        let want = [
            "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = S0",
            "bind(S0, {sa_family=AF_INET, sin_port=htons(PORT), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
            "listen(S0, 10) = 0",
            "poll([{fd=S0, events=POLLIN}], 1, -1) = 1 ([{fd=S0, revents=POLLIN}])",
            "accept4(S0, {sa_family=AF_INET, sin_port=htons(PEER), sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC) = S1",
            "read(S1, \"fd=3 = (\", 1024) = 8",
            "write(1, \"ok\\n\", 3) = 3",
            "close(S1) = 0",
            "connect(S0, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 EISCONN (Transport endpoint is already connected)",
            "close(S0) = 0",
            "+++ exited with 0 +++",
        ];
        assert_eq!(texts(log, &opts(5000)), want);

        // --keep: the start-up calls come back, marked.
        let keep = Normalize {
            keep: true,
            ..opts(5000)
        };
        let lines = normalize(&parse(log), &keep);
        let startup: Vec<&str> = lines
            .iter()
            .filter(|l| l.startup)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(
            startup,
            [
                "read(3, \"\\177ELF\"..., 832) = 832",
                "close(3) = 0",
                "poll([{fd=0, events=0}, {fd=1, events=0}, {fd=2, events=0}], 3, 0) = 0 (Timeout)",
            ]
        );
        assert_eq!(lines.len(), want.len() + 3);
    }

    /// What the kernel does not read is shown as `<ignored>` and kept beside the line: a sent
    /// msghdr's `msg_flags` (up to its `,` or `}`), an `AF_UNSPEC` address's `sa_data` (up to
    /// the address's `}`).
    #[test]
    fn unread_values_are_ignored_and_kept() {
        let log = "\
7 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 3
7 connect(3, {sa_family=AF_UNSPEC, sa_data=\"\\0\\1, }\"}, 16) = 0
7 sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=MSG_OOB}, 0) = 1
";
        let lines = normalize(&parse(log), &opts(5000));
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = S0",
                "connect(S0, {sa_family=AF_UNSPEC, sa_data=<ignored>}\"}, 16) = 0",
                "sendmsg(S0, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=<ignored>}, 0) = 1",
            ]
        );
        let kept = |i: usize| lines[i].ignored.clone();
        assert_eq!(kept(1), [("sa_data".into(), "\"\\0\\1, ".into())]);
        assert_eq!(kept(2), [("msg_flags".into(), "MSG_OOB".into())]);
    }

    #[test]
    fn select_sets_epoll_data_pids_times_and_pointers() {
        let log = "\
10 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 3
10 pselect6(4, [0 3], NULL, NULL, {tv_sec=5, tv_nsec=0}, NULL) = 1 (in [3], left {tv_sec=4, tv_nsec=999000})
10 epoll_create1(0) = 4
10 epoll_ctl(4, EPOLL_CTL_ADD, 3, {events=EPOLLIN, data={u32=3, u64=3}}) = 0
10 epoll_wait(4, [{events=EPOLLIN, data={u32=3, u64=140733193388035}}], 64, -1) = 1
10 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f1234567890) = 11
11 close(4) = 0
11 recvmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[4]}], msg_controllen=24, msg_flags=0}, 0) = 1
11 read(4, \"hi\", 2) = 2
11 +++ exited with 0 +++
10 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=11, si_uid=0, si_status=0, si_utime=1, si_stime=2} ---
10 wait4(11, NULL, 0, NULL) = 11
10 sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[4]}], msg_controllen=24, msg_flags=MSG_OOB|0x7ffc0000}, 0) = 1
10 getsockname(3, {sa_family=AF_NETLINK, nl_pid=10, nl_groups=00000000}, [12]) = 0
";
        let all = Normalize {
            filter: Filter::ALL,
            ..opts(0)
        };
        let lines = normalize(&parse(log), &all);
        let got: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            got,
            [
                "P0 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = S0",
                "P0 pselect6(4, [0 S0], NULL, NULL, {tv_sec=5, tv_nsec=0}, NULL) = 1 (in [S0], left {…})",
                "P0 epoll_create1(0) = E0",
                "P0 epoll_ctl(E0, EPOLL_CTL_ADD, S0, {events=EPOLLIN, data={u32=S0, u64=S0}}) = 0",
                "P0 epoll_wait(E0, [{events=EPOLLIN, data={u32=S0, u64=S0}}], 64, -1) = 1",
                "P0 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x…) = P1",
                "P0 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=P1, si_uid=0, si_status=0, si_utime=T, si_stime=T} ---",
                "P0 wait4(P1, NULL, 0, NULL) = P1",
                "P0 sendmsg(S0, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[E0]}], msg_controllen=24, msg_flags=<ignored>}, 0) = 1",
                "P0 getsockname(S0, {sa_family=AF_NETLINK, nl_pid=P0, nl_groups=00000000}, [12]) = 0",
                "P1 close(E0) = 0",
                "P1 recvmsg(S0, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[F0]}], msg_controllen=24, msg_flags=0}, 0) = 1",
                "P1 read(F0, \"hi\", 2) = 2",
                "P1 +++ exited with 0 +++",
            ]
        );
        assert_eq!(
            lines[4].ignored,
            [("data.u64".to_owned(), "140733193388035".to_owned())]
        );
        assert_eq!(
            lines[8].ignored,
            [("msg_flags".to_owned(), "MSG_OOB|0x7ffc0000".to_owned())]
        );
    }

    /// Normalising names what differs between runs and nothing else: each pair differs in one
    /// value a port could get wrong, and must still differ once normalised.
    #[test]
    fn real_differences_survive() {
        let pairs = [
            ("listen(3, 10) = 0", "listen(3, 128) = 0"),
            (
                "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 3",
                "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3",
            ),
            (
                "bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
                "bind(3, {sa_family=AF_INET, sin_port=htons(9090), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
            ),
            (
                "bind(3, {sa_family=AF_INET, sin_port=htons(5000), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
                "bind(3, {sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0",
            ),
            (
                "connect(3, {sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
                "connect(3, {sa_family=AF_INET, sin_port=htons(40001), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
            ),
            ("sendto(3, \"hello\", 5, 0, NULL, 0) = 5", "sendto(3, \"hellp\", 5, 0, NULL, 0) = 5"),
            ("sendto(3, \"fd=3\", 4, 0, NULL, 0) = 4", "sendto(3, \"fd=4\", 4, 0, NULL, 0) = 4"),
            ("accept(3, NULL, NULL) = 4", "accept4(3, NULL, NULL, SOCK_CLOEXEC) = 4"),
            ("fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)", "fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)"),
            (
                "recvmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 1",
                "recvmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=MSG_TRUNC}, 0) = 1",
            ),
            (
                "epoll_ctl(4, EPOLL_CTL_ADD, 3, {events=EPOLLIN, data={u32=3, u64=3}}) = 0",
                "epoll_ctl(4, EPOLL_CTL_ADD, 3, {events=EPOLLIN|EPOLLET, data={u32=3, u64=3}}) = 0",
            ),
            (
                "pselect6(4, [3], NULL, NULL, NULL, NULL) = 1 (in [3])",
                "pselect6(5, [3], NULL, NULL, NULL, NULL) = 1 (in [3])",
            ),
            ("poll([{fd=3, events=POLLIN}], 1, -1) = 1 ([{fd=3, revents=POLLIN}])", "poll([{fd=3, events=POLLIN}], 1, 1000) = 1 ([{fd=3, revents=POLLIN}])"),
        ];
        for (a, b) in pairs {
            let log = |l: &str| {
                format!("7 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 3\n7 epoll_create1(0) = 4\n7 {l}\n")
            };
            let (x, y) = (texts(&log(a), &opts(5000)), texts(&log(b), &opts(5000)));
            assert_ne!(x, y, "{a} / {b}");
        }
    }

    #[test]
    fn a_port_the_kernel_chose_is_a_peer_where_it_comes_back() {
        let log = "\
7 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 3
7 bind(3, {sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0
7 recvfrom(3, \"hi\", 1024, 0, {sa_family=AF_INET, sin_port=htons(41000), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = 2
7 sendto(3, \"hi\", 2, 0, {sa_family=AF_INET, sin_port=htons(41000), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 2
";
        let got = texts(log, &opts(0));
        assert!(
            got[1].contains("htons(40000)"),
            "chosen by the program: {}",
            got[1]
        );
        assert!(got[2].contains("htons(PEER)"), "{}", got[2]);
        assert!(got[3].contains("htons(PEER)"), "the reply: {}", got[3]);
    }

    #[test]
    fn filters_parse_and_name_themselves() {
        assert_eq!(Filter::parse("net,poll,io,stdio"), Ok(Filter::DEFAULT));
        assert_eq!(Filter::parse("all"), Ok(Filter::ALL));
        assert_eq!(Filter::DEFAULT.to_string(), "net,poll,io,stdio");
        let unknown = Filter::parse("net,sockets").unwrap_err();
        assert_eq!(unknown, FilterError::Unknown("sockets".into()));
        assert_eq!(
            unknown.to_string(),
            "unknown class 'sockets' (allowed: net, poll, io, stdio, proc, all)"
        );
        assert_eq!(Filter::parse(" , "), Err(FilterError::Empty));
        assert_eq!(
            FilterError::Empty.to_string(),
            "no class given (allowed: net, poll, io, stdio, proc, all)"
        );
    }

    #[test]
    fn splits_at_top_level_commas_only() {
        assert_eq!(
            split_top("3, {a=1, b=[2, 3]}, \"x, y\", 4"),
            ["3", "{a=1, b=[2, 3]}", "\"x, y\"", "4"]
        );
        assert_eq!(split_top(""), Vec::<&str>::new());
    }
}
