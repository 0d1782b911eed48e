//! The Rust half of the `dtao` table: argument checks, Lua values to [`Order`]s, and
//! the quote helpers.
//!
//! Every function returns an error message instead of raising; `host.lua` raises it with
//! `error(msg, 2)` so that the strategy sees a plain string naming its own line.
//! Arguments are checked for shape only (types, ranges, names); whether an order can
//! succeed (balances, pools, limits) is the engine's decision when it applies the order,
//! reported in the next call's `w.results`.

use std::rc::Rc;
use std::str::FromStr;

use mlua::{Lua, Table, Value};

use super::sandbox::Shared;
use crate::engine::amount::{AmountError, RAO_PER_TAO, rao_from_decimal};
use crate::engine::math::U64F64;
use crate::engine::pool;
use crate::engine::world::Netuid;
use crate::engine::{Alpha, Mechanism, Order, Policy, Tao};

/// Most entries `set_root_weights` reads from its table.
const MAX_ROOT_WEIGHTS: usize = 1024;

/// Longest subnet name accepted (the engine then wants 1 to 32 printable characters).
const MAX_NAME_BYTES: usize = 256;

/// The scale of root weights handed to the engine: the largest becomes this.
const ROOT_WEIGHT_SCALE: f64 = 1_000_000_000.0;

/// A short description of a Lua value for error messages.
fn describe(v: &Value) -> String {
    match v {
        Value::Nil => "nil".to_string(),
        Value::Integer(i) => i.to_string(),
        // 1e300 as such, not its 301 digits.
        Value::Number(x) if x.is_finite() && *x != 0.0 && !(1e-6..1e15).contains(&x.abs()) => format!("{x:e}"),
        Value::Number(x) => x.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::String(s) => {
            let s = s.to_string_lossy();
            let short: String = s.chars().take(24).collect();
            if short.len() < s.len() { format!("'{short}...'") } else { format!("'{short}'") }
        }
        other => format!("a {}", other.type_name()),
    }
}

/// A whole number from a Lua integer or an integral float.
fn whole(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        #[allow(clippy::cast_possible_truncation)]
        Value::Number(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some(*x as i64),
        _ => None,
    }
}

/// A netuid argument: a whole number from 1 to 65535 (root, 0, has its own functions).
pub(crate) fn netuid_arg(v: &Value, what: &str) -> Result<Netuid, String> {
    match whole(v) {
        Some(0) => Err(format!("{what} 0 is root, which has no pool: use dtao.stake_root / dtao.unstake_root")),
        Some(n) => Netuid::try_from(n)
            .map_err(|_| format!("{what} must be a whole number from 1 to 65535 (got {})", describe(v))),
        None => Err(format!("{what} must be a whole number from 1 to 65535 (got {})", describe(v))),
    }
}

/// An amount argument in whole TAO (or alpha), as rao, truncated below one rao.
pub(crate) fn amount_arg(v: &Value, what: &str) -> Result<u64, String> {
    let bad = |why: &str| format!("{what} {why} (got {})", describe(v));
    match v {
        Value::Integer(i) => {
            let i = u64::try_from(*i).map_err(|_| bad("must not be negative"))?;
            i.checked_mul(RAO_PER_TAO).ok_or_else(|| bad("is too large: at most 18446744073"))
        }
        Value::Number(x) => rao_from_decimal(*x).map_err(|e| match e {
            AmountError::Negative => bad("must not be negative"),
            AmountError::NotFinite => bad("must be a finite number"),
            // (The exact maximum, 18446744073.709551615, is no Lua number: its nearest
            // float is above it.)
            AmountError::TooLarge => bad("is too large: at most 18446744073.70955"),
        }),
        _ => Err(bad("must be a number, such as 1.5")),
    }
}

/// An optional limit price (TAO per alpha): `nil`, or a positive number.
pub(crate) fn limit_arg(v: &Value) -> Result<Option<U64F64>, String> {
    let bad = || format!("the limit price must be a positive number of TAO per alpha, or nil (got {})", describe(v));
    #[allow(clippy::cast_precision_loss)]
    let x = match v {
        Value::Nil => return Ok(None),
        Value::Integer(i) => *i as f64,
        Value::Number(x) => *x,
        _ => return Err(bad()),
    };
    if !(x.is_finite() && x > 0.0) {
        return Err(bad());
    }
    U64F64::checked_from_num(x).filter(|l| *l > U64F64::ZERO).map(Some).ok_or_else(|| {
        format!(
            "the limit price {} TAO per alpha is out of range: a price is between 1e-19 and 1.8e19 (or nil for none)",
            describe(v)
        )
    })
}

/// A name argument (a string of at most 256 bytes).
fn name_arg(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) if s.as_bytes().len() <= MAX_NAME_BYTES => {
            let name = s.to_string_lossy();
            match name.chars().find(|c| crate::text::is_invisible(*c)) {
                // 'Ap<U+200B>ex' would pass for 'Apex' on other players' screens.
                Some(c) => Err(format!("the name holds an invisible character (U+{:04X})", u32::from(c))),
                None => Ok(name),
            }
        }
        Value::String(_) => Err(format!("the name is longer than {MAX_NAME_BYTES} bytes")),
        _ => Err(format!("the name must be a string (got {})", describe(v))),
    }
}

