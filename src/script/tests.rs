//! Unit tests of the host: conversions (Lua amounts to rao), order parsing, bad
//! arguments, and the replaced builtins.

use std::rc::Rc;

use mlua::{Lua, Value};

use super::api::{amount_arg, limit_arg, netuid_arg, root_weights_arg};
use super::sandbox::{self, Shared};
use super::{Fault, Limits, Strategy, TickOutcome};
use crate::engine::math::U64F64;
use crate::engine::{AccountId, AccountKind, Alpha, Mechanism, Order, Policy, Tao, World, WorldInit};

const TAO: u64 = 1_000_000_000;

fn world() -> (World, AccountId) {
    let mut w = World::new(&WorldInit::synthetic(4, 1)).expect("world");
    let me = w.add_account("unit", AccountKind::Bot, Tao(100 * TAO));
    (w, me)
}

/// Runs `body` as the body of `on_tick(w)` once.
fn tick(body: &str) -> TickOutcome {
    let (w, me) = world();
    let src = format!("function on_tick(w)\n{body}\nend\n");
    let mut s = Strategy::load("unit.lua", &src, 3, Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    s.on_tick(&w, me, &[])
}

fn lua() -> Lua {
    Lua::new()
}

#[test]
fn a_launch_name_with_an_invisible_mark_is_refused() {
    let out = tick("local ok, e = pcall(dtao.launch_subnet, 'Ap\\u{200b}ex')\ndtao.log(ok, e)");
    assert_eq!(out.log, ["false\tdtao.launch_subnet: the name holds an invisible character (U+200B)"]);
    assert!(out.orders.is_empty());
}

#[test]
fn amounts_are_decimal_tao_truncated_to_rao() {
    let lua = lua();
    let a = |v: Value| amount_arg(&v, "the amount");
    assert_eq!(a(Value::Number(0.1)), Ok(100_000_000));
    assert_eq!(a(Value::Number(1.234_567_891_9)), Ok(1_234_567_891));
    assert_eq!(a(Value::Number(0.000_000_000_9)), Ok(0));
    assert_eq!(a(Value::Number(1000.1)), Ok(1_000_100_000_000));
    assert_eq!(a(Value::Integer(5)), Ok(5 * TAO));
    assert_eq!(a(Value::Integer(0)), Ok(0));
    assert_eq!(a(Value::Number(-1.0)), Err("the amount must not be negative (got -1)".into()));
    assert_eq!(a(Value::Integer(-3)), Err("the amount must not be negative (got -3)".into()));
    assert!(a(Value::Number(f64::NAN)).is_err_and(|m| m.contains("finite")));
    assert!(a(Value::Number(f64::INFINITY)).is_err_and(|m| m.contains("finite")));
    assert!(a(Value::Number(1e30)).is_err_and(|m| m.contains("too large")));
    assert!(a(Value::Integer(i64::MAX)).is_err_and(|m| m.contains("too large")));
    // The maximum the message names is accepted, and the next float up is not.
    assert_eq!(a(Value::Number(18_446_744_073.709_55)), Ok(18_446_744_073_709_550_000));
    assert!(a(Value::Number(18_446_744_073.709_552)).is_err_and(|m| m.contains("at most 18446744073.70955 (got")));
    assert!(a(Value::Integer(18_446_744_074)).is_err_and(|m| m.contains("at most 18446744073 (got")));
    let s = Value::String(lua.create_string("1.5").expect("string"));
    assert_eq!(a(s), Err("the amount must be a number, such as 1.5 (got '1.5')".into()));
    assert!(a(Value::Nil).is_err_and(|m| m.contains("(got nil)")));
}

#[test]
fn netuids_are_whole_numbers_from_1() {
    let n = |v: Value| netuid_arg(&v, "the netuid");
    assert_eq!(n(Value::Integer(3)), Ok(3));
    assert_eq!(n(Value::Number(3.0)), Ok(3));
    assert_eq!(n(Value::Integer(65_535)), Ok(65_535));
    assert!(n(Value::Number(3.5)).is_err_and(|m| m.contains("whole number from 1 to 65535 (got 3.5)")));
    assert!(n(Value::Integer(65_536)).is_err());
    assert!(n(Value::Integer(-1)).is_err());
    assert!(n(Value::Integer(0)).is_err_and(|m| m.contains("root")));
    assert!(n(Value::Boolean(true)).is_err_and(|m| m.contains("(got true)")));
}

#[test]
fn limit_prices_are_positive_numbers_or_nil() {
    assert_eq!(limit_arg(&Value::Nil), Ok(None));
    assert_eq!(limit_arg(&Value::Number(0.5)), Ok(Some(U64F64::from_num(0.5))));
    assert_eq!(limit_arg(&Value::Integer(2)), Ok(Some(U64F64::from_num(2))));
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e30] {
        assert!(limit_arg(&Value::Number(bad)).is_err(), "{bad}");
    }
    // Positive but no price: out of range, not "must be positive".
    for far in [1e300, 1e-300] {
        let e = limit_arg(&Value::Number(far)).expect_err("out of range");
        assert!(e.contains("out of range") && !e.contains("positive") && e.contains("e"), "{e}");
    }
    assert!(limit_arg(&Value::Number(1e300)).expect_err("far").contains("1e300 TAO per alpha"));
}

