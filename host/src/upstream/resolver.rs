//! A DNS resolver for the upstream client that refuses names resolving to
//! addresses the [`AddressPolicy`] does not allow. Because the connection
//! uses exactly the addresses checked here, a rebinding DNS answer cannot
//! slip an internal address past the check.

use crate::policy::address::AddressPolicy;
use crate::policy::egress::Denial;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;

/// Resolves with the system resolver, then applies the policy.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: AddressPolicy,
}

impl GuardedResolver {
    /// A resolver enforcing `policy`.
    pub fn new(policy: AddressPolicy) -> Self {
        Self { policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for address in &addresses {
                if let Err(kind) = policy.check(address.ip()) {
                    let denial = Denial::PrivateAddress { host: host.clone(), address: address.ip(), kind };
                    return Err(Box::new(denial) as Box<dyn std::error::Error + Send + Sync>);
                }
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}
