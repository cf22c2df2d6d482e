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
//! inside the process's own network namespaces. Each experiment takes well under two seconds.
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
//!
//! ```no_run
//! for outcome in socklab::experiments::run_all() {
//!     println!("{outcome}");
//! }
//! ```

use std::fmt;
use std::time::Duration;

mod boundaries;
pub mod bpf;
mod connection;
mod endpoint;
mod env;
mod layers;
mod ordering;
mod ports;
mod reliability;
mod speed;

pub use boundaries::stream_vs_datagram;
pub use connection::{tcp_handshake, udp_connectionless};
pub use endpoint::bidirectional;
pub use layers::layers;
pub use ordering::{tcp_ordered, udp_unordered};
pub use ports::{ports_identify_apps, well_known_ports};
pub use reliability::{tcp_reliable, udp_unreliable};
pub use speed::{overhead, speed};

/// What the measurement said about the claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The figures show what the claim says.
    Held,
    /// The figures contradict the claim.
    Refuted,
    /// True in part or only under conditions the claim does not state; the summary says which.
    Nuanced,
    /// The experiment could not measure; the reason says what was missing.
    CannotRun(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Held => f.write_str("HELD"),
            Verdict::Refuted => f.write_str("REFUTED"),
            Verdict::Nuanced => f.write_str("NUANCED"),
            Verdict::CannotRun(why) => write!(f, "CANNOT RUN ({why})"),
        }
    }
}

/// One claim of the primer and what measuring it gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// A short name for the experiment (`"tcp_handshake"`), the function's name.
    pub id: &'static str,
    /// The primer's sentence in Korean, then an English gloss.
    pub claim: &'static str,
    /// Held, refuted, nuanced, or why it could not be measured.
    pub verdict: Verdict,
    /// One or two sentences: what the figures say about the claim.
    pub summary: String,
    /// The measured figures, as (what, value) pairs in the order they were measured.
    pub evidence: Vec<(String, String)>,
    /// How the figures were obtained.
    pub method: &'static str,
    /// How long the experiment took, namespace set-up included.
    pub elapsed: Duration,
}

impl Outcome {
    /// The value of evidence item `key`, if the experiment recorded it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.evidence
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Evidence item `key` parsed as a number, if it was recorded and is one.
    pub fn num(&self, key: &str) -> Option<f64> {
        self.get(key)?.split_whitespace().next()?.parse().ok()
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
        let width = self.evidence.iter().map(|(k, _)| k.chars().count()).max();
        for (k, v) in &self.evidence {
            let pad = width.unwrap_or(0) - k.chars().count();
            writeln!(f, "    {k}{:pad$} : {v}", "")?;
        }
        Ok(())
    }
}

/// Every experiment, in the primer's order. Takes a few seconds; each experiment is bounded.
pub fn run_all() -> Vec<Outcome> {
    vec![
        bidirectional(),
        stream_vs_datagram(),
        tcp_handshake(),
        udp_connectionless(),
        tcp_reliable(),
        udp_unreliable(),
        tcp_ordered(),
        udp_unordered(),
        speed(),
        overhead(),
        ports_identify_apps(),
        well_known_ports(),
        layers(),
    ]
}

/// A table of verdicts, one line per outcome: the summary of a `run_all` report.
pub fn summary_table(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let v = match &o.verdict {
            Verdict::CannotRun(_) => "CANNOT RUN".to_owned(),
            v => v.to_string(),
        };
        out.push_str(&format!("{v:<10}  {:<20}  {}\n", o.id, o.summary));
    }
    out
}