#[test]
fn root_weights_are_scaled_and_sorted() {
    let lua = lua();
    let t = lua.create_table().expect("table");
    t.raw_set(3, 1.0).expect("set");
    t.raw_set(1, 0.5).expect("set");
    t.raw_set(2, 0).expect("set");
    assert_eq!(root_weights_arg(&Value::Table(t)), Ok(vec![(1, 500_000_000), (2, 0), (3, 1_000_000_000)]));
    let bad_key = lua.create_table().expect("table");
    bad_key.raw_set("x", 1.0).expect("set");
    assert!(root_weights_arg(&Value::Table(bad_key)).is_err_and(|m| m.contains("netuid")));
    let bad_weight = lua.create_table().expect("table");
    bad_weight.raw_set(1, -1.0).expect("set");
    assert!(root_weights_arg(&Value::Table(bad_weight)).is_err_and(|m| m.contains("SN1") && m.contains(">= 0")));
    let big = lua.create_table().expect("table");
    for i in 1..=2000 {
        big.raw_set(i, 1).expect("set");
    }
    assert!(root_weights_arg(&Value::Table(big)).is_err_and(|m| m.contains("at most 1024")));
    assert!(root_weights_arg(&Value::Integer(1)).is_err());
}

#[test]
fn every_order_function_builds_its_order() {
    let out = tick(
        r#"
        dtao.stake(1, 1.5)
        dtao.stake(2, 3, 0.25)
        dtao.unstake(1, 0.000000001)
        dtao.unstake(2, 7, 0.5)
        dtao.dump(3)
        dtao.dump()
        dtao.move(1, 2, 4)
        dtao.stake_root(10)
        dtao.unstake_root(2.5)
        dtao.launch_subnet("My Meme", "holder")
        dtao.launch_subnet("Plain")
        dtao.register_miner(4)
        dtao.set_weights(1, "reward_sellers")
        dtao.set_weights(2, "self")
        dtao.set_root_weights({ [2] = 1, [1] = 3 })
        "#,
    );
    assert_eq!(out.fault, None, "{out:?}");
    let l = |x: f64| Some(U64F64::from_num(x));
    assert_eq!(
        out.orders,
        vec![
            Order::Stake { netuid: 1, tao: Tao(1_500_000_000), limit: None },
            Order::Stake { netuid: 2, tao: Tao(3 * TAO), limit: l(0.25) },
            Order::Unstake { netuid: 1, alpha: Alpha(1), limit: None },
            Order::Unstake { netuid: 2, alpha: Alpha(7 * TAO), limit: l(0.5) },
            Order::Dump { netuid: Some(3) },
            Order::Dump { netuid: None },
            Order::Move { from: 1, to: 2, alpha: Alpha(4 * TAO) },
            Order::StakeRoot { tao: Tao(10 * TAO) },
            Order::UnstakeRoot { tao: Tao(2_500_000_000) },
            Order::LaunchSubnet { name: "My Meme".into(), mechanism: Mechanism::Holder },
            Order::LaunchSubnet { name: "Plain".into(), mechanism: Mechanism::Utility },
            Order::RegisterMiner { netuid: 4 },
            Order::SetWeights { netuid: 1, policy: Policy::RewardSellers },
            Order::SetWeights { netuid: 2, policy: Policy::SelfOnly },
            Order::SetRootWeights { weights: vec![(1, 1_000_000_000), (2, 333_333_333)] },
        ]
    );
}

