//! Where the server's own outbound requests may go. Webhook deliveries are the
//! only requests made to addresses that users choose, so they connect only to
//! public addresses, plus the private ranges the operator allows
//! (`webhook_allow_private`). A URL is checked when it is saved (a literal
//! internal address, in any spelling, or a local name is refused with a
//! message) and again at every delivery: [`VettedConnector`] resolves the name
//! itself and connects only to an address that passes, so a name that points
//! elsewhere later (DNS rebinding) gains nothing. Nothing here follows
//! redirects, and no error text from the other side reaches a page:
//! [`Failure`] names the class of what went wrong.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A list of address ranges from the settings (`10.0.0.0/8`, `fd00::/8`, or
/// a single address).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranges(Vec<ipnet::IpNet>);

impl Ranges {
    /// Parses the ranges; the error names the entry that is not one.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Ranges, String> {
        entries
            .iter()
            .map(|e| {
                let e = e.as_ref().trim();
                e.parse::<ipnet::IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(ipnet::IpNet::from))
                    .map(|n| n.trunc())
                    .map_err(|_| format!("{e:?} is not an address or a range such as 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Ranges)
    }

    /// Whether the list holds no range.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether an address lies in one of the ranges (an IPv4 address written
    /// as IPv6, `::ffff:a.b.c.d`, counts as the IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// Which addresses outbound requests may reach: every public one, and the
/// private ranges allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    allowed_private: Ranges,
}

impl AddressPolicy {
    /// Public addresses and these private ranges.
    pub fn allowing(allowed_private: Ranges) -> AddressPolicy {
        AddressPolicy { allowed_private }
    }

    /// Whether a connection to `ip` may be made. The unspecified address
    /// (which means "this host") and multicast are never allowed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        if ip.is_unspecified() || ip.is_multicast() || ip == IpAddr::V4(Ipv4Addr::BROADCAST) {
            return false;
        }
        is_public(ip) || self.allowed_private.contains(ip)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// IPv4 ranges that are not on the public internet (RFC 6890 and successors):
/// (first address, prefix length).
const V4_NOT_PUBLIC: [(u32, u32); 15] = [
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
    (0x0A00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 carrier-grade NAT
    (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
    (0xA9FE_0000, 16), // 169.254.0.0/16 link-local (cloud metadata)
    (0xAC10_0000, 12), // 172.16.0.0/12 private
    (0xC000_0000, 24), // 192.0.0.0/24 protocol assignments
    (0xC000_0200, 24), // 192.0.2.0/24 documentation
    (0xC058_6300, 24), // 192.88.99.0/24 6to4 relay
    (0xC0A8_0000, 16), // 192.168.0.0/16 private
    (0xC612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xC633_6400, 24), // 198.51.100.0/24 documentation
    (0xCB00_7100, 24), // 203.0.113.0/24 documentation
    (0xE000_0000, 4),  // 224.0.0.0/4 multicast
    (0xF000_0000, 4),  // 240.0.0.0/4 reserved, broadcast
];

fn v4_public(ip: Ipv4Addr) -> bool {
    let a = u32::from(ip);
    !V4_NOT_PUBLIC
        .iter()
        .any(|(net, len)| a & (u32::MAX << (32 - len)) == *net)
}

fn v6_public(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // NAT64's well-known prefix carries an IPv4 address.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return v4_public(Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7])));
    }
    // Global unicast is 2000::/3; loopback, unique-local, link-local,
    // multicast and the IPv4-compatible forms all lie outside it.
    s[0] & 0xe000 == 0x2000
        && !(s[0] == 0x2001 && s[1] < 0x0200) // 2001::/23 protocol assignments, Teredo
        && !(s[0] == 0x2001 && s[1] == 0x0db8) // 2001:db8::/32 documentation
        && s[0] != 0x2002 // 2002::/16 6to4
        && !(s[0] == 0x3fff && s[1] < 0x1000) // 3fff::/20 documentation
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => v4_public(v4),
        IpAddr::V6(v6) => v6_public(v6),
    }
}

/// Why a target URL is refused when it is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not an http:// or https:// URL with a host.
    Malformed,
    /// It carries `user:password@`: credentials are never sent (deliveries
    /// are signed instead) and would be shown to everyone who manages the unit.
    Credentials,
    /// Its host is an address, or a local name, that deliveries may not reach.
    Address,
}

/// Checks a target URL before it is saved. The host is read as a browser
/// reads it, so `2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1` are all
/// 127.0.0.1; names are checked again, resolved, at every delivery.
pub fn check_target(raw: &str, policy: &AddressPolicy) -> Result<(), Refusal> {
    let url = url::Url::parse(raw).map_err(|_| Refusal::Malformed)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal::Malformed);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    let allowed = match url.host().ok_or(Refusal::Malformed)? {
        url::Host::Ipv4(a) => policy.permits(IpAddr::V4(a)),
        url::Host::Ipv6(a) => policy.permits(IpAddr::V6(a)),
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            // RFC 6761: localhost and every name under it is this host.
            let local = name == "localhost" || name.ends_with(".localhost");
            !local
                || policy.permits(IpAddr::V4(Ipv4Addr::LOCALHOST))
                || policy.permits(IpAddr::V6(Ipv6Addr::LOCALHOST))
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(Refusal::Address)
    }
}

