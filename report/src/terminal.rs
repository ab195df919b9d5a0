//! Text bound for a terminal. Reasons, targets, host names and every other
//! string of a report come from servers, proxies or a file someone else
//! wrote; printed raw, an escape sequence in one could recolour the screen,
//! move the cursor, rewrite earlier lines (a forged `GO`), set the window
//! title or hide what follows. Every writer of terminal text (the results
//! table, the merge matrix, the diff, `report verify`, the binary's error
//! line) passes each untrusted string through [`clean`]; the Markdown and
//! HTML documents drop the same characters their own way
//! ([`crate::document::is_stripped_control`]).

use std::borrow::Cow;

/// True for a character that never reaches the terminal: every control
/// character (C0 with ESC, DEL, C1 with CSI) and the bidirectional
/// overrides and isolates that reorder what is shown.
fn is_dropped(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One line of terminal text: tab, newline and carriage return become spaces
/// (a string cannot start a line of its own), every other control character
/// and bidirectional override is dropped. Borrows when nothing changes.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_dropped) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if is_dropped(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_overrides_are_dropped_and_line_breaks_become_spaces() {
        assert_eq!(
            clean("\u{1b}[2J\u{1b}]0;title\u{7}open\u{9b}31m\r\nGO\u{202e}og\u{7f}\u{0}"),
            "[2J]0;titleopen31m  GOog"
        );
        assert!(matches!(clean("plain é ✓ text"), Cow::Borrowed(_)));
        for c in (0u32..0x20).chain(0x7f..0xa0) {
            let c = char::from_u32(c).unwrap();
            assert!(
                !clean(&format!("a{c}b")).chars().any(char::is_control),
                "{c:?} survived"
            );
        }
    }
}
