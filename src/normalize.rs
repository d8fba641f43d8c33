//! Search keys: normalization and classification (docs/design.md, "Search keys").
//!
//! One normalized key is one company and at most one billed answer per screening, so everything
//! that would make two spellings of one code look different (full-width digits, stray spaces,
//! lower case) is folded here, and codes that cannot be right are rejected before a call is spent.

use serde::{Deserialize, Serialize};

/// What kind of search key a cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// Unified social credit code (统一社会信用代码), 18 characters, GB 32100-2015.
    Uscc,
    /// Old business registration number (注册号), 15 digits.
    RegNo,
    /// A company name.
    Name,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Uscc => "uscc",
            KeyKind::RegNo => "reg_no",
            KeyKind::Name => "name",
        }
    }

    pub fn parse(s: &str) -> Option<KeyKind> {
        match s {
            "uscc" => Some(KeyKind::Uscc),
            "reg_no" => Some(KeyKind::RegNo),
            "name" => Some(KeyKind::Name),
            _ => None,
        }
    }
}

/// A cell after normalization and classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The normalized key (empty for an empty cell).
    pub key: String,
    /// The kind the key looks like; `None` only for an empty cell.
    pub kind: Option<KeyKind>,
    /// Why the key is `invalid` locally (no call is spent on it), if it is.
    pub invalid: Option<String>,
    /// The kind of reason, for counting ("most rows are empty"); set with `invalid`.
    pub reason: Option<Reason>,
}

/// Why a cell gives no usable key, in a word: what [`Classified::invalid`] says at length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    Empty,
    TooLong,
    ControlChars,
    TooShort,
    /// A USCC whose check digit is wrong.
    CheckDigit,
    /// An 18-character code with a character a USCC never has.
    BadCharacter,
    /// An identifier the vendor does not know: 15 digits failing the 注册号 check (an old tax
    /// ID), 13-digit old numbers, 15/17/20-character tax IDs.
    NotACode,
    /// Text in a code column (`企合苏锡总字第0001`): not a code, and not sent as a name.
    TextInCodeColumn,
    /// A spreadsheet turned the code into a number.
    Spreadsheet,
    /// The row is too short to have the key column, or could not be decoded.
    Unreadable,
}

impl Reason {
    /// A short phrase for counts in messages.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Empty => "empty",
            Reason::TooLong => "too long",
            Reason::ControlChars => "control characters",
            Reason::TooShort => "shorter than 2 characters",
            Reason::CheckDigit => "wrong check digit",
            Reason::BadCharacter => "not a valid code character",
            Reason::NotACode => "not a code the vendor knows (old tax ID or number)",
            Reason::TextInCodeColumn => "text that is not a code",
            Reason::Spreadsheet => "changed into a number by the spreadsheet",
            Reason::Unreadable => "unreadable or missing cell",
        }
    }
}

impl Classified {
    /// The cell holds something in place of a code (an old tax ID, a 13-digit number) or nothing
    /// at all: a name in the same row may be queried instead.
    pub fn wants_fallback(&self) -> bool {
        matches!(self.reason, Some(Reason::Empty | Reason::NotACode))
    }

    fn refused(key: String, kind: Option<KeyKind>, reason: Reason, message: String) -> Self {
        Classified {
            key,
            kind,
            invalid: Some(message),
            reason: Some(reason),
        }
    }

    fn valid(key: String, kind: KeyKind) -> Self {
        Classified {
            key,
            kind: Some(kind),
            invalid: None,
            reason: None,
        }
    }
}

/// Options that change classification.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClassifyOptions {
    /// Query codes whose check digit is wrong anyway (early pilot codes).
    pub query_bad_checksums: bool,
}

/// The 31 characters a USCC may contain, in the order of their GB 32100-2015 values.
pub const USCC_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Fold full-width ASCII (U+FF01..U+FF5E) and the ideographic space to their half-width forms.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Characters that are invisible and mean nothing in a name or code: zero-width space, joiners,
/// word joiner, byte order marks, soft hyphen, Mongolian vowel separator. Cells copied from web
/// pages and PDFs carry them.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    )
}

/// A key cell longer than this is not a company (and not worth a call or a log line).
pub const MAX_KEY_BYTES: usize = 1024;

