//! Calls a strategy's `on_tick` on the 64-subnet synthetic world N times: a target for
//! profilers (`valgrind --tool=callgrind` counts the instructions of a call exactly) and
//! a speed probe for a noisy host, like `profile_engine`.
//!
//! `profile_script [CALLS] [typical|empty|FILE.lua]` prints the time per call of the
//! fastest, the 10th-percentile and the median 1,000-call chunk. The world does not step
//! between calls: the view is rebuilt in full on every call all the same.
use dtao_arena::engine::init::WorldInit;
use dtao_arena::engine::{AccountKind, Tao, World};
use dtao_arena::script::{Limits, Strategy};

fn main() {
    let mut args = std::env::args().skip(1);
    let calls: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let (name, src) = match args.next().as_deref() {
        None | Some("typical") => ("typical.lua".to_string(), include_str!("../benches/typical.lua").to_string()),
        Some("empty") => ("empty.lua".to_string(), "function on_tick(w) end".to_string()),
        Some(path) => (path.to_string(), std::fs::read_to_string(path).expect("read the strategy")),
    };
    let mut w = World::new(&WorldInit::synthetic(64, 1)).expect("world");
    let me = w.add_account("bot", AccountKind::Bot, Tao(1000 * 1_000_000_000));
    w.run_until(10).expect("run");
    let mut s = Strategy::load(&name, &src, 1, Limits::default()).expect("load");
    let mut chunks = Vec::new();
    let mut orders = 0;
    let mut done = 0;
    while done < calls {
        let n = (calls - done).min(1_000);
        let t = std::time::Instant::now();
        for _ in 0..n {
            let out = s.on_tick(&w, me, &[]);
            assert!(out.fault.is_none(), "{:?}", out.fault);
            orders += out.orders.len();
        }
        #[allow(clippy::cast_precision_loss)]
        chunks.push(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        done += n;
    }
    chunks.sort_by(f64::total_cmp);
    let at = |q: usize| chunks.get(chunks.len() * q / 100).copied().unwrap_or(0.0);
    println!("{done} calls, {orders} orders");
    println!("µs per call: fastest chunk {:.2}, p10 {:.2}, median {:.2}", at(0), at(10), at(50));
}
