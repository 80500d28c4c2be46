//! Pricing: the one function that turns a product's cost, price, stock and
//! competitors' prices into a decision under the merchant's rules. It is
//! pure (no clock, no database) so that the promise the whole store module
//! rests on — a price never goes below its margin floor or floor price,
//! whatever the competitors do — is checked by a property test below.
//!
//! Money is in the store currency's minor unit (halalas for SAR), as i64.
//! Percentages are basis points (1% = 100).

use serde::{Deserialize, Serialize};

use crate::server::error::ServerError;

/// How the target price follows the competitors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Strategy {
    /// The lowest fresh competitor price.
    MatchLowest,
    /// The lowest competitor price less a fixed amount.
    BeatByAmount { amount: i64 },
    /// The lowest competitor price less a share of it.
    BeatByPercent { bp: i64 },
    /// Within `bp` of the competitors' median: a price inside the band
    /// stays, one outside moves to the band's nearest edge.
    MedianBand { bp: i64 },
}

/// How far one run may move a price, whatever the largest change says:
/// a merchant new to automation starts low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    /// The cap on one run's move, in basis points of the current price.
    pub fn cap_bp(self) -> i64 {
        match self {
            Risk::Low => 500,
            Risk::Medium => 1_500,
            Risk::High => 3_000,
        }
    }

    pub fn parse(raw: &str) -> Result<Risk, ServerError> {
        match raw {
            "low" => Ok(Risk::Low),
            "medium" => Ok(Risk::Medium),
            "high" => Ok(Risk::High),
            _ => Err(ServerError::Validation(
                "Choose a risk tolerance: low, medium or high.".into(),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

/// A store's (or one product's) pricing rules, checked once when saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// `min_profit_margin`: the least markup over cost, in basis points.
    pub min_margin_bp: i64,
    pub strategy: Strategy,
    /// The largest change one run makes, in basis points of the price.
    pub max_change_bp: i64,
    /// Price ending in minor units (95 for .95), or None to leave cents.
    pub ending: Option<i64>,
    pub risk: Risk,
    /// `update_frequency_hours`: how often the store's runs come round.
    pub cadence_hours: i64,
    /// A competitor price older than this is not acted on.
    pub stale_after_hours: i64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            min_margin_bp: 1_500,
            strategy: Strategy::MatchLowest,
            max_change_bp: 1_000,
            ending: None,
            risk: Risk::Low,
            cadence_hours: 24,
            stale_after_hours: 48,
        }
    }
}

impl Rules {
    /// Every bound a merchant could mistype is refused with what to enter.
    pub fn check(self) -> Result<Rules, ServerError> {
        let refuse = |text: &str| Err(ServerError::Validation(text.into()));
        if !(0..=100_000).contains(&self.min_margin_bp) {
            return refuse("The minimum margin must be between 0% and 1000%.");
        }
        if !(1..=10_000).contains(&self.max_change_bp) {
            return refuse("The largest change per run must be between 0.01% and 100%.");
        }
        if matches!(self.ending, Some(e) if !(0..=99).contains(&e)) {
            return refuse("A price ending is two digits, like 95 or 99.");
        }
        if !(1..=24 * 30).contains(&self.cadence_hours) {
            return refuse("Runs come round every 1 to 720 hours.");
        }
        if !(1..=24 * 30).contains(&self.stale_after_hours) {
            return refuse("Competitor prices go stale after 1 to 720 hours.");
        }
        match self.strategy {
            Strategy::BeatByAmount { amount } if amount <= 0 => refuse("Beat the lowest price by more than 0."),
            Strategy::BeatByPercent { bp } if !(1..=5_000).contains(&bp) => {
                refuse("Beat the lowest price by 0.01% to 50%.")
            }
            Strategy::MedianBand { bp } if !(0..=5_000).contains(&bp) => refuse("The band is 0% to 50% of the median."),
            _ => Ok(self),
        }
    }
}

/// One competitor's latest observed price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub price: i64,
    /// Seconds since it was read.
    pub age: i64,
}

/// What a decision starts from; stored with the decision as its inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub price: i64,
    pub cost: Option<i64>,
    /// The merchant's floor price for the product.
    pub floor: Option<i64>,
    /// The merchant's ceiling price for the product.
    pub ceiling: Option<i64>,
    /// None: unlimited stock.
    pub stock: Option<i64>,
    pub competitors: Vec<Observed>,
}