/// Trim, drop invisible characters, fold full-width ASCII, and collapse inner whitespace to one
/// space.
pub fn normalize(s: &str) -> String {
    let visible: String = s.chars().filter(|c| !is_invisible(*c)).collect();
    let folded = fold_width(&visible);
    let mut out = String::with_capacity(folded.len());
    for part in folded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Each ASCII character's value in [`USCC_CHARSET`] (`NOT_USCC`: not in it), looked up for every
/// character of every key read.
const USCC_VALUES: [u8; 128] = {
    let mut table = [NOT_USCC; 128];
    let chars = USCC_CHARSET.as_bytes();
    let mut i = 0;
    while i < chars.len() {
        table[chars[i] as usize] = i as u8;
        i += 1;
    }
    table
};
const NOT_USCC: u8 = u8::MAX;

fn uscc_value(c: char) -> Option<u32> {
    let v = *USCC_VALUES.get(c as usize)?;
    (v != NOT_USCC).then_some(u32::from(v))
}

/// The check character a USCC's first 17 characters call for (GB 32100-2015: weights 3^i mod 31),
/// or `None` when one of them is outside the charset.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut weight = 1u32;
    let mut n = 0;
    for c in first17.chars() {
        sum += uscc_value(c)? * weight;
        weight = weight * 3 % 31;
        n += 1;
    }
    if n != 17 {
        return None;
    }
    let check = (31 - sum % 31) % 31;
    USCC_CHARSET.chars().nth(check as usize)
}

/// The control characters of a cell (tabs and line breaks are whitespace, not control here),
/// shown escaped.
fn control_chars(s: &str) -> Option<String> {
    let found: Vec<String> = s
        .chars()
        .filter(|c| c.is_control() && !c.is_whitespace())
        .map(|c| c.escape_unicode().to_string())
        .collect();
    (!found.is_empty()).then(|| found.join(" "))
}

/// Control characters shown as escapes (`\u{7}`), everything else as is: safe to store and show.
pub fn escape_controls(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && !c.is_whitespace() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Spaces, hyphens and dots people put inside codes (`9123 8540 3NBC 5Y7Y HM`, `91238540-3NBC…`).
fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '\u{2010}'..='\u{2015}' | '\u{00B7}'))
        .collect::<String>()
        .to_ascii_uppercase()
}

/// GB/T 17710 (ISO 7064 MOD 11,10) over the first 14 digits: the state the check digit must
/// bring to 1 (mod 10).
fn mod_11_10(first14: &[u32]) -> u32 {
    first14.iter().fold(10, |p, x| {
        let s = match (p + x) % 10 {
            0 => 10,
            s => s,
        };
        s * 2 % 11
    })
}

fn digits(s: &str, n: usize) -> Option<Vec<u32>> {
    let d: Vec<u32> = s.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    (d.len() == n).then_some(d)
}

/// True when 15 digits carry a valid 注册号 check digit (GB/T 17710, ISO 7064 MOD 11,10): every
/// real 工商注册号 does; an old 15-digit 纳税人识别号 passes only by chance (1 in 10).
pub fn reg_no_check_ok(s: &str) -> bool {
    digits(s, 15).is_some_and(|d| (mod_11_10(&d[..14]) + d[14]) % 10 == 1)
}

/// The 注册号 check digit the first 14 digits call for (the simulator makes real-looking ones).
pub fn reg_no_check_digit(first14: &str) -> Option<char> {
    let p = mod_11_10(&digits(first14, 14)?);
    char::from_digit((11 - p) % 10, 10)
}

/// Letters and digits only, with enough digits to be an identifier rather than a name
/// (`3203211800348`, `36020675421091X`, `360723L27117308`): an old registration number or tax ID
/// the vendor does not know. English names (`3M`, `ABB`) have spaces or few digits.
fn identifier_like(s: &str) -> bool {
    let n = s.chars().count();
    (6..=24).contains(&n)
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().filter(char::is_ascii_digit).count() * 2 >= n
}

