//! Password hashing (Argon2id), random tokens and their stored hashes. The store only ever
//! sees hashes of tokens.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::Rng;
use sha2::{Digest, Sha256};

/// A hash in PHC format (`$argon2id$v=19$m=19456,t=2,p=1$…`), with argon2's recommended
/// parameters. Run it off the async threads: it takes tens of milliseconds on purpose.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters hashes any password of bounded length")
        .to_string()
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub async fn hash_password_blocking(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .expect("password hashing task")
}

/// Verifies a password, spending the same time when the account does not exist, so response
/// times do not reveal which e-mail addresses have accounts.
pub async fn verify_password_blocking(password: String, stored_hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        static DUMMY: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| hash_password("not-a-real-password-dummy"));
        match stored_hash {
            Some(hash) => verify_password(&password, &hash),
            None => {
                let _ = verify_password(&password, &DUMMY);
                false
            }
        }
    })
    .await
    .expect("password verification task")
}

/// 32 random bytes as hex: session ids, CSRF tokens, reset and invitation links.
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored for a token: its SHA-256. Tokens are long and random, so a plain fast hash
/// is enough (no salt or stretching needed), and lookups stay indexed.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
        assert!(constant_time_eq(&a, &a.clone()));
        assert!(!constant_time_eq(&a, &b));
    }
}
