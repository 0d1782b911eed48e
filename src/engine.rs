//! The dTAO world and its rules, exactly as `rules.md` states them.
//!
//! Owns: state ([`World`]), the only input ([`Order`]), the outputs ([`Event`], [`View`],
//! [`World::state_hash`]). It is pure: no IO, no clock, no threads, no `HashMap`
//! iteration, no `f64` in anything that changes state. Balances are `u64` rao in
//! [`Tao`]/[`Alpha`] newtypes with checked arithmetic; ratios are 64.64 fixed point
//! (`U64F64`) or exact integer rationals; map parameters are decimal fixed point in parts
//! per billion ([`Ppb`]). Randomness comes from named, seeded ChaCha8 streams ([`rng`]).
//!
//! Must not import any other layer of this crate.

pub mod amount;
pub mod emission;
pub mod epoch;
pub mod event;
pub mod hash;
pub mod init;
pub mod math;
pub mod npc;
pub mod order;
pub mod params;
pub mod pool;
pub mod registry;
pub mod rng;
pub mod view;
pub mod world;

mod actions;
mod coinbase;

pub use amount::{Alpha, Ppb, Tao};
pub use event::Event;
pub use init::WorldInit;
pub use order::{Fill, Order, Reject};
pub use params::{EmissionMode, Mechanism, Params, Policy};
pub use view::View;
pub use world::{AccountId, AccountKind, Netuid, World};

/// The engine's version. Bump it whenever a rule change alters any state hash; replays
/// record it.
pub const ENGINE_VERSION: u32 = 1;

/// An error that stops the simulation: an arithmetic overflow in the world's own
/// bookkeeping. It cannot be caused by an order (orders are rejected instead) and means
/// the map's amounts are beyond the supply cap the rules assume.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// A checked operation overflowed in the named step.
    #[error(
        "arithmetic overflow in {0}: the map's amounts are too large for the rules (keep supplies under 21 million TAO)"
    )]
    Overflow(&'static str),
    /// A world description the engine cannot build (the map loader rejects these first).
    #[error("invalid world: {0}")]
    BadInit(String),
}