/// Classify a raw cell into a search key.
pub fn classify(raw: &str, opts: ClassifyOptions) -> Classified {
    if raw.len() > MAX_KEY_BYTES {
        let head: String = normalize(&raw.chars().take(40).collect::<String>());
        return Classified::refused(
            escape_controls(&head),
            Some(KeyKind::Name),
            Reason::TooLong,
            format!(
                "too long ({} bytes; a company name or code is far shorter than {MAX_KEY_BYTES})",
                raw.len()
            ),
        );
    }
    let key = normalize(raw);
    if key.is_empty() {
        return Classified::refused(key, None, Reason::Empty, "empty".into());
    }
    if let Some(found) = control_chars(&key) {
        return Classified::refused(
            escape_controls(&key),
            Some(KeyKind::Name),
            Reason::ControlChars,
            format!(
                "contains control characters ({found}): the cell was damaged in copying; retype it"
            ),
        );
    }
    let compacted = compact(&key);
    let n = compacted.chars().count();
    if n == 18 && compacted.chars().all(|c| uscc_value(c).is_some()) {
        return classify_uscc(compacted, opts);
    }
    if n == 15 && compacted.chars().all(|c| c.is_ascii_digit()) {
        return classify_reg_no(compacted);
    }
    let upper = key.to_ascii_uppercase();
    let n = upper.chars().count();
    let all_alnum = upper.chars().all(|c| c.is_ascii_alphanumeric());
    if n == 18 && all_alnum && upper.chars().any(|c| c.is_ascii_digit()) {
        return classify_uscc(upper, opts);
    }
    if identifier_like(&upper) {
        return Classified::refused(
            upper.clone(),
            Some(KeyKind::Name),
            Reason::NotACode,
            format!(
                "{upper:?} is not a code the vendor knows ({} characters: an old registration \
                 number or tax ID, not an 18-character 统一社会信用代码 or a 15-digit 注册号)",
                upper.chars().count()
            ),
        );
    }
    if n < 2 {
        return Classified::refused(
            key,
            Some(KeyKind::Name),
            Reason::TooShort,
            "shorter than 2 characters (the vendor answers 213)".into(),
        );
    }
    Classified::valid(key, KeyKind::Name)
}

/// 15 digits: a 注册号 when its check digit holds, else (usually) an old tax ID.
fn classify_reg_no(digits: String) -> Classified {
    if reg_no_check_ok(&digits) {
        return Classified::valid(digits, KeyKind::RegNo);
    }
    let message = format!(
        "{digits} fails the 注册号 check digit (GB/T 17710): probably an old 15-digit 纳税人识别号 \
         (tax ID), which the vendor does not know"
    );
    Classified::refused(digits, Some(KeyKind::RegNo), Reason::NotACode, message)
}

