//! Social captions: what the writer is asked (a brief, or a product's name,
//! description, price and link, in the workspace's tone) and the built-in
//! caption writer, used when no model is configured. It puts the details
//! it was given into one of a few sentences per tone, chosen by the seed,
//! and takes hashtags from the words of the subject; it never invents a
//! fact, so what it writes is true of what it was told.

/// What to write a caption about.
#[derive(Debug, Clone, Default)]
pub struct CaptionBrief {
    pub brief: String,
    pub product: String,
    pub description: String,
    pub price: String,
    pub link: String,
    /// One of the workspace tones; anything else reads as neutral.
    pub tone: String,
    pub seed: u64,
}

/// A caption before the person edits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptionDraft {
    /// Plain text without hashtags.
    pub body: String,
    /// Words without `#`.
    pub hashtags: Vec<String>,
}

/// Openers for a product, by tone; `{}` is the product's name.
fn product_openers(tone: &str) -> &'static [&'static str] {
    match tone {
        "friendly" => &[
            "Say hello to {}!",
            "Something good just arrived: {}.",
            "We think you'll love {}.",
        ],
        "professional" => &["Introducing {}.", "Now available: {}.", "{}: built to do the job well."],
        "playful" => &[
            "Psst… {} just landed!",
            "Guess what's new? {}!",
            "Plot twist: {} is here.",
        ],
        "authoritative" => &[
            "{}, done properly.",
            "Meet {}: the one to choose.",
            "Why {} belongs on your list.",
        ],
        _ => &["New: {}.", "{} is available.", "Now in stock: {}."],
    }
}

/// Openers for a brief, by tone.
fn brief_openers(tone: &str) -> &'static [&'static str] {
    match tone {
        "friendly" => &["Good news!", "Hello, friends!", "A little update from us:"],
        "professional" => &["An update from us:", "Worth knowing:", "For your calendar:"],
        "playful" => &["Big news, everyone!", "Drumroll, please…", "You heard it here first:"],
        "authoritative" => &["Worth knowing:", "Here is what matters:", "The short version:"],
        _ => &["Update:", "News:", ""],
    }
}

/// How to point at the link, by tone.
fn calls(tone: &str) -> &'static [&'static str] {
    match tone {
        "friendly" => &["Tap the link to get yours.", "The link has all the details."],
        "professional" => &["Details at the link.", "Order through the link."],
        "playful" => &[
            "Go on, the link won't bite.",
            "Link's right there. You know what to do.",
        ],
        "authoritative" => &["Order through the link.", "Everything you need is at the link."],
        _ => &["More at the link.", "See the link."],
    }
}

/// Words too common to be hashtags.
const STOPWORDS: [&str; 24] = [
    "about", "after", "again", "also", "because", "been", "from", "have", "into", "just", "more", "only", "our",
    "over", "some", "than", "that", "their", "them", "then", "there", "this", "with", "your",
];

/// Up to five hashtags from the subject's words: letters and digits, four
/// or more of them, not a common word, lower case, no repeats.
fn hashtags_from(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        if word.chars().count() < 4 || STOPWORDS.contains(&word.as_str()) || word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if !tags.contains(&word) {
            tags.push(word);
        }
        if tags.len() == 5 {
            break;
        }
    }
    tags
}

/// The first sentence of `text` (up to 300 characters), ending in a stop.
fn sentence(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = text
        .char_indices()
        .find(|(i, c)| matches!(c, '.' | '!' | '?') && *i > 0)
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(text.len());
    let mut first: String = text[..end].chars().take(300).collect();
    if !first.ends_with(['.', '!', '?', '…']) && !first.is_empty() {
        first.push('.');
    }
    first
}

fn pick<'a>(options: &[&'a str], seed: u64, salt: u64) -> &'a str {
    options[((seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15)) % options.len() as u64) as usize]
}

/// Writes a caption from what it was told.
pub fn write_caption(brief: &CaptionBrief) -> CaptionDraft {
    let tone = brief.tone.as_str();
    let mut parts: Vec<String> = Vec::new();
    let product = brief.product.split_whitespace().collect::<Vec<_>>().join(" ");
    let subject = if product.is_empty() {
        let opener = pick(brief_openers(tone), brief.seed, 1);
        if !opener.is_empty() {
            parts.push(opener.to_owned());
        }
        parts.push(sentence(&brief.brief));
        brief.brief.clone()
    } else {
        parts.push(pick(product_openers(tone), brief.seed, 2).replace("{}", &product));
        let description = sentence(&brief.description);
        if !description.is_empty() {
            parts.push(description);
        }
        if !brief.brief.trim().is_empty() {
            parts.push(sentence(&brief.brief));
        }
        format!("{product} {}", brief.description)
    };
    if !brief.price.trim().is_empty() {
        parts.push(format!("Price: {}.", brief.price.trim().trim_end_matches('.')));
    }
    if !brief.link.trim().is_empty() {
        parts.push(pick(calls(tone), brief.seed, 3).to_owned());
    }
    CaptionDraft {
        body: parts.join(" "),
        hashtags: hashtags_from(&subject),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_caption_says_what_it_was_told_in_the_tone() {
        let brief = CaptionBrief {
            product: "Rose  cake".into(),
            description: "Layers of rose sponge and cream. Baked daily.".into(),
            price: "SAR 49".into(),
            link: "https://shop.example/rose".into(),
            tone: "professional".into(),
            seed: 4,
            ..CaptionBrief::default()
        };
        let draft = write_caption(&brief);
        assert!(draft.body.contains("Rose cake"), "{}", draft.body);
        assert!(
            draft.body.contains("Layers of rose sponge and cream."),
            "{}",
            draft.body
        );
        assert!(!draft.body.contains("Baked daily"), "one sentence of the description");
        assert!(draft.body.contains("Price: SAR 49."), "{}", draft.body);
        assert!(draft.body.contains("link"), "{}", draft.body);
        assert_eq!(draft.hashtags, ["rose", "cake", "layers", "sponge", "cream"]);
        assert_eq!(write_caption(&brief), draft, "the same seed writes the same caption");
    }

    #[test]
    fn a_brief_caption_keeps_the_brief() {
        let draft = write_caption(&CaptionBrief {
            brief: "our winter menu starts on Friday with three new soups".into(),
            tone: "friendly".into(),
            seed: 1,
            ..CaptionBrief::default()
        });
        assert!(
            draft
                .body
                .ends_with("our winter menu starts on Friday with three new soups."),
            "{}",
            draft.body
        );
        assert_eq!(draft.hashtags, ["winter", "menu", "starts", "friday", "three"]);
    }
}
