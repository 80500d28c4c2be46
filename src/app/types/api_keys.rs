//! API keys as the keys page shows them. The key itself appears once, in
//! `CreatedApiKey`, and never again.

use super::Scope;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeySummary {
    pub id: String,
    pub name: String,
    /// The key's first characters, e.g. "ap_live_1a2b3c4d".
    pub prefix: String,
    pub scopes: Vec<Scope>,
    /// The creator's address.
    pub created_by: String,
    pub created: String,
    /// "Never expires", a date, or "Expired …".
    pub expiry: String,
    /// "Never used" or when and from which address.
    pub last_used: String,
    pub revoked: bool,
    pub expired: bool,
    /// The viewer may revoke it (their own, or anyone's for admins).
    pub can_revoke: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyList {
    pub keys: Vec<ApiKeySummary>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    /// Admins see every key of the workspace; others their own.
    pub sees_all: bool,
    /// Members and above make keys; viewers and support views do not.
    pub can_create: bool,
    /// The widest scope the viewer's role can give a key.
    pub max_scope: Scope,
    /// The new-key form as it was refused, to fill it again.
    pub draft: super::FormDraft,
}

/// A key just made: the only time its full text is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub id: String,
    pub key: String,
    pub prefix: String,
}