/// A name from a fixed set (mechanism, policy), parsed by the engine's `FromStr`.
fn named<T: FromStr<Err = String>>(v: &Value, default: Option<T>) -> Result<T, String> {
    match (v, default) {
        (Value::Nil, Some(d)) => Ok(d),
        (Value::String(s), _) => s.to_string_lossy().parse(),
        // Not a string at all: the engine's message (which lists the names), with what
        // was given instead of a quoted 'nil'.
        _ => match T::from_str("") {
            Ok(t) => Ok(t),
            Err(e) => Err(e.replacen("''", &format!("(a string expected, got {})", describe(v)), 1)),
        },
    }
}

/// Root weights from a `{[netuid] = weight}` table, scaled so the largest is 10^9.
pub(crate) fn root_weights_arg(v: &Value) -> Result<Vec<(Netuid, u32)>, String> {
    let Value::Table(t) = v else {
        return Err(format!("the weights must be a table such as {{[1] = 0.5, [3] = 0.5}} (got {})", describe(v)));
    };
    let mut raw: Vec<(Netuid, f64)> = Vec::new();
    let mut problem = None;
    let walk = t.for_each(|k: Value, w: Value| {
        if raw.len() >= MAX_ROOT_WEIGHTS {
            problem = Some(format!("at most {MAX_ROOT_WEIGHTS} weights"));
            return Err(mlua::Error::runtime("stop"));
        }
        let n = netuid_arg(&k, "each key (a netuid)").map_err(|m| {
            problem = Some(m);
            mlua::Error::runtime("stop")
        })?;
        #[allow(clippy::cast_precision_loss)]
        let x = match w {
            Value::Integer(i) => i as f64,
            Value::Number(x) => x,
            _ => f64::NAN,
        };
        if !(x.is_finite() && x >= 0.0) {
            problem = Some(format!("the weight of SN{n} must be a number >= 0 (got {})", describe(&w)));
            return Err(mlua::Error::runtime("stop"));
        }
        raw.push((n, x));
        Ok(())
    });
    if let Some(p) = problem {
        return Err(p);
    }
    walk.map_err(|e| e.to_string())?;
    raw.sort_by_key(|(n, _)| *n);
    let max = raw.iter().map(|(_, x)| *x).fold(0.0, f64::max);
    Ok(raw
        .into_iter()
        .map(|(n, x)| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let scaled = if max > 0.0 { (x / max * ROOT_WEIGHT_SCALE) as u32 } else { 0 };
            (n, scaled)
        })
        .collect())
}

#[allow(clippy::cast_precision_loss)]
fn tao_f64(rao: u64) -> f64 {
    rao as f64 / RAO_PER_TAO as f64
}

#[allow(clippy::cast_precision_loss)]
fn price(t: u64, a: u64) -> f64 {
    if a == 0 { 0.0 } else { t as f64 / a as f64 }
}

/// Collects an order (or returns why not).
fn push_order(lua: &Lua, sh: &Shared, fname: &str, build: impl FnOnce() -> Result<Order, String>) -> Option<String> {
    if !sh.accepting.get() {
        return Some(format!(
            "{fname}: orders can only be placed from init(cfg) or on_tick(w), not while the file loads"
        ));
    }
    let order = match build() {
        Ok(o) => o,
        Err(m) => return Some(format!("{fname}: {m}")),
    };
    let mut orders = sh.orders.borrow_mut();
    if orders.len() >= sh.limits.max_orders_per_tick {
        drop(orders);
        return Some(format!("{fname}: {}", sh.too_many_orders(lua)));
    }
    orders.push(order);
    None
}

type Quote = (Value, Value, Value, Value, Value, Value);

/// Bad arguments: `nil, message` (the host raises it).
fn quote_err(lua: &Lua, m: String) -> mlua::Result<Quote> {
    Ok((Value::Nil, Value::String(lua.create_string(&m)?), Value::Nil, Value::Nil, Value::Nil, Value::Nil))
}

/// The engine would reject the order: `false, reason` (the strategy gets `nil, reason`).
fn quote_reject(lua: &Lua, m: String) -> mlua::Result<Quote> {
    Ok((Value::Boolean(false), Value::String(lua.create_string(&m)?), Value::Nil, Value::Nil, Value::Nil, Value::Nil))
}

/// A quote of the swap `s` from the pool `(T, A)`: amount out, fee, price impact
/// (relative move of the spot price), new price, and the amount the trade takes (less
/// than asked when a limit price stops it). `stake`: TAO in, alpha out; else the reverse.
fn quote_ok(s: &pool::Swap, (t, a): (u64, u64), stake: bool) -> mlua::Result<Quote> {
    let (out, taken) = if stake { (s.alpha_rao, s.tao_rao) } else { (s.tao_rao, s.alpha_rao) };
    let (before, after) = (price(t, a), price(s.new_tao, s.new_alpha));
    let impact = if before > 0.0 { after / before - 1.0 } else { 0.0 };
    Ok((
        Value::Boolean(true),
        Value::Number(tao_f64(out)),
        Value::Number(tao_f64(s.fee_rao)),
        Value::Number(impact),
        Value::Number(after),
        Value::Number(tao_f64(taken)),
    ))
}

