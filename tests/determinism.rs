//! Determinism: the same map, seed and orders give the same state hash at every block,
//! in every process and on any thread count; the hash is pinned by checked-in constants.

use dtao_arena::engine::init::WorldInit;
use dtao_arena::engine::{AccountKind, Order, Tao, World};
use dtao_arena::scenario;

/// Runs `blocks` of the map with a scripted trader and returns every block's state hash.
fn hashes(map: &str, seed: u64, blocks: u64) -> Vec<[u8; 32]> {
    let mut w = scenario::load(map).expect("map").build(Some(seed)).expect("world");
    let me = w.add_account("trader", AccountKind::Bot, Tao(1000 * 1_000_000_000));
    let mut out = Vec::new();
    while w.block < blocks {
        if w.block % 97 == 0 {
            let netuid = u16::try_from(1 + w.block % 5).expect("netuid");
            w.submit(me, Order::Stake { netuid, tao: Tao(3_000_000_000), limit: None });
            w.submit(me, Order::Dump { netuid: Some(netuid + 1) });
        }
        w.step().expect("step");
        out.push(w.state_hash());
    }
    out
}

fn digest(hs: &[[u8; 32]]) -> String {
    let mut h = blake3::Hasher::new();
    for x in hs {
        h.update(x);
    }
    h.finalize().to_hex().to_string()
}

#[test]
fn same_inputs_same_hash_at_every_block() {
    let a = hashes("tutorial", 7, 1500);
    let b = hashes("tutorial", 7, 1500);
    assert_eq!(a, b);
    let c = hashes("tutorial", 8, 1500);
    assert_ne!(a.last(), c.last(), "a different seed must give a different match");
}

#[test]
fn thread_count_does_not_matter() {
    let serial = hashes("dtao-launch", 3, 400);
    let threads: Vec<_> = (0..4).map(|_| std::thread::spawn(|| hashes("dtao-launch", 3, 400))).collect();
    for t in threads {
        assert_eq!(t.join().expect("thread"), serial);
    }
}

/// Pinned constants: if one of these changes, a rule or the hash encoding changed, and
/// `ENGINE_VERSION` must be bumped (old replays would no longer verify).
#[test]
fn hashes_are_pinned() {
    let mut w = World::new(&WorldInit::synthetic(4, 42)).expect("world");
    let at_0 = w.state_hash_hex();
    w.run_until(1000).expect("run");
    let got = [at_0, w.state_hash_hex(), digest(&hashes("dtao-launch", 1, 600))];
    assert_eq!(got, [PINNED_SYNTHETIC_0, PINNED_SYNTHETIC_1000, PINNED_LAUNCH_EVERY_BLOCK]);
}

const PINNED_SYNTHETIC_0: &str = "4b40b4f24ff23578675cc548a6d6a796ef4d2683fe6eeb9c2219624e6b619647";
const PINNED_SYNTHETIC_1000: &str = "1d4ef12cf6ba2a2f40894fa75500793f4bd0e4099ef63f50c690712c7f523fea";
const PINNED_LAUNCH_EVERY_BLOCK: &str = "42fa3e3dcb8fe808caad92986473013731e0b69ec36e4d95c0f7d0e06de37a88";

/// Across processes: two runs of the real binary agree with each other and with this
/// process.
#[test]
fn separate_processes_agree() {
    let run = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
            .args(["sim", "--map", "tutorial", "--blocks", "900", "--seed", "11", "--json"])
            .output()
            .expect("run binary");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["state_hash"].as_str().expect("hash").to_string()
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    let mut w = scenario::load("tutorial").expect("map").build(Some(11)).expect("world");
    w.run_until(900).expect("run");
    assert_eq!(a, w.state_hash_hex());
}
