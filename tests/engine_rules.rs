//! Focused tests of rules that the engine implements but no other test asserts, with
//! hand-computed expected values (the arithmetic is written next to each assertion).
//!
//! Worlds are built from a `WorldInit` through the public API; a subnet whose
//! `first_emission` is `NEVER` gets no coinbase, so an epoch pays exactly the buckets a
//! test puts in. Amounts are rao (1 TAO = 1 alpha = 10^9).

use dtao_arena::engine::init::{EventInit, EventKind, MinerInit, NpcInit, RetailInit, SubnetInit, TeamInit, WorldInit};
use dtao_arena::engine::math::U64F64;
use dtao_arena::engine::rng::Stream;
use dtao_arena::engine::world::{NpcMiner, Subnet};
use dtao_arena::engine::{
    AccountId, AccountKind, Alpha, EmissionMode, Event, Mechanism, Netuid, Order, Policy, Ppb, Reject, Tao, World,
    epoch, registry,
};

const TAO: u64 = 1_000_000_000;
/// A first-emission block no test reaches.
const NEVER: i64 = 1_000_000_000;

/// A utility subnet with pool `(tao, alpha_in)`, no outstanding alpha, no NPC miners,
/// owned by genesis, registered at block 0 and not emitting.
fn subnet(netuid: Netuid, tao: u64, alpha_in: u64) -> SubnetInit {
    SubnetInit {
        netuid,
        name: format!("SN{netuid}"),
        tao: Tao(tao),
        alpha_in,
        owner: "genesis".into(),
        first_emission: NEVER,
        ..SubnetInit::default()
    }
}

fn init(subnets: Vec<SubnetInit>) -> WorldInit {
    // Total issuance 1M TAO: far from the first halving, and room to recycle.
    WorldInit { name: "rules".into(), seed: 7, subnets, total_issuance: Tao(1_000_000 * TAO), ..WorldInit::default() }
}

fn build(init: &WorldInit) -> World {
    World::new(init).expect("world")
}

fn m(x: f64) -> U64F64 {
    U64F64::from_num(x)
}

/// Gives an account alpha on a subnet, keeping `Out` and the issuance ledger exact.
fn give_alpha(w: &mut World, id: AccountId, n: Netuid, x: u64) {
    w.accounts[id.index()].alpha[usize::from(n)] += x;
    let s = w.subnets[usize::from(n)].as_mut().expect("subnet");
    s.alpha_out += x;
    s.alpha_issued += x;
}

/// Puts alpha in the pending buckets (issued now) and root TAO taken from the pool, as
/// the coinbase would have.
fn set_pending(w: &mut World, n: Netuid, owner: u64, miner: u64, validator: u64, root_tao: u64) {
    let s = w.subnets[usize::from(n)].as_mut().expect("subnet");
    s.pending_owner += owner;
    s.pending_miner += miner;
    s.pending_validator += validator;
    s.alpha_out += owner + miner + validator;
    s.alpha_issued += owner + miner + validator;
    s.tao -= root_tao;
    s.pending_root_tao += root_tao;
}

/// The first block `b >= from` at which subnet `n` runs its epoch:
/// `(b + n + 1) % (tempo + 1) == 0`.
fn epoch_block(w: &World, n: Netuid, from: u64) -> u64 {
    let window = w.params.tempo + 1;
    (from..).find(|b| (b + u64::from(n) + 1) % window == 0).expect("block")
}

/// Jumps to subnet `n`'s next epoch block and runs it.
fn run_epoch(w: &mut World, n: Netuid) {
    w.block = epoch_block(w, n, w.block);
    w.step().expect("step");
}

fn sub(w: &World, n: Netuid) -> &Subnet {
    w.subnet(n).expect("subnet")
}

// ---------------------------------------------------------------------------------------
// Pruning and dissolution (rules.md §6)
// ---------------------------------------------------------------------------------------

/// Two subnets at a limit of two; SN1 (lower moving price) is the one a launch prunes.
/// SN1: pool 89 TAO after 4 TAO of pending root TAO and 7 TAO held by its two NPC
/// miners were taken out of an initial 100; genesis holds 300 alpha, NPC miner 0 holds
/// 100 alpha and 5 TAO, miner 1 holds no alpha and 2 TAO; lock 500 TAO, owner alice.
fn prunable(owner_emission_value: u64) -> (World, AccountId, AccountId) {
    let mut sn1 = subnet(1, 100 * TAO, 1000 * TAO);
    sn1.moving_price = m(0.1);
    sn1.owner = "alice".into();
    sn1.lock = Tao(500 * TAO);
    sn1.miners = vec![MinerInit { quality: 1, sell_fraction: Ppb(0) }; 2];
    let mut sn2 = subnet(2, 100 * TAO, 1000 * TAO);
    sn2.moving_price = m(0.2);
    let mut i = init(vec![sn1, sn2]);
    i.params.subnet_limit = 2;
    i.params.network_immunity = 0;
    let mut w = build(&i);
    let alice = w.account_by_name("alice").expect("alice");
    give_alpha(&mut w, AccountId::GENESIS, 1, 300 * TAO);
    {
        let s = w.subnets[1].as_mut().expect("sn1");
        s.miners[0].alpha = 100 * TAO;
        s.alpha_out += 100 * TAO;
        s.alpha_issued += 100 * TAO;
        s.miners[0].tao = 5 * TAO;
        s.miners[1].tao = 2 * TAO;
        s.tao -= 7 * TAO;
        s.owner_emission_value = owner_emission_value;
    }
    set_pending(&mut w, 1, 0, 0, 0, 4 * TAO);
    w.check_invariants().expect("invariants");
    let me = w.add_account("me", AccountKind::Human, Tao(10_000 * TAO));
    (w, alice, me)
}

#[test]
fn dissolution_refunds_lock_minus_owner_emission_burns_npc_miners_and_recycles_root_tao() {
    let (mut w, alice, me) = prunable(120 * TAO);
    assert_eq!(registry::prune_candidate(&w), Some(1)); // m 0.1 < 0.2
    let (ti, minted, recycled, burned) = (w.total_issuance, w.ledger.minted, w.ledger.recycled, w.ledger.burned);
    let genesis_free = w.accounts[0].free.0;
    let launch = Order::LaunchSubnet { name: "New".into(), mechanism: Mechanism::Utility };
    let fill = w.execute(me, &launch).expect("launch");
    assert_eq!(fill.netuid, Some(1));
    assert_eq!(fill.tao_in_rao, 1000 * TAO); // initial_lock before any launch
    // Pool 89 TAO, alpha held 300 (genesis) + 100 (miner 0) = 400:
    // genesis 89 * 300/400 = 66.75 TAO, miner 0 89 * 100/400 = 22.25 TAO (exact).
    assert_eq!(w.accounts[0].free.0, genesis_free + 66_750_000_000);
    assert_eq!(w.accounts[0].alpha[1], 0);
    // NPC miners leave with their pool share and their TAO: 22.25 + 5 + 2 = 29.25 TAO burned.
    assert_eq!(w.ledger.burned - burned, 29_250_000_000);
    // Refund max(0, lock - owner emission value) = 500 - 120 = 380 TAO, minted.
    assert_eq!(w.accounts[alice.index()].free.0, 380 * TAO);
    assert_eq!(w.ledger.minted - minted, 380 * TAO);
    // Recycled: pending root TAO 4 + the lock above min_lock (1000 - 1) = 1003 TAO.
    assert_eq!(w.ledger.recycled - recycled, 1003 * TAO);
    // TI: + 380 (refund) - 1003 (recycled); burning does not lower issuance.
    assert_eq!(w.total_issuance, ti + 380 * TAO - 1003 * TAO);
    let s = sub(&w, 1);
    assert_eq!((s.name.as_str(), s.owner, s.lock, s.tao, s.alpha_in), ("New", me, 1000 * TAO, TAO, TAO));
    // The event says what each account got (NPC miners are not accounts).
    let paid = w.events().iter().find_map(|e| match e {
        Event::Dissolved { netuid: 1, paid, .. } => Some(paid.clone()),
        _ => None,
    });
    assert_eq!(paid, Some(vec![(AccountId::GENESIS, 300 * TAO, 66_750_000_000)]));
    w.check_invariants().expect("invariants");
}

