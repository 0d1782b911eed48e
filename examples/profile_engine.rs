//! Runs a world with no actors for N blocks: a target for profilers
//! (`valgrind --tool=callgrind`, `perf record`). `profile_engine [BLOCKS] [synthetic]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let blocks: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let init = if args.next().as_deref() == Some("synthetic") {
        dtao_arena::engine::init::WorldInit::synthetic(64, 1)
    } else {
        let mut init = dtao_arena::scenario::load("dtao-launch").expect("map").init;
        init.npcs.clear();
        init
    };
    let mut w = dtao_arena::engine::World::new(&init).expect("world");
    w.run_until(blocks).expect("run");
    println!("{} {}", w.block, w.state_hash_hex());
}
