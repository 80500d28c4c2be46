use crate::server::error::ServerError;

/// The address of a WordPress site: http(s), a host, no credentials, query
/// or fragment; stored without a trailing slash. A missing scheme means
/// https, and a pasted admin or REST address is cut back to the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteUrl(url::Url);

impl SiteUrl {
    pub fn parse(raw: &str) -> Result<SiteUrl, ServerError> {
        let raw = raw.trim();
        let invalid = || ServerError::Validation("Enter the site's address, like https://blog.example.com.".into());
        if raw.is_empty() || raw.len() > 200 {
            return Err(invalid());
        }
        let with_scheme = if raw.contains("://") {
            raw.to_owned()
        } else {
            format!("https://{raw}")
        };
        let mut url = url::Url::parse(&with_scheme).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none_or(|h| !h.contains('.') && h != "localhost")
        {
            return Err(invalid());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ServerError::Validation(
                "Leave the username and password out of the address; use their own fields.".into(),
            ));
        }
        url.set_query(None);
        url.set_fragment(None);
        let path = url.path().to_owned();
        let cut = ["/wp-admin", "/wp-json", "/wp-login.php"]
            .iter()
            .filter_map(|marker| path.find(marker))
            .min()
            .unwrap_or(path.len());
        url.set_path(path[..cut].trim_end_matches('/'));
        Ok(SiteUrl(url))
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised() {
        assert_eq!(
            SiteUrl::parse("blog.example.com").unwrap().as_str(),
            "https://blog.example.com"
        );
        assert_eq!(
            SiteUrl::parse(" https://Blog.Example.com/ ").unwrap().as_str(),
            "https://blog.example.com"
        );
        assert_eq!(
            SiteUrl::parse("https://example.com/news/wp-admin/post-new.php?x=1#y")
                .unwrap()
                .as_str(),
            "https://example.com/news"
        );
        assert_eq!(
            SiteUrl::parse("http://127.0.0.1:8080/wp-json/").unwrap().as_str(),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn non_addresses_are_refused() {
        for bad in [
            "",
            "ftp://example.com",
            "https://user:pw@example.com",
            "not a url",
            "https://intranet",
        ] {
            assert!(SiteUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