/// Why a product was left as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    OutOfStock,
    NoCompetitors,
    StaleData,
    /// The competitors are below what the margin floor allows, and the
    /// price already sits at the floor.
    MarginFloor,
    /// The rules put the floor above the ceiling for this product.
    FloorAboveCeiling,
    /// The target is the current price.
    NoChange,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::OutOfStock => "out_of_stock",
            Skip::NoCompetitors => "no_competitors",
            Skip::StaleData => "stale_data",
            Skip::MarginFloor => "margin_floor",
            Skip::FloorAboveCeiling => "floor_above_ceiling",
            Skip::NoChange => "no_change",
        }
    }

    /// The reason in words, as the audit trail shows it.
    pub fn words(self) -> &'static str {
        match self {
            Skip::OutOfStock => "out of stock",
            Skip::NoCompetitors => "no competitor price yet",
            Skip::StaleData => "competitor prices are stale",
            Skip::MarginFloor => "held at the margin floor",
            Skip::FloorAboveCeiling => "the floor is above the ceiling",
            Skip::NoChange => "already at the target",
        }
    }
}

/// The outcome of one product's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The rule applied, in words ("match the lowest competitor, 95.00").
    pub rule: String,
    /// The lowest price the rules allow: the margin floor or floor price.
    pub floor: i64,
    pub outcome: Result<i64, Skip>,
}

/// Decides one product's price. A proposed price is never below the
/// margin floor nor the floor price, and never above the ceiling when the
/// ceiling is above them.
pub fn decide(rules: &Rules, input: &Inputs) -> Decision {
    let floor = lowest_allowed(rules, input);
    let skip = |rule: String, why: Skip| Decision {
        rule,
        floor,
        outcome: Err(why),
    };
    if input.stock.is_some_and(|s| s <= 0) {
        return skip("none".into(), Skip::OutOfStock);
    }
    if input.competitors.is_empty() {
        return skip("none".into(), Skip::NoCompetitors);
    }
    let fresh: Vec<i64> = input
        .competitors
        .iter()
        .filter(|c| c.age <= rules.stale_after_hours * 3_600 && c.price > 0)
        .map(|c| c.price)
        .collect();
    if fresh.is_empty() {
        return skip("none".into(), Skip::StaleData);
    }
    let ceiling = input.ceiling.unwrap_or(i64::MAX);
    if floor > ceiling {
        return skip("none".into(), Skip::FloorAboveCeiling);
    }
    let (target, rule) = target(rules.strategy, input.price, &fresh);
    let wanted = target.clamp(floor, ceiling);
    let step = (input.price as i128 * rules.max_change_bp.min(rules.risk.cap_bp()) as i128 / 10_000) as i64;
    // The floor and the ceiling are the merchant's hard bounds: a price
    // outside them moves inside at once, whatever one run's step allows.
    let (lo, hi) = (input.price.saturating_sub(step), input.price.saturating_add(step));
    let stepped = wanted.clamp(lo, hi).clamp(floor, ceiling);
    // The ending is sought within the step as well, unless the price had to
    // jump to get inside the merchant's bounds.
    let (lo, hi) = match (lo.max(floor), hi.min(ceiling)) {
        (lo, hi) if lo <= hi => (lo, hi),
        _ => (floor, ceiling),
    };
    let proposed = end_with(stepped, rules.ending, lo, hi);
    if proposed == input.price {
        let why = if target < floor {
            Skip::MarginFloor
        } else {
            Skip::NoChange
        };
        return skip(rule, why);
    }
    Decision {
        rule,
        floor,
        outcome: Ok(proposed),
    }
}

/// The higher of the margin floor (cost plus the minimum margin, rounded
/// up) and the product's floor price; at least one minor unit.
pub fn lowest_allowed(rules: &Rules, input: &Inputs) -> i64 {
    let margin = input.cost.map_or(0, |cost| {
        let raw = cost.max(0) as i128 * (10_000 + rules.min_margin_bp) as i128;
        ((raw + 9_999) / 10_000).min(i64::MAX as i128) as i64
    });
    margin.max(input.floor.unwrap_or(0)).max(1)
}

