//! The canonical form of [`crate::integrity`], written straight from any
//! `Serialize`, without building a `serde_json::Value` first.
//!
//! The bytes are those of `integrity::canonical` over `serde_json::to_value`
//! of the same thing: no whitespace, object keys sorted by their UTF-16 code
//! units (a repeated key keeps its last value, as a `Value` map does),
//! strings and numbers as serde_json writes them (an `f32` widened to `f64`,
//! a non-finite float as `null`, as `to_value` does). The tests hold the two
//! paths to the same bytes.
//!
//! An object is sorted by buffering its members' bytes until it ends, so a
//! document would be buffered whole. [`Top::stream`] names one top-level
//! field (a report's `results`) that is written through instead: when it
//! arrives, the members sorting before it are written, then it goes straight
//! to the output element by element, and the members after it are buffered.
//! That holds only while no member sorting before it arrives after it; one
//! that does fails the write ([`is_out_of_order`]) and the caller writes
//! again without streaming.
//!
//! [`Tee`] serializes a document once into two outputs at the same time:
//! pretty JSON for the reader and the canonical form for the digest.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::io::Write;
use std::ops::Range;

use serde::ser::{self, Serialize};

mod tee;
pub use tee::{Tee, TeeStruct};

pub type Error = serde_json::Error;

const OUT_OF_ORDER: &str =
    "canonical form: a member sorting before the streamed field came after it";

/// What happens to the top-level object.
#[derive(Debug, Clone, Copy, Default)]
pub struct Top {
    /// A top-level member left out (the digest field).
    pub skip: Option<&'static str>,
    /// A top-level member written through as it is serialized, not buffered.
    pub stream: Option<&'static str>,
}

/// Writes `value` in canonical form.
pub fn write<T: Serialize + ?Sized, W: Write>(
    value: &T,
    out: &mut W,
    top: Top,
) -> Result<(), Error> {
    value.serialize(Canonical {
        out,
        top: Some(top),
    })
}

/// Whether a write failed because a member came after the streamed field
/// it sorts before (write again without [`Top::stream`]).
pub fn is_out_of_order(e: &Error) -> bool {
    e.to_string().starts_with(OUT_OF_ORDER)
}

pub(crate) fn custom(message: impl std::fmt::Display) -> Error {
    <Error as ser::Error>::custom(message)
}

fn scalar<W: Write, T: Serialize + ?Sized>(out: &mut W, value: &T) -> Result<(), Error> {
    serde_json::to_writer(out, value)
}

fn raw<W: Write>(out: &mut W, bytes: &[u8]) -> Result<(), Error> {
    out.write_all(bytes).map_err(Error::io)
}

/// The order of keys: by UTF-16 code units, as RFC 8785 sorts them.
pub fn key_order(a: &str, b: &str) -> Ordering {
    // UTF-8 bytes sort as code points do, and code points as UTF-16 code
    // units do, except past U+FFFF (a surrogate pair sorts before
    // U+E000..U+FFFF). So the bytes decide unless the first difference is
    // in a character that is not ASCII.
    let (x, y) = (a.as_bytes(), b.as_bytes());
    match x.iter().zip(y).position(|(p, q)| p != q) {
        None => x.len().cmp(&y.len()),
        Some(i) if x[i].is_ascii() && y[i].is_ascii() => x[i].cmp(&y[i]),
        Some(_) => a.encode_utf16().cmp(b.encode_utf16()),
    }
}

/// The canonical serializer over one output.
pub struct Canonical<'o, W> {
    out: &'o mut W,
    /// `Some` for the document itself, `None` below it.
    top: Option<Top>,
}

impl<'o, W: Write> Canonical<'o, W> {
    fn nested(out: &'o mut W) -> Self {
        Canonical { out, top: None }
    }
}

