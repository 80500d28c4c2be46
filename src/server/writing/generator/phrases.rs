//! The phrase banks the built-in writer draws from. `{t}` stands for the topic; titles also use `{n}` for a count
//! and `{adj}` for the tone's adjective. Per-tone tables list Friendly, Professional, Playful, Authoritative, Neutral.

pub(super) const TITLES: &[&str] = &[
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

pub(super) const TITLE_ADJECTIVES: [&str; 5] = ["easy", "effective", "surprisingly fun", "proven", "simple"];

pub(super) const OPENERS: [&[&str]; 5] = [
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

pub(super) const CONTEXTS: &[&str] = &[
    "It is one of those subjects that repays the time you put into it.",
    "Getting it right saves time, money and a fair amount of frustration.",
    "A few good habits make most of the difference here.",
];

pub(super) const PROMISES: &[&str] = &[
    "Below you'll find the ideas that make the biggest difference, a short checklist, and a few traps to steer clear of.",
    "We'll walk through the essentials, share a checklist you can reuse, and point out where most people go wrong.",
    "Here is what we have learned, organised so you can put it to use straight away.",
];

pub(super) const HEADINGS: &[&str] = &[
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

pub(super) const SENTENCES: &[&str] = &[
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

pub(super) const CONNECTORS: [&[&str]; 5] = [
    &["Honestly, ", "In our experience, ", "From what we've seen, "],
    &["In practice, ", "As a rule, ", "Generally speaking, "],
    &["Real talk: ", "Between us: ", "Here's the fun part: "],
    &["Make no mistake: ", "Put simply, ", "Above all, "],
    &["In general, ", "Put simply, ", "Typically, "],
];

pub(super) const TIP_LABELS: [&str; 5] = ["Tip", "Recommendation", "Pro tip", "Rule of thumb", "Tip"];

pub(super) const LIST_HEADINGS: &[&str] = &[
    "A quick checklist",
    "Your {t} checklist",
    "The essentials at a glance",
    "Before you start",
];

pub(super) const LIST_LEADS: [&str; 5] = [
    "Here's a short list to keep handy:",
    "Use the following checklist as a starting point:",
    "Stick this on the fridge (figuratively or not):",
    "Do not skip any of these:",
    "Keep these points in mind:",
];

pub(super) const LIST_ITEMS: &[&str] = &[
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

pub(super) const CLOSING_HEADINGS: [&str; 5] = [
    "Over to you",
    "Key takeaways",
    "That's a wrap",
    "The bottom line",
    "Final thoughts",
];

pub(super) const WRAP_UPS: &[&str] = &[
    "Nobody masters {t} in a day, but steady progress adds up faster than you might expect.",
    "The ideas above are simple, and that is the point: simple things get done.",
    "Getting better at {t} is mostly a matter of small, repeated steps.",
];

pub(super) const CLOSINGS: [&str; 5] = [
    "Pick one idea from this post, try it this week, and let us know how it goes!",
    "Select one recommendation from this article and apply it over the coming week.",
    "Now go forth and conquer, one small step at a time.",
    "Apply these principles consistently and the results will follow.",
    "Choose one idea from this post and put it into practice this week.",
];

pub(super) const TAG_STOPWORDS: &[&str] = &[
    "about", "after", "also", "best", "from", "have", "into", "more", "that", "than", "their", "them", "then", "there",
    "these", "this", "what", "when", "with", "your",
];

pub(super) const TAG_FILLERS: &[&str] = &["tips", "guide", "how to"];
