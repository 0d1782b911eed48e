//! The Lua state of one strategy: libraries, limits, the instruction hook, the Rust
//! helpers of `host.lua`, and how a failed call becomes a [`Fault`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use mlua::chunk::ChunkMode;
use mlua::{HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};

use super::pattern::{self, PatternFn};
use super::{Fault, Limits};
use crate::engine::Order;
use crate::engine::pool::PoolRules;
use crate::engine::rng::Stream;
use crate::engine::world::Netuid;

/// The Lua half of the host.
const HOST_LUA: &str = include_str!("host.lua");

/// The hook runs every this many VM instructions (fewer when the budget is smaller).
pub(crate) const HOOK_EVERY: u64 = 1000;
/// The hook's spacing for a call that starts with over half of the memory allowance in
/// use: close enough to see where the code runs before a few large allocations reach
/// the limit (see [`Shared::memory_at`]). Such a state is rare, so its cost is too.
const HOOK_EVERY_NEAR_LIMIT: u64 = 16;

/// Bytes of string work charged as one instruction (`string.rep`, `upper`, `pack`...).
const BYTES_PER_INSTRUCTION: u64 = 64;

/// Table elements charged as one instruction (`table.concat`).
const ELEMENTS_PER_INSTRUCTION: u64 = 4;

/// `pairs` charges one instruction per key, in batches of this many keys (so that a huge
/// table stops early), plus one per 4 comparisons of the sort.
const KEYS_PER_CHARGE: usize = 256;

/// The largest `string.rep` result when the state has no memory limit.
const REP_CAP_UNLIMITED: u64 = 256 << 20;

/// A limit of the current call that has been reached. Once set, the hook raises at every
/// firing and the wrapped catchers (`pcall`, `xpcall`, `coroutine.resume`,
/// `coroutine.close`, `coroutine.wrap`) re-raise, until the call ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    Budget,
    WallClock,
    Memory,
    TooManyOrders,
}

impl Stop {
    /// The error raised inside Lua (the call's [`Fault`] says it to the player).
    fn message(self, limits: &Limits) -> String {
        match self {
            Stop::Budget => {
                format!(
                    "instruction budget spent ({} instructions per call)",
                    crate::text::thousands(limits.instructions_per_call)
                )
            }
            Stop::WallClock => format!("wall-clock backstop reached ({} ms per call)", limits.wall_clock_ms),
            Stop::Memory if limits.memory_bytes == 0 => "not enough memory".to_string(),
            Stop::Memory => format!("memory limit reached ({})", memory_size(limits.memory_bytes)),
            Stop::TooManyOrders => format!("more than {} orders in one call", limits.max_orders_per_tick),
        }
    }

    fn fault(self, limits: &Limits, at: Option<String>, depth: usize) -> Fault {
        match self {
            Stop::Budget => Fault::Budget { limit: limits.instructions_per_call, at, depth },
            Stop::WallClock => Fault::WallClock { limit_ms: limits.wall_clock_ms, at },
            Stop::Memory => Fault::Memory { limit: limits.memory_bytes, at },
            Stop::TooManyOrders => Fault::TooManyOrders { limit: limits.max_orders_per_tick, at },
        }
    }
}

/// A memory size in the largest binary unit that divides it: `64 MiB`, `512 KiB`, or
/// bytes.
pub(crate) fn memory_size(bytes: usize) -> String {
    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;
    const GIB: usize = 1 << 30;
    match bytes {
        0 => "0 bytes".to_string(),
        b if b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{} bytes", crate::text::thousands(b as u64)),
    }
}

