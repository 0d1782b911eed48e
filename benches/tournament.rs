//! Tournament throughput (issue 3; figures in the README): 8 strategies x 32 matches x
//! 30 simulated days (216,000 blocks) on the default map, with `--jobs 2` and `--jobs 1`.
//! Target: at most 60 s with 2 jobs on a 2-core machine, and 2 jobs at least 1.8x faster
//! than 1. Heavy (a few minutes), so it is a bench, not a test:
//!
//! ```sh
//! cargo bench --bench tournament            # both runs
//! cargo bench --bench tournament -- 2       # only --jobs 2
//! ```

use std::time::Instant;

use dtao_arena::script::builtin;
use dtao_arena::tournament::{self, Entrant, Plan};

fn plan() -> Plan {
    let mut entrants: Vec<Entrant> = builtin::ALL.iter().map(|b| Entrant::new(b.name, b.source)).collect();
    let extra = builtin::find("momentum").expect("momentum");
    entrants.push(Entrant::new("momentum#2", extra.source));
    assert_eq!(entrants.len(), 8);
    Plan {
        maps: vec![dtao_arena::scenario::load("dtao-launch").expect("map")],
        matches: 32,
        blocks: Some(216_000),
        seed: 1,
        entrants,
        record_to: None,
    }
}

fn run(jobs: usize) -> f64 {
    let plan = plan();
    let t = Instant::now();
    let rows = tournament::run(&plan, jobs, &tournament::lua_actor, &|_| {}).expect("tournament");
    let secs = t.elapsed().as_secs_f64();
    let faults: u32 = rows.iter().map(|r| r.faults).sum();
    println!("tournament/8x32x30d/jobs{jobs}: {secs:.1} s ({} rows, {faults} faults)", rows.len());
    secs
}

fn main() {
    let only: Option<usize> = std::env::args().skip(1).find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok());
    match only {
        Some(j) => {
            run(j);
        }
        None => {
            let two = run(2);
            let one = run(1);
            println!("tournament/speedup: jobs 2 is {:.2}x faster than jobs 1", one / two);
        }
    }
}
