//! [`Endpoint`]: the one address syntax of every subcommand (`serve`, `pingpong`, `stream`,
//! `inspect`) — `IP:PORT`, `[v6%zone]:PORT`, `/path` or `@name`, with an optional `unix:`
//! prefix — parsed without name resolution and printed back the same way. Library core: std and
//! `sys` only.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::path::PathBuf;
use std::str::FromStr;

use crate::sys::SockAddr;

/// What the syntax accepts, for error messages.
const SYNTAX: &str = "IP:PORT, [v6%zone]:PORT, /path or @name";

/// An address as `socklab serve --addr` / `pingpong --to` take and print it.
///
/// ```
/// use socklab::endpoint::Endpoint;
/// let a: Endpoint = "127.0.0.1:0".parse().unwrap();
/// assert_eq!(a.to_string(), "127.0.0.1:0");
/// let u: Endpoint = "unix:/tmp/s.sock".parse().unwrap();
/// assert_eq!(u.to_string(), "/tmp/s.sock");
/// assert!("1.2.3".parse::<Endpoint>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// An IPv4 or IPv6 address and port (IPv6 with its zone as `scope_id`).
    Inet(SocketAddr),
    /// A Unix pathname socket.
    UnixPath(PathBuf),
    /// A Linux abstract Unix socket (`@name`).
    UnixAbstract(Vec<u8>),
}

impl Endpoint {
    /// Whether this is a Unix-domain address.
    pub fn is_unix(&self) -> bool {
        !matches!(self, Endpoint::Inet(_))
    }

    /// The `sockaddr` for bind/connect.
    ///
    /// # Errors
    /// `ENAMETOOLONG` for a path or name that does not fit `sun_path` (checked at parse time
    /// already, so only an `Endpoint` built by hand gets it).
    pub fn to_sockaddr(&self) -> crate::Result<SockAddr> {
        match self {
            Endpoint::Inet(a) => Ok(SockAddr::from(*a)),
            Endpoint::UnixPath(p) => SockAddr::unix(p),
            Endpoint::UnixAbstract(n) => SockAddr::unix_abstract(n),
        }
    }

    /// The endpoint a kernel-filled address names (`getsockname`), if it is one of the three
    /// kinds.
    pub fn from_sockaddr(a: &SockAddr) -> Option<Endpoint> {
        if let Some(s) = a.as_socket() {
            return Some(Endpoint::Inet(s));
        }
        if let Some(p) = a.as_unix_path() {
            return Some(Endpoint::UnixPath(p.to_path_buf()));
        }
        a.as_abstract_name()
            .map(|n| Endpoint::UnixAbstract(n.to_vec()))
    }
}

/// `eth0` → its ifindex, read from `/sys/class/net/eth0/ifindex` (no C call needed).
fn ifindex(name: &str) -> Option<u32> {
    if name.is_empty() || name.contains('/') || name.contains("..") {
        return None;
    }
    std::fs::read_to_string(format!("/sys/class/net/{name}/ifindex"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn parse_port(s: &str, whole: &str) -> Result<u16, String> {
    match s.parse::<u32>() {
        Ok(p) if p <= 65535 => Ok(p as u16),
        Ok(p) => Err(format!(
            "'{whole}': port {p} is out of range (allowed: 0..=65535)"
        )),
        Err(_) => Err(format!(
            "'{whole}': port '{s}' is not a number (allowed: 0..=65535)"
        )),
    }
}

impl FromStr for Endpoint {
    type Err = String;

    fn from_str(whole: &str) -> Result<Endpoint, String> {
        let (s, unix) = match whole.strip_prefix("unix:") {
            Some(rest) => (rest, true),
            None => (whole, false),
        };
        if s.is_empty() {
            return Err(format!("'{whole}' is empty (expected {SYNTAX})"));
        }
        if let Some(name) = s.strip_prefix('@') {
            SockAddr::unix_abstract(name.as_bytes()).map_err(|e| format!("'{whole}': {e}"))?;
            return Ok(Endpoint::UnixAbstract(name.as_bytes().to_vec()));
        }
        if unix || s.starts_with('/') || s.starts_with("./") {
            SockAddr::unix(s).map_err(|e| format!("'{whole}': {e}"))?;
            return Ok(Endpoint::UnixPath(PathBuf::from(s)));
        }
        if let Some(rest) = s.strip_prefix('[') {
            let Some((inner, port)) = rest.split_once("]:") else {
                return Err(format!("'{whole}': expected [v6%zone]:PORT"));
            };
            let (ip, zone) = match inner.split_once('%') {
                Some((ip, z)) => (ip, Some(z)),
                None => (inner, None),
            };
            let ip: Ipv6Addr = ip
                .parse()
                .map_err(|_| format!("'{whole}': '{ip}' is not an IPv6 address"))?;
            let scope = match zone {
                None => 0,
                Some(z) => z
                    .parse::<u32>()
                    .ok()
                    .or_else(|| ifindex(z))
                    .ok_or_else(|| format!("'{whole}': zone '{z}' is no interface here"))?,
            };
            let port = parse_port(port, whole)?;
            return Ok(Endpoint::Inet(SocketAddr::V6(SocketAddrV6::new(
                ip, port, 0, scope,
            ))));
        }
        let Some((host, port)) = s.rsplit_once(':') else {
            return Err(format!("'{whole}' is not an address (expected {SYNTAX})"));
        };
        let ip: IpAddr = host.parse().map_err(|_| {
            format!("'{whole}': '{host}' is not an IP address (names are not resolved; expected {SYNTAX})")
        })?;
        if ip.is_ipv6() {
            return Err(format!("'{whole}': write an IPv6 address as [{host}]:PORT"));
        }
        Ok(Endpoint::Inet(SocketAddr::new(
            ip,
            parse_port(port, whole)?,
        )))
    }
}

impl fmt::Display for Endpoint {
    /// The syntax [`FromStr`] reads: `127.0.0.1:40123`, `[fe80::1%2]:80`, `/tmp/s.sock`, `@name`,
    /// `unix:rel.sock` (a relative path keeps its prefix).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Inet(a) => write!(f, "{a}"),
            // A relative path keeps the prefix, so the printed form parses back to a path.
            Endpoint::UnixPath(p) if p.starts_with("/") || p.starts_with("./") => {
                write!(f, "{}", p.display())
            }
            Endpoint::UnixPath(p) => write!(f, "unix:{}", p.display()),
            Endpoint::UnixAbstract(n) => write!(f, "@{}", n.escape_ascii()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Endpoint;

    #[test]
    fn round_trips() {
        for s in [
            "127.0.0.1:0",
            "0.0.0.0:8080",
            "[::1]:9",
            "[fe80::1%1]:80",
            "/tmp/x",
            "@n",
        ] {
            let e: Endpoint = s.parse().unwrap();
            assert_eq!(e.to_string(), s);
        }
        assert_eq!("unix:@n".parse::<Endpoint>().unwrap().to_string(), "@n");
        let shown = |s: &str| s.parse::<Endpoint>().unwrap().to_string();
        assert_eq!(shown("unix:rel.sock"), "unix:rel.sock");
        assert_eq!(shown("unix:/a"), "/a");
        assert_eq!(shown("./r"), "./r");
    }

    #[test]
    fn refuses_malformed() {
        let long = format!("unix:/tmp/{}", "x".repeat(200));
        for s in [
            "1.2.3",
            "[::1",
            "host:99999",
            "1.2.3.4:99999",
            "::1:80",
            "",
            &long,
            "1.2.3.4",
        ] {
            assert!(s.parse::<Endpoint>().is_err(), "{s}");
        }
    }
}