impl<'o, W: Write> ser::Serializer for Canonical<'o, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'o, W>;
    type SerializeTuple = Seq<'o, W>;
    type SerializeTupleStruct = Seq<'o, W>;
    type SerializeTupleVariant = Seq<'o, W>;
    type SerializeMap = Object<'o, W>;
    type SerializeStruct = Object<'o, W>;
    type SerializeStructVariant = Object<'o, W>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        raw(self.out, if v { b"true" } else { b"false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        // As `to_value`: a number only while it fits 64 bits.
        match (u64::try_from(v), i64::try_from(v)) {
            (Ok(u), _) => scalar(self.out, &u),
            (_, Ok(i)) => scalar(self.out, &i),
            _ => Err(custom("number out of range")),
        }
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        match u64::try_from(v) {
            Ok(u) => scalar(self.out, &u),
            Err(_) => Err(custom("number out of range")),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // `to_value` keeps an f32 as the f64 it widens to.
        scalar(self.out, &f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        scalar(self.out, &v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        scalar(self.out, v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result<(), Error> {
        raw(self.out, b"null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        raw(self.out, b"null")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        raw(self.out, b"null")
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        scalar(self.out, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        raw(self.out, b"{")?;
        scalar(self.out, variant)?;
        raw(self.out, b":")?;
        value.serialize(Canonical::nested(&mut *self.out))?;
        raw(self.out, b"}")
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'o, W>, Error> {
        raw(self.out, b"[")?;
        Ok(Seq {
            out: self.out,
            first: true,
            close: b"]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'o, W>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq<'o, W>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'o, W>, Error> {
        raw(self.out, b"{")?;
        scalar(self.out, variant)?;
        raw(self.out, b":[")?;
        Ok(Seq {
            out: self.out,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'o, W>, Error> {
        Ok(Object::new(self.out, self.top.unwrap_or_default(), None))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Object<'o, W>, Error> {
        Ok(Object::new(self.out, self.top.unwrap_or_default(), None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Object<'o, W>, Error> {
        raw(self.out, b"{")?;
        scalar(self.out, variant)?;
        raw(self.out, b":")?;
        Ok(Object::new(self.out, Top::default(), Some(b"}")))
    }
}

/// An array (or a tuple variant's array) being written.
pub struct Seq<'o, W> {
    out: &'o mut W,
    first: bool,
    close: &'static [u8],
}

impl<W: Write> Seq<'_, W> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            raw(self.out, b",")?;
        }
        self.first = false;
        value.serialize(Canonical::nested(&mut *self.out))
    }
}

impl<W: Write> ser::SerializeSeq for Seq<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        raw(self.out, self.close)
    }
}

impl<W: Write> ser::SerializeTuple for Seq<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        raw(self.out, self.close)
    }
}

impl<W: Write> ser::SerializeTupleStruct for Seq<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        raw(self.out, self.close)
    }
}

impl<W: Write> ser::SerializeTupleVariant for Seq<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        raw(self.out, self.close)
    }
}

/// An object being written: members buffered until the end, then sorted,
/// except the streamed one (see the module's documentation). Every member's
/// bytes go into one buffer; the members are ranges of it.
pub struct Object<'o, W> {
    out: &'o mut W,
    top: Top,
    /// Written after the closing `}` (a struct variant's own `}`).
    suffix: Option<&'static [u8]>,
    members: Vec<(Cow<'static, str>, Range<usize>)>,
    buffer: Vec<u8>,
    /// A map's key waiting for its value.
    key: Option<String>,
    /// The streamed member's key, once it has been written.
    streamed: Option<&'static str>,
    /// Whether `{` and at least one member are out already.
    written: bool,
}

impl<'o, W: Write> Object<'o, W> {
    pub(crate) fn new(out: &'o mut W, top: Top, suffix: Option<&'static [u8]>) -> Self {
        let (members, buffer) = SPARE
            .with(|spare| spare.borrow_mut().pop())
            .unwrap_or_default();
        Object {
            out,
            top,
            suffix,
            members,
            buffer,
            key: None,
            streamed: None,
            written: false,
        }
    }

