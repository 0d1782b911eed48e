//! Lua strategy host (mlua, Lua 5.4 vendored): the sandbox, its budgets, the `dtao` API,
//! the world's view for Lua (`w`) and Lua's orders for the world.
//!
//! Owns: [`Strategy`] (one Lua state per strategy per match), [`Limits`],
//! [`TickOutcome`], [`Fault`] and [`ScriptError`]. Uses only [`crate::engine`]: it reads a
//! [`World`] and returns [`Order`]s; the caller (a session) submits them, steps the
//! world, and passes each strategy's results back in.
//!
//! # A strategy
//! One Lua 5.4 file (`strategies/template.lua` documents every field and function). It
//! defines `on_tick(w)` (required), may define `init(cfg)`, and may set the global
//! `cadence` (blocks between calls; a whole number >= 1; by default the session uses the
//! tempo). `w` is a read-only view of the public world: `w.block`, `w.me`, `w.subnets`
//! (sorted by netuid), `w.by_netuid`, `w.accounts` (sorted by id, built on first use),
//! `w.params`, `w.total_root`, `w.total_issuance` and `w.results` (what happened to the
//! strategy's orders since its last call). Orders go through `dtao.stake`, `unstake`,
//! `dump`, `move`, `stake_root`, `unstake_root`, `launch_subnet`, `register_miner`,
//! `set_weights` and `set_root_weights`; `dtao.quote_stake` / `quote_unstake` price a
//! trade on the pools as the call began; `dtao.log` (and `print`) write to the match log.
//! An order function called with bad arguments (a wrong type, a negative amount, an
//! unknown mechanism) raises a Lua error naming the strategy's line; the strategy may
//! `pcall` it, otherwise the call faults. Whether an order succeeds is decided by the
//! engine when it is applied and shows in the next `w.results`.
//!
//! # The sandbox
//! - Libraries: `string`, `table`, `math`, `utf8`, `coroutine` and the safe base
//!   functions. Removed: `io`, `os`, `package`, `require`, `debug`, `load`, `loadfile`,
//!   `dofile`, `collectgarbage`, `warn`, `string.dump`. `print` is the capped logger.
//!   Source text only: a precompiled chunk (`\x1bLua`) is refused at load, and so is
//!   the `<close>` attribute (see `source.rs`: mlua runs pending `__close` handlers
//!   inside the hook, where Lua disables hooks, so they could not be stopped).
//! - Budget: `Limits::instructions_per_call` Lua instructions per call (load, `init`,
//!   each `on_tick`), counted every 1000 instructions by a global count hook, which also
//!   reaches coroutines. Once a limit of the call is reached (budget, wall clock,
//!   memory, orders), the hook raises at every firing and `pcall`, `xpcall`,
//!   `coroutine.resume`, `coroutine.close` and `coroutine.wrap` re-raise, so no catcher,
//!   metamethod or comparator can outlast it. `xpcall` runs its message handler after
//!   unwinding (Lua would run it with hooks disabled after a hook error), and a coroutine
//!   that died of an error is never closed (for the same reason).
//! - C functions, which the hook never interrupts, are bounded by construction:
//!   - pattern functions (`find` without `plain`, `match`, `gmatch`, `gsub`) by a static
//!     bound on the matcher's work from the subject's length and the pattern's items
//!     (see `pattern.rs`): refused above 4,000,000 steps, charged 1 instruction per 4;
//!   - `string.rep` is capped at a quarter of the memory limit; it, `upper`, `lower`,
//!     `reverse`, `pack`, `packsize`, `unpack`, `utf8.len`, `utf8.offset` and `tonumber`
//!     are charged 1 instruction per 64 bytes of input, `table.concat` 1 per 4 elements;
//!   - `table.sort` is a stable merge sort written in Lua (its comparisons are counted),
//!     and `pairs` sorts keys in Rust, charged per key.
//!
//!   What remains (copying strings with `..`, comparing long strings) costs memory
//!   bandwidth per instruction and is bounded by the memory limit and the wall clock.
//! - Memory: `Limits::memory_bytes` per state (`Lua::set_memory_limit`); an
//!   out-of-memory error is a [`Fault::Memory`] even if the strategy catches it. The
//!   view is built outside the limit, so a strategy holding a full memory still gets it.
//! - Wall clock: `Limits::wall_clock_ms`, checked by the hook and by every charge; a
//!   backstop only, since the instruction budget is what makes results reproducible.
//! - Determinism: `math.random` / `math.randomseed` draw from the match's seeded stream
//!   [`Stream`](crate::engine::rng::Stream) named `bot:<name>`; `pairs` visits keys in
//!   sorted order (numbers, strings, booleans; other keys last); `table.sort` is stable;
//!   `tostring` and `string.format` never show addresses (`%p` is refused); `__gc`
//!   metamethods are refused; views are arrays sorted by netuid or id. Raw `next`
//!   over string keys remains in Lua's own (per-run) order: use `pairs`.
//! - Host panics are never swallowed by a strategy's `pcall` (`catch_rust_panics(false)`).
//!
//! # The view
//! `w` and its tables persist for the match and are refreshed in place before each call
//! (see `view.rs`). Every table reachable from `w` (`w` itself, `w.me` and its `alpha`
//! and `miner`, `w.subnets` and each subnet, `w.by_netuid`, `w.params`, `w.results` and
//! each result, `w.accounts`, each account and its `alpha`) is an empty read-only proxy
//! whose metatable reads from a host-owned data table: any write, `rawset` or
//! `setmetatable` raises ("the view is read-only (cannot set 'price')"), so nothing a
//! strategy does changes what it or the host reads. Being proxies, they are empty to
//! the raw functions (`next`, `rawget`, `rawlen`): iterate with `ipairs`, `pairs` or
//! `1, #t`. Amounts are floats of whole TAO; orders truncate them to rao.
//!
//! # Faults and forfeit
//! A call that raises an uncaught error, reaches a limit, or returns a value (`on_tick`
//! and `init` must return nothing) is a fault: the strategy loses that turn (every order
//! of that call is discarded; its log lines are kept), the outcome carries the [`Fault`],
//! and its fault count rises by one. A fault's message names the limit it reached (e.g.
//! "more than 32 orders in one call", "64 MiB") and, for the instruction budget, the wall
//! clock and the orders, the strategy's own line where the call stopped (`file:line`:
//! the innermost frame of the strategy's chunk, found by walking the Lua stack once, when
//! the limit is reached; nothing is tracked while the strategy runs). A strategy with
//! `Limits::fault_limit` faults in a match is forfeited: it is never called again and
//! returns empty outcomes; its positions stay in the world. A call that faults after
//! `dtao.options` refused the strategy's options forfeits it at once (it would play
//! other settings than its name says). The Lua state stays usable after every fault.

