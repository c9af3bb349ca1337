//! Which resolved addresses a plugin's request may reach. Checked after DNS
//! resolution, on the addresses the connection will actually use, so a name
//! that resolves to an internal address (DNS rebinding, a hostile record)
//! is refused like the address itself.

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

/// What the operator allows beyond public addresses (`[egress]` settings).
/// Production leaves all off; tests and the demo allow loopback. Cloud
/// metadata endpoints are never allowed: they hand out the machine's own
/// credentials, which no plugin has a reason to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddressPolicy {
    /// Allow 127.0.0.0/8 and ::1.
    pub allow_loopback: bool,
    /// Allow private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) and CGNAT (100.64/10).
    pub allow_private: bool,
    /// Allow link-local addresses (169.254/16, fe80::/10), such as devices
    /// on a local segment, except the metadata endpoints among them.
    pub allow_link_local: bool,
}

impl AddressPolicy {
    /// `Err(kind)` when `address` is refused, naming its kind.
    pub fn check(&self, address: IpAddr) -> Result<(), &'static str> {
        match classify(address) {
            None => Ok(()),
            Some("loopback") if self.allow_loopback => Ok(()),
            Some("private" | "shared (CGNAT)") if self.allow_private => Ok(()),
            Some("link-local") if self.allow_link_local => Ok(()),
            Some(kind) => Err(kind),
        }
    }
}

/// The kind of a non-global address, or `None` for a globally reachable
/// one. Addresses that carry an IPv4 address inside an IPv6 one
/// (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) are classified by
/// the IPv4 address they lead to, so `::127.0.0.1` and `64:ff9b::7f00:1`
/// are loopback like `127.0.0.1`.
pub fn classify(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// IANA's IPv4 Special-Purpose Address Registry: every block that is not
/// globally reachable, with multicast and the cloud metadata endpoints.
/// Checked in order, so an exception comes before its block.
const V4: &[(&str, Option<&str>)] = &[
    ("169.254.169.254/32", Some("cloud metadata")),
    ("100.100.100.200/32", Some("cloud metadata")),
    ("0.0.0.0/8", Some("reserved")),
    ("10.0.0.0/8", Some("private")),
    ("100.64.0.0/10", Some("shared (CGNAT)")),
    ("127.0.0.0/8", Some("loopback")),
    ("169.254.0.0/16", Some("link-local")),
    ("172.16.0.0/12", Some("private")),
    // IETF protocol assignments; two anycast services in it are global.
    ("192.0.0.9/32", None),
    ("192.0.0.10/32", None),
    ("192.0.0.0/24", Some("reserved")),
    ("192.0.2.0/24", Some("documentation")),
    ("192.88.99.0/24", Some("reserved")),
    ("192.168.0.0/16", Some("private")),
    ("198.18.0.0/15", Some("benchmarking")),
    ("198.51.100.0/24", Some("documentation")),
    ("203.0.113.0/24", Some("documentation")),
    ("224.0.0.0/4", Some("multicast")),
    ("240.0.0.0/4", Some("reserved")),
];

/// IANA's IPv6 Special-Purpose Address Registry, as [`V4`]. Blocks that
/// embed an IPv4 address are handled before this table; anything outside
/// global unicast (`2000::/3`) is refused after it.
const V6: &[(&str, Option<&str>)] = &[
    ("fd00:ec2::254/128", Some("cloud metadata")),
    ("64:ff9b:1::/48", Some("private")),
    ("100::/64", Some("reserved")),
    ("100:0:0:1::/64", Some("reserved")),
    // IETF protocol assignments; the globally reachable ones first.
    ("2001:1::1/128", None),
    ("2001:1::2/128", None),
    ("2001:1::3/128", None),
    ("2001:3::/32", None),
    ("2001:4:112::/48", None),
    ("2001:20::/28", None),
    ("2001:30::/28", None),
    ("2001:2::/48", Some("benchmarking")),
    ("2001::/23", Some("reserved")),
    ("2001:db8::/32", Some("documentation")),
    ("3fff::/20", Some("documentation")),
    ("5f00::/16", Some("reserved")),
    ("fc00::/7", Some("private")),
    ("fec0::/10", Some("private")),
    ("fe80::/10", Some("link-local")),
    ("ff00::/8", Some("multicast")),
];

/// The tables, parsed once.
static V4_NETS: LazyLock<Vec<(Ipv4Net, Option<&'static str>)>> = LazyLock::new(|| {
    V4.iter().map(|(net, kind)| (net.parse().expect("the IPv4 table holds valid networks"), *kind)).collect()
});
static V6_NETS: LazyLock<Vec<(Ipv6Net, Option<&'static str>)>> = LazyLock::new(|| {
    V6.iter().map(|(net, kind)| (net.parse().expect("the IPv6 table holds valid networks"), *kind)).collect()
});

fn classify_v4(ip: Ipv4Addr) -> Option<&'static str> {
    if ip == Ipv4Addr::BROADCAST {
        return Some("reserved");
    }
    V4_NETS.iter().find(|(net, _)| net.contains(&ip)).and_then(|(_, kind)| *kind)
}