#[test]
fn a_launched_name_with_an_invisible_mark_is_shown_with_it_escaped() {
    // The engine takes the name as given (a rule change would break old replays); the
    // view that screens draw shows the mark, so 'Ap<U+200B>ex' cannot pass for 'Apex'.
    let (mut w, _, me) = prunable(600 * TAO);
    w.execute(me, &Order::LaunchSubnet { name: "Ap\u{200b}ex".into(), mechanism: Mechanism::Utility }).expect("launch");
    let names: Vec<String> = w.view().subnets.iter().map(|s| s.name.clone()).collect();
    assert!(names.iter().any(|n| n == "Ap\\u{200b}ex"), "{names:?}");
}

#[test]
fn no_refund_once_owner_emission_exceeds_the_lock() {
    // Owner emission worth 600 TAO > lock 500 TAO: max(0, 500 - 600) = 0.
    let (mut w, alice, me) = prunable(600 * TAO);
    let minted = w.ledger.minted;
    w.execute(me, &Order::LaunchSubnet { name: "New".into(), mechanism: Mechanism::Holder }).expect("launch");
    assert_eq!(w.accounts[alice.index()].free.0, 0);
    assert_eq!(w.ledger.minted, minted);
    w.check_invariants().expect("invariants");
}

#[test]
fn owner_emission_is_valued_at_the_spot_price_at_the_epoch_and_lowers_the_refund() {
    // One subnet at a limit of one: pool 100 TAO / 1000 alpha (p = 0.1), lock 10 TAO.
    let mut sn1 = subnet(1, 100 * TAO, 1000 * TAO);
    sn1.owner = "alice".into();
    sn1.lock = Tao(10 * TAO);
    let mut i = init(vec![sn1]);
    i.params.subnet_limit = 1;
    i.params.network_immunity = 0;
    let mut w = build(&i);
    let alice = w.account_by_name("alice").expect("alice");
    give_alpha(&mut w, AccountId::GENESIS, 1, 300 * TAO);
    set_pending(&mut w, 1, 18 * TAO, 0, 0, 0);
    run_epoch(&mut w, 1);
    // The owner gets its 18 alpha, valued 18 * 100 / 1000 = 1.8 TAO.
    assert_eq!(w.accounts[alice.index()].alpha[1], 18 * TAO);
    assert_eq!(sub(&w, 1).owner_emission_value, 1_800_000_000);
    let me = w.add_account("me", AccountKind::Human, Tao(10_000 * TAO));
    w.execute(me, &Order::LaunchSubnet { name: "New".into(), mechanism: Mechanism::Utility }).expect("launch");
    // Pool 100 TAO over 318 alpha: genesis 100e9*300/318 = 94_339_622_641 r 162e9,
    // alice 100e9*18/318 = 5_660_377_358 r 156e9; the last rao goes to the larger
    // remainder (genesis). Alice also gets the refund 10 - 1.8 = 8.2 TAO.
    assert_eq!(w.accounts[0].free.0, 94_339_622_642);
    assert_eq!(w.accounts[alice.index()].free.0, 5_660_377_358 + 8_200_000_000);
    w.check_invariants().expect("invariants");
}

#[test]
fn pruning_ties_go_to_the_oldest_then_the_lowest_netuid_and_immunity_protects() {
    let mut subs = Vec::new();
    for (n, reg) in [(1, 50), (2, 10), (3, 10)] {
        let mut s = subnet(n, 100 * TAO, 1000 * TAO);
        s.moving_price = m(0.1);
        s.registered_at = reg;
        subs.push(s);
    }
    let mut i = init(subs);
    i.params.subnet_limit = 3;
    i.params.network_immunity = 0;
    let mut w = build(&i);
    w.block = 100;
    // Equal m: the oldest (registered at 10: SN2 and SN3), then the lower netuid: SN2.
    assert_eq!(registry::prune_candidate(&w), Some(2));
    // SN2's m rises: SN3 is now the oldest among the lowest m.
    w.subnets[2].as_mut().expect("sn2").moving_price = m(0.2);
    assert_eq!(registry::prune_candidate(&w), Some(3));
    // Immunity 60 at block 100: SN1 (age 50) is immune even with the lowest m.
    w.subnets[1].as_mut().expect("sn1").moving_price = m(0.01);
    assert_eq!(registry::prune_candidate(&w), Some(1));
    w.params.network_immunity = 60;
    assert_eq!(registry::prune_candidate(&w), Some(3));
    let me = w.add_account("me", AccountKind::Human, Tao(10_000 * TAO));
    let fill = w.execute(me, &Order::LaunchSubnet { name: "New".into(), mechanism: Mechanism::Utility });
    assert_eq!(fill.expect("launch").netuid, Some(3));
    // Every subnet immune: the launch is refused and changes nothing.
    w.params.network_immunity = 1_000;
    let before = w.state_hash();
    let launch = Order::LaunchSubnet { name: "Again".into(), mechanism: Mechanism::Utility };
    assert_eq!(w.execute(me, &launch), Err(Reject::SubnetLimit));
    assert_eq!(w.state_hash(), before);
}

// ---------------------------------------------------------------------------------------
// Block structure (rules.md §4)
// ---------------------------------------------------------------------------------------

#[test]
fn epochs_run_when_b_plus_netuid_plus_one_is_a_multiple_of_tempo_plus_one() {
    let mut i = init(vec![
        subnet(1, 100 * TAO, 1000 * TAO),
        subnet(2, 100 * TAO, 1000 * TAO),
        subnet(3, 100 * TAO, 1000 * TAO),
        subnet(12, 100 * TAO, 1000 * TAO),
    ]);
    i.params.tempo = 9;
    i.params.subnet_limit = 16;
    let mut w = build(&i);
    let mut seen: Vec<(Netuid, u64)> = Vec::new();
    for b in 0..20 {
        w.step().expect("step");
        for s in w.subnets() {
            if s.last_epoch == Some(b) {
                seen.push((s.netuid, b));
            }
        }
    }
    // Window 10: SN1 at b + 2 = 10, 20 (b = 8, 18); SN2 at b = 7, 17; SN3 at b = 6, 16;
    // SN12 at (b + 13) % 10 == 0 (b = 7, 17), the same phase as SN2.
    seen.sort_unstable();
    assert_eq!(seen, vec![(1, 8), (1, 18), (2, 7), (2, 17), (3, 6), (3, 16), (12, 7), (12, 17)]);
}

