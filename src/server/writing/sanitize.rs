//! HTML hygiene for generated posts: the allow-list every body passes before it is stored or published, and the
//! plain-text reduction used for excerpts and titles.

use ammonia::Builder;
use std::collections::{HashMap, HashSet};

const ALLOWED_TAGS: &[&str] = &[
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "blockquote",
    "a",
    "code",
    "pre",
    "br",
    "hr",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "figure",
    "figcaption",
];

/// Elements removed together with everything inside them (the rest keep their text when stripped).
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "noscript", "object", "embed", "template", "textarea", "select", "svg", "math",
];

const URL_SCHEMES: &[&str] = &["http", "https", "mailto"];

const LINK_REL: &str = "noopener noreferrer nofollow";

/// Tags whose boundaries separate words, so `<p>a</p><p>b</p>` reads "a b" rather than "ab".
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "br",
    "hr",
    "blockquote",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "figure",
    "figcaption",
    "section",
    "article",
    "header",
    "footer",
    "dl",
    "dt",
    "dd",
];

/// The entities the serializer behind ammonia writes into text, and what
/// plain text holds instead. `<`, `>` and `"` never come back: decoded,
/// they would turn text into markup wherever it is used as HTML (WordPress
/// shows titles, excerpts and tags as HTML), and kept as entities they
/// would show as `&lt;` on pages that escape text themselves. Their
/// typographic look-alikes read the same everywhere and mean nothing to a
/// parser.
const ENTITIES: &[(&str, &str)] = &[
    ("&amp;", "&"),
    ("&lt;", "‹"),
    ("&gt;", "›"),
    ("&quot;", "”"),
    ("&#39;", "'"),
    ("&nbsp;", " "),
];

/// Every generated body passes through here before it is stored or published: only ordinary article markup
/// survives (no script, style, iframe, event handlers, javascript: URLs); links get
/// rel="noopener noreferrer nofollow".
pub fn sanitize_html(html: &str) -> String {
    let tag_attributes = HashMap::from([
        ("a", HashSet::from(["href", "title"])),
        ("img", HashSet::from(["src", "alt"])),
    ]);
    Builder::default()
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        .link_rel(Some(LINK_REL))
        .clean(html)
        .to_string()
}

