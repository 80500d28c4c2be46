//! String helpers for the built-in writer: filling templates, tidying plain text and escaping it for HTML.

pub(super) fn fill(template: &str, topic: &str) -> String {
    template.replace("{t}", topic)
}

/// Plain-text fields keep no `<` or `>`, so nothing downstream can mistake them for markup.
pub(super) fn without_angle_brackets(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '<' | '>')).collect()
}

pub(super) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Upper-cases the first letter unless the first word already has capitals (keeps "iPhone", "SEO").
pub(super) fn capitalize(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or("");
    if first_word.chars().any(char::is_uppercase) {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second) if !second.is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_string(),
    }
}

pub(super) use crate::server::domain::escape_html as escape;

#[cfg(test)]
mod tests {
    use crate::server::writing::generator::{tests::brief, write};

    #[test]
    fn topic_and_niche_are_escaped_in_html_and_kept_out_of_title_markup() {
        let nasty = "<script>alert(1)</script> & co";
        for seed in 0..10 {
            let draft = write(&brief(&[nasty], "<b>\"bold\" 'niche'</b>", "", 300, seed));
            assert!(
                !draft.html.contains("<script") && !draft.html.contains("<b>"),
                "{}",
                draft.html
            );
            assert!(
                draft.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"),
                "{}",
                draft.html
            );
            assert!(
                !draft.title.contains('<') && !draft.title.contains('>'),
                "{}",
                draft.title
            );
            assert!(draft
                .tags
                .iter()
                .all(|tag| tag.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-')));
            assert!(!draft.excerpt.contains('<'), "{}", draft.excerpt);
        }
        let with_niche = write(&brief(&["pruning"], "<b>\"bold\" 'niche'</b>", "", 300, 1)).html;
        assert!(
            with_niche.contains("&lt;b&gt;&quot;bold&quot; &#39;niche&#39;&lt;/b&gt;"),
            "{with_niche}"
        );
    }
}
