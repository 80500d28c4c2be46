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

/// True for addresses on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // shared address space (carrier-grade NAT), 100.64.0.0/10
        || (a == 100 && (64..128).contains(&b))
        // benchmarking 198.18.0.0/15 and reserved 240.0.0.0/4
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // unique local fc00::/7 and link-local fe80::/10
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // documentation 2001:db8::/32
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // NAT64 64:ff9b::/96 and 6to4 2002::/16 embed an IPv4 address the
        // gateway would reach for us, private ones included
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || first == 0x2002)
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
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} should be refused");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
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
