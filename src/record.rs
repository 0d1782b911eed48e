//! Recordings and saves: every input a match received, block by block, with state hashes
//! to check a re-simulation against, in one compact, versioned, checksummed file.
//!
//! A match is its map, its seed and its inputs: players joining, their orders (a bot's
//! orders are recorded, so a replay never runs Lua), faults, bots' log lines and host
//! events. The engine re-derives everything else. A *save* is a recording of a match
//! that is not over; `play --load` resumes it, a replay watches it.
//!
//! The file format (version [`FORMAT_VERSION`]) is documented in [`wire`]. Files are
//! written atomically with the previous version kept as `.bak` ([`fs`]).
//!
//! Uses `engine` only; must not import `scenario`, `session` or anything above.

pub mod fs;
pub mod wire;

use crate::engine::hash::StateHash;
use crate::engine::init::EventKind;
use crate::engine::{AccountId, AccountKind, Order, Tao};

/// The newest file format this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// The recommended file extension.
pub const EXTENSION: &str = "dtrec";

/// One input to a match, in the order it reached the session.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// An account joins (a player, a bot's seat): `World::add_account` with the map's
    /// budget or a custom one. `source` is a bot's Lua source, kept so that a save can
    /// be resumed with the same strategy.
    Join {
        /// The requested name (the world makes it unique).
        name: String,
        /// Who controls it.
        kind: AccountKind,
        /// Its starting TAO.
        tao: Tao,
        /// A bot's strategy source.
        source: Option<String>,
    },
    /// An order queued for the next block.
    Order {
        /// Whose.
        account: AccountId,
        /// What.
        order: Order,
    },
    /// A bot lost its turn (it counts towards forfeiting).
    Fault {
        /// Whose.
        account: AccountId,
        /// Why.
        text: String,
    },
    /// A line a bot wrote with `dtao.log`.
    Log {
        /// Whose.
        account: AccountId,
        /// What.
        text: String,
    },
    /// A host applied a map event now (a teacher's trigger).
    Event(EventKind),
}

impl Input {
    /// The account an input belongs to, if any.
    #[must_use]
    pub fn account(&self) -> Option<AccountId> {
        match self {
            Input::Order { account, .. } | Input::Fault { account, .. } | Input::Log { account, .. } => Some(*account),
            Input::Join { .. } | Input::Event(_) => None,
        }
    }
}

/// The inputs that reached the match while the world was at `block` (before `block`
/// ran), in arrival order.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// The next block to run when they arrived.
    pub block: u64,
    /// The inputs.
    pub inputs: Vec<Input>,
}

/// The state hash when the world reached `block` (blocks `0..block` had run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Blocks run.
    pub block: u64,
    /// [`World::state_hash`](crate::engine::World::state_hash) at that point.
    pub hash: StateHash,
}

/// What a recording is of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The engine version that recorded it (its rules); a replay needs the same.
    pub engine_version: u32,
    /// The program version that wrote it.
    pub app_version: String,
    /// When the match started (wall clock).
    pub created: chrono::DateTime<chrono::Utc>,
    /// When the file was written.
    pub saved: chrono::DateTime<chrono::Utc>,
    /// The map's name.
    pub map_name: String,
    /// The map's full TOML source.
    pub map_source: String,
    /// The seed.
    pub seed: u64,
    /// The block at which the match ends.
    pub end_block: u64,
    /// Blocks between two checkpoints.
    pub hash_every: u64,
}

/// A whole recording: what [`wire::encode`] writes and [`wire::decode`] reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    /// What it is of.
    pub header: Header,
    /// Inputs, by increasing block (only blocks that had inputs).
    pub ticks: Vec<Tick>,
    /// State hashes every `hash_every` blocks (taken right after the block ran, before
    /// any input of the next one), increasing.
    pub checkpoints: Vec<Checkpoint>,
    /// Blocks run when it was written (the match is over when `block == end_block`).
    pub block: u64,
    /// The state hash at `block` once every input of that block's tick had arrived (the
    /// point where the file was written).
    pub final_hash: StateHash,
}

