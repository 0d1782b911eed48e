//! The file format of recordings and saves.
//!
//! ```text
//! offset  size  what
//! 0       8     the mark "DTAO-REC"
//! 8       2     format version, u16 little-endian (this build writes 1)
//! 10      8     total file length in bytes, u64 little-endian
//! 18      n     the body: postcard (https://postcard.jamesmunns.com/wire-format) of `BodyV1`
//! 18+n    32    BLAKE3 of bytes 0..18+n
//! ```
//!
//! Postcard writes integers as LEB128 varints and enums as a varint variant index
//! followed by the fields, so an order is typically 4–8 bytes. The body of version 1:
//!
//! - `engine_version: u32`, `app_version: str`, `created_ms: i64`, `saved_ms: i64`
//!   (Unix milliseconds, UTC), `map_name: str`, `map_source: str` (the whole TOML),
//!   `seed: u64`, `end_block: u64`, `hash_every: u64`, `block: u64` (blocks run);
//! - `ticks: [ { gap: u64, inputs: [Input] } ]`, where `gap` is the tick's block minus
//!   the previous tick's block (the first is its block);
//! - `checkpoints: [ { gap: u64, hash: [u8; 32] } ]`, the same way: the state hash right
//!   after a block ran, every `hash_every` blocks;
//! - `final_hash: [u8; 32]`: the state hash at `block` with every input of that tick.
//!
//! `Input` is `Join { name, kind, tao_rao, source? }` (kind 0 human, 1 bot, 2 npc) |
//! `Order { account: u32, order }` | `Fault { account, text }` | `Log { account, text }` |
//! `Event(event)`; an order is one of the engine's orders with amounts in rao, limit
//! prices as the raw bits of 64.64 fixed point, and mechanisms and policies by name;
//! an event is one of the map's event kinds.
//!
//! Versions are never changed in place: a new layout gets a new version number and a
//! reader for every older version stays (their sample files live in
//! `tests/records/`).

use serde::{Deserialize, Serialize};

use super::{Checkpoint, FORMAT_VERSION, Header, Input, RecordError, Recording, Tick};
use crate::engine::init::EventKind;
use crate::engine::math::U64F64;
use crate::engine::{AccountId, AccountKind, Alpha, Order, Tao};

/// The file's first bytes.
pub const MAGIC: &[u8; 8] = b"DTAO-REC";
const PREFIX: usize = 18;
const SUM: usize = 32;

#[derive(Serialize, Deserialize)]
struct BodyV1 {
    engine_version: u32,
    app_version: String,
    created_ms: i64,
    saved_ms: i64,
    map_name: String,
    map_source: String,
    seed: u64,
    end_block: u64,
    hash_every: u64,
    block: u64,
    ticks: Vec<TickV1>,
    checkpoints: Vec<CheckpointV1>,
    final_hash: [u8; 32],
}

#[derive(Serialize, Deserialize)]
struct TickV1 {
    gap: u64,
    inputs: Vec<InputV1>,
}