#[test]
fn npc_miners_sell_their_fraction_in_equal_chunks_at_the_sale_phases() {
    let mut sn1 = subnet(1, 100 * TAO, 1000 * TAO);
    sn1.miners = vec![MinerInit { quality: 1, sell_fraction: Ppb(500_000_000) }];
    let mut i = init(vec![sn1]);
    i.params.tempo = 9;
    let mut w = build(&i);
    give_alpha(&mut w, AccountId::GENESIS, 1, 300 * TAO); // the validator
    set_pending(&mut w, 1, 0, 100 * TAO, 0, 0);
    let mut sales: Vec<(u64, u64)> = Vec::new();
    let mut last = 0;
    for b in 0..=18 {
        w.step().expect("step");
        let tao = sub(&w, 1).miners[0].tao;
        if tao != last {
            sales.push((b, tao - last));
            last = tao;
        }
        if b == 8 {
            // The epoch (b + 2 = 10) pays the only miner all 100 alpha; it will sell
            // half, in miner_sell_chunks = 2 parts.
            let mm = &sub(&w, 1).miners[0];
            assert_eq!((mm.alpha, mm.to_sell, mm.chunks_left), (100 * TAO, 50 * TAO, 2));
        }
        if b == 14 {
            assert_eq!(sub(&w, 1).miners[0].sold_window, 50 * TAO);
        }
    }
    // Sale phases: step = 10 / (2 + 1) = 3, phases 3 and 6; SN1 is at phase
    // (b + 2) % 10, so it sells at b = 11 and b = 14.
    // b = 11: 25 alpha into 100/1000: gross floor(100e9 * 25e9 / 1025e9) = 2_439_024_390,
    //         less the 50_000 fee = 2_438_974_390; pool 97_561_025_610 / 1025e9.
    // b = 14: the remaining 25: floor(97_561_025_610 * 25e9 / 1050e9) = 2_322_881_562,
    //         less the fee = 2_322_831_562; pool 95_238_194_048.
    assert_eq!(sales, vec![(11, 2_438_974_390), (14, 2_322_831_562)]);
    let s = sub(&w, 1);
    assert_eq!((s.tao, s.alpha_in), (95_238_194_048, 1050 * TAO));
    assert_eq!((s.miners[0].alpha, s.miners[0].to_sell), (50 * TAO, 0));
    // The next epoch (b = 18) resets the sales window.
    assert_eq!(s.miners[0].sold_window, 0);
    w.check_invariants().expect("invariants");
}

#[test]
fn seats_are_shuffled_by_the_order_stream_and_keep_their_own_order() {
    let mut w = build(&init(vec![subnet(1, 100 * TAO, 1000 * TAO)]));
    let ids: Vec<AccountId> = (0..4).map(|k| w.add_account(&format!("p{k}"), AccountKind::Bot, Tao(TAO))).collect();
    let policies = [Policy::Uniform, Policy::SelfOnly, Policy::RewardHolders];
    let mut replica = Stream::new(w.seed, "order");
    let mut firsts = Vec::new();
    for b in 0..30 {
        // Submitted interleaved and in reverse id order: each account gives its three
        // orders in `policies` order.
        for p in policies {
            for id in ids.iter().rev() {
                w.submit(*id, Order::SetWeights { netuid: 1, policy: p });
            }
        }
        w.step().expect("step");
        let mut seats = ids.clone();
        replica.shuffle(&mut seats);
        let want: Vec<(AccountId, Policy)> =
            seats.iter().flat_map(|id| policies.iter().map(move |p| (*id, *p))).collect();
        let got: Vec<(AccountId, Policy)> = w
            .events()
            .iter()
            .filter_map(|e| match e {
                Event::Applied { account, order: Order::SetWeights { policy, .. }, .. } => Some((*account, *policy)),
                _ => None,
            })
            .collect();
        assert_eq!(got, want, "block {b}");
        firsts.push(seats[0]);
    }
    // Fairness: no seat always goes first.
    firsts.dedup();
    assert!(firsts.len() > 1);
    // A block without orders draws nothing from the stream: the next shuffle continues it.
    w.step().expect("step");
    w.submit(ids[0], Order::SetWeights { netuid: 1, policy: Policy::Uniform });
    w.submit(ids[1], Order::SetWeights { netuid: 1, policy: Policy::Uniform });
    w.step().expect("step");
    let mut seats = vec![ids[0], ids[1]];
    replica.shuffle(&mut seats);
    let got: Vec<AccountId> = w
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Applied { account, .. } => Some(*account),
            _ => None,
        })
        .collect();
    assert_eq!(got, seats);
}

#[test]
fn orders_apply_before_the_coinbase_of_the_same_block() {
    // p = 2 (1000 TAO / 500 alpha), the only emitting subnet, no root stake.
    let mut sn1 = subnet(1, 1000 * TAO, 500 * TAO);
    sn1.first_emission = -100;
    sn1.moving_price = m(0.5);
    let mut w = build(&init(vec![sn1]));
    let me = w.add_account("me", AccountKind::Bot, Tao(10 * TAO));
    w.submit(me, Order::Stake { netuid: 1, tao: Tao(10 * TAO), limit: None });
    w.step().expect("step");
    // Stake first: net 9_999_950_000 buys floor(500e9 * net / (1000e9 + net)) =
    // 4_950_470_542 alpha: pool 1010e9 / 495_049_529_458. Then the coinbase injects
    // 1 TAO and floor(1e9 * 495_049_529_458 / 1010e9) = 490_148_048 alpha (it would be
    // 0.5 alpha at the price before the stake).
    let s = sub(&w, 1);
    assert_eq!(w.accounts[me.index()].alpha[1], 4_950_470_542);
    assert_eq!((s.tao, s.alpha_in), (1011 * TAO, 495_049_529_458 + 490_148_048));
    w.check_invariants().expect("invariants");
}

#[test]
fn an_epoch_pays_the_buckets_including_its_own_blocks_coinbase() {
    let mut sn1 = subnet(1, 100 * TAO, 1000 * TAO);
    sn1.first_emission = -100;
    sn1.moving_price = m(0.1);
    sn1.owner = "alice".into();
    let mut i = init(vec![sn1]);
    i.params.tempo = 9;
    let mut w = build(&i);
    let alice = w.account_by_name("alice").expect("alice");
    w.run_until(8).expect("run");
    // Blocks 0..=7: 8 blocks of a_i = 1 alpha, owner cut 0.18 each = 1.44 alpha pending.
    assert_eq!(sub(&w, 1).pending_owner, 1_440_000_000);
    w.step().expect("step"); // b = 8: coinbase, then SN1's epoch (8 + 2 = 10)
    // 9 blocks * 0.18 alpha = 1.62 alpha to the owner, and every bucket is empty.
    assert_eq!(w.accounts[alice.index()].alpha[1], 1_620_000_000);
    let s = sub(&w, 1);
    assert_eq!((s.pending_owner, s.pending_miner, s.pending_validator, s.pending_root_tao), (0, 0, 0, 0));
    w.check_invariants().expect("invariants");
}

// ---------------------------------------------------------------------------------------
// Yuma fallbacks and validators (rules.md §7)
// ---------------------------------------------------------------------------------------

#[test]
fn zero_incentive_sends_miner_alpha_to_validators_by_stake() {
    // NPC miners of quality 0: every honest validator of a utility subnet abstains.
    let mut sn1 = subnet(1, 100 * TAO, 1000 * TAO);
    sn1.miners = vec![MinerInit { quality: 0, sell_fraction: Ppb(0) }; 2];
    let mut w = build(&init(vec![sn1]));
    let bot = w.add_account("bot", AccountKind::Bot, Tao(0));
    give_alpha(&mut w, AccountId::GENESIS, 1, 300 * TAO);
    give_alpha(&mut w, bot, 1, 100 * TAO);
    set_pending(&mut w, 1, 0, 100 * TAO, 0, 0);
    run_epoch(&mut w, 1);
    // Stakes 300 : 100: genesis 75 alpha, bot 25 alpha; the miners get nothing.
    assert_eq!(w.accounts[0].alpha[1], 375 * TAO);
    assert_eq!(w.accounts[bot.index()].alpha[1], 125 * TAO);
    assert!(sub(&w, 1).miners.iter().all(|mm| mm.alpha == 0));
    assert_eq!(sub(&w, 1).alpha_recycled, 0);
    w.check_invariants().expect("invariants");
}

