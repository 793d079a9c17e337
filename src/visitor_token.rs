//! Visitor tokens that need no store: `sbv_<visitor id: 16 hex>_<HMAC-SHA256(key, id), first 16 bytes:
//! 32 hex>`. A new visitor is welcomed without a write (no commit to wait for, and no row kept for every
//! anonymous visitor that ever opened the widget), and a returning one is recognised without a read. The
//! key is a secret the store keeps (`Store::secret`), made at the first start, so tokens outlive restarts
//! and every node of a cluster shares it. Tokens issued in the earlier format (random, kept as hashes in
//! the store) are still looked up there by `App::principal`.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::domain::VisitorId;

/// The store's name for the key.
pub const KEY_NAME: &str = "visitor_token";
/// The token's prefix; shared with the stored tokens so a leaked one is recognisable either way.
const PREFIX: &str = "sbv_";
/// Bytes of the MAC kept in the token: 128 bits, beyond guessing.
const TAG_BYTES: usize = 16;
/// Separates the MAC input from any other use of the key.
const DOMAIN: &[u8] = b"switchboard visitor token v1";

/// What a presented token is, as far as this format goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// A token of this format, issued with this key, for this visitor.
    Valid(VisitorId),
    /// Shaped like this format but not issued with this key: no store holds it either.
    Invalid,
    /// Not this format (an earlier, stored token, or anything else).
    Other,
}

/// Issues and checks visitor tokens with one secret key.
pub struct VisitorTokens {
    key: [u8; 32],
}

impl std::fmt::Debug for VisitorTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VisitorTokens { key: <secret> }")
    }
}

impl VisitorTokens {
    pub fn new(key: [u8; 32]) -> VisitorTokens {
        VisitorTokens { key }
    }

    fn mac(&self, id: VisitorId) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(DOMAIN);
        mac.update(&id.0.to_be_bytes());
        mac
    }

    /// The token for `id`; the same every time.
    pub fn issue(&self, id: VisitorId) -> String {
        let tag = self.mac(id).finalize().into_bytes();
        format!("{PREFIX}{:016x}_{}", id.0, hex::encode(&tag[..TAG_BYTES]))
    }

    /// Checks a token: valid only if it is exactly the token `issue` makes for the visitor it names
    /// (compared in constant time), so that each visitor has one spelling. The earlier stored tokens have
    /// no second `_` and are `Other`.
    pub fn check(&self, token: &str) -> Checked {
        let Some((id, tag)) = token.strip_prefix(PREFIX).and_then(|rest| rest.split_once('_')) else {
            return Checked::Other;
        };
        if id.len() != 16 || tag.len() != 2 * TAG_BYTES {
            return Checked::Invalid;
        }
        let Ok(id) = u64::from_str_radix(id, 16) else {
            return Checked::Invalid;
        };
        let id = VisitorId(id);
        if bool::from(self.issue(id).as_bytes().ct_eq(token.as_bytes())) {
            Checked::Valid(id)
        } else {
            Checked::Invalid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(seed: u8) -> VisitorTokens {
        VisitorTokens::new([seed; 32])
    }

    #[test]
    fn an_issued_token_names_its_visitor() {
        let t = tokens(1);
        for id in [1, 42, u64::MAX] {
            let token = t.issue(VisitorId(id));
            assert!(token.starts_with("sbv_"));
            assert_eq!(t.check(&token), Checked::Valid(VisitorId(id)), "{token}");
        }
    }

    #[test]
    fn a_token_made_with_another_key_is_refused() {
        let token = tokens(1).issue(VisitorId(7));
        assert_eq!(tokens(2).check(&token), Checked::Invalid);
    }

    #[test]
    fn altered_tokens_are_refused() {
        let t = tokens(3);
        let token = t.issue(VisitorId(0x1234));
        // Another visitor's id with this visitor's MAC.
        let swapped = token.replacen("0000000000001234", "0000000000001235", 1);
        // Every single hex digit of the MAC changed in turn.
        let tag_start = token.rfind('_').unwrap() + 1;
        let mut cases = vec![swapped, token[..token.len() - 2].to_string(), format!("{token}00")];
        for i in tag_start..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
            cases.push(String::from_utf8(bytes).unwrap());
        }
        for bad in cases {
            assert_eq!(t.check(&bad), Checked::Invalid, "{bad}");
        }
    }

    #[test]
    fn one_spelling_per_visitor() {
        let t = tokens(5);
        let token = t.issue(VisitorId(0xabc));
        for variant in [token.to_uppercase().replacen("SBV_", "sbv_", 1), token.replacen("_0000", "_+000", 1)] {
            assert_ne!(variant, token);
            assert_eq!(t.check(&variant), Checked::Invalid, "{variant}");
        }
    }

    #[test]
    fn other_shapes_are_not_this_format() {
        let t = tokens(4);
        let stored_format = format!("sbv_{}", "ab".repeat(32));
        for other in ["", "sbv_", "sba_0000000000000001_00", stored_format.as_str()] {
            assert_eq!(t.check(other), Checked::Other, "{other}");
        }
        for malformed in ["sbv__", "sbv_zz_zz", "sbv_000000000000000g_00000000000000000000000000000000"] {
            assert_eq!(t.check(malformed), Checked::Invalid, "{malformed}");
        }
    }
}