fn classify_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("reserved");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    if let Some((v4, tunnel)) = embedded_v4(ip) {
        // A tunnel to a global address is still a tunnel, which no
        // plugin needs; mapped, compatible and NAT64 addresses are the
        // IPv4 address itself.
        return classify_v4(v4).or(tunnel);
    }
    if let Some((_, kind)) = V6_NETS.iter().find(|(net, _)| net.contains(&ip)) {
        return *kind;
    }
    // Outside 2000::/3 nothing is allocated for global unicast.
    (ip.segments()[0] & 0xe000 != 0x2000).then_some("reserved")
}

/// The IPv4 address inside `ip`, if it embeds one, and the tunnel kind to
/// refuse it as when the IPv4 address itself is global.
fn embedded_v4(ip: Ipv6Addr) -> Option<(Ipv4Addr, Option<&'static str>)> {
    let segments = ip.segments();
    let octets = ip.octets();
    let last = Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]);
    match segments {
        // IPv4-mapped ::ffff:0:0/96 and the deprecated IPv4-compatible ::/96.
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0, 0, ..] => Some((last, None)),
        // NAT64, well-known prefix 64:ff9b::/96.
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some((last, None)),
        // 6to4 2002::/16: the IPv4 address follows the prefix.
        [0x2002, ..] => Some((Ipv4Addr::new(octets[2], octets[3], octets[4], octets[5]), Some("6to4"))),
        // Teredo 2001::/32: the client's address, inverted, ends it.
        [0x2001, 0, ..] => Some((Ipv4Addr::from(!u32::from(last)), Some("Teredo"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges_are_refused_by_default() {
        let policy = AddressPolicy::default();
        for (address, kind) in [
            ("127.0.0.1", "loopback"),
            ("::1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("fd12::1", "private"),
            ("169.254.169.254", "cloud metadata"),
            ("fd00:ec2::254", "cloud metadata"),
            ("169.254.10.10", "link-local"),
            ("fe80::1", "link-local"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("0.0.0.0", "reserved"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
        ] {
            assert_eq!(policy.check(address.parse().unwrap()), Err(kind), "{address}");
        }
        assert_eq!(policy.check("93.184.215.14".parse().unwrap()), Ok(()));
        assert_eq!(policy.check("2606:4700::1".parse().unwrap()), Ok(()));
    }

    #[test]
    fn every_special_purpose_block_is_refused() {
        let policy = AddressPolicy::default();
        for (address, kind) in [
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("192.0.0.1", "reserved"),
            ("192.0.2.7", "documentation"),
            ("198.51.100.1", "documentation"),
            ("203.0.113.9", "documentation"),
            ("192.88.99.1", "reserved"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("240.1.2.3", "reserved"),
            ("0.1.2.3", "reserved"),
            ("::", "reserved"),
            ("100::1", "reserved"),
            ("2001:2::1", "benchmarking"),
            ("2001:10::1", "reserved"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("fec0::1", "private"),
            ("ff02::1", "multicast"),
            ("64:ff9b:1::1", "private"),
            ("4000::1", "reserved"),
            ("::1:2", "reserved"),
        ] {
            assert_eq!(policy.check(address.parse().unwrap()), Err(kind), "{address}");
        }
        for global in ["192.0.0.9", "192.0.0.10", "198.20.0.1", "2001:4:112::1", "2001:1::1", "2a00:1450::1"] {
            assert_eq!(policy.check(global.parse().unwrap()), Ok(()), "{global}");
        }
    }

    #[test]
    fn embedded_ipv4_is_classified_as_ipv4() {
        let policy = AddressPolicy::default();
        for (address, kind) in [
            ("::127.0.0.1", "loopback"),
            ("::10.0.0.1", "private"),
            ("64:ff9b::127.0.0.1", "loopback"),
            ("64:ff9b::169.254.169.254", "cloud metadata"),
            ("64:ff9b::192.168.0.1", "private"),
            ("2002:7f00:1::", "loopback"),
            ("2002:a9fe:a9fe::1", "cloud metadata"),
            ("2002:5db8:d70e::", "6to4"),
            // Teredo: the client's address is the last 32 bits, inverted.
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),
            ("2001:0:4136:e378:8000:63bf:a247:28f1", "Teredo"),
        ] {
            assert_eq!(policy.check(address.parse().unwrap()), Err(kind), "{address}");
        }
        assert_eq!(policy.check("64:ff9b::93.184.215.14".parse().unwrap()), Ok(()), "NAT64 to a global address");
        let loopback = AddressPolicy { allow_loopback: true, ..AddressPolicy::default() };
        assert_eq!(loopback.check("64:ff9b::127.0.0.1".parse().unwrap()), Ok(()), "allowed as its IPv4 address is");
    }

    #[test]
    fn operators_can_allow_each_internal_class_but_never_metadata() {
        let policy = AddressPolicy { allow_loopback: true, allow_private: true, allow_link_local: true };
        for allowed in ["127.0.0.1", "10.0.0.1", "100.64.0.1", "169.254.10.10", "fe80::1"] {
            assert_eq!(policy.check(allowed.parse().unwrap()), Ok(()), "{allowed}");
        }
        assert_eq!(policy.check("169.254.169.254".parse().unwrap()), Err("cloud metadata"));
        assert_eq!(policy.check("fd00:ec2::254".parse().unwrap()), Err("cloud metadata"));
        let only_link_local = AddressPolicy { allow_link_local: true, ..AddressPolicy::default() };
        assert_eq!(only_link_local.check("169.254.10.10".parse().unwrap()), Ok(()));
        assert_eq!(only_link_local.check("10.0.0.1".parse().unwrap()), Err("private"));
    }
}
