//! The XML layer of a `Tentacle.config`: `<octopus-settings>` holding
//! `<set key="…">value</set>` elements, read with quick-xml into a list of
//! settings with their positions. Nothing here interprets a value.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::ConfigError;

/// One `<set key="…">value</set>` and where it starts (a byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub offset: usize,
}

/// What the XML layer found: the settings in file order, and elements it skipped.
#[derive(Debug, Default)]
pub struct Settings {
    pub settings: Vec<Setting>,
    /// Elements other than `<set>` directly under the root (skipped, with their name).
    pub skipped_elements: Vec<String>,
}

/// Reads the settings of an `<octopus-settings>` document.
pub fn read_settings(text: &str, file: &str) -> Result<Settings, ConfigError> {
    let err = |offset: usize, message: String| ConfigError::at(file, text, offset, message);
    let mut reader = Reader::from_str(text);
    let mut out = Settings::default();
    // Where we are: before the root, inside it, inside a <set>, or after it.
    let mut seen_root = false;
    let mut root_closed = false;
    let mut current: Option<Setting> = None;
    // Depth of elements being skipped (unknown elements under the root).
    let mut skip_depth = 0usize;
    loop {
        let offset = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            err(
                reader.error_position() as usize,
                format!("not well-formed XML: {e}"),
            )
        })?;
        match event {
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            // Inside an element we skip: only count depth.
            Event::Start(_) if skip_depth > 0 => skip_depth += 1,
            Event::End(_) if skip_depth > 0 => skip_depth -= 1,
            Event::Empty(_) | Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
                if skip_depth > 0 => {}
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.name().as_ref().to_string();
                let is_empty = matches!(event, Event::Empty(_));
                if root_closed {
                    return Err(err(
                        offset,
                        format!("expected nothing after </octopus-settings>, found <{name}>"),
                    ));
                }
                if !seen_root {
                    if name != "octopus-settings" {
                        return Err(err(
                            offset,
                            format!(
                                "expected the root element <octopus-settings> of a Tentacle.config, found <{name}>"
                            ),
                        ));
                    }
                    seen_root = true;
                    root_closed = is_empty;
                    continue;
                }
                if let Some(set) = &current {
                    return Err(err(
                        offset,
                        format!(
                            "expected only text inside <set key=\"{}\">, found the element <{name}>",
                            set.key
                        ),
                    ));
                }
                if name != "set" {
                    out.skipped_elements.push(name);
                    if !is_empty {
                        skip_depth = 1;
                    }
                    continue;
                }
                let mut key = None;
                for attr in e.attributes() {
                    let attr =
                        attr.map_err(|e| err(offset, format!("bad attribute in <set>: {e}")))?;
                    if attr.key.as_ref() == "key" {
                        let value = attr
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| {
                                err(offset, format!("bad `key` attribute in <set>: {e}"))
                            })?;
                        key = Some(value.into_owned());
                    }
                }
                let Some(key) = key else {
                    return Err(err(
                        offset,
                        "expected a `key` attribute on <set> (like <set key=\"Tentacle.Services.PortNumber\">)".into(),
                    ));
                };
                let setting = Setting {
                    key,
                    value: String::new(),
                    offset,
                };
                if is_empty {
                    out.settings.push(setting);
                } else {
                    current = Some(setting);
                }
            }
            Event::End(e) => {
                let name = e.name().as_ref().to_string();
                if let Some(set) = current.take() {
                    out.settings.push(set);
                } else if name == "octopus-settings" && seen_root && !root_closed {
                    root_closed = true;
                } else {
                    return Err(err(offset, format!("unexpected closing tag </{name}>")));
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                push_text(&mut current, &content, offset, &err)?;
            }
            Event::CData(t) => {
                let content = t.xml10_content();
                push_text(&mut current, &content, offset, &err)?;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r)
                        .ok_or_else(|| {
                            err(
                                offset,
                                format!("unknown entity `&{};` (only the five XML entities and character references are allowed)", &*r),
                            )
                        })?
                        .to_string(),
                    Err(e) => return Err(err(offset, format!("bad character reference: {e}"))),
                };
                push_text(&mut current, &resolved, offset, &err)?;
            }
        }
    }
    if !seen_root {
        return Err(err(
            text.len(),
            "expected a Tentacle.config (<octopus-settings> with <set key=…> elements), found no <octopus-settings> element".into(),
        ));
    }
    if let Some(set) = current {
        return Err(err(
            text.len(),
            format!(
                "the file ends inside <set key=\"{}\">: it is truncated",
                set.key
            ),
        ));
    }
    if !root_closed || skip_depth > 0 {
        return Err(err(
            text.len(),
            "the file ends before </octopus-settings>: it is truncated".into(),
        ));
    }
    Ok(out)
}

fn push_text(
    current: &mut Option<Setting>,
    content: &str,
    offset: usize,
    err: &impl Fn(usize, String) -> ConfigError,
) -> Result<(), ConfigError> {
    match current {
        Some(set) => {
            set.value.push_str(content);
            Ok(())
        }
        None if content.trim().is_empty() => Ok(()),
        None => Err(err(
            offset,
            format!(
                "expected only <set> elements, found text `{}`",
                super::excerpt(content.trim())
            ),
        )),
    }
}
