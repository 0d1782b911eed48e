//! A TOML document as a tree of values that remember where they are in the source, so
//! that every problem can name its line.
//!
//! The `toml` crate (0.8) hands out byte spans only through `toml::Spanned<T>`. This
//! module deserializes the whole document into [`Node`]s by asking, at every level, for a
//! spanned value; levels that have no span in the source (an implicit table made by a
//! dotted key, say) are accepted without one, and problems there fall back to the line
//! of the nearest enclosing value. The marker names that `toml::Spanned` and
//! `toml::value::Datetime` use on the wire are read from those types themselves (see
//! [`Markers`]), not copied from their private constants.

use std::cell::Cell;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A value with the byte range it came from, if the parser knows it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    /// The value.
    pub value: Value,
    /// Byte range in the source.
    pub span: Option<Range<usize>>,
}

/// A TOML value whose children are [`Node`]s.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    /// A TOML date-time literal, as text.
    Datetime(String),
    Array(Vec<Node>),
    /// Entries in document order.
    Table(Vec<Entry>),
}

/// One `key = value` of a table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    /// The key.
    pub key: String,
    /// Byte range of the key, if known.
    pub key_span: Option<Range<usize>>,
    /// The value.
    pub node: Node,
}

impl Value {
    /// What kind of TOML value this is, for messages ("a string", "a table", ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "a whole number",
            Value::Float(_) => "a decimal number",
            Value::Boolean(_) => "true/false",
            Value::Datetime(_) => "a date",
            Value::Array(_) => "a list",
            Value::Table(_) => "a table",
        }
    }
}

/// Parses a TOML document.
///
/// # Errors
/// The `toml` crate's syntax error.
pub(crate) fn parse(source: &str) -> Result<Node, toml::de::Error> {
    toml::from_str::<Node>(source)
}

/// The 1-based line of a byte offset, counted as the `toml` crate counts it in its own
/// messages (an offset past the end is on the line of the last character).
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len().saturating_sub(1));
    source.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// The wire names `toml::Spanned` and `toml::value::Datetime` ask the deserializer for.
#[derive(Debug, Clone, Copy)]
struct Markers {
    spanned: &'static str,
    spanned_fields: &'static [&'static str],
    datetime: &'static str,
}

fn markers() -> Option<Markers> {
    static MARKERS: OnceLock<Option<Markers>> = OnceLock::new();
    *MARKERS.get_or_init(|| {
        let spanned = capture(|c| toml::Spanned::<()>::deserialize(c).map(|_| ()))?;
        let datetime = capture(|c| toml::value::Datetime::deserialize(c).map(|_| ()))?;
        if spanned.1.len() != 3 {
            return None;
        }
        Some(Markers { spanned: spanned.0, spanned_fields: spanned.1, datetime: datetime.1.first().copied()? })
    })
}

type Captured = (&'static str, &'static [&'static str]);

/// Runs a type's `Deserialize` against a deserializer that only records the struct name
/// and fields it is asked for.
fn capture(f: impl FnOnce(Capture<'_>) -> Result<(), de::value::Error>) -> Option<Captured> {
    let cell = Cell::new(None);
    let _ = f(Capture(&cell));
    cell.get()
}

struct Capture<'a>(&'a Cell<Option<Captured>>);

impl<'de> Deserializer<'de> for Capture<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("capture only"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(Some((name, fields)));
        Err(de::Error::custom("capture only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match markers() {
            Some(m) => d.deserialize_struct(m.spanned, m.spanned_fields, NodeVisitor),
            None => d.deserialize_any(NodeVisitor),
        }
    }
}

/// A value asked for without a span (the inside of a spanned value).
struct Bare(Value);

impl<'de> Deserialize<'de> for Bare {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor).map(|n| Bare(n.value))
    }
}