/// The number of frames on the running thread's stack: levels are probed by doubling,
/// then by bisection (a few dozen probes for a stack a million calls deep).
fn stack_depth(lua: &Lua) -> usize {
    const MOST: usize = 1 << 24;
    let exists = |level: usize| lua.inspect_stack(level, |_| ()).is_some();
    if !exists(0) {
        return 0;
    }
    // Level `lo` exists and level `hi` does not.
    let mut lo = 0;
    let mut hi = 1;
    while hi < MOST && exists(hi) {
        lo = hi;
        hi *= 2;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if exists(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo + 1
}

/// How many stack levels [`Shared::locate`] looks through for the strategy's own code.
const LOCATE_DEPTH: usize = 256;

/// State shared between the strategy's Rust object, the hook and the Rust helpers.
pub(crate) struct Shared {
    pub limits: Limits,
    /// The strategy's chunk name as Lua reports it in `source` (`@` + its file).
    chunk_source: String,
    /// A limit reached in this call.
    stop: Cell<Option<Stop>>,
    /// Where the strategy's code was when the limit was reached (`file:line`), if known.
    stop_at: RefCell<Option<String>>,
    /// How many calls deep the stack was then (a recursion that never ends is deep).
    stop_depth: Cell<usize>,
    /// Where the strategy's code last ran with over half its memory in use (`file:line`):
    /// an out-of-memory error unwinds the stack before anyone can look at it.
    memory_at: RefCell<Option<String>>,
    /// Instructions between two calls of the hook, as installed.
    hook_every: Cell<u64>,
    /// Whether strategy code is running (the hook counts and stops only then).
    counting: Cell<bool>,
    /// Instructions counted by the hook in this call.
    used: Cell<u64>,
    /// Instructions charged for C work (patterns, `rep`, sorting keys).
    charged: Cell<u64>,
    /// The wall-clock backstop of this call.
    deadline: Cell<Option<Instant>>,
    /// Whether orders may be placed now (in `init` and `on_tick`, not at load).
    pub accepting: Cell<bool>,
    /// Orders placed in this call.
    pub orders: RefCell<Vec<Order>>,
    /// Log lines of this call.
    pub log: RefCell<Vec<String>>,
    log_bytes: Cell<usize>,
    log_truncated: Cell<bool>,
    /// The strategy's random stream.
    rng: RefCell<Stream>,
    seed: u64,
    rng_key: RefCell<String>,
    /// Pools `(T, A)` by netuid at the start of the call, for the quote helpers.
    pub pools: RefCell<Vec<Option<(u64, u64)>>>,
    /// Pool rules at the start of the call.
    pub rules: Cell<PoolRules>,
    /// Why `dtao.options` refused the strategy's options in this call, if it did: the
    /// call's fault then forfeits the strategy at once, and a call that caught the
    /// error (`pcall`) faults all the same.
    pub bad_options: RefCell<Option<String>>,
    /// Whether `dtao.options` was ever called (kept across calls).
    pub options_read: Cell<bool>,
}

impl Shared {
    /// `file` is the strategy's chunk name (without the `@`), `rng_key` names its random
    /// stream.
    pub(crate) fn new(limits: Limits, seed: u64, file: &str, rng_key: &str) -> Self {
        Self {
            limits,
            chunk_source: format!("@{file}"),
            stop: Cell::new(None),
            stop_at: RefCell::new(None),
            stop_depth: Cell::new(0),
            memory_at: RefCell::new(None),
            hook_every: Cell::new(0),
            counting: Cell::new(false),
            used: Cell::new(0),
            charged: Cell::new(0),
            deadline: Cell::new(None),
            accepting: Cell::new(false),
            orders: RefCell::new(Vec::new()),
            log: RefCell::new(Vec::new()),
            log_bytes: Cell::new(0),
            log_truncated: Cell::new(false),
            rng: RefCell::new(Stream::new(seed, &format!("bot:{rng_key}"))),
            seed,
            rng_key: RefCell::new(rng_key.to_string()),
            pools: RefCell::new(Vec::new()),
            rules: Cell::new(PoolRules { fee: 0, min_stake: 0, min_liquidity: 0 }),
            bad_options: RefCell::new(None),
            options_read: Cell::new(false),
        }
    }

    /// Clears everything a call collects; the hook does not count yet.
    pub(crate) fn reset(&self, accepting: bool) {
        self.stop.set(None);
        self.stop_at.borrow_mut().take();
        self.stop_depth.set(0);
        self.memory_at.borrow_mut().take();
        self.counting.set(false);
        self.used.set(0);
        self.charged.set(0);
        self.deadline.set(None);
        self.accepting.set(accepting);
        self.orders.borrow_mut().clear();
        self.log.borrow_mut().clear();
        self.log_bytes.set(0);
        self.log_truncated.set(false);
        self.bad_options.borrow_mut().take();
    }

    /// Strategy code starts: the budget and the clock start now.
    pub(crate) fn start_counting(&self) {
        self.used.set(0);
        self.charged.set(0);
        self.deadline.set(if self.limits.wall_clock_ms == 0 {
            None
        } else {
            Instant::now().checked_add(Duration::from_millis(self.limits.wall_clock_ms))
        });
        self.counting.set(true);
    }

    /// Whether the call's wall clock has run out. The hook checks it every
    /// [`HOOK_EVERY`] instructions, so a few very slow instructions (`<` on strings of
    /// megabytes of NUL bytes costs a tenth of a second each) can outrun it unseen: the
    /// call's end checks it too.
    pub(crate) fn past_deadline(&self) -> bool {
        self.deadline.get().is_some_and(|d| Instant::now() >= d)
    }

    /// Strategy code has returned.
    pub(crate) fn stop_counting(&self) {
        self.counting.set(false);
        self.accepting.set(false);
    }

    /// Instructions used in this call so far (hook granularity, plus charges).
    pub(crate) fn instructions(&self) -> u64 {
        self.used.get().saturating_add(self.charged.get())
    }

    /// Records `s` as the call's reached limit (unless one already is), with the place
    /// in the strategy's code found on `lua`'s current stack, and returns the limit's
    /// message. Runs once per stopped call, so walking the stack costs nothing that
    /// matters.
    fn set_stop(&self, lua: &Lua, s: Stop) -> String {
        if self.stop.get().is_none() {
            self.stop.set(Some(s));
            *self.stop_at.borrow_mut() = self.locate(lua);
            self.stop_depth.set(stack_depth(lua));
        }
        self.stop.get().unwrap_or(s).message(&self.limits)
    }

    /// `file:line` of the innermost frame of the strategy's own code on the running
    /// thread's stack (skipping the host's Lua and C functions), if any.
    fn locate(&self, lua: &Lua) -> Option<String> {
        for level in 0..LOCATE_DEPTH {
            let found = lua.inspect_stack(level, |d| {
                if d.source().source.as_deref() == Some(self.chunk_source.as_str()) { d.current_line() } else { None }
            })?;
            if let Some(line) = found {
                return Some(format!("{}:{line}", &self.chunk_source[1..]));
            }
        }
        None
    }

    /// The message of a pending stop, if any.
    pub(crate) fn pending(&self) -> Option<String> {
        self.stop.get().map(|s| s.message(&self.limits))
    }

    /// Marks the order limit as reached and returns its message.
    pub(crate) fn too_many_orders(&self, lua: &Lua) -> String {
        self.set_stop(lua, Stop::TooManyOrders)
    }

    /// Charges `n` instructions for C work; past the budget the call stops.
    pub(crate) fn charge(&self, lua: &Lua, n: u64) -> Result<(), String> {
        if let Some(m) = self.pending() {
            return Err(m);
        }
        if !self.counting.get() {
            return Ok(());
        }
        self.charged.set(self.charged.get().saturating_add(n));
        if self.instructions() > self.limits.instructions_per_call {
            return Err(self.set_stop(lua, Stop::Budget));
        }
        if self.past_deadline() {
            return Err(self.set_stop(lua, Stop::WallClock));
        }
        Ok(())
    }

    fn hook(&self, lua: &Lua, every: u64) -> mlua::Result<VmState> {
        if !self.counting.get() {
            return Ok(VmState::Continue);
        }
        if let Some(m) = self.pending() {
            return Err(mlua::Error::runtime(m));
        }
        self.used.set(self.used.get().saturating_add(every));
        if self.instructions() > self.limits.instructions_per_call {
            return Err(mlua::Error::runtime(self.set_stop(lua, Stop::Budget)));
        }
        if self.past_deadline() {
            return Err(mlua::Error::runtime(self.set_stop(lua, Stop::WallClock)));
        }
        // With over half its memory in use, note where the code runs, for the fault if
        // it goes over (the last note before is where it grew). Below that, this costs
        // one read of a counter.
        let limit = self.limits.memory_bytes;
        if limit > 0 && lua.used_memory() >= limit / 2 {
            *self.memory_at.borrow_mut() = self.locate(lua);
        }
        Ok(VmState::Continue)
    }

    /// Appends a log line (bytes, shown as UTF-8 with invalid sequences replaced),
    /// within the per-call byte cap. Only the part that fits is ever converted.
    pub(crate) fn log_line(&self, bytes: &[u8]) {
        if self.log_truncated.get() {
            return;
        }
        let cap = self.limits.max_log_bytes_per_tick;
        let used = self.log_bytes.get();
        let room = cap.saturating_sub(used);
        let mut log = self.log.borrow_mut();
        if bytes.len() <= room {
            self.log_bytes.set(used + bytes.len());
            log.push(String::from_utf8_lossy(bytes).into_owned());
            return;
        }
        let head = String::from_utf8_lossy(&bytes[..room]);
        // Drop a replacement character made by cutting a UTF-8 sequence in two.
        let head = head.strip_suffix('\u{fffd}').unwrap_or(&head);
        if !head.is_empty() {
            log.push(format!("{head}..."));
        }
        log.push(format!("(log truncated: at most {cap} bytes per call)"));
        self.log_bytes.set(cap);
        self.log_truncated.set(true);
    }

    /// Replaces the random stream (`key` names it; the match seed stays).
    pub(crate) fn set_rng_key(&self, key: &str) {
        *self.rng_key.borrow_mut() = key.to_string();
        *self.rng.borrow_mut() = Stream::new(self.seed, &format!("bot:{key}"));
    }

    /// The pool `(T, A)` of a subnet at the start of the call.
    pub(crate) fn pool(&self, netuid: Netuid) -> Option<(u64, u64)> {
        self.pools.borrow().get(usize::from(netuid)).copied().flatten()
    }

    /// What a failed call is: a reached limit first, else a memory error, else the
    /// error's message.
    pub(crate) fn classify(&self, e: &mlua::Error) -> Fault {
        if let Some(s) = self.stop.get() {
            // Where memory ran short, rather than where the error was caught.
            let at = if s == Stop::Memory { self.memory_at.borrow().clone() } else { None };
            return s.fault(&self.limits, at.or_else(|| self.stop_at.borrow().clone()), self.stop_depth.get());
        }
        if is_memory_error(e) {
            return Fault::Memory { limit: self.limits.memory_bytes, at: self.memory_at.borrow().clone() };
        }
        Fault::Error(error_message(e))
    }
}

/// Whether an error is Lua's out-of-memory error (possibly wrapped).
fn is_memory_error(e: &mlua::Error) -> bool {
    match e {
        mlua::Error::MemoryError(_) => true,
        mlua::Error::CallbackError { cause, .. } => is_memory_error(cause),
        mlua::Error::WithContext { cause, .. } => is_memory_error(cause),
        _ => false,
    }
}

/// Whether a Lua error value caught by `pcall` is the out-of-memory error.
fn is_memory_value(v: &Value) -> bool {
    match v {
        Value::String(s) => s.as_bytes().as_ref() == b"not enough memory",
        Value::Error(e) => is_memory_error(e),
        _ => false,
    }
}

/// A one-line message for an error: the Lua message without traceback, addresses
/// scrubbed (they differ between runs), at most 500 bytes.
pub(crate) fn error_message(e: &mlua::Error) -> String {
    let raw = match e {
        mlua::Error::RuntimeError(m) => m.clone(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::MemoryError(_) => "not enough memory".to_string(),
        mlua::Error::CallbackError { cause, .. } => return error_message(cause),
        mlua::Error::WithContext { cause, .. } => return error_message(cause),
        other => other.to_string(),
    };
    let first = raw.split("\nstack traceback:").next().unwrap_or("");
    let mut msg = scrub_addresses(first.trim());
    if let Some(kind) = ["table", "function", "thread", "userdata"].iter().find(|k| msg == format!("{k}: 0x?")) {
        // `error({})`: a value, not a message, with nothing to say but its address.
        msg = format!(
            "the strategy raised a {kind} as its error, which has no message{}: raise a string, such as \
             error(\"what went wrong\")",
            raised_at(&raw)
        );
    }
    if msg == "nil" {
        // `error()` or `error(nil)`: Lua has nothing to say, not even where.
        msg = format!(
            "the strategy raised an error without a message (error() or error(nil)){}: give it one, such as \
             error(\"what went wrong\")",
            raised_at(&raw)
        );
    }
    // An error raised inside the host's own Lua (its `print`, `tostring` or coroutine
    // wrappers) is the strategy's: say where in the strategy, not the host's line.
    if let Some((line, rest)) = msg.strip_prefix("dtao-host:").and_then(|r| r.split_once(": ")) {
        if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) {
            msg = format!("{rest}{}", raised_at(&raw));
        }
    }
    if msg.contains("attempt to yield from outside a coroutine") {
        msg = format!(
            "{msg}{}: on_tick and init run outside any coroutine; yield only inside one the strategy made with \
             coroutine.wrap or coroutine.create",
            raised_at(&raw)
        );
    }
    if msg.starts_with("C stack overflow") {
        msg.push_str(
            ": calls nested too deeply (a metamethod such as __tostring or __index that calls itself without end?)",
        );
    }
    if let Some(name) = removed_global(&msg) {
        // Reads like a bug in the strategy; it is the sandbox.
        msg.push_str(&format!(
            " ('{name}' is not available to strategies: they cannot reach files, the network, the clock or \
             other code; see the README's \"The sandbox\")"
        ));
    }
    if msg.contains("nil value (field 'dump')") || msg.contains("nil value (method 'dump')") {
        msg.push_str(
            " (string.dump is not available to strategies: they cannot make or load bytecode; to sell alpha, call \
             dtao.dump)",
        );
    }
    if msg.len() > 500 {
        let mut cut = 500;
        while !msg.is_char_boundary(cut) {
            cut -= 1;
        }
        msg.truncate(cut);
        msg.push_str("...");
    }
    msg
}

/// Where an error without a message was raised, from the traceback: " at FILE:LINE" for
/// the innermost frame of a Lua chunk other than the host's, or nothing.
fn raised_at(raw: &str) -> String {
    let Some((_, trace)) = raw.split_once("\nstack traceback:") else { return String::new() };
    trace
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('[') && !l.starts_with("dtao-host:") && !l.starts_with("(...tail calls...)"))
        .find_map(|l| {
            let (file, rest) = l.split_once(':')?;
            let line = rest.split_once(':')?.0;
            (!file.is_empty() && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()))
                .then(|| format!(" (at {}:{line})", scrub_addresses(file)))
        })
        .unwrap_or_default()
}