/// Creates the `api` table of Rust functions used by `host.lua`'s `dtao`.
pub(crate) fn create(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<Table> {
    let api = lua.create_table()?;
    macro_rules! order_fn {
        ($name:literal, |$($arg:ident),*| $body:expr) => {{
            let sh = Rc::clone(shared);
            api.raw_set(
                $name,
                lua.create_function(move |lua, ($($arg,)*): ($(order_fn!(@ty $arg),)*)| {
                    Ok(push_order(lua, &sh, concat!("dtao.", $name), || $body))
                })?,
            )?;
        }};
        (@ty $arg:ident) => { Value };
    }

    order_fn!("stake", |n, tao, limit| Ok(Order::Stake {
        netuid: netuid_arg(&n, "the netuid")?,
        tao: Tao(amount_arg(&tao, "the amount of TAO")?),
        limit: limit_arg(&limit)?,
    }));
    order_fn!("unstake", |n, alpha, limit| Ok(Order::Unstake {
        netuid: netuid_arg(&n, "the netuid")?,
        alpha: Alpha(amount_arg(&alpha, "the amount of alpha")?),
        limit: limit_arg(&limit)?,
    }));
    order_fn!("dump", |n| Ok(Order::Dump {
        netuid: if n.is_nil() { None } else { Some(netuid_arg(&n, "the netuid")?) }
    }));
    order_fn!("move", |from, to, alpha| Ok(Order::Move {
        from: netuid_arg(&from, "'from'")?,
        to: netuid_arg(&to, "'to'")?,
        alpha: Alpha(amount_arg(&alpha, "the amount of alpha")?),
    }));
    order_fn!("stake_root", |tao| Ok(Order::StakeRoot { tao: Tao(amount_arg(&tao, "the amount of TAO")?) }));
    order_fn!("unstake_root", |tao| Ok(Order::UnstakeRoot { tao: Tao(amount_arg(&tao, "the amount of TAO")?) }));
    order_fn!("launch_subnet", |name, mechanism| Ok(Order::LaunchSubnet {
        // Refused here, naming the caller's line, rather than when the order is applied.
        name: name_arg(&name).and_then(|n| match crate::engine::registry::name_problem(&n) {
            Some(p) => Err(format!("bad subnet name '{}': {p}", crate::text::escape_controls(&n))),
            None => Ok(n),
        })?,
        mechanism: named(&mechanism, Some(Mechanism::Utility))?,
    }));
    order_fn!("register_miner", |n| Ok(Order::RegisterMiner { netuid: netuid_arg(&n, "the netuid")? }));
    order_fn!("set_weights", |n, policy| Ok(Order::SetWeights {
        netuid: netuid_arg(&n, "the netuid")?,
        policy: named::<Policy>(&policy, None)?,
    }));
    order_fn!("set_root_weights", |weights| Ok(Order::SetRootWeights { weights: root_weights_arg(&weights)? }));

    let sh = Rc::clone(shared);
    api.raw_set(
        "quote_stake",
        lua.create_function(move |lua, (n, tao, limit): (Value, Value, Value)| {
            let args = (|| {
                Ok::<_, String>((
                    netuid_arg(&n, "the netuid")?,
                    amount_arg(&tao, "the amount of TAO")?,
                    limit_arg(&limit)?,
                ))
            })();
            let (netuid, tao, limit) = match args {
                Ok(a) => a,
                Err(m) => return quote_err(lua, format!("dtao.quote_stake: {m}")),
            };
            let Some((t, a)) = sh.pool(netuid) else {
                return quote_reject(lua, format!("there is no subnet {netuid}"));
            };
            match pool::quote_stake(t, a, tao, limit, sh.rules.get()) {
                Ok(s) => quote_ok(&s, (t, a), true),
                Err(r) => quote_reject(lua, r.to_string()),
            }
        })?,
    )?;
    let sh = Rc::clone(shared);
    api.raw_set(
        "quote_unstake",
        lua.create_function(move |lua, (n, alpha, limit): (Value, Value, Value)| {
            let args = (|| {
                Ok::<_, String>((
                    netuid_arg(&n, "the netuid")?,
                    amount_arg(&alpha, "the amount of alpha")?,
                    limit_arg(&limit)?,
                ))
            })();
            let (netuid, alpha, limit) = match args {
                Ok(a) => a,
                Err(m) => return quote_err(lua, format!("dtao.quote_unstake: {m}")),
            };
            let Some((t, a)) = sh.pool(netuid) else {
                return quote_reject(lua, format!("there is no subnet {netuid}"));
            };
            match pool::quote_unstake(t, a, alpha, limit, sh.rules.get()) {
                Ok(s) => quote_ok(&s, (t, a), false),
                Err(r) => quote_reject(lua, r.to_string()),
            }
        })?,
    )?;
    Ok(api)
}
