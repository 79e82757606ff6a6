//! Outbound network policy (`kapacitord -blacklist-cidrs`): networks that alert handlers and
//! `httpPost` must never connect to. The check sits in name resolution — every HTTP client
//! of the runtime is built by `agent`, whose resolver drops the addresses inside a listed
//! network — so a host name that resolves into a denied network is refused as surely as a
//! literal address, and redirects are checked too. A request left with no allowed address
//! fails with an error naming the network; each refusal is counted (`denied`).
//!
//! The non-HTTP handlers (mqtt, kafka, snmpTrap) resolve their brokers themselves and pass
//! the addresses through `allowed_addrs` before dialling.
//!
//! The list is process-wide (set once by kapacitord at start-up); empty means no policy.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// A `-blacklist-cidrs` entry that is no network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrError(pub String);

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid CIDR address: {}", self.0)
    }
}

impl std::error::Error for CidrError {}

/// `private` in the list stands for these (loopback, RFC 1918, link-local, unique local).
const PRIVATE: &[&str] = &[
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
];

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, CidrError> {
        let bad = || CidrError(s.to_string());
        let (a, p) = s.split_once('/').ok_or_else(bad)?;
        let addr: IpAddr = a.parse().map_err(|_| bad())?;
        let prefix: u8 = p.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4-mapped IPv6 address is its IPv4 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parse a comma-separated `-blacklist-cidrs` value (`private` expands to the private
/// networks).
pub fn parse_list(s: &str) -> Result<Vec<Cidr>, CidrError> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part.eq_ignore_ascii_case("private") {
            out.extend(
                PRIVATE
                    .iter()
                    .map(|p| Cidr::parse(p).expect("valid constant")),
            );
        } else {
            out.push(Cidr::parse(part)?);
        }
    }
    Ok(out)
}

static DENY: OnceLock<Vec<Cidr>> = OnceLock::new();
static DENIED: AtomicU64 = AtomicU64::new(0);

/// Install the process's deny list (first call wins).
pub fn set_blacklist(list: Vec<Cidr>) {
    let _ = DENY.set(list);
}

/// How many connections the policy refused.
pub fn denied() -> u64 {
    DENIED.load(Ordering::Relaxed)
}

/// The listed network holding `ip`, if any.
pub fn denied_network(ip: IpAddr) -> Option<Cidr> {
    DENY.get()?.iter().find(|c| c.contains(ip)).copied()
}

/// The addresses a non-HTTP client (mqtt, kafka, snmptrap) may dial: those of `addrs`
/// outside every denied network. None left is an error naming the network, counted as
/// a refusal.
pub fn allowed_addrs(
    addrs: impl IntoIterator<Item = SocketAddr>,
) -> Result<Vec<SocketAddr>, std::io::Error> {
    let mut kept = Vec::new();
    let mut refused = None;
    for a in addrs {
        match denied_network(a.ip()) {
            Some(net) => refused = Some((a, net)),
            None => kept.push(a),
        }
    }
    match (kept.is_empty(), refused) {
        (true, Some((addr, net))) => {
            DENIED.fetch_add(1, Ordering::Relaxed);
            Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("{addr} is in blacklisted network {net}"),
            ))
        }
        _ => Ok(kept),
    }
}

/// A resolver that resolves as ureq does, then drops addresses in denied networks.
#[derive(Debug, Default)]
struct PolicyResolver(DefaultResolver);

impl Resolver for PolicyResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.0.resolve(uri, config, timeout)?;
        if DENY.get().is_none_or(|d| d.is_empty()) {
            return Ok(addrs);
        }
        let mut kept = self.0.empty();
        let mut refused: Option<(SocketAddr, Cidr)> = None;
        for a in addrs.iter() {
            match denied_network(a.ip()) {
                Some(net) => refused = Some((*a, net)),
                None => kept.push(*a),
            }
        }
        match (kept.is_empty(), refused) {
            (true, Some((addr, net))) => {
                DENIED.fetch_add(1, Ordering::Relaxed);
                Err(ureq::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("{addr} is in blacklisted network {net}"),
                )))
            }
            _ => Ok(kept),
        }
    }
}

/// An HTTP agent with `config` whose connections obey the deny list.
pub fn agent(config: ureq::config::Config) -> ureq::Agent {
    ureq::Agent::with_parts(config, DefaultConnector::new(), PolicyResolver::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_their_addresses() {
        let n = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(n.contains("10.1.255.3".parse().unwrap()));
        assert!(!n.contains("10.2.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.1.0.9".parse().unwrap()), "v4-mapped");
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let v6 = Cidr::parse("fe80::/10").unwrap();
        assert!(v6.contains("fe80::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8::1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("nope").is_err());
        let l = parse_list("private, 203.0.113.0/24").unwrap();
        assert_eq!(l.len(), PRIVATE.len() + 1);
        assert!(l.iter().any(|c| c.contains("127.0.0.1".parse().unwrap())));
    }
}