/// The sandbox's removed global that an error names, if any: Lua says "attempt to index
/// a nil value (global 'io')" or "attempt to call a nil value (global 'require')".
fn removed_global(msg: &str) -> Option<&'static str> {
    REMOVED_GLOBALS.iter().copied().find(|g| msg.contains(&format!("nil value (global '{g}')")))
}

/// The globals `host.lua` removes before a strategy runs: files, the clock, the process,
/// code from strings or bytecode, and the garbage collector.
pub(crate) const REMOVED_GLOBALS: &[&str] =
    &["io", "os", "package", "debug", "require", "load", "loadfile", "dofile", "collectgarbage", "warn"];

/// Replaces `0x` + hex digits by `0x?`.
fn scrub_addresses(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last = 0;
    while i + 2 < b.len() + 1 {
        if b[i] == b'0' && b.get(i + 1) == Some(&b'x') && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit) {
            out.push_str(&s[last..i]);
            out.push_str("0x?");
            i += 2;
            while b.get(i).is_some_and(u8::is_ascii_hexdigit) {
                i += 1;
            }
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// The host's private Lua functions and tables (see `host.lua`).
pub(crate) struct Host {
    pub refresh_loop: mlua::Function,
    pub set_subnet_meta: mlua::Function,
    pub set_netuids: mlua::Function,
    pub set_me: mlua::Function,
    pub params: Table,
}

/// Installs the instruction hook, called every `every` instructions (at most the budget).
fn install_hook(lua: &Lua, shared: &Rc<Shared>, every: u64) -> mlua::Result<()> {
    let every = every.min(shared.limits.instructions_per_call.max(1));
    shared.hook_every.set(every);
    let n = u32::try_from(every).unwrap_or(1000);
    let sh = Rc::clone(shared);
    lua.set_global_hook(HookTriggers::new().every_nth_instruction(n), move |lua, _| sh.hook(lua, every))
}

/// Before a call: the hook's spacing for the memory in use (closer when over half of the
/// allowance is, so that a fault there can name its line).
pub(crate) fn tune_hook(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<()> {
    let limit = shared.limits.memory_bytes;
    let every = if limit > 0 && lua.used_memory() >= limit / 2 { HOOK_EVERY_NEAR_LIMIT } else { HOOK_EVERY };
    if every.min(shared.limits.instructions_per_call.max(1)) != shared.hook_every.get() {
        install_hook(lua, shared, every)?;
    }
    Ok(())
}

/// Creates a sandboxed Lua state for one strategy.
pub(crate) fn new_state(shared: &Rc<Shared>) -> mlua::Result<(Lua, Host)> {
    let lua = Lua::new_with(
        StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::UTF8 | StdLib::COROUTINE,
        LuaOptions::new().catch_rust_panics(false),
    )?;
    if shared.limits.memory_bytes > 0 {
        lua.set_memory_limit(shared.limits.memory_bytes)?;
    }
    install_hook(&lua, shared, HOOK_EVERY)?;

    let h = lua.create_table()?;
    helpers(&lua, &h, shared)?;
    h.raw_set("api", super::api::create(&lua, shared)?)?;
    h.raw_set("removed_globals", lua.create_sequence_from(REMOVED_GLOBALS.iter().copied())?)?;
    let t: Table = lua.load(HOST_LUA).set_name("=dtao-host").set_mode(ChunkMode::Text).call(h)?;
    let host = Host {
        refresh_loop: t.raw_get("refresh_loop")?,
        set_subnet_meta: t.raw_get("set_subnet_meta")?,
        set_netuids: t.raw_get("set_netuids")?,
        set_me: t.raw_get("set_me")?,
        params: t.raw_get("params")?,
    };
    Ok((lua, host))
}

/// The Rust helpers of `host.lua` (see its comments).
fn helpers(lua: &Lua, h: &Table, shared: &Rc<Shared>) -> mlua::Result<()> {
    let sh = Rc::clone(shared);
    h.raw_set(
        "check",
        lua.create_function(move |lua, (ok, first): (bool, Value)| {
            if let Some(m) = sh.pending() {
                return Ok(Some(m));
            }
            if !ok && sh.counting.get() && is_memory_value(&first) {
                return Ok(Some(sh.set_stop(lua, Stop::Memory)));
            }
            Ok(None)
        })?,
    )?;

    // What `dtao.options` tells the host: it was called (the strategy reads its options),
    // and it refused them, with why (the call's fault forfeits the strategy).
    let sh = Rc::clone(shared);
    h.raw_set(
        "options_read",
        lua.create_function(move |_, ()| {
            sh.options_read.set(true);
            Ok(())
        })?,
    )?;
    let sh = Rc::clone(shared);
    h.raw_set(
        "bad_options",
        lua.create_function(move |_, why: String| {
            sh.bad_options.borrow_mut().get_or_insert(why);
            Ok(())
        })?,
    )?;

    // The raw metatable field of a value (`getmetatable` would stop at `__metatable`).
    // mlua's error values (the only userdata a strategy can hold) have `__tostring`.
    h.raw_set(
        "metafield",
        lua.create_function(|_, (v, name): (Value, mlua::LuaString)| match v {
            Value::Table(t) => match t.metatable() {
                Some(mt) => mt.raw_get::<Value>(name),
                None => Ok(Value::Nil),
            },
            Value::Error(_) if name.as_bytes().as_ref() == b"__tostring" => Ok(Value::Boolean(true)),
            _ => Ok(Value::Nil),
        })?,
    )?;

    // The closest of a table's field names to a misspelt one, for the view's "no field"
    // error (`H.suggest(word, names)`).
    h.raw_set(
        "suggest",
        lua.create_function(|_, (word, names): (mlua::LuaString, Table)| {
            let word = word.to_str().map(|w| w.to_string()).unwrap_or_default();
            let names: Vec<String> = names.sequence_values::<String>().filter_map(Result::ok).collect();
            Ok(crate::text::suggest(&word, names.iter().map(String::as_str)).map(str::to_string))
        })?,
    )?;

    let sh = Rc::clone(shared);
    h.raw_set(
        "sorted_keys",
        lua.create_function(move |lua, t: Table| -> mlua::Result<(Value, usize, Option<&'static str>)> {
            let mut keys: Vec<Value> = Vec::new();
            let mut failed = None;
            t.for_each(|k: Value, _: Value| {
                keys.push(k);
                if keys.len() % KEYS_PER_CHARGE == 0 {
                    if let Err(m) = sh.charge(lua, KEYS_PER_CHARGE as u64) {
                        failed = Some(m);
                        return Err(mlua::Error::runtime("stop"));
                    }
                }
                Ok(())
            })
            .or_else(|e| if failed.is_some() { Ok(()) } else { Err(e) })?;
            if let Some(m) = failed {
                return Err(mlua::Error::runtime(m));
            }
            let n = keys.len();
            if keys
                .iter()
                .all(|k| matches!(k, Value::Integer(i) if *i >= 1 && usize::try_from(*i).is_ok_and(|i| i <= n)))
            {
                // Distinct integers in 1..=n: exactly the sequence.
                return Ok((Value::Nil, n, None));
            }
            let log = usize::BITS - n.leading_zeros();
            if let Err(m) = sh.charge(lua, (n as u64).saturating_mul(u64::from(log)) / 4) {
                return Err(mlua::Error::runtime(m));
            }
            let mut keyed: Vec<(Value, Option<(u8, i64)>)> = keys
                .into_iter()
                .map(|k| {
                    let id = identity(&k);
                    (k, id)
                })
                .collect();
            keyed.sort_by(|(a, ia), (b, ib)| key_order(a, b).then(ia.cmp(ib)));
            // Keys that are tables or functions: Lua's own order follows their addresses,
            // which differ from run to run. The view's subnets and accounts sort by
            // netuid and id, after one other such key; two others have no fixed order.
            let others: Vec<&Option<(u8, i64)>> =
                keyed.iter().filter(|(k, _)| key_rank(k) == 3).map(|(_, i)| i).collect();
            let unnamed = others.iter().filter(|i| i.is_none()).count();
            let twice = others.windows(2).any(|w| w[0].is_some() && w[0] == w[1]);
            if unnamed > 1 || twice {
                return Ok((Value::Nil, 0, Some(UNORDERED_KEYS)));
            }
            let keys: Vec<Value> = keyed.into_iter().map(|(k, _)| k).collect();
            Ok((Value::Table(lua.create_sequence_from(keys)?), n, None))
        })?,
    )?;

    let sh = Rc::clone(shared);
    h.raw_set(
        "pattern",
        lua.create_function(move |lua, (code, s, p, _init, plain): (i64, Value, Value, Value, Value)| {
            let Some(f) = PatternFn::from_code(code) else { return Ok(None) };
            let n = match &s {
                Value::String(s) => s.as_bytes().len(),
                Value::Integer(_) | Value::Number(_) => 48,
                other => {
                    return Ok(Some(format!(
                        "bad argument #1 to '{}' (string expected, got {})",
                        f.name(),
                        other.type_name()
                    )));
                }
            };
            let pat = match &p {
                Value::String(s) => s.clone(),
                Value::Integer(_) | Value::Number(_) => match lua.coerce_string(p.clone())? {
                    Some(s) => s,
                    None => return Ok(None),
                },
                other => {
                    return Ok(Some(format!(
                        "bad argument #2 to '{}' (string expected, got {})",
                        f.name(),
                        other.type_name()
                    )));
                }
            };
            let plain = !matches!(plain, Value::Nil | Value::Boolean(false));
            let work = pattern::work_bound(f, n, &pat.as_bytes(), plain);
            if work > pattern::WORK_LIMIT && pattern::is_literal(f, &pat.as_bytes(), plain) {
                return Ok(Some(format!(
                    "{}: search too long: finding a {}-byte text in a {n}-byte subject may take {work} steps (the \
                     limit is {}); search a shorter part of the subject (string.sub) or for a shorter text",
                    f.name(),
                    pat.as_bytes().len(),
                    pattern::WORK_LIMIT
                )));
            }
            if work > pattern::WORK_LIMIT {
                return Ok(Some(format!(
                    "{}: pattern too complex for a {n}-byte subject (its worst case is {work} steps, the limit is {}); \
                     use fewer '*', '+', '-' and '?' items, anchor it with '^', or shorten the subject",
                    f.name(),
                    pattern::WORK_LIMIT
                )));
            }
            let cost = work.div_ceil(pattern::WORK_PER_INSTRUCTION);
            Ok(sh.charge(lua, u64::try_from(cost).unwrap_or(u64::MAX)).err())
        })?,
    )?;

    let sh = Rc::clone(shared);
    h.raw_set(
        "rep",
        lua.create_function(move |lua, (s, n, sep): (Value, Value, Value)| {
            let len = |v: &Value| match v {
                Value::String(s) => Some(s.as_bytes().len() as u64),
                Value::Integer(_) | Value::Number(_) => Some(48),
                Value::Nil => Some(0),
                _ => None,
            };
            let (Some(l), Some(lsep)) = (len(&s), len(&sep)) else { return Ok(None) };
            let count = match n {
                Value::Integer(i) => u64::try_from(i).unwrap_or(0),
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Value::Number(x) if x.is_finite() && x >= 0.0 => x.min(u64::MAX as f64) as u64,
                _ => return Ok(None),
            };
            let bytes = count.saturating_mul(l.saturating_add(lsep));
            let mem = sh.limits.memory_bytes as u64;
            let cap = if mem == 0 { REP_CAP_UNLIMITED } else { mem / 4 };
            if bytes > cap {
                return Ok(Some(format!("string.rep: the result would be {bytes} bytes; the limit is {cap} bytes")));
            }
            // Lua copies the pieces one at a time (and the separators): four copies cost
            // about an instruction, and each 64 bytes another.
            let copies = count.saturating_mul(if lsep > 0 { 2 } else { 1 });
            let cost = copies / 4 + bytes / BYTES_PER_INSTRUCTION;
            // More than a whole call's budget: say so here, not as a loop at this line.
            let budget = sh.limits.instructions_per_call;
            if cost > budget {
                let t = crate::text::thousands;
                return Ok(Some(format!(
                    "string.rep: {} copies of {} cost about {} instructions, more than one call's budget of {}; \
                     repeat a longer piece fewer times, such as string.rep(string.rep(s, 1000), n // 1000)",
                    t(count),
                    if l == 1 { "1 byte".to_string() } else { format!("{} bytes", t(l)) },
                    t(cost),
                    t(budget)
                )));
            }
            Ok(sh.charge(lua, cost).err())
        })?,
    )?;

    // A count of elements that a library function will walk in C (`table.move`, the
    // shifts of `table.insert`, the values of `table.unpack`): one instruction each.
    let sh = Rc::clone(shared);
    h.raw_set(
        "charge_count",
        lua.create_function(move |lua, n: Value| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let n = match n {
                Value::Integer(i) => u64::try_from(i).unwrap_or(0),
                Value::Number(x) if x.is_nan() => 0,
                Value::Number(x) => x.clamp(0.0, u64::MAX as f64) as u64,
                _ => 0,
            };
            Ok(sh.charge(lua, n).err())
        })?,
    )?;

    let sh = Rc::clone(shared);
    h.raw_set(
        "charge_size",
        lua.create_function(move |lua, v: Value| {
            let cost = match &v {
                Value::String(s) => s.as_bytes().len() as u64 / BYTES_PER_INSTRUCTION,
                Value::Table(t) => t.raw_len() as u64 / ELEMENTS_PER_INSTRUCTION,
                _ => 0,
            };
            Ok(sh.charge(lua, cost).err())
        })?,
    )?;

    h.raw_set(
        "format",
        lua.create_function(|_, fmt: Value| {
            let Value::String(fmt) = fmt else { return Ok(None) };
            let b = fmt.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] != b'%' {
                    i += 1;
                    continue;
                }
                i += 1;
                if b.get(i) == Some(&b'%') {
                    i += 1;
                    continue;
                }
                while b.get(i).is_some_and(|c| b"-+ #0123456789.".contains(c)) {
                    i += 1;
                }
                if b.get(i) == Some(&b'p') {
                    return Ok(Some(
                        "string.format: '%p' is not available (addresses differ between runs)".to_string(),
                    ));
                }
                i += 1;
            }
            Ok(None)
        })?,
    )?;

    // "Did you mean": the closest of `names` to a misspelt `word`, by the same rule as
    // the maps' and the command line's suggestions.
    // Charged per name, like `pairs` per key: a strategy chooses how many.
    let sh = Rc::clone(shared);
    h.raw_set(
        "suggest",
        lua.create_function(move |lua, (word, names): (mlua::LuaString, Vec<mlua::LuaString>)| {
            if let Some(stop) = sh.charge(lua, names.len() as u64).err() {
                return Err(mlua::Error::runtime(stop));
            }
            let word = word.to_string_lossy();
            let names: Vec<String> = names.iter().map(|n| n.to_string_lossy()).collect();
            Ok(crate::scenario::suggest_name(&word, names.iter().map(String::as_str)).map(str::to_string))
        })?,
    )?;

    let sh = Rc::clone(shared);
    h.raw_set("random", lua.create_function(move |_, args: MultiValue| Ok(random(&sh, &args)))?)?;
    let sh = Rc::clone(shared);
    h.raw_set(
        "randomseed",
        lua.create_function(move |_, args: MultiValue| {
            if args.is_empty() {
                return Ok(None);
            }
            let mut key = sh.rng_key.borrow().clone();
            key.push_str("/randomseed");
            for v in &args {
                match v {
                    Value::Integer(i) => key.push_str(&format!(":{i}")),
                    Value::Number(x) => key.push_str(&format!(":f{}", x.to_bits())),
                    other => {
                        return Ok(Some(format!(
                            "bad argument to 'randomseed' (number expected, got {})",
                            other.type_name()
                        )));
                    }
                }
            }
            *sh.rng.borrow_mut() = Stream::new(sh.seed, &format!("bot:{key}"));
            Ok(None)
        })?,
    )?;

    let sh = Rc::clone(shared);
    h.raw_set(
        "log",
        lua.create_function(move |_, s: mlua::LuaString| {
            sh.log_line(&s.as_bytes());
            Ok(())
        })?,
    )?;
    Ok(())
}

