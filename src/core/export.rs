//! Downloads that people open in a spreadsheet (CSV and XLSX), written so that no cell is
//! ever run as a formula: the one guard used by every capability that exports a table.

use std::borrow::Cow;

/// A value a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, carriage
/// return at the start) is prefixed with an apostrophe, which shows it as text.
pub fn formula_safe(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// One CSV cell, quoted (RFC 4180) and guarded against formulas.
pub fn csv_cell(value: &str) -> String {
    format!("\"{}\"", formula_safe(value).replace('"', "\"\""))
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
pub fn sheet_name(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect()
}

/// Writes a table into a new worksheet: a bold header row that stays in view, then every
/// value as a text cell (text cells are never evaluated as formulas).
pub fn xlsx_table_sheet(
    workbook: &mut rust_xlsxwriter::Workbook,
    name: &str,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(name))?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, header, &bold)?;
    }
    for (index, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            sheet.write_string(index as u32 + 1, col as u16, value)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(csv_cell("=cmd|' /C calc'!A0"), "\"'=cmd|' /C calc'!A0\"");
        assert_eq!(csv_cell("+1"), "\"'+1\"");
        assert_eq!(csv_cell("@SUM(1)"), "\"'@SUM(1)\"");
        assert_eq!(csv_cell("-2+3"), "\"'-2+3\"");
        assert_eq!(csv_cell("plain \"quoted\""), "\"plain \"\"quoted\"\"\"");
        assert_eq!(formula_safe("Gent"), "Gent");
    }

    #[test]
    fn sheet_names_are_accepted_by_spreadsheets() {
        assert_eq!(sheet_name("a/b:c*d?e[f]g\\h"), "abcdefgh");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    }
}
