//! What a map gives the engine to build a world: [`WorldInit`]. Amounts are already in
//! rao and rates in ppb; the scenario layer does the parsing and validation.

use super::amount::{Ppb, Tao};
use super::math::U64F64;
use super::params::{Mechanism, Params, Policy};
use super::world::Netuid;

/// Everything needed to build a world at block 0.
#[derive(Clone, Debug, Default)]
pub struct WorldInit {
    /// The map's name.
    pub name: String,
    /// The match seed.
    pub seed: u64,
    /// Rules.
    pub params: Params,
    /// TAO issued before block 0 (sets the halving clock).
    pub total_issuance: Tao,
    /// Root stake of the passive genesis account.
    pub genesis_root_stake: Tao,
    /// Subnets, any order (the world sorts them by netuid).
    pub subnets: Vec<SubnetInit>,
    /// NPCs.
    pub npcs: Vec<NpcInit>,
    /// Scripted events.
    pub events: Vec<EventInit>,
}

/// One subnet at block 0.
#[derive(Clone, Debug, Default)]
pub struct SubnetInit {
    /// 1-based id.
    pub netuid: Netuid,
    /// Display name.
    pub name: String,
    /// Mechanism.
    pub mechanism: Mechanism,
    /// Pool TAO.
    pub tao: Tao,
    /// Pool alpha (rao).
    pub alpha_in: u64,
    /// Outstanding alpha held by the genesis account (rao).
    pub alpha_out: u64,
    /// Moving price.
    pub moving_price: U64F64,
    /// First emitting block (negative: before the map starts).
    pub first_emission: i64,
    /// Registration block (negative: before the map starts).
    pub registered_at: i64,
    /// The account that receives the owner cut (created passive if not an NPC's).
    pub owner: String,
    /// The lock the owner paid (for the refund on pruning).
    pub lock: Tao,
    /// NPC miners.
    pub miners: Vec<MinerInit>,
    /// Outside revenue (a `revenue` subnet).
    pub revenue: Option<RevenueInit>,
}

/// One NPC miner slot.
#[derive(Clone, Copy, Debug, Default)]
pub struct MinerInit {
    /// Quality: what honest validators of a utility subnet weight.
    pub quality: u32,
    /// Fraction of new alpha sold over the next epoch window.
    pub sell_fraction: Ppb,
}

/// Outside revenue of a `revenue` subnet.
#[derive(Clone, Copy, Debug, Default)]
pub struct RevenueInit {
    /// TAO per day entering from outside the economy, spent on buying back alpha.
    pub tao_per_day: Tao,
    /// Pay the bought alpha to holders (true) or recycle it (false).
    pub to_holders: bool,
}

/// An NPC.
#[derive(Clone, Debug)]
pub enum NpcInit {
    /// A retail crowd of small accounts.
    Retail(RetailInit),
    /// The foundation: a large root staker that can intervene on holder subnets.
    Foundation(FoundationInit),
    /// A subnet team that sells part of its owner alpha.
    Team(TeamInit),
}

/// A retail crowd (rules.md §8).
#[derive(Clone, Debug, Default)]
pub struct RetailInit {
    /// Crowd name; members are `name-1`, `name-2`, ...
    pub name: String,
    /// Members.
    pub count: u32,
    /// Free TAO of each member.
    pub budget: Tao,
    /// Blocks between a member's decisions.
    pub cadence: u64,
    /// Subnets it trades (empty: all).
    pub subnets: Vec<Netuid>,
    /// Weight of price momentum in the buy signal.
    pub momentum: Ppb,
    /// Weight of emission share in the buy signal (yield chasing).
    pub yield_weight: Ppb,
    /// Signal needed to buy.
    pub threshold: Ppb,
    /// Fraction of free TAO put into one buy.
    pub trade_fraction: Ppb,
    /// Sell everything on a subnet after this loss.
    pub stop_loss: Ppb,
    /// Sell everything on a subnet after this gain.
    pub take_profit: Ppb,
    /// Half-width of the uniform noise added to the signal.
    pub noise: Ppb,
    /// Hype kept per decision (the rest fades).
    pub hype_keep: Ppb,
}

/// The foundation (rules.md §8).
#[derive(Clone, Debug, Default)]
pub struct FoundationInit {
    /// Account name.
    pub name: String,
    /// Root stake at block 0.
    pub root_stake: Tao,
    /// Free TAO at block 0.
    pub free: Tao,
    /// Blocks between decisions.
    pub cadence: u64,
    /// Emission share above which a holder subnet is a target.
    pub share_threshold: Ppb,
    /// Emission share under which a target it acts on goes back to `honest` (at most
    /// `share_threshold`; equal to it, the foundation follows the threshold both ways).
    pub release_share: Ppb,
    /// Set `reward_sellers` on a target even without a majority of its stake weight
    /// (the attempt then fails in consensus unless others join it).
    pub act_without_majority: bool,
}

