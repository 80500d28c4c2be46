//! Access tokens of the REST API: compact JWTs (RFC 7519) signed with HMAC
//! (HS256 by default, JWT_ALGORITHM). A token names its user, workspace and
//! refresh-token family; `tokens::context_for_token` reads all three afresh
//! on every call, so removing the member, suspending them, signing them out
//! everywhere or revoking the family ends the token before it expires.
//!
//! Checking refuses any token whose header names another algorithm than the
//! configured one (`none` included): the algorithm is the server's choice,
//! never the token's.

use super::{Origin, TenantContext};
use crate::app::types::{Role, TenantId, UserId};
use crate::server::config::{JwtAlgorithm, JwtConfig};
use crate::server::db::now;
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};
use std::sync::Arc;

/// What a token says. `sid` is its refresh-token family, `ep` the user's
/// sign-out epoch when the family began, `jti` the token's own id (so no
/// two tokens are alike, even from the same second).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub tid: TenantId,
    pub sid: String,
    pub ep: i64,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    alg: String,
    typ: Option<String>,
}

/// Why a token was refused; callers answer 401 alike, logs tell them apart.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a compact JWT")]
    Malformed,
    #[error("signed with another algorithm")]
    WrongAlgorithm,
    #[error("signature does not match")]
    BadSignature,
    #[error("expired")]
    Expired,
}

/// Signs and checks tokens with one key. Debug never shows the key.
#[derive(Clone)]
pub struct Signer {
    key: Arc<[u8]>,
    algorithm: JwtAlgorithm,
    /// How long an access token lasts, in seconds.
    pub lifetime: i64,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({}, ..)", self.algorithm.name())
    }
}

impl Signer {
    /// JWT_SECRET_KEY, or a key derived from the server's root secret for
    /// this one purpose (so it is never the sealing key itself).
    pub fn from_config(config: &JwtConfig, root_secret: &[u8]) -> Signer {
        let key: Vec<u8> = match &config.secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None => {
                let hk = hkdf::Hkdf::<Sha256>::new(Some(b"autopilot-api-tokens"), root_secret);
                let mut key = [0u8; 64];
                hk.expand(b"jwt signing v1", &mut key)
                    .expect("64 bytes is a valid HKDF-SHA256 output length");
                key.to_vec()
            }
        };
        Signer {
            key: key.into(),
            algorithm: config.algorithm,
            lifetime: config.expire_minutes * 60,
        }
    }

    /// The MAC of `input`; with `tag`, whether it matches instead (compared
    /// in constant time by `Mac::verify_slice`, so the comparison does not
    /// tell how much of a forged signature matched).
    fn mac(&self, input: &[u8], tag: Option<&[u8]>) -> Result<Vec<u8>, TokenError> {
        fn run<M: Mac + hmac::digest::KeyInit>(
            key: &[u8],
            input: &[u8],
            tag: Option<&[u8]>,
        ) -> Result<Vec<u8>, TokenError> {
            let mut mac = <M as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
            mac.update(input);
            match tag {
                Some(tag) => mac
                    .verify_slice(tag)
                    .map(|_| Vec::new())
                    .map_err(|_| TokenError::BadSignature),
                None => Ok(mac.finalize().into_bytes().to_vec()),
            }
        }
        match self.algorithm {
            JwtAlgorithm::Hs256 => run::<Hmac<Sha256>>(&self.key, input, tag),
            JwtAlgorithm::Hs384 => run::<Hmac<Sha384>>(&self.key, input, tag),
            JwtAlgorithm::Hs512 => run::<Hmac<Sha512>>(&self.key, input, tag),
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let header = Header {
            alg: self.algorithm.name().into(),
            typ: Some("JWT".into()),
        };
        let signing_input = format!("{}.{}", part(&header), part(claims));
        let signature = self.mac(signing_input.as_bytes(), None).unwrap_or_default();
        let signature = URL_SAFE_NO_PAD.encode(signature);
        format!("{signing_input}.{signature}")
    }

    /// The claims of a token this server signed that has not expired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed);
        let header: Header = serde_json::from_slice(&decode(header)?).map_err(|_| TokenError::Malformed)?;
        if header.alg != self.algorithm.name() {
            return Err(TokenError::WrongAlgorithm);
        }
        let given = decode(signature)?;
        self.mac(&token.as_bytes()[..token.len() - signature.len() - 1], Some(&given))?;
        let claims: Claims = serde_json::from_slice(&decode(payload)?).map_err(|_| TokenError::Malformed)?;
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// One base64url JSON part of a token.
fn part(value: &impl serde::Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("token parts are plain data"))
}

#[derive(sqlx::FromRow)]
struct Standing {
    role: Option<String>,
    session_epoch: i64,
    user_suspended_at: Option<i64>,
    workspace_suspended_at: Option<i64>,
    family_tokens: i64,
    revoked_tokens: i64,
}

