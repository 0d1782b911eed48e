//! The public, sorted, read-only picture of the world that every actor sees: bots,
//! players' screens, reports. Subnets by netuid, accounts by id.

use super::math::{U64F64, to_f64};
use super::params::{EmissionMode, Mechanism};
use super::world::{AccountId, AccountKind, Netuid, World};

/// One subnet as the public sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct SubnetView {
    /// Id.
    pub netuid: Netuid,
    /// Name.
    pub name: String,
    /// Mechanism.
    pub mechanism: Mechanism,
    /// Pool TAO.
    pub tao_rao: u64,
    /// Pool alpha.
    pub alpha_in_rao: u64,
    /// Outstanding alpha.
    pub alpha_out_rao: u64,
    /// Spot price, TAO per alpha.
    pub price: U64F64,
    /// Moving price.
    pub moving_price: U64F64,
    /// Share of the last block's TAO emission (0..1).
    pub emission_share: f64,
    /// Root proportion `tau R / (tau R + AI)`.
    pub root_prop: U64F64,
    /// Whether it receives emission.
    pub emitting: bool,
    /// Registration block.
    pub registered_at: i64,
    /// First emission block.
    pub first_emission: i64,
    /// Owner account.
    pub owner: AccountId,
    /// Number of NPC miners.
    pub npc_miners: usize,
}

/// One account as the public sees it (balances are public on chain).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountView {
    /// Id.
    pub id: AccountId,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: AccountKind,
    /// Free TAO.
    pub free_rao: u64,
    /// Root stake.
    pub root_stake_rao: u64,
    /// Alpha per subnet, netuid ascending, nonzero only.
    pub alpha_rao: Vec<(Netuid, u64)>,
    /// Score now (rules.md §9).
    pub score_rao: u64,
    /// Faults.
    pub faults: u32,
}

/// The public picture of a world at a block.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// The next block to run (blocks `0..block` have run).
    pub block: u64,
    /// Emission mode.
    pub emission_mode: EmissionMode,
    /// Tempo.
    pub tempo: u64,
    /// Total issuance.
    pub total_issuance_rao: u64,
    /// Total root stake.
    pub total_root_rao: u64,
    /// Lock cost of a launch now.
    pub lock_cost_rao: u64,
    /// Subnets by netuid.
    pub subnets: Vec<SubnetView>,
    /// Accounts by id.
    pub accounts: Vec<AccountView>,
}

impl World {
    /// One subnet's public view.
    #[must_use]
    pub fn subnet_view(&self, netuid: Netuid) -> Option<SubnetView> {
        let s = self.subnet(netuid)?;
        #[allow(clippy::cast_precision_loss)]
        let share =
            if s.last_block_emission == 0 { 0.0 } else { s.last_emission as f64 / s.last_block_emission as f64 };
        Some(SubnetView {
            netuid: s.netuid,
            // Shown on screens: invisible marks as escapes ('Ap\u{200b}ex' cannot pass for
            // 'Apex'), control characters never as terminal commands.
            name: crate::text::escape_hidden(&s.name),
            mechanism: s.mechanism,
            tao_rao: s.tao,
            alpha_in_rao: s.alpha_in,
            alpha_out_rao: s.alpha_out,
            price: s.price(),
            moving_price: s.moving_price,
            emission_share: share,
            root_prop: self.root_prop(netuid),
            emitting: s.is_emitting(self.block),
            registered_at: s.registered_at,
            first_emission: s.first_emission,
            owner: s.owner,
            npc_miners: s.miners.len(),
        })
    }

    /// One account's public view.
    #[must_use]
    pub fn account_view(&self, id: AccountId) -> Option<AccountView> {
        let a = self.account(id)?;
        let alpha_rao = a
            .alpha
            .iter()
            .enumerate()
            .filter(|(_, x)| **x > 0)
            .map(|(n, x)| (Netuid::try_from(n).unwrap_or(0), *x))
            .collect();
        Some(AccountView {
            id,
            name: a.name.clone(),
            kind: a.kind,
            free_rao: a.free.0,
            root_stake_rao: a.root.0,
            alpha_rao,
            score_rao: self.score(id),
            faults: a.faults,
        })
    }

    /// The whole public picture.
    #[must_use]
    pub fn view(&self) -> View {
        View {
            block: self.block,
            emission_mode: self.params.emission_mode,
            tempo: self.params.tempo,
            total_issuance_rao: self.total_issuance,
            total_root_rao: self.total_root,
            lock_cost_rao: self.lock_cost().0,
            subnets: self.subnets().filter_map(|s| self.subnet_view(s.netuid)).collect(),
            accounts: self.accounts.iter().filter_map(|a| self.account_view(a.id)).collect(),
        }
    }

    /// The average root proportion over emitting subnets (the seed's "SN0 share").
    #[must_use]
    pub fn average_root_prop(&self) -> f64 {
        let v: Vec<f64> =
            self.subnets().filter(|s| s.is_emitting(self.block)).map(|s| to_f64(self.root_prop(s.netuid))).collect();
        #[allow(clippy::cast_precision_loss)]
        if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 }
    }
}
