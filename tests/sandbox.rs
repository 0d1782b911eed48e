//! The Lua sandbox against hostile strategies (`tests/lua/hostile/*.lua`), and the
//! shipped strategies (`strategies/*.lua`), on hand-built worlds.
//!
//! Every hostile strategy misbehaves on its first call and places one order (stake 1 TAO
//! on SN1) on later calls: each test checks the fault, that it came within a bounded
//! time, that the faulty call's orders were discarded, and that the state is still usable.

use std::path::Path;
use std::time::{Duration, Instant};

use dtao_arena::engine::init::{FoundationInit, NpcInit, RetailInit};
use dtao_arena::engine::rng::Stream;
use dtao_arena::engine::{AccountId, AccountKind, Event, Mechanism, Order, Ppb, Tao, World, WorldInit};
use dtao_arena::script::{Fault, Limits, ScriptError, Strategy};

const TAO: u64 = 1_000_000_000;

/// Generous: debug builds compile Lua's C code unoptimised, and tests share 2 cores.
const BOUND: Duration = Duration::from_secs(10);

/// A small world: 8 synthetic subnets (SN2 a holder subnet) and a bot with 1000 TAO.
fn small_world() -> (World, AccountId) {
    let mut init = WorldInit::synthetic(8, 7);
    init.subnets[1].mechanism = Mechanism::Holder;
    let mut w = World::new(&init).expect("world");
    let me = w.add_account("bot", AccountKind::Bot, Tao(1000 * TAO));
    (w, me)
}

/// A livelier world for the shipped strategies: 16 subnets (SN3 and SN7 holder subnets),
/// a foundation, a retail crowd, a short launch delay, and a bot with 1000 TAO.
fn lively_world(seed: u64) -> (World, AccountId) {
    let mut init = WorldInit::synthetic(16, seed);
    init.subnets[2].mechanism = Mechanism::Holder;
    init.subnets[6].mechanism = Mechanism::Holder;
    init.params.start_call_delay = 720;
    init.params.initial_lock = Tao(100 * TAO);
    init.npcs.push(NpcInit::Foundation(FoundationInit {
        name: "foundation".into(),
        root_stake: Tao(1_000_000 * TAO),
        free: Tao(0),
        cadence: 360,
        share_threshold: Ppb(100_000_000),
        release_share: Ppb(100_000_000),
        act_without_majority: false,
    }));
    init.npcs.push(NpcInit::Retail(RetailInit {
        name: "retail".into(),
        count: 20,
        budget: Tao(100 * TAO),
        cadence: 100,
        subnets: Vec::new(),
        momentum: Ppb(500_000_000),
        yield_weight: Ppb(500_000_000),
        threshold: Ppb(10_000_000),
        trade_fraction: Ppb(100_000_000),
        stop_loss: Ppb(200_000_000),
        take_profit: Ppb(300_000_000),
        noise: Ppb(20_000_000),
        hype_keep: Ppb(900_000_000),
    }));
    let mut w = World::new(&init).expect("world");
    let me = w.add_account("bot", AccountKind::Bot, Tao(1000 * TAO));
    (w, me)
}