#[test]
fn bad_arguments_raise_catchable_errors_naming_the_line() {
    let out = tick(
        r#"
        local ok, e = pcall(dtao.stake, "one", 1)
        dtao.log(ok, e)
        ok, e = pcall(dtao.unstake, 1, -2)
        dtao.log(ok, e)
        ok, e = pcall(dtao.launch_subnet, "x", "meme")
        dtao.log(ok, e)
        ok, e = pcall(dtao.set_weights, 1, "evil")
        dtao.log(ok, e)
        ok, e = pcall(dtao.set_weights, 1, nil)
        dtao.log(ok, e)
        ok, e = pcall(function() dtao.stake(1, 1, -1) end)
        dtao.log(ok, e)
        ok, e = pcall(function() dtao.stake(1, 1e300, 1e300) end)
        dtao.log(ok, e)
        dtao.stake(0, 1)
        "#,
    );
    assert_eq!(
        out.log,
        vec![
            "false\tdtao.stake: the netuid must be a whole number from 1 to 65535 (got 'one')",
            "false\tdtao.unstake: the amount of alpha must not be negative (got -2)",
            "false\tdtao.launch_subnet: unknown mechanism 'meme' (expected one of: utility | holder | revenue)",
            "false\tdtao.set_weights: unknown policy 'evil' (expected one of: honest | reward_sellers | reward_holders | uniform | self)",
            "false\tdtao.set_weights: unknown policy (a string expected, got nil) (expected one of: honest | reward_sellers | reward_holders | uniform | self)",
            "false\tunit.lua:13: dtao.stake: the limit price must be a positive number of TAO per alpha, or nil (got -1)",
            "false\tunit.lua:15: dtao.stake: the amount of TAO is too large: at most 18446744073.70955 (got 1e300)",
        ]
    );
    assert_eq!(
        out.fault,
        Some(Fault::Error(
            "unit.lua:17: dtao.stake: the netuid 0 is root, which has no pool: use dtao.stake_root / dtao.unstake_root"
                .into()
        ))
    );
    assert!(out.orders.is_empty());
}

#[test]
fn a_zero_amount_is_placed_for_the_engine_to_reject_but_a_negative_one_raises() {
    let out = tick(
        r#"
        dtao.log(pcall(dtao.stake, 1, 0))
        dtao.log(pcall(dtao.stake, 1, 1e-12))
        dtao.log(pcall(dtao.stake, 1, -5))
        "#,
    );
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(out.log[0], "true");
    assert_eq!(out.log[1], "true");
    assert!(out.log[2].starts_with("false\t") && out.log[2].contains("must not be negative"), "{}", out.log[2]);
    assert_eq!(out.orders.len(), 2, "{out:?}");
    for o in &out.orders {
        assert_eq!(*o, Order::Stake { netuid: 1, tao: crate::engine::Tao(0), limit: None });
    }
}

#[test]
fn quotes_are_pure_and_report_rejections() {
    let out = tick(
        r#"
        local a1 = dtao.quote_stake(1, 10)
        local a2 = dtao.quote_stake(1, 10)
        dtao.log(a1 == a2, a1 > 0)
        local tao, fee, impact, price = dtao.quote_unstake(1, a1)
        dtao.log(tao < 10, fee, impact < 0, price < w.subnets[1].price)
        dtao.log(dtao.quote_stake(1, 0))
        dtao.log(pcall(dtao.quote_stake, 1, "x"))
        -- The amount a trade takes: all that was asked, or less when a limit stops it.
        local p = w.subnets[1].price
        local _, _, _, _, spent = dtao.quote_stake(1, 10)
        local got, _, _, after, part = dtao.quote_stake(1, 10000, p * 1.01)
        -- (the flat fee stays in the pool, a hair above the limit)
        dtao.log(spent == 10, part > 0 and part < 10000, after <= p * 1.01 * (1 + 1e-6))
        local _, _, _, _, whole = dtao.quote_unstake(1, a1)
        local _, _, _, low, sold = dtao.quote_unstake(1, 1e6, p * 0.99)
        dtao.log(whole == a1, sold > 0 and sold < 1e6, low >= p * 0.99 * (1 - 1e-9))
        "#,
    );
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(out.log[0], "true\ttrue");
    assert_eq!(out.log[1], "true\t5e-05\ttrue\ttrue");
    assert_eq!(out.log[2], "nil\tthe amount is zero");
    // Called by pcall directly, the error has no line (as with any Lua function).
    assert!(out.log[3].starts_with("false\tdtao.quote_stake: the amount of TAO must be a number"), "{}", out.log[3]);
    assert_eq!(out.log[4], "true\ttrue\ttrue");
    assert_eq!(out.log[5], "true\ttrue\ttrue");
}