#[derive(Serialize, Deserialize)]
struct CheckpointV1 {
    gap: u64,
    hash: [u8; 32],
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum InputV1 {
    Join { name: String, kind: u8, tao_rao: u64, source: Option<String> },
    Order { account: u32, order: OrderV1 },
    Fault { account: u32, text: String },
    Log { account: u32, text: String },
    Event(EventV1),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum OrderV1 {
    Stake { netuid: u16, tao_rao: u64, limit_bits: Option<u128> },
    Unstake { netuid: u16, alpha_rao: u64, limit_bits: Option<u128> },
    Dump { netuid: Option<u16> },
    Move { from: u16, to: u16, alpha_rao: u64 },
    StakeRoot { tao_rao: u64 },
    UnstakeRoot { tao_rao: u64 },
    LaunchSubnet { name: String, mechanism: String },
    RegisterMiner { netuid: u16 },
    SetWeights { netuid: u16, policy: String },
    SetRootWeights { weights: Vec<(u16, u32)> },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum EventV1 {
    Narrate(String),
    SetMechanism { netuid: u16, mechanism: String },
    Hype { crowd: String, netuid: u16, amount: i64 },
    SetParam { key: String, value: String },
    SetPolicy { account: String, netuid: u16, policy: String },
}

/// One input in this format's encoding, for other formats that carry inputs (the
/// network protocol sends inputs exactly as a recording stores them). Serialises as
/// the `Input` described above.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WireInput(InputV1);

impl From<&Input> for WireInput {
    fn from(i: &Input) -> Self {
        Self(input_out(i))
    }
}

impl WireInput {
    /// The input, checked (a mechanism, policy or account kind this build does not
    /// know is an error).
    ///
    /// # Errors
    /// See above.
    pub fn decode(self) -> Result<Input, RecordError> {
        input_in(self.0)
    }
}

/// One order in this format's encoding (see [`WireInput`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WireOrder(OrderV1);

impl From<&Order> for WireOrder {
    fn from(o: &Order) -> Self {
        Self(order_out(o))
    }
}

impl WireOrder {
    /// The order, checked (see [`WireInput::decode`]).
    ///
    /// # Errors
    /// An unknown mechanism or policy name.
    pub fn decode(self) -> Result<Order, RecordError> {
        order_in(self.0)
    }
}

/// Ascending blocks as gaps from the previous one (the first from block 0).
fn gaps(blocks: impl Iterator<Item = u64>) -> impl Iterator<Item = u64> {
    let mut last = 0;
    blocks.map(move |b| {
        let gap = b - last.min(b);
        last = b;
        gap
    })
}

/// Encodes a recording as a file.
#[must_use]
pub fn encode(r: &Recording) -> Vec<u8> {
    let h = &r.header;
    let tick_gaps = gaps(r.ticks.iter().map(|t| t.block));
    let ticks = r
        .ticks
        .iter()
        .zip(tick_gaps)
        .map(|(t, gap)| TickV1 { gap, inputs: t.inputs.iter().map(input_out).collect() })
        .collect();
    let checkpoints = r
        .checkpoints
        .iter()
        .zip(gaps(r.checkpoints.iter().map(|c| c.block)))
        .map(|(c, gap)| CheckpointV1 { gap, hash: c.hash })
        .collect();
    let body = BodyV1 {
        engine_version: h.engine_version,
        app_version: h.app_version.clone(),
        created_ms: h.created.timestamp_millis(),
        saved_ms: h.saved.timestamp_millis(),
        map_name: h.map_name.clone(),
        map_source: h.map_source.clone(),
        seed: h.seed,
        end_block: h.end_block,
        hash_every: h.hash_every,
        block: r.block,
        ticks,
        checkpoints,
        final_hash: r.final_hash,
    };
    // Serialising plain data into a Vec cannot fail.
    let body = postcard::to_stdvec(&body).unwrap_or_default();
    let mut out = Vec::with_capacity(PREFIX + body.len() + SUM);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&((PREFIX + body.len() + SUM) as u64).to_le_bytes());
    out.extend_from_slice(&body);
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    out
}

/// Reads the format version of a file without checking the rest.
///
/// # Errors
/// Not a recording, or too short to have a version.
pub fn version(bytes: &[u8]) -> Result<u16, RecordError> {
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] {
        return Err(RecordError::NotARecording);
    }
    match bytes.get(8..10) {
        Some(v) => Ok(u16::from_le_bytes([v[0], v[1]])),
        None => Err(RecordError::Truncated { len: bytes.len() }),
    }
}

/// Decodes a file: the mark, the version, the length, the checksum, then the body.
///
/// # Errors
/// Every way a file can be wrong, as a [`RecordError`] that says what to do.
pub fn decode(bytes: &[u8]) -> Result<Recording, RecordError> {
    let v = version(bytes)?;
    if v == 0 {
        return Err(RecordError::Invalid("format version 0 does not exist".into()));
    }
    // The checksum covers the version: a newer file checks out under the framing every
    // version keeps, and a version changed by damage does not.
    let framed = framed_body(bytes);
    if v > FORMAT_VERSION {
        return Err(match framed {
            Ok(_) => RecordError::Newer { found: v, supported: FORMAT_VERSION },
            Err(_) => RecordError::NewerOrDamaged { found: v, supported: FORMAT_VERSION },
        });
    }
    let body = framed?;
    match v {
        1 => decode_v1(body),
        _ => Err(RecordError::Newer { found: v, supported: FORMAT_VERSION }),
    }
}

/// The body of a file whose length and checksum check out.
fn framed_body(bytes: &[u8]) -> Result<&[u8], RecordError> {
    let Some(len) = bytes.get(10..PREFIX) else {
        return Err(RecordError::Truncated { len: bytes.len() });
    };
    let mut l = [0u8; 8];
    l.copy_from_slice(len);
    let declared = u64::from_le_bytes(l);
    let actual = bytes.len() as u64;
    if actual < declared || actual < (PREFIX + SUM) as u64 {
        return Err(RecordError::Truncated { len: bytes.len() });
    }
    if actual > declared {
        return Err(RecordError::Invalid(format!(
            "it has {} bytes after its end (two files joined, or extra bytes appended?); restore it from its .bak copy or record it again",
            actual - declared
        )));
    }
    let (content, sum) = bytes.split_at(bytes.len() - SUM);
    if blake3::hash(content).as_bytes() != sum {
        return Err(RecordError::Checksum);
    }
    Ok(&content[PREFIX..])
}

fn invalid(what: impl Into<String>) -> RecordError {
    RecordError::Invalid(what.into())
}

fn decode_v1(body: &[u8]) -> Result<Recording, RecordError> {
    let (b, rest): (BodyV1, _) = postcard::take_from_bytes(body).map_err(|e| {
        // The checksum matched, so the bytes are as written: by another program, or
        // edited and checksummed again. The decoder's own words come last, for a bug report.
        invalid(format!(
            "its contents do not decode although its checksum matches: it was not written by dtao-arena, or was \
             edited and its checksum recomputed (decoder: {})",
            e.to_string().to_lowercase()
        ))
    })?;
    if !rest.is_empty() {
        return Err(invalid("its body has bytes after its end"));
    }
    let time = |ms: i64, what: &str| {
        chrono::DateTime::from_timestamp_millis(ms).ok_or_else(|| invalid(format!("its {what} time is out of range")))
    };
    if b.hash_every == 0 {
        return Err(invalid("its checkpoint spacing is 0"));
    }
    if b.end_block > crate::engine::params::MAX_BLOCKS {
        return Err(invalid(format!(
            "its match is {} blocks long, more than the {} a match may have",
            crate::text::thousands(b.end_block),
            crate::text::thousands(crate::engine::params::MAX_BLOCKS)
        )));
    }
    if b.block > b.end_block {
        return Err(invalid(format!(
            "it has run {} blocks of a {}-block match",
            crate::text::thousands(b.block),
            crate::text::thousands(b.end_block)
        )));
    }
    let header = Header {
        engine_version: b.engine_version,
        app_version: b.app_version,
        created: time(b.created_ms, "start")?,
        saved: time(b.saved_ms, "save")?,
        map_name: b.map_name,
        map_source: b.map_source,
        seed: b.seed,
        end_block: b.end_block,
        hash_every: b.hash_every,
    };
    let mut block: u64 = 0;
    let mut ticks = Vec::with_capacity(b.ticks.len());
    for (k, t) in b.ticks.into_iter().enumerate() {
        if k > 0 && t.gap == 0 {
            return Err(invalid("two ticks share a block"));
        }
        block =
            block.checked_add(t.gap).filter(|x| *x <= b.block).ok_or_else(|| invalid("a tick lies beyond the end"))?;
        let inputs = t.inputs.into_iter().map(input_in).collect::<Result<Vec<_>, _>>()?;
        ticks.push(Tick { block, inputs });
    }
    block = 0;
    let mut checkpoints = Vec::with_capacity(b.checkpoints.len());
    for (k, c) in b.checkpoints.into_iter().enumerate() {
        if k > 0 && c.gap == 0 {
            return Err(invalid("two checkpoints share a block"));
        }
        block = block
            .checked_add(c.gap)
            .filter(|x| *x <= b.block)
            .ok_or_else(|| invalid("a checkpoint lies beyond the end"))?;
        checkpoints.push(Checkpoint { block, hash: c.hash });
    }
    Ok(Recording { header, ticks, checkpoints, block: b.block, final_hash: b.final_hash })
}

fn kind_out(k: AccountKind) -> u8 {
    match k {
        AccountKind::Human => 0,
        AccountKind::Bot => 1,
        AccountKind::Npc => 2,
    }
}

fn input_out(i: &Input) -> InputV1 {
    match i {
        Input::Join { name, kind, tao, source } => {
            InputV1::Join { name: name.clone(), kind: kind_out(*kind), tao_rao: tao.0, source: source.clone() }
        }
        Input::Order { account, order } => InputV1::Order { account: account.0, order: order_out(order) },
        Input::Fault { account, text } => InputV1::Fault { account: account.0, text: text.clone() },
        Input::Log { account, text } => InputV1::Log { account: account.0, text: text.clone() },
        Input::Event(e) => InputV1::Event(event_out(e)),
    }
}

fn input_in(i: InputV1) -> Result<Input, RecordError> {
    Ok(match i {
        InputV1::Join { name, kind, tao_rao, source } => {
            let kind = match kind {
                0 => AccountKind::Human,
                1 => AccountKind::Bot,
                2 => AccountKind::Npc,
                k => return Err(invalid(format!("account kind {k} does not exist"))),
            };
            Input::Join { name, kind, tao: Tao(tao_rao), source }
        }
        InputV1::Order { account, order } => Input::Order { account: AccountId(account), order: order_in(order)? },
        InputV1::Fault { account, text } => Input::Fault { account: AccountId(account), text },
        InputV1::Log { account, text } => Input::Log { account: AccountId(account), text },
        InputV1::Event(e) => Input::Event(event_in(e)?),
    })
}

fn limit_out(l: Option<U64F64>) -> Option<u128> {
    l.map(U64F64::to_bits)
}

fn order_out(o: &Order) -> OrderV1 {
    match o {
        Order::Stake { netuid, tao, limit } => {
            OrderV1::Stake { netuid: *netuid, tao_rao: tao.0, limit_bits: limit_out(*limit) }
        }
        Order::Unstake { netuid, alpha, limit } => {
            OrderV1::Unstake { netuid: *netuid, alpha_rao: alpha.0, limit_bits: limit_out(*limit) }
        }
        Order::Dump { netuid } => OrderV1::Dump { netuid: *netuid },
        Order::Move { from, to, alpha } => OrderV1::Move { from: *from, to: *to, alpha_rao: alpha.0 },
        Order::StakeRoot { tao } => OrderV1::StakeRoot { tao_rao: tao.0 },
        Order::UnstakeRoot { tao } => OrderV1::UnstakeRoot { tao_rao: tao.0 },
        Order::LaunchSubnet { name, mechanism } => {
            OrderV1::LaunchSubnet { name: name.clone(), mechanism: mechanism.name().into() }
        }
        Order::RegisterMiner { netuid } => OrderV1::RegisterMiner { netuid: *netuid },
        Order::SetWeights { netuid, policy } => OrderV1::SetWeights { netuid: *netuid, policy: policy.name().into() },
        Order::SetRootWeights { weights } => OrderV1::SetRootWeights { weights: weights.clone() },
    }
}

fn order_in(o: OrderV1) -> Result<Order, RecordError> {
    let limit = |b: Option<u128>| b.map(U64F64::from_bits);
    Ok(match o {
        OrderV1::Stake { netuid, tao_rao, limit_bits } => {
            Order::Stake { netuid, tao: Tao(tao_rao), limit: limit(limit_bits) }
        }
        OrderV1::Unstake { netuid, alpha_rao, limit_bits } => {
            Order::Unstake { netuid, alpha: Alpha(alpha_rao), limit: limit(limit_bits) }
        }
        OrderV1::Dump { netuid } => Order::Dump { netuid },
        OrderV1::Move { from, to, alpha_rao } => Order::Move { from, to, alpha: Alpha(alpha_rao) },
        OrderV1::StakeRoot { tao_rao } => Order::StakeRoot { tao: Tao(tao_rao) },
        OrderV1::UnstakeRoot { tao_rao } => Order::UnstakeRoot { tao: Tao(tao_rao) },
        OrderV1::LaunchSubnet { name, mechanism } => {
            Order::LaunchSubnet { name, mechanism: mechanism.parse().map_err(invalid)? }
        }
        OrderV1::RegisterMiner { netuid } => Order::RegisterMiner { netuid },
        OrderV1::SetWeights { netuid, policy } => {
            Order::SetWeights { netuid, policy: policy.parse().map_err(invalid)? }
        }
        OrderV1::SetRootWeights { weights } => Order::SetRootWeights { weights },
    })
}

fn event_out(e: &EventKind) -> EventV1 {
    match e {
        EventKind::Narrate(t) => EventV1::Narrate(t.clone()),
        EventKind::SetMechanism { netuid, mechanism } => {
            EventV1::SetMechanism { netuid: *netuid, mechanism: mechanism.name().into() }
        }
        EventKind::Hype { crowd, netuid, amount } => {
            EventV1::Hype { crowd: crowd.clone(), netuid: *netuid, amount: *amount }
        }
        EventKind::SetParam { key, value } => EventV1::SetParam { key: key.clone(), value: value.clone() },
        EventKind::SetPolicy { account, netuid, policy } => {
            EventV1::SetPolicy { account: account.clone(), netuid: *netuid, policy: policy.name().into() }
        }
    }
}

fn event_in(e: EventV1) -> Result<EventKind, RecordError> {
    Ok(match e {
        EventV1::Narrate(t) => EventKind::Narrate(t),
        EventV1::SetMechanism { netuid, mechanism } => {
            EventKind::SetMechanism { netuid, mechanism: mechanism.parse().map_err(invalid)? }
        }
        EventV1::Hype { crowd, netuid, amount } => EventKind::Hype { crowd, netuid, amount },
        EventV1::SetParam { key, value } => EventKind::SetParam { key, value },
        EventV1::SetPolicy { account, netuid, policy } => {
            EventKind::SetPolicy { account, netuid, policy: policy.parse().map_err(invalid)? }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Mechanism, Policy};

    fn sample() -> Recording {
        let t0 = chrono::DateTime::from_timestamp(1_739_404_800, 0).unwrap();
        let mut r = Recording::new(Header {
            engine_version: 1,
            app_version: "0.1.0".into(),
            created: t0,
            saved: t0,
            map_name: "m".into(),
            map_source: "name = \"m\"\nblocks = 10\n".into(),
            seed: 7,
            end_block: 1000,
            hash_every: 360,
        });
        r.push(0, Input::Join { name: "you".into(), kind: AccountKind::Human, tao: Tao(1), source: None });
        r.push(0, Input::Join { name: "b".into(), kind: AccountKind::Bot, tao: Tao(2), source: Some("x".into()) });
        let orders = [
            Order::Stake { netuid: 1, tao: Tao(5), limit: Some(U64F64::from_num(0.5)) },
            Order::Unstake { netuid: 2, alpha: Alpha(u64::MAX), limit: None },
            Order::Dump { netuid: None },
            Order::Move { from: 1, to: 2, alpha: Alpha(3) },
            Order::StakeRoot { tao: Tao(1) },
            Order::UnstakeRoot { tao: Tao(0) },
            Order::LaunchSubnet { name: "n".into(), mechanism: Mechanism::Holder },
            Order::RegisterMiner { netuid: 3 },
            Order::SetWeights { netuid: 4, policy: Policy::RewardSellers },
            Order::SetRootWeights { weights: vec![(1, 2), (3, 4)] },
        ];
        for (k, o) in orders.into_iter().enumerate() {
            r.push(5 + k as u64, Input::Order { account: AccountId(1), order: o });
        }
        r.push(20, Input::Fault { account: AccountId(1), text: "slow".into() });
        r.push(20, Input::Log { account: AccountId(1), text: "hi".into() });
        r.push(21, Input::Event(EventKind::Narrate("look".into())));
        r.push(21, Input::Event(EventKind::SetMechanism { netuid: 1, mechanism: Mechanism::Revenue }));
        r.push(21, Input::Event(EventKind::Hype { crowd: "c".into(), netuid: 1, amount: -5 }));
        r.push(21, Input::Event(EventKind::SetParam { key: "tempo".into(), value: "99".into() }));
        r.push(
            21,
            Input::Event(EventKind::SetPolicy { account: "a".into(), netuid: 1, policy: Policy::RewardHolders }),
        );
        r.checkpoint(360, [1; 32]);
        r.checkpoint(400, [2; 32]);
        r.block = 400;
        r.final_hash = [3; 32];
        r
    }

    #[test]
    fn round_trip_keeps_everything() {
        let r = sample();
        let bytes = encode(&r);
        assert_eq!(&bytes[..8], MAGIC);
        assert_eq!(decode(&bytes).unwrap(), r);
        assert!(!r.is_complete());
        assert_eq!(r.input_count(), 19);
        assert_eq!(r.joins().count(), 2);
    }

    #[test]
    fn every_truncation_and_every_flip_is_an_error() {
        let bytes = encode(&sample());
        for n in 0..bytes.len() {
            let e = decode(&bytes[..n]).unwrap_err();
            assert!(matches!(e, RecordError::Truncated { .. } | RecordError::NotARecording), "cut at {n}: {e:?}");
        }
        for k in 0..bytes.len() {
            let mut b = bytes.clone();
            b[k] ^= 0x40;
            assert!(decode(&b).is_err(), "flip at {k} went unnoticed");
        }
    }

    #[test]
    fn a_match_longer_than_any_map_allows_is_refused() {
        let mut r = sample();
        r.header.end_block = crate::engine::params::MAX_BLOCKS + 1;
        let e = decode(&encode(&r)).unwrap_err();
        assert!(e.to_string().contains("more than the 100,000,000"), "{e}");
        r.header.end_block = crate::engine::params::MAX_BLOCKS;
        assert!(decode(&encode(&r)).is_ok());
    }

    #[test]
    fn a_body_edited_under_a_recomputed_checksum_says_so_in_plain_words() {
        let mut bytes = encode(&sample());
        let end = bytes.len() - SUM;
        // Garbage in the body, then the checksum made right again.
        for b in &mut bytes[PREFIX..PREFIX + 8] {
            *b = 0xff;
        }
        let sum = blake3::hash(&bytes[..end]);
        bytes[end..].copy_from_slice(sum.as_bytes());
        let e = decode(&bytes).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "is not a valid recording: its contents do not decode although its checksum matches: it was not \
                 written by dtao-arena, or was edited and its checksum recomputed (decoder: "
            ),
            "{e}"
        );
    }

    #[test]
    fn newer_versions_say_so_and_a_changed_version_byte_is_damage() {
        // A newer file: the same framing, its checksum over its own version.
        let mut bytes = encode(&sample());
        bytes[8..10].copy_from_slice(&7u16.to_le_bytes());
        let n = bytes.len() - SUM;
        let sum = *blake3::hash(&bytes[..n]).as_bytes();
        bytes[n..].copy_from_slice(&sum);
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e, RecordError::Newer { found: 7, supported: FORMAT_VERSION });
        assert!(e.to_string().contains("format 7"), "{e}");
        // One flipped bit in the version: the checksum says it is damage, or newer.
        let mut bytes = encode(&sample());
        bytes[8] ^= 0b10;
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e, RecordError::NewerOrDamaged { found: 3, supported: FORMAT_VERSION });
        assert!(e.to_string().contains("restore it from its .bak copy"), "{e}");
        assert_eq!(decode(b"PK\x03\x04 zip file").unwrap_err(), RecordError::NotARecording);
    }

    #[test]
    fn checkpoint_spacing_is_whole_tempos() {
        assert_eq!(super::super::default_hash_every(7200), 360);
        assert_eq!(super::super::default_hash_every(50_400), 360);
        assert_eq!(super::super::default_hash_every(2_628_000), 5400);
        assert_eq!(super::super::default_hash_every(0), 360);
    }
}
