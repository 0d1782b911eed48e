//! Orders: the engine's only input, and why one can be rejected.

use std::fmt;

use super::amount::{Alpha, Tao, format_rao};
use super::math::U64F64;
use super::params::{Mechanism, Policy};
use super::world::Netuid;

/// Something an account asks the world to do. Orders queue for the next block and are
/// validated against the state when applied (rules.md §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Order {
    /// Buy alpha with TAO (fee included), optionally up to a limit price (TAO per alpha).
    Stake { netuid: Netuid, tao: Tao, limit: Option<U64F64> },
    /// Sell alpha for TAO, optionally down to a limit price.
    Unstake { netuid: Netuid, alpha: Alpha, limit: Option<U64F64> },
    /// Sell all alpha on one subnet, or on every subnet when `netuid` is `None`.
    Dump { netuid: Option<Netuid> },
    /// Unstake from one subnet and stake the TAO into another.
    Move { from: Netuid, to: Netuid, alpha: Alpha },
    /// Stake TAO on root, 1:1.
    StakeRoot { tao: Tao },
    /// Take TAO off root, 1:1.
    UnstakeRoot { tao: Tao },
    /// Pay the lock cost and launch a subnet.
    LaunchSubnet { name: String, mechanism: Mechanism },
    /// Burn `miner_burn` TAO to hold a miner slot.
    RegisterMiner { netuid: Netuid },
    /// Choose this account's validator policy on a subnet.
    SetWeights { netuid: Netuid, policy: Policy },
    /// Root-vote weights per subnet (`root_vote` mode only); any non-negative numbers,
    /// normalised by the engine.
    SetRootWeights { weights: Vec<(Netuid, u32)> },
}

impl Order {
    /// The order's name as the Lua API and logs spell it.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Order::Stake { .. } => "stake",
            Order::Unstake { .. } => "unstake",
            Order::Dump { .. } => "dump",
            Order::Move { .. } => "move",
            Order::StakeRoot { .. } => "stake_root",
            Order::UnstakeRoot { .. } => "unstake_root",
            Order::LaunchSubnet { .. } => "launch_subnet",
            Order::RegisterMiner { .. } => "register_miner",
            Order::SetWeights { .. } => "set_weights",
            Order::SetRootWeights { .. } => "set_root_weights",
        }
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Order::Stake { netuid, tao, limit } => {
                write!(f, "stake {tao} TAO on SN{netuid}")?;
                if let Some(l) = limit {
                    write!(f, " (limit {l:.6})")?;
                }
                Ok(())
            }
            Order::Unstake { netuid, alpha, limit } => {
                write!(f, "unstake {alpha} alpha on SN{netuid}")?;
                if let Some(l) = limit {
                    write!(f, " (limit {l:.6})")?;
                }
                Ok(())
            }
            Order::Dump { netuid: Some(n) } => write!(f, "dump SN{n}"),
            Order::Dump { netuid: None } => write!(f, "dump everything"),
            Order::Move { from, to, alpha } => write!(f, "move {alpha} alpha SN{from} -> SN{to}"),
            Order::StakeRoot { tao } => write!(f, "stake {tao} TAO on root"),
            Order::UnstakeRoot { tao } => write!(f, "unstake {tao} TAO from root"),
            Order::LaunchSubnet { name, mechanism } => write!(f, "launch subnet '{name}' ({mechanism})"),
            Order::RegisterMiner { netuid } => write!(f, "register a miner on SN{netuid}"),
            Order::SetWeights { netuid, policy } => write!(f, "set weights on SN{netuid} to {policy}"),
            Order::SetRootWeights { weights } => {
                let n = weights.len();
                write!(f, "set root weights on {n} subnet{}", if n == 1 { "" } else { "s" })
            }
        }
    }
}

/// Why an order was rejected. A rejected order changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    /// An amount of zero.
    #[error("the amount is zero")]
    ZeroAmount,
    /// Below the minimum stake (or an unstake worth less than it).
    #[error("below the minimum of {} TAO", format_rao(*min_rao))]
    BelowMinStake { min_rao: u64 },
    /// The swap would give nothing back.
    #[error("too small: the swap would return nothing")]
    TooSmall,
    /// The pool would keep less than its minimum liquidity.
    #[error("the pool would keep less than {} on a side", format_rao(*min_rao))]
    PoolLiquidity { min_rao: u64 },
    /// The limit price is already passed.
    #[error("the limit price is already passed: nothing fills")]
    LimitPrice,
    /// Not enough free TAO.
    #[error("not enough free TAO: have {}, need {}", format_rao(*have_rao), format_rao(*need_rao))]
    InsufficientTao { have_rao: u64, need_rao: u64 },
    /// Not enough alpha on the subnet.
    #[error("not enough alpha on SN{netuid}: have {}, need {}", format_rao(*have_rao), format_rao(*need_rao))]
    InsufficientAlpha { netuid: Netuid, have_rao: u64, need_rao: u64 },
    /// Not enough root stake.
    #[error("not enough root stake: have {}, need {}", format_rao(*have_rao), format_rao(*need_rao))]
    InsufficientRoot { have_rao: u64, need_rao: u64 },
    /// No subnet with that netuid.
    #[error("there is no subnet {0}")]
    NoSuchSubnet(Netuid),
    /// Moving alpha to the subnet it comes from.
    #[error("'from' and 'to' are the same subnet")]
    SameSubnet,
    /// Nothing to dump.
    #[error("nothing to sell")]
    NothingToSell,
    /// At the subnet limit with every subnet still immune.
    #[error("the subnet limit is reached and every subnet is still immune from pruning")]
    SubnetLimit,
    /// A bad subnet name.
    #[error("bad subnet name: {0}")]
    BadName(String),
    /// Already a miner there.
    #[error("already registered as a miner on SN{0}")]
    AlreadyMiner(Netuid),
    /// `set_root_weights` outside `root_vote` mode.
    #[error("root weights only count in root_vote emission mode")]
    NotRootVote,
    /// Empty or all-zero root weights.
    #[error("root weights must name at least one subnet with a positive weight")]
    EmptyWeights,
    /// The account does not exist or cannot act.
    #[error("this account cannot act")]
    NoSuchAccount,
    /// An amount overflowed the checked arithmetic.
    #[error("the amount is too large")]
    Overflow,
}

/// What an applied order did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fill {
    /// TAO paid by the account (positive) for the order.
    pub tao_in_rao: u64,
    /// TAO received by the account.
    pub tao_out_rao: u64,
    /// Alpha received.
    pub alpha_in_rao: u64,
    /// Alpha given up.
    pub alpha_out_rao: u64,
    /// Fees paid, in TAO rao.
    pub fee_rao: u64,
    /// The subnet launched, for `launch_subnet`.
    pub netuid: Option<Netuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_weights_on_one_subnet_read_in_the_singular() {
        let one = Order::SetRootWeights { weights: vec![(1, 1)] };
        assert_eq!(one.to_string(), "set root weights on 1 subnet");
        let two = Order::SetRootWeights { weights: vec![(1, 1), (2, 1)] };
        assert_eq!(two.to_string(), "set root weights on 2 subnets");
    }
}