#[test]
fn with_no_alpha_parts_validator_alpha_follows_the_dividends() {
    // Two root-only validators: genesis root 1000 (S = 180), bot root 500 (S = 90).
    let mut i = init(vec![subnet(1, 100 * TAO, 1000 * TAO)]);
    i.genesis_root_stake = Tao(1000 * TAO);
    let mut w = build(&i);
    let bot = w.add_account("bot", AccountKind::Bot, Tao(500 * TAO));
    w.execute(bot, &Order::StakeRoot { tao: Tao(500 * TAO) }).expect("stake root");
    set_pending(&mut w, 1, 0, 0, 90 * TAO, 30 * TAO);
    run_epoch(&mut w, 1);
    // No miners: dividends follow stake, 2 : 1. Alpha parts are all 0 (no alpha held),
    // so the 90 validator alpha follows the dividends: 60 and 30; the root parts share
    // the 30 root TAO: 20 and 10 TAO of root stake.
    assert_eq!(w.accounts[0].alpha[1], 60 * TAO);
    assert_eq!(w.accounts[bot.index()].alpha[1], 30 * TAO);
    assert_eq!(w.accounts[0].root.0, 1020 * TAO);
    assert_eq!(w.accounts[bot.index()].root.0, 510 * TAO);
    assert_eq!(w.total_root, 1530 * TAO);
    w.check_invariants().expect("invariants");
}

#[test]
fn root_tao_with_no_root_part_is_recycled() {
    // Alpha-only validators (no root stake anywhere) and 12 TAO of pending root TAO.
    let mut w = build(&init(vec![subnet(1, 100 * TAO, 1000 * TAO)]));
    give_alpha(&mut w, AccountId::GENESIS, 1, 300 * TAO);
    set_pending(&mut w, 1, 0, 0, 30 * TAO, 12 * TAO);
    let (ti, recycled) = (w.total_issuance, w.ledger.recycled);
    run_epoch(&mut w, 1);
    assert_eq!(w.ledger.recycled - recycled, 12 * TAO);
    assert_eq!(w.total_issuance, ti - 12 * TAO);
    assert_eq!((w.accounts[0].root.0, w.total_root), (0, 0));
    assert_eq!(w.accounts[0].alpha[1], 330 * TAO); // the alpha part is paid as usual
    assert_eq!(sub(&w, 1).pending_root_tao, 0);
    w.check_invariants().expect("invariants");
}

#[test]
fn with_no_validators_the_buckets_are_recycled() {
    // Nobody holds alpha or root stake: no validator, no incentive. The validator
    // alpha (and the miner alpha it absorbs) has no one to go to and is recycled.
    let mut w = build(&init(vec![subnet(1, 100 * TAO, 1000 * TAO)]));
    set_pending(&mut w, 1, 0, 40 * TAO, 60 * TAO, 0);
    run_epoch(&mut w, 1);
    let s = sub(&w, 1);
    assert_eq!((s.alpha_recycled, s.alpha_out), (100 * TAO, 0));
    w.check_invariants().expect("invariants");
}

#[test]
fn validators_are_the_top_64_by_stake_weight_ties_to_the_lower_id() {
    let mut w = build(&init(vec![subnet(1, 100 * TAO, 1000 * TAO)]));
    assert_eq!(w.params.max_validators, 64);
    // 65 accounts with 10 alpha each: a tie at the cutoff, so the highest id is left out.
    let ids: Vec<AccountId> = (0..65).map(|k| w.add_account(&format!("v{k}"), AccountKind::Bot, Tao(0))).collect();
    for id in &ids {
        give_alpha(&mut w, *id, 1, 10 * TAO);
    }
    let vals = epoch::validators(&w, 1);
    assert_eq!(vals.len(), 64);
    assert_eq!(vals.iter().map(|v| v.0).collect::<Vec<_>>(), ids[..64].to_vec());
    assert!(vals.iter().all(|v| v.1 == 10 * TAO));
    // Pay 64 alpha of validator alpha: 1 alpha to each of the 64, none to the 65th.
    set_pending(&mut w, 1, 0, 0, 64 * TAO, 0);
    run_epoch(&mut w, 1);
    for id in &ids[..64] {
        assert_eq!(w.accounts[id.index()].alpha[1], 11 * TAO);
    }
    assert_eq!(w.accounts[ids[64].index()].alpha[1], 10 * TAO);
    // Root stake counts at tau on every subnet: 100 root = 18 stake weight, first in line;
    // the cutoff now drops the two highest ids of the tie.
    let rooter = w.add_account("rooter", AccountKind::Bot, Tao(100 * TAO));
    w.execute(rooter, &Order::StakeRoot { tao: Tao(100 * TAO) }).expect("stake root");
    let vals = epoch::validators(&w, 1);
    assert_eq!(vals[0], (rooter, 18 * TAO));
    assert_eq!(vals.len(), 64);
    // ids[0..63] have 11 alpha now; ids[64] 10: the 63 with 11, then nothing of the 10.
    assert_eq!(vals[1..].iter().map(|v| v.0).collect::<Vec<_>>(), ids[..63].to_vec());
    // A smaller cutoff, to see the ordering: stake descending, then lower id.
    w.params.max_validators = 3;
    let vals = epoch::validators(&w, 1);
    assert_eq!(vals, vec![(rooter, 18 * TAO), (ids[0], 11 * TAO), (ids[1], 11 * TAO)]);
    w.check_invariants().expect("invariants");
}

#[test]
fn registered_account_miners_are_paid_by_their_incentive() {
    let mut sn1 = subnet(1, 100 * TAO, 1000 * TAO);
    sn1.miners = vec![MinerInit { quality: 1, sell_fraction: Ppb(0) }];
    let mut w = build(&init(vec![sn1]));
    give_alpha(&mut w, AccountId::GENESIS, 1, 300 * TAO);
    let me = w.add_account("me", AccountKind::Bot, Tao(TAO));
    let (ti, recycled) = (w.total_issuance, w.ledger.recycled);
    w.execute(me, &Order::RegisterMiner { netuid: 1 }).expect("register");
    // miner_burn 0.1 TAO, recycled.
    assert_eq!(w.accounts[me.index()].free.0, 900_000_000);
    assert_eq!((w.total_issuance, w.ledger.recycled), (ti - 100_000_000, recycled + 100_000_000));
    assert!(w.accounts[me.index()].miner[1]);
    assert_eq!(w.execute(me, &Order::RegisterMiner { netuid: 1 }), Err(Reject::AlreadyMiner(1)));
    let poor = w.add_account("poor", AccountKind::Bot, Tao(99_999_999));
    assert_eq!(
        w.execute(poor, &Order::RegisterMiner { netuid: 1 }),
        Err(Reject::InsufficientTao { have_rao: 99_999_999, need_rao: 100_000_000 })
    );
    // Honest on a utility subnet: an account miner has quality 0, so it gets nothing.
    set_pending(&mut w, 1, 0, 100 * TAO, 0, 0);
    run_epoch(&mut w, 1);
    assert_eq!(w.accounts[me.index()].alpha[1], 0);
    assert_eq!(sub(&w, 1).miners[0].alpha, 100 * TAO);
    // The only validator turns uniform: 2 miners, weight 1/2 each: 50 alpha each.
    w.accounts[0].policy[1] = Policy::Uniform;
    set_pending(&mut w, 1, 0, 100 * TAO, 0, 0);
    run_epoch(&mut w, 1);
    assert_eq!(w.accounts[me.index()].alpha[1], 50 * TAO);
    assert_eq!(sub(&w, 1).miners[0].alpha, 150 * TAO);
    w.check_invariants().expect("invariants");
}

