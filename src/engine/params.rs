//! The world's parameters (rules.md; defaults are mainnet at the dTAO launch) and the
//! small enums that maps, orders and views share.

use std::fmt;
use std::str::FromStr;

use super::amount::{Ppb, Tao};

/// How TAO emission is split between subnets (rules.md §5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EmissionMode {
    /// `share_i = m_i / sum m` (the dTAO launch rule, the seed article's).
    #[default]
    Price,
    /// Net TAO flow EMA ("taoflow", Nov 2025).
    Flow,
    /// Root-stake-weighted root validator votes (before dTAO).
    RootVote,
}

/// A subnet's mechanism: what its honest validators reward (rules.md §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mechanism {
    /// An AI subnet: miners are paid by quality.
    #[default]
    Utility,
    /// A memecoin subnet: holding its alpha is mining.
    Holder,
    /// A business with outside revenue that buys back its alpha.
    Revenue,
}

/// A validator's weight policy on one subnet (rules.md §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Policy {
    /// Follow the subnet's mechanism.
    #[default]
    Honest,
    /// Weight by alpha each miner sold in the last epoch window (the foundation's move).
    RewardSellers,
    /// Weight by alpha holdings.
    RewardHolders,
    /// Equal weight to every miner.
    Uniform,
    /// Weight only one's own miner slot (a cabal).
    SelfOnly,
}

macro_rules! names {
    ($t:ty, $what:literal, $($v:ident = $s:literal),+) => {
        impl $t {
            /// Every value, in declaration order.
            pub const ALL: &'static [$t] = &[$(<$t>::$v),+];
            /// The name used in maps, orders, JSON and Lua.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(<$t>::$v => $s),+ }
            }
            /// The accepted names, for error messages.
            #[must_use]
            pub fn names() -> String {
                [$($s),+].join(" | ")
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok(<$t>::$v),)+
                    _ => {
                        let hint = crate::text::suggest(s, [$($s),+])
                            .map(|k| format!("; did you mean '{k}'?"))
                            .unwrap_or_default();
                        Err(format!("unknown {} '{}' (expected one of: {}){hint}", $what, s, <$t>::names()))
                    }
                }
            }
        }
    };
}

names!(EmissionMode, "emission_mode", Price = "price", Flow = "flow", RootVote = "root_vote");
names!(Mechanism, "mechanism", Utility = "utility", Holder = "holder", Revenue = "revenue");
names!(
    Policy,
    "policy",
    Honest = "honest",
    RewardSellers = "reward_sellers",
    RewardHolders = "reward_holders",
    Uniform = "uniform",
    SelfOnly = "self"
);

impl Policy {
    /// What the policy does, in a few words (after its name in the screens and the log).
    #[must_use]
    pub const fn meaning(self) -> &'static str {
        match self {
            Self::Honest => "follow the subnet's mechanism",
            Self::RewardSellers => "weight miners by alpha sold",
            Self::RewardHolders => "weight miners by alpha held",
            Self::Uniform => "the same weight for every miner",
            Self::SelfOnly => "weight only one's own miner slot",
        }
    }
}

