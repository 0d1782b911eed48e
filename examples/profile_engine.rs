//! Runs a world with no actors for N blocks: a target for profilers
//! (`valgrind --tool=callgrind`, `perf record`), and a speed probe for a noisy host.
//!
//! `profile_engine [BLOCKS] [synthetic] [trend]` prints the block reached, the state hash,
//! and the time per subnet-block of the fastest, the 10th-percentile and the median
//! 10,000-block chunk. On a shared host whose speed comes and goes, the fastest chunks are
//! the ones to compare between two builds (run them alternately, several times).
//!
//! With `trend`, it prints instead the time per subnet-block of every 100,000-block chunk
//! in order, and the total: how the cost moves through a year as the world changes (a
//! branch that the predictor learns in one phase of the year and misses in another shows
//! up there, and not in the fastest chunk).
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
    let trend = args.next().as_deref() == Some("trend");
    let chunk = if trend { 100_000 } else { 10_000 };
    let mut w = dtao_arena::engine::World::new(&init).expect("world");
    let subnets = w.subnets().count() as f64;
    let mut chunks = Vec::new();
    let mut total = 0.0;
    while w.block < blocks {
        let t = std::time::Instant::now();
        let end = (w.block + chunk).min(blocks);
        let n = end - w.block;
        w.run_until(end).expect("run");
        total += t.elapsed().as_secs_f64();
        chunks.push(t.elapsed().as_secs_f64() * 1e9 / n as f64 / subnets);
    }
    println!("{} {}", w.block, w.state_hash_hex());
    if trend {
        let line: Vec<String> = chunks.iter().map(|c| format!("{c:.1}")).collect();
        println!("ns per subnet-block, each {chunk} blocks: {}", line.join(" "));
        println!("total {total:.3} s");
        return;
    }
    chunks.sort_by(f64::total_cmp);
    let at = |q: usize| chunks.get(chunks.len() * q / 100).copied().unwrap_or(0.0);
    println!("ns per subnet-block: fastest chunk {:.2}, p10 {:.2}, median {:.2}", at(0), at(10), at(50));
}
