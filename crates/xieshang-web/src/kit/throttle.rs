//! Rate limits on what anyone can call without an account, or can try against
//! one: logins, password changes, residents' intake, feedback, "same problem",
//! tracking-code lookups and area lookups by location. Each limit is a GCRA
//! bucket (`governor`) per client address, and where it matters per account
//! or per concern.
//!
//! A client address is the TCP peer, or, when the peer is a configured proxy
//! (`trusted_proxies`), the last address that proxy put in `X-Forwarded-For`.
//! IPv6 clients are counted by their /64, which one subscriber usually holds
//! whole. Requests with no peer address (only in-process tests call the router
//! so) have no per-address limit.
//!
//! Every keyed bucket is kept in a map that [`Throttles::forget_idle`] prunes of
//! full buckets each minute (the server's housekeeping task calls it), and a
//! key is at most an address, an account name cut to 64 bytes or a tracking
//! code, so no outside input grows memory for good.

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

/// What one client may do, per limit. Sized for people, not for scripts: a
/// resident files a few concerns, looks a code up now and then and rates once.
#[derive(Debug)]
pub struct Throttles {
    on: bool,
    login_addr: DefaultKeyedRateLimiter<IpAddr>,
    login_account: DefaultKeyedRateLimiter<(String, Option<IpAddr>)>,
    password_account: DefaultKeyedRateLimiter<i64>,
    intake_addr: DefaultKeyedRateLimiter<IpAddr>,
    feedback_addr: DefaultKeyedRateLimiter<IpAddr>,
    feedback_concern: DefaultKeyedRateLimiter<String>,
    same_addr: DefaultKeyedRateLimiter<IpAddr>,
    same_concern: DefaultKeyedRateLimiter<String>,
    track_addr: DefaultKeyedRateLimiter<IpAddr>,
    // h-locate begin
    locate_addr: DefaultKeyedRateLimiter<IpAddr>,
    // h-locate end
}

/// The limit a request ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// Seconds until a retry can pass.
    pub retry_after: u64,
}

fn n(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN)
}

/// `burst` at once, then one more every `period / count`.
fn quota(count: u32, period: Duration, burst: u32) -> Quota {
    let every = period / count.max(1);
    Quota::with_period(every)
        .unwrap_or_else(|| Quota::per_second(n(1)))
        .allow_burst(n(burst))
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

impl Throttles {
    /// The limits; `on = false` lets everything through (load benchmarks,
    /// which measure the server, not the limiter).
    pub fn new(on: bool) -> Throttles {
        Throttles {
            on,
            // Logins: 20 tries an address at once, then 10 a minute; from one
            // address, 10 tries of one account name at once, then one a
            // minute. Not per name alone: one client could then keep the
            // owner out with a try a minute. Guessing from many addresses
            // meets the account's lock (5 failures) in the database, which
            // the owner's reset lifts.
            login_addr: RateLimiter::keyed(quota(10, MINUTE, 20)),
            login_account: RateLimiter::keyed(quota(1, MINUTE, 10)),
            password_account: RateLimiter::keyed(quota(1, MINUTE, 10)),
            // Residents' intake: 10 at once, then 30 an hour an address.
            intake_addr: RateLimiter::keyed(quota(30, HOUR, 10)),
            // Feedback: 10 an address an hour (5 at once); 5 wrong keys a
            // concern a day (a right key is never held back by others'
            // wrong ones).
            feedback_addr: RateLimiter::keyed(quota(10, HOUR, 5)),
            feedback_concern: RateLimiter::keyed(quota(5, DAY, 5)),
            // "Same problem": 10 an address an hour (5 at once), 20 a concern a day.
            same_addr: RateLimiter::keyed(quota(10, HOUR, 5)),
            same_concern: RateLimiter::keyed(quota(20, DAY, 10)),
            // Tracking lookups: 60 at once, then 60 a minute an address.
            track_addr: RateLimiter::keyed(quota(60, MINUTE, 60)),
            // h-locate begin
            // Area lookups by location: 20 at once, then 20 a minute an
            // address (a resident presses the button once or twice).
            locate_addr: RateLimiter::keyed(quota(20, MINUTE, 20)),
            // h-locate end
        }
    }

    /// Drops the buckets that have refilled, so idle keys take no memory.
    pub fn forget_idle(&self) {
        self.login_addr.retain_recent();
        self.login_account.retain_recent();
        self.password_account.retain_recent();
        self.intake_addr.retain_recent();
        self.feedback_addr.retain_recent();
        self.feedback_concern.retain_recent();
        self.same_addr.retain_recent();
        self.same_concern.retain_recent();
        self.track_addr.retain_recent();
        self.locate_addr.retain_recent();
        for l in [
            &self.login_addr,
            &self.intake_addr,
            &self.feedback_addr,
            &self.same_addr,
            &self.track_addr,
            &self.locate_addr,
        ] {
            l.shrink_to_fit();
        }
        self.login_account.shrink_to_fit();
        self.password_account.shrink_to_fit();
        self.feedback_concern.shrink_to_fit();
        self.same_concern.shrink_to_fit();
    }

    /// Keys held across every limit (for the test that idle keys go).
    pub fn keys(&self) -> usize {
        self.login_addr.len()
            + self.login_account.len()
            + self.password_account.len()
            + self.intake_addr.len()
            + self.feedback_addr.len()
            + self.feedback_concern.len()
            + self.same_addr.len()
            + self.same_concern.len()
            + self.track_addr.len()
            + self.locate_addr.len()
    }

    /// A login attempt from `addr` for the account name `name`.
    pub fn login(&self, addr: Option<IpAddr>, name: &str) -> Result<(), Limited> {
        self.by_addr(&self.login_addr, addr)?;
        self.by_key(&self.login_account, (account_key(name), addr))
    }

    /// A password change attempt by the signed-in user.
    pub fn password(&self, user_id: i64) -> Result<(), Limited> {
        self.by_key(&self.password_account, user_id)
    }

    /// A resident's submission.
    pub fn intake(&self, addr: Option<IpAddr>) -> Result<(), Limited> {
        self.by_addr(&self.intake_addr, addr)
    }

    /// A resident's feedback, before the key is checked.
    pub fn feedback(&self, addr: Option<IpAddr>) -> Result<(), Limited> {
        self.by_addr(&self.feedback_addr, addr)
    }

    /// A wrong key given for the concern with `code`: counted per concern, so
    /// keys cannot be guessed from many addresses either.
    pub fn wrong_key(&self, code: &str) -> Result<(), Limited> {
        self.by_key(&self.feedback_concern, code_key(code))
    }

    /// A resident joining the concern with `code` as the same problem.
    pub fn same(&self, addr: Option<IpAddr>, code: &str) -> Result<(), Limited> {
        self.by_addr(&self.same_addr, addr)?;
        self.by_key(&self.same_concern, code_key(code))
    }

    /// A tracking-code lookup.
    pub fn track(&self, addr: Option<IpAddr>) -> Result<(), Limited> {
        self.by_addr(&self.track_addr, addr)
    }

    // h-locate begin
    /// A lookup of the area nearest to a location (the report form's button).
    pub fn locate(&self, addr: Option<IpAddr>) -> Result<(), Limited> {
        self.by_addr(&self.locate_addr, addr)
    }
    // h-locate end

    fn by_addr(
        &self,
        limiter: &DefaultKeyedRateLimiter<IpAddr>,
        addr: Option<IpAddr>,
    ) -> Result<(), Limited> {
        match addr {
            Some(a) => self.by_key(limiter, a),
            None => Ok(()),
        }
    }

    fn by_key<K: std::hash::Hash + Eq + Clone>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: K,
    ) -> Result<(), Limited> {
        if !self.on {
            return Ok(());
        }
        limiter.check_key(&key).map_err(|not_until| {
            use governor::clock::Clock;
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            Limited {
                retry_after: wait.as_secs().max(1),
            }
        })
    }
}