mod api;
pub mod builtin;
mod pattern;
mod sandbox;
mod source;
mod view;

use std::fmt;
use std::rc::Rc;

use mlua::chunk::ChunkMode;
use mlua::{Lua, MultiValue, Value};

use crate::engine::{AccountId, Event, Order, World};
use sandbox::{Host, Shared};
use view::ViewState;

/// Resource limits of one strategy. Every field applies per call (load, `init`, each
/// `on_tick`) except `memory_bytes` (the state's total) and `fault_limit` (per match).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Lua VM instructions per call (counted every 1000 instructions).
    pub instructions_per_call: u64,
    /// Memory of the Lua state, in bytes (0: no limit).
    pub memory_bytes: usize,
    /// Wall-clock backstop per call, in milliseconds (0: none).
    pub wall_clock_ms: u64,
    /// Orders per call; one more is a [`Fault::TooManyOrders`].
    pub max_orders_per_tick: usize,
    /// Log bytes per call; the rest is dropped with a "log truncated" line.
    pub max_log_bytes_per_tick: usize,
    /// Faults after which the strategy is forfeited.
    pub fault_limit: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            instructions_per_call: 1_000_000,
            memory_bytes: 64 << 20,
            wall_clock_ms: 1000,
            max_orders_per_tick: 32,
            max_log_bytes_per_tick: 8 << 10,
            fault_limit: 5,
        }
    }
}

