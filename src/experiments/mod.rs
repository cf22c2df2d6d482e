//! The primer's claims about sockets, TCP and UDP, each turned into an experiment that measures it
//! on loopback (or in a private network namespace) and says whether it held.
//!
//! The primer is a Korean introduction to sockets (`소켓(Socket): 네트워크 통신의 핵심 개념과
//! TCP/UDP 프로토콜`). Each function here takes one of its sentences, quoted in [`Outcome::claim`]
//! with an English gloss, measures it with socklab's [`sys`](crate::sys) layer and the kernel's own
//! counters, and returns an [`Outcome`]: a [`Verdict`], the figures behind it
//! ([`Outcome::evidence`]) and how they were obtained ([`Outcome::method`]).
//!
//! Nothing is assumed: a verdict follows from figures measured in the same run, and an experiment
//! that cannot measure (no root for a network namespace, no `CAP_NET_RAW`, no `tc`) says
//! [`Verdict::CannotRun`] with the reason instead of guessing. Every packet stays on `127.0.0.1`,
//! inside the process's own network namespaces. Each experiment takes at most a few seconds.
//!
//! | claim (primer) | experiment |
//! |---|---|
//! | 소켓: 두 프로그램 간의 양방향 통신 연결을 위한 엔드포인트 | [`bidirectional`] |
//! | 데이터 경계: 스트림 방식 / 데이터그램 방식 | [`stream_vs_datagram`] |
//! | 연결 지향: 3-way handshake로 연결 수립 | [`tcp_handshake`] |
//! | 비연결 지향: 연결 수립 과정 없음 | [`udp_connectionless`] |
//! | 신뢰성: 데이터 전송 보장, 재전송 메커니즘 | [`tcp_reliable`] |
//! | 신뢰성 낮음: 데이터 전송 보장 안 함 | [`udp_unreliable`] |
//! | 순서 보장: 패킷 순서대로 전달 | [`tcp_ordered`] |
//! | 순서 보장 안 함: 패킷 순서 뒤바뀔 수 있음 | [`udp_unordered`] |
//! | 속도: UDP보다 느림 / TCP보다 빠름 | [`speed`] |
//! | 오버헤드: 높음 / 낮음 | [`overhead`] |
//! | 포트 번호: 특정 애플리케이션 식별 | [`ports_identify_apps`] |
//! | 포트 번호는 0~65535 범위, 80 (HTTP) | [`well_known_ports`] |
//! | OSI 7계층 모델 | [`layers`] |
//! | `recv(1024)` (the UDP server's buffer) | [`udp_truncation`] |
//! | `listen(server_fd, 3)` (the C++ server's backlog) | [`backlog`] |
//! | L3 네트워크 계층: IP, ICMP | [`icmp_echo`] |
//! | (TCP's write-write-read stall: a socket option the primer never names) | [`nagle`] |
//!
//! Evidence is typed: each figure has a `snake_case` key and a [`Value`] (an integer, a float
//! with its unit, a bool, text or a list), so tests and the JSON report ([`json`]) read numbers
//! as numbers. A socket call that fails for any reason other than a named missing privilege or
//! kernel feature makes the outcome [`Verdict::Failed`], never a skip.
//!
//! ```no_run
//! for outcome in socklab::experiments::run_all() {
//!     println!("{outcome}");
//! }
//! let one = (socklab::experiments::find("udp_truncation").unwrap().run)();
//! assert_eq!(one.int("kept_bytes"), Some(1024));
//! ```

use std::fmt;
use std::time::Duration;

mod backlog;
mod boundaries;
pub mod bpf;
mod claim;
mod connection;
mod duplex;
mod host;
mod icmp;
mod layers;
mod nodelay;
mod ordering;
mod ports;
mod reliability;
mod sockets;
mod speed;
mod truncation;

pub use backlog::backlog;
pub use boundaries::stream_vs_datagram;
pub use connection::{tcp_handshake, udp_connectionless};
pub use duplex::bidirectional;
pub use icmp::icmp_echo;
pub use layers::layers;
pub use nodelay::nagle;
pub use ordering::{tcp_ordered, udp_unordered};
pub use ports::{ports_identify_apps, well_known_ports};
pub use reliability::{tcp_reliable, udp_unreliable};
pub use speed::{overhead, speed};
pub use truncation::udp_truncation;

/// What the measurement said about the claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The figures show what the claim says.
    Held,
    /// The figures contradict the claim.
    Refuted,
    /// True in part or only under conditions the claim does not state; the summary says which.
    Nuanced,
    /// A named privilege or kernel feature is missing here (checked, with its errno); the reason
    /// says which. Nothing else becomes `CannotRun`.
    CannotRun(String),
    /// A socket call failed that should not have: a bug or a broken host, never a verdict on the
    /// claim. The text is the strace-style error.
    Failed(String),
}

