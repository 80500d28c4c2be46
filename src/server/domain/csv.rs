//! CSV as spreadsheets read and write it (RFC 4180): one writer for every
//! export (the audit log, pricing decisions) and one reader for imports.

/// A CSV field, quoted when it must be. A value a spreadsheet would run as
/// a formula (=, +, -, @, or a tab or return first, after any spaces) is
/// defused with a leading apostrophe; a plain negative number (a minus,
/// then only digits and a decimal point) stays one.
pub fn cell(value: &str) -> String {
    let first = value.trim_start_matches(' ').chars().next();
    let negative_number = value.trim().strip_prefix('-').is_some_and(|digits| {
        digits.bytes().any(|b| b.is_ascii_digit()) && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    });
    let formula = matches!(first, Some('=' | '+' | '@' | '\t' | '\r')) || (first == Some('-') && !negative_number);
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Reads CSV text into rows of fields: quoted fields may hold commas,
/// quotes ("") and newlines; a byte-order mark, CRLF line ends and blank
/// lines are taken in stride.
pub fn parse(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| r.iter().any(|c| !c.trim().is_empty()));
    rows
}

#[cfg(test)]
mod tests {
    use super::{cell, parse};

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("Rose cake"), "Rose cake");
        assert_eq!(cell("a, b"), "\"a, b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("  =1+1"), "'  =1+1");
        assert_eq!(cell("\tcmd"), "'\tcmd");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-12.50"), "-12.50");
        assert_eq!(cell("-cmd"), "'-cmd");
        assert_eq!(cell("-1+1"), "'-1+1");
        assert_eq!(cell(" -3"), " -3");
        assert_eq!(cell("-inf"), "'-inf");
        assert_eq!(cell("-NaN"), "'-NaN");
        assert_eq!(cell("-2e3"), "'-2e3");
        assert_eq!(cell("-"), "'-");
    }

    #[test]
    fn rows_with_quotes_commas_and_blank_lines() {
        let rows = parse("\u{feff}sku,cost\r\n\"A,1\",\"80.00\"\n\nB \"x\",9\n\"say \"\"hi\"\"\",1");
        assert_eq!(
            rows,
            vec![
                vec!["sku", "cost"],
                vec!["A,1", "80.00"],
                vec!["B \"x\"", "9"],
                vec!["say \"hi\"", "1"],
            ]
        );
    }
}
