//! Which column holds the search key: chosen by `--column`, or detected from the headers and
//! from what the first data rows hold (a header over values that are not codes loses to a column
//! whose values are), with a name column as the fallback for rows whose code cell holds no usable
//! code. Also which column is the supplier's own id (an ERP code wins over a row counter).

use super::{Cell, InputError};
use crate::normalize::{KeyKind, classify, fold_width, normalize};

/// What the key column holds, which decides what a cell that is not a code becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Codes: a cell that is not a usable code falls back to the row's name, never sent as a
    /// name itself.
    Code,
    /// Company names.
    Name,
    /// Anything the vendor takes (`searchKey`, a plain list, a forced `--column`).
    Mixed,
}

/// Which column holds the key, and which holds a name to fall back on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub key_col: usize,
    /// A name column used when the code cell of a row holds no usable code.
    pub fallback_col: Option<usize>,
    pub label: String,
    pub role: Role,
    /// Why a column was chosen over what its header says, for the run's summary.
    pub notes: Vec<String>,
    /// Columns whose first rows hold codes or company names, as `--column` choices
    /// (`--column 2 ("纳税人名称": 980 valid codes in the first 1000 rows)`).
    pub usable: Vec<(usize, String)>,
}

/// Headers of a code column (unified social credit code, registration number, tax number: in
/// China the taxpayer number of a company is its unified social credit code), folded by
/// [`header_token`]. One family per line.
const CODE_HEADERS: &[&str] = &[
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "统一代码",
    "注册号",
    "工商注册号",
    "税号",
    "纳税人识别号",
    "纳税识别号",
    "纳税人识别码",
    "creditcode",
    "uscc",
    "unifiedsocialcreditcode",
    "socialcreditcode",
    "taxid",
    "taxno",
    "taxnumber",
    "taxpayerid",
    "searchkey",
    "regno",
    "code",
];
/// Headers of a company-name column, as ERP exports spell them.
const NAME_HEADERS: &[&str] = &[
    "企业名称",
    "公司名称",
    "公司名字",
    "企业名字",
    "纳税人名称",
    "纳税人全称",
    "单位全称",
    "客商全称",
    "商户名称",
    "机构名称",
    "组织名称",
    "厂商名称",
    "厂家名称",
    "供应商名字",
    "供应商名称",
    "供应商全称",
    "供应商",
    "客商名称",
    "往来单位",
    "往来单位名称",
    "单位名称",
    "企业全称",
    "公司全称",
    "客户名称",
    "名称",
    "name",
    "company",
    "companyname",
    "supplier",
    "suppliername",
    "vendor",
    "vendorname",
    "enterprisename",
    "entname",
    "corpname",
    "firmname",
];

/// Headers of the supplier's id in the ERP (供应商编码, vendor code ...): these name a supplier.
const ID_HEADERS: &[&str] = &[
    "供应商编码",
    "供应商代码",
    "供应商编号",
    "供应商id",
    "客商编码",
    "客商代码",
    "客商编号",
    "客户编码",
    "客户编号",
    "往来单位编码",
    "物料供应商编码",
    "vendorcode",
    "vendorid",
    "vendorno",
    "vendornumber",
    "suppliercode",
    "supplierid",
    "supplierno",
    "suppliernumber",
];

/// Headers of a row counter (序号, 行号, No.): the analyst's id only when the list has no ERP
/// code column.
const COUNTER_HEADERS: &[&str] = &["序号", "行号", "编号", "no", "id", "#", "seq"];

/// The columns that tell the analyst which supplier a row is: their own id column (see
/// [`id_column`], or the one stored at ingest) and the name column, in the file's order; the key
/// column is never one of them. A list with neither gets its first other column.
pub fn identifying_columns(
    headers: &[String],
    key_column: &str,
    id_column: Option<&str>,
    fallback: Option<&str>,
) -> Vec<usize> {
    let tokens: Vec<String> = headers.iter().map(|h| header_token(h)).collect();
    let key = headers.iter().position(|h| h == key_column);
    let usable = |i: &usize| Some(*i) != key;
    let id = match id_column {
        Some(stored) => headers.iter().position(|h| h == stored),
        None => id_by_header(&tokens, |_| false),
    }
    .filter(usable);
    let name = name_column(headers, key_column, fallback).filter(usable);
    let mut cols: Vec<usize> = id.into_iter().chain(name).collect();
    cols.sort_unstable();
    cols.dedup();
    if cols.is_empty()
        && let Some(first) = (0..headers.len()).find(|i| usable(i))
    {
        cols.push(first);
    }
    cols
}

