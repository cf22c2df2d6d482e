//! The environment block printed with every `socklab compare` run: kernel, CPU, virtualization,
//! clocksource, pinning, `/dev/cpu_dma_latency`, CPU steal during the run, start time.

use std::fs::{self, File};
use std::io::{self, Write};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::sys;

/// What the run ran on. Field names are the schema's `env` keys (`socklab::net`'s `--json`
/// serializes it with serde).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Env {
    /// `uname -r` (`/proc/sys/kernel/osrelease`).
    pub kernel: String,
    /// `model name` of `/proc/cpuinfo`.
    pub cpu_model: String,
    /// CPUs this process may run on (`sched_getaffinity`).
    pub cpus: usize,
    /// `systemd-detect-virt --vm`+`--container` (`kvm+docker`), else DMI / cpuinfo, else `none`.
    pub virtualization: String,
    /// `/sys/devices/system/clocksource/clocksource0/current_clocksource`.
    pub clocksource: String,
    /// `same`, `split` or `none`.
    pub pin: String,
    /// `Some(0)` while `/dev/cpu_dma_latency` is held at 0 µs (`--dma-latency`), else `None`.
    pub cpu_dma_latency: Option<u32>,
    /// CPU steal over the run, percent of all CPU time (`/proc/stat`), an extension key.
    pub cpu_steal_pct: Option<f64>,
    /// UTC start, ISO 8601 (`2026-11-25T12:00:00Z`).
    pub started_at: String,
    /// The CPU's mitigation state, which moves the syscall floor.
    pub mitigations: Mitigations,
    /// What the run did about socklab's call log: `None` when it was off; otherwise that it was
    /// on (`SOCKLAB_TRACE` / `--trace`) and switched off for the measured loops and the strace
    /// count child, whose ratios and counts it would have inflated.
    pub trace: Option<String>,
}

/// What `/sys/devices/system/cpu/vulnerabilities/` says about the mitigations that tax a
/// syscall's entry/exit and each `ret` across it, and the kernel command line's
/// `mitigations=`: the line that lets tables from two machines be read side by side.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mitigations {
    /// `vulnerabilities/spectre_v2` (`Mitigation: Retpolines; IBPB: ...; RSB filling; ...`).
    pub spectre_v2: Option<String>,
    /// `vulnerabilities/spec_rstack_overflow` (AMD SRSO: `Mitigation: Safe RET`, ...).
    pub spec_rstack_overflow: Option<String>,
    /// `vulnerabilities/retbleed`.
    pub retbleed: Option<String>,
    /// The `mitigations=` word of `/proc/cmdline`, if any (`mitigations=off`).
    pub cmdline: Option<String>,
}

impl Mitigations {
    /// Reads the three files and `/proc/cmdline`; an unreadable file is `None`.
    pub fn read() -> Mitigations {
        let vuln = |name: &str| {
            fs::read_to_string(format!("/sys/devices/system/cpu/vulnerabilities/{name}"))
                .ok()
                .map(|s| s.trim().to_string())
        };
        let cmdline = fs::read_to_string("/proc/cmdline").ok();
        Mitigations {
            spectre_v2: vuln("spectre_v2"),
            spec_rstack_overflow: vuln("spec_rstack_overflow"),
            retbleed: vuln("retbleed"),
            cmdline: cmdline.as_deref().and_then(mitigations_word),
        }
    }
}

/// The `mitigations=...` word of a kernel command line (the last one wins, as in the kernel).
pub fn mitigations_word(cmdline: &str) -> Option<String> {
    cmdline
        .split_whitespace()
        .rfind(|w| w.starts_with("mitigations="))
        .map(String::from)
}

