//! `socklab parity`: the flags into `socklab::parity`'s types, the report on stdout, the exit
//! code from its verdict (0 identical, 1 different, 2 bad input or a run that failed).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use socklab::parity::{self, Command, Filter, Options, Ready, Shell};

use crate::output::{emit, usage_error};

/// The help's example and the rules it follows.
pub const AFTER_HELP: &str = "\
Each command runs under `strace -f` on a port of its own, free a moment ago: `{port}` in the
commands, --serve and --drive is replaced by it. The commands are separated by `--`; everything
after the second `--` is the right command, so only the right one may have an argument `--`.

A server: give --drive, the traffic (a shell command run once the server listens on {port});
parity then stops the server with SIGTERM once its trace has been quiet for --settle. A client:
give --serve, its peer (started first and awaited on {port}); the client is awaited until it
exits. A program that needs neither runs to its end. With --pipe the driver's stdout is the
command's stdin, kept open until the command ends. Every wait ends after --timeout with a
message saying what it waited for.

Normalised (the same on both sides): fds a traced call created (S0 sockets, E0 epoll, F0
received), {port} (PORT) and ports the kernel chose (PEER), pids (P0, P1; the lines of each
process together), select's time left, signal times, netlink sequence numbers, pointers.
Values the kernel ignores and C leaves uninitialised (sendmsg's msg_flags, an AF_UNSPEC
sa_data, epoll data's upper half) are shown as <ignored> and noted when they differ. Dropped: calls not on a traced fd, and the
runtimes' start-up calls (--keep shows them, marked ~, not counted). Strings are compared up
to -s bytes. C's stdout is fully buffered in a pipe where Rust's is line-buffered: run the C
program under `stdbuf -oL` to compare its writes.

Exit status: 0 identical, 1 different, 2 bad input or a run that failed.

Example (a Beej chat server and its port, driven by socklab's C client, c/tcp_client.c):
  socklab parity --drive './tcp_client {port} hello' \\
      -- stdbuf -oL ./pollserver {port} -- ./target/debug/examples/beej_pollserver {port}

A client that reads stdin, fed by a server that types into it (--pipe):
  socklab parity --pipe --serve './typing_server {port}' \\
      -- stdbuf -oL ./selectclient 127.0.0.1 {port} -- ./selectclient-rs 127.0.0.1 {port}";

#[derive(Args)]
pub struct ParityArgs {
    /// Shell command that makes the traffic once the command is ready (for a server)
    #[arg(short, long, value_name = "CMD")]
    drive: Option<String>,
    /// Shell command started first and awaited on {port}, stopped after the command (for a client)
    #[arg(short = 'S', long, value_name = "CMD")]
    serve: Option<String>,
    /// The driver's stdout (--drive's, else --serve's) becomes the command's stdin
    #[arg(short, long)]
    pipe: bool,
    /// When the command is ready for --drive: port (listening on {port}; the default with
    /// --drive), started (at once; the default otherwise), stdout:TEXT, call:NAME
    #[arg(short, long, value_name = "WHEN")]
    ready: Option<String>,
    /// Classes of calls compared, comma-separated: net, poll, io (on traced fds), stdio (fds
    /// 0-2), proc (fork, wait, SIGCHLD), all
    #[arg(
        short,
        long,
        value_name = "CLASSES",
        default_value = "net,poll,io,stdio"
    )]
    filter: String,
    /// Show the runtimes' start-up calls (the loader's, Rust's poll of fds 0-2), marked ~
    #[arg(short, long)]
    keep: bool,
    /// strace -s: bytes of each string printed and compared
    #[arg(short, long, value_name = "N", default_value_t = 256)]
    strsize: usize,
    /// Column titles, left then right (default: the programs' file names)
    #[arg(short, long = "name", value_name = "NAME")]
    names: Vec<String>,
    /// Seconds each wait may take (readiness, driver, exit, stop)
    #[arg(short, long, value_name = "SECS", default_value_t = 20.0)]
    timeout: f64,
    /// Seconds the trace must be quiet after --drive before the command is stopped
    #[arg(long, value_name = "SECS", default_value_t = 0.3)]
    settle: f64,
    /// Output width (default: $COLUMNS, else 160)
    #[arg(short, long, value_name = "N")]
    width: Option<usize>,
    /// The strace to run
    #[arg(long, value_name = "PATH", default_value = "strace")]
    strace: PathBuf,
    /// -- LEFT COMMAND... -- RIGHT COMMAND...
    #[arg(last = true, value_name = "COMMANDS", allow_hyphen_values = true)]
    commands: Vec<String>,
}

