//! Lua strategies in a seat: the adapter from [`script::Strategy`](crate::script::Strategy)
//! to [`Actor`].

use super::{Actor, Decision};
use crate::engine::{AccountId, Event, World};
use crate::script::{Limits, ScriptError, Strategy, TickOutcome};

/// A Lua strategy seated in a match.
pub struct LuaActor {
    strategy: Strategy,
    source: String,
    tempo: u64,
    options: Vec<(String, String)>,
}

impl LuaActor {
    /// Loads `source` (named `name` in messages) for a match with `seed`, in seat `seat`
    /// (the seat keys the strategy's random stream, so two copies of one file draw
    /// different numbers). Without its own `cadence` it decides every tempo.
    ///
    /// # Errors
    /// The strategy does not load (syntax, bytecode, no `on_tick`, a bad `cadence`, ...).
    pub fn load(name: &str, source: &str, seed: u64, seat: usize) -> Result<Self, ScriptError> {
        let mut strategy = Strategy::load(name, source, seed, Limits::default())?;
        strategy.set_random_key(&format!("seat:{seat}"));
        Ok(Self { strategy, source: source.to_string(), tempo: 360, options: Vec::new() })
    }

    /// Options passed to `init(cfg)` as `cfg.options`.
    #[must_use]
    pub fn with_options(mut self, options: Vec<(String, String)>) -> Self {
        self.options = options;
        self
    }

    /// The strategy.
    #[must_use]
    pub fn strategy(&self) -> &Strategy {
        &self.strategy
    }
}

fn decision(t: TickOutcome) -> Decision {
    Decision { orders: t.orders, log: t.log, fault: t.fault.map(|f| f.to_string()) }
}

impl Actor for LuaActor {
    fn cadence(&self) -> u64 {
        self.strategy.cadence().unwrap_or(self.tempo).max(1)
    }
    fn start(&mut self, world: &World, me: AccountId) -> Decision {
        self.tempo = world.params.tempo;
        decision(self.strategy.init(world, me, &self.options))
    }
    fn decide(&mut self, world: &World, me: AccountId, results: &[Event]) -> Decision {
        decision(self.strategy.on_tick(world, me, results))
    }
    fn forfeited(&self) -> bool {
        self.strategy.forfeited()
    }
    fn source(&self) -> Option<&str> {
        Some(&self.source)
    }
}