fn classify_uscc(code: String, opts: ClassifyOptions) -> Classified {
    if let Some((pos, c)) = code
        .chars()
        .enumerate()
        .find(|(_, c)| uscc_value(*c).is_none())
    {
        let message = format!(
            "not a valid unified social credit code: character '{c}' at position {} is not \
             allowed (I, O, S, V and Z never occur)",
            pos + 1
        );
        return Classified::refused(code, Some(KeyKind::Uscc), Reason::BadCharacter, message);
    }
    let (first17, last) = code.split_at(17);
    match uscc_check_char(first17) {
        Some(expected) if !last.starts_with(expected) && !opts.query_bad_checksums => {
            let message = format!(
                "check digit is '{last}', GB 32100-2015 expects '{expected}': probably a typo in the \
             supplier master (use --query-bad-checksums to query it anyway)"
            );
            Classified::refused(code, Some(KeyKind::Uscc), Reason::CheckDigit, message)
        }
        _ => Classified::valid(code, KeyKind::Uscc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> Classified {
        classify(s, ClassifyOptions::default())
    }

    #[test]
    fn the_value_table_is_the_charset() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32).take(70_000) {
            assert_eq!(
                uscc_value(c),
                USCC_CHARSET.find(c).map(|i| i as u32),
                "{c:?}"
            );
        }
    }

    #[test]
    fn real_codes_pass_the_check_digit() {
        // The code the issue names as real.
        let r = c("91350100M000100Y43");
        assert_eq!(r.kind, Some(KeyKind::Uscc));
        assert_eq!(r.invalid, None, "{:?}", r.invalid);
    }

    #[test]
    fn wrong_check_digit_names_the_expected_character() {
        let r = c("91350100M000100Y44");
        assert!(
            r.invalid.as_deref().unwrap_or("").contains("expects '3'"),
            "{r:?}"
        );
        let q = classify(
            "91350100M000100Y44",
            ClassifyOptions {
                query_bad_checksums: true,
            },
        );
        assert_eq!(q.invalid, None);
    }

    #[test]
    fn full_width_and_spaces_fold() {
        let r = c("　９１３５０１００ｍ０００１００ｙ４３ ");
        assert_eq!(r.key, "91350100M000100Y43");
        assert_eq!(r.invalid, None);
        assert_eq!(
            c("  上海  某某（集团） 有限公司 ").key,
            "上海 某某(集团) 有限公司"
        );
        assert_eq!(c("310115000123456").kind, Some(KeyKind::RegNo));
        assert_eq!(c("").invalid.as_deref(), Some("empty"));
        assert!(c("某").invalid.is_some());
        assert!(c("91350100O000100Y43").invalid.unwrap().contains("'O'"));
    }

    #[test]
    fn grouped_codes_invisible_and_control_characters() {
        let code = "91350100M000100Y43";
        for typed in [
            "9135 0100 M000 100Y 43",
            "91350100-M000100Y43",
            "9135.0100.M000.100Y.43",
            "\u{200B}91350100M000100Y43\u{FEFF}",
            "9135\u{2060}0100M000100Y43",
        ] {
            let r = c(typed);
            assert_eq!(
                (r.key.as_str(), r.kind, r.invalid.as_deref()),
                (code, Some(KeyKind::Uscc), None),
                "{typed:?}"
            );
        }
        assert_eq!(c("310115 000 123 456").kind, Some(KeyKind::RegNo));
        // A grouped code still gets its check digit tested.
        assert!(
            c("9135 0100 M000 100Y 44")
                .invalid
                .unwrap()
                .contains("expects '3'")
        );
        assert_eq!(c("上海\u{200B}某某有限公司").key, "上海某某有限公司");
        let nul = c("上海某某\u{0}有限公司");
        assert!(nul.invalid.unwrap().contains("control characters (\\u{0})"));
        assert!(!nul.key.contains('\u{0}'));
        assert!(c("91350100M000100Y43\u{7}").invalid.is_some());
        // A name with spaces that merely has 18 letters and digits stays a name.
        assert_eq!(c("Shanghai 123 Trading").kind, Some(KeyKind::Name));
        assert_eq!(c("Shanghai 123 Trading").invalid, None);
        let long = "某".repeat(400);
        assert!(c(&long).invalid.unwrap().starts_with("too long"));
    }

    fn arb_uscc17() -> impl Strategy<Value = String> {
        // Real codes start with a registration-authority digit, so the string stays code-shaped.
        proptest::collection::vec(0usize..31, 16).prop_map(|v| {
            std::iter::once('9')
                .chain(v.into_iter().map(|i| USCC_CHARSET.as_bytes()[i] as char))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn generated_check_digit_validates(first in arb_uscc17()) {
            let check = uscc_check_char(&first).unwrap();
            let code = format!("{first}{check}");
            prop_assert_eq!(c(&code).invalid, None);
            // Any other final character is rejected and the message names the expected one.
            for other in USCC_CHARSET.chars().filter(|x| *x != check) {
                let bad = c(&format!("{first}{other}"));
                let msg = bad.invalid.unwrap_or_default();
                prop_assert!(msg.contains(&format!("expects '{check}'")), "{}", msg);
            }
        }

        #[test]
        fn single_substitution_is_always_caught(first in arb_uscc17(), pos in 1usize..17, d in 1usize..31) {
            let check = uscc_check_char(&first).unwrap();
            let mut chars: Vec<char> = first.chars().collect();
            let v = USCC_CHARSET.find(chars[pos]).unwrap();
            chars[pos] = USCC_CHARSET.as_bytes()[(v + d) % 31] as char;
            let typo: String = chars.into_iter().collect();
            let code = format!("{typo}{check}");
            prop_assert!(c(&code).invalid.is_some());
        }

        #[test]
        fn full_width_folds_to_half_width(s in "[!-~]{0,40}") {
            let wide: String = s.chars().map(|ch| char::from_u32(ch as u32 + 0xFEE0).unwrap()).collect();
            prop_assert_eq!(fold_width(&wide), s.clone());
            prop_assert_eq!(c(&wide).key, c(&s).key);
        }

        #[test]
        fn invisible_characters_never_change_a_key(first in arb_uscc17(), at in 0usize..18, z in 0usize..5) {
            let code = format!("{first}{}", uscc_check_char(&first).unwrap());
            let zw = ['\u{200B}', '\u{FEFF}', '\u{2060}', '\u{200D}', '\u{00AD}'][z];
            let mut typed: Vec<char> = code.chars().collect();
            typed.insert(at, zw);
            let typed: String = typed.into_iter().collect();
            prop_assert_eq!(c(&typed), c(&code));
        }

        #[test]
        fn normalize_is_idempotent_and_never_panics(s in any::<String>()) {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
            let r = c(&s);
            prop_assert_eq!(c(&r.key).key, r.key);
        }
    }
}
