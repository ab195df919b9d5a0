//! Locations in untrusted text files (plans, Tentacle configs): byte offsets
//! turned into the `file:line:col` every error message starts with.

use std::fmt;

/// 1-based line and column (in characters) of a byte offset; an offset past
/// the end or inside a character is moved back to the nearest boundary.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

/// Writes `file:line:col: message`, or `file: message` when `line` is 0 (no location).
pub fn write_located(
    f: &mut fmt::Formatter<'_>,
    file: &str,
    line: usize,
    column: usize,
    message: &str,
) -> fmt::Result {
    if line == 0 {
        write!(f, "{file}: {message}")
    } else {
        write!(f, "{file}:{line}:{column}: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let text = "ab\ncé\nx";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 6), (2, 3), "é is one column");
        assert_eq!(line_col(text, 5), (2, 2), "inside é moves back");
        assert_eq!(line_col(text, 99), (3, 2));
    }
}
