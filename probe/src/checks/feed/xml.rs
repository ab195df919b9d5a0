//! Just enough XML for the feed rules (NuGet v2 service documents and
//! `$metadata`, `maven-metadata.xml`): quick-xml reads the whole bounded
//! body once; malformed XML (and most HTML) is `None`.

use quick_xml::events::Event;

/// An XML document read once: the root's local name, and every element's
/// local name with its attributes and whether it had text.
pub(super) struct XmlDoc {
    pub name: String,
    elements: Vec<XmlElement>,
}

/// An element's local name, its attributes (local names), and whether it had text.
type XmlElement = (String, Vec<(String, String)>, bool);

impl XmlDoc {
    pub fn attr_values(&self, element: &str, attr: &str) -> Vec<String> {
        self.elements
            .iter()
            .filter(|(n, ..)| n == element)
            .filter_map(|(_, attrs, _)| attrs.iter().find(|(k, _)| k == attr))
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn text_count(&self, element: &str) -> usize {
        self.elements
            .iter()
            .filter(|(n, _, text)| n == element && *text)
            .count()
    }
}

/// Parses a whole (bounded) XML body; `None` when it is not well-formed XML.
pub(super) fn xml_root(body: &[u8]) -> Option<XmlDoc> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut doc: Option<XmlDoc> = None;
    let mut depth = 0usize;
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        let opens = matches!(event, Event::Start(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let name = {
                    let n = e.local_name();
                    let n: &str = n.as_ref();
                    n.to_string()
                };
                let attrs = e
                    .attributes()
                    .filter_map(Result::ok)
                    .map(|a| {
                        let key = a.key.local_name();
                        let key: &str = key.as_ref();
                        (key.to_string(), a.value.to_string())
                    })
                    .collect();
                let doc = doc.get_or_insert_with(|| XmlDoc {
                    name: name.clone(),
                    elements: Vec::new(),
                });
                doc.elements.push((name, attrs, false));
                if opens {
                    depth += 1;
                }
            }
            Event::Text(t) if !t.as_ref().trim_ascii().is_empty() => {
                if let Some(last) = doc.as_mut().and_then(|d| d.elements.last_mut()) {
                    last.2 = true;
                }
            }
            Event::End(_) => depth = depth.checked_sub(1)?,
            Event::Eof => return if depth == 0 { doc } else { None },
            _ => {}
        }
        buf.clear();
    }
}
