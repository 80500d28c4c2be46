use crate::server::error::ServerError;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// A password of 8 to 128 characters. Its Debug never shows the text.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: String) -> Result<Password, ServerError> {
        let len = raw.chars().count();
        if len < MIN_LEN {
            return Err(ServerError::Validation(format!(
                "Password must be at least {MIN_LEN} characters."
            )));
        }
        if len > MAX_LEN {
            return Err(ServerError::Validation(format!(
                "Password must be at most {MAX_LEN} characters."
            )));
        }
        Ok(Password(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_count_characters() {
        assert!(Password::parse("1234567".into()).is_err());
        assert!(Password::parse("12345678".into()).is_ok());
        assert!(Password::parse("é".repeat(128)).is_ok());
        assert!(Password::parse("x".repeat(129)).is_err());
    }

    #[test]
    fn debug_hides_the_text() {
        let p = Password::parse("hunter22hunter22".into()).unwrap();
        assert!(!format!("{p:?}").contains("hunter"));
    }
}
