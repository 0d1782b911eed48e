//! Property tests of the engine's laws (rules.md §10) over random action sequences from
//! several accounts, interleaved with blocks (coinbase, epochs, pruning).

use dtao_arena::engine::init::WorldInit;
use dtao_arena::engine::math::U64F64;
use dtao_arena::engine::{AccountId, AccountKind, Alpha, Mechanism, Order, Policy, Reject, Tao, World};
use proptest::prelude::*;

const TAO: u64 = 1_000_000_000;

/// A small world that exercises everything: 3 subnets (one holder, one revenue), a
/// subnet limit of 4 with short immunity (so launches prune), 3 players.
fn world(seed: u64) -> (World, Vec<AccountId>) {
    let mut init = WorldInit::synthetic(3, seed);
    init.params.subnet_limit = 4;
    init.params.network_immunity = 50;
    init.params.tempo = 9;
    init.params.start_call_delay = 5;
    init.params.initial_lock = Tao(20 * TAO);
    init.subnets[1].mechanism = Mechanism::Holder;
    init.subnets[2].mechanism = Mechanism::Revenue;
    init.subnets[2].revenue =
        Some(dtao_arena::engine::init::RevenueInit { tao_per_day: Tao(7200 * TAO), to_holders: true });
    let mut w = World::new(&init).expect("world");
    let players = (0..3).map(|k| w.add_account(&format!("p{k}"), AccountKind::Bot, Tao(1000 * TAO))).collect();
    (w, players)
}

fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), Just(1u64), Just(u64::MAX), 1u64..10 * TAO, 1u64..2000 * TAO,]
}

fn limit() -> impl Strategy<Value = Option<U64F64>> {
    prop_oneof![3 => Just(None), 1 => (1u64..2000).prop_map(|m| Some(U64F64::from_num(m) / U64F64::from_num(1000)))]
}

fn order() -> impl Strategy<Value = Order> {
    let netuid = 0u16..6;
    prop_oneof![
        4 => (netuid.clone(), amount(), limit()).prop_map(|(netuid, t, limit)| Order::Stake { netuid, tao: Tao(t), limit }),
        4 => (netuid.clone(), amount(), limit()).prop_map(|(netuid, a, limit)| Order::Unstake { netuid, alpha: Alpha(a), limit }),
        1 => prop::option::of(netuid.clone()).prop_map(|netuid| Order::Dump { netuid }),
        2 => (netuid.clone(), netuid.clone(), amount()).prop_map(|(from, to, a)| Order::Move { from, to, alpha: Alpha(a) }),
        1 => amount().prop_map(|t| Order::StakeRoot { tao: Tao(t) }),
        1 => amount().prop_map(|t| Order::UnstakeRoot { tao: Tao(t) }),
        1 => prop_oneof![Just(Mechanism::Utility), Just(Mechanism::Holder)]
            .prop_map(|mechanism| Order::LaunchSubnet { name: "New".into(), mechanism }),
        1 => netuid.clone().prop_map(|netuid| Order::RegisterMiner { netuid }),
        1 => (netuid.clone(), prop::sample::select(Policy::ALL.to_vec())).prop_map(|(netuid, policy)| Order::SetWeights { netuid, policy }),
        1 => prop::collection::vec((netuid, 0u32..10), 0..3).prop_map(|weights| Order::SetRootWeights { weights }),
    ]
}

/// An action by one of the players, or some blocks passing.
#[derive(Clone, Debug)]
enum Step {
    Act(usize, Order),
    Blocks(u64),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        prop_oneof![6 => (0usize..3, order()).prop_map(|(p, o)| Step::Act(p, o)), 1 => (1u64..40).prop_map(Step::Blocks)],
        1..24,
    )
}