/// The supplier's id column: an ERP code column (供应商编码, vendor code ...) wins over a row
/// counter (序号, 行号, No., or any column whose values count 1, 2, 3 ...), which is used only
/// when there is nothing else.
pub fn id_column(
    headers: &[String],
    key_col: usize,
    sample: &[impl AsRef<[Cell]>],
) -> Option<usize> {
    let tokens: Vec<String> = headers.iter().map(|h| header_token(h)).collect();
    id_by_header(&tokens, |i| counts_up(sample, i)).filter(|i| *i != key_col)
}

fn id_by_header(tokens: &[String], is_counter: impl Fn(usize) -> bool) -> Option<usize> {
    let exact = |list: &[&str]| -> Vec<usize> {
        list.iter()
            .filter_map(|c| tokens.iter().position(|t| t == c))
            .collect()
    };
    let erp = exact(ID_HEADERS);
    erp.iter()
        .copied()
        .find(|i| !is_counter(*i))
        .or_else(|| find_header(tokens, ID_HEADERS).filter(|i| !is_counter(*i)))
        .or_else(|| exact(COUNTER_HEADERS).first().copied())
        .or_else(|| erp.first().copied())
}

/// A column whose filled cells read 1, 2, 3 ... (each one more than the last): a row counter.
fn counts_up(sample: &[impl AsRef<[Cell]>], col: usize) -> bool {
    let values: Vec<u64> = sample
        .iter()
        .filter_map(|r| r.as_ref().get(col))
        .filter(|c| **c != Cell::Empty)
        .map_while(|c| c.text().trim().parse::<u64>().ok())
        .collect();
    values.len() >= 3 && values.windows(2).all(|w| w[1] == w[0] + 1)
}

/// The name column of a list, if it has one (never the key column): the one ingest chose as
/// the fallback when it is known, else the one a header names.
pub fn name_column(headers: &[String], key_column: &str, fallback: Option<&str>) -> Option<usize> {
    let tokens: Vec<String> = headers.iter().map(|h| header_token(h)).collect();
    fallback
        .and_then(|f| headers.iter().position(|h| h == f))
        .or_else(|| find_header(&tokens, NAME_HEADERS))
        .filter(|i| headers.get(*i).map(String::as_str) != Some(key_column))
}

/// A header cell is short: a sentence that mentions 统一社会信用代码 (an instructions sheet) is not
/// one.
const MAX_HEADER_CHARS: usize = 16;

/// The position of the first cell matching one of `candidates`: equal after folding, or, for
/// candidates of 4+ characters, contained in a short cell (`供应商统一社会信用代码`).
fn find_header(tokens: &[String], candidates: &[&str]) -> Option<usize> {
    candidates
        .iter()
        .find_map(|c| tokens.iter().position(|t| t == c))
        .or_else(|| {
            candidates
                .iter()
                .filter(|c| c.chars().count() >= 4)
                .find_map(|c| {
                    tokens.iter().position(|t| {
                        t.chars().count() <= MAX_HEADER_CHARS
                            && !t.contains(['，', '。', '；', ',', ';'])
                            && t.contains(c)
                    })
                })
        })
}

/// True when a row's cells look like the header of a supplier list.
pub fn looks_like_header(cells: &[super::Cell]) -> bool {
    let tokens: Vec<String> = cells.iter().map(|c| header_token(c.text())).collect();
    find_header(&tokens, CODE_HEADERS).is_some() || find_header(&tokens, NAME_HEADERS).is_some()
}

/// Column names made unique: an empty header is `column N`, a repeated one gets ` (2)`, ` (3)`.
pub fn column_names(headers: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let base = if h.trim().is_empty() {
            format!("column {}", i + 1)
        } else {
            h.trim().to_string()
        };
        let mut name = base.clone();
        let mut n = 1;
        while out.contains(&name) {
            n += 1;
            name = format!("{base} ({n})");
        }
        out.push(name);
    }
    out
}