/// Every rule parameter. Names match rules.md and the `[params]` table of a map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// How TAO emission is split.
    pub emission_mode: EmissionMode,
    /// Blocks between a subnet's epochs, minus one (epoch when `(b + i + 1) % (tempo + 1) == 0`).
    pub tempo: u64,
    /// `tau`: how much a unit of root stake counts against a unit of alpha.
    pub tao_weight: Ppb,
    /// The owner's cut of each block's alpha.
    pub owner_cut: Ppb,
    /// `moving_alpha` of the moving price.
    pub moving_alpha: Ppb,
    /// Blocks for the moving price's ramp to reach half of `moving_alpha`.
    pub ema_halving_blocks: u64,
    /// Smoothing of the flow EMA in `flow` mode.
    pub flow_alpha: Ppb,
    /// Flat fee per stake and unstake, kept by the pool.
    pub staking_fee: Tao,
    /// Smallest stake (TAO paid in) and smallest unstake (TAO value out).
    pub min_stake: Tao,
    /// No swap may leave a pool with less than this on either side.
    pub min_pool_liquidity: Tao,
    /// Floor of the subnet lock cost, and the size of a new pool.
    pub min_lock: Tao,
    /// Lock cost of the first subnet launched in the match.
    pub initial_lock: Tao,
    /// Blocks over which the doubled lock cost decays back by one `last_lock`.
    pub lock_reduction_interval: u64,
    /// Blocks between a launch and the subnet's first emission.
    pub start_call_delay: u64,
    /// Maximum number of subnets; a launch at the limit prunes one.
    pub subnet_limit: u16,
    /// Blocks after registration during which a subnet cannot be pruned.
    pub network_immunity: u64,
    /// TAO recycled to register a miner slot.
    pub miner_burn: Tao,
    /// Validators per subnet (top by stake weight).
    pub max_validators: u16,
    /// Yuma's consensus quantile.
    pub kappa: Ppb,
    /// Root stakers whose votes count in `root_vote` mode.
    pub max_root_voters: u16,
    /// NPC miners sell their alpha in this many equal parts over the next epoch window.
    pub miner_sell_chunks: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            emission_mode: EmissionMode::Price,
            tempo: 360,
            tao_weight: Ppb(180_000_000),
            owner_cut: Ppb(180_000_000),
            moving_alpha: Ppb(3_000),
            ema_halving_blocks: 201_600,
            flow_alpha: Ppb(3_209),
            staking_fee: Tao(50_000),
            min_stake: Tao(500_000),
            min_pool_liquidity: Tao(10_000_000),
            min_lock: Tao(1_000_000_000),
            initial_lock: Tao(1_000_000_000_000),
            lock_reduction_interval: 100_800,
            start_call_delay: 50_400,
            subnet_limit: 64,
            network_immunity: 864_000,
            miner_burn: Tao(100_000_000),
            max_validators: 64,
            kappa: Ppb(500_000_000),
            max_root_voters: 64,
            miner_sell_chunks: 2,
        }
    }
}

/// Blocks per simulated day (12 s blocks).
pub const BLOCKS_PER_DAY: u64 = 7_200;

/// The longest match a map, a command's `--blocks` or a recording may ask for: 38
/// simulated years.
pub const MAX_BLOCKS: u64 = 100_000_000;

/// A parameter value that does not parse or is out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// No parameter of that name.
    #[error("unknown parameter '{0}'")]
    Unknown(String),
    /// A bad value, with what was expected.
    #[error("'{key}' {why}")]
    Bad { key: String, why: String },
}

/// The names `Params::set` accepts, for help and error messages.
pub const PARAM_NAMES: &[&str] = &[
    "emission_mode",
    "tempo",
    "tao_weight",
    "owner_cut",
    "moving_alpha",
    "ema_halving_blocks",
    "flow_alpha",
    "staking_fee",
    "min_stake",
    "min_pool_liquidity",
    "min_lock",
    "initial_lock",
    "lock_reduction_interval",
    "start_call_delay",
    "subnet_limit",
    "network_immunity",
    "miner_burn",
    "max_validators",
    "kappa",
    "max_root_voters",
    "miner_sell_chunks",
];

