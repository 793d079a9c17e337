//! Credentials: random bearer tokens stored as hashes, argon2 passwords, the admin token, and the
//! HS256 identity tokens that sites sign for their users (spec section 3).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::domain::Plan;

/// Kinds of stored bearer token, told apart by prefix so that a leaked token is recognisable in logs and
/// scans. Visitor tokens (`sbv_`) are made by `visitor_token` and need no store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Agent,
    Bot,
}

impl TokenKind {
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::Agent => "sba_",
            TokenKind::Bot => "sbb_",
        }
    }
}

/// A new random token (256 bits) and the hash that is stored in its place.
pub fn new_token(kind: TokenKind) -> (String, [u8; 32]) {
    let bytes: [u8; 32] = rand::random();
    let token = format!("{}{}", kind.prefix(), hex::encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Constant-time comparison of a presented secret with the expected one. Both are hashed first so that
/// neither their content nor their length leaks through timing.
pub fn secret_matches(presented: &str, expected: &str) -> bool {
    token_hash(presented).ct_eq(&token_hash(expected)).into()
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

/// Argon2id with the crate's default (OWASP-recommended) parameters. Slow on purpose and 19 MiB of
/// memory per call: the server calls it only through `passwords::Passwords`, on one dedicated thread.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// The claims of a valid identity token.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdentityClaims {
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    pub plan: Plan,
    pub urgent: bool,
}

/// What the transport found out about a hello's identity token (a gateway node sends it to the
/// leader, hence serde).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IdentityCheck {
    /// No token was offered.
    Absent,
    /// A token was offered but does not hold: the reason goes into the welcome.
    Invalid(String),
    Valid(IdentityClaims),
}

#[derive(Deserialize)]
struct RawClaims {
    sub: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    email_verified: bool,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    urgent: bool,
}

/// Leeway for `exp`, for clocks that are a little apart.
const EXP_LEEWAY_SECS: u64 = 30;
/// Longest identity token accepted, in bytes.
pub const MAX_IDENTITY_TOKEN: usize = 4096;

/// Checks an identity token with the site's secret (spec 3). A site without a secret accepts none.
pub fn check_identity(token: Option<&str>, secret: Option<&str>) -> IdentityCheck {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, errors::ErrorKind};
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return IdentityCheck::Absent;
    };
    let Some(secret) = secret else {
        return IdentityCheck::Invalid("this site does not accept identity tokens".into());
    };
    if token.len() > MAX_IDENTITY_TOKEN {
        return IdentityCheck::Invalid("identity token is too long".into());
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = EXP_LEEWAY_SECS;
    validation.set_required_spec_claims(&["exp", "sub"]);
    match decode::<RawClaims>(token, &DecodingKey::from_secret(secret.as_bytes()), &validation) {
        Ok(data) => {
            let c = data.claims;
            IdentityCheck::Valid(IdentityClaims {
                sub: c.sub,
                email: c.email.trim().to_lowercase(),
                email_verified: c.email_verified,
                name: c.name.filter(|n| !n.trim().is_empty()),
                plan: if c.plan.as_deref() == Some("premium") { Plan::Premium } else { Plan::Standard },
                urgent: c.urgent,
            })
        }
        Err(e) => IdentityCheck::Invalid(
            match e.kind() {
                ErrorKind::ExpiredSignature => "identity token has expired",
                ErrorKind::InvalidSignature => "identity token signature does not match",
                ErrorKind::InvalidAlgorithm => "identity token must be signed with HS256",
                ErrorKind::MissingRequiredClaim(_) => "identity token lacks a required claim (sub, exp)",
                _ => "identity token is malformed",
            }
            .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};

    fn sign(claims: serde_json::Value, secret: &str) -> String {
        encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
    }

    fn future() -> i64 {
        jiff::Timestamp::now().as_second() + 600
    }

    #[test]
    fn identity_tokens_table() {
        let secret = "a-site-secret-of-length";
        let good = serde_json::json!({"sub":"u1","email":"A@x.io","email_verified":true,"plan":"premium","urgent":true,"exp":future()});
        let expired = serde_json::json!({"sub":"u1","email":"a@x.io","email_verified":true,"exp":1000});
        let no_exp = serde_json::json!({"sub":"u1","email":"a@x.io","email_verified":true});
        match check_identity(Some(&sign(good.clone(), secret)), Some(secret)) {
            IdentityCheck::Valid(c) => {
                assert_eq!((c.email.as_str(), c.plan, c.urgent), ("a@x.io", Plan::Premium, true));
            }
            other => panic!("{other:?}"),
        }
        let invalid = [
            (sign(good.clone(), "another-secret-entirely"), Some(secret), "signature"),
            (sign(expired, secret), Some(secret), "expired"),
            (sign(no_exp, secret), Some(secret), "claim"),
            ("not.a.jwt".to_string(), Some(secret), "malformed"),
            (sign(good, secret), None, "does not accept"),
        ];
        for (token, secret, want) in invalid {
            match check_identity(Some(&token), secret) {
                IdentityCheck::Invalid(reason) => {
                    assert!(reason.contains(want), "{reason} should mention {want}")
                }
                other => panic!("expected invalid ({want}), got {other:?}"),
            }
        }
        assert_eq!(check_identity(None, Some(secret)), IdentityCheck::Absent);
    }

    #[test]
    fn passwords_and_tokens() {
        let hash = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        let (token, hash) = new_token(TokenKind::Agent);
        assert!(token.starts_with("sba_"));
        assert_eq!(token_hash(&token), hash);
        assert!(secret_matches("abc", "abc") && !secret_matches("abc", "abd"));
    }
}
