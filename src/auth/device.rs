//! Known-device tokens. Each successful login hands the client one; shown at a later login
//! of the same account, it lets the login throttle judge that client by its own failures
//! only, so an attack on the account from elsewhere does not lock its owner out. The token
//! opens nothing by itself: the password is still checked.
//!
//! Nothing is stored: a token is a random device id, the day it was issued and an HMAC
//! over those, the account's id and its token version, keyed from the server's token
//! secret. A password reset raises the version, which retires every known device.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::models::{now, user::User};

type HmacSha256 = Hmac<Sha256>;

/// Longer device tokens are not even parsed (ours are about 110 characters).
pub const MAX_DEVICE_TOKEN_LEN: usize = 256;

pub struct DeviceKeys {
    key: Vec<u8>,
    ttl_secs: i64,
}

impl DeviceKeys {
    /// Keys derived from the token secret, so that neither kind of token can stand in for
    /// the other.
    pub fn new(secret: &[u8], ttl_days: u32) -> DeviceKeys {
        let mut derive = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        derive.update(b"library-server known-device key");
        DeviceKeys {
            key: derive.finalize().into_bytes().to_vec(),
            ttl_secs: i64::from(ttl_days) * 24 * 60 * 60,
        }
    }

    /// What a token is bound to: the account (its id and its own random key, which no
    /// other account shares), as it stands until its next password reset.
    fn binding(user: &User) -> String {
        format!("{}\0{}\0{}", user.id, user.token_key, user.token_version)
    }

    fn mac(&self, binding: &str, device: &str, issued: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(format!("{binding}\0{device}\0{issued}").as_bytes());
        mac
    }

    /// A new token for a client that has just signed in as `user`.
    pub fn issue(&self, user: &User) -> String {
        self.issue_bound(&Self::binding(user))
    }

    /// The device id of a genuine, unexpired token of `user`; None for anything else
    /// (another account's token, an old one, a forgery, junk).
    pub fn verify(&self, token: &str, user: &User) -> Option<String> {
        self.verify_bound(token, &Self::binding(user))
    }

    fn issue_bound(&self, binding: &str) -> String {
        let mut id = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut id);
        let device = hex::encode(id);
        let issued = now();
        let tag = self.mac(binding, &device, issued).finalize().into_bytes();
        format!("{device}.{issued}.{}", hex::encode(tag))
    }

    fn verify_bound(&self, token: &str, binding: &str) -> Option<String> {
        if token.len() > MAX_DEVICE_TOKEN_LEN {
            return None;
        }
        let mut parts = token.split('.');
        let (device, issued, tag) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || device.len() != 32 || hex::decode(device).is_err() {
            return None;
        }
        let issued: i64 = issued.parse().ok()?;
        if now().saturating_sub(issued) > self.ttl_secs {
            return None;
        }
        let tag = hex::decode(tag).ok()?;
        self.mac(binding, device, issued).verify_slice(&tag).ok()?;
        Some(device.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_one_device_of_one_account() {
        let keys = DeviceKeys::new(b"secret", 30);
        let ann = "7/0";
        let first = keys.issue_bound(ann);
        let second = keys.issue_bound(ann);
        let device = keys.verify_bound(&first, ann).expect("genuine");
        assert_ne!(
            Some(device),
            keys.verify_bound(&second, ann),
            "one id per login"
        );
        assert!(
            keys.verify_bound(&first, "8/0").is_none(),
            "another account"
        );
        assert!(keys.verify_bound(&first, "7/1").is_none(), "after a reset");
        let other_server = DeviceKeys::new(b"other", 30);
        assert!(other_server.verify_bound(&first, ann).is_none());
        assert!(keys.verify_bound("junk", ann).is_none());
        assert!(keys.verify_bound(&format!("{first}.x"), ann).is_none());
        let mut forged = first.clone();
        forged.replace_range(0..1, if first.starts_with('0') { "1" } else { "0" });
        assert!(keys.verify_bound(&forged, ann).is_none());
    }

    #[test]
    fn tokens_expire() {
        let keys = DeviceKeys::new(b"secret", 0);
        let device = "0".repeat(32);
        let issued = now() - 10;
        let tag = hex::encode(keys.mac("7/0", &device, issued).finalize().into_bytes());
        let token = format!("{device}.{issued}.{tag}");
        assert!(keys.verify_bound(&token, "7/0").is_none());
    }
}
