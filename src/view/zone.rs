//! Local time: the database keeps UTC (`2026-12-01T18:30:00Z`); people read their own clock with
//! its offset (`2026-12-02 02:30 +08:00`). The zone is the system's, or `--tz` (an IANA name such
//! as `Asia/Shanghai`, or a fixed offset such as `+08:00`).

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};

/// The zone times are shown in and local dates are read in.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Zone {
    /// The system's zone (`TZ`, else `/etc/localtime`).
    #[default]
    System,
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl std::str::FromStr for Zone {
    type Err = String;

    fn from_str(s: &str) -> Result<Zone, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("local") || t.eq_ignore_ascii_case("system") {
            return Ok(Zone::System);
        }
        if t.eq_ignore_ascii_case("utc") || t == "Z" {
            return Ok(Zone::Fixed(Utc.fix()));
        }
        if let Ok(tz) = t.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Named(tz));
        }
        parse_offset(t).map(Zone::Fixed).ok_or_else(|| {
            format!("{s:?}: expected an IANA zone (Asia/Shanghai), an offset (+08:00) or UTC")
        })
    }
}

/// `+08:00`, `+0800`, `-05`, `UTC+8`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s
        .strip_prefix("UTC")
        .or_else(|| s.strip_prefix("GMT"))
        .unwrap_or(s);
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = if digits.len() <= 2 {
        (digits.parse::<i32>().ok()?, 0)
    } else {
        let (h, m) = digits.split_at(digits.len() - 2);
        (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?)
    };
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

impl Zone {
    /// The offset in force at an instant.
    fn offset_at(self, t: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::System => *t.with_timezone(&Local).offset(),
            Zone::Named(tz) => t.with_timezone(&tz).fixed_offset().offset().to_owned(),
            Zone::Fixed(o) => o,
        }
    }

    /// An instant in this zone.
    pub fn at(self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.offset_at(t))
    }

    /// `2026-12-02 02:30 +08:00` from a stored UTC text; text that is not a stored instant is
    /// shown as it is.
    pub fn show(self, stored: &str) -> String {
        match parse_stored(stored) {
            Some(t) => self.at(t).format("%Y-%m-%d %H:%M %:z").to_string(),
            None => stored.to_string(),
        }
    }

    /// The local date of a stored instant (`2026-12-02`).
    pub fn date(self, stored: &str) -> String {
        match parse_stored(stored) {
            Some(t) => self.at(t).format("%Y-%m-%d").to_string(),
            None => stored.to_string(),
        }
    }

    /// Now, in this zone.
    pub fn now(self) -> DateTime<FixedOffset> {
        self.at(crate::clock::now())
    }

    /// The UTC instant of a local wall-clock time. In a gap (spring forward) the time after the
    /// gap; in an overlap the earlier of the two.
    pub fn instant(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let pick = |r: chrono::LocalResult<DateTime<Utc>>| match r {
            chrono::LocalResult::Single(t) => Some(t),
            chrono::LocalResult::Ambiguous(a, b) => Some(a.min(b)),
            chrono::LocalResult::None => None,
        };
        let direct = match self {
            Zone::System => pick(Local.from_local_datetime(&local).map(|t| t.to_utc())),
            Zone::Named(tz) => pick(tz.from_local_datetime(&local).map(|t| t.to_utc())),
            Zone::Fixed(o) => pick(o.from_local_datetime(&local).map(|t| t.to_utc())),
        };
        // A wall-clock time skipped by a clock change: the first instant after it.
        direct.or_else(|| {
            (1..=180).find_map(|m| self.instant_exact(local + chrono::Duration::minutes(m)))
        })
    }

    fn instant_exact(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::System => Local
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.to_utc()),
            Zone::Named(tz) => tz
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.to_utc()),
            Zone::Fixed(o) => o.from_local_datetime(&local).earliest().map(|t| t.to_utc()),
        }
    }

    /// The UTC instant local midnight of `date` begins at.
    pub fn midnight(self, date: NaiveDate) -> Option<DateTime<Utc>> {
        self.instant(date.and_hms_opt(0, 0, 0)?)
    }

    /// `--since`: a local date (its midnight in this zone), a local `YYYY-MM-DD HH:MM[:SS]`, or
    /// an RFC 3339 instant; as the stored UTC text.
    pub fn since(self, s: &str) -> anyhow::Result<String> {
        let t = s.trim();
        let bad = || {
            anyhow::anyhow!(
                "--since {s:?}: expected YYYY-MM-DD (local midnight), YYYY-MM-DD HH:MM (local) or an RFC 3339 instant"
            )
        };
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return self.midnight(d).map(crate::store::ts).ok_or_else(bad);
        }
        for fmt in [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
        ] {
            if let Ok(local) = NaiveDateTime::parse_from_str(t, fmt) {
                return self.instant(local).map(crate::store::ts).ok_or_else(bad);
            }
        }
        match DateTime::parse_from_rfc3339(t) {
            Ok(i) => Ok(crate::store::ts(i.with_timezone(&Utc))),
            Err(_) => Err(bad()),
        }
    }

    /// `2026-12-02T02:30:05+08:00`: a stored instant as RFC 3339 in this zone, for programs;
    /// text that is not a stored instant as it is.
    pub fn rfc3339(self, stored: &str) -> String {
        match parse_stored(stored) {
            Some(t) => self.at(t).to_rfc3339(),
            None => stored.to_string(),
        }
    }

    /// `2026-12-02 02:30:05 +08:00`: a stored instant to the second, for the audit trail.
    pub fn show_secs(self, stored: &str) -> String {
        match parse_stored(stored) {
            Some(t) => self.at(t).format("%Y-%m-%d %H:%M:%S %:z").to_string(),
            None => stored.to_string(),
        }
    }
}

