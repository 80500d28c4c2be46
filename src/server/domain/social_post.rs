//! What a social post must be before it is saved: hashtags as words
//! (kept without `#`), media recognised by its bytes rather than its name,
//! and each platform's own rules, checked together so a person sees every
//! problem at once, each naming its platform.

use crate::app::types::Platform;
use crate::server::error::ServerError;

/// Instagram's and TikTok's caption limit, in characters.
pub const CAPTION_LIMIT: usize = 2_200;
/// Instagram's hashtag limit per post.
pub const INSTAGRAM_HASHTAGS: usize = 30;
/// Facebook's limit on a Page post's text.
const FACEBOOK_TEXT_LIMIT: usize = 63_206;
/// The longest hashtag accepted (platforms cut longer ones).
const HASHTAG_CHARS: usize = 100;
/// The most bytes of an upload: photos (Instagram takes up to 8 MB) and
/// videos (kept modest; a later S3-compatible store may allow more).
pub const IMAGE_BYTES: usize = 8 * 1024 * 1024;
pub const VIDEO_BYTES: usize = 100 * 1024 * 1024;

/// Hashtags without `#`: letters, digits and underscores, no repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hashtags(Vec<String>);

impl Hashtags {
    /// Words separated by spaces or commas; a leading `#` is dropped.
    pub fn parse(raw: &str) -> Result<Hashtags, ServerError> {
        let mut tags: Vec<String> = Vec::new();
        for word in raw
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
        {
            let tag = word.strip_prefix('#').unwrap_or(word);
            let valid = !tag.is_empty()
                && tag.chars().count() <= HASHTAG_CHARS
                && tag.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !tag.chars().all(|c| c.is_ascii_digit());
            if !valid {
                return Err(ServerError::Validation(format!(
                    "\"{word}\" is not a hashtag: use letters, digits and underscores (not only digits), up to {HASHTAG_CHARS}."
                )));
            }
            if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
                tags.push(tag.to_owned());
            }
        }
        Ok(Hashtags(tags))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// As stored: the words, separated by single spaces.
    pub fn stored(&self) -> String {
        self.0.join(" ")
    }

    /// As published: `#word #word`.
    pub fn shown(&self) -> String {
        self.0.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")
    }
}

/// The caption a platform receives: the text, then the hashtags.
pub fn caption(text: &str, tags: &Hashtags) -> String {
    match (text.trim(), tags.0.is_empty()) {
        (text, true) => text.to_owned(),
        ("", false) => tags.shown(),
        (text, false) => format!("{text}\n\n{}", tags.shown()),
    }
}

/// Hashtags a platform counts: the listed ones and any `#word` in the text.
fn hashtags_in(text: &str, tags: &Hashtags) -> usize {
    let inline = text
        .split_whitespace()
        .filter(|w| w.len() > 1 && w.starts_with('#'))
        .filter(|w| {
            let word = w.trim_start_matches('#').to_lowercase();
            !tags.0.iter().any(|t| t.to_lowercase() == word)
        })
        .count();
    tags.0.len() + inline
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
        }
    }

    pub fn parse(s: &str) -> Option<MediaKind> {
        [MediaKind::Image, MediaKind::Video]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What an upload is, told by its first bytes: JPEG, PNG, MP4 or QuickTime.
pub fn sniff(bytes: &[u8]) -> Option<(MediaKind, &'static str)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some((MediaKind::Image, "image/jpeg"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some((MediaKind::Image, "image/png"))
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        // The major brand: HEIC and AVIF photos and M4A audio share the box.
        match &bytes[8..12] {
            b"qt  " => Some((MediaKind::Video, "video/quicktime")),
            b"isom" | b"iso2" | b"iso4" | b"iso5" | b"iso6" | b"mp41" | b"mp42" | b"avc1" | b"M4V " | b"dash" => {
                Some((MediaKind::Video, "video/mp4"))
            }
            _ => None,
        }
    } else {
        None
    }
}

/// Checks an upload: a kind we publish, within its size.
pub fn check_upload(bytes: &[u8]) -> Result<(MediaKind, &'static str), ServerError> {
    let (kind, content_type) = sniff(bytes)
        .ok_or_else(|| ServerError::Validation("Upload a JPEG or PNG photo, or an MP4 or MOV video.".into()))?;
    let limit = match kind {
        MediaKind::Image => IMAGE_BYTES,
        MediaKind::Video => VIDEO_BYTES,
    };
    if bytes.len() > limit {
        return Err(ServerError::Validation(format!(
            "That {} is {:.1} MB; the most is {} MB.",
            if kind == MediaKind::Image { "photo" } else { "video" },
            bytes.len() as f64 / 1_048_576.0,
            limit / 1_048_576
        )));
    }
    Ok((kind, content_type))
}

/// A post as one platform would receive it.
pub struct ForPlatform<'a> {
    pub text: &'a str,
    pub hashtags: &'a Hashtags,
    pub link: &'a str,
    /// The attached media's kind and type, if any.
    pub media: Option<(MediaKind, &'a str)>,
}

