//! Two hosts: two network namespaces joined by a veth pair, `serve` in one, `pingpong` and
//! `stream` in the other, over a plain link, a 50 Mbit tbf link and a link dropping 1% of the
//! packets at random (nft). netem (delay) is tried and skipped with the reason when refused.
//! Everything is torn down by a guard, even when an assertion fails.

use std::process::Command;

use serde_json::Value;

use super::common::{bin, is_root, not_on_this_platform, skip, Served};

/// Runs `ip`/`tc`/`nft`…; panics with the command's stderr on failure.
fn run(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Two namespaces `sla<pid>` (server, 10.77.0.1) and `slb<pid>` (client, 10.77.0.2) and the
/// veth between them; deleting the namespaces on drop removes the veth, qdiscs and rules too.
struct Link {
    a: String,
    b: String,
}

impl Link {
    fn new() -> Link {
        let pid = std::process::id();
        let link = Link {
            a: format!("sla{pid}"),
            b: format!("slb{pid}"),
        };
        run(&["ip", "netns", "add", &link.a]);
        run(&["ip", "netns", "add", &link.b]);
        let (va, vb) = (format!("va{pid}"), format!("vb{pid}"));
        run(&[
            "ip", "link", "add", &va, "netns", &link.a, "type", "veth", "peer", "name", &vb,
            "netns", &link.b,
        ]);
        for (ns, dev, ip) in [
            (&link.a, &va, "10.77.0.1/24"),
            (&link.b, &vb, "10.77.0.2/24"),
        ] {
            run(&["ip", "-n", ns, "addr", "add", ip, "dev", dev]);
            run(&["ip", "-n", ns, "link", "set", dev, "up"]);
            run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        link
    }

    fn client_dev(&self) -> String {
        format!("vb{}", std::process::id())
    }

    /// `ip netns exec <client ns> socklab args… --json`, parsed row.
    fn client(&self, args: &[&str]) -> Value {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.b, bin()])
            .args(args)
            .arg("--json")
            .env_remove("SOCKLAB_TRACE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(doc["socklab_version"].is_string() && doc["env"]["kernel"].is_string());
        doc["rows"][0].clone()
    }

    /// The server namespace's `Udp: RcvbufErrors`.
    fn rcvbuf_errors(&self) -> u64 {
        let snmp = run(&["ip", "netns", "exec", &self.a, "cat", "/proc/net/snmp"]);
        let udp: Vec<&str> = snmp.lines().filter(|l| l.starts_with("Udp:")).collect();
        let names: Vec<&str> = udp[0].split_whitespace().collect();
        let vals: Vec<&str> = udp[1].split_whitespace().collect();
        let i = names.iter().position(|n| *n == "RcvbufErrors").unwrap();
        vals[i].parse().unwrap()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or(f64::NAN)
}

#[test]
fn serve_and_clients_across_a_veth_link() {
    if !is_root() {
        skip("needs root (ip netns add, tc, nft)");
        return;
    }
    for tool in ["ip", "tc", "nft"] {
        if Command::new(tool).arg("-V").output().is_err() {
            skip(format_args!(
                "{tool} is not installed (apt-get install iproute2 nftables)"
            ));
            return;
        }
    }
    let link = Link::new();
    let prefix = ["ip", "netns", "exec", link.a.as_str()];
    let echo = Served::start(&prefix, &["--addr", "10.77.0.1:0", "--mode", "echo"]);
    let uecho = Served::start(&prefix, &["--transport", "udp", "--addr", "10.77.0.1:0"]);
    let usink = Served::start(
        &prefix,
        &[
            "--transport",
            "udp",
            "--addr",
            "10.77.0.1:0",
            "--mode",
            "sink",
            "--rcvbuf",
            "8388608",
        ],
    );
    let (tcp, udp, usink_a) = (
        echo.addr.to_string(),
        uecho.addr.to_string(),
        usink.addr.to_string(),
    );
    let mut table = vec!["| link | transport | p50 RTT µs | p99 RTT µs | goodput Mbit/s | sent | received | lost | RcvbufErrors |".to_string(),
        "|---|---|---|---|---|---|---|---|---|".to_string()];
    let dev = link.client_dev();

    // tcp: RTT, then a 2 s stream through the echo server (every byte back, checksummed).
    // udp: RTT, then a paced stream into the sink (loss counted at the receiver).
    let mut measure = |name: &str, rate: &str| -> (Value, Value) {
        let ping = link.client(&["pingpong", "--to", &tcp, "--iters", "1000"]);
        let st = link.client(&[
            "stream",
            "--to",
            &tcp,
            "--seconds",
            "2",
            "--size",
            "16384",
            "--verify",
        ]);
        assert_eq!(st["checksum_ok"], Value::Bool(true), "{st}");
        assert_eq!(st["echoed_bytes"], st["sent_bytes"], "{st}");
        table.push(format!(
            "| {name} | tcp | {:.1} | {:.1} | {:.1} | {} | {} | {} | |",
            f(&ping, "median_ns") / 1e3,
            f(&ping, "p99_ns") / 1e3,
            f(&st, "mbit_s"),
            st["sent_bytes"],
            st["received_bytes"],
            st["lost"]
        ));
        let uping = link.client(&[
            "pingpong",
            "--to",
            &udp,
            "--transport",
            "udp",
            "--iters",
            "1000",
        ]);
        let before = link.rcvbuf_errors();
        let ust = link.client(&[
            "stream",
            "--to",
            &usink_a,
            "--transport",
            "udp",
            "--seconds",
            "2",
            "--size",
            "1400",
            "--rate",
            rate,
        ]);
        let rcvbuf = link.rcvbuf_errors() - before;
        table.push(format!(
            "| {name} | udp (paced {rate} Mbit/s; {} of 300 pings lost) | {:.1} | {:.1} | {:.1} | {} | {} | {} ({:.2}%) | {rcvbuf} |",
            uping["lost"], f(&uping, "median_ns") / 1e3, f(&uping, "p99_ns") / 1e3, f(&ust, "mbit_s"),
            ust["iters"], ust["iters"].as_u64().unwrap() - ust["lost"].as_u64().unwrap(), ust["lost"],
            f(&ust, "lost_fraction") * 100.0
        ));
        assert_eq!(rcvbuf, 0, "the receiver's buffer dropped datagrams: {ust}");
        (st, ust)
    };

    let (plain, _) = measure("plain veth", "100");

    run(&[
        "ip", "netns", "exec", &link.b, "tc", "qdisc", "add", "dev", &dev, "root", "tbf", "rate",
        "50mbit", "burst", "32kbit", "latency", "400ms",
    ]);
    let (tbf, tbf_udp) = measure("tbf 50 Mbit", "45");
    // The link limited it: TCP goodput under the 50 Mbit/s rate (plus the 32 kbit burst's
    // share) and under the plain link's; every byte arrived (checked in `measure`).
    eprintln!(
        "tbf: TCP goodput {:.1} Mbit/s = {:.1}% of the 50 Mbit/s rate",
        f(&tbf, "mbit_s"),
        f(&tbf, "mbit_s") * 2.0
    );
    assert!(f(&tbf, "mbit_s") < 52.0, "{tbf}");
    assert!(f(&tbf, "mbit_s") < f(&plain, "mbit_s"), "{tbf} vs {plain}");
    assert!(f(&tbf_udp, "mbit_s") < 52.0, "{tbf_udp}");
    run(&[
        "ip", "netns", "exec", &link.b, "tc", "qdisc", "del", "dev", &dev, "root",
    ]);

    run(&["ip", "netns", "exec", &link.a, "nft", "add table inet loss; add chain inet loss in { type filter hook input priority 0; }; add rule inet loss in iifname != lo numgen random mod 100 < 1 drop"]);
    let (_, lossy_udp) = measure("1% drop (nft)", "50");
    let frac = f(&lossy_udp, "lost_fraction");
    // ~8900 datagrams at 1%: 89 ± 9.4 expected; these bounds are > 4 standard deviations.
    assert!(
        (0.005..0.016).contains(&frac),
        "UDP loss {frac} not near 1%: {lossy_udp}"
    );
    run(&[
        "ip",
        "netns",
        "exec",
        &link.a,
        "nft",
        "delete table inet loss",
    ]);

    let netem = Command::new("ip")
        .args([
            "netns", "exec", &link.b, "tc", "qdisc", "add", "dev", &dev, "root", "netem", "delay",
            "5ms",
        ])
        .output()
        .unwrap();
    let netem_note = if netem.status.success() {
        let ping = link.client(&["pingpong", "--to", &tcp, "--iters", "200"]);
        format!(
            "netem 5 ms one way (client egress): p50 RTT {:.1} µs",
            f(&ping, "median_ns") / 1e3
        )
    } else {
        not_on_this_platform(format_args!(
            "netem (sch_netem): `tc qdisc add … netem delay 5ms` was refused: {}",
            String::from_utf8_lossy(&netem.stderr).trim()
        ));
        "netem: not on this platform".to_owned()
    };
    eprintln!(
        "two hosts (veth between two netns):\n{}\n{netem_note}",
        table.join("\n")
    );
    eprintln!("{}\n{}\n{}", echo.stop(), uecho.stop(), usink.stop());
}