// ---------------------------------------------------------------------------------------
// Orders (rules.md §6)
// ---------------------------------------------------------------------------------------

/// SN1: a pool of 0.02 TAO / 1 alpha; SN2: 100 TAO / 1000 alpha; `me` holds 10 alpha on
/// each.
fn thin_pool() -> (World, AccountId) {
    let mut w = build(&init(vec![subnet(1, 20_000_000, TAO), subnet(2, 100 * TAO, 1000 * TAO)]));
    let me = w.add_account("me", AccountKind::Bot, Tao(0));
    give_alpha(&mut w, me, 1, 10 * TAO);
    give_alpha(&mut w, me, 2, 10 * TAO);
    (w, me)
}

#[test]
fn unstake_is_refused_when_the_pool_would_keep_less_than_min_liquidity() {
    let (mut w, me) = thin_pool();
    let before = w.state_hash();
    // 2 alpha: gross floor(0.02e9 * 2e9 / 3e9) = 13_333_333, net 13_283_333: the pool
    // would keep 6_716_667 < 10_000_000.
    let sell2 = Order::Unstake { netuid: 1, alpha: Alpha(2 * TAO), limit: None };
    assert_eq!(w.execute(me, &sell2), Err(Reject::PoolLiquidity { min_rao: 10_000_000 }));
    assert_eq!(w.state_hash(), before);
    // 1 alpha: gross floor(0.02e9 * 1e9 / 2e9) = 10_000_000, net 9_950_000: the pool
    // keeps 10_050_000.
    let fill = w.execute(me, &Order::Unstake { netuid: 1, alpha: Alpha(TAO), limit: None }).expect("unstake");
    assert_eq!((fill.tao_out_rao, fill.fee_rao), (9_950_000, 50_000));
    assert_eq!(sub(&w, 1).tao, 10_050_000);
    w.check_invariants().expect("invariants");
}

#[test]
fn dump_all_succeeds_if_any_sale_does() {
    let (mut w, me) = thin_pool();
    let fill = w.execute(me, &Order::Dump { netuid: None }).expect("dump");
    // SN1's 10 alpha would drain it and is kept; SN2: floor(100e9 * 10e9 / 1010e9) =
    // 990_099_009, less the fee.
    assert_eq!((fill.tao_out_rao, fill.alpha_out_rao, fill.fee_rao), (990_049_009, 10 * TAO, 50_000));
    assert_eq!((w.accounts[me.index()].alpha[1], w.accounts[me.index()].alpha[2]), (10 * TAO, 0));
    // Only the refused sale is left: the dump fails with its reason and changes nothing.
    let before = w.state_hash();
    assert_eq!(w.execute(me, &Order::Dump { netuid: None }), Err(Reject::PoolLiquidity { min_rao: 10_000_000 }));
    assert_eq!(w.state_hash(), before);
    w.check_invariants().expect("invariants");
}

#[test]
fn move_to_the_same_subnet_is_refused() {
    let (mut w, me) = thin_pool();
    let before = w.state_hash();
    assert_eq!(w.execute(me, &Order::Move { from: 2, to: 2, alpha: Alpha(TAO) }), Err(Reject::SameSubnet));
    assert_eq!(w.state_hash(), before);
}

// ---------------------------------------------------------------------------------------
// Emission schedule and coinbase modes (rules.md §3, §5)
// ---------------------------------------------------------------------------------------

#[test]
fn each_subnet_halves_on_its_own_alpha_issuance() {
    let halving = 10_500_000 * TAO; // 21e15 * (1 - 1/2)
    let mut subs =
        vec![subnet(1, 1000 * TAO, halving), subnet(2, 1000 * TAO, halving - 1), subnet(3, 100 * TAO, 1000 * TAO)];
    for s in &mut subs {
        s.first_emission = -100; // emitting; m = 0 everywhere: equal shares
    }
    let mut i = init(subs);
    i.total_issuance = Tao(halving); // TAO has halved too: E = 0.5 TAO
    let mut w = build(&i);
    w.step().expect("step");
    assert_eq!(sub(&w, 1).last_block_emission, 500_000_000);
    assert_eq!(sub(&w, 3).last_emission, 166_666_666); // 0.5 TAO / 3
    // SN1: AI = 10.5M alpha: a_1 = 0.5 alpha; owner 0.09, r = 0.41, miner 0.205.
    // SN2: AI one rao below: a_2 = 1 alpha; owner 0.18, miner 0.41. SN3 as SN2: the
    // TAO halving does not halve alpha.
    let a = |n: Netuid| {
        let s = sub(&w, n);
        (s.alpha_out, s.pending_owner, s.pending_miner, s.pending_validator)
    };
    assert_eq!(a(1), (500_000_000, 90_000_000, 205_000_000, 205_000_000));
    assert_eq!(a(2), (TAO, 180_000_000, 410_000_000, 410_000_000));
    assert_eq!(a(3), (TAO, 180_000_000, 410_000_000, 410_000_000));
    w.check_invariants().expect("invariants");
}

#[test]
fn flow_shares_are_equal_while_no_flow_ema_is_positive() {
    let mut subs = vec![subnet(1, 100 * TAO, 1000 * TAO), subnet(2, 100 * TAO, 1000 * TAO)];
    subs[0].first_emission = -100;
    subs[1].first_emission = -100;
    subs[0].moving_price = m(0.9); // ignored in flow mode
    let mut i = init(subs);
    i.params.emission_mode = EmissionMode::Flow;
    let mut w = build(&i);
    w.subnets[1].as_mut().expect("sn1").flow = -50 * i128::from(TAO);
    w.step().expect("step");
    // S_1 < 0, S_2 = 0: no positive S, so E / 2 each.
    assert_eq!((sub(&w, 1).last_emission, sub(&w, 2).last_emission), (500_000_000, 500_000_000));
}

#[test]
fn flow_counts_the_tao_paid_in_by_stakes() {
    let mut subs = vec![subnet(1, 100 * TAO, 1000 * TAO), subnet(2, 100 * TAO, 1000 * TAO)];
    subs[0].first_emission = -100;
    subs[1].first_emission = -100;
    let mut i = init(subs);
    i.params.emission_mode = EmissionMode::Flow;
    let mut w = build(&i);
    let a = w.add_account("a", AccountKind::Bot, Tao(10 * TAO));
    let b = w.add_account("b", AccountKind::Bot, Tao(30 * TAO));
    w.submit(a, Order::Stake { netuid: 1, tao: Tao(10 * TAO), limit: None });
    w.submit(b, Order::Stake { netuid: 2, tao: Tao(30 * TAO), limit: None });
    w.step().expect("step");
    // F = 10 and 30 TAO (fee included); S = af * F exactly, so the shares are 1/4 and 3/4.
    assert_eq!((sub(&w, 1).last_emission, sub(&w, 2).last_emission), (250_000_000, 750_000_000));
    assert_eq!((sub(&w, 1).flow, sub(&w, 2).flow), (0, 0));
    // An unstake counts against the flow: a's sale makes F_1 negative this block.
    let held = w.accounts[a.index()].alpha[1];
    w.submit(a, Order::Unstake { netuid: 1, alpha: Alpha(held), limit: None });
    let ema = sub(&w, 1).flow_ema;
    w.step().expect("step");
    assert!(sub(&w, 1).flow_ema < ema);
}