/// An account name as a key: trimmed, lower case, at most 64 bytes.
fn account_key(name: &str) -> String {
    let mut k = name.trim().to_lowercase();
    if k.len() > 64 {
        let mut cut = 64;
        while !k.is_char_boundary(cut) {
            cut -= 1;
        }
        k.truncate(cut);
    }
    k
}

/// A tracking code as a key: upper case, at most 20 characters (codes have 10).
fn code_key(code: &str) -> String {
    code.trim()
        .chars()
        .take(20)
        .collect::<String>()
        .to_uppercase()
}

/// The client's address as counted: see the module doc.
pub fn client_addr(parts: &Parts, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    Some(counted(from_proxy(peer, &parts.headers, trusted_proxies)))
}

/// The address a trusted proxy says it forwarded for, else the peer.
fn from_proxy(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
}

/// IPv4 as is (and IPv4-mapped IPv6 as IPv4); IPv6 by its /64.
fn counted(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V4(_) => a,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// A resident's submission may go on: checked before the body is read, so a
/// client past its limit costs no upload. As an extractor, put it before the
/// body's. (Its extractor is in `kit::state`, beside the state it reads.)
#[derive(Debug, Clone, Copy)]
pub struct IntakeAllowed;

/// The client address of a request, as an extractor (in `kit::state`).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl From<Limited> for crate::kit::error::AppError {
    fn from(l: Limited) -> Self {
        crate::kit::error::AppError::TooMany(l.retry_after)
    }
}

impl From<Limited> for crate::kit::error::ApiError {
    fn from(l: Limited) -> Self {
        crate::kit::error::ApiError(l.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_and_other_keys_are_apart() {
        let t = Throttles::new(true);
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.8".parse().unwrap();
        for _ in 0..60 {
            assert!(t.track(Some(a)).is_ok());
        }
        let limited = t.track(Some(a)).unwrap_err();
        assert!(limited.retry_after >= 1);
        assert!(
            t.track(Some(b)).is_ok(),
            "another address has its own bucket"
        );
        assert!(t.track(None).is_ok(), "no address, no per-address limit");
        assert!(Throttles::new(false).track(Some(a)).is_ok());
    }

    #[test]
    fn account_names_are_one_key_whatever_their_case_and_length() {
        let t = Throttles::new(true);
        let addr = IpAddr::from([198, 51, 100, 1]);
        for n in 0..10 {
            t.login(Some(addr), if n % 2 == 0 { "Admin" } else { " admin " })
                .unwrap();
        }
        assert!(t.login(Some(addr), "ADMIN").is_err());
        assert!(
            t.login(Some(IpAddr::from([198, 51, 100, 2])), "admin")
                .is_ok(),
            "another client is not held back"
        );
        assert_eq!(account_key(&"名".repeat(100)).len(), 63);
    }

    #[test]
    fn ipv6_counts_by_its_64_and_proxies_only_when_trusted() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(counted(a), counted(b));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(counted(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "10.9.9.9, 192.0.2.44".parse().unwrap());
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(
            from_proxy(proxy, &h, &[proxy]),
            "192.0.2.44".parse::<IpAddr>().unwrap()
        );
        assert_eq!(from_proxy(proxy, &h, &[]), proxy, "untrusted: the peer");
    }
}
