//! Random codes and secrets, and the form a secret is kept in: tracking codes,
//! residents' keys, reset links, sessions and API keys all draw and hash here.

use rand::Rng;
use sha2::{Digest, Sha256};

/// Upper-case letters and digits without look-alikes (no 0/O, 1/I/L), for codes
/// people read out and type.
pub const READABLE: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// `len` characters drawn at random from `alphabet`.
pub fn random_code(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// What is stored of a random secret: its SHA-256 in hex. A fast hash is enough
/// because the secret is random, not chosen by a person.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether two stored hashes are equal, in time that does not depend on where
/// they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