/// SN1 (not emitting) has 10 alpha of pending root alpha; genesis (root 1000 TAO) is
/// its only validator; `emitting_at_one` subnets with m = 1 (and p = 2) emit.
fn flow_root_world(emitting_at_one: u16) -> World {
    let mut subs = vec![subnet(1, 100 * TAO, 1000 * TAO)];
    for n in 2..2 + emitting_at_one {
        let mut s = subnet(n, 1000 * TAO, 500 * TAO);
        s.first_emission = -100;
        s.moving_price = m(1.0);
        subs.push(s);
    }
    let mut i = init(subs);
    i.params.emission_mode = EmissionMode::Flow;
    i.genesis_root_stake = Tao(1000 * TAO);
    let mut w = build(&i);
    let s = w.subnets[1].as_mut().expect("sn1");
    s.pending_root_alpha = 10 * TAO;
    s.alpha_out += 10 * TAO;
    s.alpha_issued += 10 * TAO;
    w
}

#[test]
fn flow_root_alpha_is_sold_at_the_epoch_when_the_moving_prices_sum_above_one() {
    let mut w = flow_root_world(2); // sum m = 2 > 1
    run_epoch(&mut w, 1);
    // Sold without a fee: floor(100e9 * 10e9 / 1010e9) = 990_099_009 TAO, all of it to
    // the only root part (genesis), as root stake.
    let s = sub(&w, 1);
    assert_eq!((s.tao, s.alpha_in, s.alpha_out), (99_009_900_991, 1010 * TAO, 0));
    assert_eq!((s.pending_root_alpha, s.alpha_recycled), (0, 0));
    assert_eq!(w.accounts[0].root.0, 1000 * TAO + 990_099_009);
    w.check_invariants().expect("invariants");
}

#[test]
fn flow_root_alpha_is_recycled_at_the_epoch_when_the_moving_prices_sum_to_one_or_less() {
    let mut w = flow_root_world(1); // sum m = 1 exactly: not > 1
    run_epoch(&mut w, 1);
    let s = sub(&w, 1);
    assert_eq!((s.tao, s.alpha_in, s.alpha_out), (100 * TAO, 1000 * TAO, 0));
    assert_eq!((s.pending_root_alpha, s.alpha_recycled), (0, 10 * TAO));
    assert_eq!(w.accounts[0].root.0, 1000 * TAO);
    w.check_invariants().expect("invariants");
}

fn root_vote_world(voters: usize) -> (World, Vec<AccountId>) {
    let mut subs = vec![subnet(1, 100 * TAO, 1000 * TAO), subnet(2, 100 * TAO, 1000 * TAO)];
    for s in &mut subs {
        s.first_emission = -100;
        s.moving_price = m(0.5);
    }
    let mut i = init(subs);
    i.params.emission_mode = EmissionMode::RootVote;
    let mut w = build(&i);
    let ids: Vec<AccountId> = (0..voters)
        .map(|k| {
            let id = w.add_account(&format!("r{k}"), AccountKind::Bot, Tao(300 * TAO));
            w.execute(id, &Order::StakeRoot { tao: Tao(100 * TAO) }).expect("stake root");
            id
        })
        .collect();
    (w, ids)
}

#[test]
fn root_vote_counts_the_top_64_root_stakers_and_refreshes_when_stakes_change() {
    let (mut w, ids) = root_vote_world(65);
    // The 65th staker (equal stake, highest id: below the cutoff) votes all for SN2.
    w.execute(ids[64], &Order::SetRootWeights { weights: vec![(2, 1)] }).expect("weights");
    w.step().expect("step");
    // The 64 counted voters vote equally: 1/2 each.
    assert_eq!((sub(&w, 1).last_emission, sub(&w, 2).last_emission), (500_000_000, 500_000_000));
    w.step().expect("step");
    // One more rao of root stake puts it first; r63 (a tie at 100, highest id) drops out.
    w.execute(ids[64], &Order::StakeRoot { tao: Tao(1) }).expect("stake root");
    w.step().expect("step");
    // Numerators over 2^32: SN1 = 63 * 100e9 / 2 = 3150e9; SN2 = 3150e9 + 100e9 + 1;
    // total 6400e9 + 1. SN1 floor(1e9 * 3150e9 / 6400000000001) = 492_187_499;
    // SN2 floor(1e9 * 3250000000001 / 6400000000001) = 507_812_500.
    assert_eq!((sub(&w, 1).last_emission, sub(&w, 2).last_emission), (492_187_499, 507_812_500));
}

#[test]
fn root_vote_recomputes_when_a_subnet_starts_emitting() {
    let (mut w, _) = root_vote_world(2);
    w.subnets[2].as_mut().expect("sn2").first_emission = 1;
    w.step().expect("step"); // b = 0: SN1 alone
    assert_eq!((sub(&w, 1).last_emission, sub(&w, 2).last_emission), (TAO, 0));
    w.step().expect("step"); // b = 1: SN2 starts: equal votes over both
    assert_eq!((sub(&w, 1).last_emission, sub(&w, 2).last_emission), (500_000_000, 500_000_000));
}

#[test]
fn root_vote_refreshes_after_root_dividends_change_the_stakes() {
    // A (100 root) votes SN1; B (300 root) votes SN2 and abstains on SN1 (`self`
    // without a miner slot there), so A, the only active validator on SN1, takes all of
    // SN1's root TAO at its epoch.
    let (mut w, ids) = root_vote_world(2);
    let (a, b) = (ids[0], ids[1]);
    w.execute(b, &Order::StakeRoot { tao: Tao(200 * TAO) }).expect("stake root");
    w.execute(a, &Order::SetRootWeights { weights: vec![(1, 1)] }).expect("weights");
    w.execute(b, &Order::SetRootWeights { weights: vec![(2, 1)] }).expect("weights");
    w.execute(b, &Order::SetWeights { netuid: 1, policy: Policy::SelfOnly }).expect("weights");
    w.subnets[1].as_mut().expect("sn1").miners = vec![NpcMiner { quality: 1, ..NpcMiner::default() }];
    set_pending(&mut w, 1, 0, 0, 0, 50 * TAO); // SN1's pool: 50 TAO / 1000 alpha
    w.block = epoch_block(&w, 1, 0);
    w.step().expect("step"); // b = 359: coinbase, then SN1's epoch
    // Votes 100 : 300: SN1 gets 1/4 of E.
    assert_eq!(sub(&w, 1).last_emission, 250_000_000);
    // This block's coinbase on SN1: 0.25 TAO buys 5 alpha > a_i, capped at 1 alpha:
    // pool 50.25e9 / 1001e9, Out 1e9. tau R = 0.18 * 400 = 72 TAO; root alpha =
    // floor(0.41e9 * 72e9 / (72e9 + 1001e9 + 1e9)) = 27_486_033, sold for
    // floor(50.25e9 * 27_486_033 / (1001e9 + 27_486_033)) = 1_379_755 rao.
    // A takes the 50 TAO bucket and that sale: 150_001_379_755; B nothing.
    assert_eq!(w.accounts[a.index()].root.0, 150_001_379_755);
    assert_eq!(w.accounts[b.index()].root.0, 300 * TAO);
    w.step().expect("step");
    // Votes over 2^32 cancel: SN1 = floor(1e9 * 150_001_379_755 / 450_001_379_755).
    assert_eq!(sub(&w, 1).last_emission, 333_335_377);
    w.check_invariants().expect("invariants");
}