/// Why `pairs` or `next` refuses a table (see `sorted_keys`).
const UNORDERED_KEYS: &str = "this table has two or more keys that are tables, functions or coroutines (other \
     than the view's subnets and accounts, which go by netuid and id): Lua visits those in an order that differs from \
     run to run, so the match would not replay the same; key the table by netuid, id or name instead";

/// A key's kind in the order of `pairs`: numbers, strings, booleans, then the rest.
fn key_rank(v: &Value) -> u8 {
    match v {
        Value::Integer(_) | Value::Number(_) => 0,
        Value::String(_) => 1,
        Value::Boolean(_) => 2,
        _ => 3,
    }
}

/// A view table's identity for the order of `pairs`: a subnet by its netuid, then an
/// account (or `w.me`) by its id. A read-only view table is an empty proxy whose
/// metatable's `__index` is its data.
fn identity(k: &Value) -> Option<(u8, i64)> {
    let Value::Table(t) = k else { return None };
    let Ok(Value::Table(data)) = t.metatable()?.raw_get::<Value>("__index") else { return None };
    if let Ok(Value::Integer(n)) = data.raw_get::<Value>("netuid") {
        return Some((0, n));
    }
    match data.raw_get::<Value>("id") {
        Ok(Value::Integer(id)) => Some((1, id)),
        _ => None,
    }
}