/// Every reason `platform` would refuse the post, in words; empty when it
/// would take it.
pub fn problems(platform: Platform, post: &ForPlatform<'_>) -> Vec<String> {
    let caption = caption(post.text, post.hashtags);
    let chars = caption.chars().count();
    let mut found = Vec::new();
    let mut too_long = |limit: usize, name: &str| {
        if chars > limit {
            found.push(format!(
                "{name} takes at most {limit} characters; this caption has {chars}."
            ));
        }
    };
    match platform {
        Platform::Instagram => {
            too_long(CAPTION_LIMIT, "An Instagram caption");
            match post.media {
                None => found.push("Instagram needs a photo or video.".into()),
                Some((MediaKind::Image, t)) if t != "image/jpeg" => {
                    found.push("Instagram takes photos as JPEG; this one is a PNG.".into())
                }
                _ => {}
            }
            let tags = hashtags_in(post.text, post.hashtags);
            if tags > INSTAGRAM_HASHTAGS {
                found.push(format!(
                    "Instagram allows {INSTAGRAM_HASHTAGS} hashtags; this post has {tags}."
                ));
            }
        }
        Platform::Tiktok => {
            too_long(CAPTION_LIMIT, "A TikTok caption");
            if !matches!(post.media, Some((MediaKind::Video, _))) {
                found.push("TikTok needs a video.".into());
            }
        }
        Platform::Facebook => {
            too_long(FACEBOOK_TEXT_LIMIT, "A Facebook post");
            if caption.is_empty() && post.link.is_empty() && post.media.is_none() {
                found.push("A Facebook post needs text, a link or a photo.".into());
            }
            if matches!(post.media, Some((MediaKind::Video, _))) {
                found.push("Facebook posts from Autopilot take a photo; videos go to Instagram or TikTok.".into());
            }
        }
        Platform::Demo => {
            too_long(CAPTION_LIMIT, "A demo post");
            if caption.is_empty() && post.media.is_none() {
                found.push("The demo channel needs text or media.".into());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(raw: &str) -> Hashtags {
        Hashtags::parse(raw).unwrap()
    }

    #[test]
    fn hashtags_are_words_without_their_hash_and_without_repeats() {
        assert_eq!(
            tags("#Bread, sourdough  #bread café_2").as_slice(),
            ["Bread", "sourdough", "café_2"]
        );
        assert_eq!(tags("a b").shown(), "#a #b");
        assert_eq!(tags("").stored(), "");
        let long = "x".repeat(101);
        for bad in ["two-words", "#", "##x", "2026", "emoji🙂", long.as_str()] {
            assert!(Hashtags::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_caption_puts_hashtags_after_the_text() {
        assert_eq!(caption("  Fresh today ", &tags("bread")), "Fresh today\n\n#bread");
        assert_eq!(caption("", &tags("bread")), "#bread");
        assert_eq!(caption("Hi", &Hashtags::default()), "Hi");
    }

    #[test]
    fn uploads_are_known_by_their_bytes_and_sized() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some((MediaKind::Image, "image/jpeg")));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some((MediaKind::Image, "image/png")));
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0"), Some((MediaKind::Video, "video/mp4")));
        assert_eq!(
            sniff(b"\0\0\0\x14ftypqt  \0\0"),
            Some((MediaKind::Video, "video/quicktime"))
        );
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0"), None, "an iPhone photo is not a video");
        assert_eq!(sniff(b"\0\0\0\x18ftypM4A \0\0"), None);
        assert!(check_upload(b"<html>").is_err());
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(IMAGE_BYTES + 1, 0);
        let refused = check_upload(&big).unwrap_err().to_string();
        assert!(refused.contains("the most is 8 MB"), "{refused}");
    }

    fn post<'a>(text: &'a str, tags: &'a Hashtags, media: Option<(MediaKind, &'a str)>) -> ForPlatform<'a> {
        ForPlatform {
            text,
            hashtags: tags,
            link: "",
            media,
        }
    }

    #[test]
    fn each_platform_names_what_it_needs() {
        let none = Hashtags::default();
        let jpeg = Some((MediaKind::Image, "image/jpeg"));
        let video = Some((MediaKind::Video, "video/mp4"));
        assert_eq!(
            problems(Platform::Instagram, &post("Hi", &none, None)),
            ["Instagram needs a photo or video."]
        );
        assert!(problems(Platform::Instagram, &post("Hi", &none, jpeg)).is_empty());
        let png = problems(
            Platform::Instagram,
            &post("Hi", &none, Some((MediaKind::Image, "image/png"))),
        );
        assert!(png[0].contains("JPEG"));
        assert_eq!(
            problems(Platform::Tiktok, &post("Hi", &none, jpeg)),
            ["TikTok needs a video."]
        );
        assert!(problems(Platform::Tiktok, &post("", &none, video)).is_empty());
        assert_eq!(
            problems(Platform::Facebook, &post("", &none, None)),
            ["A Facebook post needs text, a link or a photo."]
        );
        let linked = ForPlatform {
            link: "https://example.com",
            ..post("", &none, None)
        };
        assert!(problems(Platform::Facebook, &linked).is_empty());
        assert!(problems(Platform::Demo, &post("Hi", &none, None)).is_empty());
    }

    #[test]
    fn instagram_counts_characters_and_hashtags() {
        let none = Hashtags::default();
        let jpeg = Some((MediaKind::Image, "image/jpeg"));
        let long = "é".repeat(CAPTION_LIMIT + 1);
        let refused = problems(Platform::Instagram, &post(&long, &none, jpeg));
        assert_eq!(
            refused,
            ["An Instagram caption takes at most 2200 characters; this caption has 2201."]
        );
        assert!(problems(Platform::Instagram, &post(&"é".repeat(CAPTION_LIMIT), &none, jpeg)).is_empty());
        let thirty = tags(&(0..30).map(|i| format!("t{i}")).collect::<Vec<_>>().join(" "));
        assert!(problems(Platform::Instagram, &post("Hi", &thirty, jpeg)).is_empty());
        let one_more = problems(Platform::Instagram, &post("Hi #extra #t1", &thirty, jpeg));
        assert_eq!(one_more, ["Instagram allows 30 hashtags; this post has 31."]);
    }
}