// ---------------------------------------------------------------------------------------
// Scripted events (rules.md §8)
// ---------------------------------------------------------------------------------------

#[test]
fn scripted_events_change_mechanism_parameters_and_policies_after_the_epoch() {
    let mut sn1 = subnet(1, 100 * TAO, 1000 * TAO);
    sn1.miners = vec![MinerInit { quality: 1, sell_fraction: Ppb(0) }, MinerInit { quality: 3, sell_fraction: Ppb(0) }];
    let mut i = init(vec![sn1]);
    let ev = |block, kind| EventInit { block, kind };
    i.events = vec![
        ev(3, EventKind::SetMechanism { netuid: 1, mechanism: Mechanism::Revenue }),
        ev(4, EventKind::SetParam { key: "tempo".into(), value: "0".into() }), // out of range: ignored
        ev(5, EventKind::SetParam { key: "tempo".into(), value: "9".into() }),
        // SN1's epoch with tempo 9 is at b = 8: the policy changes after it.
        ev(8, EventKind::SetPolicy { account: "genesis".into(), netuid: 1, policy: Policy::Uniform }),
    ];
    let mut w = build(&i);
    give_alpha(&mut w, AccountId::GENESIS, 1, 300 * TAO);
    set_pending(&mut w, 1, 0, 100 * TAO, 0, 0);
    w.run_until(3).expect("run");
    assert_eq!(sub(&w, 1).mechanism, Mechanism::Utility);
    w.step().expect("step"); // b = 3
    assert_eq!(sub(&w, 1).mechanism, Mechanism::Revenue);
    assert!(w.events().iter().any(|e| matches!(e, Event::Scripted { block: 3, .. })));
    w.step().expect("step"); // b = 4
    assert_eq!(w.params.tempo, 360);
    w.step().expect("step"); // b = 5
    assert_eq!(w.params.tempo, 9);
    w.run_until(9).expect("run"); // b = 6, 7, 8
    // The epoch at 8 ran before the event: honest, by quality 1 : 3 = 25 and 75 alpha.
    assert_eq!(sub(&w, 1).last_epoch, Some(8));
    assert_eq!((sub(&w, 1).miners[0].alpha, sub(&w, 1).miners[1].alpha), (25 * TAO, 75 * TAO));
    assert_eq!(w.accounts[0].policy[1], Policy::Uniform);
    // The next epoch (b = 18) is uniform: 50 and 50.
    set_pending(&mut w, 1, 0, 100 * TAO, 0, 0);
    w.run_until(19).expect("run");
    assert_eq!((sub(&w, 1).miners[0].alpha, sub(&w, 1).miners[1].alpha), (75 * TAO, 125 * TAO));
    w.check_invariants().expect("invariants");
}

#[test]
fn a_scripted_emission_mode_change_switches_the_share_rule() {
    let mut subs = vec![subnet(1, 100 * TAO, 1000 * TAO), subnet(2, 100 * TAO, 1000 * TAO)];
    subs[0].first_emission = -100;
    subs[1].first_emission = -100;
    subs[0].moving_price = m(0.75);
    subs[1].moving_price = m(0.25);
    let mut i = init(subs);
    i.events = vec![EventInit {
        block: 1,
        kind: EventKind::SetParam { key: "emission_mode".into(), value: "root_vote".into() },
    }];
    let mut w = build(&i);
    let voter = w.add_account("voter", AccountKind::Bot, Tao(100 * TAO));
    w.execute(voter, &Order::StakeRoot { tao: Tao(100 * TAO) }).expect("stake root");
    let vote = Order::SetRootWeights { weights: vec![(2, 1)] };
    assert_eq!(w.execute(voter, &vote), Err(Reject::NotRootVote));
    w.step().expect("step"); // b = 0, price mode: m 0.75 : 0.25
    assert_eq!((sub(&w, 1).last_emission, sub(&w, 2).last_emission), (750_000_000, 250_000_000));
    w.step().expect("step"); // b = 1: the event fires after this block's coinbase
    assert_eq!(w.params.emission_mode, EmissionMode::RootVote);
    w.execute(voter, &vote).expect("now accepted");
    w.step().expect("step"); // b = 2: the only root staker votes all for SN2
    assert_eq!((sub(&w, 1).last_emission, sub(&w, 2).last_emission), (0, TAO));
}

#[test]
fn a_scripted_miner_sell_chunks_change_moves_the_sale_phases() {
    let mut sn1 = subnet(1, 100 * TAO, 1000 * TAO);
    sn1.miners = vec![MinerInit { quality: 1, sell_fraction: Ppb(1_000_000_000) }];
    let mut i = init(vec![sn1]);
    i.params.tempo = 9;
    i.events =
        vec![EventInit { block: 0, kind: EventKind::SetParam { key: "miner_sell_chunks".into(), value: "1".into() } }];
    let mut w = build(&i);
    give_alpha(&mut w, AccountId::GENESIS, 1, 300 * TAO);
    set_pending(&mut w, 1, 0, 100 * TAO, 0, 0);
    let mut sales = Vec::new();
    for b in 0..18 {
        let before = sub(&w, 1).miners[0].tao;
        w.step().expect("step");
        if sub(&w, 1).miners[0].tao != before {
            sales.push(b);
        }
    }
    // One chunk: step = 10 / 2 = 5, phase 5: SN1 at (b + 2) % 10 == 5, b = 13; it sells
    // everything it earned at b = 8 (sell fraction 1) in that one sale.
    assert_eq!(sales, vec![13]);
    assert_eq!(sub(&w, 1).miners[0].alpha, 0);
}

// ---------------------------------------------------------------------------------------
// NPCs (rules.md §8)
// ---------------------------------------------------------------------------------------

/// A retail crowd with no noise, no momentum and no yield weight unless set, over two
/// non-emitting subnets (100 TAO / 1000 alpha).
fn retail(cfg: RetailInit, hype: Option<(u64, Netuid, i64)>) -> World {
    let mut i = init(vec![subnet(1, 100 * TAO, 1000 * TAO), subnet(2, 100 * TAO, 1000 * TAO)]);
    i.npcs = vec![NpcInit::Retail(cfg)];
    if let Some((block, netuid, amount)) = hype {
        i.events = vec![EventInit { block, kind: EventKind::Hype { crowd: "crowd".into(), netuid, amount } }];
    }
    build(&i)
}

fn crowd_cfg() -> RetailInit {
    RetailInit {
        name: "crowd".into(),
        count: 1,
        budget: Tao(100 * TAO),
        cadence: 10,
        threshold: Ppb(500_000_000),
        trade_fraction: Ppb(100_000_000),
        stop_loss: Ppb(200_000_000),
        take_profit: Ppb(500_000_000),
        hype_keep: Ppb(1_000_000_000),
        ..RetailInit::default()
    }
}

fn stakes_queued(w: &World) -> Vec<(AccountId, Netuid, u64)> {
    w.queued()
        .iter()
        .filter_map(|(a, o)| match o {
            Order::Stake { netuid, tao, .. } => Some((*a, *netuid, tao.0)),
            _ => None,
        })
        .collect()
}

