use crate::server::error::ServerError;

fn parse_name(raw: &str, what: &str, max: usize) -> Result<String, ServerError> {
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        return Err(ServerError::Validation(format!("{what} cannot be empty.")));
    }
    if value.chars().count() > max {
        return Err(ServerError::Validation(format!(
            "{what} must be at most {max} characters."
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ServerError::Validation(format!(
            "{what} contains characters that are not allowed."
        )));
    }
    Ok(value)
}

/// A workspace's display name: 1–60 characters, whitespace collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    pub fn parse(raw: &str) -> Result<WorkspaceName, ServerError> {
        parse_name(raw, "Workspace name", 60).map(WorkspaceName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: 1–80 characters, whitespace collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, ServerError> {
        parse_name(raw, "Name", 80).map(PersonName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A site's display name: 1–80 characters, whitespace collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteName(String);

impl SiteName {
    pub fn parse(raw: &str) -> Result<SiteName, ServerError> {
        parse_name(raw, "Site name", 80).map(SiteName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_whitespace_and_bounds_length() {
        assert_eq!(WorkspaceName::parse("  Acme   Blog ").unwrap().as_str(), "Acme Blog");
        assert!(WorkspaceName::parse("   ").is_err());
        assert!(WorkspaceName::parse(&"x".repeat(61)).is_err());
        assert!(PersonName::parse("Ada\u{7}").is_err());
        assert_eq!(PersonName::parse("Ada Lovelace").unwrap().as_str(), "Ada Lovelace");
    }
}
