//! The slug a post is published under: readable, WordPress-shaped, and
//! unique per job, so a retry finds the post an earlier attempt created.

use sha2::{Digest, Sha256};

/// The longest run of words a slug keeps before its marker.
const MAX_WORDS_LEN: usize = 60;

/// The title transliterated to ASCII (deunicode: "Gärten" → "garten",
/// Arabic and Japanese into Latin letters) and slugged as WordPress would
/// (lowercase words joined by hyphens, at most 60 characters), plus a marker
/// from the job id, so each job's post has a slug no other post has.
pub fn slug_for(title: &str, job_id: &str) -> String {
    let ascii = deunicode::deunicode_with_tofu(title, " ");
    let mut words = String::new();
    for word in ascii
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if words.len() + word.len() + 1 > MAX_WORDS_LEN {
            break;
        }
        if !words.is_empty() {
            words.push('-');
        }
        words.push_str(word);
    }
    let marker = hex::encode(&Sha256::digest(job_id.as_bytes())[..4]);
    if words.is_empty() {
        format!("post-{marker}")
    } else {
        format!("{words}-{marker}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wordpress_shaped(slug: &str) -> bool {
        slug.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }

    #[test]
    fn slugs_are_wordpress_shaped_and_unique_per_job() {
        let a = slug_for("Ten Mistakes to Avoid with Roses — Really!", "job-1");
        assert!(a.starts_with("ten-mistakes-to-avoid-with-roses-really-"), "{a}");
        assert!(wordpress_shaped(&a));
        assert_eq!(a, slug_for("Ten Mistakes to Avoid with Roses — Really!", "job-1"));
        assert_ne!(a, slug_for("Ten Mistakes to Avoid with Roses — Really!", "job-2"));
        assert!(slug_for(&"word ".repeat(40), "j").len() <= 70);
        assert!(slug_for("¿¡!", "j").starts_with("post-"));
    }

    #[test]
    fn non_ascii_titles_stay_readable() {
        let german = slug_for("Über die Pflege von Gärten im Frühling", "j");
        assert!(
            german.starts_with("uber-die-pflege-von-garten-im-fruhling-"),
            "{german}"
        );
        let arabic = slug_for("حديقة المنزل", "j");
        assert!(wordpress_shaped(&arabic), "{arabic}");
        assert!(
            !arabic.starts_with("post-"),
            "Arabic letters are transliterated: {arabic}"
        );
        assert!(arabic.len() > "post-".len() + 8, "{arabic}");
        let japanese = slug_for("東京の庭園ガイド", "j");
        assert!(wordpress_shaped(&japanese), "{japanese}");
        assert!(
            !japanese.starts_with("post-"),
            "kana and kanji are transliterated: {japanese}"
        );
    }
}
