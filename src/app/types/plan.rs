//! The three plans, defined once. Post limits may be overridden by the
//! operator (FREE_POSTS_LIMIT, …); the server applies those overrides.

use serde::{Deserialize, Serialize};

/// Ordered cheapest first, so "upgrade" is `>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    Free,
    Pro,
    Agency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLimits {
    pub posts_per_month: i64,
    pub sites: i64,
    pub members: i64,
    /// Facebook Pages, Instagram and TikTok accounts connected at once.
    pub social_accounts: i64,
    /// Stores whose prices Autopilot manages.
    pub stores: i64,
}

impl PlanLimits {
    /// The limits in words, as the landing and billing pages list them.
    pub fn described(&self) -> [String; 5] {
        let plural = |n: i64| if n == 1 { "" } else { "s" };
        [
            format!("{} posts a month", grouped(self.posts_per_month)),
            format!("{} WordPress site{}", grouped(self.sites), plural(self.sites)),
            format!("{} team member{}", grouped(self.members), plural(self.members)),
            format!(
                "{} social account{}",
                grouped(self.social_accounts),
                plural(self.social_accounts)
            ),
            format!("{} store{}", grouped(self.stores), plural(self.stores)),
        ]
    }
}

/// A count with thousands separated: 2000 → "2,000".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A plan as the landing and billing pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub plan: Plan,
    pub name: String,
    pub monthly_price_cents: i64,
    pub limits: PlanLimits,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Free, Plan::Pro, Plan::Agency];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Agency => "agency",
        }
    }

    pub fn parse(s: &str) -> Option<Plan> {
        Plan::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Plan::Free => "Free",
            Plan::Pro => "Pro",
            Plan::Agency => "Agency",
        }
    }

    pub fn monthly_price_cents(self) -> i64 {
        match self {
            Plan::Free => 0,
            Plan::Pro => 2_900,
            Plan::Agency => 9_900,
        }
    }

    /// Limits before any operator override.
    pub fn default_limits(self) -> PlanLimits {
        let (posts_per_month, sites, members, social_accounts, stores) = match self {
            Plan::Free => (10, 1, 1, 1, 1),
            Plan::Pro => (200, 5, 5, 10, 3),
            Plan::Agency => (2_000, 50, 25, 50, 20),
        };
        PlanLimits {
            posts_per_month,
            sites,
            members,
            social_accounts,
            stores,
        }
    }
}

impl PlanSummary {
    pub fn price_label(&self) -> String {
        format!("${}", self.monthly_price_cents / 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_published_plans() {
        assert_eq!(Plan::Free.default_limits().posts_per_month, 10);
        assert_eq!(Plan::Pro.default_limits().sites, 5);
        assert_eq!(Plan::Agency.default_limits().members, 25);
        let social = Plan::ALL.map(|p| p.default_limits().social_accounts);
        assert_eq!(social, [1, 10, 50]);
        assert_eq!(Plan::ALL.map(|p| p.default_limits().stores), [1, 3, 20]);
        assert_eq!(Plan::Agency.monthly_price_cents(), 9_900);
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (2_000, "2,000"),
            (1_234_567, "1,234,567"),
            (-12_345, "-12,345"),
        ];
        for (n, text) in cases {
            assert_eq!(grouped(n), text);
        }
        let limits = PlanLimits {
            posts_per_month: 2_000,
            sites: 1,
            members: 25,
            social_accounts: 1,
            stores: 3,
        };
        assert_eq!(
            limits.described(),
            [
                "2,000 posts a month",
                "1 WordPress site",
                "25 team members",
                "1 social account",
                "3 stores"
            ]
        );
    }

    #[test]
    fn plans_round_trip_through_text() {
        for p in Plan::ALL {
            assert_eq!(Plan::parse(p.as_str()), Some(p));
        }
        assert_eq!(Plan::parse("gold"), None);
    }
}
