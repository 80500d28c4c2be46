//! HTTP to addresses that tenants supply (their WordPress sites). A tenant
//! must not be able to make the server call itself or the network it sits in
//! (metadata services, databases, admin panels), so these calls refuse
//! loopback, private, link-local and other non-public addresses, checked on
//! the resolved address (a public name pointing inward is caught too), and
//! never follow redirects. OUTBOUND_ALLOW_PRIVATE lifts the address rule for
//! local testing; redirects stay off either way and are reported instead.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Raised (inside reqwest's error chain) when a name resolves only to
/// addresses we refuse to call.
#[derive(Debug, thiserror::Error)]
#[error("{0} resolves to an address that is not on the public internet")]
pub struct BlockedAddress(pub String);

/// True for addresses on the public internet: none of the IANA IPv4 and
/// IPv6 special-purpose ranges (RFC 6890 and its updates), and no IPv6
/// form that carries an IPv4 address a gateway would reach for us
/// (mapped, compatible, NAT64, 6to4, Teredo), whatever that address is.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4 special-purpose blocks as (first octets, prefix length).
const SPECIAL_V4: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (carrier-grade NAT)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local (cloud metadata lives here)
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation
    ([192, 31, 196, 0], 24), // AS112
    ([192, 52, 193, 0], 24), // AMT
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([192, 175, 48, 0], 24), // direct delegation AS112
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation
    ([203, 0, 113, 0], 24),  // documentation
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and the limited broadcast address
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    !SPECIAL_V4.iter().any(|(net, len)| {
        let mask = u32::MAX << (32 - u32::from(*len));
        bits & mask == u32::from_be_bytes(*net) & mask
    })
}

/// IPv6 special-purpose blocks as (address, prefix length).
const SPECIAL_V6: &[(u128, u8)] = &[
    (0, 96),                           // unspecified, loopback, IPv4-compatible ::a.b.c.d
    (0xffff << 32, 96),                // IPv4-mapped ::ffff:a.b.c.d
    (0x0064_ff9b << 96, 96),           // NAT64 64:ff9b::/96
    (0x0064_ff9b_0001 << 80, 48),      // local-use NAT64 64:ff9b:1::/48
    (0x0100 << 112, 64),               // discard-only 100::/64
    (0x0100_0000_0000_0001 << 64, 64), // dummy prefix 100:0:0:1::/64
    (0x2001 << 112, 23),               // IETF protocol assignments, Teredo 2001::/32 among them
    (0x2001_0db8 << 96, 32),           // documentation
    (0x2002 << 112, 16),               // 6to4
    (0x3fff << 112, 20),               // documentation 3fff::/20
    (0x5f00 << 112, 16),               // segment routing SIDs
    (0xfc00 << 112, 7),                // unique local
    (0xfe80 << 112, 10),               // link-local
    (0xfec0 << 112, 10),               // site-local (deprecated)
    (0xff00 << 112, 8),                // multicast
];

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    !SPECIAL_V6.iter().any(|(net, len)| {
        let mask = u128::MAX << (128 - u32::from(*len));
        bits & mask == net & mask
    })
}

/// The most of a reply read from a host a tenant or operator supplied
/// (WordPress, the model endpoint): answers are small JSON documents, and
/// a larger one is refused instead of being held in memory.
pub const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the answer was larger than {} MiB", MAX_REPLY_BYTES / (1024 * 1024))]
    TooLarge,
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
}

/// Reads a reply's body chunk by chunk, giving up as soon as it passes
/// `limit` bytes (or announces more), so memory stays flat whatever the
/// host sends.
pub async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, ReadError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Resolves names with the system resolver and drops refused addresses.
#[derive(Debug, Clone, Copy)]
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(BlockedAddress(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// A client for tenant-supplied URLs: guarded resolver, no redirects,
/// bounded connect and total time.
pub fn tenant_client(allow_private: bool, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .redirect(reqwest::redirect::Policy::none())
        // A proxy from HTTP(S)_PROXY would resolve the name itself and
        // bypass the guarded resolver.
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .user_agent(concat!("Autopilot/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a TLS backend is compiled in")
}

/// The resolver only sees names; a URL that names an IP literal is checked here.
pub fn check_literal_host(url: &url::Url, allow_private: bool) -> Result<(), BlockedAddress> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err(BlockedAddress(ip.to_string()))
    }
}

/// True when reqwest failed because the guard refused the address.
pub fn is_blocked(err: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<BlockedAddress>() {
            return true;
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inward_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::1",
            "192.0.0.8",
            "192.0.0.170",
            "255.255.255.255",
            "224.0.0.1",
            "::7f00:1",
            "::a00:1",
            "::",
            "64:ff9b:1::a00:1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "fec0::1",
            "100::1",
            "3fff::1",
            "ff02::1",
            "100:0:0:1::7",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} should be refused");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
            "192.0.3.1",
            "100.128.0.1",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip} should be allowed");
        }
    }

    #[test]
    fn literal_hosts_are_checked_unless_allowed() {
        let url = url::Url::parse("http://169.254.169.254/latest/meta-data").unwrap();
        assert!(check_literal_host(&url, false).is_err());
        assert!(check_literal_host(&url, true).is_ok());
        let named = url::Url::parse("https://blog.example.com").unwrap();
        assert!(check_literal_host(&named, false).is_ok());
    }

    #[tokio::test]
    async fn names_resolving_inward_are_refused_by_the_client() {
        let client = tenant_client(false, Duration::from_secs(5));
        let err = client.get("http://localhost:9/").send().await.unwrap_err();
        assert!(is_blocked(&err), "{err:?}");
    }
}