/// A stored instant (`2026-12-01T18:30:00Z`, or any RFC 3339 text).
pub fn parse_stored(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_parse_and_show_local_time() {
        let sh: Zone = "Asia/Shanghai".parse().unwrap();
        assert_eq!(sh.show("2026-12-01T18:30:00Z"), "2026-12-02 02:30 +08:00");
        assert_eq!(sh.date("2026-12-01T18:30:00Z"), "2026-12-02");
        let plus8: Zone = "+08:00".parse().unwrap();
        assert_eq!(
            plus8.show("2026-12-01T18:30:00Z"),
            "2026-12-02 02:30 +08:00"
        );
        let utc: Zone = "UTC".parse().unwrap();
        assert_eq!(utc.show("2026-12-01T18:30:00Z"), "2026-12-01 18:30 +00:00");
        assert_eq!("UTC+8".parse::<Zone>().unwrap(), plus8);
        assert!("Mars/Olympus".parse::<Zone>().is_err());
        assert!("+25:00".parse::<Zone>().is_err());
        assert_eq!(sh.show("not a time"), "not a time");
    }

    #[test]
    fn local_midnight_is_the_right_instant() {
        let sh: Zone = "Asia/Shanghai".parse().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            crate::store::ts(sh.midnight(d).unwrap()),
            "2026-11-30T16:00:00Z"
        );
        // New York skips 02:00-03:00 on 2026-03-08: the first instant after the gap.
        let ny: Zone = "America/New_York".parse().unwrap();
        let gap = NaiveDate::from_ymd_opt(2026, 3, 8)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            crate::store::ts(ny.instant(gap).unwrap()),
            "2026-03-08T07:00:00Z"
        );
    }

    #[test]
    fn since_reads_local_time() {
        let sh: Zone = "Asia/Shanghai".parse().unwrap();
        assert_eq!(sh.since("2026-12-01").unwrap(), "2026-11-30T16:00:00Z");
        assert_eq!(
            sh.since("2026-12-01 02:30").unwrap(),
            "2026-11-30T18:30:00Z"
        );
        assert_eq!(
            sh.since("2026-12-01T00:00:00Z").unwrap(),
            "2026-12-01T00:00:00Z"
        );
        assert!(sh.since("yesterday").is_err());
        assert_eq!(
            sh.show_secs("2026-12-01T18:30:05Z"),
            "2026-12-02 02:30:05 +08:00"
        );
    }
}