fn read(path: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn stake_one() -> Order {
    Order::Stake { netuid: 1, tao: Tao(TAO), limit: None }
}

/// Runs a hostile strategy's first (faulty) call and its second (clean) call; returns
/// the first call's fault.
fn first_call_fault(file: &str) -> Fault {
    let path = format!("tests/lua/hostile/{file}");
    let (w, me) = small_world();
    let mut s = Strategy::load(&path, &read(&path), 1, Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let out = s.on_tick(&w, me, &[]);
    let took = t.elapsed();
    assert!(took < BOUND, "{file}: the faulty call took {took:?}");
    let fault = out.fault.unwrap_or_else(|| panic!("{file}: no fault (orders {:?}, log {:?})", out.orders, out.log));
    assert!(out.orders.is_empty(), "{file}: the faulty call's orders were kept: {:?}", out.orders);
    assert_eq!(s.faults(), 1);
    assert!(!s.forfeited());
    let again = s.on_tick(&w, me, &[]);
    assert_eq!(again.fault, None, "{file}: the state is not usable after {fault}");
    assert_eq!(again.orders, vec![stake_one()], "{file}");
    eprintln!("{file}: {fault} ({took:?})");
    fault
}

macro_rules! hostile {
    ($($test:ident: $file:literal => $pat:pat $(if $guard:expr)?,)*) => {$(
        #[test]
        fn $test() {
            let fault = first_call_fault($file);
            assert!(matches!(&fault, $pat $(if $guard)?), "{}: unexpected fault: {fault:?}", $file);
        }
    )*};
}

hostile! {
    loop_plain: "loop_plain.lua" => Fault::Budget { limit: 1_000_000, at: Some(at), .. } if at == "tests/lua/hostile/loop_plain.lua:8",
    loop_pcall: "loop_pcall.lua" => Fault::Budget { .. },
    loop_xpcall: "loop_xpcall.lua" => Fault::Budget { .. },
    loop_xpcall_handler: "loop_xpcall_handler.lua" => Fault::Budget { .. },
    loop_coroutine_wrap: "loop_coroutine_wrap.lua" => Fault::Budget { .. },
    loop_coroutine_resume: "loop_coroutine_resume.lua" => Fault::Budget { .. },
    loop_index_metamethod: "loop_index_metamethod.lua" => Fault::Budget { .. },
    loop_sort_comparator: "loop_sort_comparator.lua" => Fault::Budget { .. },
    loop_gsub_callback: "loop_gsub_callback.lua" => Fault::Budget { .. },
    loop_tostring: "loop_tostring.lua" => Fault::Budget { .. },
    loop_recursion: "loop_recursion.lua" => Fault::Budget { .. } | Fault::Error(_),
    recursion_plain: "recursion_plain.lua" => Fault::Budget { depth, .. } if *depth >= 1000,
    move_huge: "move_huge.lua" => Fault::Budget { at: Some(at), .. } if at == "tests/lua/hostile/move_huge.lua:11",
    shift_loop: "shift_loop.lua" => Fault::Budget { .. },
    byte_huge: "byte_huge.lua" => Fault::Budget { .. },
    copy_loop: "copy_loop.lua" => Fault::WallClock { .. } | Fault::Budget { .. },
    sub_copy_loop: "sub_copy_loop.lua" => Fault::Budget { .. },
    format_copy_loop: "format_copy_loop.lua" => Fault::Budget { .. },
    packsize_loop: "packsize_loop.lua" => Fault::Budget { .. },
    memory_concat: "memory_concat.lua" => Fault::Memory { limit: 67_108_864, .. },
    memory_table: "memory_table.lua" => Fault::Memory { at: Some(at), .. } if at == "tests/lua/hostile/memory_table.lua:10",
    memory_pcall: "memory_pcall.lua" => Fault::Memory { .. },
    // (Near the limit: a line of the loop, which one depends on the state's size.)
    memory_hoard: "memory_hoard.lua" => Fault::Memory { at: Some(at), .. }
        if at == "tests/lua/hostile/memory_hoard.lua:13" || at == "tests/lua/hostile/memory_hoard.lua:14",
    memory_concat_table: "memory_concat_table.lua" => Fault::Memory { .. },
    memory_rep: "memory_rep.lua" => Fault::Error(m) if m.contains("string.rep") && m.contains("memory_rep.lua:8:"),
    gsub_catastrophic: "gsub_catastrophic.lua" => Fault::Error(m) if m.contains("pattern too complex"),
    gsub_catastrophic_pcall: "gsub_catastrophic_pcall.lua" => Fault::Budget { .. },
    format_width: "format_width.lua" => Fault::Error(m) if m.starts_with("tests/lua/hostile/format_width.lua:8: invalid conversion"),
    format_pointer: "format_pointer.lua" => Fault::Error(m) if m.contains("%p"),
    gc_metamethod: "gc_metamethod.lua" => Fault::Error(m) if m.contains("__gc"),
    order_flood: "order_flood.lua" => Fault::TooManyOrders { limit: 32, at: Some(at) } if at == "tests/lua/hostile/order_flood.lua:8",
    order_flood_pcall: "order_flood_pcall.lua" => Fault::TooManyOrders { limit: 32, at: Some(_) },
    runtime_error: "runtime_error.lua" => Fault::Error(m) if m.starts_with("tests/lua/hostile/runtime_error.lua:9:"),
    bad_return_table: "bad_return_table.lua" => Fault::BadReturn(m) if m.contains("table")
        && m.contains("bad_return_table.lua:5: on_tick returned a table value"),
    bad_return_number: "bad_return_number.lua" => Fault::BadReturn(m) if m.contains("number"),
    write_view: "write_view.lua" => Fault::Error(m) if m.contains("read-only (cannot set 'me')"),
    forbidden_io: "forbidden_io.lua" => Fault::Error(m) if m.contains("global 'io'") && m.contains("'io' is not available to strategies: they cannot reach files"),
    forbidden_os: "forbidden_os.lua" => Fault::Error(m) if m.contains("global 'os'") && m.contains("'os' is not available to strategies: they cannot reach files"),
    forbidden_require: "forbidden_require.lua" => Fault::Error(m) if m.contains("global 'require'") && m.contains("'require' is not available to strategies: they cannot reach files"),
    forbidden_load: "forbidden_load.lua" => Fault::Error(m) if m.contains("global 'load'") && m.contains("'load' is not available to strategies: they cannot reach files"),
    forbidden_loadfile: "forbidden_loadfile.lua" => Fault::Error(m) if m.contains("global 'loadfile'") && m.contains("'loadfile' is not available to strategies: they cannot reach files"),
    forbidden_dofile: "forbidden_dofile.lua" => Fault::Error(m) if m.contains("global 'dofile'") && m.contains("'dofile' is not available to strategies: they cannot reach files"),
    forbidden_debug: "forbidden_debug.lua" => Fault::Error(m) if m.contains("global 'debug'"),
    forbidden_package: "forbidden_package.lua" => Fault::Error(m) if m.contains("global 'package'"),
    forbidden_string_dump: "forbidden_string_dump.lua" => Fault::Error(m) if m.contains("field 'dump'"),
    forbidden_collectgarbage: "forbidden_collectgarbage.lua" => Fault::Error(m) if m.contains("global 'collectgarbage'"),
    tostring_recursion: "tostring_recursion.lua" => Fault::Error(m) if m.starts_with("C stack overflow (at tests/lua/hostile/tostring_recursion.lua:") && m.contains("calls itself without end") && !m.contains("dtao-host"),
    close_running: "close_running.lua" => Fault::Error(m) if m.contains("(at tests/lua/hostile/close_running.lua:9)") && !m.contains("dtao-host"),
}

#[test]
fn source_nested_past_the_parsers_limit_says_so_with_its_file() {
    let src = format!("function on_tick(w) end\nx = {}1{}\n", "(".repeat(300), ")".repeat(300));
    let Err(e) = Strategy::load("deep.lua", &src, 1, Limits::default()) else { panic!("loaded") };
    assert!(
        matches!(&e, ScriptError::Syntax(m) if m.starts_with("deep.lua: the code nests too deeply for Lua's parser")),
        "{e:?}"
    );
}

#[test]
fn wall_clock_backstop_stops_a_loop_with_no_budget() {
    let path = "tests/lua/hostile/loop_plain.lua";
    let limits = Limits { instructions_per_call: u64::MAX, wall_clock_ms: 200, ..Limits::default() };
    let (w, me) = small_world();
    let mut s = Strategy::load(path, &read(path), 1, limits).expect("load");
    let t = Instant::now();
    let out = s.on_tick(&w, me, &[]);
    assert!(matches!(out.fault, Some(Fault::WallClock { limit_ms: 200, .. })), "{:?}", out.fault);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert_eq!(s.on_tick(&w, me, &[]).orders, vec![stake_one()]);
}

#[test]
fn wall_clock_backstop_stops_a_pcall_loop() {
    let path = "tests/lua/hostile/loop_pcall.lua";
    let limits = Limits { instructions_per_call: u64::MAX, wall_clock_ms: 200, ..Limits::default() };
    let (w, me) = small_world();
    let mut s = Strategy::load(path, &read(path), 1, limits).expect("load");
    let t = Instant::now();
    let fault = s.on_tick(&w, me, &[]).fault;
    assert!(matches!(fault, Some(Fault::WallClock { limit_ms: 200, .. })), "{fault:?}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[test]
fn bytecode_is_refused() {
    // string.dump is gone, so write a Lua 5.4 precompiled chunk's header by hand.
    let mut chunk = String::from("\x1bLua\x54\x00\x19\r\n\x1a\n\x04\x08\x08");
    chunk.push_str("\x78\x56\x00\x00\x00\x00\x00\x00");
    let e = Strategy::load("x.luac", &chunk, 1, Limits::default()).expect_err("bytecode loaded");
    assert_eq!(e, ScriptError::Bytecode { name: "x.luac".into() });
    assert!(e.to_string().contains("bytecode is refused"), "{e}");
    // Not even hidden behind a newline: Lua then sees text, and it is not valid Lua.
    let e = Strategy::load("y.lua", &format!("\n{chunk}"), 1, Limits::default()).expect_err("loaded");
    assert!(matches!(e, ScriptError::Syntax(_)), "{e:?}");
    // Nor behind a byte-order mark, which is skipped.
    let e = Strategy::load("z.lua", &format!("\u{feff}{chunk}"), 1, Limits::default()).expect_err("loaded");
    assert_eq!(e, ScriptError::Bytecode { name: "z.lua".into() });
}

#[test]
fn a_byte_order_mark_is_skipped_and_lines_keep_their_numbers() {
    // Notepad on Windows saves UTF-8 with a byte-order mark in front.
    let src = "\u{feff}function on_tick(w)\n  error('boom')\nend\n";
    let mut s = Strategy::load("bom.lua", src, 1, Limits::default()).expect("a BOM is skipped");
    let (w, me) = small_world();
    let fault = s.on_tick(&w, me, &[]).fault.map(|f| f.to_string()).unwrap_or_default();
    assert_eq!(fault, "error: bom.lua:2: boom");
}

#[test]
fn load_time_hostility() {
    let load = |file: &str| {
        let path = format!("tests/lua/hostile/{file}");
        let t = Instant::now();
        let r = Strategy::load(&path, &read(&path), 1, Limits::default());
        assert!(t.elapsed() < BOUND);
        r.map(|_| ()).expect_err("loaded")
    };
    let e = load("load_loop.lua");
    assert!(matches!(e, ScriptError::Load { fault: Fault::Budget { .. }, .. }), "{e:?}");
    assert!(e.to_string().starts_with("tests/lua/hostile/load_loop.lua: "), "{e}");
    let e = load("load_orders.lua");
    assert!(
        matches!(&e, ScriptError::Load { fault: Fault::Error(m), .. } if m.contains("load_orders.lua:3:") && m.contains("not while the file loads")),
        "{e:?}"
    );
    assert!(matches!(load("load_no_on_tick.lua"), ScriptError::NoOnTick { .. }));
    let e = load("load_bad_cadence.lua");
    assert!(matches!(&e, ScriptError::BadCadence { got, .. } if got == "0.5"), "{e:?}");
    for (file, line) in [("close_loop.lua", 7), ("close_hidden.lua", 6), ("loop_coroutine_close.lua", 9)] {
        let e = load(file);
        assert!(matches!(&e, ScriptError::Refused { line: l, .. } if *l == line), "{file}: {e:?}");
        assert!(e.to_string().contains("<close>"), "{e}");
    }
    let e = load("load_syntax_error.lua");
    assert!(
        matches!(&e, ScriptError::Syntax(m) if m.starts_with("tests/lua/hostile/load_syntax_error.lua:4:")),
        "{e:?}"
    );
}

/// One call of `on_tick` with `body` as its body (from line 2 of the file `file`).
fn one_call(file: &str, body: &str, limits: Limits) -> Fault {
    let (w, me) = small_world();
    let src = format!("function on_tick(w)\n{body}\nend\n");
    let mut s = Strategy::load(file, &src, 1, limits).unwrap_or_else(|e| panic!("{e}"));
    let out = s.on_tick(&w, me, &[]);
    let log = out.log;
    out.fault.unwrap_or_else(|| panic!("{file}: no fault (log {log:?})"))
}

#[test]
fn fault_messages_name_the_limit_and_the_line() {
    // The budget: the line of the strategy's own code the loop was running, also when
    // the hook fires inside a host wrapper (sort, pcall) or a coroutine.
    let at = |f: &Fault| match f {
        Fault::Budget { limit: 1_000_000, at, .. } => at.clone(),
        other => panic!("not a budget fault: {other:?}"),
    };
    let f = one_call("spin.lua", "local n = 0\nwhile true do n = n + 1 end", Limits::default());
    assert_eq!(at(&f).as_deref(), Some("spin.lua:3"));
    assert_eq!(
        f.to_string(),
        "used up its instruction budget of 1,000,000 instructions for one call (stopped at spin.lua:3: an endless or very long loop?)"
    );
    let f = one_call(
        "sort.lua",
        "local t = {}\nfor i = 1, 64 do t[i] = i end\ntable.sort(t, function(a, b)\nwhile true do end\nend)",
        Limits::default(),
    );
    assert_eq!(at(&f).as_deref(), Some("sort.lua:5"));
    let f = one_call("pcall.lua", "while true do\npcall(function() while true do end end)\nend", Limits::default());
    assert_eq!(at(&f).as_deref(), Some("pcall.lua:3"));
    let f = one_call(
        "co.lua",
        "local co = coroutine.wrap(function()\nlocal x = 0\nwhile true do x = x + 1 end\nend)\nco()",
        Limits::default(),
    );
    assert_eq!(at(&f).as_deref(), Some("co.lua:4"));
    // Charged C work (here `upper`: 1 instruction per 64 bytes) stops at its caller's line.
    let f = one_call(
        "upper.lua",
        "local s = ('x'):rep(1000000)\nwhile true do\nlocal _ = s:upper()\nend",
        Limits::default(),
    );
    assert_eq!(at(&f).as_deref(), Some("upper.lua:4"));
    // Another budget is named as such.
    let f = one_call("small.lua", "while true do end", Limits { instructions_per_call: 50_000, ..Limits::default() });
    assert!(
        matches!(&f, Fault::Budget { limit: 50_000, at: Some(a), depth } if a == "small.lua:2" && *depth < 100),
        "{f:?}"
    );
    assert!(f.to_string().contains("budget of 50,000 instructions"), "{f}");

    // Orders: the limit and the line of the first order over it.
    let f = one_call(
        "flood.lua",
        "for i = 1, 10 do\ndtao.stake(1, 1)\nend",
        Limits { max_orders_per_tick: 4, ..Limits::default() },
    );
    assert_eq!(f, Fault::TooManyOrders { limit: 4, at: Some("flood.lua:3".into()) });
    assert_eq!(
        f.to_string(),
        "placed more orders than one call allows: more than 4 orders in one call (order 5 at flood.lua:3)"
    );
    let f = one_call("flood.lua", "for i = 1, 40 do\npcall(dtao.stake, 1, 1)\nend", Limits::default());
    assert_eq!(f, Fault::TooManyOrders { limit: 32, at: Some("flood.lua:3".into()) });

    // A bad argument is refused at the call, on its line, with the limit or the rule.
    let f = one_call("big.lua", "dtao.stake(1, 1e30)", Limits::default());
    assert_eq!(
        f,
        Fault::Error(
            "big.lua:2: dtao.stake: the amount of TAO is too large: at most 18446744073.70955 (got 1e30)".into()
        ),
        "{f}"
    );
    let f = one_call("name.lua", "dtao.launch_subnet(('x'):rep(40))", Limits::default());
    assert_eq!(
        f,
        Fault::Error(format!(
            "name.lua:2: dtao.launch_subnet: bad subnet name '{}': use 1 to 32 printable characters",
            "x".repeat(40)
        ))
    );
    let f = one_call("typo.lua", "dtao.set_weights(1, 'honestt')", Limits::default());
    assert!(
        matches!(&f, Fault::Error(e) if e.starts_with("typo.lua:2: dtao.set_weights: unknown policy 'honestt'") && e.ends_with("did you mean 'honest'?")),
        "{f:?}"
    );

    // Memory: the limit.
    let f = one_call(
        "hog.lua",
        "local t = {}\nlocal x = ('x'):rep(1000)\nwhile true do t[#t + 1] = x .. #t end",
        Limits { memory_bytes: 8 << 20, ..Limits::default() },
    );
    assert_eq!(f, Fault::Memory { limit: 8 << 20, at: Some("hog.lua:4".into()) });
    assert!(f.to_string().contains("at most 8 MiB"), "{f}");
    assert!(f.to_string().ends_with("; near the limit at hog.lua:4)"), "{f}");

    // The wall clock: its limit and the line.
    let f = one_call(
        "slow.lua",
        "while true do end",
        Limits { instructions_per_call: u64::MAX, wall_clock_ms: 100, ..Limits::default() },
    );
    assert_eq!(f, Fault::WallClock { limit_ms: 100, at: Some("slow.lua:2".into()) });
    assert!(f.to_string().contains("wall-clock limit of 100 ms"), "{f}");
}

#[test]
fn a_loop_at_load_names_its_line() {
    let path = "tests/lua/hostile/load_loop.lua";
    let e = Strategy::load(path, &read(path), 1, Limits::default()).map(|_| ()).expect_err("loaded");
    let ScriptError::Load { name, fault: Fault::Budget { limit: 1_000_000, at: Some(at), depth } } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((name.as_str(), at.as_str()), (path, format!("{path}:3").as_str()));
    assert!(*depth < 100, "a loop, not a recursion: {e}");
}

#[test]
fn messages_name_the_file_the_strategy_was_loaded_from() {
    // A strategy named `bot` read from `dir/my_bot.lua`: messages name the file,
    // everything else (its name, its random stream) the name.
    let load = |src: &str| Strategy::load_file("dir/my_bot.lua", "bot", src, 1, Limits::default());
    let e = load("function on_tick(w)\n  dtao.stake(1 1)\nend").map(|_| ()).expect_err("loaded");
    assert!(matches!(&e, ScriptError::Syntax(m) if m.starts_with("dir/my_bot.lua:2:")), "{e:?}");
    let e = load("error('boom')\nfunction on_tick(w) end").map(|_| ()).expect_err("loaded");
    assert_eq!(e.to_string(), "dir/my_bot.lua: loading failed: error: dir/my_bot.lua:1: boom");
    let e = load("x = 1").map(|_| ()).expect_err("loaded");
    assert_eq!(e, ScriptError::NoOnTick { name: "dir/my_bot.lua".into(), hint: String::new() });
    let e = load("function onTick(w) end").map(|_| ()).expect_err("loaded");
    assert_eq!(
        e.to_string(),
        "dir/my_bot.lua: no on_tick(w) function (it defines 'onTick': did you mean on_tick?): a strategy must \
         define `function on_tick(w) ... end`"
    );
    // Misspelt hooks that would be silently ignored are found; names that only look
    // alike, defined hooks, and values of the wrong kind are not.
    let s = load("cadance = 10\nfunction Init(cfg) end\nfunction on_tick(w) end").expect("load");
    assert_eq!(s.misspelt_hooks(), vec![("Init".to_string(), "init"), ("cadance".to_string(), "cadence")]);
    let s = load("cadence = 10\nInit = 3\nfunction unitize() end\nfunction on_tick(w) end").expect("load");
    assert_eq!(s.misspelt_hooks(), Vec::<(String, &str)>::new());
    let s = load("function init(cfg) end\nfunction Init(cfg) end\nfunction on_tick(w) end").expect("load");
    assert_eq!(s.misspelt_hooks(), Vec::<(String, &str)>::new());
    let e = load("cadence = 0\nfunction on_tick(w) end").map(|_| ()).expect_err("loaded");
    // With the line of its one assignment, or the lines of all when it cannot tell which.
    assert!(e.to_string().starts_with("dir/my_bot.lua:1: cadence"), "{e}");
    let e =
        load("cadence = 0\nif false then cadence = 5 end\nfunction on_tick(w) end").map(|_| ()).expect_err("loaded");
    assert!(e.to_string().starts_with("dir/my_bot.lua (cadence is set at lines 1 and 2): cadence"), "{e}");
    let mut s = load("function init(cfg)\n  cadence = cfg.tempo - 360\nend\nfunction on_tick(w) end").expect("load");
    let (w, me) = small_world();
    let fault = s.init(&w, me, &[]).fault.map(|f| f.to_string()).unwrap_or_default();
    assert!(fault.starts_with("error: dir/my_bot.lua:2: cadence must be a whole number"), "{fault}");
    let e = load("local x <close> = nil\nfunction on_tick(w) end").map(|_| ()).expect_err("loaded");
    assert!(e.to_string().starts_with("dir/my_bot.lua:1: "), "{e}");
    let e = load("\x1bLua").map(|_| ()).expect_err("loaded");
    assert_eq!(e, ScriptError::Bytecode { name: "dir/my_bot.lua".into() });

    let (w, me) = small_world();
    let src = "function on_tick(w)\n  dtao.log(math.random(0))\n  if w.block == 0 then error('boom') end\nend";
    let mut s = load(src).expect("load");
    assert_eq!((s.name(), s.file()), ("bot", "dir/my_bot.lua"));
    let out = s.on_tick(&w, me, &[]);
    assert_eq!(out.fault, Some(Fault::Error("dir/my_bot.lua:3: boom".into())));
    // The random stream is keyed by the name, as with `Strategy::load("bot", ...)`.
    let mut by_name = Strategy::load("bot", src, 1, Limits::default()).expect("load");
    assert_eq!(by_name.on_tick(&w, me, &[]).log, out.log);
    assert_eq!((by_name.name(), by_name.file()), ("bot", "bot"));
}

#[test]
fn faults_in_init_count_and_leave_the_state_usable() {
    let (w, me) = small_world();
    let path = "tests/lua/hostile/init_loop.lua";
    let mut s = Strategy::load(path, &read(path), 1, Limits::default()).expect("load");
    let t = Instant::now();
    let fault = s.init(&w, me, &[]).fault;
    assert!(matches!(fault, Some(Fault::Budget { .. })), "{fault:?}");
    assert!(t.elapsed() < BOUND);
    assert_eq!(s.faults(), 1);
    assert_eq!(s.on_tick(&w, me, &[]).orders, vec![stake_one()]);

    let path = "tests/lua/hostile/init_bad_cadence.lua";
    let mut s = Strategy::load(path, &read(path), 1, Limits::default()).expect("load");
    assert_eq!(s.cadence(), Some(7));
    let out = s.init(&w, me, &[]);
    assert!(matches!(&out.fault, Some(Fault::Error(m)) if m.contains("cadence")), "{out:?}");
    assert_eq!(s.cadence(), Some(7));
}

#[test]
fn replacing_on_tick_is_a_fault_each_call() {
    let (w, me) = small_world();
    let path = "tests/lua/hostile/replace_on_tick.lua";
    let mut s = Strategy::load(path, &read(path), 1, Limits::default()).expect("load");
    assert_eq!(s.on_tick(&w, me, &[]).orders, vec![stake_one()]);
    let out = s.on_tick(&w, me, &[]);
    assert!(matches!(&out.fault, Some(Fault::Error(m)) if m.contains("on_tick is a number")), "{out:?}");
}

#[test]
fn a_strategy_is_forfeited_after_fault_limit_faults() {
    let (w, me) = small_world();
    let src = r#"
        calls = 0
        function on_tick(w)
          calls = calls + 1
          dtao.log("call", calls)
          dtao.stake(1, 1)
          error("always")
        end
    "#;
    let limits = Limits { fault_limit: 3, ..Limits::default() };
    let mut s = Strategy::load("forfeit.lua", src, 1, limits).expect("load");
    for k in 1..=3 {
        assert!(!s.forfeited());
        let out = s.on_tick(&w, me, &[]);
        assert!(matches!(&out.fault, Some(Fault::Error(m)) if m.starts_with("forfeit.lua:7: always")), "{out:?}");
        assert!(out.orders.is_empty());
        assert_eq!(out.log, vec![format!("call\t{k}")], "logs of a faulty call are kept");
        assert_eq!(s.faults(), k);
    }
    assert!(s.forfeited());
    // Not called any more: no log, no orders, no new fault.
    let out = s.on_tick(&w, me, &[]);
    assert_eq!(out, Default::default());
    assert_eq!(s.faults(), 3);
    assert_eq!(s.init(&w, me, &[]), Default::default());
}

/// A strategy exercising every source of non-determinism the sandbox removes.
const DETERMINISM: &str = r#"
function on_tick(w)
  -- math.random: the match's stream.
  local n = math.random(1, #w.subnets)
  -- pairs over string keys: sorted.
  local names = { zeta = 1, alpha = 2, mid = 3, [10] = 4, [2] = 5, [true] = 6 }
  local order = {}
  for k in pairs(names) do order[#order + 1] = tostring(k) end
  dtao.log(table.concat(order, ","))
  -- table.sort with ties: stable.
  local subs = {}
  for i, s in ipairs(w.subnets) do subs[i] = { netuid = s.netuid, key = s.netuid % 3 } end
  table.sort(subs, function(a, b) return a.key < b.key end)
  local sorted = {}
  for i, s in ipairs(subs) do sorted[i] = s.netuid end
  dtao.log(table.concat(sorted, ","))
  -- tostring without addresses.
  dtao.log(tostring({}), tostring(print), tostring(coroutine.create(print)), string.format("%s", {}))
  dtao.stake(n, math.random() * 10)
  dtao.stake(subs[1].netuid, math.random(100) / 7)
end
"#;

#[test]
fn same_seed_same_inputs_same_orders() {
    let run = |seed: u64| {
        let (mut w, me) = small_world();
        let mut s = Strategy::load("det.lua", DETERMINISM, seed, Limits::default()).expect("load");
        let mut outs = Vec::new();
        for _ in 0..5 {
            let out = s.on_tick(&w, me, &[]);
            assert_eq!(out.fault, None);
            for o in &out.orders {
                w.submit(me, o.clone());
            }
            w.step().expect("step");
            outs.push(out);
        }
        outs
    };
    let a = run(42);
    assert_eq!(a, run(42));
    assert_ne!(a.iter().map(|o| &o.orders).collect::<Vec<_>>(), run(43).iter().map(|o| &o.orders).collect::<Vec<_>>());
    assert_eq!(a[0].log[0], "2,10,alpha,mid,zeta,true");
    assert_eq!(a[0].log[1], "3,6,1,4,7,2,5,8");
    assert_eq!(a[0].log[2], "table: #1\tfunction: #2\tthread: #3\ttable: #4");
}

#[test]
fn math_random_is_the_matchs_seeded_stream() {
    let (w, me) = small_world();
    let src = "function on_tick(w) dtao.log(math.random(0), math.random(0)) end";
    let mut s = Strategy::load("r.lua", src, 9, Limits::default()).expect("load");
    let mut stream = Stream::new(9, "bot:r.lua");
    #[allow(clippy::cast_possible_wrap)]
    let expect = format!("{}\t{}", stream.next_u64() as i64, stream.next_u64() as i64);
    assert_eq!(s.on_tick(&w, me, &[]).log, vec![expect]);
    // Another key: another stream.
    s.set_random_key("seat-2");
    let mut stream = Stream::new(9, "bot:seat-2");
    #[allow(clippy::cast_possible_wrap)]
    let expect = format!("{}\t{}", stream.next_u64() as i64, stream.next_u64() as i64);
    assert_eq!(s.on_tick(&w, me, &[]).log, vec![expect]);
}

#[test]
fn the_view_matches_the_world() {
    let (mut w, me) = small_world();
    w.submit(me, Order::Stake { netuid: 3, tao: Tao(10 * TAO), limit: None });
    w.submit(me, Order::StakeRoot { tao: Tao(5 * TAO) });
    w.run_until(400).expect("run");
    let src = r#"
        function on_tick(w)
          local s = w.by_netuid[3]
          dtao.log(w.block, #w.subnets, s.netuid, s.name, s.mechanism, s.emitting, s.owner_name, s.is_mine)
          dtao.log(s.price, s.tao, s.alpha_in, s.alpha_out, s.emission_share, s.moving_price, s.root_prop)
          dtao.log(w.me.name, w.me.id, w.me.free, w.me.root, w.me.alpha[3], w.me.alpha[4], w.me.score)
          dtao.log(w.params.tempo, w.params.fee, w.params.min_stake, w.params.emission_mode, w.params.lock_cost)
          dtao.log(w.subnets[2].mechanism, #w.accounts, w.accounts[#w.accounts].name, w.accounts[#w.accounts].alpha[3])
          local n = 0
          for k, v in pairs(w.subnets[1]) do n = n + 1 end
          dtao.log("fields", n)
        end
    "#;
    let mut s = Strategy::load("view.lua", src, 1, Limits::default()).expect("load");
    let out = s.on_tick(&w, me, &[]);
    assert_eq!(out.fault, None, "{out:?}");
    let sn = w.subnet(3).expect("SN3");
    let a = w.account(me).expect("me");
    let f = |rao: u64| rao as f64 / 1e9;
    let nums = |line: &str| -> Vec<f64> { line.split('\t').map(|x| x.parse().unwrap_or(f64::NAN)).collect() };
    assert_eq!(out.log[0], "400\t8\t3\tSubnet 3\tutility\ttrue\tgenesis\tfalse");
    let v = nums(&out.log[1]);
    let price = sn.tao as f64 / sn.alpha_in as f64;
    approx(v[0], price);
    approx(v[1], f(sn.tao));
    approx(v[2], f(sn.alpha_in));
    approx(v[3], f(sn.alpha_out));
    assert!(v[4] > 0.0 && v[4] < 1.0, "emission share {}", v[4]);
    approx(v[5], dtao_arena::engine::math::to_f64(sn.moving_price));
    approx(v[6], dtao_arena::engine::math::to_f64(w.root_prop(3)));
    let me_line: Vec<&str> = out.log[2].split('\t').collect();
    assert_eq!(me_line[0], "bot");
    assert_eq!(me_line[1], me.0.to_string());
    let v = nums(&out.log[2]);
    approx(v[2], f(a.free.0));
    approx(v[3], f(a.root.0));
    approx(v[4], f(a.alpha[3]));
    assert_eq!(me_line[5], "0", "no position reads as 0");
    approx(v[6], f(w.score(me)));
    assert!(out.log[3].starts_with("360\t5e-05\t0.0005\tprice\t"), "{}", out.log[3]);
    approx(nums(&out.log[3])[4], f(w.lock_cost().0));
    assert!(out.log[4].starts_with(&format!("holder\t{}\tbot\t", w.accounts.len())), "{}", out.log[4]);
    approx(nums(&out.log[4])[3], f(a.alpha[3]));
    assert_eq!(out.log[5], "fields\t17");
}

#[test]
fn accounts_show_their_validator_policies() {
    let (mut w, me) = small_world();
    w.execute(me, &Order::SetWeights { netuid: 2, policy: dtao_arena::engine::Policy::RewardSellers }).expect("set");
    let src = r#"
        function on_tick(w)
          for _, a in ipairs(w.accounts) do
            if a.id == w.me.id then
              dtao.log(a.policy[2], a.policy[3], a.policy[99], a.policy.x, a.policy[1.5], a.policy[0])
              local n = 0
              for _ in ipairs(a.policy) do n = n + 1 end
              dtao.log("ipairs", n)
              dtao.log(pcall(function() a.policy[2] = "honest" end))
            elseif a.name == "genesis" then
              dtao.log(a.policy[2], a.policy.x)
              dtao.log(pcall(function() a.policy[2] = "reward_sellers" end))
            end
          end
        end
    "#;
    let mut s = Strategy::load("policy.lua", src, 1, Limits::default()).expect("load");
    let out = s.on_tick(&w, me, &[]);
    assert_eq!(out.fault, None, "{out:?}");
    // The genesis account (id 0) comes first: it set no policy anywhere.
    assert_eq!(out.log[0], "honest\tnil");
    assert!(out.log[1].starts_with("false\t"), "the view is read-only: {}", out.log[1]);
    // The default for every subnet; nil for a netuid that is not a subnet's (99, 1.5, 0:
    // root is not one), so that `ipairs` ends (at the 8 subnets, numbered 1 to 8).
    assert_eq!(out.log[2], "reward_sellers\thonest\tnil\tnil\tnil\tnil");
    assert_eq!(out.log[3], "ipairs\t8");
    assert!(out.log[4].starts_with("false\t"), "the view is read-only: {}", out.log[4]);
}

/// An account of `w.accounts` is one read-only table for the match (as a subnet is),
/// showing each call's values: kept from an earlier call, it reads the new ones.
#[test]
fn an_account_kept_from_an_earlier_call_shows_the_new_values() {
    let (mut w, me) = small_world();
    let src = r#"
        local kept, kept_alpha
        function on_tick(w)
          local mine
          for _, a in ipairs(w.accounts) do
            if a.id == w.me.id then mine = a end
          end
          if kept == nil then
            kept, kept_alpha = mine, mine.alpha
          else
            dtao.log(kept == mine, kept_alpha == mine.alpha, kept.free == w.me.free, kept.alpha[1] == w.me.alpha[1])
          end
          dtao.log(mine.free, mine.alpha[1] or 0)
          dtao.log(pcall(function() kept.free = 1 end))
        end
    "#;
    let mut s = Strategy::load("kept.lua", src, 1, Limits::default()).expect("load");
    let first = s.on_tick(&w, me, &[]);
    assert_eq!(first.fault, None, "{first:?}");
    w.execute(me, &Order::Stake { netuid: 1, tao: dtao_arena::engine::Tao(10_000_000_000), limit: None })
        .expect("stake");
    let second = s.on_tick(&w, me, &[]);
    assert_eq!(second.fault, None, "{second:?}");
    assert_eq!(second.log[0], "true\ttrue\ttrue\ttrue");
    assert_ne!(first.log[0], second.log[1], "the new call's values: {first:?} {second:?}");
    assert!(second.log[2].starts_with("false\t"), "still read-only: {}", second.log[2]);
}

/// The host updates an account's tables in place: a holding sold to nothing reads nil
/// again, and a policy set and then reset reads as set and then `honest`.
#[test]
fn an_accounts_holdings_and_policies_follow_the_world_from_call_to_call() {
    use dtao_arena::engine::{Policy, Tao};
    let (mut w, me) = small_world();
    let src = r#"
        function on_tick(w)
          for _, a in ipairs(w.accounts) do
            if a.id == w.me.id then dtao.log(tostring(a.alpha[1]), a.policy[2], a.free == w.me.free) end
          end
        end
    "#;
    let mut s = Strategy::load("follow.lua", src, 1, Limits::default()).expect("load");
    let mut seen = Vec::new();
    let mut call = |w: &dtao_arena::engine::World| {
        let out = s.on_tick(w, me, &[]);
        assert_eq!(out.fault, None, "{out:?}");
        seen.push(out.log[0].clone());
    };
    call(&w);
    w.execute(me, &Order::Stake { netuid: 1, tao: Tao(10_000_000_000), limit: None }).expect("stake");
    w.execute(me, &Order::SetWeights { netuid: 2, policy: Policy::RewardSellers }).expect("policy");
    call(&w);
    w.execute(me, &Order::Dump { netuid: Some(1) }).expect("dump");
    w.execute(me, &Order::SetWeights { netuid: 2, policy: Policy::Honest }).expect("policy");
    call(&w);
    let before = seen[0].clone();
    assert_eq!(before, "nil\thonest\ttrue", "{seen:?}");
    assert!(seen[1].ends_with("\treward_sellers\ttrue") && !seen[1].starts_with("nil"), "{seen:?}");
    assert_eq!(seen[2], before, "the holding and the policy are back: {seen:?}");
}

/// Lua prints numbers with 14 significant digits.
fn approx(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-9), "{a} != {b}");
}

#[test]
fn results_report_applied_and_rejected_orders() {
    let (mut w, me) = small_world();
    let src = r#"
        function on_tick(w)
          for i, r in ipairs(w.results) do
            dtao.log(i, r.kind, r.ok, r.netuid, r.reason or "-", r.alpha_in or "-", r.text)
            -- A field no result has is a misspelling, named (a result's own absent
            -- fields, as `reason` of an applied order, are nil).
            local ok, e = pcall(function() return r.resaon end)
            if ok or not e:find("no field 'resaon' in a result of w.results (did you mean 'reason'?)", 1, true) then
              error("not strict: " .. tostring(e))
            end
          end
          if w.block == 0 then
            dtao.stake(1, 10)
            dtao.unstake(2, 5)
            local alpha, fee, impact, new_price = dtao.quote_stake(1, 10)
            dtao.log("quote", alpha, fee, impact > 0, new_price > w.subnets[1].price)
            dtao.log("reject", dtao.quote_stake(1, 0.0001))
            dtao.log("reject", dtao.quote_unstake(99, 5))
          end
        end
    "#;
    let mut s = Strategy::load("results.lua", src, 1, Limits::default()).expect("load");
    let out = s.on_tick(&w, me, &[]);
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(out.orders.len(), 2);
    assert!(out.log[1].starts_with("reject\tnil\tbelow the minimum"), "{:?}", out.log);
    assert_eq!(out.log[2], "reject\tnil\tthere is no subnet 99");
    let quoted: f64 = out.log[0].split('\t').nth(1).expect("alpha").parse().expect("number");
    for o in out.orders {
        w.submit(me, o);
    }
    w.step().expect("step");
    let events: Vec<Event> = w.events().to_vec();
    let out = s.on_tick(&w, me, &events);
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(out.log.len(), 2, "{:?}", out.log);
    let got = w.alpha_of(me, 1).0 as f64 / 1e9;
    approx(quoted, got);
    let fields: Vec<&str> = out.log[0].split('\t').collect();
    assert_eq!(fields[..5], ["1", "stake", "true", "1", "-"], "{:?}", out.log);
    approx(fields[5].parse().expect("alpha"), got);
    assert_eq!(fields[6], "stake 10 TAO on SN1");
    assert!(out.log[1].starts_with("2\tunstake\tfalse\t2\tnot enough alpha on SN2"), "{:?}", out.log);
    // Results are per call: the next call has none.
    assert!(s.on_tick(&w, me, &[]).log.is_empty());
}

#[test]
fn init_gets_its_config_and_may_place_orders() {
    let (w, me) = small_world();
    let src = r#"
        cadence = 100
        function init(cfg)
          dtao.log(cfg.map, cfg.name, cfg.id, cfg.block, cfg.tempo, cfg.cadence, cfg.options.risk, #cfg.w.subnets)
          dtao.stake_root(1)
          cadence = 50
        end
        function on_tick(w) end
    "#;
    let mut s = Strategy::load("init.lua", src, 1, Limits::default()).expect("load");
    assert_eq!(s.cadence(), Some(100));
    let out = s.init(&w, me, &[("risk".into(), "high".into())]);
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(out.log, vec![format!("synthetic-8\tbot\t{}\t0\t360\t100\thigh\t8", me.0)]);
    assert_eq!(out.orders, vec![Order::StakeRoot { tao: Tao(TAO) }]);
    assert_eq!(s.cadence(), Some(50));
}

/// A few large strings a turn reach the memory limit within a hundred instructions,
/// between two of the hook's usual checks: a call that starts with over half of the
/// allowance in use is watched closely, so its fault still names the line.
#[test]
fn a_memory_fault_from_a_few_large_strings_names_its_line() {
    let (w, me) = small_world();
    let src = "big = string.rep('x', 1 << 20)\nkept = {}\nfunction on_tick(w)\n  for i = 1, 16 do\n    \
               kept[#kept + 1] = big .. #kept\n  end\nend\n";
    let mut s = Strategy::load("chunks.lua", src, 1, Limits::default()).expect("load");
    let mut faults = Vec::new();
    for _ in 0..6 {
        if let Some(f) = s.on_tick(&w, me, &[]).fault {
            faults.push(f);
        }
    }
    assert!(!faults.is_empty(), "64 MiB reached within six turns of 16 MiB");
    for f in &faults {
        // The loop's line or its body's: where the code last ran before the limit.
        assert!(
            matches!(f, Fault::Memory { at: Some(at), .. } if at == "chunks.lua:4" || at == "chunks.lua:5"),
            "{f:?}"
        );
    }
}

#[test]
fn a_strategy_that_keeps_its_memory_full_faults_until_forfeited() {
    let (w, me) = small_world();
    let src = r#"
        hoard = {}
        function on_tick(w)
          local chunk = string.rep("x", 100000)
          local i = #hoard
          while true do
            i = i + 1
            hoard[i] = chunk .. i
          end
        end
    "#;
    let mut s = Strategy::load("hoard.lua", src, 1, Limits::default()).expect("load");
    let t = Instant::now();
    for _ in 0..5 {
        let fault = s.on_tick(&w, me, &[]).fault;
        assert!(matches!(fault, Some(Fault::Memory { limit, .. }) if limit == 64 << 20), "{fault:?}");
    }
    assert!(s.forfeited());
    assert!(t.elapsed() < BOUND);
    assert!(s.used_memory() <= Limits::default().memory_bytes + (1 << 20), "{}", s.used_memory());
}

#[test]
fn the_view_follows_launches() {
    let (mut w, me) = small_world();
    let src = r#"
        function on_tick(w)
          local last = w.subnets[#w.subnets]
          dtao.log(#w.subnets, last.netuid, last.name, last.mechanism, last.is_mine, last.owner_name, w.by_netuid[last.netuid] == last)
        end
    "#;
    let mut s = Strategy::load("launch.lua", src, 1, Limits::default()).expect("load");
    assert_eq!(s.on_tick(&w, me, &[]).log, vec!["8\t8\tSubnet 8\tutility\tfalse\tgenesis\ttrue"]);
    w.execute(me, &Order::LaunchSubnet { name: "Mine".into(), mechanism: Mechanism::Holder }).expect("launch");
    assert_eq!(s.on_tick(&w, me, &[]).log, vec!["9\t9\tMine\tholder\ttrue\tbot\ttrue"]);
}

#[test]
fn the_log_is_capped_per_call() {
    let (w, me) = small_world();
    let src = r#"function on_tick(w) for i = 1, 1000 do print(("x"):rep(100), i) end end"#;
    let limits = Limits { max_log_bytes_per_tick: 1000, ..Limits::default() };
    let mut s = Strategy::load("log.lua", src, 1, limits).expect("load");
    let out = s.on_tick(&w, me, &[]);
    assert_eq!(out.fault, None);
    let bytes: usize = out.log.iter().map(String::len).sum();
    assert!(bytes < 1100, "{bytes}");
    assert!(out.log.last().is_some_and(|l| l.contains("log truncated")), "{:?}", out.log.last());
}

/// Runs a strategy in a small match loop (the session's job, simplified): steps the
/// world, calls the strategy at its cadence with the events since its last call, and
/// submits its orders. Returns the outcomes.
fn play(path: &str, blocks: u64, seed: u64) -> (World, AccountId, Vec<dtao_arena::script::TickOutcome>) {
    let (mut w, me) = lively_world(seed);
    let mut s = Strategy::load(path, &read(path), seed, Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let init = s.init(&w, me, &[]);
    assert_eq!(init.fault, None, "{path}: init: {:?}", init.fault);
    for o in &init.orders {
        w.submit(me, o.clone());
    }
    let cadence = s.cadence().unwrap_or(w.params.tempo);
    let mut pending: Vec<Event> = Vec::new();
    let mut outs = vec![init];
    while w.block < blocks {
        w.step().expect("step");
        pending.extend(w.events().iter().cloned());
        if w.block % cadence == 0 {
            let out = s.on_tick(&w, me, &pending);
            pending.clear();
            assert_eq!(out.fault, None, "{path} at block {}: {:?}\nlog: {:?}", w.block, out.fault, out.log);
            for o in &out.orders {
                w.submit(me, o.clone());
            }
            outs.push(out);
        }
    }
    w.check_invariants().expect("invariants");
    (w, me, outs)
}

#[test]
fn every_shipped_strategy_runs_without_faults() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("strategies/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lua"))
        .collect();
    names.sort();
    for required in [
        "template.lua",
        "root_holder.lua",
        "yield_chaser.lua",
        "momentum.lua",
        "mean_reversion.lua",
        "meme_rider.lua",
        "subnet_launcher.lua",
    ] {
        assert!(names.iter().any(|n| n == required), "strategies/{required} is missing");
    }
    for name in names {
        let path = format!("strategies/{name}");
        let (w, me, outs) = play(&path, 5000, 11);
        let orders: usize = outs.iter().map(|o| o.orders.len()).sum();
        eprintln!("{path}: {} calls, {orders} orders, score {}", outs.len(), w.score(me) as f64 / 1e9);
        if name != "template.lua" {
            assert!(orders > 0, "{path} never placed an order");
        }
    }
}

#[test]
fn shipped_strategies_are_deterministic() {
    for name in ["yield_chaser.lua", "momentum.lua", "meme_rider.lua"] {
        let path = format!("strategies/{name}");
        let (_, _, a) = play(&path, 2000, 5);
        let (_, _, b) = play(&path, 2000, 5);
        assert_eq!(a, b, "{path}");
    }
}

/// `dtao.options`: options checked against what the strategy takes, with defaults.
const OPTIONS: &str = r#"
    function init(cfg)
      local o = dtao.options(cfg.options, {
        lookback = { default = 4, min = 1, max = 50, integer = true },
        size = { default = 0.2, above = 0, max = 1 },
        keep = { default = 1, min = 0 },
        mode = { default = "slow", one_of = { "slow", "fast" } },
        who = { default = "foundation" },
      })
      dtao.log(math.type(o.lookback), o.lookback, o.size, o.keep, o.mode, o.who)
    end
    function on_tick(w) dtao.log("tick") end
"#;

/// Runs `init` of [`OPTIONS`] with `options`: its log, or its fault and whether it
/// forfeited.
fn with_options(options: &[(&str, &str)]) -> Result<Vec<String>, (String, bool)> {
    let (w, me) = small_world();
    let mut s = Strategy::load("opts.lua", OPTIONS, 1, Limits::default()).expect("load");
    let options: Vec<(String, String)> = options.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let out = s.init(&w, me, &options);
    match out.fault {
        None => Ok(out.log),
        Some(f) => {
            let forfeited = s.forfeited();
            // A forfeited strategy is not called again.
            assert_eq!(s.on_tick(&w, me, &[]).log.is_empty(), forfeited);
            Err((f.to_string(), forfeited))
        }
    }
}

#[test]
fn options_are_checked_against_what_the_strategy_takes() {
    assert_eq!(with_options(&[]), Ok(vec!["integer\t4\t0.2\t1\tslow\tfoundation".to_string()]));
    assert_eq!(
        with_options(&[("lookback", "8"), ("size", "0.5"), ("keep", "0"), ("mode", "fast"), ("who", "me")]),
        Ok(vec!["integer\t8\t0.5\t0\tfast\tme".to_string()])
    );
    // 8.0 is the whole number 8.
    assert_eq!(with_options(&[("lookback", "8.0")]), Ok(vec!["integer\t8\t0.2\t1\tslow\tfoundation".to_string()]));
    let refused = |options: &[(&str, &str)], want: &str| {
        let (m, forfeited) = with_options(options).expect_err("refused");
        assert!(m.starts_with("error: opts.lua:3: ") && m.contains(want), "{options:?}: {m}");
        assert!(forfeited, "a strategy with bad options forfeits at once: {m}");
    };
    refused(
        &[("lookbak", "8")],
        "unknown option 'lookbak' (did you mean 'lookback'?); the options are keep, lookback, mode, size, who",
    );
    refused(&[("look", "8")], "(did you mean 'lookback'?)");
    // The same rule as the command line's and the maps' suggestions: case does not count.
    refused(&[("LOOKBACK", "8")], "unknown option 'LOOKBACK' (did you mean 'lookback'?)");
    refused(&[("window", "0")], "unknown option 'window'; the options are");
    let range = "lookback takes a whole number from 1 to 50 (default 4)";
    for bad in ["abc", "", "-1", "0", "51", "2.5", "nan", "inf", "1e999"] {
        refused(&[("lookback", bad)], &format!("bad option lookback={bad}: {range}"));
    }
    for bad in ["0", "-0.1", "1.5", "nan", "-inf"] {
        refused(&[("size", bad)], "size takes a number above 0 and at most 1 (default 0.2)");
    }
    refused(&[("keep", "-1")], "keep takes a number of at least 0 (default 1)");
    refused(&[("mode", "quick")], "mode takes one of: slow, fast (default slow)");
    refused(&[("who", "")], "who takes a text (default foundation)");
    // A strategy that takes no options refuses every one.
    let (w, me) = small_world();
    let src = "function init(cfg) dtao.options(cfg.options, {}) end\nfunction on_tick(w) end";
    let mut s = Strategy::load("none.lua", src, 1, Limits::default()).expect("load");
    let out = s.init(&w, me, &[("x".into(), "1".into())]);
    assert!(out.fault.is_some_and(|f| f.to_string().contains("this strategy takes no options")));
    // The strategy's own declaration is checked too: a typo in a rule would drop a bound
    // silently, and a default its own rule refuses would be played.
    let declared = |spec: &str, given: &[(&str, &str)], want: &str| {
        let src = format!("function init(cfg) dtao.options(cfg.options, {{ {spec} }}) end\nfunction on_tick(w) end");
        let mut s = Strategy::load("spec.lua", &src, 1, Limits::default()).expect("load");
        let given: Vec<(String, String)> = given.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        let fault = s.init(&w, me, &given).fault.map(|f| f.to_string()).unwrap_or_default();
        assert!(fault.starts_with("error: spec.lua:1: dtao.options: ") && fault.contains(want), "{spec}: {fault}");
        assert!(s.forfeited(), "{spec}: it forfeits at once");
    };
    declared(
        "size = { default = 0.5, maxx = 1 }",
        &[("size", "7")],
        "the option 'size' has an unknown rule 'maxx' (did you mean 'max'?)",
    );
    // A call that cannot read the options forfeits as well.
    for call in ["dtao.options(cfg.options, \"x\")", "dtao.options(nil, {})"] {
        let src = format!("function init(cfg) {call} end\nfunction on_tick(w) end");
        let mut s = Strategy::load("call.lua", &src, 1, Limits::default()).expect("load");
        let fault = s.init(&w, me, &[]).fault.map(|f| f.to_string()).unwrap_or_default();
        assert!(fault.contains("bad argument #"), "{call}: {fault}");
        assert!(s.forfeited(), "{call}: it forfeits at once");
    }
    let src = "function init(cfg) dtao.options(cfg.options, {}, {}) end\nfunction on_tick(w) end";
    let mut s = Strategy::load("three.lua", src, 1, Limits::default()).expect("load");
    let fault = s.init(&w, me, &[]).fault.map(|f| f.to_string()).unwrap_or_default();
    assert!(
        fault.contains(
            "three.lua:1: dtao.options takes two tables, cfg.options and the options it takes, not 3 arguments"
        ),
        "{fault}"
    );
    assert!(s.forfeited());
    // A name the command line cannot give.
    declared(
        "[\"bad name\"] = { default = 1 }",
        &[],
        "the option 'bad name' could never be given: an option's name takes letters, digits and _",
    );
    // Refused options forfeit even when the strategy catches the error: it would play
    // its defaults under a name that says otherwise.
    let src = "function init(cfg)\n  local ok = pcall(dtao.options, cfg.options, { a = { default = 1, max = 2 } })\n  dtao.log(tostring(ok))\nend\nfunction on_tick(w) end";
    let mut s = Strategy::load("pc.lua", src, 1, Limits::default()).expect("load");
    let out = s.init(&w, me, &[("a".into(), "5".into())]);
    assert_eq!(out.log, ["false"]);
    let fault = out.fault.map(|f| f.to_string()).unwrap_or_default();
    assert!(
        fault.contains("bad option a=5: a takes a number at most 2 (default 1) (caught by the strategy; refused options forfeit all the same)"),
        "{fault}"
    );
    assert!(s.forfeited(), "it forfeits");
    // A misspelt `default` leaves none: the message names the misspelling.
    declared(
        "size = { defualt = 0.5, max = 1 }",
        &[],
        "the option 'size' needs { default = ... } (a number or a text) ('defualt' is not a rule: did you mean 'default'?)",
    );
    declared("size = { max = 1 }", &[], "the option 'size' needs { default = ... } (a number or a text)");
    declared(
        "size = { default = 5, min = 0, max = 1 }",
        &[],
        "the default 5 of the option 'size' breaks its own rule: size takes a number from 0 to 1",
    );
    declared(
        "size = { default = 1, min = 2, max = 1 }",
        &[],
        "the option 'size' takes nothing: its max is below its lower bound",
    );
    declared("n = { default = 1.5, integer = true }", &[], "the default 1.5 of the option 'n' breaks its own rule");
    declared(
        "m = { default = \"fast\", one_of = { \"slow\" } }",
        &[],
        "the default fast of the option 'm' breaks its own rule",
    );
    declared(
        "n = { default = 2, integer = \"yes\", min = \"one\" }",
        &[("n", "0")],
        "the option 'n': min must be a number, not \"one\"",
    );
    // 0/0 is named as such, not as the machine's "-nan".
    declared(
        "x = { default = 0/0, min = 0 }",
        &[],
        "the default NaN (0/0, not a number) of the option 'x' breaks its own rule",
    );
    declared("x = { default = 1, max = 0/0 }", &[], "max must be a number, not NaN (0/0, not a number)");
    declared("n = { default = 2, integer = \"yes\" }", &[], "integer takes true or false, not \"yes\"");
    declared("n = { default = 2, integer = 1 }", &[], "integer takes true or false, not 1");
    declared("m = { default = \"x\", max = 3 }", &[], "is a text (its default is): 'max' is for numbers");
    declared("n = { default = 2, one_of = { \"a\" } }", &[], "is a number (its default is): one_of is for texts");
    declared("n = { default = 2, min = 1, above = 0 }", &[], "has both min and above: keep one");
    // An empty text default (none) is the strategy's choice.
    let src = "function init(cfg) local o = dtao.options(cfg.options, { tag = { default = \"\" } }) dtao.log('[' .. o.tag .. ']') end\nfunction on_tick(w) end";
    let mut s = Strategy::load("empty.lua", src, 1, Limits::default()).expect("load");
    assert_eq!(s.init(&w, me, &[]).log, ["[]"]);
    // Other faults in init still count one by one.
    let src = "function init(cfg) error('x') end\nfunction on_tick(w) end";
    let mut s = Strategy::load("err.lua", src, 1, Limits::default()).expect("load");
    assert!(s.init(&w, me, &[]).fault.is_some() && !s.forfeited());
}

/// Options as `key, value` pairs.
type Opts<'a> = &'a [(&'a str, &'a str)];

/// Every shipped strategy refuses a misspelt option and a bad value (it used to play
/// its defaults under a name that said otherwise), and takes the options its first
/// comment lists.
#[test]
fn shipped_strategies_check_their_options() {
    let (w, me) = lively_world(3);
    let cases: &[(&str, Opts, &str)] = &[
        ("momentum", &[("lookbak", "8")], "did you mean 'lookback'?"),
        ("momentum", &[("lookback", "-1")], "lookback takes a whole number"),
        ("momentum", &[("size", "nan")], "size takes a number above 0"),
        ("momentum", &[("slots", "inf")], "slots takes a whole number"),
        ("meme_rider", &[("exit", "-1")], "did you mean 'exit_share'?"),
        ("meme_rider", &[("trail", "0")], "trail takes a number above 0"),
        ("mean_reversion", &[("window", "0")], "unknown option 'window'"),
        ("mean_reversion", &[("band", "abc")], "band takes a number above 0"),
        ("root_holder", &[("keep", "-5")], "keep takes a number of at least 0"),
        ("subnet_launcher", &[("mechanism", "meme")], "one of: utility, holder, revenue"),
        ("yield_chaser", &[("top", "0")], "top takes a whole number from 1"),
        ("template", &[("min_pool", "x")], "min_pool takes a number"),
    ];
    for (name, options, want) in cases {
        let path = format!("strategies/{name}.lua");
        let mut s = Strategy::load(&path, &read(&path), 1, Limits::default()).expect("load");
        let options: Vec<(String, String)> = options.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        let fault = s.init(&w, me, &options).fault.map(|f| f.to_string()).unwrap_or_default();
        assert!(fault.contains(want) && s.forfeited(), "{name} {options:?}: {fault:?}");
    }
    let good: &[(&str, Opts)] = &[
        (
            "momentum",
            &[("lookback", "8"), ("entry", "0.02"), ("exit", "0"), ("stop", "0.2"), ("slots", "2"), ("size", "1")],
        ),
        ("meme_rider", &[("foundation", "foundation"), ("exit_share", "0.05"), ("trail", "0.1"), ("size", "0.4")]),
        ("mean_reversion", &[("band", "0.05"), ("smoothing", "0.5"), ("slice", "0.2"), ("max_position", "0.5")]),
        ("root_holder", &[("keep", "0")]),
        (
            "subnet_launcher",
            &[
                ("name", "Mine"),
                ("mechanism", "utility"),
                ("budget", "1"),
                ("pump", "0.1"),
                ("harvest", "0.2"),
                ("target", "0.1"),
            ],
        ),
        ("yield_chaser", &[("top", "5"), ("reserve", "0"), ("max_impact", "0.05")]),
    ];
    for (name, options) in good {
        let path = format!("strategies/{name}.lua");
        let source = read(&path);
        for (k, _) in *options {
            assert!(source.lines().take(30).any(|l| l.starts_with("--") && l.contains(k)), "{name}: document {k}");
        }
        let mut s = Strategy::load(&path, &source, 1, Limits::default()).expect("load");
        let options: Vec<(String, String)> = options.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        let out = s.init(&w, me, &options);
        assert_eq!(out.fault, None, "{name} {options:?}");
    }
}

/// A plain `find` has no pattern: its refusal talks about the search, not pattern items.
#[test]
fn a_plain_find_too_long_is_refused_without_pattern_advice() {
    let f = one_call(
        "find.lua",
        "local s = ('a'):rep(4000):rep(4000)\nlocal needle = ('a'):rep(1000) .. 'b'\nlocal _ = s:find(needle, 1, true)",
        Limits::default(),
    );
    let m = f.to_string();
    assert!(m.contains("find.lua:4: ") && m.contains("search too long") && m.contains("string.sub"), "{m}");
    assert!(!m.contains("'*'") && !m.contains("pattern"), "{m}");
    let f = one_call("gsub.lua", "local s = ('a'):rep(100000)\nlocal _ = s:gsub('a*a*b', '')", Limits::default());
    assert!(f.to_string().contains("pattern too complex") && f.to_string().contains("'*'"), "{f}");
}

/// A huge `cadence` is shown short, not as 301 digits.
#[test]
fn a_bad_cadence_is_shown_short() {
    let e = Strategy::load("big.lua", "cadence = 1e300\nfunction on_tick(w) end", 1, Limits::default())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("(got 1e300)"), "{e}");
    let e = Strategy::load(
        "s.lua",
        &format!("cadence = '{}'\nfunction on_tick(w) end", "7".repeat(500)),
        1,
        Limits::default(),
    )
    .expect_err("refused")
    .to_string();
    assert!(e.len() < 200 && e.contains("..."), "{e}");
}

/// Every way of giving a count that C reads (numeric strings, a `__len` that answers
/// differently, positions below the start) is charged before C walks it: a budget fault
/// at once, never a call that runs for hours out of the hook's reach.
#[test]
fn counts_given_as_strings_or_by_tricky_lengths_are_charged() {
    let cases = [
        ("move_str.lua", "table.move({}, '1', '9007199254740992', 1)"),
        ("move_float.lua", "table.move({}, 1.0, 2^53, 1)"),
        ("move_string_source.lua", "table.move('abc', 1, 2^53, 1, {})"),
        ("rep_str.lua", "string.rep('', '1000000000000000000')"),
        ("len_str.lua", "table.insert(setmetatable({}, { __len = function() return '9007199254740992' end }), 1, 0)"),
        (
            "len_flip.lua",
            "local k = 0\nlocal t = setmetatable({}, { __len = function() k = k + 1 return k == 1 and 0 or 2^53 end })\n\
             while true do table.insert(t, 1, 0) table.remove(t, 1) end",
        ),
        (
            "insert_str_pos.lua",
            "local t = {}\nfor i = 1, 200000 do t[i] = i end\nwhile true do table.insert(t, '1', 0) table.remove(t, '1') end",
        ),
        ("byte_min.lua", "local s = ('a'):rep(1000):rep(900)\nwhile true do local _ = s:byte(math.mininteger, -1) end"),
        ("byte_str.lua", "local s = ('a'):rep(1000):rep(900)\nwhile true do local _ = s:byte('1', '-1') end"),
        (
            "unpack_len.lua",
            "local t = setmetatable({}, { __len = function() return 900000 end })\nwhile true do local _ = table.unpack(t) end",
        ),
    ];
    for (file, body) in cases {
        let t = Instant::now();
        let f = one_call(file, body, Limits::default());
        // (A string.rep that alone costs more than a whole budget is refused before it
        // runs, with its count: an error, as its cap's is.)
        let refused = |m: &str| m.contains("string.rep: ") && m.contains("more than one call's budget");
        assert!(matches!(&f, Fault::Budget { .. }) || matches!(&f, Fault::Error(m) if refused(m)), "{file}: {f:?}");
        assert!(t.elapsed() < Duration::from_secs(5), "{file}: {:?}", t.elapsed());
    }
}

/// What C refuses at once stays a catchable error (with the strategy's line), not a
/// budget fault: the wrappers check as C checks before they charge.
#[test]
fn refused_arguments_are_catchable_errors_not_budget_faults() {
    let (w, me) = small_world();
    let src = r##"
        function on_tick(w)
          local t = { 1, 2, 3 }
          dtao.log(select(2, pcall(table.move, {}, 1, math.huge, 1)))
          dtao.log(select(2, pcall(table.insert, t, -2^62, 1)))
          dtao.log(select(2, pcall(table.remove, t, 9)))
          dtao.log(select(2, pcall(table.unpack, t, 1, 2^40)))
          dtao.log(select(2, pcall(table.insert, t, "x", 1)))
          dtao.log(select(2, pcall(table.insert, t, "1.5", 1)))
          dtao.log(utf8.codepoint("\u{7FFFFFFF}", 1, 1, true))
          dtao.log(#t, select("#", table.unpack(t, "1", "3")), ("abc"):byte("2"))
          local ok, e = pcall(function() local x = table.unpack(t, 1.5, 100) return x end)
          dtao.log(e)
        end
    "##;
    let mut s = Strategy::load("args.lua", src, 1, Limits::default()).expect("load");
    let out = s.on_tick(&w, me, &[]);
    assert_eq!(out.fault, None, "{out:?}");
    assert_eq!(
        out.log,
        vec![
            "bad argument #3 to 'move' (number has no integer representation)",
            "bad argument #2 to 'insert' (position out of bounds)",
            "bad argument #2 to 'remove' (position out of bounds)",
            "too many results to unpack",
            "bad argument #2 to 'insert' (number expected, got string)",
            "bad argument #2 to 'insert' (number has no integer representation)",
            "2147483647",
            "3\t3\t98",
            "args.lua:12: bad argument #2 to 'unpack' (number has no integer representation)",
        ]
    );
}

/// A few very slow instructions (`<` on strings of megabytes of NUL bytes, about 0.1 s
/// each) run between two of the hook's clock checks: the call's end checks the clock
/// too, so such a call is a fault, and a strategy that keeps doing it forfeits.
#[test]
fn a_call_that_outruns_the_hooks_clock_checks_is_a_fault() {
    let (w, me) = small_world();
    let src = "function on_tick(w)\n  local z = ('\\0'):rep(1000):rep(4000)\n  for i = 1, 20 do local _ = z < z end\n  dtao.stake(1, 1)\nend\n";
    let limits = Limits { wall_clock_ms: 20, ..Limits::default() };
    let mut s = Strategy::load("nul.lua", src, 1, limits).expect("load");
    let out = s.on_tick(&w, me, &[]);
    assert!(matches!(out.fault, Some(Fault::WallClock { limit_ms: 20, .. })), "{:?}", out.fault);
    assert!(out.orders.is_empty(), "the late call's orders were kept: {:?}", out.orders);
}
