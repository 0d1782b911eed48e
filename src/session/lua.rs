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
    ///
    /// A seat's name may carry the strategy's options after a colon:
    /// `momentum:lookback=8,entry=0.02` loads with `cfg.options.lookback = "8"` and
    /// `cfg.options.entry = "0.02"` (see [`options_in_name`]). The name is what a
    /// recording keeps, so a resumed save seats the bot with the same options.
    pub fn load(name: &str, source: &str, seed: u64, seat: usize) -> Result<Self, ScriptError> {
        let base = options_in_name(name).and_then(Result::ok).map_or(name, |(base, _)| base);
        Self::load_file(base, name, source, seed, seat)
    }

    /// As [`LuaActor::load`], with messages naming `file` (the path the user gave), as
    /// in `bots/my_bot.lua:12: attempt to index a nil value`.
    ///
    /// # Errors
    /// As [`LuaActor::load`].
    pub fn load_file(file: &str, name: &str, source: &str, seed: u64, seat: usize) -> Result<Self, ScriptError> {
        let (base, options) = match options_in_name(name) {
            Some(Ok((base, options))) => (base, options),
            _ => (name, Vec::new()),
        };
        let mut strategy = Strategy::load_file(file, base, source, seed, Limits::default())?;
        strategy.set_random_key(&format!("seat:{seat}"));
        Ok(Self { strategy, source: source.to_string(), tempo: 360, options })
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

/// A strategy's options: `(key, value)` in the order written.
pub type Options = Vec<(String, String)>;

/// Where a strategy's name ends and its options begin: after a `.lua:` (the last one), so
/// that a path with a colon, such as `C:\bots\dip.lua:size=3` or `bots/a:b.lua:x=1`, keeps
/// it; a name ending in `.lua` has none; otherwise at the first colon (`momentum:x=1`).
#[must_use]
pub fn split_options(name: &str) -> Option<(&str, &str)> {
    let lower = name.to_ascii_lowercase();
    if let Some(at) = lower.rfind(".lua:") {
        return Some((&name[..at + 4], &name[at + 5..]));
    }
    if lower.ends_with(".lua") {
        return None;
    }
    name.split_once(':')
}

/// Splits `name:key=value,key=value` into the name and its options (in the order
/// written). `None` when there is no colon; an error names what is wrong with the options.
///
/// # Errors
/// A pair without `=`, an empty key, a key that is not letters, digits and `_`, a key
/// given twice.
pub fn options_in_name(name: &str) -> Option<Result<(&str, Options), String>> {
    let (base, list) = split_options(name)?;
    let parse = || {
        if base.trim().is_empty() {
            return Err(
                "the strategy's name before ':' is empty (write NAME:key=value, such as momentum:lookback=8)".into()
            );
        }
        if list.trim().is_empty() {
            return Err(format!(
                "no options after ':' (write {base}:key=value,key=value, such as momentum:lookback=8, or {base} alone)"
            ));
        }
        let mut out: Options = Vec::new();
        for pair in list.split(',') {
            let Some((k, v)) = pair.split_once('=') else {
                return Err(format!("'{pair}' is not key=value (options read like lookback=8,entry=0.02)"));
            };
            let k = k.trim();
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("'{k}' is not an option name (letters, digits and _)"));
            }
            if out.iter().any(|(x, _)| x == k) {
                return Err(format!("the option '{k}' is given twice"));
            }
            out.push((k.to_string(), v.trim().to_string()));
        }
        Ok((base, out))
    };
    Some(parse())
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
    fn wall_clock_faults(&self) -> u32 {
        self.strategy.wall_clock_faults()
    }
    fn source(&self) -> Option<&str> {
        Some(&self.source)
    }
    fn unread_options(&self) -> Vec<String> {
        if self.strategy.reads_options() {
            return Vec::new();
        }
        self.options.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_ride_on_the_seat_name() {
        assert!(options_in_name("momentum").is_none());
        // A path with a colon keeps it: the options begin after `.lua:`.
        assert_eq!(split_options("C:\\bots\\my bot.lua:x=1"), Some(("C:\\bots\\my bot.lua", "x=1")));
        assert_eq!(split_options("bots/a:b.LUA:x=1,y=2"), Some(("bots/a:b.LUA", "x=1,y=2")));
        assert_eq!(split_options("C:\\bots\\dip.lua"), None);
        assert_eq!(split_options("bots/a:b.lua"), None);
        assert_eq!(split_options("dip:size=3"), Some(("dip", "size=3")));
        let (base, o) = options_in_name("momentum:lookback=8, entry=0.02").unwrap().unwrap();
        assert_eq!(base, "momentum");
        assert_eq!(o, vec![("lookback".into(), "8".into()), ("entry".into(), "0.02".into())]);
        assert!(options_in_name("m:lookback").unwrap().unwrap_err().contains("not key=value"));
        assert!(options_in_name("m:a-b=1").unwrap().unwrap_err().contains("not an option name"));
        assert!(options_in_name("m:a=1,a=2").unwrap().unwrap_err().contains("twice"));
        assert!(options_in_name("momentum:").unwrap().unwrap_err().starts_with("no options after ':'"));
        assert!(options_in_name(":").unwrap().unwrap_err().contains("name before ':' is empty"));
    }
}
