//! The article as a list of plain-text blocks, and the two views of it a draft keeps: escaped HTML and an excerpt.

use super::text::{escape, without_angle_brackets};
use std::fmt::Write as _;

const EXCERPT_WORDS: usize = 30;

/// A piece of the article as plain text; escaping happens only in `render`.
#[derive(Debug, Clone)]
pub(super) enum Block {
    Heading(String),
    Para(String),
    Tip(&'static str, String),
    List(Vec<String>),
}

impl Block {
    fn text(&self) -> String {
        match self {
            Block::Heading(text) | Block::Para(text) => text.clone(),
            Block::Tip(label, text) => format!("{label}: {text}"),
            Block::List(items) => items.join(" "),
        }
    }

    pub(super) fn words(&self) -> usize {
        self.text().split_whitespace().count()
    }
}

pub(super) fn total_words(blocks: &[Block]) -> usize {
    blocks.iter().map(Block::words).sum()
}

pub(super) fn render(blocks: &[Block]) -> String {
    let mut html = String::new();
    for block in blocks {
        let _ = match block {
            Block::Heading(text) => writeln!(html, "<h2>{}</h2>", escape(text)),
            Block::Para(text) => writeln!(html, "<p>{}</p>", escape(text)),
            Block::Tip(label, text) => writeln!(html, "<p><strong>{}:</strong> {}</p>", escape(label), escape(text)),
            Block::List(items) => {
                html.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(html, "<li>{}</li>", escape(item));
                }
                writeln!(html, "</ul>")
            }
        };
    }
    html
}

pub(super) fn excerpt(blocks: &[Block]) -> String {
    let texts: Vec<String> = blocks.iter().map(Block::text).collect();
    let words: Vec<&str> = texts
        .iter()
        .flat_map(|text| text.split_whitespace())
        .take(EXCERPT_WORDS)
        .collect();
    let joined = without_angle_brackets(&words.join(" "));
    format!("{}…", joined.trim_end_matches(|c: char| c.is_ascii_punctuation()))
}

#[cfg(test)]
mod tests {
    use super::EXCERPT_WORDS;
    use crate::server::writing::generator::{tests::brief, write};
    use crate::server::writing::sanitize::{plain_text, sanitize_html};
    use std::collections::HashSet;

    fn tag_names(html: &str) -> HashSet<String> {
        html.split('<')
            .skip(1)
            .map(|rest| {
                rest.trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect::<String>()
            })
            .collect()
    }

    #[test]
    fn body_uses_only_article_markup() {
        let allowed: HashSet<String> = ["p", "h2", "ul", "li", "strong"]
            .iter()
            .map(|tag| tag.to_string())
            .collect();
        for seed in 0..20 {
            let html = write(&brief(&["podcasting"], "media", "playful", 1500, seed)).html;
            assert!(tag_names(&html).is_subset(&allowed), "{:?}", tag_names(&html));
            assert!(html.contains("<h2>") && html.contains("<ul>") && html.contains("<li>") && html.contains("<p>"));
        }
    }

    #[test]
    fn body_survives_sanitizing_unchanged_in_meaning() {
        for seed in 0..5 {
            let html = write(&brief(&["it's \"quoted\" & <odd>"], "", "friendly", 900, seed)).html;
            let clean = sanitize_html(&html);
            assert_eq!(plain_text(&clean), plain_text(&html));
            assert!(plain_text(&html).contains("it's ”quoted” & ‹odd›"));
            for tag in ["<h2>", "<p>", "<li>", "<ul>", "<strong>"] {
                assert_eq!(clean.matches(tag).count(), html.matches(tag).count(), "{tag}");
            }
        }
    }

    #[test]
    fn excerpt_is_the_opening_words_with_an_ellipsis() {
        let draft = write(&brief(&["remote work"], "productivity", "", 500, 5));
        assert!(draft.excerpt.ends_with('…'), "{}", draft.excerpt);
        let words: Vec<&str> = draft.excerpt.trim_end_matches('…').split_whitespace().collect();
        assert_eq!(words.len(), EXCERPT_WORDS);
        let body: Vec<String> = plain_text(&draft.html)
            .split_whitespace()
            .take(EXCERPT_WORDS)
            .map(String::from)
            .collect();
        assert_eq!(words[..EXCERPT_WORDS - 1], body[..EXCERPT_WORDS - 1]);
    }
}