/// The scope of a request that carried an access token: its user acting in
/// its workspace with the role they hold now. A token whose user left the
/// workspace, was suspended or signed out everywhere, or whose refresh
/// family was revoked, answers Unauthorized like a forged one.
pub async fn context_for_token(state: &AppState, token: &str, origin: Origin) -> ServerResult<TenantContext> {
    let claims = state.tokens.verify(token, now()).map_err(|e| {
        tracing::debug!(reason = %e, "access token refused");
        ServerError::Unauthorized
    })?;
    let standing: Option<Standing> = sqlx::query_as(
        "select m.role, u.session_epoch, u.suspended_at as user_suspended_at, \
         t.suspended_at as workspace_suspended_at, \
         (select count(*) from refresh_token r where r.family_id = $3 and r.user_id = u.id \
          and r.tenant_id = t.id) as family_tokens, \
         (select count(*) from refresh_token r where r.family_id = $3 and r.revoked_at is not null) as revoked_tokens \
         from app_user u join tenant t on t.id = $2 \
         left join membership m on m.tenant_id = t.id and m.user_id = u.id where u.id = $1",
    )
    .bind(&claims.sub)
    .bind(&claims.tid)
    .bind(&claims.sid)
    .fetch_optional(&state.db.pool)
    .await?;
    let standing = standing.ok_or(ServerError::Unauthorized)?;
    let role = standing.role.as_deref().and_then(Role::parse);
    let current = standing.session_epoch == claims.ep
        && standing.user_suspended_at.is_none()
        && standing.family_tokens > 0
        && standing.revoked_tokens == 0;
    let (Some(role), true) = (role, current) else {
        return Err(ServerError::Unauthorized);
    };
    Ok(TenantContext::of_member(claims.tid, claims.sub, role)
        .suspended(standing.workspace_suspended_at.is_some())
        .with_origin(origin))
}

/// Whether a bearer credential looks like a JWT rather than an API key.
pub fn looks_like_jwt(credential: &str) -> bool {
    credential.split('.').count() == 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(algorithm: JwtAlgorithm, secret: &str) -> Signer {
        let config = JwtConfig {
            secret: Some(secret.into()),
            algorithm,
            expire_minutes: 15,
            refresh_days: 30,
        };
        Signer::from_config(&config, b"unused root secret of 32 bytes..")
    }

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "u1".into(),
            tid: "t1".into(),
            sid: "f1".into(),
            ep: 0,
            iat: 100,
            exp,
            jti: "j1".into(),
        }
    }

    const SECRET: &str = "a shared secret of thirty-two characters";

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let s = signer(JwtAlgorithm::Hs256, SECRET);
        let token = s.sign(&claims(1_000));
        assert!(looks_like_jwt(&token));
        assert_eq!(s.verify(&token, 999), Ok(claims(1_000)));
        assert_eq!(s.verify(&token, 1_000), Err(TokenError::Expired));
    }

    #[test]
    fn the_header_is_the_standard_hs256_one() {
        // RFC 7515: base64url of {"alg":"HS256","typ":"JWT"}, which any JWT
        // library decodes; the signature is HMAC-SHA256 of "header.payload".
        let s = signer(JwtAlgorithm::Hs256, SECRET);
        let token = s.sign(&claims(1_000));
        let header = token.split('.').next().unwrap();
        assert_eq!(header, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        let (input, signature) = token.rsplit_once('.').unwrap();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(input.as_bytes());
        assert_eq!(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()), signature);
    }

    #[test]
    fn other_keys_algorithms_and_tampering_are_refused() {
        let s = signer(JwtAlgorithm::Hs256, SECRET);
        let token = s.sign(&claims(1_000));
        let other_key = signer(JwtAlgorithm::Hs256, "another secret of thirty-two characters");
        assert_eq!(other_key.verify(&token, 0), Err(TokenError::BadSignature));
        let hs512 = signer(JwtAlgorithm::Hs512, SECRET);
        assert_eq!(hs512.verify(&token, 0), Err(TokenError::WrongAlgorithm));
        assert!(hs512.verify(&hs512.sign(&claims(1_000)), 0).is_ok());

        // {"alg":"none"} with no signature: the classic forgery.
        let (_, rest) = token.split_once('.').unwrap();
        let payload = rest.split('.').next().unwrap();
        let none = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#));
        assert_eq!(s.verify(&none, 0), Err(TokenError::WrongAlgorithm));

        // A changed claim under the old signature.
        let mut forged = claims(1_000);
        forged.tid = "t2".into();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert_eq!(s.verify(&tampered, 0), Err(TokenError::BadSignature));
        for junk in ["", "a.b", "a.b.c.d", "!!.!!.!!"] {
            assert!(s.verify(junk, 0).is_err(), "{junk:?}");
        }
    }

    #[test]
    fn without_a_jwt_secret_the_key_is_derived_from_the_root_secret() {
        let config = JwtConfig {
            secret: None,
            algorithm: JwtAlgorithm::Hs256,
            expire_minutes: 15,
            refresh_days: 30,
        };
        let a = Signer::from_config(&config, b"root secret number one, 32 bytes");
        let b = Signer::from_config(&config, b"root secret number two, 32 bytes");
        let token = a.sign(&claims(1_000));
        assert!(a.verify(&token, 0).is_ok());
        assert_eq!(b.verify(&token, 0), Err(TokenError::BadSignature));
        assert_eq!(a.lifetime, 900);
    }
}