/// Reads a one-line file, trimmed; `unknown` if unreadable.
fn read_line(path: &str) -> String {
    fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// The first `key : value` of `/proc/cpuinfo` for `key`.
fn cpuinfo(key: &str) -> Option<String> {
    let info = fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// `systemd-detect-virt <flag>`'s answer, `None` if it is missing or says `none`.
fn detect_virt(flag: &str) -> Option<String> {
    let out = Command::new("systemd-detect-virt")
        .arg(flag)
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!s.is_empty() && s != "none").then_some(s)
}

/// The hypervisor and container: `systemd-detect-virt --vm` / `--container` if installed
/// (`kvm`, `kvm+docker`), else the DMI vendor or the cpuinfo `hypervisor` flag, else `none`.
fn virtualization() -> String {
    let vm = detect_virt("--vm").or_else(|| {
        let vendor = read_line("/sys/class/dmi/id/sys_vendor").to_lowercase();
        let known = [
            "qemu",
            "kvm",
            "vmware",
            "microsoft",
            "xen",
            "amazon",
            "google",
        ];
        let named = known
            .into_iter()
            .find(|n| vendor.contains(n))
            .map(String::from);
        named.or_else(|| match cpuinfo("flags") {
            Some(f) if f.split_whitespace().any(|x| x == "hypervisor") => Some("hypervisor".into()),
            _ => None,
        })
    });
    match (vm, detect_virt("--container")) {
        (Some(vm), Some(ct)) => format!("{vm}+{ct}"),
        (Some(v), None) | (None, Some(v)) => v,
        (None, None) => "none".into(),
    }
}

/// `(steal, total)` jiffies of the `cpu` line of `/proc/stat`.
pub fn steal_ticks() -> Option<(u64, u64)> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal [guest guest_nice, already in user/nice]
    let total = v.iter().take(8).sum();
    Some((*v.get(7)?, total))
}

/// Steal between two [`steal_ticks`] readings, as a percentage of all CPU time.
pub fn steal_pct(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((s0, t0), (s1, t1)) = (before?, after?);
    let dt = t1.checked_sub(t0)?;
    (dt > 0).then(|| (s1.saturating_sub(s0)) as f64 * 100.0 / dt as f64)
}

/// A UTC time as ISO 8601 with a `Z`, from seconds since the epoch (days-from-civil inverse,
/// H. Hinnant's algorithm: no calendar dependency).
pub fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

impl Env {
    /// Reads the environment now (`started_at` = now); `pin` and `dma` as the run sets them.
    pub fn capture(pin: &str, dma: Option<u32>) -> Env {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Env {
            kernel: read_line("/proc/sys/kernel/osrelease"),
            cpu_model: cpuinfo("model name").unwrap_or_else(|| "unknown".into()),
            cpus: sys::sched_getaffinity(0).map_or(1, |s| s.count()),
            virtualization: virtualization(),
            clocksource: read_line(
                "/sys/devices/system/clocksource/clocksource0/current_clocksource",
            ),
            pin: pin.into(),
            cpu_dma_latency: dma,
            cpu_steal_pct: None,
            started_at: iso8601(now),
            mitigations: Mitigations::read(),
            trace: None,
        }
    }
}

/// Holds `/dev/cpu_dma_latency` at 0 µs while alive (the kernel drops the request on close).
pub struct DmaLatency(#[allow(dead_code)] File);

impl DmaLatency {
    /// Opens `/dev/cpu_dma_latency` and writes a 0 µs request (a native-endian `i32`).
    ///
    /// # Errors
    /// The open or write error (`EACCES` without root, `ENOENT` without the device).
    pub fn hold_zero() -> io::Result<DmaLatency> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .open("/dev/cpu_dma_latency")?;
        f.write_all(&0i32.to_ne_bytes())?;
        Ok(DmaLatency(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_795_608_000), "2026-11-25T12:00:00Z");
    }

    #[test]
    fn cmdline_mitigations() {
        let w = mitigations_word("ro quiet mitigations=auto,nosmt x=1 mitigations=off");
        assert_eq!(w.as_deref(), Some("mitigations=off"));
        assert_eq!(mitigations_word("ro quiet"), None);
    }

    #[test]
    fn steal_percentage() {
        assert_eq!(steal_pct(Some((10, 1000)), Some((20, 2000))), Some(1.0));
        assert_eq!(steal_pct(None, Some((20, 2000))), None);
        assert_eq!(steal_pct(Some((10, 1000)), Some((10, 1000))), None);
    }
}
