//! Which column holds the search key: chosen by `--column`, or detected from the headers and
//! from what the first data rows hold (a header over values that are not codes loses to a column
//! whose values are), with a name column as the fallback for rows whose code cell holds no usable
//! code. Also which column is the supplier's own id (an ERP code wins over a row counter).

use super::content::{Survey, What};
use super::{Cell, InputError};
use crate::normalize::fold_width;

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
    /// The supplier's own id column (see [`id_by_header`]), never the key column.
    pub id_col: Option<usize>,
    /// Why a column was chosen over what its header says, for the run's summary.
    pub notes: Vec<ColumnNote>,
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
    let key = headers.iter().position(|h| h == key_column);
    let usable = |i: &usize| Some(*i) != key;
    let id = id_position(headers, key_column, id_column);
    let name = name_column(headers, key_column, fallback);
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

/// The id column a header names (an ERP code before a row counter), or the one ingest stored.
pub fn id_position(headers: &[String], key_column: &str, stored: Option<&str>) -> Option<usize> {
    let tokens: Vec<String> = headers.iter().map(|h| header_token(h)).collect();
    match stored {
        Some(stored) => headers.iter().position(|h| h == stored),
        None => id_by_header(&tokens, |_| false),
    }
    .filter(|i| headers.get(*i).map(String::as_str) != Some(key_column))
}

/// The supplier's id column: an ERP code column (供应商编码, vendor code ...) wins over a row
/// counter (序号, 行号, No., or a column whose values count 1, 2, 3 ...), which is used only
/// when there is nothing else.
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
    let listing = || listing(headers);
    let survey = Survey::of(headers.len(), sample);
    let usable = survey.choices(headers);
    let id_of = |key: usize| id_by_header(&tokens, |i| survey.is_counter(i)).filter(|i| *i != key);
    if let Some(col) = column {
        let i = forced(headers, &tokens, col).ok_or_else(|| InputError::Column {
            path: path.into(),
            message: format!(
                "--column {col:?} matches no header and no column number (1-based); the headers are: {}",
                listing()
            ),
        })?;
        return Ok(Selection {
            key_col: i,
            fallback_col: None,
            label: headers[i].clone(),
            role: Role::Mixed,
            id_col: id_of(i),
            notes: Vec::new(),
            usable,
        });
    }
    // Codes: the header's column when it holds codes, else the column that holds the most; the
    // same for names, beside the codes.
    let code_header = find_header(&tokens, CODE_HEADERS);
    let name_header = find_header(&tokens, NAME_HEADERS);
    let code = survey.choose(code_header, What::Codes, None);
    let name = survey.choose(name_header, What::Names, code);
    let notes: Vec<ColumnNote> = [
        (code, code_header, What::Codes),
        (name, name_header, What::Names),
    ]
    .into_iter()
    .filter_map(|(chosen, header, what)| {
        let (c, h) = (chosen?, header?);
        (c != h).then(|| moved_note(headers, c, h, survey.count(c, what), survey.rows(), what))
    })
    .collect();
    let mixed = |i: usize| tokens[i] == "searchkey";
    // Nothing holds keys: the header's choice, so the run can say what its cells hold.
    let (key, fallback, role) = match (code, name, code_header, name_header) {
        (Some(c), n, ..) => (c, n, if mixed(c) { Role::Mixed } else { Role::Code }),
        (None, Some(n), ..) => (n, None, Role::Name),
        (None, None, Some(c), _) if mixed(c) => (c, None, Role::Mixed),
        (None, None, Some(c), n) => (c, n, Role::Code),
        (None, None, None, Some(n)) => (n, None, Role::Name),
        (None, None, None, None) if headers.len() == 1 => (0, None, Role::Mixed),
        (None, None, None, None) => {
            return Err(InputError::Column {
                path: path.into(),
                message: format!(
                    "no column looks like a company name or credit code, by its header or by what \
                     its first rows hold; choose one with --column NAME or --column NUMBER \
                     (1-based). The headers are: {}",
                    listing()
                ),
            });
        }
    };
    Ok(Selection {
        key_col: key,
        fallback_col: fallback.filter(|f| *f != key),
        label: headers[key].clone(),
        role,
        id_col: id_of(key),
        notes,
        usable,
    })
}

/// `1: "序号", 2: "供应商名称"`: the headers, for messages that ask for `--column`.
fn listing(headers: &[String]) -> String {
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| format!("{}: {h:?}", i + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--column` by header (as written, or folded) or by 1-based number.
fn forced(headers: &[String], tokens: &[String], col: &str) -> Option<usize> {
    let tok = header_token(col);
    headers
        .iter()
        .position(|h| h.trim() == col.trim())
        .or_else(|| tokens.iter().position(|t| !tok.is_empty() && *t == tok))
        .or_else(|| {
            col.trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .filter(|i| *i < headers.len())
        })
}

/// Why a column was chosen against its header: column `chosen` holds `count` codes or names in
/// the first `rows` rows, under the header of another column's name (`header`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnNote {
    pub chosen: usize,
    pub chosen_header: String,
    pub count: usize,
    pub rows: usize,
    pub what: What,
    pub header: String,
    /// The two columns are neighbours: the header row looks shifted.
    pub shifted: bool,
}

impl std::fmt::Display for ColumnNote {
    /// `column 2 holds 5198 valid codes in the first 5233 rows under the header 纳税人名称: the
    /// header row looks shifted`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = if self.shifted {
            "the header row looks shifted".to_string()
        } else {
            format!("the column headed {:?} holds none", self.header)
        };
        write!(
            f,
            "column {} holds {} {} in the first {} rows under the header {:?}: {why}",
            self.chosen + 1,
            self.count,
            self.what.label(),
            self.rows,
            self.chosen_header
        )
    }
}

fn moved_note(
    headers: &[String],
    chosen: usize,
    header: usize,
    count: usize,
    rows: usize,
    what: What,
) -> ColumnNote {
    ColumnNote {
        chosen,
        chosen_header: headers[chosen].clone(),
        count,
        rows,
        what,
        header: headers[header].clone(),
        shifted: chosen.abs_diff(header) == 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_ROWS: &[Vec<Cell>] = &[];

    fn id_column(headers: &[String], sample: &[Vec<Cell>]) -> Option<usize> {
        select_column("f", headers, sample, None).unwrap().id_col
    }

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
            s.notes[0]
                .to_string()
                .contains("column 2 holds 3 valid codes")
                && s.notes[0].to_string().contains("header row looks shifted"),
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
        use crate::input::content::looks_like_company;
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
        assert_eq!(id_column(&headers, &sample(&rows)), Some(1));
        assert_eq!(
            identifying_columns(&headers, "统一社会信用代码", Some("供应商编码"), None),
            vec![1, 2]
        );
        // Only a counter: it is what the list has.
        let headers = h(&["序号", "供应商名称", "统一社会信用代码"]);
        let rows = [["1", "甲有限公司", CODES[0]], ["2", "乙有限公司", CODES[1]]];
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        assert_eq!(id_column(&headers, &sample(&rows)), Some(0));
        // An id header over values that count up loses to a code column.
        let headers = h(&["供应商编号", "客商编码", "名称"]);
        let rows = [
            ["1", "V-9", "甲公司"],
            ["2", "V-3", "乙公司"],
            ["3", "V-5", "丙公司"],
        ];
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        assert_eq!(id_column(&headers, &sample(&rows)), Some(1));
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