/// Fold a header for matching: width, case, spaces, `_`/`-`, and decorations such as `（必填）`,
/// `(required)` and `*`.
pub fn header_token(h: &str) -> String {
    let folded = fold_width(h).to_lowercase();
    let mut out = String::new();
    let mut depth = 0;
    for c in folded.chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = (depth - 1).max(0),
            _ if depth > 0 => {}
            c if c.is_whitespace()
                || matches!(c, '_' | '-' | '*' | ':' | '：' | '.' | '\u{feff}') => {}
            c => out.push(c),
        }
    }
    out
}

/// How many rows from the top of the data are read to judge what each column holds.
pub const SAMPLE_ROWS: usize = 1000;

/// What a column holds over the sampled rows.
#[derive(Debug, Clone, Copy, Default)]
struct Profile {
    /// Valid USCCs and 注册号 that pass their check digit.
    codes: usize,
    /// Values that read as company names (Chinese text ending in 公司, 厂, 中心 ..., or an
    /// English name with Ltd, Co., Inc. ...).
    names: usize,
}

/// A company name: short text, no long run of digits, ending as organisations' names end.
pub fn looks_like_company(cell: &str) -> bool {
    let t = normalize(cell);
    let n = t.chars().count();
    if !(4..=80).contains(&n) || t.contains(['；', '。', '，', ';']) {
        return false;
    }
    let mut run = 0;
    for c in t.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 6 {
            return false;
        }
    }
    // `(有限合伙)`, `(集团)`: the name ends before the brackets.
    let core = t.trim_end_matches(')');
    let core = match core.len() < t.len() {
        true => core.rsplit_once('(').map_or(core, |(head, _)| head),
        false => core,
    };
    const ENDS: &[&str] = &[
        "公司", "厂", "店", "中心", "社", "集团", "所", "院", "行", "部", "站", "场", "馆", "会",
        "处", "局", "校", "园", "队", "坊", "庄", "铺", "合伙", "户",
    ];
    let cjk = core
        .chars()
        .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
        .count();
    if cjk >= 3 {
        return ENDS.iter().any(|e| core.ends_with(e) || t.ends_with(e));
    }
    let lower = t.to_lowercase();
    lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        matches!(
            w,
            "ltd"
                | "limited"
                | "co"
                | "inc"
                | "corp"
                | "corporation"
                | "company"
                | "gmbh"
                | "llc"
                | "plc"
                | "ag"
                | "sa"
                | "bv"
                | "trading"
        )
    }) && lower.contains(' ')
}

fn profile(sample: &[impl AsRef<[Cell]>], col: usize) -> Profile {
    let mut p = Profile::default();
    for cell in sample.iter().filter_map(|r| r.as_ref().get(col)) {
        let t = cell.text();
        if t.trim().is_empty() {
            continue;
        }
        let c = classify(t, Default::default());
        match c.kind {
            Some(KeyKind::Uscc | KeyKind::RegNo) if c.invalid.is_none() => p.codes += 1,
            _ if looks_like_company(t) => p.names += 1,
            _ => {}
        }
    }
    p
}

/// Enough of the sampled rows hold it for the column to be that column: three in ten.
fn holds(count: usize, rows: usize) -> bool {
    count > 0 && count * 10 >= rows * 3
}

