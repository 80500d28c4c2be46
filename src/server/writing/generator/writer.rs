//! The writing core: the tone, a small seeded PRNG, decks that avoid repeats, and the `Writer` that turns them
//! into a title and the article's blocks.

use super::blocks::{total_words, Block};
use super::phrases::{
    CLOSINGS, CLOSING_HEADINGS, CONNECTORS, CONTEXTS, HEADINGS, LIST_HEADINGS, LIST_ITEMS, LIST_LEADS, OPENERS,
    PROMISES, SENTENCES, TIP_LABELS, TITLES, TITLE_ADJECTIVES, WRAP_UPS,
};
use super::text::{capitalize, collapse_whitespace, fill, lowercase_first, without_angle_brackets};
use super::FALLBACK_TOPIC;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tone {
    Friendly,
    Professional,
    Playful,
    Authoritative,
    Neutral,
}

impl Tone {
    pub(super) fn parse(tone: &str) -> Tone {
        match tone.trim().to_ascii_lowercase().as_str() {
            "friendly" => Tone::Friendly,
            "professional" => Tone::Professional,
            "playful" => Tone::Playful,
            "authoritative" => Tone::Authoritative,
            _ => Tone::Neutral,
        }
    }

    /// Index into the per-tone tables, which list Friendly, Professional, Playful, Authoritative, Neutral.
    fn index(self) -> usize {
        self as usize
    }
}

/// splitmix64: tiny, fast and good enough to choose phrases.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        (self.next_u64() % bound as u64) as usize
    }

    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn one_in(&mut self, odds: usize) -> bool {
        self.below(odds) == 0
    }
}

/// Draws pool indices without repeats until the pool is used up, then reshuffles.
struct Deck {
    size: usize,
    left: Vec<usize>,
}

impl Deck {
    fn new(size: usize) -> Deck {
        Deck { size, left: Vec::new() }
    }

    fn draw(&mut self, rng: &mut Rng) -> usize {
        if self.left.is_empty() {
            self.left = (0..self.size).collect();
            for i in (1..self.size).rev() {
                let j = rng.below(i + 1);
                self.left.swap(i, j);
            }
        }
        self.left.pop().unwrap_or(0)
    }
}

pub(super) struct Writer<'a> {
    rng: Rng,
    topic: &'a str,
    tone: Tone,
    sentences: Deck,
    headings: Deck,
    items: Deck,
}

