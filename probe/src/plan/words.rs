//! Plan errors in the plan's own words. The TOML deserializer speaks Rust
//! (`invalid type: string "1", expected usize`); a person editing a plan
//! reads TOML: which key, what kind of value it takes, what was written and
//! how to write it instead. Pure text over the message and the source.

/// The deserializer's `message` about the value at byte `offset` of `source`,
/// reworded: `` `concurrency`: expected a number, found the text "1" (write
/// it without quotes: concurrency = 1) ``. Messages it does not know keep
/// their words, with the key in front when one is found.
pub fn reword(message: &str, source: &str, offset: Option<usize>) -> String {
    let key = offset.and_then(|o| key_at(source, o));
    let body = match message.strip_prefix("invalid type: ") {
        Some(rest) => match rest.split_once(", expected ") {
            Some((found, expected)) => {
                let mut text = format!("expected {}, found {}", kind(expected), found_words(found));
                if let Some(hint) = hint(found, expected, key.as_deref()) {
                    text.push_str(&format!(" ({hint})"));
                }
                text
            }
            None => message.to_string(),
        },
        None => match message.strip_prefix("invalid value: ") {
            Some(rest) => match rest.split_once(", expected ") {
                Some((found, expected)) => {
                    format!("expected {}, found {}", kind(expected), found_words(found))
                }
                None => message.to_string(),
            },
            None => message.to_string(),
        },
    };
    match key {
        Some(key) if !body.contains(&format!("`{key}`")) => format!("`{key}`: {body}"),
        _ => body,
    }
}

/// What a Rust type name means in TOML.
fn kind(expected: &str) -> String {
    let expected = expected.trim();
    let integer = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    if integer.contains(&expected) || expected == "an integer" {
        return "a number (a whole number, without quotes)".into();
    }
    match expected {
        "f32" | "f64" | "a float" => "a number (without quotes)".into(),
        "a boolean" | "bool" => "true or false (without quotes)".into(),
        "a string" | "a borrowed string" | "string" => "text in double quotes".into(),
        "a sequence" | "a vec" => "a list in brackets: [\"…\", \"…\"]".into(),
        "a map" => "a table (a [section] or { key = value })".into(),
        other if other.starts_with("struct ") => "a table (a [section] or { key = value })".into(),
        other => other.to_string(),
    }
}

/// What the deserializer found, as TOML calls it.
fn found_words(found: &str) -> String {
    let found = found.trim();
    if let Some(text) = found.strip_prefix("string ") {
        return format!("the text {text}");
    }
    for (rust, toml) in [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
    ] {
        if let Some(value) = found.strip_prefix(rust) {
            return format!("{toml}{}", value.trim_matches('`'));
        }
    }
    match found {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        other => other.to_string(),
    }
}

/// How to write it instead, when that is clear.
fn hint(found: &str, expected: &str, key: Option<&str>) -> Option<String> {
    let text = found.strip_prefix("string ")?.trim().trim_matches('"');
    let key = key.unwrap_or("key");
    match kind(expected).as_str() {
        k if k.starts_with("a number") && text.parse::<f64>().is_ok() => {
            Some(format!("write it without quotes: {key} = {text}"))
        }
        k if k.starts_with("true or false") && matches!(text, "true" | "false") => {
            Some(format!("write it without quotes: {key} = {text}"))
        }
        _ => None,
    }
}

/// The key whose value starts at `offset`: the bare or quoted name before
/// the `=` on that line (`  concurrency = "1"` → `concurrency`).
fn key_at(source: &str, offset: usize) -> Option<String> {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let (name, _) = line.rsplit_once('=')?;
    // In an inline table (`{ a = 1, b = "x" }`) the key follows the last `,` or `{`.
    let name = name.rsplit([',', '{']).next().unwrap_or(name).trim();
    let name = name.trim_matches('"');
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    valid.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(source: &str, needle: &str) -> Option<usize> {
        source.find(needle)
    }

    #[test]
    fn a_quoted_number_names_the_key_and_how_to_write_it() {
        let source = "version = 1\n[defaults]\nconcurrency = \"1\"\n";
        assert_eq!(
            reword(
                "invalid type: string \"1\", expected usize",
                source,
                at(source, "\"1\"")
            ),
            "`concurrency`: expected a number (a whole number, without quotes), found the text \"1\" (write it without quotes: concurrency = 1)"
        );
    }

    #[test]
    fn lists_strings_booleans_and_tables_are_named_as_toml_names_them() {
        let source = "[[datacenter.dns]]\nname = [\"a\"]\n";
        assert_eq!(
            reword(
                "invalid type: sequence, expected a string",
                source,
                at(source, "[\"a\"]")
            ),
            "`name`: expected text in double quotes, found a list"
        );
        let source = "x = { same_everywhere = \"yes\" }\n";
        assert_eq!(
            reword(
                "invalid type: string \"yes\", expected a boolean",
                source,
                at(source, "\"yes\"")
            ),
            "`same_everywhere`: expected true or false (without quotes), found the text \"yes\""
        );
        assert_eq!(
            reword(
                "invalid type: integer `5`, expected a string",
                "name = 5",
                Some(7)
            ),
            "`name`: expected text in double quotes, found the number 5"
        );
        assert_eq!(
            reword(
                "invalid type: string \"x\", expected a sequence",
                "tcp = \"x\"",
                Some(6)
            ),
            "`tcp`: expected a list in brackets: [\"…\", \"…\"], found the text \"x\""
        );
    }

    #[test]
    fn messages_already_in_plain_words_keep_them_with_the_key() {
        let source = "severity = \"fatal\"\n";
        assert_eq!(
            reword(
                "unknown variant `fatal`, expected one of `blocker`, `warning`, `info`",
                source,
                at(source, "\"fatal\"")
            ),
            "`severity`: unknown variant `fatal`, expected one of `blocker`, `warning`, `info`"
        );
        // No key found (a whole-table error): the message as it was.
        assert_eq!(
            reword("missing field `name`", "[[datacenter]]\n", Some(0)),
            "missing field `name`"
        );
        assert_eq!(reword("anything", "", None), "anything");
    }
}