/// Choose the key column (docs/design.md, `--column`): `--column` wins; otherwise the code
/// column whose values are codes (by header first, then by what it holds), with the name
/// column (by header over names, else by what it holds) as the fallback; a single column is
/// used as is. `sample` is the first data rows.
pub fn select_column(
    path: &str,
    headers: &[String],
    sample: &[impl AsRef<[Cell]>],
    column: Option<&str>,
) -> Result<Selection, InputError> {
    let tokens: Vec<String> = headers.iter().map(|h| header_token(h)).collect();
    let listing = || {
        headers
            .iter()
            .enumerate()
            .map(|(i, h)| format!("{}: {h:?}", i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rows = sample
        .iter()
        .filter(|r| r.as_ref().iter().any(|c| !c.text().trim().is_empty()))
        .count();
    let profiles: Vec<Profile> = (0..headers.len()).map(|i| profile(sample, i)).collect();
    let code_header = find_header(&tokens, CODE_HEADERS);
    let name_header = find_header(&tokens, NAME_HEADERS);
    let mut notes = Vec::new();
    let best = |score: fn(&Profile) -> usize, skip: Option<usize>| {
        (0..headers.len())
            .filter(|i| Some(*i) != skip && holds(score(&profiles[*i]), rows))
            .max_by_key(|i| (score(&profiles[*i]), std::cmp::Reverse(*i)))
    };
    let codes = |p: &Profile| p.codes;
    let names = |p: &Profile| p.names;
    // Codes: the header's column when it holds codes, else the column that holds the most.
    let code = match code_header {
        Some(c) if rows == 0 || holds(profiles[c].codes, rows) => Some(c),
        _ => best(codes, None),
    };
    if let (Some(c), Some(h)) = (code, code_header)
        && c != h
    {
        notes.push(moved_note(
            headers,
            c,
            h,
            profiles[c].codes,
            rows,
            "valid codes",
        ));
    }
    let name = match name_header {
        Some(n) if Some(n) != code && (rows == 0 || holds(profiles[n].names, rows)) => Some(n),
        _ => best(names, code),
    };
    if let (Some(n), Some(h)) = (name, name_header)
        && n != h
    {
        notes.push(moved_note(
            headers,
            n,
            h,
            profiles[n].names,
            rows,
            "company names",
        ));
    }
    let usable: Vec<(usize, String)> = profiles
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let (n, what) = if p.codes >= p.names {
                (p.codes, "valid codes")
            } else {
                (p.names, "company names")
            };
            holds(n, rows).then(|| {
                (
                    i,
                    format!(
                        "--column {} ({:?}: {n} {what} in the first {rows} rows)",
                        i + 1,
                        headers[i]
                    ),
                )
            })
        })
        .collect();
    if let Some(col) = column {
        return forced(headers, &tokens, col, usable).ok_or_else(|| InputError::Column {
            path: path.into(),
            message: format!(
                "--column {col:?} matches no header and no column number (1-based); the headers are: {}",
                listing()
            ),
        });
    }
    let selection =
        |key: usize, fallback: Option<usize>, role: Role, notes: Vec<String>| Selection {
            key_col: key,
            fallback_col: fallback.filter(|f| *f != key),
            label: headers[key].clone(),
            role,
            notes,
            usable: usable.clone(),
        };
    let mixed_header = |i: usize| tokens[i] == "searchkey";
    match (code, name) {
        (Some(c), n) if mixed_header(c) => Ok(selection(c, n, Role::Mixed, notes)),
        (Some(c), n) => Ok(selection(c, n, Role::Code, notes)),
        (None, Some(n)) => Ok(selection(n, None, Role::Name, notes)),
        // Nothing holds keys: the header's choice, so the run can say what its cells hold.
        (None, None) => match (code_header, name_header) {
            (Some(c), _) if mixed_header(c) => Ok(selection(c, None, Role::Mixed, notes)),
            (Some(c), n) => Ok(selection(c, n, Role::Code, notes)),
            (None, Some(n)) => Ok(selection(n, None, Role::Name, notes)),
            (None, None) if headers.len() == 1 => Ok(selection(0, None, Role::Mixed, notes)),
            (None, None) => Err(InputError::Column {
                path: path.into(),
                message: format!(
                    "no column looks like a company name or credit code, by its header or by what \
                     its first rows hold; choose one with --column NAME or --column NUMBER \
                     (1-based). The headers are: {}",
                    listing()
                ),
            }),
        },
    }
}

/// `--column` by header (as written, or folded) or by 1-based number.
fn forced(
    headers: &[String],
    tokens: &[String],
    col: &str,
    usable: Vec<(usize, String)>,
) -> Option<Selection> {
    let tok = header_token(col);
    let by_name = headers
        .iter()
        .position(|h| h.trim() == col.trim())
        .or_else(|| tokens.iter().position(|t| !tok.is_empty() && *t == tok));
    let i = by_name.or_else(|| {
        col.trim()
            .parse::<usize>()
            .ok()
            .and_then(|i| i.checked_sub(1))
            .filter(|i| *i < headers.len())
    })?;
    Some(Selection {
        key_col: i,
        fallback_col: None,
        label: headers[i].clone(),
        role: Role::Mixed,
        notes: Vec::new(),
        usable,
    })
}

/// `column 2 holds 5198 valid codes in the first 5233 rows under the header 纳税人名称: the
/// header row looks shifted`.
fn moved_note(
    headers: &[String],
    chosen: usize,
    header: usize,
    count: usize,
    rows: usize,
    what: &str,
) -> String {
    let why = if chosen.abs_diff(header) == 1 {
        "the header row looks shifted".to_string()
    } else {
        format!("the column headed {:?} holds none", headers[header])
    };
    format!(
        "column {} holds {count} {what} in the first {rows} rows under the header {:?}: {why}",
        chosen + 1,
        headers[chosen]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_ROWS: &[Vec<Cell>] = &[];

    fn h(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn identifying_columns_are_the_id_and_the_name() {
        let headers = h(&["序号", "供应商名称", "统一社会信用代码", "联系人"]);
        assert_eq!(
            identifying_columns(&headers, "统一社会信用代码", None, None),
            vec![0, 1]
        );
        let headers = h(&["Vendor Code", "Tax ID", "Vendor Name"]);
        assert_eq!(
            identifying_columns(&headers, "Tax ID", None, None),
            vec![0, 2]
        );
        assert_eq!(name_column(&headers, "Tax ID", None), Some(2));
        // Neither: the first column that is not the key.
        let headers = h(&["统一社会信用代码", "备注"]);
        assert_eq!(
            identifying_columns(&headers, "统一社会信用代码", None, None),
            vec![1]
        );
        // A name column that is the key column is not repeated.
        let headers = h(&["企业名称"]);
        assert!(identifying_columns(&headers, "企业名称", None, None).is_empty());
        assert_eq!(name_column(&headers, "企业名称", None), None);
    }

    /// One family per line: every spelling ERP exports use, each found beside an unrelated column.
    #[test]
    fn synonym_families_are_recognised() {
        let code = [
            "统一社会信用代码",
            "社会信用代码",
            "信用代码",
            "税号",
            "纳税人识别号",
            "Tax ID",
            "tax_no",
            "注册号",
            "USCC",
        ];
        let name = [
            "供应商名称",
            "供应商全称",
            "客商名称",
            "往来单位",
            "单位名称",
            "企业全称",
            "客户名称",
            "Vendor Name",
            "Supplier",
        ];
        for h in code.iter().chain(&name) {
            let headers: Vec<String> = vec!["备注".into(), h.to_string()];
            let s =
                select_column("f", &headers, NO_ROWS, None).unwrap_or_else(|e| panic!("{h}: {e}"));
            assert_eq!(s.key_col, 1, "{h}");
            let cells: Vec<crate::input::Cell> = headers
                .iter()
                .map(|h| crate::input::Cell::Text(h.clone()))
                .collect();
            assert!(looks_like_header(&cells), "{h}");
        }
        // Codes win over names, and the name is the fallback.
        let headers: Vec<String> = vec!["客商名称".into(), "纳税人识别号".into()];
        let s = select_column("f", &headers, NO_ROWS, None).unwrap();
        assert_eq!((s.key_col, s.fallback_col), (1, Some(0)));
        // A sentence that mentions the code column is not a header.
        let sentence =
            crate::input::Cell::Text("请在统一社会信用代码列填写18位代码，不要填写注册号。".into());
        assert!(!looks_like_header(&[sentence]));
        assert_eq!(
            column_names(&["a".into(), "".into(), "a".into()]),
            ["a", "column 2", "a (2)"]
        );
    }

    #[test]
    fn headers_tolerate_decorations() {
        assert_eq!(header_token("统一社会信用代码（必填）"), "统一社会信用代码");
        assert_eq!(header_token(" Supplier Name "), "suppliername");
        let h: Vec<String> = ["内部编号", "供应商名称", "统一社会信用代码（必填）", "备注"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s = select_column("f", &h, NO_ROWS, None).unwrap();
        assert_eq!((s.key_col, s.fallback_col), (2, Some(1)));
        assert_eq!(
            select_column("f", &h, NO_ROWS, Some("2")).unwrap().key_col,
            1
        );
        assert_eq!(
            select_column("f", &h, NO_ROWS, Some("备注"))
                .unwrap()
                .key_col,
            3
        );
        let err = select_column("f", &["a".into(), "b".into()], NO_ROWS, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1: \"a\"") && err.contains("--column"),
            "{err}"
        );
    }

    fn sample(rows: &[&[&str]]) -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|r| r.iter().map(|c| Cell::Text(c.to_string())).collect())
            .collect()
    }

    const CODES: [&str; 3] = [
        "91350100M000100Y43",
        "9132128370400363XT",
        "9132100214083527X9",
    ];

    /// Heilongjiang's list: a tab where a comma belongs puts every header one column left of
    /// its data. The codes are under 纳税人名称 and the names under 信用级别.
    #[test]
    fn a_shifted_header_loses_to_the_columns_that_hold_codes_and_names() {
        let headers = h(&["编号\t纳税人识别号", "纳税人名称", "信用级别", "评价年度"]);
        let rows: Vec<[&str; 4]> = CODES
            .iter()
            .map(|c| ["1", *c, "哈尔滨某某机械制造有限公司", "A"])
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        let s = select_column("f", &headers, &sample(&rows), None).unwrap();
        assert_eq!(
            (s.key_col, s.fallback_col, s.role),
            (1, Some(2), Role::Code)
        );
        assert!(
            s.notes[0].contains("column 2 holds 3 valid codes")
                && s.notes[0].contains("header row looks shifted"),
            "{:?}",
            s.notes
        );
        // The header's choice stands when its values are codes.
        let headers = h(&["纳税人识别号", "纳税人名称"]);
        let rows: Vec<[&str; 2]> = CODES.iter().map(|c| [*c, "某某有限公司"]).collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        let s = select_column("f", &headers, &sample(&rows), None).unwrap();
        assert_eq!((s.key_col, s.fallback_col, s.notes.len()), (0, Some(1), 0));
    }

    /// Headers no table has (`Ctlprtconm`, a CSMAR field) are found by what they hold.
    #[test]
    fn names_are_found_by_content_and_an_address_is_not_a_name() {
        let headers = h(&["Ctlprtconm", "注册地址"]);
        let rows = [
            ["北京某某科技有限公司", "北京市海淀区中关村大街1号"],
            ["上海某某贸易有限公司", "上海市浦东新区世纪大道100号"],
            ["深圳某某电子厂", "深圳市南山区科技园8栋"],
        ];
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        let s = select_column("f", &headers, &sample(&rows), None).unwrap();
        assert_eq!((s.key_col, s.role), (0, Role::Name));
        assert!(looks_like_company("Acme Trading Co., Ltd."));
        assert!(looks_like_company("某某(北京)投资管理中心(有限合伙)"));
        assert!(!looks_like_company("北京市海淀区中关村大街1号"));
        assert!(!looks_like_company("91350100M000100Y43"));
    }

    /// A supplier's id is the ERP code, not the row counter beside it; a column counting 1, 2,
    /// 3 ... under an id header is a counter too.
    #[test]
    fn an_erp_code_wins_over_a_row_counter() {
        let headers = h(&["序号", "供应商编码", "供应商名称", "统一社会信用代码"]);
        let rows = [
            ["1", "S001", "甲有限公司", CODES[0]],
            ["2", "S007", "乙有限公司", CODES[1]],
            ["3", "S002", "丙有限公司", CODES[2]],
        ];
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        assert_eq!(id_column(&headers, 3, &sample(&rows)), Some(1));
        assert_eq!(
            identifying_columns(&headers, "统一社会信用代码", Some("供应商编码"), None),
            vec![1, 2]
        );
        // Only a counter: it is what the list has.
        let headers = h(&["序号", "供应商名称", "统一社会信用代码"]);
        let rows = [["1", "甲有限公司", CODES[0]], ["2", "乙有限公司", CODES[1]]];
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        assert_eq!(id_column(&headers, 2, &sample(&rows)), Some(0));
        // An id header over values that count up loses to a code column.
        let headers = h(&["供应商编号", "客商编码", "名称"]);
        let rows = [
            ["1", "V-9", "甲公司"],
            ["2", "V-3", "乙公司"],
            ["3", "V-5", "丙公司"],
        ];
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        assert_eq!(id_column(&headers, 2, &sample(&rows)), Some(1));
    }

    /// One test per family of name headers added for real lists.
    #[test]
    fn name_header_families_of_real_lists() {
        for name in [
            "纳税人名称",
            "公司名字",
            "公司名称",
            "企业名字",
            "单位全称",
            "客商全称",
        ] {
            let headers = h(&["备注", name]);
            let s = select_column("f", &headers, NO_ROWS, None).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((s.key_col, s.role), (1, Role::Name), "{name}");
        }
    }
}
