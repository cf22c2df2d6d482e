//! Printing a [`Report`]: the human table (env block, one section per group) and the JSON
//! document of `docs/compare-schema.md`, written by hand: the `compare` feature has serde
//! (for [`Env`]) but not serde_json.

use std::fmt::Write;

use super::env::Env;
use super::paths::PathName;
use super::syscall::{SysCall, SyscallRow};
use super::{Mode, Nagle, Report, Row};

/// A JSON value, enough for the report.
enum J {
    Null,
    Num(f64),
    Int(u64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

impl J {
    fn opt_num(v: Option<f64>) -> J {
        v.map_or(J::Null, J::Num)
    }

    fn opt_str(v: &Option<String>) -> J {
        v.clone().map_or(J::Null, J::Str)
    }

    fn write(&self, out: &mut String, indent: usize) {
        let pad = |n| "  ".repeat(n);
        match self {
            J::Null => out.push_str("null"),
            J::Num(x) if x.is_finite() => {
                let _ = write!(out, "{x:?}");
            }
            J::Num(_) => out.push_str("null"),
            J::Int(i) => {
                let _ = write!(out, "{i}");
            }
            J::Str(s) => write_str(out, s),
            J::Arr(items) if items.iter().all(|i| matches!(i, J::Num(_) | J::Int(_))) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    item.write(out, indent);
                }
                out.push(']');
            }
            J::Arr(items) => {
                out.push_str("[\n");
                for (n, item) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    item.write(out, indent + 1);
                    out.push_str(if n + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            J::Obj(fields) => {
                out.push_str("{\n");
                for (n, (k, v)) in fields.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    write_str(out, k);
                    out.push_str(": ");
                    v.write(out, indent + 1);
                    out.push_str(if n + 1 < fields.len() { ",\n" } else { "\n" });
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
        }
    }
}

/// A JSON string literal with the escapes JSON requires.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One row as the schema's object; `batch` only on `libc-mmsg` batch rows, `mbit_s` and `lost`
/// only on stream rows.
fn row_json(r: &Row) -> J {
    let s = &r.summary;
    let mut f = vec![
        ("mode", J::Str(r.mode.name().into())),
        ("transport", J::Str(r.transport.name().into())),
        ("path", J::Str(r.path.name().into())),
        ("size", J::Int(r.size as u64)),
    ];
    if let Some(b) = r.batch {
        f.push(("batch", J::Int(b as u64)));
    }
    f.extend([
        ("iters", J::Int(s.count)),
        ("median_ns", J::Num(s.median_ns)),
        ("p99_ns", J::Num(s.p99_ns)),
        ("p999_ns", J::Num(s.p999_ns)),
        ("min_ns", J::Num(s.min_ns)),
        ("ratio_to_c", J::opt_num(r.ratio_to_c)),
        (
            "ratio_ci95",
            r.ratio_ci95
                .map_or(J::Null, |[lo, hi]| J::Arr(vec![J::Num(lo), J::Num(hi)])),
        ),
        ("ratio_to_twin", J::opt_num(r.ratio_to_twin)),
        ("ratio_to_floor", J::opt_num(r.ratio_to_floor)),
        ("syscalls_per_op", J::opt_num(r.syscalls_per_op)),
    ]);
    if r.mode == Mode::Stream {
        f.push(("mbit_s", J::opt_num(r.mbit_s)));
        f.push(("lost", r.lost.map_or(J::Null, J::Int)));
    }
    J::Obj(f)
}

/// A `--mode syscall` row: `transport` and `size` null, the call in `call`, one op = one call.
fn syscall_row_json(r: &SyscallRow) -> J {
    let s = &r.summary;
    J::Obj(vec![
        ("mode", J::Str(Mode::Syscall.name().into())),
        ("transport", J::Null),
        ("call", J::Str(r.call.name().into())),
        ("path", J::Str(r.path.name().into())),
        ("size", J::Null),
        ("iters", J::Int(s.count)),
        ("median_ns", J::Num(s.median_ns)),
        ("p99_ns", J::Num(s.p99_ns)),
        ("p999_ns", J::Num(s.p999_ns)),
        ("min_ns", J::Num(s.min_ns)),
        ("ratio_to_c", J::Null),
        ("ratio_ci95", J::Null),
        ("ratio_to_twin", J::Null),
        ("ratio_to_floor", J::opt_num(r.ratio_to_floor)),
        ("syscalls_per_op", J::Num(1.0)),
    ])
}

/// The `env` block of the JSON document: [`Env`]'s fields, as `socklab::net`'s `--json` gets
/// them from serde (a unit test holds the two to the same keys and values).
fn env_json(e: &Env) -> J {
    J::Obj(vec![
        ("kernel", J::Str(e.kernel.clone())),
        ("cpu_model", J::Str(e.cpu_model.clone())),
        ("cpus", J::Int(e.cpus as u64)),
        ("virtualization", J::Str(e.virtualization.clone())),
        ("clocksource", J::Str(e.clocksource.clone())),
        ("pin", J::Str(e.pin.clone())),
        (
            "cpu_dma_latency",
            e.cpu_dma_latency.map_or(J::Null, |v| J::Int(v.into())),
        ),
        ("started_at", J::Str(e.started_at.clone())),
        ("cpu_steal_pct", J::opt_num(e.cpu_steal_pct)),
        ("trace", J::opt_str(&e.trace)),
        (
            "mitigations",
            J::Obj(vec![
                ("spectre_v2", J::opt_str(&e.mitigations.spectre_v2)),
                (
                    "spec_rstack_overflow",
                    J::opt_str(&e.mitigations.spec_rstack_overflow),
                ),
                ("retbleed", J::opt_str(&e.mitigations.retbleed)),
                ("cmdline", J::opt_str(&e.mitigations.cmdline)),
            ]),
        ),
    ])
}

/// The JSON document (`socklab compare --json`). Beyond the schema's keys it adds
/// `env.cpu_steal_pct`, `harness_overhead_ns` and `nagle` (the canary, kept out of `rows`
/// because its pattern is not one of the schema's paths).
pub fn json(r: &Report) -> String {
    let env = env_json(&r.env);
    let mut top = vec![
        ("socklab_version", J::Str(env!("CARGO_PKG_VERSION").into())),
        ("env", env),
        (
            "rows",
            J::Arr(
                r.rows
                    .iter()
                    .map(row_json)
                    .chain(r.syscall_rows.iter().map(syscall_row_json))
                    .collect(),
            ),
        ),
        ("harness_overhead_ns", J::Num(r.overhead_ns)),
    ];
    if let Some(n) = &r.nagle {
        top.push((
            "nagle",
            J::Obj(vec![
                ("iters", J::Int(n.iters)),
                ("nodelay_median_ns", J::Num(n.nodelay_median_ns)),
                ("nagle_median_ns", J::Num(n.nagle_median_ns)),
            ]),
        ));
    }
    let mut out = String::new();
    J::Obj(top).write(&mut out, 0);
    out.push('\n');
    out
}

/// A latency for the table: `850ns`, `10.55µs`, `44.1ms`.
pub fn fmt_ns(ns: f64) -> String {
    if !ns.is_finite() {
        "-".into()
    } else if ns < 1_000.0 {
        format!("{ns:.0}ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2}µs", ns / 1e3)
    } else {
        format!("{:.1}ms", ns / 1e6)
    }
}

/// The UDP `rtt` median of `c` (the reference the overhead is a share of), else the first `rtt`
/// `c` row, else the first `c` row.
fn overhead_reference(r: &Report) -> Option<&Row> {
    let c = || {
        r.rows
            .iter()
            .filter(|x| x.path == super::paths::PathName::C)
    };
    c().find(|x| x.mode == Mode::Rtt && x.transport == super::paths::Transport::Udp)
        .or_else(|| c().find(|x| x.mode == Mode::Rtt))
        .or_else(|| c().next())
}

/// The environment block, one line per item.
fn env_block(r: &Report, out: &mut String) {
    let e = &r.env;
    let dma = match e.cpu_dma_latency {
        Some(v) => format!("held at {v} µs"),
        None => "not set".into(),
    };
    let steal = e
        .cpu_steal_pct
        .map_or("unknown".into(), |s| format!("{s:.2}%"));
    let _ = writeln!(out, "socklab {} compare", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "  kernel          {}", e.kernel);
    let _ = writeln!(out, "  cpu             {} ({} cpus)", e.cpu_model, e.cpus);
    let _ = writeln!(out, "  virtualization  {}", e.virtualization);
    let _ = writeln!(out, "  clocksource     {}", e.clocksource);
    let _ = writeln!(out, "  pin             {}", e.pin);
    let _ = writeln!(out, "  cpu_dma_latency {dma}");
    let _ = writeln!(out, "  cpu steal       {steal} during the run");
    let _ = writeln!(out, "  started_at      {}", e.started_at);
    if let Some(t) = &e.trace {
        let _ = writeln!(out, "  trace           {t}");
    }
    let m = &e.mitigations;
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".into());
    let _ = writeln!(
        out,
        "  mitigations     spectre_v2: {}; spec_rstack_overflow: {}; retbleed: {}; cmdline: {}",
        or_unknown(&m.spectre_v2),
        or_unknown(&m.spec_rstack_overflow),
        or_unknown(&m.retbleed),
        m.cmdline.as_deref().unwrap_or("no mitigations=")
    );
    let share = overhead_reference(r).map_or(String::new(), |x| {
        format!(
            " = {:.2}% of the {} {} c median ({})",
            r.overhead_ns * 100.0 / x.summary.median_ns,
            x.mode,
            x.transport,
            fmt_ns(x.summary.median_ns)
        )
    });
    let _ = writeln!(
        out,
        "  harness         {:.1} ns per sample (timestamp + histogram){share}",
        r.overhead_ns
    );
}

/// The human table: env block, then one section per group; ratios are to `c` in the same
/// section, measured interleaved.
pub fn table(r: &Report) -> String {
    let mut out = String::new();
    env_block(r, &mut out);
    let mut last = None;
    for row in &r.rows {
        let group = (row.mode, row.transport, row.size);
        if last != Some(group) {
            last = Some(group);
            group_header(row, &mut out);
        }
        row_line(row, &mut out);
    }
    syscall_table(r, &mut out);
    if let Some(n) = &r.nagle {
        nagle_line(n, &mut out);
    }
    notes(r, &mut out);
    out
}

/// A group's title (mode, transport, size and what one op is) and its column heads.
fn group_header(row: &Row, out: &mut String) {
    let op = match row.mode {
        Mode::Rtt => " (one op = one round trip)",
        Mode::Batch => " (one op = one message)",
        Mode::Stream => " (one op = one message at the receiver)",
        Mode::SameThread => " (one op = send + receive)",
        Mode::Syscall => "",
    };
    let _ = writeln!(out, "\n{} {} {} B{op}", row.mode, row.transport, row.size);
    let _ = write!(
        out,
        "  {:<22} {:>9} {:>9} {:>9} {:>9} {:>6} {:>15} {:>6} {:>6} {:>6}",
        "path", "median", "p99", "p99.9", "min", "ratio", "ci95", "twin", "floor", "sys/op"
    );
    if row.mode == Mode::Stream {
        let _ = write!(out, " {:>9} {:>6}", "Mbit/s", "lost");
    }
    let _ = writeln!(out, "  calls");
}

/// One row: the latencies, the ratios (`-` where there is none), stream's rate and loss, the
/// calls counted.
fn row_line(row: &Row, out: &mut String) {
    let s = &row.summary;
    let name = match row.batch {
        Some(b) => format!("{} ({b})", row.path),
        None => row.path.to_string(),
    };
    let ratio3 = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.3}"));
    let ci = row
        .ratio_ci95
        .map_or("-".into(), |[lo, hi]| format!("[{lo:.3},{hi:.3}]"));
    let sys = row
        .syscalls_per_op
        .map_or("-".into(), |x| format!("{x:.2}"));
    let _ = write!(
        out,
        "  {:<22} {:>9} {:>9} {:>9} {:>9} {:>6} {:>15} {:>6} {:>6} {:>6}",
        name,
        fmt_ns(s.median_ns),
        fmt_ns(s.p99_ns),
        fmt_ns(s.p999_ns),
        fmt_ns(s.min_ns),
        ratio3(row.ratio_to_c),
        ci,
        ratio3(row.ratio_to_twin),
        ratio3(row.ratio_to_floor),
        sys
    );
    if row.mode == Mode::Stream {
        let mbit = row.mbit_s.map_or("-".into(), |m| format!("{m:.1}"));
        let lost = row.lost.map_or("-".into(), |l| l.to_string());
        let _ = write!(out, " {mbit:>9} {lost:>6}");
    }
    let _ = writeln!(out, "  {}", row.calls);
}

/// The Nagle canary's line.
fn nagle_line(n: &Nagle, out: &mut String) {
    let _ = writeln!(
        out,
        "\nnagle canary: tcp write(4)+write(60)+read(64), {} exchanges each: \
         TCP_NODELAY {} vs Nagle {} ({:.0}×)",
        n.iters,
        fmt_ns(n.nodelay_median_ns),
        fmt_ns(n.nagle_median_ns),
        n.nagle_median_ns / n.nodelay_median_ns
    );
}

/// The run's notes, then what each path measured shows (for the paths in the table).
fn notes(r: &Report, out: &mut String) {
    for note in &r.notes {
        let _ = writeln!(out, "note: {note}");
    }
    for (path, why) in PATH_NOTES {
        if r.rows.iter().any(|row| row.path == *path) {
            let _ = writeln!(out, "note: {path}: {why}");
        }
    }
}

/// The `--mode syscall` sections: one per call, each way's ns per call, its ratio to the inline
/// floor and the "tax" it pays over it, then what the frames are.
fn syscall_table(r: &Report, out: &mut String) {
    for call in SysCall::ALL {
        let rows: Vec<&SyscallRow> = r.syscall_rows.iter().filter(|x| x.call == call).collect();
        if rows.is_empty() {
            continue;
        }
        let floor = rows
            .iter()
            .find(|x| x.path == super::syscall::SysPath::CInline)
            .map(|x| x.summary.median_ns);
        let _ = writeln!(
            out,
            "\nsyscall {} (one op = one call, timed in blocks of {})",
            call.name(),
            super::syscall::BLOCK
        );
        let _ = writeln!(
            out,
            "  {:<10} {:>9} {:>9} {:>9} {:>6} {:>7}  frames",
            "path", "median", "p99", "min", "floor", "tax"
        );
        for x in rows {
            let s = &x.summary;
            let floor_ratio = x.ratio_to_floor.map_or("-".into(), |v| format!("{v:.3}"));
            let tax = floor.map_or("-".into(), |f| format!("{:+.0}ns", s.median_ns - f));
            let _ = writeln!(
                out,
                "  {:<10} {:>9} {:>9} {:>9} {:>6} {:>7}  {}",
                x.path.name(),
                fmt_ns(s.median_ns),
                fmt_ns(s.p99_ns),
                fmt_ns(s.min_ns),
                floor_ratio,
                tax,
                x.path.what()
            );
        }
    }
    if !r.syscall_rows.is_empty() {
        let _ = writeln!(
            out,
            "  tax = median - c-inline's: what each frame spanning the syscall costs. A ret whose \
             call came before the kernel entry mispredicts when the entry/exit clears the return \
             predictions (retpolines + RSB filling, SRSO Safe RET: see mitigations above); a call \
             made after the syscall costs nothing extra."
        );
    }
}

/// What each path does that explains its ratio, printed under the table when it ran.
const PATH_NOTES: &[(PathName, &str)] = &[
    (
        PathName::CSendRecv,
        "c-send-recv, c-sendto-recvfrom, c-sendmsg-recvmsg and c-mmsg are c's loops making the \
         syscalls of libc-send-recv, libc-sendto-recvfrom, libc-sendmsg-recvmsg and libc-mmsg; \
         twin = median / the twin's median (std, nix, socket2 and rustix: c-send-recv, the \
         syscalls they make)",
    ),
    (
        PathName::CInline,
        "the physical floor: c's read/write loop with the syscall instruction inline and the \
         samples timed in C, so no function frame spans a syscall (glibc's wrappers are such a \
         frame: a ret whose call came before the kernel entry loses its return prediction on \
         CPUs whose mitigations flush it); floor = median / c-inline's median",
    ),
    (
        PathName::LibcSendtoRecvfrom,
        "on udp sendto passes the peer address, as an unconnected C server does, so the kernel \
         looks up the route for every datagram instead of using the connected socket's cached \
         one; elsewhere the address is zero-length",
    ),
    (
        PathName::LibcSendRecv,
        "x86-64 has no send/recv syscalls: glibc's send()/recv() are sendto/recvfrom with NULL \
         addresses (see calls); those enter the socket layer directly, while read/write (the c \
         floor) pass through the VFS first (vfs_read/vfs_write, then sock_read_iter/\
         sock_write_iter), so the sendto/recvfrom paths (this one, std, nix, socket2) can run a \
         few % under c with the same number of syscalls",
    ),
    (
        PathName::LibcSendmsgRecvmsg,
        "the kernel copies in the msghdr and its iovec array per call, and recvmsg copies the \
         source address out (socklab passes a zeroed sockaddr_storage each time): more work \
         per call than send/recv",
    ),
    (
        PathName::LibcMmsg,
        "one sendmmsg and one recvmmsg per batch; its row is per message (sys/op = 2 / batch)",
    ),
    (
        PathName::Rustix,
        "rustix's linux_raw backend issues the syscall instruction itself: no glibc wrapper \
         (cancellation point, errno) around it",
    ),
    (
        PathName::Std,
        "std writes with send(MSG_NOSIGNAL) (the sendto syscall) except UnixDatagram::send, \
         which is write(2); it reads with recv (recvfrom) — see calls",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_and_numbers() {
        let mut s = String::new();
        write_str(&mut s, "a\"b\\c\nd\u{1}");
        assert_eq!(s, r#""a\"b\\c\nd\u0001""#);
        let mut s = String::new();
        J::Arr(vec![J::Num(1.0), J::Num(f64::NAN), J::Int(3)]).write(&mut s, 0);
        assert_eq!(s, "[1.0, null, 3]");
    }

    /// The hand-written `env` block and serde's (what `pingpong --json` prints) agree.
    #[test]
    fn env_block_matches_serde() {
        let mut env = Env::capture("none", Some(0));
        env.cpu_steal_pct = Some(1.25);
        env.trace = Some("off for the measured loops".into());
        let mut ours = String::new();
        env_json(&env).write(&mut ours, 0);
        let ours: serde_json::Value = serde_json::from_str(&ours).unwrap();
        assert_eq!(ours, serde_json::to_value(&env).unwrap());
    }

    #[test]
    fn latency_units() {
        assert_eq!(fmt_ns(850.0), "850ns");
        assert_eq!(fmt_ns(10_550.0), "10.55µs");
        assert_eq!(fmt_ns(44_100_000.0), "44.1ms");
    }
}
