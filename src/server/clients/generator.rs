//! The built-in post writer, used when no OpenAI key is configured: it assembles a varied, readable article from
//! phrase pools with a small deterministic PRNG, so the product works without any outside account.

use std::fmt::Write as _;

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
const EXCERPT_WORDS: usize = 30;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Friendly,
    Professional,
    Playful,
    Authoritative,
    Neutral,
}

impl Tone {
    fn parse(tone: &str) -> Tone {
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

const TITLES: &[&str] = &[
    "A beginner's guide to {t}",
    "{n} mistakes to avoid with {t}",
    "How to get started with {t}",
    "What nobody tells you about {t}",
    "{t}: a practical checklist",
    "{n} {adj} ways to get better at {t}",
    "Why {t} matters more than you think",
    "The no-nonsense guide to {t}",
    "Everything you need to know about {t}",
    "{n} lessons we learned from {t}",
    "Getting {t} right: a step-by-step approach",
    "{n} {adj} tips for {t}",
];

const TITLE_ADJECTIVES: [&str; 5] = ["easy", "effective", "surprisingly fun", "proven", "simple"];

const OPENERS: [&[&str]; 5] = [
    &[
        "Let's talk about {t}.",
        "If {t} has been on your mind lately, you're in good company.",
        "Welcome! Today we're looking at {t} together.",
    ],
    &[
        "This article outlines a practical approach to {t}.",
        "In {t}, small decisions add up to significant results.",
        "Organisations and individuals alike are paying closer attention to {t}.",
    ],
    &[
        "Ready to have some fun with {t}? Let's dive in.",
        "Who said {t} has to be a chore? Not us.",
        "Grab a coffee: we're about to make {t} a lot less mysterious.",
    ],
    &[
        "There is a right way to approach {t}, and it is simpler than most people assume.",
        "Success with {t} rewards discipline more than talent.",
        "After years of working on {t}, a few principles stand out.",
    ],
    &[
        "This post looks at {t} from a practical angle.",
        "Many people want to improve at {t} but are not sure where to begin.",
        "The subject of {t} comes up often, and for good reason.",
    ],
];

const CONTEXTS: &[&str] = &[
    "It is one of those subjects that repays the time you put into it.",
    "Getting it right saves time, money and a fair amount of frustration.",
    "A few good habits make most of the difference here.",
];

const PROMISES: &[&str] = &[
    "Below you'll find the ideas that make the biggest difference, a short checklist, and a few traps to steer clear of.",
    "We'll walk through the essentials, share a checklist you can reuse, and point out where most people go wrong.",
    "Here is what we have learned, organised so you can put it to use straight away.",
];

const HEADINGS: &[&str] = &[
    "Why {t} matters",
    "Start with the basics",
    "Set clear goals",
    "Build a routine that lasts",
    "Common mistakes to avoid",
    "Choosing the right tools",
    "Measuring what matters",
    "Learning from others",
    "Keeping it simple",
    "When things go wrong",
    "Making time for {t}",
    "Small habits, big results",
    "Getting feedback early",
    "Planning ahead",
    "Growing without the stress",
    "What experienced people get right",
    "Turning ideas into action",
    "Staying consistent",
    "Reviewing your progress",
    "Avoiding burnout",
    "Working smarter, not harder",
    "Questions worth asking",
    "Taking the next step with {t}",
    "Lessons from experience",
];

const SENTENCES: &[&str] = &[
    "Most people who struggle with {t} are not short of effort; they are short of a clear plan.",
    "Start with the smallest version of the task that still teaches you something.",
    "Write down what you are trying to achieve before you change anything.",
    "A little progress every week beats an occasional burst of enthusiasm.",
    "It helps to look at what the people you admire actually do, not just what they say.",
    "Measure one thing at a time, or you will never know what made the difference.",
    "The basics of {t} are unglamorous, which is exactly why so many people skip them.",
    "When something works, make a note of it so you can repeat it on purpose.",
    "When something fails, ask what you would do differently rather than who is to blame.",
    "Tools matter less than habits: a simple setup used daily beats a perfect one used rarely.",
    "Set aside a fixed time for {t} so it does not get squeezed out by everything else.",
    "Ask for feedback early, while changes are still cheap.",
    "Keep a list of the questions you hear most often about {t}; it is a map of what matters.",
    "Resist the urge to copy every trend and pick the ideas that fit your situation.",
    "Good results in {t} usually come from doing a few things consistently well.",
    "Break large goals into steps you could finish in an afternoon.",
    "Review what you did last month before you plan the next one.",
    "If a step feels confusing, it probably needs to be split into two simpler ones.",
    "Budget for mistakes, because they are part of the cost of learning.",
    "Compare your results with your own past work rather than with someone else's highlights.",
    "Clear, plain language will carry you further than jargon ever will.",
    "Plan for the busy weeks, because they are the ones that break routines.",
    "Each small improvement to how you handle {t} compounds over time.",
    "Document your process once and you will save hours the next time.",
    "Be honest about what is not working, even if you have invested a lot in it.",
    "Talk to the people affected by a decision before you make it final.",
    "A checklist turns good intentions into reliable results.",
    "The first attempt rarely looks impressive, and that is perfectly fine.",
    "Advice about {t} is useful, but testing it in your own situation is essential.",
    "Quality usually improves when you slow down at the start and speed up later.",
    "Look for the one bottleneck that holds everything else back and fix that first.",
    "Simple systems are easier to maintain, so favour them whenever you can.",
    "Consistency is what separates people who dabble in {t} from people who get results.",
    "Every hour spent on preparation tends to save several hours of rework.",
    "Curiosity is an underrated skill: the best practitioners keep asking why.",
    "Progress is rarely a straight line, so judge it over months rather than days.",
    "Set expectations early so nobody is surprised by the outcome.",
    "Automate the repetitive parts and keep your attention for the decisions that need it.",
    "Small experiments let you learn quickly without betting everything on one idea.",
    "A short weekly review keeps {t} from drifting to the bottom of the list.",
    "Knowing what not to do is often as valuable as knowing what to do.",
    "Shared notes and templates make it easier for others to help you.",
    "Rest is part of the work; tired people make expensive mistakes.",
    "Keep an eye on the fundamentals even when new ideas look more exciting.",
    "It is easier to improve something that exists than something that is still perfect in your head.",
    "Celebrate the small wins, because they are what keep you going.",
    "The people who do well with {t} are usually the ones who keep learning.",
    "When in doubt, choose the option that is easiest to undo.",
];

const CONNECTORS: [&[&str]; 5] = [
    &["Honestly, ", "In our experience, ", "From what we've seen, "],
    &["In practice, ", "As a rule, ", "Generally speaking, "],
    &["Real talk: ", "Between us: ", "Here's the fun part: "],
    &["Make no mistake: ", "Put simply, ", "Above all, "],
    &["In general, ", "Put simply, ", "Typically, "],
];

const TIP_LABELS: [&str; 5] = ["Tip", "Recommendation", "Pro tip", "Rule of thumb", "Tip"];

const LIST_HEADINGS: &[&str] = &[
    "A quick checklist",
    "Your {t} checklist",
    "The essentials at a glance",
    "Before you start",
];

const LIST_LEADS: [&str; 5] = [
    "Here's a short list to keep handy:",
    "Use the following checklist as a starting point:",
    "Stick this on the fridge (figuratively or not):",
    "Do not skip any of these:",
    "Keep these points in mind:",
];

const LIST_ITEMS: &[&str] = &[
    "Define what success looks like before you begin",
    "Pick one measure to track for the next month",
    "Book a regular time in your calendar for {t}",
    "Write down the steps you repeat most often",
    "Ask someone you trust to review your work",
    "Drop one task that adds no value",
    "Keep notes on what worked and what did not",
    "Review your progress at the end of each month",
    "Learn one new technique at a time",
    "Keep your tools and setup as simple as possible",
    "Share what you learn with your team or audience",
    "Celebrate small wins so you keep going",
];

const CLOSING_HEADINGS: [&str; 5] = [
    "Over to you",
    "Key takeaways",
    "That's a wrap",
    "The bottom line",
    "Final thoughts",
];

const WRAP_UPS: &[&str] = &[
    "Nobody masters {t} in a day, but steady progress adds up faster than you might expect.",
    "The ideas above are simple, and that is the point: simple things get done.",
    "Getting better at {t} is mostly a matter of small, repeated steps.",
];

const CLOSINGS: [&str; 5] = [
    "Pick one idea from this post, try it this week, and let us know how it goes!",
    "Select one recommendation from this article and apply it over the coming week.",
    "Now go forth and conquer, one small step at a time.",
    "Apply these principles consistently and the results will follow.",
    "Choose one idea from this post and put it into practice this week.",
];

const TAG_STOPWORDS: &[&str] = &[
    "about", "after", "also", "best", "from", "have", "into", "more", "that", "than", "their", "them", "then", "there",
    "these", "this", "what", "when", "with", "your",
];

const TAG_FILLERS: &[&str] = &["tips", "guide", "how to"];

/// A piece of the article as plain text; escaping happens only in `render`.
#[derive(Debug, Clone)]
enum Block {
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

    fn words(&self) -> usize {
        self.text().split_whitespace().count()
    }
}

fn total_words(blocks: &[Block]) -> usize {
    blocks.iter().map(Block::words).sum()
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

struct Writer<'a> {
    rng: Rng,
    topic: &'a str,
    tone: Tone,
    sentences: Deck,
    headings: Deck,
    items: Deck,
}

impl<'a> Writer<'a> {
    fn new(seed: u64, topic: &'a str, tone: Tone) -> Writer<'a> {
        Writer {
            rng: Rng(seed),
            topic,
            tone,
            sentences: Deck::new(SENTENCES.len()),
            headings: Deck::new(HEADINGS.len()),
            items: Deck::new(LIST_ITEMS.len()),
        }
    }

    fn title(&mut self) -> String {
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
    fn article(&mut self, niche: &str, target: usize) -> Vec<Block> {
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

fn fill(template: &str, topic: &str) -> String {
    template.replace("{t}", topic)
}

/// Plain-text fields keep no `<` or `>`, so nothing downstream can mistake them for markup.
fn without_angle_brackets(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '<' | '>')).collect()
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Upper-cases the first letter unless the first word already has capitals (keeps "iPhone", "SEO").
fn capitalize(text: &str) -> String {
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

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second) if !second.is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_string(),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn render(blocks: &[Block]) -> String {
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

fn excerpt(blocks: &[Block]) -> String {
    let texts: Vec<String> = blocks.iter().map(Block::text).collect();
    let words: Vec<&str> = texts
        .iter()
        .flat_map(|text| text.split_whitespace())
        .take(EXCERPT_WORDS)
        .collect();
    let joined = without_angle_brackets(&words.join(" "));
    format!("{}…", joined.trim_end_matches(|c: char| c.is_ascii_punctuation()))
}

fn tags(topic: &str, niche: &str) -> Vec<String> {
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
    use super::*;
    use crate::server::clients::sanitize::{plain_text, sanitize_html};
    use std::collections::HashSet;

    fn brief(topics: &[&str], niche: &str, tone: &str, target_words: u32, seed: u64) -> Brief {
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
            assert!(plain_text(&html).contains("it's \"quoted\" & <odd>"));
            for tag in ["<h2>", "<p>", "<li>", "<ul>", "<strong>"] {
                assert_eq!(clean.matches(tag).count(), html.matches(tag).count(), "{tag}");
            }
        }
    }

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