fn target(strategy: Strategy, price: i64, fresh: &[i64]) -> (i64, String) {
    let lowest = fresh.iter().copied().min().unwrap_or(price);
    match strategy {
        Strategy::MatchLowest => (lowest, format!("match the lowest competitor, {}", amount(lowest))),
        Strategy::BeatByAmount { amount: by } => (
            lowest.saturating_sub(by),
            format!("beat the lowest competitor ({}) by {}", amount(lowest), amount(by)),
        ),
        Strategy::BeatByPercent { bp } => (
            lowest - (lowest as i128 * bp as i128 / 10_000) as i64,
            format!("beat the lowest competitor ({}) by {}", amount(lowest), percent(bp)),
        ),
        Strategy::MedianBand { bp } => {
            let median = median(fresh);
            let spread = (median as i128 * bp as i128 / 10_000) as i64;
            let rule = format!("stay within {} of the median, {}", percent(bp), amount(median));
            (price.clamp(median - spread, median + spread), rule)
        }
    }
}

fn median(values: &[i64]) -> i64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2
    } else {
        sorted[mid]
    }
}

/// The price with the chosen ending nearest to `price` inside
/// [floor, ceiling]; the price itself when no such ending fits.
fn end_with(price: i64, ending: Option<i64>, floor: i64, ceiling: i64) -> i64 {
    let Some(ending) = ending else { return price };
    let below = price.div_euclid(100) * 100 + ending - if price.rem_euclid(100) < ending { 100 } else { 0 };
    let above = below + 100;
    let fits = |p: i64| p >= floor && p <= ceiling && p > 0;
    match (fits(below), fits(above)) {
        (true, true) if price - below <= above - price => below,
        (_, true) => above,
        (true, false) => below,
        (false, false) => price,
    }
}