    pub(crate) fn member<T: Serialize + ?Sized>(
        &mut self,
        key: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Error> {
        if self.top.skip == Some(key.as_ref()) {
            return Ok(());
        }
        if let Some(streamed) = self.streamed {
            if key_order(&key, streamed) != Ordering::Greater {
                return Err(custom(format_args!(
                    "{OUT_OF_ORDER} (`{key}` after `{streamed}`)"
                )));
            }
        } else if let Some(stream) = self.top.stream.filter(|s| *s == key.as_ref()) {
            // Everything sorting before the streamed member goes out now.
            sort_members(&mut self.members);
            let later = self
                .members
                .iter()
                .position(|(k, _)| key_order(k, stream) == Ordering::Greater)
                .unwrap_or(self.members.len());
            let rest = self.members.split_off(later);
            let before = std::mem::replace(&mut self.members, rest);
            raw(self.out, b"{")?;
            for (k, range) in &before {
                write_member(self.out, &mut self.written, k, &self.buffer[range.clone()])?;
            }
            if self.written {
                raw(self.out, b",")?;
            }
            scalar(self.out, stream)?;
            raw(self.out, b":")?;
            value.serialize(Canonical::nested(&mut *self.out))?;
            self.written = true;
            self.streamed = Some(stream);
            return Ok(());
        }
        let start = self.buffer.len();
        value.serialize(Canonical::nested(&mut self.buffer))?;
        self.members.push((key, start..self.buffer.len()));
        Ok(())
    }

    /// Writes what is left and closes the object; gives the output back.
    pub(crate) fn finish(mut self) -> Result<&'o mut W, Error> {
        if self.streamed.is_none() {
            raw(self.out, b"{")?;
        }
        sort_members(&mut self.members);
        for (k, range) in &self.members {
            write_member(self.out, &mut self.written, k, &self.buffer[range.clone()])?;
        }
        raw(self.out, b"}")?;
        if let Some(suffix) = self.suffix {
            raw(self.out, suffix)?;
        }
        give_back(
            std::mem::take(&mut self.members),
            std::mem::take(&mut self.buffer),
        );
        Ok(self.out)
    }
}

/// An object's member list and byte buffer, kept for the next object: a
/// report of 20,000 results opens 60,000 objects, one after another.
type Spare = (Vec<(Cow<'static, str>, Range<usize>)>, Vec<u8>);

thread_local! {
    /// A few of them (objects nest a few levels deep), each small.
    static SPARE: std::cell::RefCell<Vec<Spare>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn give_back(mut members: Vec<(Cow<'static, str>, Range<usize>)>, mut buffer: Vec<u8>) {
    if buffer.capacity() > 64 * 1024 || members.capacity() > 1024 {
        return;
    }
    members.clear();
    buffer.clear();
    SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < 16 {
            spare.push((members, buffer));
        }
    });
}

fn write_member<W: Write>(
    out: &mut W,
    written: &mut bool,
    key: &str,
    bytes: &[u8],
) -> Result<(), Error> {
    if *written {
        raw(out, b",")?;
    }
    *written = true;
    scalar(out, key)?;
    raw(out, b":")?;
    raw(out, bytes)
}

/// Sorts members by key and keeps the last of a repeated key.
fn sort_members(members: &mut Vec<(Cow<'static, str>, Range<usize>)>) {
    // Stable: of a repeated key, the last one written stays last.
    members.sort_by(|a, b| key_order(&a.0, &b.0));
    members.dedup_by(|later, earlier| {
        if later.0 == earlier.0 {
            std::mem::swap(later, earlier);
            true
        } else {
            false
        }
    });
}

impl<W: Write> ser::SerializeStruct for Object<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish().map(drop)
    }
}

impl<W: Write> ser::SerializeStructVariant for Object<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.member(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish().map(drop)
    }
}

impl<W: Write> ser::SerializeMap for Object<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // Keys are small: take serde_json's own rule for which become strings.
        let key = match serde_json::to_value(key)? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => return Err(custom("key must be a string")),
        };
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| custom("a map value came without its key"))?;
        self.member(Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish().map(drop)
    }
}

#[cfg(test)]
mod tests;