impl Verdict {
    /// The verdict's name in the JSON report: `held`, `nuanced`, `refuted`, `cannot-run` or
    /// `failed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Held => "held",
            Verdict::Refuted => "refuted",
            Verdict::Nuanced => "nuanced",
            Verdict::CannotRun(_) => "cannot-run",
            Verdict::Failed(_) => "failed",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Held => f.write_str("HELD"),
            Verdict::Refuted => f.write_str("REFUTED"),
            Verdict::Nuanced => f.write_str("NUANCED"),
            Verdict::CannotRun(why) => write!(f, "CANNOT RUN ({why})"),
            Verdict::Failed(err) => write!(f, "FAILED ({err})"),
        }
    }
}

/// The value of one measured figure.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A count, a byte size, a port, a counter delta.
    Int(i64),
    /// A measured quantity and its unit (`"ms"`, `"µs"`, `"MB/s"`; `""` for a ratio). The key
    /// ends in the unit too (`transfer_ms`), so the JSON report can give the bare number.
    Float {
        /// The number.
        value: f64,
        /// Its unit, `""` for a plain ratio.
        unit: &'static str,
    },
    /// A yes/no figure (`both directions intact`).
    Bool(bool),
    /// An errno symbol (`"EADDRINUSE"`), `"ok"`, an address, a name.
    Text(String),
    /// Several values in the order measured (per-round ratios, an arrival order).
    List(Vec<Value>),
}

impl Value {
    /// A float with its unit.
    pub fn float(value: f64, unit: &'static str) -> Value {
        Value::Float { value, unit }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The number, if this is an integer or a float.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Float { value, .. } => Some(*value),
            _ => None,
        }
    }

    /// The bool, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) => Some(v),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Float { value, unit: "" } => write!(f, "{value:.2}"),
            Value::Float { value, unit } if value.abs() >= 100.0 => write!(f, "{value:.0} {unit}"),
            Value::Float { value, unit } if value.abs() >= 1.0 => write!(f, "{value:.2} {unit}"),
            Value::Float { value, unit } => write!(f, "{value:.4} {unit}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Text(s) => f.write_str(s),
            Value::List(v) => {
                f.write_str("[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
        }
    }
}

macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
value_from_int!(i8, u8, i16, u16, i32, u32, i64, u64, usize);

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_owned())
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

/// The figures of one experiment: `snake_case` keys with typed values, in the order measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evidence(Vec<(&'static str, Value)>);

impl Evidence {
    /// No figures yet.
    pub fn new() -> Evidence {
        Evidence(Vec::new())
    }

    /// Records figure `key` (a later value for the same key replaces the earlier one).
    pub fn push(&mut self, key: &'static str, value: impl Into<Value>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Figure `key`, if it was recorded.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Every figure, in the order recorded.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    /// How many figures were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One claim of the primer and what measuring it gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// A short name for the experiment (`"tcp_handshake"`), the function's name.
    pub id: &'static str,
    /// The primer's sentence in Korean, then an English gloss.
    pub claim: &'static str,
    /// Held, refuted, nuanced, why it could not be measured, or the error that broke it.
    pub verdict: Verdict,
    /// One or two sentences: what the figures say about the claim.
    pub summary: String,
    /// The measured figures, by `snake_case` key.
    pub evidence: Evidence,
    /// How the figures were obtained.
    pub method: &'static str,
    /// How long the experiment took, namespace set-up included.
    pub elapsed: Duration,
}

impl Outcome {
    /// Evidence item `key`, if the experiment recorded it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.evidence.get(key)
    }

    /// Evidence item `key` if it is an integer.
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key)?.as_int()
    }

    /// Evidence item `key` if it is a number (integer or float).
    pub fn num(&self, key: &str) -> Option<f64> {
        self.get(key)?.as_f64()
    }

    /// Evidence item `key` if it is a bool.
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.get(key)?.as_bool()
    }

    /// Evidence item `key` if it is text.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_text()
    }
}

impl fmt::Display for Outcome {
    /// A block: the verdict and id, the claim, the summary, the method and the evidence, one
    /// item per line with the values aligned.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.elapsed.as_secs_f64() * 1e3;
        writeln!(f, "[{}] {} ({ms:.0} ms)", self.verdict, self.id)?;
        writeln!(f, "  claim:   {}", self.claim)?;
        writeln!(f, "  summary: {}", self.summary)?;
        writeln!(f, "  method:  {}", self.method)?;
        let width = self.evidence.iter().map(|(k, _)| k.len()).max();
        for (k, v) in self.evidence.iter() {
            let pad = width.unwrap_or(0) - k.len();
            writeln!(f, "    {k}{:pad$} : {v}", "")?;
        }
        Ok(())
    }
}

