//! Every vendor status code and what the pipeline does with it: the table of
//! `vendor-api/README.md` in one place. A newcomer reads [`classify_status`] and knows the policy.

use serde::Serialize;

/// What a vendor status (or an HTTP/transport failure) means for the key and the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// 200: store the records, fetch further pages.
    Found,
    /// 201: checked and absent; an answer, not an error.
    NotFound,
    /// Invalid input; the key is final and never retried.
    Invalid,
    /// The vendor does not support this key; final, message kept.
    Unsupported,
    /// Retry the key later with backoff, bounded attempts.
    Transient,
    /// 110: do not call this key again for two hours; the run goes on.
    Defer,
    /// 120/122: back off globally, then retry the key.
    SlowDown,
    /// Arrears, balance or daily quota: stop the run cleanly, exit 3.
    Quota,
    /// Credentials or permissions rejected: stop the run cleanly, exit 4.
    Fatal,
}

/// Classify a vendor `Status` code (the string the vendor sends).
pub fn classify_status(code: &str) -> Class {
    match code.trim() {
        "200" => Class::Found,
        "201" => Class::NotFound,
        "202" | "213" | "215" | "223" => Class::Invalid,
        "207" | "208" | "209" | "218" | "219" => Class::Unsupported,
        "205" | "199" | "203" => Class::Transient,
        "110" => Class::Defer,
        "120" | "122" => Class::SlowDown,
        "102" | "109" | "112" | "116" => Class::Quota,
        "101" | "103" | "104" | "105" | "106" | "107" | "108" | "111" | "113" | "114" | "115"
        | "117" | "118" | "119" | "121" | "214" => Class::Fatal,
        // Unknown codes: retried with bounded attempts and logged loudly by the caller.
        _ => Class::Transient,
    }
}

/// True when the code is one the vendor document lists (unknown codes are logged loudly).
pub fn is_documented(code: &str) -> bool {
    const KNOWN: &[&str] = &[
        "200", "201", "202", "205", "207", "208", "209", "213", "215", "218", "219", "223", "105",
        "110", "101", "102", "103", "104", "106", "107", "108", "109", "111", "112", "113", "114",
        "115", "116", "117", "118", "119", "120", "121", "122", "199", "203", "214",
    ];
    KNOWN.contains(&code.trim())
}

/// What to tell the operator for a fatal code, beyond the vendor's message.
pub fn fatal_hint(code: &str) -> &'static str {
    match code.trim() {
        "107" | "115" => {
            "check QCC_SECRET_KEY and the system clock (the Timespan must be within about 5 minutes \
             of the vendor's clock), and that this machine's IP is allowed"
        }
        "101" | "103" | "104" => "check QCC_KEY: the vendor does not accept this key",
        "111" | "214" | "113" | "114" | "105" => {
            "the interface is not purchased, enabled or online for this account: contact the vendor"
        }
        _ => "fix the account or configuration with the vendor, then run the same command again",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_vendor_readme() {
        let cases = [
            ("200", Class::Found),
            ("201", Class::NotFound),
            ("223", Class::Invalid),
            ("219", Class::Unsupported),
            ("205", Class::Transient),
            ("110", Class::Defer),
            ("122", Class::SlowDown),
            ("116", Class::Quota),
            ("115", Class::Fatal),
            ("214", Class::Fatal),
            ("999", Class::Transient),
        ];
        for (code, class) in cases {
            assert_eq!(classify_status(code), class, "{code}");
        }
        assert!(!is_documented("999"));
        assert!(is_documented(" 122"));
    }
}