/// `socklab parity …`.
pub fn run(args: &ParityArgs) -> ExitCode {
    let (opts, left, right, width) = match parse(args) {
        Ok(parsed) => parsed,
        Err(msg) => return usage_error(&format!("parity: {msg}")),
    };
    let mut driver = Shell {
        serve: args.serve.clone(),
        drive: args.drive.clone(),
    };
    match parity::parity(&left, &right, &opts, &mut driver) {
        Ok(mut report) => {
            report.width = width;
            let code = if report.is_identical() { 0 } else { 1 };
            match emit(&report.to_string()) {
                Ok(()) => ExitCode::from(code),
                Err(code) => code,
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The flags as the library's options, the two commands and the width, or a usage error.
fn parse(args: &ParityArgs) -> Result<(Options, Command, Command, usize), String> {
    let sep = args.commands.iter().position(|a| a == "--");
    let (left, right) = match sep {
        Some(i) => (&args.commands[..i], &args.commands[i + 1..]),
        None => {
            return Err("give two commands: socklab parity [OPTIONS] -- LEFT... -- RIGHT...".into())
        }
    };
    if left.is_empty() || right.is_empty() {
        let which = if left.is_empty() { "left" } else { "right" };
        return Err(format!("the {which} command is empty"));
    }
    let filter = Filter::parse(&args.filter).map_err(|e| format!("--filter: {e}"))?;
    let ready = match &args.ready {
        Some(r) => Ready::parse(r).map_err(|e| format!("--ready: {e}"))?,
        None if args.drive.is_some() && args.serve.is_none() => Ready::Port,
        None => Ready::Started,
    };
    if ready == Ready::Port && !left.iter().chain(right).any(|a| a.contains("{port}")) {
        return Err(
            "--ready port (the default with --drive) waits for the command to listen on \
                    {port}, but neither command has {port} in it: put it where the program \
                    takes its port, or say --ready started|stdout:TEXT|call:NAME"
                .into(),
        );
    }
    if args.pipe && args.drive.is_none() && args.serve.is_none() {
        return Err("--pipe needs --drive or --serve, whose stdout it pipes".into());
    }
    let secs = |flag: &str, v: f64| {
        if v.is_finite() && v > 0.0 && v <= 86_400.0 {
            Ok(Duration::from_secs_f64(v))
        } else {
            Err(format!("{flag} {v}: seconds above 0, at most 86400"))
        }
    };
    if args.strsize == 0 {
        return Err("--strsize 0: strace needs at least 1".into());
    }
    if args.names.len() > 2 {
        return Err("--name: at most two (left, right)".into());
    }
    let width = args
        .width
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .unwrap_or(160)
        .max(40);
    let opts = Options {
        filter,
        keep: args.keep,
        ready,
        timeout: secs("--timeout", args.timeout)?,
        settle: secs("--settle", args.settle)?,
        strsize: args.strsize,
        pipe: args.pipe,
        strace: args.strace.clone(),
    };
    let mut left = Command::new(left.iter().cloned());
    let mut right = Command::new(right.iter().cloned());
    if let Some(n) = args.names.first() {
        left = left.named(n.clone());
    }
    if let Some(n) = args.names.get(1) {
        right = right.named(n.clone());
    }
    if left.name == right.name && args.names.is_empty() {
        left.name = format!("{} (left)", left.name);
        right.name = format!("{} (right)", right.name);
    }
    Ok((opts, left, right, width))
}
