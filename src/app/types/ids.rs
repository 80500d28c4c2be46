//! Typed ids, shared by the browser and the server: a `SiteId` cannot be
//! passed where a `JobId` is wanted. On the wire and in the database each is
//! its text (UUIDv7 for rows the app creates). They carry no validation: an
//! id that names nothing is simply not found in the caller's workspace.

use serde::{Deserialize, Serialize};

macro_rules! typed_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> $name {
                $name(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// On the wire an id is its text.
        #[cfg(feature = "ssr")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <String as utoipa::PartialSchema>::schema()
            }
        }

        #[cfg(feature = "ssr")]
        impl utoipa::ToSchema for $name {}

        impl From<String> for $name {
            fn from(id: String) -> $name {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> $name {
                $name(id.to_owned())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <String as sqlx::Type<sqlx::Any>>::type_info()
            }

            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <String as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<sqlx::Any>>::encode_by_ref(&self.0, buf)
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok($name(<String as sqlx::Decode<sqlx::Any>>::decode(value)?))
            }
        }
    )*};
}

typed_ids! {
    /// A workspace (tenant).
    TenantId;
    /// A person's account.
    UserId;
    /// A WordPress site of a workspace.
    SiteId;
    /// One job of the queue, of any kind.
    JobId;
    /// A generated post.
    PostId;
    /// An invitation to join a workspace.
    InvitationId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_travel_as_their_text() {
        let id = SiteId::new("0193-site");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0193-site\"");
        let back: SiteId = serde_json::from_str("\"0193-site\"").unwrap();
        assert_eq!(back, id);
        assert_eq!(id.to_string(), "0193-site");
        assert!(id == "0193-site");
    }
}
