//! HS256 access tokens. A token names its user, the user's random token key and token
//! version: a password reset raises the version, so older tokens stop working, and the key
//! is never shared by two accounts, so a deleted account's token opens no other.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::models::{now, user::User};

pub mod hmac_only;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id, as text (RFC 7519 makes `sub` a string).
    pub sub: String,
    /// The user's token version when the token was issued.
    pub ver: i64,
    /// The user's token key. Tokens made before keys existed have none and are refused.
    #[serde(default)]
    pub key: String,
    pub iat: i64,
    pub exp: i64,
    /// Who the token names, as the original Flask server's clients read it: `userid`,
    /// `username` and `propic` (flask-jwt-extended put them under `identity`; they are
    /// also at the top level here). Never the e-mail address: personal data stays out of
    /// tokens, which anyone holding one can read. Not checked: `sub`, `ver` and `key`
    /// decide who the token opens for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userid: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propic: Option<String>,
}

/// The original server's token identity, less the e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub userid: i64,
    pub username: String,
    pub propic: String,
}

/// Far longer than any token we issue; longer ones are not even parsed.
const MAX_TOKEN_LEN: usize = 1024;

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl_secs: u64,
}

impl Keys {
    pub fn new(secret: &[u8], ttl_secs: u64) -> Keys {
        hmac_only::install();
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_secs,
        }
    }

    pub fn issue(&self, user: &User) -> Result<String, AppError> {
        let iat = now();
        let identity = Identity {
            userid: user.id.get(),
            username: user.username.clone(),
            propic: user.image_file.clone(),
        };
        let claims = Claims {
            sub: user.id.to_string(),
            ver: user.token_version,
            key: user.token_key.clone(),
            iat,
            exp: iat + self.ttl_secs as i64,
            userid: Some(identity.userid),
            username: Some(identity.username.clone()),
            propic: Some(identity.propic.clone()),
            identity: Some(identity),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("signing a token: {e}")))
    }

    /// The claims of a well-formed, correctly signed, unexpired HS256 token.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn user() -> User {
        User {
            id: crate::domain::UserId::new(7),
            username: "ann".into(),
            email: Some("ann@example.org".into()),
            password_hash: None,
            image_file: "default.jpg".into(),
            role: Role::Member,
            token_version: 3,
            token_key: "k".into(),
            created_at: 0,
            modified_at: 0,
            full_name: None,
            card_number: None,
            group: None,
            phone: None,
            note: None,
            card_expires_on: None,
            status: crate::domain::PatronStatus::Active,
            blocked_reason: None,
            erased_at: None,
        }
    }

    #[test]
    fn signs_and_verifies() {
        // Also proves a crypto backend is compiled in: without one, signing panics.
        let keys = Keys::new(b"secret", 60);
        let token = keys.issue(&user()).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.ver), ("7", 3));
    }

    #[test]
    fn carries_the_original_identity_but_no_email() {
        let keys = Keys::new(b"secret", 60);
        let token = keys.issue(&user()).unwrap();
        let claims = keys.verify(&token).unwrap();
        let identity = Identity {
            userid: 7,
            username: "ann".into(),
            propic: "default.jpg".into(),
        };
        assert_eq!(claims.identity, Some(identity));
        assert_eq!(
            (
                claims.userid,
                claims.username.as_deref(),
                claims.propic.as_deref()
            ),
            (Some(7), Some("ann"), Some("default.jpg"))
        );
        let payload = serde_json::to_string(&claims).unwrap();
        assert!(!payload.contains("example.org"), "{payload}");
    }

    #[test]
    fn refuses_other_keys_tampering_and_alg_none() {
        let keys = Keys::new(b"secret", 60);
        let token = keys.issue(&user()).unwrap();
        assert!(Keys::new(b"other", 60).verify(&token).is_none());
        let mut parts: Vec<&str> = token.split('.').collect();
        let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
        parts[0] = none_header;
        assert!(keys
            .verify(&format!("{}.{}.", parts[0], parts[1]))
            .is_none());
        assert!(keys.verify("junk").is_none());
    }

    #[test]
    fn refuses_expired_tokens() {
        let keys = Keys::new(b"secret", 60);
        let claims = Claims {
            sub: "1".into(),
            ver: 0,
            key: String::new(),
            iat: 0,
            exp: 1,
            identity: None,
            userid: None,
            username: None,
            propic: None,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert!(keys.verify(&token).is_none());
    }
}
