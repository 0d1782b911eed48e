//! Lua strategy host speed (issue: one `on_tick` of a typical strategy on the 64-subnet
//! default map, building the view included, within 20 µs):
//! - `script/view_only`: an empty `on_tick` (the cost of refreshing `w` and calling);
//! - `script/typical`: a typical strategy that scans every subnet for the best emission
//!   yield and places an order when it holds none of it;
//! - `script/with_accounts`: a strategy reading `w.accounts` (built on demand);
//! - `script/shipped_*`: two of the shipped strategies (they sort or keep histories).
//!
//! The world does not step between calls: the host resends every volatile field on every
//! call whether it changed or not, so the cost is the same as on a moving world.

use criterion::{Criterion, criterion_group, criterion_main};
use dtao_arena::engine::init::WorldInit;
use dtao_arena::engine::{AccountKind, Tao, World};
use dtao_arena::script::{Limits, Strategy};

/// The typical strategy (`benches/typical.lua`, also run by `examples/profile_script.rs`).
const TYPICAL: &str = include_str!("typical.lua");

const EMPTY: &str = "function on_tick(w) end";

const ACCOUNTS: &str = r#"
function on_tick(w)
  local n = 0
  for _, a in ipairs(w.accounts) do n = n + a.free end
end
"#;

fn bench_strategy(c: &mut Criterion, name: &str, src: &str) {
    let mut w = World::new(&WorldInit::synthetic(64, 1)).expect("world");
    let me = w.add_account("bot", AccountKind::Bot, Tao(1000 * 1_000_000_000));
    w.run_until(10).expect("run");
    let mut s = Strategy::load("bench.lua", src, 1, Limits::default()).expect("load");
    c.bench_function(name, |b| {
        b.iter(|| {
            let out = s.on_tick(&w, me, &[]);
            assert!(out.fault.is_none(), "{:?}", out.fault);
            out.orders.len()
        });
    });
}

fn script(c: &mut Criterion) {
    bench_strategy(c, "script/view_only", EMPTY);
    bench_strategy(c, "script/typical", TYPICAL);
    bench_strategy(c, "script/with_accounts", ACCOUNTS);
    bench_strategy(c, "script/shipped_yield_chaser", include_str!("../strategies/yield_chaser.lua"));
    bench_strategy(c, "script/shipped_momentum", include_str!("../strategies/momentum.lua"));
}

criterion_group!(benches, script);
criterion_main!(benches);