/// Why a call lost its turn. Its `Display` is the line shown to the player: it names
/// the limit that was reached and, where known, the place in the strategy's file
/// (`file:line`, the innermost line of the strategy's own code when it stopped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// An uncaught Lua error: its message, starting with the file and line.
    Error(String),
    /// The instruction budget of the call was spent.
    Budget {
        /// The budget ([`Limits::instructions_per_call`]).
        limit: u64,
        /// Where the strategy's code was when it stopped (`file:line`), if known.
        at: Option<String>,
        /// How many calls deep its stack was then.
        depth: usize,
    },
    /// The Lua state ran out of its memory allowance.
    Memory {
        /// The allowance in bytes ([`Limits::memory_bytes`]; 0: none).
        limit: usize,
        /// Where the strategy's code last ran near the limit (`file:line`), if known.
        at: Option<String>,
    },
    /// The call ran past the wall-clock backstop.
    WallClock {
        /// The backstop in milliseconds ([`Limits::wall_clock_ms`]).
        limit_ms: u64,
        /// Where the strategy's code was when it stopped (`file:line`), if known.
        at: Option<String>,
    },
    /// `on_tick` or `init` returned something (they must return nothing).
    BadReturn(String),
    /// More orders in one call than allowed.
    TooManyOrders {
        /// The most orders one call may place ([`Limits::max_orders_per_tick`]).
        limit: usize,
        /// Where the first order over the limit was placed (`file:line`), if known.
        at: Option<String>,
    },
}

/// A stack at least this many calls deep when a call stops reads as a recursion.
const RECURSION_DEPTH: usize = 1000;

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Error(m) => write!(f, "error: {m}"),
            Fault::Budget { limit, at, depth } => {
                write!(
                    f,
                    "used up its instruction budget of {} instructions for one call",
                    crate::text::thousands(*limit)
                )?;
                // A stack this deep is a recursion that does not end, not a loop.
                let what = if *depth >= RECURSION_DEPTH {
                    format!("a recursion {} calls deep that never ends?", crate::text::thousands(*depth as u64))
                } else {
                    "an endless or very long loop?".to_string()
                };
                match at {
                    Some(at) => write!(f, " (stopped at {at}: {what})"),
                    None => write!(f, " ({what})"),
                }
            }
            Fault::Memory { limit, at } => {
                match limit {
                    0 => f.write_str("ran out of memory (its tables or strings grew too large")?,
                    l => write!(
                        f,
                        "ran out of memory: a strategy may use at most {} (its tables or strings grew too large",
                        sandbox::memory_size(*l)
                    )?,
                }
                match at {
                    Some(at) => write!(f, "; near the limit at {at})"),
                    None => f.write_str(")"),
                }
            }
            Fault::WallClock { limit_ms, at } => {
                write!(f, "ran past the wall-clock limit of {limit_ms} ms for one call")?;
                match at {
                    Some(at) => write!(f, " (stopped at {at})"),
                    None => Ok(()),
                }
            }
            Fault::BadReturn(m) => write!(f, "bad return value: {m}"),
            Fault::TooManyOrders { limit, at } => {
                write!(f, "placed more orders than one call allows: more than {limit} orders in one call")?;
                match at {
                    Some(at) => write!(f, " (order {} at {at})", limit.saturating_add(1)),
                    None => Ok(()),
                }
            }
        }
    }
}

/// What one call produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickOutcome {
    /// Orders to submit, in the order given (empty after a fault).
    pub orders: Vec<Order>,
    /// Log lines (`dtao.log`, `print`), capped per call.
    pub log: Vec<String>,
    /// Why the call lost its turn, if it did.
    pub fault: Option<Fault>,
}

/// A strategy that cannot be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// The file does not parse: Lua's message, `name:line: ...`.
    #[error("{0}")]
    Syntax(String),
    /// Precompiled bytecode instead of source text.
    #[error("{name}: precompiled Lua bytecode is refused; give the strategy's .lua source text")]
    Bytecode {
        /// The file.
        name: String,
    },
    /// The file uses something the sandbox refuses before compiling.
    #[error("{name}:{line}: {what}")]
    Refused {
        /// The file.
        name: String,
        /// The line.
        line: usize,
        /// What and why.
        what: String,
    },
    /// The file's top level failed (its code outside functions).
    #[error("{name}: loading failed: {fault}")]
    Load {
        /// The file.
        name: String,
        /// What went wrong.
        fault: Fault,
    },
    /// No `on_tick` function.
    #[error("{name}: no on_tick(w) function{hint}: a strategy must define `function on_tick(w) ... end`")]
    NoOnTick {
        /// The file.
        name: String,
        /// A global function whose name looks like `on_tick` misspelt, as
        /// ` (it defines 'onTick': did you mean on_tick?)`, or empty.
        hint: String,
    },
    /// A bad `cadence`.
    #[error("{name}: cadence must be a whole number of blocks >= 1 (got {got})")]
    BadCadence {
        /// The file, with the line of the assignment when there is one (`bot.lua:3`), or
        /// the lines of its assignments.
        name: String,
        /// The value found.
        got: String,
    },
    /// The sandbox itself could not be built (e.g. a memory limit too small for it).
    #[error("{name}: cannot set up the Lua sandbox: {message}")]
    Setup {
        /// The file.
        name: String,
        /// Why.
        message: String,
    },
}

