//! Which resolved addresses a plugin's request may reach. Checked after DNS
//! resolution, on the addresses the connection will actually use, so a name
//! that resolves to an internal address (DNS rebinding, a hostile record)
//! is refused like the address itself.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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

/// The kind of a non-public address, or `None` for a public one.
pub fn classify(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (CGNAT)")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 || a >= 240 {
        Some("reserved")
    } else {
        None
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("reserved")
    } else {
        None
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
