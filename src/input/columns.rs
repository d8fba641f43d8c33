//! Which column holds the search key: chosen by `--column`, or detected from the headers (codes
//! win over names; a name column is the fallback for rows whose code cell is empty).

use super::InputError;
use crate::normalize::fold_width;

/// Which column holds the key, and which holds a name to fall back on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub key_col: usize,
    /// A name column used when the code cell of a row is empty.
    pub fallback_col: Option<usize>,
    pub label: String,
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
];

/// Headers of the analyst's own row number or supplier id (序号, 供应商编码 ...).
const ID_HEADERS: &[&str] = &[
    "序号",
    "行号",
    "编号",
    "供应商编码",
    "供应商代码",
    "供应商编号",
    "客商编码",
    "客商编号",
    "客户编码",
    "往来单位编码",
    "物料供应商编码",
    "no",
    "id",
    "#",
    "seq",
    "supplierid",
    "suppliercode",
    "supplierno",
    "vendorid",
    "vendorcode",
    "vendorno",
];

/// The columns that tell the analyst which supplier a row is: their own id column (序号,
/// 供应商编码 ...) and the name column, in the file's order; the key column is never one of
/// them. A list with neither gets its first other column.
pub fn identifying_columns(headers: &[String], key_column: &str) -> Vec<usize> {
    let tokens: Vec<String> = headers.iter().map(|h| header_token(h)).collect();
    let key = headers.iter().position(|h| h == key_column);
    let usable = |i: &usize| Some(*i) != key;
    let id = ID_HEADERS
        .iter()
        .find_map(|c| tokens.iter().position(|t| t == c))
        .filter(usable);
    let name = find_header(&tokens, NAME_HEADERS).filter(usable);
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

/// The name column of a list, if it has one (never the key column).
pub fn name_column(headers: &[String], key_column: &str) -> Option<usize> {
    let tokens: Vec<String> = headers.iter().map(|h| header_token(h)).collect();
    find_header(&tokens, NAME_HEADERS)
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

/// Choose the key column (docs/design.md, `--column`).
pub fn select_column(
    path: &str,
    headers: &[String],
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
    if let Some(col) = column {
        let tok = header_token(col);
        let by_name = headers
            .iter()
            .position(|h| h.trim() == col.trim())
            .or_else(|| tokens.iter().position(|t| !tok.is_empty() && *t == tok));
        let idx = by_name.or_else(|| {
            col.trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .filter(|i| *i < headers.len())
        });
        return match idx {
            Some(i) => Ok(Selection {
                key_col: i,
                fallback_col: None,
                label: headers[i].clone(),
            }),
            None => Err(InputError::Column {
                path: path.into(),
                message: format!(
                    "--column {col:?} matches no header and no column number (1-based); the headers are: {}",
                    listing()
                ),
            }),
        };
    }
    let code = find_header(&tokens, CODE_HEADERS);
    let name = find_header(&tokens, NAME_HEADERS);
    match (code, name) {
        (Some(c), n) => Ok(Selection {
            key_col: c,
            fallback_col: n.filter(|n| *n != c),
            label: headers[c].clone(),
        }),
        (None, Some(n)) => Ok(Selection {
            key_col: n,
            fallback_col: None,
            label: headers[n].clone(),
        }),
        (None, None) if headers.len() == 1 => Ok(Selection {
            key_col: 0,
            fallback_col: None,
            label: headers[0].clone(),
        }),
        (None, None) => Err(InputError::Column {
            path: path.into(),
            message: format!(
                "no column looks like a company name or credit code; choose one with --column NAME or \
                 --column NUMBER (1-based). The headers are: {}",
                listing()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn identifying_columns_are_the_id_and_the_name() {
        let headers = h(&["序号", "供应商名称", "统一社会信用代码", "联系人"]);
        assert_eq!(
            identifying_columns(&headers, "统一社会信用代码"),
            vec![0, 1]
        );
        let headers = h(&["Vendor Code", "Tax ID", "Vendor Name"]);
        assert_eq!(identifying_columns(&headers, "Tax ID"), vec![0, 2]);
        assert_eq!(name_column(&headers, "Tax ID"), Some(2));
        // Neither: the first column that is not the key.
        let headers = h(&["统一社会信用代码", "备注"]);
        assert_eq!(identifying_columns(&headers, "统一社会信用代码"), vec![1]);
        // A name column that is the key column is not repeated.
        let headers = h(&["企业名称"]);
        assert!(identifying_columns(&headers, "企业名称").is_empty());
        assert_eq!(name_column(&headers, "企业名称"), None);
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
            let s = select_column("f", &headers, None).unwrap_or_else(|e| panic!("{h}: {e}"));
            assert_eq!(s.key_col, 1, "{h}");
            let cells: Vec<crate::input::Cell> = headers
                .iter()
                .map(|h| crate::input::Cell::Text(h.clone()))
                .collect();
            assert!(looks_like_header(&cells), "{h}");
        }
        // Codes win over names, and the name is the fallback.
        let headers: Vec<String> = vec!["客商名称".into(), "纳税人识别号".into()];
        let s = select_column("f", &headers, None).unwrap();
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
        let s = select_column("f", &h, None).unwrap();
        assert_eq!((s.key_col, s.fallback_col), (2, Some(1)));
        assert_eq!(select_column("f", &h, Some("2")).unwrap().key_col, 1);
        assert_eq!(select_column("f", &h, Some("备注")).unwrap().key_col, 3);
        let err = select_column("f", &["a".into(), "b".into()], None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1: \"a\"") && err.contains("--column"),
            "{err}"
        );
    }
}