pub use crate::app::types::{format_amount as amount, format_percent as percent};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_assert, prop_assert_eq, prop_assert_ne, prop_oneof, proptest, Just, ProptestConfig};
    use proptest::strategy::Strategy as _;

    fn input(price: i64, cost: Option<i64>, competitors: &[i64]) -> Inputs {
        Inputs {
            price,
            cost,
            floor: None,
            ceiling: None,
            stock: None,
            competitors: competitors
                .iter()
                .map(|&price| Observed { price, age: 3_600 })
                .collect(),
        }
    }

    fn rules(strategy: Strategy) -> Rules {
        Rules {
            strategy,
            max_change_bp: 10_000,
            risk: Risk::High,
            ..Rules::default()
        }
    }

    #[test]
    fn matches_the_lowest_competitor_within_one_runs_cap() {
        let d = decide(
            &rules(Strategy::MatchLowest),
            &input(10_000, Some(5_000), &[9_500, 9_900]),
        );
        assert_eq!(d.outcome, Ok(9_500));
        assert_eq!(d.rule, "match the lowest competitor, 95.00");
        // Low risk caps one run at 5% even when the largest change allows 10%.
        let low = Rules {
            risk: Risk::Low,
            ..rules(Strategy::MatchLowest)
        };
        assert_eq!(decide(&low, &input(10_000, None, &[8_000])).outcome, Ok(9_500));
    }

    #[test]
    fn beats_by_an_amount_or_a_share_and_rounds_to_the_ending() {
        let by = rules(Strategy::BeatByAmount { amount: 100 });
        assert_eq!(decide(&by, &input(10_000, None, &[9_500])).outcome, Ok(9_400));
        let share = Rules {
            ending: Some(95),
            ..rules(Strategy::BeatByPercent { bp: 200 })
        };
        // 2% under 95.00 is 93.10; the nearest .95 is 92.95.
        assert_eq!(decide(&share, &input(10_000, None, &[9_500])).outcome, Ok(9_295));
    }

    #[test]
    fn a_price_inside_the_median_band_stays() {
        let band = rules(Strategy::MedianBand { bp: 500 });
        let d = decide(&band, &input(10_200, None, &[9_000, 10_000, 11_000]));
        assert_eq!(d.outcome, Err(Skip::NoChange));
        assert_eq!(
            decide(&band, &input(12_000, None, &[9_000, 10_000, 11_000])).outcome,
            Ok(10_500)
        );
    }

    #[test]
    fn the_margin_floor_holds_and_says_so() {
        let r = rules(Strategy::MatchLowest);
        // Cost 80.00 with a 15% margin: the floor is 92.00.
        let d = decide(&r, &input(10_000, Some(8_000), &[7_000]));
        assert_eq!((d.floor, d.outcome), (9_200, Ok(9_200)));
        let at_floor = decide(&r, &input(9_200, Some(8_000), &[7_000]));
        assert_eq!(at_floor.outcome, Err(Skip::MarginFloor));
        // A price already under the floor is raised to it at once.
        assert_eq!(decide(&r, &input(8_500, Some(8_000), &[7_000])).outcome, Ok(9_200));
    }

    #[test]
    fn stale_out_of_stock_and_no_competitors_are_skipped() {
        let r = rules(Strategy::MatchLowest);
        let mut stale = input(10_000, None, &[9_000]);
        stale.competitors[0].age = 49 * 3_600;
        assert_eq!(decide(&r, &stale).outcome, Err(Skip::StaleData));
        let mut empty = input(10_000, None, &[9_000]);
        empty.stock = Some(0);
        assert_eq!(decide(&r, &empty).outcome, Err(Skip::OutOfStock));
        assert_eq!(decide(&r, &input(10_000, None, &[])).outcome, Err(Skip::NoCompetitors));
        let mut crossed = input(10_000, Some(9_000), &[9_000]);
        crossed.ceiling = Some(9_500);
        assert_eq!(decide(&r, &crossed).outcome, Err(Skip::FloorAboveCeiling));
    }

    #[test]
    fn rules_refuse_what_cannot_be_meant() {
        assert!(Rules::default().check().is_ok());
        assert!(Rules {
            max_change_bp: 0,
            ..Rules::default()
        }
        .check()
        .is_err());
        assert!(Rules {
            ending: Some(100),
            ..Rules::default()
        }
        .check()
        .is_err());
        assert!(Rules {
            strategy: Strategy::BeatByAmount { amount: 0 },
            ..Rules::default()
        }
        .check()
        .is_err());
        assert!(Rules {
            cadence_hours: 0,
            ..Rules::default()
        }
        .check()
        .is_err());
    }

    #[test]
    fn amounts_and_percents_read_plainly() {
        assert_eq!(amount(9_500), "95.00");
        assert_eq!(amount(5), "0.05");
        assert_eq!(percent(250), "2.5%");
        assert_eq!(percent(1_000), "10%");
    }

    fn any_strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
        prop_oneof![
            Just(Strategy::MatchLowest),
            (1i64..5_000).prop_map(|amount| Strategy::BeatByAmount { amount }),
            (1i64..5_000).prop_map(|bp| Strategy::BeatByPercent { bp }),
            (0i64..5_000).prop_map(|bp| Strategy::MedianBand { bp }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]
        /// Whatever the competitors do, a proposal never goes under the
        /// margin floor or the floor price, nor over a ceiling above them.
        #[test]
        fn a_proposal_never_goes_below_the_floor(
            strategy in any_strategy(),
            min_margin_bp in 0i64..20_000,
            max_change_bp in 1i64..10_000,
            ending in proptest::option::of(0i64..100),
            risk in prop_oneof![Just(Risk::Low), Just(Risk::Medium), Just(Risk::High)],
            price in 1i64..10_000_000,
            cost in proptest::option::of(0i64..5_000_000),
            floor in proptest::option::of(1i64..5_000_000),
            ceiling in proptest::option::of(1i64..20_000_000),
            competitors in proptest::collection::vec((0i64..20_000_000, 0i64..400_000), 0..6),
        ) {
            let rules = Rules { min_margin_bp, strategy, max_change_bp, ending, risk, ..Rules::default() };
            let input = Inputs {
                price, cost, floor, ceiling, stock: None,
                competitors: competitors.into_iter().map(|(price, age)| Observed { price, age }).collect(),
            };
            let decision = decide(&rules, &input);
            let least = cost.map_or(0, |c| (c as i128 * (10_000 + min_margin_bp) as i128 + 9_999) / 10_000) as i64;
            prop_assert_eq!(decision.floor, least.max(floor.unwrap_or(0)).max(1));
            if let Ok(proposed) = decision.outcome {
                let step = (price as i128 * max_change_bp.min(risk.cap_bp()) as i128 / 10_000) as i64;
                let outside = price < decision.floor || ceiling.is_some_and(|c| price > c);
                prop_assert!(outside || (proposed - price).abs() <= step, "{proposed} moved more than {step} from {price}");
                prop_assert!(proposed >= least, "{proposed} under the margin floor {least}");
                prop_assert!(proposed >= floor.unwrap_or(0), "{proposed} under the floor price");
                if let Some(ceiling) = ceiling {
                    prop_assert!(proposed <= ceiling, "{proposed} over the ceiling {ceiling}");
                }
                prop_assert_ne!(proposed, price);
            }
        }
    }
}