/// The order of `pairs`: numbers ascending, then strings bytewise, then `false`, `true`,
/// then the rest (the view's tables by [`identity`]).
fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let rank = key_rank;
    #[allow(clippy::cast_precision_loss)]
    fn num(v: &Value) -> f64 {
        match v {
            Value::Integer(i) => *i as f64,
            Value::Number(x) => *x,
            _ => 0.0,
        }
    }
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.as_bytes().as_ref().cmp(y.as_bytes().as_ref()),
        (Value::Boolean(x), Value::Boolean(y)) => x.cmp(y),
        _ if rank(a) == 0 && rank(b) == 0 => num(a).partial_cmp(&num(b)).unwrap_or(Ordering::Equal),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// `math.random` on the strategy's stream, with Lua 5.4's argument rules:
/// `()` a float in [0, 1), `(m)` an integer in [1, m], `(m, n)` one in [m, n], `(0)` any
/// integer. Returns the number, or `nil` and an error message.
fn random(sh: &Shared, args: &MultiValue) -> (Value, Option<String>) {
    let int = |i: usize| -> Result<i64, String> {
        match args.get(i) {
            Some(Value::Integer(x)) => Ok(*x),
            #[allow(clippy::cast_possible_truncation)]
            Some(Value::Number(x))
                if x.fract() == 0.0 && *x >= -9.223_372_036_854_776e18 && *x < 9.223_372_036_854_776e18 =>
            {
                Ok(*x as i64)
            }
            Some(Value::Number(_)) => {
                Err(format!("bad argument #{} to 'random' (number has no integer representation)", i + 1))
            }
            Some(other) => {
                Err(format!("bad argument #{} to 'random' (number expected, got {})", i + 1, other.type_name()))
            }
            None => Err(format!("bad argument #{} to 'random' (number expected, got no value)", i + 1)),
        }
    };
    let mut rng = sh.rng.borrow_mut();
    let (lo, hi) = match args.len() {
        0 => {
            #[allow(clippy::cast_precision_loss)]
            let x = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            return (Value::Number(x), None);
        }
        1 => match int(0) {
            #[allow(clippy::cast_possible_wrap)]
            Ok(0) => return (Value::Integer(rng.next_u64() as i64), None),
            Ok(m) => (1, m),
            Err(e) => return (Value::Nil, Some(e)),
        },
        2 => match (int(0), int(1)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return (Value::Nil, Some(e)),
        },
        _ => return (Value::Nil, Some("wrong number of arguments to 'random'".to_string())),
    };
    if lo > hi {
        return (Value::Nil, Some(format!("bad argument #{} to 'random' (interval is empty)", args.len())));
    }
    #[allow(clippy::cast_sign_loss)]
    let span = (hi as u64).wrapping_sub(lo as u64);
    #[allow(clippy::cast_possible_wrap)]
    let x = if span == u64::MAX { rng.next_u64() as i64 } else { lo.wrapping_add(rng.below(span + 1) as i64) };
    (Value::Integer(x), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_scrubbed() {
        assert_eq!(scrub_addresses("<table 0x55d2c0a1b2c0> at 0x1"), "<table 0x?> at 0x?");
        assert_eq!(scrub_addresses("0x"), "0x");
        assert_eq!(scrub_addresses("no address"), "no address");
    }

    #[test]
    fn tracebacks_are_cut() {
        let e = mlua::Error::RuntimeError("x.lua:3: boom\nstack traceback:\n\t[C]: in ?".into());
        assert_eq!(error_message(&e), "x.lua:3: boom");
    }
}