/// One strategy's Lua state for one match. Not `Send`: build it on the thread that runs
/// the match.
pub struct Strategy {
    lua: Lua,
    host: Host,
    shared: Rc<Shared>,
    view: ViewState,
    /// `w.accounts`' tables, kept for the match and updated in place.
    accounts: std::cell::RefCell<view::AccountTables>,
    name: String,
    file: String,
    /// Where a bad `cadence` is reported: `file:LINE` of its one assignment, or `file`.
    cadence_origin: String,
    cadence: Option<u64>,
    faults: u32,
    /// Faults that were the wall-clock backstop (their timing depends on the machine).
    wall_clock_faults: u32,
    forfeited: bool,
}

impl fmt::Debug for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Strategy")
            .field("name", &self.name)
            .field("file", &self.file)
            .field("cadence", &self.cadence)
            .field("faults", &self.faults)
            .field("forfeited", &self.forfeited)
            .finish_non_exhaustive()
    }
}

impl Strategy {
    /// Loads a strategy: builds its sandbox, runs the file's top level (under the
    /// per-call limits, with no orders allowed), and checks `on_tick` and `cadence`.
    /// `name` is both the file named in messages (the chunk name, e.g.
    /// `strategies/x.lua`) and the key of the random stream (`bot:<name>` of the match
    /// `seed`; see [`Strategy::set_random_key`]). [`Strategy::load_file`] names them
    /// apart.
    ///
    /// # Errors
    /// Bytecode, a syntax error, a failing top level, no `on_tick`, or a bad `cadence`.
    pub fn load(name: &str, source: &str, seed: u64, limits: Limits) -> Result<Self, ScriptError> {
        Self::load_file(name, name, source, seed, limits)
    }

    /// [`Strategy::load`] of a strategy called `name` (its [`Strategy::name`] and the key
    /// of its random stream, `bot:<name>`) read from `file`: the path as the player gave
    /// it (e.g. `strategies/momentum.lua` or `./my_bot.lua`), used as the Lua chunk name
    /// and so in every message about the file: syntax errors (`file:5: ...`), runtime
    /// errors and faults (`file:12: ...`, `stopped at file:12`) and the `name` of every
    /// [`ScriptError`]. Give a shipped strategy's file as `<name>.lua`.
    ///
    /// # Errors
    /// Bytecode, a syntax error, a failing top level, no `on_tick`, or a bad `cadence`.
    pub fn load_file(file: &str, name: &str, source: &str, seed: u64, limits: Limits) -> Result<Self, ScriptError> {
        // A byte-order mark (editors on Windows write one) is skipped, as `lua` does.
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        if source.as_bytes().first() == Some(&0x1b) {
            return Err(ScriptError::Bytecode { name: file.to_string() });
        }
        if let Some(line) = source::find_close_attribute(source) {
            return Err(ScriptError::Refused {
                name: file.to_string(),
                line,
                what: "to-be-closed variables (<close>) are not available to strategies".to_string(),
            });
        }
        let shared = Rc::new(Shared::new(limits, seed, file, name));
        let setup = |e: mlua::Error| ScriptError::Setup { name: file.to_string(), message: sandbox::error_message(&e) };
        let (lua, host) = sandbox::new_state(&shared).map_err(setup)?;
        let chunk =
            lua.load(source).set_name(format!("@{file}")).set_mode(ChunkMode::Text).into_function().map_err(|e| {
                match &e {
                    // The parser's own recursion limit, which Lua reports without a place.
                    e if sandbox::error_message(e).starts_with("C stack overflow") => ScriptError::Syntax(format!(
                        "{file}: the code nests too deeply for Lua's parser (about 200 levels of brackets, tables or \
                         chained operators such as ..): split it into smaller expressions"
                    )),
                    _ => ScriptError::Syntax(sandbox::error_message(&e)),
                }
            })?;
        let mut s = Self {
            lua,
            host,
            shared,
            view: ViewState::default(),
            accounts: std::cell::RefCell::default(),
            name: name.to_string(),
            file: file.to_string(),
            cadence_origin: source::cadence_origin(file, source),
            cadence: None,
            faults: 0,
            wall_clock_faults: 0,
            forfeited: false,
        };
        s.shared.reset(false);
        s.shared.start_counting();
        let r = chunk.call::<MultiValue>(());
        s.shared.stop_counting();
        if let Err(e) = r {
            let fault = s.shared.classify(&e);
            return Err(ScriptError::Load { name: s.file.clone(), fault });
        }
        match s.lua.globals().raw_get::<Value>("on_tick") {
            Ok(Value::Function(_)) => {}
            _ => {
                let hint = misspelt_hooks(&s.lua)
                    .into_iter()
                    .find(|(_, hook)| *hook == "on_tick")
                    .map(|(g, _)| format!(" (it defines '{}': did you mean on_tick?)", crate::text::escape_hidden(&g)))
                    .unwrap_or_default();
                return Err(ScriptError::NoOnTick { name: s.file.clone(), hint });
            }
        }
        s.cadence = s.read_cadence().map_err(|got| ScriptError::BadCadence { name: s.cadence_origin.clone(), got })?;
        Ok(s)
    }