impl Recording {
    /// A new, empty recording.
    #[must_use]
    pub fn new(header: Header) -> Self {
        Self { header, ticks: Vec::new(), checkpoints: Vec::new(), block: 0, final_hash: [0; 32] }
    }

    /// Whether the match ran to its end.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.block >= self.header.end_block
    }

    /// Appends an input that arrived while the world was at `block`.
    pub fn push(&mut self, block: u64, input: Input) {
        match self.ticks.last_mut() {
            Some(t) if t.block == block => t.inputs.push(input),
            _ => self.ticks.push(Tick { block, inputs: vec![input] }),
        }
    }

    /// Drops `account`'s orders recorded for `block` (withdrawn before it ran); returns
    /// how many.
    pub fn drop_orders(&mut self, block: u64, account: AccountId) -> usize {
        let Some(t) = self.ticks.last_mut().filter(|t| t.block == block) else { return 0 };
        let before = t.inputs.len();
        t.inputs.retain(|i| !matches!(i, Input::Order { account: a, .. } if *a == account));
        let dropped = before - t.inputs.len();
        if t.inputs.is_empty() {
            self.ticks.pop();
        }
        dropped
    }

    /// Records the state hash right after block `block - 1` ran.
    pub fn checkpoint(&mut self, block: u64, hash: StateHash) {
        if self.checkpoints.last().is_none_or(|c| c.block < block) {
            self.checkpoints.push(Checkpoint { block, hash });
        }
    }

    /// The number of inputs.
    #[must_use]
    pub fn input_count(&self) -> usize {
        self.ticks.iter().map(|t| t.inputs.len()).sum()
    }

    /// The accounts that joined, in order, with their sources: `(name, kind, source)`.
    pub fn joins(&self) -> impl Iterator<Item = (&str, AccountKind, Option<&str>)> {
        self.ticks.iter().flat_map(|t| &t.inputs).filter_map(|i| match i {
            Input::Join { name, kind, source, .. } => Some((name.as_str(), *kind, source.as_deref())),
            _ => None,
        })
    }
}

/// The default spacing of checkpoints for a match of `end_block` blocks: about 512
/// checkpoints, at least one a tempo (360 blocks), in whole tempos.
#[must_use]
pub fn default_hash_every(end_block: u64) -> u64 {
    const TEMPO: u64 = 360;
    end_block.div_ceil(512).div_ceil(TEMPO).max(1) * TEMPO
}

/// Why a recording could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    /// The bytes are not a recording at all.
    #[error(
        "is not a dTAO Arena recording or save (it does not start with the 'DTAO-REC' mark): give a .dtrec \
         file that play, serve, sim --record or tournament --record wrote"
    )]
    NotARecording,
    /// Shorter than its own framing says.
    #[error("is cut short ({len} bytes): it was truncated, by an interrupted copy or a full disk")]
    Truncated {
        /// The file's length.
        len: usize,
    },
    /// Written by a newer program.
    #[error(
        "was written in recording format {found}, newer than this build understands (up to {supported}); \
         update dtao-arena to open it"
    )]
    Newer {
        /// The file's format.
        found: u16,
        /// The newest this build reads.
        supported: u16,
    },
    /// Marked with a newer format, but its checksum does not match: damage to the
    /// version bytes, or a newer format framed differently.
    #[error(
        "is marked recording format {found}, which this build does not read (up to {supported}), and its \
         checksum does not match: a changed byte (restore it from its .bak copy, or record it again), or a newer \
         dtao-arena wrote it (update dtao-arena)"
    )]
    NewerOrDamaged {
        /// The format the file is marked with.
        found: u16,
        /// The newest this build reads.
        supported: u16,
    },
    /// The checksum does not match.
    #[error("is damaged: its checksum does not match its contents (a changed or corrupted byte)")]
    Checksum,
    /// The checksum matches but the contents make no sense.
    #[error("is not a valid recording: {0}")]
    Invalid(String),
}