impl<'a> Writer<'a> {
    pub(super) fn new(seed: u64, topic: &'a str, tone: Tone) -> Writer<'a> {
        Writer {
            rng: Rng(seed),
            topic,
            tone,
            sentences: Deck::new(SENTENCES.len()),
            headings: Deck::new(HEADINGS.len()),
            items: Deck::new(LIST_ITEMS.len()),
        }
    }

    pub(super) fn title(&mut self) -> String {
        let pattern = self.rng.pick(TITLES);
        let count = self.rng.between(3, 9).to_string();
        let topic = match collapse_whitespace(&without_angle_brackets(self.topic)) {
            clean if clean.is_empty() => FALLBACK_TOPIC.to_string(),
            clean => clean,
        };
        let title = pattern
            .replace("{n}", &count)
            .replace("{adj}", TITLE_ADJECTIVES[self.tone.index()])
            .replace("{t}", &topic);
        capitalize(&title)
    }

    /// Intro, sections, a checklist after the first section, and a conclusion, sized to about `target` words.
    pub(super) fn article(&mut self, niche: &str, target: usize) -> Vec<Block> {
        let intro = self.intro(niche);
        let checklist = self.checklist();
        let ending = self.conclusion();
        let fixed = intro.words() + total_words(&checklist) + total_words(&ending);
        let mut sections = self.sections(target.saturating_sub(fixed)).into_iter();
        let mut blocks = vec![intro];
        blocks.extend(sections.next().unwrap_or_default());
        blocks.extend(checklist);
        blocks.extend(sections.flatten());
        blocks.extend(ending);
        blocks
    }

    fn intro(&mut self, niche: &str) -> Block {
        let opener = fill(self.rng.pick(OPENERS[self.tone.index()]), self.topic);
        let context = if niche.is_empty() || niche.to_lowercase() == self.topic.to_lowercase() {
            self.rng.pick(CONTEXTS).to_string()
        } else {
            format!("For anyone working in {niche}, it is one of the subjects that repays the time you put into it.")
        };
        let promise = self.rng.pick(PROMISES);
        Block::Para(format!("{opener} {context} {promise}"))
    }

    fn checklist(&mut self) -> Vec<Block> {
        let heading = fill(self.rng.pick(LIST_HEADINGS), self.topic);
        let lead = LIST_LEADS[self.tone.index()].to_string();
        let mut items = Vec::new();
        for _ in 0..self.rng.between(3, 5) {
            let item = self.items.draw(&mut self.rng);
            items.push(fill(LIST_ITEMS[item], self.topic));
        }
        vec![Block::Heading(heading), Block::Para(lead), Block::List(items)]
    }

    fn conclusion(&mut self) -> Vec<Block> {
        let wrap_up = fill(self.rng.pick(WRAP_UPS), self.topic);
        let closing = CLOSINGS[self.tone.index()];
        vec![
            Block::Heading(CLOSING_HEADINGS[self.tone.index()].to_string()),
            Block::Para(format!("{wrap_up} {closing}")),
        ]
    }

    /// Sections of a heading and two or three paragraphs until `budget` words are written; the last paragraph
    /// stops early so the total lands close to the budget.
    fn sections(&mut self, budget: usize) -> Vec<Vec<Block>> {
        let mut sections: Vec<Vec<Block>> = Vec::new();
        let mut words = 0;
        let mut tip_pending = true;
        while words < budget {
            let heading = Block::Heading(fill(HEADINGS[self.headings.draw(&mut self.rng)], self.topic));
            words += heading.words();
            let mut section = vec![heading];
            for paragraph in 0..self.rng.between(2, 3) {
                if paragraph > 0 && words >= budget {
                    break;
                }
                let para = self.paragraph(budget.saturating_sub(words));
                words += para.words();
                section.push(para);
                if tip_pending && !sections.is_empty() && words < budget && self.rng.one_in(3) {
                    let tip = Block::Tip(TIP_LABELS[self.tone.index()], self.plain_sentence());
                    words += tip.words();
                    section.push(tip);
                    tip_pending = false;
                }
            }
            sections.push(section);
        }
        sections
    }

    fn paragraph(&mut self, remaining: usize) -> Block {
        let mut text = String::new();
        let mut words = 0;
        for sentence in 0..self.rng.between(3, 5) {
            if sentence > 0 && words >= remaining {
                break;
            }
            let next = self.sentence();
            words += next.split_whitespace().count();
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&next);
        }
        Block::Para(text)
    }

    fn plain_sentence(&mut self) -> String {
        let index = self.sentences.draw(&mut self.rng);
        fill(SENTENCES[index], self.topic)
    }

    fn sentence(&mut self) -> String {
        let sentence = self.plain_sentence();
        if self.rng.one_in(4) {
            let connector = self.rng.pick(CONNECTORS[self.tone.index()]);
            return format!("{connector}{}", lowercase_first(&sentence));
        }
        sentence
    }
}

#[cfg(test)]
mod tests {
    use crate::server::writing::generator::phrases::{CLOSINGS, CLOSING_HEADINGS};
    use crate::server::writing::generator::{tests::brief, text::escape, write};

    #[test]
    fn tone_changes_the_wording() {
        let by_tone = |tone: &str| write(&brief(&["budgeting"], "personal finance", tone, 400, 9)).html;
        for (tone, index) in [
            ("friendly", 0),
            ("Professional", 1),
            ("playful", 2),
            ("authoritative", 3),
            ("odd", 4),
        ] {
            let html = by_tone(tone);
            assert!(html.contains(&escape(CLOSINGS[index])), "{tone}: {html}");
            assert!(html.contains(&escape(CLOSING_HEADINGS[index])), "{tone}: {html}");
        }
        assert_ne!(by_tone("friendly"), by_tone("authoritative"));
    }
}