    /// Globals whose names look like a misspelt hook the strategy does not define
    /// (`Init`, `ontick`, `cadance`), with the hook each looks like, sorted: the game
    /// never calls or reads them.
    #[must_use]
    pub fn misspelt_hooks(&self) -> Vec<(String, &'static str)> {
        misspelt_hooks(&self.lua)
    }

    /// The global `cadence` as last read (after load and after `init`), if set.
    #[must_use]
    pub fn cadence(&self) -> Option<u64> {
        self.cadence
    }

    /// Faults so far in this match.
    #[must_use]
    pub fn faults(&self) -> u32 {
        self.faults
    }

    /// How many of its faults were the wall-clock backstop: unlike the other limits, it
    /// depends on the machine's speed and load.
    #[must_use]
    pub fn wall_clock_faults(&self) -> u32 {
        self.wall_clock_faults
    }

    /// Whether the strategy has been forfeited (it reached `fault_limit` faults).
    #[must_use]
    pub fn forfeited(&self) -> bool {
        self.forfeited
    }

    /// The strategy's name (the `name` given to [`Strategy::load`] or
    /// [`Strategy::load_file`]).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file named in messages (the chunk name): `file` of [`Strategy::load_file`],
    /// or the name given to [`Strategy::load`].
    #[must_use]
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Bytes used by the Lua state.
    #[must_use]
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Instructions counted in the last call (to the hook's granularity of 1000, plus
    /// charges for C work).
    #[must_use]
    pub fn last_instructions(&self) -> u64 {
        self.shared.instructions()
    }

    /// Renames the random stream to `bot:<key>` of the same match seed, e.g. so that two
    /// seats running the same file draw different numbers. Restarts the stream.
    pub fn set_random_key(&mut self, key: &str) {
        self.shared.set_rng_key(key);
    }

    /// Calls `init(cfg)` if the strategy defines it. `cfg` holds `map`, `name` and `id`
    /// (this account), `block`, `tempo`, `cadence` (as scheduled: the strategy's or the
    /// tempo), `options` (the `key = value` pairs given by the player or the tournament)
    /// and `w` (the view as in `on_tick`). Orders placed in `init` are returned like
    /// `on_tick`'s. Re-reads `cadence` afterwards (a bad value is a fault).
    pub fn init(&mut self, world: &World, me: AccountId, options: &[(String, String)]) -> TickOutcome {
        if self.forfeited {
            return TickOutcome::default();
        }
        let r = self.call(world, me, &[], Some(options));
        let r = r.and_then(|()| match self.read_cadence() {
            Ok(c) => {
                self.cadence = c;
                Ok(())
            }
            Err(got) => Err(Fault::Error(format!(
                "{}: cadence must be a whole number of blocks >= 1 (got {got})",
                self.cadence_origin
            ))),
        });
        self.finish(r)
    }

    /// Calls `on_tick(w)` for account `me`. `results` are the events since this
    /// strategy's previous call (the session may pass every event of those blocks: only
    /// `Event::Applied` / `Event::Rejected` of `me` become `w.results`, in order).
    /// A forfeited strategy is not called and returns an empty outcome.
    pub fn on_tick(&mut self, world: &World, me: AccountId, results: &[Event]) -> TickOutcome {
        if self.forfeited {
            return TickOutcome::default();
        }
        let r = self.call(world, me, results, None);
        self.finish(r)
    }

    /// One call: refreshes the view, then calls `on_tick(w)`, or `init(cfg)` when
    /// `init_options` is given, with the budget and the clock running, and checks the
    /// return value. Everything runs in one `Lua::scope`, whose callback builds
    /// `w.accounts` from `world` on demand and is invalidated when the call ends.
    fn call(
        &mut self,
        world: &World,
        me: AccountId,
        results: &[Event],
        init_options: Option<&[(String, String)]>,
    ) -> Result<(), Fault> {
        let Self { lua, host, shared, view, accounts: account_tables, cadence, .. } = self;
        shared.reset(true);
        let entry = if init_options.is_some() { "init" } else { "on_tick" };
        let r = lua.scope(|scope| {
            let f = match lua.globals().raw_get::<Value>(entry)? {
                Value::Function(f) => f,
                Value::Nil if init_options.is_some() => return Ok(Ok(())),
                other => return Ok(Err(Fault::Error(format!("{entry} is a {}, not a function", lua_type(&other))))),
            };
            let accounts = scope.create_function(|lua, ()| view::accounts(lua, world, account_tables))?;
            let w = view.refresh(lua, host, shared, world, me, results, accounts)?;
            let arg = match init_options {
                Some(options) => init_config(lua, world, me, options, cadence.unwrap_or(world.params.tempo), w)?,
                None => Value::Table(w),
            };
            sandbox::tune_hook(lua, shared)?;
            shared.start_counting();
            let r = f.call::<MultiValue>(arg);
            let late = shared.past_deadline();
            shared.stop_counting();
            Ok(match r {
                // Its time ran out between two of the hook's checks: a fault all the same.
                Ok(_) if late => Err(Fault::WallClock { limit_ms: shared.limits.wall_clock_ms, at: None }),
                Ok(values) => match values.iter().find(|v| !v.is_nil()) {
                    None => Ok(()),
                    Some(v) => {
                        // Where the function that returned it is written (a Lua function
                        // of the strategy's own file).
                        let info = f.info();
                        let at = match (info.source.as_deref().and_then(|s| s.strip_prefix('@')), info.line_defined) {
                            (Some(file), Some(line)) => format!("{file}:{line}: "),
                            _ => String::new(),
                        };
                        Err(Fault::BadReturn(format!(
                            "{at}{entry} returned a {} value; on_tick and init must return nothing (place orders \
                             with dtao.stake(...) and friends)",
                            lua_type(v)
                        )))
                    }
                },
                Err(e) => Err(shared.classify(&e)),
            })
        });
        shared.stop_counting();
        r.unwrap_or_else(|e| Err(shared.classify(&e)))
    }

    /// Collects the call's orders and log, and counts a fault.
    fn finish(&mut self, r: Result<(), Fault>) -> TickOutcome {
        self.shared.stop_counting();
        let log = std::mem::take(&mut *self.shared.log.borrow_mut());
        let orders = std::mem::take(&mut *self.shared.orders.borrow_mut());
        // Refused options forfeit the strategy even when it caught the error (pcall):
        // it would play settings other than its name says.
        let caught = self.shared.bad_options.borrow().clone().filter(|_| r.is_ok());
        let r = match caught {
            Some(why) => {
                Err(Fault::Error(format!("{why} (caught by the strategy; refused options forfeit all the same)")))
            }
            None => r,
        };
        match r {
            Ok(()) => TickOutcome { orders, log, fault: None },
            Err(fault) => {
                self.faults += 1;
                if matches!(fault, Fault::WallClock { .. }) {
                    self.wall_clock_faults += 1;
                }
                // Options that `dtao.options` refused: the strategy would play settings
                // other than its name says, so it sits the match out from now on.
                if self.faults >= self.shared.limits.fault_limit || self.shared.bad_options.borrow().is_some() {
                    self.forfeited = true;
                }
                if matches!(fault, Fault::Memory { .. }) {
                    // Free what the failed call left behind; the limit still holds.
                    let _ = self.lua.gc_collect();
                }
                TickOutcome { orders: Vec::new(), log, fault: Some(fault) }
            }
        }
    }

    /// Whether the strategy has called `dtao.options` (in any call so far): one that
    /// never does ignores the options it is given, unless it reads `cfg.options` itself.
    #[must_use]
    pub fn reads_options(&self) -> bool {
        self.shared.options_read.get()
    }

    /// The global `cadence`: `Ok(None)` if unset, `Err(shown value)` if not a whole
    /// number >= 1.
    fn read_cadence(&self) -> Result<Option<u64>, String> {
        match self.lua.globals().raw_get::<Value>("cadence") {
            Ok(Value::Nil) => Ok(None),
            Ok(Value::Integer(i)) if i >= 1 => Ok(u64::try_from(i).ok()),
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            // A whole float in the integers' range (from 2^53 on, every float is whole).
            Ok(Value::Number(x)) if x.fract() == 0.0 && (1.0..9_223_372_036_854_775_808.0).contains(&x) => {
                Ok(Some(x as u64))
            }
            Ok(Value::Integer(i)) => Err(i.to_string()),
            Ok(Value::Number(x)) => Err(shown_number(x)),
            Ok(Value::String(s)) => {
                let s = s.to_string_lossy();
                let cut: String = s.chars().take(40).flat_map(char::escape_default).collect();
                Err(format!("the string '{cut}{}'", if s.chars().count() > 40 { "..." } else { "" }))
            }
            Ok(other) => Err(format!("a {}", lua_type(&other))),
            Err(e) => Err(sandbox::error_message(&e)),
        }
    }
}

/// `init`'s `cfg` table.
fn init_config(
    lua: &Lua,
    world: &World,
    me: AccountId,
    options: &[(String, String)],
    cadence: u64,
    w: mlua::Table,
) -> mlua::Result<Value> {
    let cfg = lua.create_table()?;
    cfg.raw_set("map", world.map.as_str())?;
    cfg.raw_set("name", world.account(me).map(|a| a.name.as_str()).unwrap_or(""))?;
    cfg.raw_set("id", me.0)?;
    cfg.raw_set("block", world.block)?;
    cfg.raw_set("tempo", world.params.tempo)?;
    cfg.raw_set("cadence", cadence)?;
    let opts = lua.create_table()?;
    for (k, v) in options {
        opts.raw_set(k.as_str(), v.as_str())?;
    }
    cfg.raw_set("options", opts)?;
    cfg.raw_set("w", w)?;
    Ok(Value::Table(cfg))
}

/// A float as a message shows it: short, in exponent form when very large or small
/// (`1e300`, not 301 digits).
fn shown_number(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-4..1e15).contains(&x.abs()) { format!("{x:e}") } else { x.to_string() }
}