fn pools(w: &World) -> Vec<(u16, i64, u128)> {
    w.subnets().map(|s| (s.netuid, s.registered_at, u128::from(s.tao) * u128::from(s.alpha_in))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    /// Conservation of TAO (to the rao) and of alpha per subnet after every action and
    /// block; `k` never decreases on a swap; a rejected action changes nothing.
    #[test]
    fn random_sequences_keep_the_laws(seed in 0u64..1000, seq in steps()) {
        let (mut w, players) = world(seed);
        for step in seq {
            match step {
                Step::Act(p, order) => {
                    let before = w.state_hash();
                    let k_before = pools(&w);
                    match w.execute(players[p], &order) {
                        Err(_) => prop_assert_eq!(w.state_hash(), before, "rejected {:?} changed the state", order),
                        Ok(_) => {
                            for (n, reg, k) in pools(&w) {
                                if let Some((_, _, k0)) = k_before.iter().find(|x| x.0 == n && x.1 == reg) {
                                    prop_assert!(k >= *k0, "k fell on SN{} after {:?}", n, order);
                                }
                            }
                        }
                    }
                }
                Step::Blocks(n) => {
                    for _ in 0..n {
                        w.step().expect("step");
                    }
                }
            }
            if let Err(e) = w.check_invariants() {
                prop_assert!(false, "{}", e);
            }
        }
    }

    /// Staking and then selling everything received never returns more TAO; neither does
    /// moving alpha to another subnet and back.
    #[test]
    fn round_trips_never_profit(t in 10_000_000u64..(1u64 << 50), a in 10_000_000u64..(1u64 << 50), x in 500_000u64..(1u64 << 45)) {
        let mut init = WorldInit::synthetic(2, 1);
        for s in &mut init.subnets {
            s.tao = Tao(t);
            s.alpha_in = a;
        }
        let mut w = World::new(&init).expect("world");
        let me = w.add_account("me", AccountKind::Bot, Tao(x));
        if let Ok(fill) = w.execute(me, &Order::Stake { netuid: 1, tao: Tao(x), limit: None }) {
            let _ = w.execute(me, &Order::Unstake { netuid: 1, alpha: Alpha(fill.alpha_in_rao), limit: None });
            prop_assert!(w.accounts[me.index()].free.0 <= x);
            let held = w.alpha_of(me, 1);
            if held.0 == 0 {
                prop_assert!(w.score(me) <= x);
            }
        }
        let mut w = World::new(&init).expect("world");
        let me = w.add_account("me", AccountKind::Bot, Tao(x));
        if let Ok(f1) = w.execute(me, &Order::Stake { netuid: 1, tao: Tao(x), limit: None }) {
            let start = w.score(me);
            if let Ok(f2) = w.execute(me, &Order::Move { from: 1, to: 2, alpha: Alpha(f1.alpha_in_rao) }) {
                let _ = w.execute(me, &Order::Move { from: 2, to: 1, alpha: Alpha(f2.alpha_in_rao) });
            }
            prop_assert!(w.score(me) <= start.max(x));
            prop_assert!(w.alpha_of(me, 1).0 <= f1.alpha_in_rao);
        }
    }
}

/// Amounts of 0, 1 and u64::MAX give typed errors for every amount-carrying order.
#[test]
fn extreme_amounts_give_typed_errors() {
    let (mut w, players) = world(1);
    let me = players[0];
    let cases: Vec<(Order, Reject)> = vec![
        (Order::Stake { netuid: 1, tao: Tao(0), limit: None }, Reject::ZeroAmount),
        (Order::Stake { netuid: 1, tao: Tao(1), limit: None }, Reject::BelowMinStake { min_rao: 500_000 }),
        (
            Order::Stake { netuid: 1, tao: Tao(u64::MAX), limit: None },
            Reject::InsufficientTao { have_rao: 1000 * TAO, need_rao: u64::MAX },
        ),
        (Order::Unstake { netuid: 1, alpha: Alpha(0), limit: None }, Reject::ZeroAmount),
        (
            Order::Unstake { netuid: 1, alpha: Alpha(1), limit: None },
            Reject::InsufficientAlpha { netuid: 1, have_rao: 0, need_rao: 1 },
        ),
        (
            Order::Unstake { netuid: 1, alpha: Alpha(u64::MAX), limit: None },
            Reject::InsufficientAlpha { netuid: 1, have_rao: 0, need_rao: u64::MAX },
        ),
        (Order::Move { from: 1, to: 2, alpha: Alpha(0) }, Reject::ZeroAmount),
        (
            Order::Move { from: 1, to: 2, alpha: Alpha(u64::MAX) },
            Reject::InsufficientAlpha { netuid: 1, have_rao: 0, need_rao: u64::MAX },
        ),
        (Order::StakeRoot { tao: Tao(0) }, Reject::ZeroAmount),
        (Order::StakeRoot { tao: Tao(u64::MAX) }, Reject::InsufficientTao { have_rao: 1000 * TAO, need_rao: u64::MAX }),
        (Order::UnstakeRoot { tao: Tao(1) }, Reject::InsufficientRoot { have_rao: 0, need_rao: 1 }),
        (Order::UnstakeRoot { tao: Tao(u64::MAX) }, Reject::InsufficientRoot { have_rao: 0, need_rao: u64::MAX }),
        (Order::Stake { netuid: 9, tao: Tao(TAO), limit: None }, Reject::NoSuchSubnet(9)),
        (Order::Dump { netuid: None }, Reject::NothingToSell),
    ];
    for (order, want) in cases {
        let before = w.state_hash();
        assert_eq!(w.execute(me, &order), Err(want), "{order:?}");
        assert_eq!(w.state_hash(), before);
    }
    // With alpha held, 1 rao is worth less than the minimum, and u64::MAX is refused.
    w.execute(me, &Order::Stake { netuid: 1, tao: Tao(10 * TAO), limit: None }).expect("stake");
    assert!(matches!(
        w.execute(me, &Order::Unstake { netuid: 1, alpha: Alpha(1), limit: None }),
        Err(Reject::BelowMinStake { .. })
    ));
    assert!(matches!(
        w.execute(me, &Order::Unstake { netuid: 1, alpha: Alpha(u64::MAX), limit: None }),
        Err(Reject::InsufficientAlpha { .. })
    ));
    // The genesis account never acts.
    assert_eq!(w.execute(AccountId::GENESIS, &Order::StakeRoot { tao: Tao(1) }), Err(Reject::NoSuchAccount));
}
