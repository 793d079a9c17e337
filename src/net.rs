//! Addresses and networks as `trusted_proxies` lists them (`10.0.0.0/8`, `::1`): parsed when the
//! configuration is loaded, matched for every request that may carry `X-Forwarded-For` (`throttle`).

use std::net::IpAddr;

/// An address or a network (`10.0.0.0/8`, `::1`), as `trusted_proxies` lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Net {
    type Err = String;

    fn from_str(s: &str) -> Result<Net, String> {
        let (ip, prefix) = s.trim().split_once('/').map_or((s.trim(), None), |(a, p)| (a, Some(p)));
        let addr: IpAddr = ip.parse().map_err(|_| format!("\"{s}\" is not an IP address or network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or(format!("\"{s}\": bad prefix length"))?,
        };
        Ok(Net { addr, prefix })
    }
}

impl Net {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // Both as 128 bits, an IPv4 address in the top 32, so that one mask fits both.
        let (a, b) = match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)) << 96, u128::from(u32::from(b)) << 96),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b)),
            _ => return false,
        };
        let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
        a & mask == b & mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_parse_and_match() {
        let n: Net = "192.168.0.0/16".parse().unwrap();
        assert!(n.contains("192.168.40.1".parse().unwrap()));
        assert!(!n.contains("192.169.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:192.168.1.1".parse().unwrap()), "v4-mapped v6 is the v4 address");
        assert!("10.0.0.0/33".parse::<Net>().is_err());
        assert!("proxy.local".parse::<Net>().is_err());
        assert!("0.0.0.0/0".parse::<Net>().unwrap().contains("8.8.8.8".parse().unwrap()));
    }
}