#[test]
fn replaced_builtins_behave() {
    let out = tick(
        r##"
        -- pairs: sorted keys, numbers before strings before booleans.
        local keys = {}
        for k in pairs({ b = 1, a = 2, [3] = 3, [1.5] = 4, [1] = 5, [false] = 6, [true] = 7 }) do
          keys[#keys + 1] = tostring(k)
        end
        dtao.log(table.concat(keys, " "))
        -- pairs over the view goes through __pairs.
        local n = 0
        for k, v in pairs(w.me) do n = n + 1 end
        dtao.log(n)
        -- sort: stable, errors at the caller's line.
        local t = { 3, 1, 2 }
        table.sort(t)
        dtao.log(t[1], t[2], t[3], pcall(table.sort, { 1, "x" }))
        -- random: Lua 5.4's argument rules.
        local r = math.random(1, 1)
        local f = math.random()
        dtao.log(r, f >= 0 and f < 1, select(2, pcall(math.random, 3, 1)), select(2, pcall(math.random, 1.5)))
        -- patterns: ordinary uses work.
        dtao.log(("Subnet 12"):match("%d+"), ("a,b,c"):gsub(",", ";"), ("x.y"):find(".", 1, true))
        local parts = {}
        for word in ("alpha beta gamma"):gmatch("%a+") do parts[#parts + 1] = word end
        dtao.log(table.concat(parts, "|"), string.format("%5.2f|%s", 3.14159, "s"), ("ab"):rep(3, "-"))
        dtao.log(("x"):upper(), tonumber("12"), tonumber("z", 36), utf8.len("héllo"))
        print("print", "is", "the", "log")
        dtao.log(select("#", string.dump), getmetatable("").__index == string)
        "##,
    );
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(out.log[0], "1 1.5 3 a b false true");
    assert_eq!(out.log[1], "8");
    assert_eq!(out.log[2], "1\t2\t3\tfalse\tattempt to compare string with number");
    assert!(out.log[3].starts_with("1\ttrue\t"), "{}", out.log[3]);
    assert!(
        out.log[3].contains("interval is empty") && out.log[3].contains("no integer representation"),
        "{}",
        out.log[3]
    );
    assert_eq!(out.log[4], "12\ta;b;c\t2\t2");
    assert_eq!(out.log[5], "alpha|beta|gamma\t 3.14|s\tab-ab-ab");
    assert_eq!(out.log[6], "X\t12\t35\t5");
    assert_eq!(out.log[7], "print\tis\tthe\tlog");
    assert_eq!(out.log[8], "1\ttrue");
}

#[test]
fn next_and_pairs_visit_every_kind_of_key_in_one_order_on_every_run() {
    let out = tick(
        r##"
        -- next: the order of pairs, for a loop and for the first key alone.
        local t = {}
        for i = 1, 40 do t["k" .. string.format("%02d", 41 - i)] = i end
        local keys = {}
        for k in next, t do keys[#keys + 1] = k end
        dtao.log(#keys, keys[1], keys[40], (next(t)))
        dtao.log(next({}), select("#", next({})), next({ 7 }))
        local stepped = { next({ 10, 20, x = 1 }, 2) }
        dtao.log(stepped[1], stepped[2])
        dtao.log(pcall(next, { a = 1 }, "zz"))
        -- The view's subnets as keys: by netuid, whatever order they were added in.
        local set = {}
        for i = #w.subnets, 1, -1 do set[w.subnets[i]] = true end
        local order = {}
        for s in pairs(set) do order[#order + 1] = s.netuid end
        dtao.log(table.concat(order, " "))
        order = {}
        for s in next, set do order[#order + 1] = s.netuid end
        dtao.log(table.concat(order, " "))
        -- One table key among others is fine, beside the view's too; two have no fixed
        -- order and are refused.
        local one = { a = 1, [{}] = 2, [w.subnets[2]] = 3, [w.subnets[1]] = 4 }
        local n = 0
        for _ in pairs(one) do n = n + 1 end
        dtao.log(n)
        dtao.log(pcall(pairs, { [{}] = 1, [{}] = 2 }))
        dtao.log(pcall(next, { [print] = 1, [error] = 2 }))
        dtao.log((next(w)), (pairs(w)(w)))
        "##,
    );
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(out.log[0], "40\tk01\tk40\tk01");
    assert_eq!(out.log[1], "nil\t1\t1\t7");
    assert_eq!(out.log[2], "x\t1");
    assert_eq!(out.log[3], "false\tinvalid key to 'next'");
    assert_eq!(out.log[4], "1 2 3 4");
    assert_eq!(out.log[5], "1 2 3 4");
    assert_eq!(out.log[6], "4");
    assert!(out.log[7].starts_with("false\tpairs: this table has two or more keys that are tables"), "{}", out.log[7]);
    assert!(out.log[7].contains("the match would not replay the same"), "{}", out.log[7]);
    assert!(out.log[8].starts_with("false\tnext: this table has two or more keys that are tables"), "{}", out.log[8]);
    // next on the view agrees with pairs (both list `accounts`, built on first use).
    assert_eq!(out.log[9], "accounts\taccounts");
}

#[test]
fn a_misspelt_field_of_the_view_is_an_error_naming_it() {
    let out = tick(
        r##"
        local s = w.subnets[1]
        dtao.log(pcall(function() return s.moving_prcie end))
        dtao.log(pcall(function() return w.me.balance end))
        dtao.log(pcall(function() return w.foo end))
        dtao.log(pcall(function() return w.params.tao_wieght end))
        dtao.log(pcall(function() return w.accounts[1].nmae end))
        -- Tables keyed by netuid still read nil (or 0) where there is nothing.
        dtao.log(w.by_netuid[999], w.me.alpha[999], w.accounts[1].alpha[999], w.me.miner[3], s[1])
        -- The account with id n is w.accounts[n + 1].
        dtao.log(w.accounts[w.me.id + 1].name == w.me.name)
        "##,
    );
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(out.log[0], "false\tunit.lua:4: no field 'moving_prcie' in a subnet (did you mean 'moving_price'?)");
    assert_eq!(
        out.log[1],
        "false\tunit.lua:5: no field 'balance' in w.me (its fields: alpha, free, id, miner, name, root, score, \
         start_value)"
    );
    assert!(
        out.log[2].starts_with("false\tunit.lua:6: no field 'foo' in w (its fields: accounts, block"),
        "{}",
        out.log[2]
    );
    assert_eq!(out.log[3], "false\tunit.lua:7: no field 'tao_wieght' in w.params (did you mean 'tao_weight'?)");
    assert_eq!(out.log[4], "false\tunit.lua:8: no field 'nmae' in an account of w.accounts (did you mean 'name'?)");
    assert_eq!(out.log[5], "nil\t0\tnil\tnil\tnil");
    assert_eq!(out.log[6], "true");
}

#[test]
fn cadence_is_validated() {
    let load =
        |c: &str| Strategy::load("c.lua", &format!("cadence = {c}\nfunction on_tick(w) end"), 1, Limits::default());
    assert_eq!(load("360").expect("360").cadence(), Some(360));
    assert_eq!(load("7200 / 20").expect("float").cadence(), Some(360));
    assert_eq!(load("nil").expect("nil").cadence(), None);
    // Whole floats as far as the integers go (2^53 and above are all whole).
    assert_eq!(load("2^53").expect("2^53").cadence(), Some(1 << 53));
    assert_eq!(load("2^62").expect("2^62").cadence(), Some(1 << 62));
    assert_eq!(load("math.maxinteger").expect("an integer").cadence(), Some(i64::MAX as u64));
    for bad in ["0", "-5", "1.5", "'360'", "{}", "true", "1/0", "0/0", "2^63"] {
        assert!(matches!(load(bad), Err(super::ScriptError::BadCadence { .. })), "{bad}");
    }
}

#[test]
fn host_panics_are_not_swallowed_by_pcall() {
    let shared = Rc::new(Shared::new(Limits::default(), 1, "panic.lua", "panic"));
    let (lua, _) = sandbox::new_state(&shared).expect("state");
    let boom = lua.create_function(|_, ()| -> mlua::Result<()> { panic!("host bug") }).expect("function");
    lua.globals().raw_set("boom", boom).expect("set");
    let f: mlua::Function = lua.load("return function() return pcall(boom) end").eval().expect("chunk");
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.call::<mlua::MultiValue>(())));
    assert!(r.is_err(), "pcall caught a host panic");
}

#[test]
fn orders_in_a_faulty_call_are_discarded_but_logs_kept() {
    let out = tick("dtao.stake(1, 1) dtao.log('before') error('boom')");
    assert!(out.orders.is_empty());
    assert_eq!(out.log, vec!["before"]);
    assert!(matches!(out.fault, Some(Fault::Error(m)) if m == "unit.lua:2: boom"));
}

#[test]
fn an_error_without_a_message_says_so() {
    for code in ["error()", "error(nil)"] {
        let out = tick(code);
        let Some(Fault::Error(m)) = out.fault else { panic!("{code}: {:?}", out.fault) };
        assert_eq!(
            m,
            "the strategy raised an error without a message (error() or error(nil)) (at unit.lua:2): give it one, \
             such as error(\"what went wrong\")",
            "{code}"
        );
    }
    // Raised from a function of the strategy's: its line, not the caller's.
    let out = tick("local function f() error({}) end\nf()");
    let Some(Fault::Error(m)) = out.fault else { panic!("{:?}", out.fault) };
    assert!(m.contains("which has no message (at unit.lua:2)"), "{m}");
}

#[test]
fn fault_messages_read_well() {
    assert_eq!(Fault::Error("x.lua:3: boom".into()).to_string(), "error: x.lua:3: boom");
    assert_eq!(
        Fault::Budget { limit: 1_000_000, at: Some("x.lua:7".into()), depth: 3 }.to_string(),
        "used up its instruction budget of 1,000,000 instructions for one call (stopped at x.lua:7: an endless or very long loop?)"
    );
    assert_eq!(
        Fault::Budget { limit: 1000, at: None, depth: 0 }.to_string(),
        "used up its instruction budget of 1,000 instructions for one call (an endless or very long loop?)"
    );
    assert_eq!(
        Fault::Budget { limit: 1000, at: Some("x.lua:2".into()), depth: 180_000 }.to_string(),
        "used up its instruction budget of 1,000 instructions for one call (stopped at x.lua:2: a recursion 180,000 calls deep that never ends?)"
    );
    assert_eq!(
        Fault::Memory { limit: 64 << 20, at: None }.to_string(),
        "ran out of memory: a strategy may use at most 64 MiB (its tables or strings grew too large)"
    );
    assert_eq!(
        Fault::Memory { limit: 64 << 20, at: Some("x.lua:5".into()) }.to_string(),
        "ran out of memory: a strategy may use at most 64 MiB (its tables or strings grew too large; near the limit \
         at x.lua:5)"
    );
    assert!(Fault::Memory { limit: 0, at: None }.to_string().starts_with("ran out of memory ("));
    assert_eq!(
        Fault::WallClock { limit_ms: 1000, at: Some("x.lua:2".into()) }.to_string(),
        "ran past the wall-clock limit of 1000 ms for one call (stopped at x.lua:2)"
    );
    assert_eq!(
        Fault::TooManyOrders { limit: 32, at: Some("x.lua:4".into()) }.to_string(),
        "placed more orders than one call allows: more than 32 orders in one call (order 33 at x.lua:4)"
    );
    assert_eq!(
        Fault::TooManyOrders { limit: 32, at: None }.to_string(),
        "placed more orders than one call allows: more than 32 orders in one call"
    );
    assert!(Fault::BadReturn("returned a table".into()).to_string().contains("returned a table"));
}

#[test]
fn sizes_and_counts_read_well() {
    assert_eq!(sandbox::memory_size(64 << 20), "64 MiB");
    assert_eq!(sandbox::memory_size(2 << 30), "2 GiB");
    assert_eq!(sandbox::memory_size(512 << 10), "512 KiB");
    assert_eq!(sandbox::memory_size(1500), "1,500 bytes");
}

/// Runs `code` as an `on_tick` body and checks that it faults with an error saying `says`.
fn error_says(code: &str, says: &str) {
    let out = tick(code);
    assert!(matches!(&out.fault, Some(Fault::Error(m)) if m.contains(says)), "{code}: {:?}", out.fault);
}

#[test]
fn a_string_rep_over_the_whole_budget_says_so_not_loop() {
    error_says(
        "local s = string.rep('y', 4000000)",
        "unit.lua:2: string.rep: 4,000,000 copies of 1 byte cost about 1,062,500 instructions, more than one call's \
         budget of 1,000,000",
    );
    // A longer piece fewer times, the same 4 MB, fits.
    let out = tick("local s = string.rep(string.rep('y', 1000), 4000)");
    assert!(out.fault.is_none(), "{:?}", out.fault);
}

#[test]
fn a_yield_outside_a_coroutine_says_where_and_why() {
    error_says(
        "local x = 1\ncoroutine.yield()",
        "attempt to yield from outside a coroutine (at unit.lua:3): on_tick and init run outside any coroutine",
    );
}

#[test]
fn pairs_over_the_view_lists_accounts_too() {
    let out = tick("local n = {}\nfor k in pairs(w) do n[#n + 1] = k end\ndtao.log(table.concat(n, ','))");
    assert!(out.fault.is_none(), "{:?}", out.fault);
    assert_eq!(
        out.log,
        vec!["accounts,block,by_netuid,me,params,results,subnets,total_issuance,total_root".to_string()]
    );
}

#[test]
fn string_dump_is_named_in_its_fault() {
    for code in ["local b = string.dump(function() end)", "local b = ('x'):dump()"] {
        error_says(code, "string.dump is not available to strategies");
    }
}

#[test]
fn every_removed_global_is_gone_and_named_in_its_fault() {
    let shared = Rc::new(Shared::new(Limits::default(), 1, "g.lua", "g"));
    let (lua, _) = sandbox::new_state(&shared).expect("state");
    for g in sandbox::REMOVED_GLOBALS {
        let v: mlua::Value = lua.globals().raw_get(*g).expect("global");
        assert!(v.is_nil(), "{g} is still reachable");
        let out = tick(&format!("local x = {g}.anything"));
        assert!(
            matches!(&out.fault, Some(Fault::Error(m)) if m.contains(&format!("'{g}' is not available to strategies"))),
            "{g}: {:?}",
            out.fault
        );
    }
}

#[test]
fn the_charged_table_and_string_functions_keep_their_meaning() {
    let out = tick(
        r##"
        local t = { 1, 2, 3 }
        table.insert(t, 4)
        table.insert(t, 1, 0)
        local last, first = table.remove(t), table.remove(t, 1)
        dtao.log(table.concat(t, ","), last, first)
        local big = {}
        for i = 1, 100 do big[i] = i end
        table.insert(big, 50, "x")
        dtao.log(#big, big[50], big[51], table.remove(big, 50), #big)
        dtao.log(table.concat(table.move({ 1, 2, 3 }, 1, 3, 2), ","), #table.move(big, 1, 100, 1, {}))
        dtao.log(select("#", table.unpack(big)), select("#", table.unpack(big, 90)), table.unpack(big, 99, 100))
        dtao.log(("abcdef"):byte(-2, -1), select("#", ("x"):rep(100):byte(1, -1)), select("#", ("x"):rep(100):byte(-20)))
        dtao.log(utf8.codepoint("héllo", 1, -1))
        dtao.log(select(2, pcall(string.byte, {}, 1, 100)), select(2, pcall(table.insert, 1, 2, 3)))
        dtao.log(select(2, pcall(table.unpack, {}, 1, 2^40)))
        "##,
    );
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(out.log[0], "1,2,3\t4\t0");
    assert_eq!(out.log[1], "101\tx\t50\tx\t100");
    assert_eq!(out.log[2], "1,1,2,3\t100");
    assert_eq!(out.log[3], "100\t11\t99\t100");
    assert_eq!(out.log[4], "101\t100\t1");
    assert_eq!(out.log[5], "104\t233\t108\t108\t111");
    assert_eq!(
        out.log[6],
        "bad argument #1 to 'byte' (string expected, got table)\tbad argument #1 to 'insert' (table expected, got number)"
    );
    assert_eq!(out.log[7], "too many results to unpack");
}

#[test]
fn an_error_that_is_not_a_string_says_what_was_raised() {
    let out = tick("error({})");
    let Some(Fault::Error(m)) = out.fault else { panic!("{:?}", out.fault) };
    assert_eq!(
        m,
        "the strategy raised a table as its error, which has no message (at unit.lua:2): raise a string, such as \
         error(\"what went wrong\")"
    );
}
