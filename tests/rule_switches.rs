//! Map events that change the rules mid-match (rules.md §8 events, §5 emission modes):
//! switching `emission_mode` settles what the old mode left behind, and the laws of §10
//! hold at every block across the switch.

use dtao_arena::engine::World;
use dtao_arena::session::Session;

/// Two emitting subnets, a human who stakes into SN1 every few blocks (so `F` moves),
/// and one event that switches the emission mode at block 800 (an epoch of SN1 falls
/// at 360 * k + 358 with tempo 360).
fn map(from: &str, to: &str) -> String {
    format!(
        r#"
name = "switch"
blocks = 2000
start_tao = 1000.0

[params]
emission_mode = "{from}"
tempo = 360
genesis_root_stake = 100000.0

[[subnet]]
netuid = 1
name = "one"
tao = 5000.0
alpha_in = 10000.0
alpha_out = 5000.0
moving_price = 0.5

[[subnet]]
netuid = 2
name = "two"
tao = 3000.0
alpha_in = 10000.0
alpha_out = 5000.0
moving_price = 0.3

[[event]]
block = 800
param = {{ key = "emission_mode", value = "{to}" }}
"#
    )
}

fn run(from: &str, to: &str, mut at: impl FnMut(&World)) -> World {
    let m = dtao_arena::scenario::parse(&map(from, to), "switch.toml").expect("the map loads");
    let mut s = Session::new(&m, Some(1), None).expect("session");
    let h = s.add_human("ana");
    while !s.is_over() {
        let b = s.world().block;
        if b % 50 == 0 && b < 1500 {
            s.submit(
                h,
                dtao_arena::engine::Order::Stake {
                    netuid: 1,
                    tao: dtao_arena::engine::Tao(5_000_000_000),
                    limit: None,
                },
            );
        }
        s.step().expect("a block");
        s.world().check_invariants().unwrap_or_else(|e| panic!("block {}: {e}", s.world().block));
        at(s.world());
    }
    s.world().clone()
}

#[test]
fn flow_to_price_sells_the_root_alpha_left_pending() {
    let mut pending_at_switch = 0;
    let mut recycled_at_switch = 0;
    let w = run("flow", "price", |w| {
        if w.block == 801 {
            // After block 800, the block of the switch.
            pending_at_switch = w.subnets().map(|s| s.pending_root_alpha).sum();
            recycled_at_switch = w.subnets().map(|s| s.alpha_recycled).sum::<u64>();
        }
    });
    // Flow keeps root alpha for the epoch; at the switch some is pending, and the next
    // epochs (price mode) settle it instead of leaving it pending forever...
    assert!(pending_at_switch > 0, "the scenario must leave root alpha pending at the switch");
    assert_eq!(w.subnets().map(|s| s.pending_root_alpha).sum::<u64>(), 0);
    // ...by selling it for root dividends, as price mode sells root alpha: it is not
    // recycled (what is recycled after the switch is truncation dust only).
    let recycled_after = w.subnets().map(|s| s.alpha_recycled).sum::<u64>() - recycled_at_switch;
    assert!(recycled_after < pending_at_switch / 1000, "{recycled_after} recycled of {pending_at_switch} pending");
}

#[test]
fn price_to_flow_starts_the_flows_from_zero() {
    let mut flow_before = 0i128;
    let mut flow_after = None;
    run("price", "flow", |w| {
        let f: i128 = w.subnets().map(|s| s.flow).sum();
        // The callback sees the world after a block: `w.block` is the next one.
        if w.block == 800 {
            flow_before = f;
        }
        if w.block == 801 {
            flow_after = Some(f);
        }
    });
    // Under price, F is never reset: 16 stakes of 5 TAO have piled up by block 799.
    assert!(flow_before > 0, "{flow_before}");
    // The switch (after block 800's coinbase) clears it, so block 801's coinbase folds
    // only block 801's own flows into S; flow mode then resets F every block.
    assert_eq!(flow_after, Some(0));
}

#[test]
fn subnet_limit_may_be_lowered_by_an_event_but_not_raised() {
    let with = |value: u32| {
        let source = map("price", "price").replace(
            r#"param = { key = "emission_mode", value = "price" }"#,
            &format!(r#"param = {{ key = "subnet_limit", value = {value} }}"#),
        );
        dtao_arena::scenario::parse(&source.replace("tempo = 360", "tempo = 360\nsubnet_limit = 8"), "limit.toml")
    };
    assert!(with(4).is_ok(), "lowering: the next launches prune");
    assert!(with(8).is_ok());
    let e = with(16).expect_err("raising past the table sized at block 0").to_string();
    assert!(e.contains("subnet_limit can only be lowered during a match") && e.contains("for 8"), "{e}");
}