impl Params {
    /// Sets a parameter from its map text (a number, or a name for `emission_mode`).
    /// Amounts are TAO, rates are fractions (`0.18`), counts are integers.
    ///
    /// # Errors
    /// An unknown name or a value out of range, with the range.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ParamError> {
        let bad = |why: &str| ParamError::Bad { key: key.to_string(), why: why.to_string() };
        let num = || -> Result<f64, ParamError> { value.trim().parse::<f64>().map_err(|_| bad("must be a number")) };
        // A value that is not 0 but below the engine's smallest step would silently be 0.
        let too_fine = |x: f64, kept: u64| x > 0.0 && kept == 0;
        let tao = || -> Result<Tao, ParamError> {
            let x = num()?;
            let t = Tao::from_decimal(x).map_err(|e| bad(&format!("{e} (an amount of TAO)")))?;
            if too_fine(x, t.0) {
                return Err(bad("is below 1 rao, 0.000000001 TAO, the smallest amount: write 0 or at least that"));
            }
            Ok(t)
        };
        let rate = |max_one: bool| -> Result<Ppb, ParamError> {
            let x = num()?;
            if max_one && x.is_finite() && x > 1.0 {
                return Err(bad("must be between 0 and 1"));
            }
            let r = Ppb::from_decimal(x).map_err(|e| bad(&format!("{e} (a fraction such as 0.18)")))?;
            if too_fine(x, r.0) {
                return Err(bad(
                    "is below one billionth, 0.000000001, the smallest fraction the engine keeps: write 0 or at least that",
                ));
            }
            if max_one && r > Ppb::ONE {
                return Err(bad("must be between 0 and 1"));
            }
            Ok(r)
        };
        let count = |min: u64, max: u64| -> Result<u64, ParamError> {
            let x = num()?;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            if x.fract() != 0.0 || x < min as f64 || x > max as f64 {
                Err(bad(&format!("must be a whole number from {min} to {max}")))
            } else {
                Ok(x as u64)
            }
        };
        let small = |v: u64| u16::try_from(v).unwrap_or(u16::MAX);
        match key {
            // "'emission_mode' is 'flw', not one of ...": the key is said once.
            "emission_mode" => {
                let v = value.trim();
                self.emission_mode = v.parse().map_err(|_: String| {
                    let hint = crate::text::suggest(v, EmissionMode::ALL.iter().map(|m| m.name()))
                        .map(|k| format!("; did you mean '{k}'?"))
                        .unwrap_or_default();
                    bad(&format!("is '{v}', not one of {}{hint}", EmissionMode::names()))
                })?;
            }
            "tempo" => self.tempo = count(1, 100_000)?,
            "tao_weight" => self.tao_weight = rate(true)?,
            "owner_cut" => self.owner_cut = rate(true)?,
            "moving_alpha" => self.moving_alpha = rate(true)?,
            "ema_halving_blocks" => self.ema_halving_blocks = count(0, 1 << 40)?,
            "flow_alpha" => self.flow_alpha = rate(true)?,
            "staking_fee" => self.staking_fee = tao()?,
            "min_stake" => self.min_stake = tao()?,
            "min_pool_liquidity" => self.min_pool_liquidity = tao()?,
            "min_lock" => {
                let t = tao()?;
                if t.0 == 0 {
                    return Err(bad("must be more than 0"));
                }
                self.min_lock = t;
            }
            "initial_lock" => self.initial_lock = tao()?,
            "lock_reduction_interval" => self.lock_reduction_interval = count(1, 1 << 40)?,
            "start_call_delay" => self.start_call_delay = count(0, 1 << 40)?,
            "subnet_limit" => self.subnet_limit = small(count(1, 1024)?),
            "network_immunity" => self.network_immunity = count(0, 1 << 40)?,
            "miner_burn" => self.miner_burn = tao()?,
            "max_validators" => self.max_validators = small(count(1, 4096)?),
            "kappa" => self.kappa = rate(true)?,
            "max_root_voters" => self.max_root_voters = small(count(1, 4096)?),
            "miner_sell_chunks" => self.miner_sell_chunks = count(1, 1000)?,
            _ => return Err(ParamError::Unknown(key.to_string())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_name_gets_a_suggestion() {
        let e = "honestt".parse::<Policy>().unwrap_err();
        assert_eq!(
            e,
            "unknown policy 'honestt' (expected one of: honest | reward_sellers | reward_holders | uniform | self); \
             did you mean 'honest'?"
        );
        assert!(!"zzz".parse::<Mechanism>().unwrap_err().contains("did you mean"));
        let e = Params::default().set("emission_mode", "flw").unwrap_err().to_string();
        assert_eq!(e, "'emission_mode' is 'flw', not one of price | flow | root_vote; did you mean 'flow'?");
    }

    #[test]
    fn set_parses_and_checks_ranges() {
        let mut p = Params::default();
        p.set("tao_weight", "0.5").unwrap();
        assert_eq!(p.tao_weight, Ppb(500_000_000));
        p.set("emission_mode", "flow").unwrap();
        assert_eq!(p.emission_mode, EmissionMode::Flow);
        p.set("staking_fee", "0.0001").unwrap();
        assert_eq!(p.staking_fee, Tao(100_000));
        assert_eq!(p.set("tempo", "0").unwrap_err().to_string(), "'tempo' must be a whole number from 1 to 100000");
        assert_eq!(p.set("tao_weight", "1.5").unwrap_err().to_string(), "'tao_weight' must be between 0 and 1");
        assert_eq!(p.set("nope", "1").unwrap_err(), ParamError::Unknown("nope".into()));
        assert!(p.set("emission_mode", "pow").unwrap_err().to_string().contains("price | flow | root_vote"));
        for k in PARAM_NAMES {
            let v = if *k == "emission_mode" { "price" } else { "1" };
            p.set(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
        }
    }
}
