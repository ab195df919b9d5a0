//! Text from the network or from files, made safe to show: in a reason, an
//! error, a log line or a plan comment. One place, so every family escapes
//! the same way.

/// Bytes as text a report can hold: control characters and invalid UTF-8
/// shown as `\xNN`, cut at `max` characters with `…`.
pub fn printable(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                out.push_str(&format!("\\x{:02X}", c as u32 & 0xFF));
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    if out.chars().count() > max {
        out = out.chars().take(max).collect();
        out.push('…');
    }
    out
}

/// A value quoted in an error message: [`printable`], at most 60 characters.
pub fn excerpt(value: &str) -> String {
    printable(value.as_bytes(), 60)
}

/// `text` on one line: trimmed, control characters as spaces, at most `max`
/// characters (then `…`).
pub fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match flat.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

/// Text safe inside a TOML `#` comment: one line, control characters as `?`.
pub fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_controls_and_cuts() {
        assert_eq!(printable(b"SSH-2.0\r\n", 80), "SSH-2.0\\x0D\\x0A");
        assert_eq!(printable(&[0x16, 0x03, 0xff], 80), "\\x16\\x03\\xFF");
        assert_eq!(printable(b"abcdef", 3), "abc…");
        assert_eq!(excerpt(&"é".repeat(61)), format!("{}…", "é".repeat(60)));
    }

    #[test]
    fn one_line_and_comment_keep_text_on_its_line() {
        assert_eq!(one_line("  a\nb\x1b[31m  ", 80), "a b [31m");
        assert_eq!(one_line("abcdef", 3), "abc…");
        assert_eq!(comment("a\nb\r"), "a?b?");
    }
}
