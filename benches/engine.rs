//! Engine speed (issue 2; figures in the README):
//! - one simulated year (2,628,000 blocks) of a 64-subnet world with no actors;
//! - one subnet for 30 days (216,000 blocks) with one actor deciding every tempo;
//! - the per-block cost at 16 and 64 subnets (linearity).

use criterion::{Criterion, criterion_group, criterion_main};
use dtao_arena::engine::init::WorldInit;
use dtao_arena::engine::{AccountKind, Order, Tao, World};

const YEAR: u64 = 2_628_000;
const MONTH: u64 = 216_000;

fn year_64(c: &mut Criterion) {
    let init = WorldInit::synthetic(64, 1);
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.bench_function("year_64_subnets_no_actors", |b| {
        b.iter(|| {
            let mut w = World::new(&init).expect("world");
            w.run_until(YEAR).expect("run");
            w.total_issuance
        });
    });
    g.finish();
}

fn month_1_actor(c: &mut Criterion) {
    let init = WorldInit::synthetic(1, 1);
    let mut g = c.benchmark_group("engine");
    g.sample_size(20);
    g.bench_function("month_1_subnet_1_actor", |b| {
        b.iter(|| {
            let mut w = World::new(&init).expect("world");
            let me = w.add_account("bot", AccountKind::Bot, Tao(1000 * 1_000_000_000));
            let tempo = w.params.tempo;
            while w.block < MONTH {
                w.step().expect("step");
                if w.block % tempo == 0 {
                    // Alternate buying and selling, as a trading bot would.
                    let held = w.alpha_of(me, 1);
                    let order = if held.0 == 0 {
                        Order::Stake { netuid: 1, tao: Tao(10 * 1_000_000_000), limit: None }
                    } else {
                        Order::Unstake { netuid: 1, alpha: held, limit: None }
                    };
                    w.submit(me, order);
                }
            }
            w.score(me)
        });
    });
    g.finish();
}

/// The default map (64 subnets) with its NPC actors removed.
fn launch_world() -> WorldInit {
    let mut init = dtao_arena::scenario::load("dtao-launch").expect("default map").init;
    init.npcs.clear();
    init
}

fn year_launch(c: &mut Criterion) {
    let init = launch_world();
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.bench_function("year_dtao_launch_no_actors", |b| {
        b.iter(|| {
            let mut w = World::new(&init).expect("world");
            w.run_until(YEAR).expect("run");
            w.total_issuance
        });
    });
    g.finish();
}

fn per_block(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine_per_block");
    let mut w = World::new(&launch_world()).expect("world");
    g.bench_function("dtao_launch_no_actors", |b| b.iter(|| w.step().expect("step")));
    for n in [1u16, 16, 64] {
        let mut w = World::new(&WorldInit::synthetic(n, 1)).expect("world");
        g.bench_function(format!("{n}_subnets"), |b| b.iter(|| w.step().expect("step")));
    }
    g.finish();
}

criterion_group!(benches, year_64, year_launch, month_1_actor, per_block);
criterion_main!(benches);
