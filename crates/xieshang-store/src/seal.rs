//! Sealing residents' personal data at rest (XChaCha20-Poly1305, a random nonce per
//! value). The key comes from configuration; without the key the sealed columns
//! are unreadable, and a value sealed under another key fails to open rather than
//! yielding garbage.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// The personal-data key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// A key that is not 64 hex digits, or a value that does not open.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The configured key is malformed.
    #[error("the personal-data key must be 64 hexadecimal digits (32 bytes)")]
    BadKey,
    /// The stored value was not sealed with this key, or was altered.
    #[error("a sealed value could not be opened (wrong key or altered data)")]
    Open,
}

impl Sealer {
    /// A sealer from a key of 64 hex digits.
    pub fn from_hex(hex_key: &str) -> Result<Sealer, SealError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| SealError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SealError::BadKey);
        }
        Ok(Sealer {
            cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)),
        })
    }

    /// A fresh random key as 64 hex digits.
    pub fn generate_hex() -> String {
        let mut k = [0u8; 32];
        rand::rng().fill_bytes(&mut k);
        hex::encode(k)
    }

    /// Seals a value: hex of nonce ‖ ciphertext.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption into a Vec cannot fail for inputs of this size.
        let ct = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(ct);
        hex::encode(out)
    }

    /// Opens a sealed value.
    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        let bytes = hex::decode(sealed).map_err(|_| SealError::Open)?;
        if bytes.len() < 24 + 16 {
            return Err(SealError::Open);
        }
        let (nonce, ct) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ct)
            .map_err(|_| SealError::Open)?;
        String::from_utf8(plain).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_key() {
        let s = Sealer::from_hex(&Sealer::generate_hex()).unwrap();
        let a = s.seal("13812341234");
        let b = s.seal("13812341234");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("1381234"));
        assert_eq!(s.open(&a).unwrap(), "13812341234");
        let other = Sealer::from_hex(&Sealer::generate_hex()).unwrap();
        assert!(other.open(&a).is_err());
        let mut altered = a.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'0' { b'1' } else { b'0' };
        assert!(s.open(&String::from_utf8(altered).unwrap()).is_err());
        assert!(Sealer::from_hex("abc").is_err());
    }
}