/// A URL with any `user:password@` replaced by `***@`, for showing.
pub fn mask_credentials(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &url[start + at..]),
        None => url.to_owned(),
    }
}

/// What went wrong with a delivery, as the log shows it: a class, never the
/// text of the error (which told a closed port from an open one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The host has no address deliveries may use (or none at all).
    AddressNotAllowed,
    /// No connection, or it broke before an HTTP answer came.
    ConnectionFailed,
    /// No answer in time.
    Timeout,
    /// The TLS handshake failed.
    Tls,
    /// The endpoint answered with a status other than 2xx.
    Status(u16),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::AddressNotAllowed => f.write_str("address not allowed"),
            Failure::ConnectionFailed => f.write_str("connection failed"),
            Failure::Timeout => f.write_str("timeout"),
            Failure::Tls => f.write_str("TLS error"),
            Failure::Status(s) => write!(f, "HTTP {s}"),
        }
    }
}

impl Failure {
    /// The classes the log may hold; any other stored text (from before the
    /// classes) is shown as a failed connection.
    pub fn shown(stored: &str) -> &str {
        let known = [
            "address not allowed",
            "connection failed",
            "timeout",
            "TLS error",
        ];
        let status = stored
            .strip_prefix("HTTP ")
            .is_some_and(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()));
        if status || known.contains(&stored) {
            stored
        } else {
            "connection failed"
        }
    }
}

/// The connector's own refusals, found again in the client's error chain.
#[derive(Debug)]
pub enum ConnectFault {
    /// No address of the host may be used (or it has none).
    NotAllowed,
    /// No allowed address took the connection.
    Failed,
}

impl std::fmt::Display for ConnectFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectFault::NotAllowed => f.write_str("no address this delivery may use"),
            ConnectFault::Failed => f.write_str("no connection to any allowed address"),
        }
    }
}

impl std::error::Error for ConnectFault {}

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The TCP connector of webhook deliveries: it resolves the host itself,
/// keeps the addresses the policy permits, and connects to the first of them
/// that answers. TLS is layered on top by `hyper-rustls`.
#[derive(Debug, Clone)]
pub struct VettedConnector {
    policy: Arc<AddressPolicy>,
}

impl VettedConnector {
    /// A connector under the policy.
    pub fn new(policy: AddressPolicy) -> VettedConnector {
        VettedConnector {
            policy: Arc::new(policy),
        }
    }
}

type Connecting = Pin<
    Box<
        dyn Future<Output = Result<hyper_util::rt::TokioIo<tokio::net::TcpStream>, ConnectFault>>
            + Send,
    >,
>;

impl tower_service::Service<hyper::Uri> for VettedConnector {
    type Response = hyper_util::rt::TokioIo<tokio::net::TcpStream>;
    type Error = ConnectFault;
    type Future = Connecting;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: hyper::Uri) -> Self::Future {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = dst.host().ok_or(ConnectFault::NotAllowed)?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let port = dst
                .port_u16()
                .unwrap_or(if dst.scheme_str() == Some("https") {
                    443
                } else {
                    80
                });
            // Literal addresses are taken as they are; names are resolved
            // here, once, and the connection goes to what was vetted.
            let found: Vec<SocketAddr> = match host.parse::<IpAddr>() {
                Ok(ip) => vec![SocketAddr::new(ip, port)],
                Err(_) => tokio::net::lookup_host((host, port))
                    .await
                    .map_err(|_| ConnectFault::NotAllowed)?
                    .collect(),
            };
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(ConnectFault::NotAllowed);
            }
            for addr in allowed {
                if let Ok(Ok(stream)) =
                    tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr))
                        .await
                {
                    let _ = stream.set_nodelay(true);
                    return Ok(hyper_util::rt::TokioIo::new(stream));
                }
            }
            Err(ConnectFault::Failed)
        })
    }
}