/// One experiment of the catalogue: its name, the claim it measures, and the function that runs
/// it.
#[derive(Clone, Copy, Debug)]
pub struct Experiment {
    /// The name (`"udp_truncation"`), as `socklab experiments NAME` takes it.
    pub name: &'static str,
    /// The primer's sentence in Korean, then an English gloss.
    pub claim: &'static str,
    /// Runs the experiment.
    pub run: fn() -> Outcome,
}

impl Experiment {
    const fn new(c: &claim::Claim, run: fn() -> Outcome) -> Experiment {
        Experiment {
            name: c.id,
            claim: c.claim,
            run,
        }
    }
}

/// Every experiment, in the primer's order.
pub const ALL: &[Experiment] = &[
    Experiment::new(&duplex::CLAIM, bidirectional),
    Experiment::new(&boundaries::CLAIM, stream_vs_datagram),
    Experiment::new(&truncation::CLAIM, udp_truncation),
    Experiment::new(&connection::HANDSHAKE, tcp_handshake),
    Experiment::new(&backlog::CLAIM, backlog),
    Experiment::new(&connection::CONNECTIONLESS, udp_connectionless),
    Experiment::new(&reliability::TCP_RELIABLE, tcp_reliable),
    Experiment::new(&reliability::UDP_UNRELIABLE, udp_unreliable),
    Experiment::new(&ordering::TCP_ORDERED, tcp_ordered),
    Experiment::new(&ordering::UDP_UNORDERED, udp_unordered),
    Experiment::new(&speed::SPEED, speed),
    Experiment::new(&nodelay::CLAIM, nagle),
    Experiment::new(&speed::OVERHEAD, overhead),
    Experiment::new(&ports::IDENTIFY, ports_identify_apps),
    Experiment::new(&ports::WELL_KNOWN, well_known_ports),
    Experiment::new(&layers::LAYERS, layers),
    Experiment::new(&icmp::CLAIM, icmp_echo),
];

/// The experiment called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Experiment> {
    ALL.iter().find(|x| x.name == name)
}

/// Every experiment's name, comma-separated, for error messages.
pub fn names() -> String {
    ALL.iter().map(|x| x.name).collect::<Vec<_>>().join(", ")
}

/// Every experiment, in the primer's order. Takes several seconds; each experiment is bounded.
pub fn run_all() -> Vec<Outcome> {
    ALL.iter().map(|x| (x.run)()).collect()
}

/// A table of verdicts, one line per outcome: the summary of a `run_all` report.
pub fn summary_table(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let v = match &o.verdict {
            Verdict::CannotRun(_) => "CANNOT RUN".to_owned(),
            Verdict::Failed(_) => "FAILED".to_owned(),
            v => v.to_string(),
        };
        out.push_str(&format!("{v:<10}  {:<20}  {}\n", o.id, o.summary));
    }
    out
}

/// What the report's `env` block holds: the kernel, the effective uid, the CPUs and the
/// capabilities that decide which experiments can run.
pub fn environment() -> Evidence {
    host::environment()
}

/// The JSON report of `outcomes`: `{socklab_version, env, experiments: [{name, claim, verdict,
/// summary, method, elapsed_ms, evidence: {key: value}}]}`. Integers and floats are JSON
/// numbers (a float's unit is the suffix of its key: `transfer_ms`, `rtt_us`; a ratio has none),
/// bools are booleans, text strings, lists arrays. A `cannot-run` or `failed` verdict carries its
/// reason in `reason`.
#[cfg(feature = "experiments")]
pub fn json(outcomes: &[Outcome]) -> String {
    use serde_json::{json, Map, Value as J};
    fn value(v: &Value) -> J {
        match v {
            Value::Int(n) => json!(n),
            Value::Float { value, .. } => json!(value),
            Value::Bool(b) => json!(b),
            Value::Text(s) => json!(s),
            Value::List(v) => J::Array(v.iter().map(value).collect()),
        }
    }
    fn evidence(e: &Evidence) -> J {
        J::Object(
            e.iter()
                .map(|(k, v)| (k.to_owned(), value(v)))
                .collect::<Map<_, _>>(),
        )
    }
    let experiments: Vec<J> = outcomes
        .iter()
        .map(|o| {
            let mut x = json!({
                "name": o.id,
                "claim": o.claim,
                "verdict": o.verdict.as_str(),
                "summary": o.summary,
                "method": o.method,
                "elapsed_ms": o.elapsed.as_secs_f64() * 1e3,
                "evidence": evidence(&o.evidence),
            });
            if let Verdict::CannotRun(why) | Verdict::Failed(why) = &o.verdict {
                x["reason"] = json!(why);
            }
            x
        })
        .collect();
    let doc = json!({
        "socklab_version": env!("CARGO_PKG_VERSION"),
        "env": evidence(&environment()),
        "experiments": experiments,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
