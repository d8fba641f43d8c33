//! How far back a punishment still counts (`--punished-within`), and the day of a punishment
//! date as the vendor writes it.

use chrono::NaiveDate;

use super::{Lang, Zone};

/// How far back a punishment still counts (`--punished-within`): `3y`, `18mo`, `90d`, `2w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Years(u32),
    Months(u32),
    Days(u32),
}

impl Default for Window {
    fn default() -> Window {
        Window::Years(3)
    }
}

impl std::str::FromStr for Window {
    type Err = String;

    fn from_str(s: &str) -> Result<Window, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: u32 = num
            .parse()
            .map_err(|_| format!("{s:?}: expected a number and a unit, e.g. 3y"))?;
        match unit {
            "y" | "" => Ok(Window::Years(n)),
            "mo" => Ok(Window::Months(n)),
            "w" => Ok(Window::Days(n.saturating_mul(7))),
            "d" => Ok(Window::Days(n)),
            _ => Err(format!("{s:?}: unit must be y, mo, w or d")),
        }
    }
}

impl Window {
    /// The first day that still counts, seen from `today`.
    pub fn cutoff(self, today: NaiveDate) -> NaiveDate {
        let back = match self {
            Window::Years(n) => today.checked_sub_months(chrono::Months::new(n.saturating_mul(12))),
            Window::Months(n) => today.checked_sub_months(chrono::Months::new(n)),
            Window::Days(n) => today.checked_sub_days(chrono::Days::new(u64::from(n))),
        };
        back.unwrap_or(NaiveDate::MIN)
    }

    /// The first day that still counts, seen from today in `zone`.
    pub fn since_today(self, zone: Zone) -> NaiveDate {
        self.cutoff(zone.now().date_naive())
    }

    /// `近3年` / `within 3 years`.
    pub fn label(self, lang: Lang) -> String {
        match (self, lang) {
            (Window::Years(n), Lang::Zh) => format!("近{n}年"),
            (Window::Months(n), Lang::Zh) => format!("近{n}个月"),
            (Window::Days(n), Lang::Zh) => format!("近{n}天"),
            (Window::Years(n), Lang::En) => format!("within {n} year(s)"),
            (Window::Months(n), Lang::En) => format!("within {n} month(s)"),
            (Window::Days(n), Lang::En) => format!("within {n} day(s)"),
        }
    }
}

/// The day of a punishment date as the vendor writes it (`2025-06-01`, `2025/6/1`,
/// `2025-06-01 00:00:00`, `20250601`).
pub fn day_of(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    let head = t.split([' ', 'T']).next().unwrap_or(t);
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"] {
        if let Ok(d) = NaiveDate::parse_from_str(head, fmt) {
            return Some(d);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_days_parse() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let w: Window = "3y".parse().unwrap();
        assert_eq!(
            w.cutoff(today),
            NaiveDate::from_ymd_opt(2023, 11, 30).unwrap()
        );
        let w: Window = "18mo".parse().unwrap();
        assert_eq!(
            w.cutoff(today),
            NaiveDate::from_ymd_opt(2025, 5, 30).unwrap()
        );
        assert_eq!("90d".parse::<Window>().unwrap(), Window::Days(90));
        assert!("3x".parse::<Window>().is_err());
        assert_eq!(day_of("2025-06-01"), NaiveDate::from_ymd_opt(2025, 6, 1));
        assert_eq!(day_of("2025/6/1"), NaiveDate::from_ymd_opt(2025, 6, 1));
        assert_eq!(
            day_of("2025-06-01 00:00:00"),
            NaiveDate::from_ymd_opt(2025, 6, 1)
        );
        assert_eq!(day_of("20250601"), NaiveDate::from_ymd_opt(2025, 6, 1));
        assert_eq!(day_of(""), None);
    }
}