/// Plain text of a fragment, whitespace collapsed: for titles, excerpts and tags, which must carry no
/// markup. The result never holds `<`, `>` or `"` (see `ENTITIES`), so it reads the same as text and
/// as HTML.
pub fn plain_text(html: &str) -> String {
    let text = Builder::empty()
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(HashMap::new())
        .generic_attributes(HashSet::new())
        .clean(&space_block_boundaries(html))
        .to_string();
    // The serializer leaves `"` (and, in odd input, `<` or `>`) bare in text.
    decode_entities(&text)
        .replace('"', "”")
        .replace('<', "‹")
        .replace('>', "›")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn space_block_boundaries(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    for (at, c) in html.char_indices() {
        if c == '<' && starts_block_tag(&html[at + 1..]) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn starts_block_tag(rest: &str) -> bool {
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let name = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    BLOCK_TAGS.contains(&name.as_str())
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match ENTITIES.iter().find(|&&(entity, _)| rest.starts_with(entity)) {
            Some(&(entity, plain)) => {
                out.push_str(plain);
                rest = &rest[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const REL: &str = "rel=\"noopener noreferrer nofollow\"";

    #[test]
    fn script_and_its_content_are_removed() {
        let out = sanitize_html("<p>Hi</p><script>alert(1)</script><SCRIPT src=\"https://x.test/a.js\"></SCRIPT>");
        assert_eq!(out, "<p>Hi</p>");
    }

    #[test]
    fn event_handlers_and_styles_are_removed() {
        let out = sanitize_html(
            "<p onclick=\"steal()\" style=\"color:red\" class=\"x\">ok</p><img src=x onerror=\"steal()\">",
        );
        assert!(
            !out.contains("onclick") && !out.contains("onerror") && !out.contains("steal"),
            "{out}"
        );
        assert!(!out.contains("style") && !out.contains("class"), "{out}");
        assert!(out.contains("<p>ok</p>"), "{out}");
    }

    #[test]
    fn javascript_and_data_urls_are_removed() {
        let out = sanitize_html(
            "<a href=\"javascript:alert(1)\">x</a><a href=\" JaVaScRiPt:alert(2)\">y</a>\
             <img src=\"data:image/png;base64,AAAA\" alt=\"pic\">",
        );
        assert!(!out.to_lowercase().contains("javascript"), "{out}");
        assert!(!out.contains("data:"), "{out}");
        assert!(out.contains("alt=\"pic\""), "{out}");
        assert!(out.contains(">x</a>") && out.contains(">y</a>"), "{out}");
    }

    #[test]
    fn iframes_styles_and_forms_disappear_with_their_content() {
        let out = sanitize_html(
            "<iframe src=\"https://evil.test/\">inner</iframe><style>p{color:red}</style>\
             <form action=\"/x\"><textarea>typed</textarea></form><p>kept</p>",
        );
        assert_eq!(out, "<p>kept</p>");
    }

    #[test]
    fn headings_links_and_article_markup_are_kept() {
        let out = sanitize_html(
            "<h2>Title</h2><p>See <a href=\"https://example.com/a?b=1\" title=\"Ex\">this</a>, \
             <strong>now</strong>.</p><ul><li>one</li></ul><a href=\"mailto:hi@example.com\">mail</a>",
        );
        assert!(out.contains("<h2>Title</h2>"), "{out}");
        assert!(
            out.contains("<a href=\"https://example.com/a?b=1\" title=\"Ex\" "),
            "{out}"
        );
        assert!(
            out.contains("<strong>now</strong>") && out.contains("<ul><li>one</li></ul>"),
            "{out}"
        );
        assert!(out.contains("href=\"mailto:hi@example.com\""), "{out}");
        assert_eq!(out.matches(REL).count(), 2, "{out}");
    }

    #[test]
    fn a_supplied_rel_is_replaced_not_kept() {
        let out = sanitize_html("<a href=\"https://example.com/\" rel=\"opener\" target=\"_blank\">x</a>");
        assert_eq!(out, format!("<a href=\"https://example.com/\" {REL}>x</a>"));
    }

    #[test]
    fn unknown_wrappers_are_unwrapped_keeping_text() {
        let out = sanitize_html("<div><span class=\"a\">text</span></div><h1>Big</h1>");
        assert_eq!(out, "textBig");
    }

    #[test]
    fn tables_and_figures_survive() {
        let html = "<figure><img src=\"https://example.com/a.png\" alt=\"A\"><figcaption>Cap</figcaption></figure>\
                    <table><thead><tr><th>H</th></tr></thead><tbody><tr><td>D</td></tr></tbody></table>";
        assert_eq!(sanitize_html(html), html);
    }

    #[test]
    fn plain_text_strips_tags_and_collapses_whitespace() {
        let text =
            plain_text("<h2>Hello</h2><p>Tom &amp; <b>Jerry</b>\n\n   again</p><ul><li>one</li><li>two</li></ul>");
        assert_eq!(text, "Hello Tom & Jerry again one two");
    }

    #[test]
    fn plain_text_drops_script_content_and_keeps_inline_words_whole() {
        assert_eq!(
            plain_text("<p>W<em>or</em>d</p><script>var x = 1 < 2;</script>"),
            "Word"
        );
    }

    #[test]
    fn plain_text_decodes_entities_once_and_never_into_markup() {
        let text = plain_text("5 &lt; 6 &amp;&amp; &quot;ok&quot; it&#39;s&nbsp;fine &amp;lt;b&amp;gt;");
        assert_eq!(text, "5 ‹ 6 && ”ok” it's fine &lt;b&gt;");
    }

    #[test]
    fn escaped_markup_never_comes_back_as_markup() {
        for input in [
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "&lt;img src=x onerror=alert(1)&gt;",
            "Title &quot;&gt;&lt;svg onload=alert(1)&gt;",
            "<b>bold</b> &amp;lt;i&amp;gt;",
            "a < b > c \" d",
        ] {
            let text = plain_text(input);
            assert!(!text.contains(['<', '>', '"']), "{input:?} gave {text:?}");
        }
    }

    #[test]
    fn plain_text_of_a_title_with_markup_has_none() {
        assert_eq!(
            plain_text("  <strong>Big</strong>   <i>news</i> <img src=x alt=y>"),
            "Big news"
        );
    }
}
