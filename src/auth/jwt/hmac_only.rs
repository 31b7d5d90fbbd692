//! jsonwebtoken's cryptography, HMAC only. Its `rust_crypto` bundle also links RSA,
//! elliptic curves and EdDSA, which no token of this server uses (about 300 KB of the
//! binary); this provider signs and verifies HS256, HS384 and HS512 with the `hmac` and
//! `sha2` crates the server has anyway, and refuses every other algorithm. Which algorithm
//! a token must carry is still decided by `Keys::verify` (HS256 only).

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{Error as SignatureError, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::{Sha256, Sha384, Sha512};

/// One keyed HMAC for one algorithm.
enum Keyed {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
}

impl Keyed {
    fn new(algorithm: Algorithm, secret: &[u8]) -> Result<Keyed> {
        let bad_key = |_| ErrorKind::InvalidKeyFormat;
        Ok(match algorithm {
            Algorithm::HS256 => Keyed::Hs256(Hmac::new_from_slice(secret).map_err(bad_key)?),
            Algorithm::HS384 => Keyed::Hs384(Hmac::new_from_slice(secret).map_err(bad_key)?),
            Algorithm::HS512 => Keyed::Hs512(Hmac::new_from_slice(secret).map_err(bad_key)?),
            _ => return Err(ErrorKind::InvalidAlgorithm.into()),
        })
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            Keyed::Hs256(_) => Algorithm::HS256,
            Keyed::Hs384(_) => Algorithm::HS384,
            Keyed::Hs512(_) => Algorithm::HS512,
        }
    }

    fn tag(&self, message: &[u8]) -> Vec<u8> {
        fn run<M: Mac + Clone>(mac: &M, message: &[u8]) -> Vec<u8> {
            let mut mac = mac.clone();
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            Keyed::Hs256(mac) => run(mac, message),
            Keyed::Hs384(mac) => run(mac, message),
            Keyed::Hs512(mac) => run(mac, message),
        }
    }
}

impl Signer<Vec<u8>> for Keyed {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, SignatureError> {
        Ok(self.tag(message))
    }
}

impl Verifier<Vec<u8>> for Keyed {
    fn verify(
        &self,
        message: &[u8],
        signature: &Vec<u8>,
    ) -> std::result::Result<(), SignatureError> {
        // Compared in constant time, so the answer's timing tells nothing of the tag.
        let expected = self.tag(message);
        let same = expected.len() == signature.len()
            && expected
                .iter()
                .zip(signature)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0;
        same.then_some(()).ok_or_else(SignatureError::new)
    }
}

impl JwtSigner for Keyed {
    fn algorithm(&self) -> Algorithm {
        Keyed::algorithm(self)
    }
}

impl JwtVerifier for Keyed {
    fn algorithm(&self) -> Algorithm {
        Keyed::algorithm(self)
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Ok(Box::new(Keyed::new(*algorithm, key.as_bytes())?))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    Ok(Box::new(Keyed::new(*algorithm, key.try_get_as_bytes()?)?))
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes this jsonwebtoken's provider for the process; call before any token is made or
/// read. Calling it again does nothing.
pub fn install() {
    // An Err means a provider is installed already: this one, by an earlier call.
    let _ = PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_hmac_and_refuses_the_rest() {
        install();
        let key = EncodingKey::from_secret(b"secret");
        let header = jsonwebtoken::Header::new(Algorithm::HS256);
        let token = jsonwebtoken::encode(&header, &serde_json::json!({"sub": "1"}), &key).unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        let read = jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &DecodingKey::from_secret(b"secret"),
            &validation,
        );
        assert_eq!(read.unwrap().claims["sub"], "1");
        let wrong = jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &DecodingKey::from_secret(b"other"),
            &validation,
        );
        assert!(wrong.is_err());
        let rsa = jsonwebtoken::Header::new(Algorithm::RS256);
        assert!(jsonwebtoken::encode(&rsa, &serde_json::json!({}), &key).is_err());
    }
}