/// A subnet team (rules.md §8).
#[derive(Clone, Debug, Default)]
pub struct TeamInit {
    /// Account name (usually the subnet's `owner`).
    pub name: String,
    /// The subnet it sells on.
    pub netuid: Netuid,
    /// Alpha held at block 0 (rao).
    pub alpha: u64,
    /// Free TAO at block 0.
    pub free: Tao,
    /// Blocks between sales.
    pub cadence: u64,
    /// Fraction of its alpha sold each time.
    pub sell_fraction: Ppb,
}

/// A scripted event.
#[derive(Clone, Debug)]
pub struct EventInit {
    /// Block at which it fires (step 5 of the block).
    pub block: u64,
    /// What happens.
    pub kind: EventKind,
}

/// What a scripted event does.
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// Narration text for the log and the lesson screen.
    Narrate(String),
    /// An owner changes a subnet's mechanism.
    SetMechanism { netuid: Netuid, mechanism: Mechanism },
    /// A hype shock to a crowd about a subnet (signed, ppb of signal).
    Hype { crowd: String, netuid: Netuid, amount: i64 },
    /// A parameter change (name and value as in `[params]`).
    SetParam { key: String, value: String },
    /// An account's validator policy changes.
    SetPolicy { account: String, netuid: Netuid, policy: Policy },
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventKind::Narrate(t) => f.write_str(t),
            EventKind::SetMechanism { netuid, mechanism } => write!(f, "SN{netuid} becomes a {mechanism} subnet"),
            EventKind::Hype { crowd, netuid, amount } => {
                // Added to the crowd's buy signal (a number, not a percentage).
                let x = *amount as f64 / 1e9;
                write!(f, "{crowd} hype about SN{netuid}: {x:+.2} to their buy signal")
            }
            EventKind::SetParam { key, value } => write!(f, "{key} is set to {value}"),
            EventKind::SetPolicy { account, netuid, policy } => {
                write!(f, "{account} sets its weights on SN{netuid} to {policy}")
            }
        }
    }
}

impl WorldInit {
    /// A synthetic world for tests and benchmarks: `n` subnets with varied pools
    /// (prices 0.01–0.105 TAO/alpha), moving prices below spot, 8 NPC miners each, a
    /// genesis root stake of 5M TAO, no NPC actors and no events.
    #[must_use]
    pub fn synthetic(n: u16, seed: u64) -> Self {
        const TAO: u64 = 1_000_000_000;
        let subnets = (1..=n)
            .map(|i| {
                let k = u64::from(i);
                let tao = (100 + (37 * k) % 900) * TAO;
                let price_milli = 10 + (k * 7) % 20 * 5; // TAO per alpha, in thousandths
                let alpha_in = tao / price_milli * 1000;
                // Legacy subnets all started emitting at the dTAO launch block.
                let first = -100_000;
                SubnetInit {
                    netuid: i,
                    name: format!("Subnet {i}"),
                    mechanism: super::params::Mechanism::Utility,
                    tao: super::amount::Tao(tao),
                    alpha_in,
                    alpha_out: 2 * alpha_in,
                    moving_price: U64F64::from_num(price_milli) / U64F64::from_num(1100),
                    first_emission: first,
                    registered_at: first,
                    owner: "genesis".into(),
                    lock: super::amount::Tao(0),
                    miners: (1..=8).map(|q| MinerInit { quality: q, sell_fraction: Ppb(500_000_000) }).collect(),
                    revenue: None,
                }
            })
            .collect();
        WorldInit {
            name: format!("synthetic-{n}"),
            seed,
            params: Params::default(),
            total_issuance: super::amount::Tao(8_200_000 * TAO),
            genesis_root_stake: super::amount::Tao(5_000_000 * TAO),
            subnets,
            npcs: Vec::new(),
            events: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EventKind;

    #[test]
    fn a_hype_shock_reads_as_a_signal_not_a_percentage() {
        let e = EventKind::Hype { crowd: "memers".into(), netuid: 28, amount: 800_000_000 };
        assert_eq!(e.to_string(), "memers hype about SN28: +0.80 to their buy signal");
        let e = EventKind::Hype { crowd: "memers".into(), netuid: 28, amount: -1_500_000_000 };
        assert_eq!(e.to_string(), "memers hype about SN28: -1.50 to their buy signal");
    }
}
