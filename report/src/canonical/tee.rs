//! [`Tee`]: one serialization of a document into two outputs at once,
//! pretty JSON for the reader and the canonical form for the digest.

use std::borrow::Cow;
use std::io::Write;

use serde::ser::{self, Impossible, Serialize};
use serde_json::ser::{Compound, PrettyFormatter};

use super::{Error, Object, Top, custom};

/// Serializes a document (a struct) once into pretty JSON on `pretty` and
/// its canonical form on `canonical`. The digest field ([`Top::skip`]) is
/// left out of both; when the document ends, `seal` is given the canonical
/// output (`None` when the streamed write failed: it must then compute the
/// digest another way) and returns the digest, which the pretty output gets
/// as its last member.
pub struct Tee<'a, P, C, S> {
    pub pretty: &'a mut serde_json::Serializer<P, PrettyFormatter<'static>>,
    pub canonical: &'a mut C,
    pub top: Top,
    pub seal: S,
}

/// The two halves of a [`Tee`] inside the document.
pub struct TeeStruct<'a, P, C, S> {
    pretty: Compound<'a, P, PrettyFormatter<'static>>,
    canonical: Option<Object<'a, C>>,
    digest_field: &'static str,
    seal: S,
}

fn not_a_document<T>() -> Result<T, Error> {
    Err(custom("expected a document (a struct)"))
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<(), Error> { not_a_document() })*
    };
}

impl<'a, P, C, S> ser::Serializer for Tee<'a, P, C, S>
where
    P: Write,
    C: Write,
    S: FnOnce(Option<&mut C>) -> String,
{
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = TeeStruct<'a, P, C, S>;
    type SerializeStructVariant = Impossible<(), Error>;

    refuse! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_bytes(&[u8]); serialize_none(); serialize_unit();
        serialize_unit_struct(&'static str); serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        not_a_document()
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        not_a_document()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        not_a_document()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        not_a_document()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        not_a_document()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        not_a_document()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        not_a_document()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        not_a_document()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        not_a_document()
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<TeeStruct<'a, P, C, S>, Error> {
        Ok(TeeStruct {
            pretty: ser::Serializer::serialize_struct(self.pretty, name, len)?,
            canonical: Some(Object::new(self.canonical, self.top, None)),
            digest_field: self.top.skip.unwrap_or_default(),
            seal: self.seal,
        })
    }
}

impl<P, C, S> ser::SerializeStruct for TeeStruct<'_, P, C, S>
where
    P: Write,
    C: Write,
    S: FnOnce(Option<&mut C>) -> String,
{
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if key == self.digest_field {
            return Ok(());
        }
        ser::SerializeStruct::serialize_field(&mut self.pretty, key, value)?;
        if let Some(canonical) = &mut self.canonical
            && canonical.member(Cow::Borrowed(key), value).is_err()
        {
            // The seal recomputes the digest without streaming.
            self.canonical = None;
        }
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        let TeeStruct {
            mut pretty,
            canonical,
            digest_field,
            seal,
        } = self;
        let digest = seal(canonical.and_then(|object| object.finish().ok()));
        ser::SerializeStruct::serialize_field(&mut pretty, digest_field, &digest)?;
        ser::SerializeStruct::end(pretty)
    }
}
