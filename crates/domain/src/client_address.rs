//! The address of the person behind a request, through the reverse proxies the operator trusts.
//!
//! Behind the recommended TLS proxy every connection comes from the proxy, so limits keyed on
//! the peer address (sign-in throttling) would lump everyone together (issue 14). The proxy
//! says who its client was in `Forwarded` (RFC 7239) or `X-Forwarded-For`; anyone can write
//! those headers, so they are believed only from a configured proxy, and read right to left:
//! each hop appended by a trusted proxy is believed, the first untrusted one is the client.

use std::net::IpAddr;

/// The operator's trusted proxies (`server.trusted_proxies`): addresses and CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `10.0.0.0/8`, `127.0.0.1`, `::1`, `fd00::/8`…; the error names the bad entry.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        let mut ranges = Vec::new();
        for entry in entries {
            let (address, bits) = match entry.trim().split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (entry.trim(), None),
            };
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("{entry:?} is not an address or a range like 10.0.0.0/8"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(bits) => bits
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{entry:?}: the prefix length must be 0 to {max}"))?,
                None => max,
            };
            ranges.push((address, bits));
        }
        Ok(TrustedProxies(ranges))
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0
            .iter()
            .any(|(range, bits)| match (canonical(*range), address) {
                (IpAddr::V4(range), IpAddr::V4(a)) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(*bits)).unwrap_or(0);
                    u32::from(range) & mask == u32::from(a) & mask
                }
                (IpAddr::V6(range), IpAddr::V6(a)) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(*bits)).unwrap_or(0);
                    u128::from(range) & mask == u128::from(a) & mask
                }
                _ => false,
            })
    }
}

/// `::ffff:1.2.3.4` is 1.2.3.4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address: `peer` unless it is a trusted proxy, then the hops of `Forwarded`
/// (all its header lines, in order) or else of `X-Forwarded-For`, right to left.
pub fn client_address(
    peer: IpAddr,
    forwarded: &[&str],
    x_forwarded_for: &[&str],
    trusted: &TrustedProxies,
) -> IpAddr {
    if !trusted.contains(peer) {
        return canonical(peer);
    }
    let hops: Vec<&str> = if forwarded.iter().any(|h| !h.trim().is_empty()) {
        forwarded
            .iter()
            .flat_map(|h| h.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.trim().split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("for")
                        .then_some(value.trim())
                })
            })
            .collect()
    } else {
        x_forwarded_for
            .iter()
            .flat_map(|h| h.split(','))
            .map(str::trim)
            .collect()
    };
    let mut client = canonical(peer);
    for hop in hops.iter().rev() {
        let Some(address) = parse_hop(hop) else {
            // `unknown`, an obfuscated name or garbage: nothing further left can be believed.
            return client;
        };
        client = address;
        if !trusted.contains(address) {
            return address;
        }
    }
    client
}

/// `1.2.3.4`, `1.2.3.4:80`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(canonical(address));
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok().map(canonical);
    }
    let (address, _port) = hop.rsplit_once(':')?;
    address.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    /// Issue 14, defect 3: behind the TLS proxy every request came from the proxy's address.
    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let trusted = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let proxy = ip("127.0.0.1");
        let cases: [(&[&str], &[&str], &str); 8] = [
            (&[], &["203.0.113.7"], "203.0.113.7"),
            // A forged hop on the left is not believed: the proxy appended the real one.
            (&[], &["198.51.100.1, 203.0.113.7"], "203.0.113.7"),
            (&[], &["203.0.113.7, 10.1.2.3"], "203.0.113.7"),
            (&[], &["198.51.100.1", "203.0.113.7"], "203.0.113.7"),
            (
                &["for=203.0.113.7;proto=https"],
                &["198.51.100.1"],
                "203.0.113.7",
            ),
            (
                &["for=\"[2001:db8::1]:4711\", for=10.0.0.2"],
                &[],
                "2001:db8::1",
            ),
            (&["for=203.0.113.7:5555"], &[], "203.0.113.7"),
            (&["for=unknown"], &[], "127.0.0.1"),
        ];
        for (forwarded, xff, expected) in cases {
            assert_eq!(
                client_address(proxy, forwarded, xff, &trusted),
                ip(expected),
                "{forwarded:?} {xff:?}"
            );
        }
        assert_eq!(
            client_address(proxy, &[], &[], &trusted),
            proxy,
            "no header: the proxy itself"
        );
    }

    #[test]
    fn headers_from_anyone_else_are_ignored() {
        let nobody = TrustedProxies::default();
        assert_eq!(
            client_address(ip("203.0.113.7"), &["for=1.1.1.1"], &["1.1.1.1"], &nobody),
            ip("203.0.113.7")
        );
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            client_address(ip("198.51.100.9"), &[], &["1.1.1.1"], &trusted),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_address(ip("::ffff:10.0.0.1"), &[], &["203.0.113.7"], &trusted),
            ip("203.0.113.7"),
            "an IPv4 proxy seen through an IPv6 socket"
        );
    }

    #[test]
    fn ranges_are_checked_and_bad_entries_named() {
        let trusted = proxies(&["192.168.0.0/16", "fd00::/8", "::1"]);
        assert!(trusted.contains(ip("192.168.44.1")));
        assert!(!trusted.contains(ip("192.169.0.1")));
        assert!(trusted.contains(ip("fd12::1")));
        assert!(trusted.contains(ip("::1")));
        assert!(!trusted.contains(ip("fe80::1")));
        assert!(proxies(&["0.0.0.0/0"]).contains(ip("8.8.8.8")));
        let error = TrustedProxies::parse(&["10.0.0.0/33".into()]).unwrap_err();
        assert!(error.contains("0 to 32"), "{error}");
        let error = TrustedProxies::parse(&["proxy.local".into()]).unwrap_err();
        assert!(error.contains("\"proxy.local\""), "{error}");
    }
}
