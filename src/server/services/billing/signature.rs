//! The Stripe-Signature check: an HMAC-SHA256 of "{timestamp}.{raw body}"
//! under the endpoint's secret, in a header that may carry several `v1`
//! values (while a secret is being rolled) and must be recent.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Seconds a signed delivery stays acceptable, either side of now.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the signature is older or newer than the tolerance")]
    Stale,
    #[error("no v1 signature matches the body")]
    Mismatch,
}

pub fn verify(secret: &str, header: Option<&str>, body: &[u8], now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, timestamp, body);
    // Mac::verify_slice compares in constant time.
    if signatures.iter().any(|s| expected.clone().verify_slice(s).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, body: &[u8]) -> String {
        hex::encode(mac(secret, t, body).finalize().into_bytes())
    }

    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    #[test]
    fn any_of_several_v1_values_may_match() {
        let good = sign("whsec_a", 1_000, BODY);
        let header = format!("t=1000,v1={},v0=zzz,v1={good}", sign("whsec_old", 1_000, BODY));
        assert_eq!(verify("whsec_a", Some(&header), BODY, 1_100), Ok(()));
    }

    #[test]
    fn a_changed_body_a_wrong_secret_or_an_old_stamp_is_refused() {
        let header = format!("t=1000,v1={}", sign("whsec_a", 1_000, BODY));
        assert_eq!(
            verify("whsec_a", Some(&header), br#"{"id":"evt_2"}"#, 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_b", Some(&header), BODY, 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_a", Some(&header), BODY, 1_301),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify("whsec_a", Some(&header), BODY, 1_300), Ok(()));
        assert_eq!(verify("whsec_a", None, BODY, 1_000), Err(SignatureError::Missing));
        assert_eq!(
            verify("whsec_a", Some("t=1000"), BODY, 1_000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify("whsec_a", Some("v1=abcd"), BODY, 1_000),
            Err(SignatureError::Malformed)
        );
    }
}
