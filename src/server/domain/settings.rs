use super::Schedule;
use crate::app::types::SiteSettings;
use crate::server::error::ServerError;

pub const TONES: [&str; 5] = ["friendly", "professional", "playful", "authoritative", "neutral"];

/// A site's automation settings after validation: what to write, how to
/// publish it and when.
#[derive(Debug, Clone)]
pub struct AutomationSettings {
    pub niche: String,
    pub topics: Vec<String>,
    pub tone: String,
    pub language: String,
    pub target_words: i64,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub wp_status: String,
    pub approval: String,
    pub schedule: Schedule,
}

fn invalid(message: &str) -> ServerError {
    ServerError::Validation(message.into())
}

/// Comma-separated names: trimmed, empty ones dropped, duplicates (any case) removed.
pub fn split_names(raw: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in raw
        .split(',')
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
    {
        if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            names.push(name);
        }
    }
    names
}

fn names(raw: &str, what: &str) -> Result<Vec<String>, ServerError> {
    let names = split_names(raw);
    if names.len() > 10 {
        return Err(invalid(&format!("Give at most 10 {what}.")));
    }
    if names.iter().any(|n| n.chars().count() > 50) {
        return Err(invalid(&format!("Each of the {what} must be at most 50 characters.")));
    }
    Ok(names)
}

impl AutomationSettings {
    pub fn parse(input: &SiteSettings) -> Result<AutomationSettings, ServerError> {
        let niche = input.niche.split_whitespace().collect::<Vec<_>>().join(" ");
        let topics: Vec<String> = input
            .topics
            .lines()
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty())
            .collect();
        if niche.chars().count() > 200 || topics.iter().any(|t| t.chars().count() > 200) {
            return Err(invalid("The niche and each topic must be at most 200 characters."));
        }
        if topics.len() > 100 {
            return Err(invalid("Give at most 100 topics."));
        }
        if niche.is_empty() && topics.is_empty() {
            return Err(invalid(
                "Give a niche or at least one topic, so there is something to write about.",
            ));
        }
        let tone = input.tone.trim().to_lowercase();
        if !TONES.contains(&tone.as_str()) {
            return Err(invalid("Choose one of the listed tones."));
        }
        let language = input.language.trim().to_owned();
        if language.is_empty() || language.chars().count() > 40 {
            return Err(invalid("Give the language to write in, like English or Deutsch."));
        }
        if !(150..=3000).contains(&input.target_words) {
            return Err(invalid("Target length must be between 150 and 3000 words."));
        }
        if !["publish", "draft", "future"].contains(&input.wp_status.as_str()) {
            return Err(invalid("Choose how WordPress should receive the posts."));
        }
        if !["review", "auto"].contains(&input.approval.as_str()) {
            return Err(invalid("Choose review first or publish automatically."));
        }
        let schedule = Schedule::parse(
            &input.schedule_kind,
            &input.schedule_times,
            &input.schedule_cron,
            &input.time_zone,
        )?;
        Ok(AutomationSettings {
            niche,
            topics,
            tone,
            language,
            target_words: input.target_words,
            categories: names(&input.categories, "categories")?,
            tags: names(&input.tags, "tags")?,
            wp_status: input.wp_status.clone(),
            approval: input.approval.clone(),
            schedule,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> SiteSettings {
        SiteSettings {
            niche: "Home gardening".into(),
            topics: "roses\n\n  tomatoes in pots \n".into(),
            tone: "Friendly".into(),
            language: "English".into(),
            target_words: 800,
            categories: "Garden, garden , Tips".into(),
            tags: "".into(),
            wp_status: "publish".into(),
            approval: "review".into(),
            schedule_kind: "daily".into(),
            schedule_times: "09:00".into(),
            schedule_cron: "".into(),
            time_zone: "Europe/Berlin".into(),
        }
    }

    #[test]
    fn valid_settings_are_normalised() {
        let s = AutomationSettings::parse(&valid()).unwrap();
        assert_eq!(s.topics, vec!["roses", "tomatoes in pots"]);
        assert_eq!(s.categories, vec!["Garden", "Tips"]);
        assert_eq!(s.tone, "friendly");
    }

    #[test]
    fn each_rule_names_what_to_fix() {
        let cases: Vec<fn(&mut SiteSettings)> = vec![
            |s| {
                s.niche.clear();
                s.topics.clear()
            },
            |s| s.tone = "sarcastic".into(),
            |s| s.target_words = 50,
            |s| s.wp_status = "private".into(),
            |s| s.approval = "maybe".into(),
            |s| s.time_zone = "Mars/Olympus".into(),
            |s| s.categories = (0..11).map(|i| format!("c{i}")).collect::<Vec<_>>().join(","),
        ];
        for change in cases {
            let mut input = valid();
            change(&mut input);
            assert!(matches!(
                AutomationSettings::parse(&input),
                Err(ServerError::Validation(_))
            ));
        }
    }
}