#[test]
fn retail_buys_the_best_signal_when_it_reaches_the_threshold() {
    // Hype of exactly the threshold (0.5) on SN2: signal 0.5 >= 0.5, it stakes 10% of
    // 100 TAO = 10 TAO there (the event fires at step 5, the crowd decides at step 6).
    let mut w = retail(crowd_cfg(), Some((0, 2, 500_000_000)));
    let member = w.account_by_name("crowd-1").expect("member");
    w.step().expect("step");
    assert_eq!(stakes_queued(&w), vec![(member, 2, 10 * TAO)]);
    // One ppb short: nothing.
    let mut w = retail(crowd_cfg(), Some((0, 2, 499_999_999)));
    w.step().expect("step");
    assert_eq!(stakes_queued(&w), vec![]);
}

#[test]
fn retail_members_spread_over_the_cadence_and_hype_fades() {
    let cfg = RetailInit { count: 2, hype_keep: Ppb(500_000_000), ..crowd_cfg() };
    let mut w = retail(cfg, Some((0, 1, 800_000_000)));
    let (m1, m2) = (w.account_by_name("crowd-1").expect("m1"), w.account_by_name("crowd-2").expect("m2"));
    let mut decisions = Vec::new();
    let mut hype = Vec::new();
    for b in 0..=20 {
        w.step().expect("step");
        for (a, n, _) in stakes_queued(&w) {
            decisions.push((b, a, n));
        }
        hype.push(w.npcs.retail[0].hype[1]);
    }
    // Members decide at cadence * k / count: m1 at 0, 10, 20; m2 at 5, 15. Hype 0.8
    // is kept at half every cadence from block 10 (0.4, then 0.2 at 20), so only the
    // decisions at 0 and 5 see a signal >= the 0.5 threshold.
    assert_eq!(decisions, vec![(0, m1, 1), (5, m2, 1)]);
    assert_eq!(hype[0], 800_000_000);
    assert_eq!(hype[9], 800_000_000);
    assert_eq!(hype[10], 400_000_000);
    assert_eq!(hype[19], 400_000_000);
    assert_eq!(hype[20], 200_000_000);
}

/// A member that bought 10 TAO of SN1 at block 1 (90_908_677_685 alpha; pool then
/// 110e9 / 909_091_322_315) and whose hype is gone by its next decision at block 10.
fn retail_position() -> (World, AccountId) {
    let cfg = RetailInit { hype_keep: Ppb(0), ..crowd_cfg() };
    let mut w = retail(cfg, Some((0, 1, 600_000_000)));
    let member = w.account_by_name("crowd-1").expect("member");
    w.run_until(10).expect("run");
    assert_eq!(w.accounts[member.index()].alpha[1], 90_908_677_685);
    assert_eq!(sub(&w, 1).tao, 110 * TAO);
    (w, member)
}

fn dumps_queued(w: &World) -> Vec<(AccountId, Option<Netuid>)> {
    w.queued()
        .iter()
        .filter_map(|(a, o)| match o {
            Order::Dump { netuid } => Some((*a, *netuid)),
            _ => None,
        })
        .collect()
}

#[test]
fn retail_holds_between_stop_loss_and_take_profit() {
    let (mut w, _) = retail_position();
    w.step().expect("step"); // b = 10
    // Value floor(110e9 * 90_908_677_685 / 1000e9) - fee = 9_999_904_545: inside
    // (8, 15) TAO = (cost * (1 - 0.2), cost * (1 + 0.5)).
    assert_eq!(dumps_queued(&w), vec![]);
    assert_eq!(stakes_queued(&w), vec![]);
}

#[test]
fn retail_sells_at_the_stop_loss_and_at_the_take_profit() {
    // Stop loss: value floor(80e9 * 90_908_677_685 / 1000e9) - fee = 7_272_644_214 <= 8 TAO.
    // Take profit: floor(170e9 * 90_908_677_685 / 1000e9) - fee = 15_454_425_206 >= 15 TAO.
    for pool_tao in [80 * TAO, 170 * TAO] {
        let (mut w, member) = retail_position();
        w.subnets[1].as_mut().expect("sn1").tao = pool_tao;
        w.step().expect("step");
        assert_eq!(dumps_queued(&w), vec![(member, Some(1))], "pool at {pool_tao} rao");
    }
}

#[test]
fn retail_momentum_follows_the_price_change_since_its_last_look() {
    for (tao, buys) in [(110 * TAO, true), (90 * TAO, false)] {
        let cfg = RetailInit { momentum: Ppb(1_000_000_000), threshold: Ppb(50_000_000), ..crowd_cfg() };
        let mut w = retail(cfg, None);
        let member = w.account_by_name("crowd-1").expect("member");
        w.step().expect("step"); // first look at b = 0: no momentum yet
        assert_eq!(stakes_queued(&w), vec![]);
        w.run_until(10).expect("run");
        w.subnets[1].as_mut().expect("sn1").tao = tao;
        w.step().expect("step"); // b = 10
        // SN1: p 0.1 -> 0.11 is momentum (0.11 - 0.1) / 0.1 = +0.1 >= 0.05 (a buy of
        // 10 TAO); 0.1 -> 0.09 is -0.1 (none). SN2 is unchanged (0).
        let want = if buys { vec![(member, 1, 10 * TAO)] } else { vec![] };
        assert_eq!(stakes_queued(&w), want);
    }
}

#[test]
fn teams_sell_a_fraction_of_their_alpha_every_cadence() {
    let mut i = init(vec![subnet(1, 100 * TAO, 1000 * TAO)]);
    i.npcs = vec![NpcInit::Team(TeamInit {
        name: "team".into(),
        netuid: 1,
        alpha: 100 * TAO,
        free: Tao(0),
        cadence: 10,
        sell_fraction: Ppb(250_000_000),
    })];
    let mut w = build(&i);
    let team = w.account_by_name("team").expect("team");
    let mut sales = Vec::new();
    for b in 0..20 {
        w.step().expect("step");
        for (a, o) in w.queued() {
            if let Order::Unstake { alpha, .. } = o {
                assert_eq!(*a, team);
                sales.push((b, alpha.0));
            }
        }
    }
    // It decides when b % 10 == 9, and its order applies at b + 1: 25% of 100 alpha,
    // then 25% of the 75 left = 18.75 alpha.
    assert_eq!(sales, vec![(9, 25 * TAO), (19, 18_750_000_000)]);
    assert_eq!(w.accounts[team.index()].alpha[1], 75 * TAO);
    w.step().expect("step");
    assert_eq!(w.accounts[team.index()].alpha[1], 56_250_000_000);
    w.check_invariants().expect("invariants");
}

/// A name never carries a terminal command onto anyone's screen (a save or a replay
/// shows it): control and invisible formatting characters become escapes; the name is
/// still unique.
#[test]
fn account_names_show_their_control_characters_as_escapes() {
    let mut w = build(&init(vec![subnet(1, 100 * TAO, 1_000 * TAO)]));
    let a = w.add_account("ab\u{1b}[2Jcd\u{202e}", AccountKind::Human, Tao(TAO));
    let b = w.add_account("ab\u{1b}[2Jcd\u{202e}", AccountKind::Human, Tao(TAO));
    let c = w.add_account("Ωmega 👩\u{200d}💻", AccountKind::Bot, Tao(TAO));
    let name = |id| w.account(id).map(|x| x.name.clone()).unwrap_or_default();
    assert_eq!(name(a), "ab\\u{1b}[2Jcd\\u{202e}");
    assert_eq!(name(b), "ab\\u{1b}[2Jcd\\u{202e}#2");
    assert_eq!(name(c), "Ωmega 👩\u{200d}💻", "emoji joiners are text");
}