/// The class of a failed request of a client built on [`VettedConnector`].
pub fn classify(e: &hyper_util::client::legacy::Error) -> Failure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        match err.downcast_ref::<ConnectFault>() {
            Some(ConnectFault::NotAllowed) => return Failure::AddressNotAllowed,
            Some(ConnectFault::Failed) => return Failure::ConnectionFailed,
            None => source = err.source(),
        }
    }
    // After the TCP connector, the only step of connecting is the TLS
    // handshake; anything later broke the HTTP exchange.
    if e.is_connect() {
        Failure::Tls
    } else {
        Failure::ConnectionFailed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn public_and_not() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.31.255.255",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "2001:db8::1",
            "2002:7f00:1::",
            "64:ff9b::a00:1",
            "3fff::1",
            "2001::1",
        ] {
            assert!(!is_public(ip(a)), "{a} is not public");
        }
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2a00:1450::1",
        ] {
            assert!(is_public(ip(a)), "{a} is public");
        }
    }

    #[test]
    fn allowed_ranges_open_private_addresses_but_never_unspecified() {
        let p = AddressPolicy::allowing(
            Ranges::parse(&["127.0.0.0/8", "fd00::/8", "10.0.0.7"]).unwrap(),
        );
        assert!(p.permits(ip("127.0.0.1")) && p.permits(ip("::ffff:127.0.0.1")));
        assert!(p.permits(ip("fd00::5")) && p.permits(ip("10.0.0.7")));
        assert!(!p.permits(ip("10.0.0.8")) && !p.permits(ip("::1")));
        let all = AddressPolicy::allowing(Ranges::parse(&["0.0.0.0/0", "::/0"]).unwrap());
        assert!(!all.permits(ip("0.0.0.0")) && !all.permits(ip("::")));
        assert!(!all.permits(ip("224.0.0.1")));
        assert!(Ranges::parse(&["10.0.0.0/33"]).is_err());
        assert!(Ranges::parse(&["intranet"]).is_err());
    }

    #[test]
    fn targets_are_read_as_browsers_read_them() {
        let p = AddressPolicy::default();
        for u in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1:8080/",
            "http://0.0.0.0/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::1]/",
            "http://169.254.169.254/",
            "http://LOCALHOST./",
            "https://db.localhost/",
            "http://[fe80::1%25eth0]/",
        ] {
            assert!(check_target(u, &p).is_err(), "{u}");
        }
        assert_eq!(
            check_target("ftp://example.com/", &p),
            Err(Refusal::Malformed)
        );
        assert_eq!(check_target("http://", &p), Err(Refusal::Malformed));
        assert_eq!(
            check_target("https://u:p@example.com/", &p),
            Err(Refusal::Credentials)
        );
        assert_eq!(check_target("https://example.com/hook?a=1", &p), Ok(()));
        assert_eq!(check_target("http://8.8.8.8:8080/", &p), Ok(()));
        let local = AddressPolicy::allowing(Ranges::parse(&["127.0.0.0/8"]).unwrap());
        assert_eq!(check_target("http://localhost:9/", &local), Ok(()));
        assert_eq!(check_target("http://2130706433/", &local), Ok(()));
    }

    #[test]
    fn credentials_are_masked() {
        assert_eq!(
            mask_credentials("https://u:p@example.com/a@b?c=@"),
            "https://***@example.com/a@b?c=@"
        );
        assert_eq!(
            mask_credentials("http://example.com/x"),
            "http://example.com/x"
        );
        assert_eq!(
            mask_credentials("https://a@b@example.com"),
            "https://***@example.com"
        );
    }

    #[test]
    fn only_known_classes_are_shown() {
        assert_eq!(Failure::shown("HTTP 500"), "HTTP 500");
        assert_eq!(Failure::shown("timeout"), "timeout");
        assert_eq!(
            Failure::shown("client error (Connect): tcp connect error: Connection refused"),
            "connection failed"
        );
    }
}
