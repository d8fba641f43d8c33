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

const CODE_HEADERS: &[&str] = &[
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "统一代码",
    "注册号",
    "工商注册号",
    "creditcode",
    "uscc",
    "unifiedsocialcreditcode",
    "socialcreditcode",
    "searchkey",
    "regno",
    "code",
];
const NAME_HEADERS: &[&str] = &[
    "企业名称",
    "公司名称",
    "供应商名称",
    "供应商",
    "客户名称",
    "单位名称",
    "名称",
    "name",
    "company",
    "companyname",
    "supplier",
    "suppliername",
    "vendor",
    "vendorname",
];

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
    let find = |cands: &[&str]| {
        cands
            .iter()
            .find_map(|c| tokens.iter().position(|t| t == c))
            .or_else(|| {
                cands
                    .iter()
                    .filter(|c| c.chars().count() >= 4)
                    .find_map(|c| tokens.iter().position(|t| t.contains(c)))
            })
    };
    let code = find(CODE_HEADERS);
    let name = find(NAME_HEADERS);
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