/// A table key with its span when the parser gives one.
struct Key(String, Option<Range<usize>>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match markers() {
            Some(m) => d.deserialize_struct(m.spanned, m.spanned_fields, KeyVisitor),
            None => d.deserialize_any(KeyVisitor),
        }
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(Key(v.to_string(), None))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
        Ok(Key(v, None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Key, A::Error> {
        let (start, end, name) = read_spanned::<A, String>(&mut map)?;
        Ok(Key(name, Some(start..end)))
    }
}

/// Reads the three entries of a spanned value: start, end, value.
fn read_spanned<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: &mut A) -> Result<(usize, usize, T), A::Error> {
    let mut start = None;
    let mut end = None;
    let mut value = None;
    let fields = markers().map_or(&[][..], |m| m.spanned_fields);
    while let Some(k) = map.next_key::<String>()? {
        match fields.iter().position(|f| *f == k) {
            Some(0) => start = Some(map.next_value::<usize>()?),
            Some(1) => end = Some(map.next_value::<usize>()?),
            Some(_) => value = Some(map.next_value::<T>()?),
            None => {
                return Err(de::Error::custom(format!("unexpected field '{k}' in a spanned value")));
            }
        }
    }
    match (start, end, value) {
        (Some(s), Some(e), Some(v)) => Ok((s, e, v)),
        _ => Err(de::Error::custom("incomplete spanned value")),
    }
}

struct NodeVisitor;

impl NodeVisitor {
    fn bare(value: Value) -> Node {
        Node { value, span: None }
    }
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Self::bare(Value::Boolean(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Self::bare(Value::Integer(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        i64::try_from(v).map(|v| Self::bare(Value::Integer(v))).map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Self::bare(Value::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Self::bare(Value::String(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Self::bare(Value::String(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Self::bare(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let Some(m) = markers() else {
            return table(None, map).map(Self::bare);
        };
        let Some(first) = map.next_key::<Key>()? else {
            return Ok(Self::bare(Value::Table(Vec::new())));
        };
        if first.0 == m.datetime {
            return Ok(Self::bare(Value::Datetime(map.next_value::<String>()?)));
        }
        if first.0 != m.spanned_fields[0] {
            return table(Some(first), map).map(Self::bare);
        }
        // A spanned value: start, end, then the value itself without a span.
        let start = map.next_value::<usize>()?;
        let mut end = start;
        let mut value = None;
        while let Some(k) = map.next_key::<String>()? {
            if k == m.spanned_fields[1] {
                end = map.next_value::<usize>()?;
            } else {
                value = Some(map.next_value::<Bare>()?.0);
            }
        }
        let value = value.ok_or_else(|| de::Error::custom("a spanned value without its value"))?;
        Ok(Node { value, span: Some(start..end) })
    }
}

/// The rest of a table whose first key has been read.
fn table<'de, A: MapAccess<'de>>(first: Option<Key>, mut map: A) -> Result<Value, A::Error> {
    let mut entries = Vec::new();
    let mut next = first;
    if next.is_none() {
        next = map.next_key::<Key>()?;
    }
    while let Some(Key(key, key_span)) = next {
        let node = map.next_value::<Node>()?;
        entries.push(Entry { key, key_span, node });
        next = map.next_key::<Key>()?;
    }
    Ok(Value::Table(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(n: &'a Node, key: &str) -> &'a Entry {
        match &n.value {
            Value::Table(entries) => entries.iter().find(|e| e.key == key).expect("key present"),
            other => panic!("not a table: {other:?}"),
        }
    }

    fn line(src: &str, span: Option<&Range<usize>>) -> usize {
        line_of(src, span.expect("has a span").start)
    }

    #[test]
    fn spans_become_the_lines_of_keys_values_and_table_headers() {
        let src = "name = \"x\"\nd = 2025-02-13T00:00:00Z\n[params]\ntempo = 3\n\n[[subnet]]\nnetuid = 1\nminers = { count = 2, quality = [1, 5] }\nrev.tao = 1.5\n[[subnet]]\nnetuid = 2\n";
        let root = parse(src).expect("valid TOML");
        assert_eq!(line(src, get(&root, "name").key_span.as_ref()), 1);
        assert_eq!(get(&root, "d").node.value, Value::Datetime("2025-02-13T00:00:00Z".into()));
        let params = &get(&root, "params").node;
        assert_eq!(line(src, params.span.as_ref()), 3);
        assert_eq!(line(src, get(params, "tempo").node.span.as_ref()), 4);
        let Value::Array(subnets) = &get(&root, "subnet").node.value else { panic!("an array") };
        assert_eq!(line(src, subnets[0].span.as_ref()), 6);
        assert_eq!(line(src, subnets[1].span.as_ref()), 10);
        assert_eq!(line(src, get(&subnets[1], "netuid").key_span.as_ref()), 11);
        let miners = &get(&subnets[0], "miners").node;
        let quality = &get(miners, "quality").node;
        assert_eq!(line(src, quality.span.as_ref()), 8);
        let Value::Array(q) = &quality.value else { panic!("an array") };
        assert_eq!(q.iter().map(|n| n.value.clone()).collect::<Vec<_>>(), vec![Value::Integer(1), Value::Integer(5)]);
        // A table made by a dotted key has no span of its own; its values do.
        let rev = &get(&subnets[0], "rev").node;
        assert_eq!(rev.span, None);
        assert_eq!(line(src, get(rev, "tao").node.span.as_ref()), 9);
        assert!(markers().is_some());
    }

    #[test]
    fn line_of_counts_like_toml_does() {
        let src = "a\nb\n";
        assert_eq!(line_of(src, 0), 1);
        assert_eq!(line_of(src, 2), 2);
        // At the very end, toml points at the last character (the final newline).
        assert_eq!(line_of(src, 4), 2);
        assert_eq!(line_of("", 0), 1);
    }
}