/// A value's type as Lua's `type()` names it.
fn lua_type(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) | Value::Number(_) => "number",
        Value::Error(_) => "userdata",
        other => other.type_name(),
    }
}

/// The names the game reads from a strategy, and what each must be.
const HOOKS: [(&str, bool); 3] = [("on_tick", true), ("init", true), ("cadence", false)];

/// See [`Strategy::misspelt_hooks`]: a function for `on_tick` and `init`, a number for
/// `cadence`, named like the hook in another case or without its `_`, or one edit away.
fn misspelt_hooks(lua: &Lua) -> Vec<(String, &'static str)> {
    let g = lua.globals();
    let missing: Vec<(&'static str, bool)> =
        HOOKS.into_iter().filter(|(hook, _)| matches!(g.raw_get::<Value>(*hook), Ok(Value::Nil))).collect();
    let squash = |s: &str| s.to_ascii_lowercase().replace('_', "");
    let mut out = Vec::new();
    for (k, v) in g.pairs::<Value, Value>().flatten() {
        let Value::String(k) = k else { continue };
        let Ok(k) = k.to_str().map(|k| k.to_string()) else { continue };
        for &(hook, function) in &missing {
            let fits = if function { v.is_function() } else { v.is_number() || v.is_integer() };
            let near = k.chars().count() <= 16 && crate::text::distance(&k.to_ascii_lowercase(), hook) <= 1;
            if fits && (squash(&k) == squash(hook) || near) {
                out.push((k.clone(), hook));
            }
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests;
