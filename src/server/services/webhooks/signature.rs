//! How deliveries are signed: the Standard Webhooks scheme
//! (standardwebhooks.com), which receivers can check with its libraries or
//! by hand. Each delivery carries
//!
//! - `webhook-id`: the event's id (the same on every retry and re-send, so
//!   a receiver can drop duplicates),
//! - `webhook-timestamp`: unix seconds when this attempt was signed,
//! - `webhook-signature`: `v1,<base64 HMAC-SHA256>` of
//!   `"{webhook-id}.{webhook-timestamp}.{body}"` under the endpoint's secret,
//!   space-separated when two secrets are valid (during a roll's grace).
//!
//! A secret is `whsec_` and base64 of 32 random bytes; the key is the
//! decoded bytes. Receivers should refuse timestamps more than five minutes
//! from their clock, which stops replays of an old delivery.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";
/// How far a receiver should let a timestamp stray from its clock.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// A new endpoint secret.
pub fn new_secret() -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(rand::random::<[u8; 32]>()))
}

fn key_of(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()
}

/// The HMAC of `"{id}.{timestamp}.{body}"` under `key`, before finishing.
fn mac_of(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(mac)
}

/// `v1,<signature>` of one delivery under one secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let mac = mac_of(&key_of(secret)?, id, timestamp, body)?;
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header for the secrets in force.
pub fn header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|s| sign(s, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a receiver does: true when one of the header's signatures is the
/// one `secret` makes and the timestamp is within the tolerance of `now`.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &[u8], header: &str, now: i64) -> bool {
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return false;
    }
    let Some(key) = key_of(secret) else { return false };
    header.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|given| {
        let (Ok(given), Some(mac)) = (STANDARD.decode(given), mac_of(&key, id, timestamp, body)) else {
            return false;
        };
        mac.verify_slice(&given).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_example_verifies() {
        // The worked example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let timestamp = 1614265330;
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, timestamp, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(verify(
            secret,
            id,
            timestamp,
            body,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            timestamp
        ));
    }

    #[test]
    fn both_secrets_sign_during_a_roll_and_either_verifies() {
        let (old, new) = (new_secret(), new_secret());
        let h = header(&[&new, &old], "evt_1", 100, b"{}");
        assert_eq!(h.split(' ').count(), 2);
        assert!(verify(&old, "evt_1", 100, b"{}", &h, 100));
        assert!(verify(&new, "evt_1", 100, b"{}", &h, 100));
        assert!(
            !verify(&new_secret(), "evt_1", 100, b"{}", &h, 100),
            "a third secret does not"
        );
        assert!(!verify(&new, "evt_1", 100, b"{ }", &h, 100), "nor another body");
        assert!(!verify(&new, "evt_2", 100, b"{}", &h, 100), "nor another id");
        assert!(
            !verify(&new, "evt_1", 100, b"{}", &h, 100 + TOLERANCE_SECONDS + 1),
            "nor an old delivery"
        );
    }
}
