//! Credit levels (`IdentifyLevel`) across China Customs' credit regimes, mapped to one risk rank.
//!
//! Stored data mixes the pre-2014 letters, Order 237 (2018), Order 251 (2021) and Order 282 (2026)
//! wordings; reports and change detection compare ranks, never raw text.

use serde::Serialize;

/// Risk rank, worst first. `Unrated` is empty or unknown text: never an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Rank {
    /// 严重失信企业 (Order 282).
    SeverelyDishonest,
    /// 失信企业, and the old C / D.
    Dishonest,
    /// 一般信用企业 / 常规企业, and the old B.
    Routine,
    /// 一般认证企业 / 认证企业, and the old A.
    Certified,
    /// 高级认证企业, and the old AA.
    AdvancedCertified,
    /// Empty or unrecognised text.
    Unrated,
}

impl Rank {
    /// Map the vendor's raw text to a rank. Whitespace and full-width letters are tolerated.
    pub fn of(level: &str) -> Rank {
        let t: String = crate::normalize::fold_width(level)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        match t.as_str() {
            "严重失信企业" => Rank::SeverelyDishonest,
            "失信企业" | "C" | "D" | "C类" | "D类" => Rank::Dishonest,
            "一般信用企业" | "常规企业" | "B" | "B类" => Rank::Routine,
            "一般认证企业" | "认证企业" | "A" | "A类" => Rank::Certified,
            "高级认证企业" | "AA" | "AA类" => Rank::AdvancedCertified,
            _ => Rank::Unrated,
        }
    }

    /// Stable label used in exports and reports.
    pub fn label(self) -> &'static str {
        match self {
            Rank::SeverelyDishonest => "severely_dishonest",
            Rank::Dishonest => "dishonest",
            Rank::Routine => "routine",
            Rank::Certified => "certified",
            Rank::AdvancedCertified => "advanced_certified",
            Rank::Unrated => "unrated",
        }
    }

    /// All ranks, worst first, for reports.
    pub const ALL: [Rank; 6] = [
        Rank::SeverelyDishonest,
        Rank::Dishonest,
        Rank::Routine,
        Rank::Certified,
        Rank::AdvancedCertified,
        Rank::Unrated,
    ];

    /// True when `self` is a worse rating than `other`. `Unrated` is not comparable: a level that
    /// disappears or appears is not called worse or better.
    pub fn is_worse_than(self, other: Rank) -> bool {
        self != Rank::Unrated && other != Rank::Unrated && self < other
    }
}

/// The text of the worst-rated level among several (rated ones win over unrated; the first of
/// equals), or `""` when there are none.
pub fn worst_level<'a>(levels: impl IntoIterator<Item = &'a str>) -> &'a str {
    levels.into_iter().min_by_key(|l| Rank::of(l)).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regimes_map_to_ranks_worst_first() {
        assert_eq!(Rank::of("严重失信企业"), Rank::SeverelyDishonest);
        assert_eq!(Rank::of("失信企业"), Rank::Dishonest);
        assert_eq!(Rank::of("D"), Rank::Dishonest);
        assert_eq!(Rank::of("Ｃ"), Rank::Dishonest);
        assert_eq!(Rank::of("一般信用企业"), Rank::Routine);
        assert_eq!(Rank::of("常规企业"), Rank::Routine);
        assert_eq!(Rank::of(" b "), Rank::Routine);
        assert_eq!(Rank::of("一般认证企业"), Rank::Certified);
        assert_eq!(Rank::of("认证企业"), Rank::Certified);
        assert_eq!(Rank::of("高级认证企业"), Rank::AdvancedCertified);
        assert_eq!(Rank::of("AA"), Rank::AdvancedCertified);
        assert_eq!(Rank::of(""), Rank::Unrated);
        assert_eq!(Rank::of("某种新等级"), Rank::Unrated);
        assert!(Rank::Dishonest.is_worse_than(Rank::Routine));
        assert!(!Rank::Unrated.is_worse_than(Rank::Routine));
        assert_eq!(
            Rank::of(worst_level(["A", "失信企业", ""])),
            Rank::Dishonest
        );
        assert_eq!(Rank::of(worst_level(["", ""])), Rank::Unrated);
        assert_eq!(worst_level(["A", "", "失信企业", "D"]), "失信企业");
    }
}
