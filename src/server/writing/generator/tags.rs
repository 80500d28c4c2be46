//! Tags for a draft: the topic and niche as phrases, then their longer words, topped up with fillers.

use super::phrases::{TAG_FILLERS, TAG_STOPWORDS};

pub(super) fn tags(topic: &str, niche: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let (topic, niche) = (tag_phrase(topic), tag_phrase(niche));
    push_tag(&mut tags, &topic);
    push_tag(&mut tags, &niche);
    for word in topic.split(' ').chain(niche.split(' ')) {
        if word.chars().count() >= 4 && !TAG_STOPWORDS.contains(&word) {
            push_tag(&mut tags, word);
        }
    }
    for filler in TAG_FILLERS {
        if tags.len() >= 3 {
            break;
        }
        push_tag(&mut tags, filler);
    }
    tags
}

/// Lowercase words of letters, digits and hyphens; at most four of them.
fn tag_phrase(text: &str) -> String {
    let cleaned: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '-' { c } else { ' ' })
        .collect();
    let words: Vec<&str> = cleaned
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .take(4)
        .collect();
    words.join(" ")
}

fn push_tag(tags: &mut Vec<String>, tag: &str) {
    if !tag.is_empty() && tags.len() < 5 && !tags.iter().any(|existing| existing == tag) {
        tags.push(tag.to_string());
    }
}

#[cfg(test)]
mod tests {
    use crate::server::writing::generator::{tests::brief, write};
    use std::collections::HashSet;

    #[test]
    fn tags_come_from_topic_and_niche() {
        let draft = write(&brief(&["Email Marketing"], "Small Business", "", 300, 1));
        assert_eq!(
            draft.tags,
            ["email marketing", "small business", "email", "marketing", "small"]
        );
        let short = write(&brief(&["Go"], "", "", 300, 1));
        assert_eq!(short.tags, ["go", "tips", "guide"]);
        for seed in 0..10 {
            let tags = write(&brief(&["SEO for SEO"], "seo", "", 300, seed)).tags;
            assert!((3..=5).contains(&tags.len()), "{tags:?}");
            assert_eq!(tags.iter().collect::<HashSet<_>>().len(), tags.len(), "{tags:?}");
            assert!(tags.iter().all(|tag| *tag == tag.to_lowercase()), "{tags:?}");
        }
    }
}
