//! The built-in post writer, used when no OpenAI key is configured: it assembles a varied, readable article from
//! phrase pools with a small deterministic PRNG, so the product works without any outside account.
//!
//! This file holds the brief, the draft and `write`; `writer` composes the article from the pools in `phrases`,
//! `blocks` renders it, `tags` tags it, and `text` has the string helpers they share.

mod blocks;
mod phrases;
mod tags;
mod text;
mod writer;

use blocks::{excerpt, render};
use tags::tags;
use text::collapse_whitespace;
use writer::{Tone, Writer};

/// What to write: from the site's automation settings.
#[derive(Debug, Clone)]
pub struct Brief {
    /// The site's subject area, e.g. "home gardening".
    pub niche: String,
    /// Topics to rotate through; `seed` picks one per post.
    pub topics: Vec<String>,
    /// "friendly", "professional", "playful" or "authoritative"; anything else reads as neutral.
    pub tone: String,
    /// The site's language; the built-in writer always writes English.
    pub language: String,
    /// Rough length of the body in words, clamped to 150..=3000.
    pub target_words: u32,
    /// Chooses the topic and every variation: the same seed gives the same post.
    pub seed: u64,
}

/// A generated post before sanitising and storing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Plain text without markup characters.
    pub title: String,
    /// The body, using only tags that `sanitize_html` keeps; all inserted text is escaped.
    pub html: String,
    /// The first words of the body as plain text without markup characters, ending with "…".
    pub excerpt: String,
    /// Three to five lowercase tags drawn from the topic and niche.
    pub tags: Vec<String>,
}

const MIN_WORDS: u32 = 150;
const MAX_WORDS: u32 = 3000;
const FALLBACK_TOPIC: &str = "our field";

/// Writes a varied, readable post from the brief; deterministic for a given seed.
pub fn write(brief: &Brief) -> Draft {
    let topic = pick_topic(brief);
    let niche = collapse_whitespace(&brief.niche);
    let mut writer = Writer::new(brief.seed, &topic, Tone::parse(&brief.tone));
    let title = writer.title();
    let target = brief.target_words.clamp(MIN_WORDS, MAX_WORDS) as usize;
    let blocks = writer.article(&niche, target);
    Draft {
        title,
        html: render(&blocks),
        excerpt: excerpt(&blocks),
        tags: tags(&topic, &niche),
    }
}

fn pick_topic(brief: &Brief) -> String {
    let topics: Vec<String> = brief
        .topics
        .iter()
        .map(|topic| collapse_whitespace(topic))
        .filter(|topic| !topic.is_empty())
        .collect();
    if !topics.is_empty() {
        return topics[(brief.seed % topics.len() as u64) as usize].clone();
    }
    match collapse_whitespace(&brief.niche) {
        niche if niche.is_empty() => FALLBACK_TOPIC.to_string(),
        niche => niche,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A brief for tests; the child modules' tests use it too.
    pub(super) fn brief(topics: &[&str], niche: &str, tone: &str, target_words: u32, seed: u64) -> Brief {
        Brief {
            niche: niche.to_string(),
            topics: topics.iter().map(|topic| topic.to_string()).collect(),
            tone: tone.to_string(),
            language: "en".to_string(),
            target_words,
            seed,
        }
    }

    fn strip_tags(html: &str) -> String {
        let mut text = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                _ if !in_tag => text.push(c),
                _ => {}
            }
        }
        text
    }

    fn word_count(html: &str) -> usize {
        strip_tags(html).split_whitespace().count()
    }

    #[test]
    fn same_seed_gives_the_same_post() {
        let b = brief(&["composting", "raised beds"], "home gardening", "friendly", 600, 42);
        assert_eq!(write(&b), write(&b));
    }

    #[test]
    fn different_seeds_give_different_posts_and_varied_titles() {
        let drafts: Vec<Draft> = (0..20)
            .map(|seed| write(&brief(&["email marketing"], "", "", 400, seed)))
            .collect();
        let titles: HashSet<&str> = drafts.iter().map(|draft| draft.title.as_str()).collect();
        assert!(titles.len() >= 5, "{titles:?}");
        let posts: HashSet<(&str, &str)> = drafts.iter().map(|d| (d.title.as_str(), d.html.as_str())).collect();
        assert_eq!(posts.len(), 20);
        let bodies: HashSet<&str> = drafts.iter().map(|draft| draft.html.as_str()).collect();
        assert!(bodies.len() >= 19);
    }

    #[test]
    fn length_follows_the_target_within_clamps() {
        for (asked, expected) in [
            (0, 150),
            (150, 150),
            (500, 500),
            (1200, 1200),
            (3000, 3000),
            (50_000, 3000),
        ] {
            for seed in 0..6 {
                let draft = write(&brief(&["sourdough baking"], "cooking", "professional", asked, seed));
                let words = word_count(&draft.html);
                assert!(words >= expected * 9 / 10, "asked {asked}, seed {seed}: {words} words");
                assert!(
                    words <= expected + expected / 5 + 40,
                    "asked {asked}, seed {seed}: {words} words"
                );
            }
        }
    }

    #[test]
    fn longer_targets_add_sections() {
        let short = write(&brief(&["chess"], "", "", 300, 7)).html;
        let long = write(&brief(&["chess"], "", "", 2000, 7)).html;
        assert!(long.matches("<h2>").count() > short.matches("<h2>").count() + 5);
    }

    #[test]
    fn topic_is_chosen_by_seed_with_fallbacks() {
        let seen: HashSet<bool> = (0..6)
            .map(|seed| write(&brief(&["alpha topic", "  ", "beta topic"], "", "", 200, seed)).html)
            .map(|html| html.contains("alpha topic"))
            .collect();
        assert_eq!(seen.len(), 2, "both topics should be used across seeds");
        let niche_only = write(&brief(&["", " "], "Home Gardening", "", 200, 3));
        assert!(niche_only.html.contains("Home Gardening"), "{}", niche_only.html);
        let nothing = write(&brief(&[], "  ", "", 200, 3));
        assert!(nothing.html.contains("our field"), "{}", nothing.html);
        assert!(!nothing.title.is_empty());
    }

    #[test]
    fn language_does_not_change_the_post() {
        let english = brief(&["cycling"], "sport", "", 300, 2);
        let german = Brief {
            language: "de".to_string(),
            ..english.clone()
        };
        assert_eq!(write(&english), write(&german));
    }
}
