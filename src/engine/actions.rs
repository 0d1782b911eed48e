//! Applying orders (rules.md §6). Every action computes everything it needs with
//! checked arithmetic first and mutates only when nothing can fail any more, so a
//! rejected order leaves the world, and its hash, exactly as it was.

use super::math::U64F64;
use super::order::{Fill, Order, Reject};
use super::params::EmissionMode;
use super::pool::{self, Swap};
use super::registry;
use super::world::{AccountId, Netuid, World};

pub(super) fn execute(w: &mut World, account: AccountId, order: &Order) -> Result<Fill, Reject> {
    let ai = account.index();
    if ai >= w.accounts.len() || account == AccountId::GENESIS {
        return Err(Reject::NoSuchAccount);
    }
    match order {
        Order::Stake { netuid, tao, limit } => stake(w, ai, *netuid, tao.0, *limit),
        Order::Unstake { netuid, alpha, limit } => unstake(w, ai, *netuid, alpha.0, *limit),
        Order::Dump { netuid: Some(n) } => {
            let have = w.accounts[ai].alpha.get(usize::from(*n)).copied().unwrap_or(0);
            subnet_index(w, *n)?;
            if have == 0 {
                return Err(Reject::NothingToSell);
            }
            unstake(w, ai, *n, have, None)
        }
        Order::Dump { netuid: None } => dump_all(w, ai),
        Order::Move { from, to, alpha } => move_alpha(w, ai, *from, *to, alpha.0),
        Order::StakeRoot { tao } => {
            let tao = tao.0;
            if tao == 0 {
                return Err(Reject::ZeroAmount);
            }
            let a = &w.accounts[ai];
            if a.free.0 < tao {
                return Err(Reject::InsufficientTao { have_rao: a.free.0, need_rao: tao });
            }
            let root = a.root.0.checked_add(tao).ok_or(Reject::Overflow)?;
            let total = w.total_root.checked_add(tao).ok_or(Reject::Overflow)?;
            let a = &mut w.accounts[ai];
            a.free.0 -= tao;
            a.root.0 = root;
            w.total_root = total;
            w.root_vote = None;
            Ok(Fill { tao_in_rao: tao, ..Fill::default() })
        }
        Order::UnstakeRoot { tao } => {
            let tao = tao.0;
            if tao == 0 {
                return Err(Reject::ZeroAmount);
            }
            let a = &w.accounts[ai];
            if a.root.0 < tao {
                return Err(Reject::InsufficientRoot { have_rao: a.root.0, need_rao: tao });
            }
            let free = a.free.0.checked_add(tao).ok_or(Reject::Overflow)?;
            let a = &mut w.accounts[ai];
            a.root.0 -= tao;
            a.free.0 = free;
            w.total_root -= tao;
            w.root_vote = None;
            Ok(Fill { tao_out_rao: tao, ..Fill::default() })
        }
        Order::LaunchSubnet { name, mechanism } => registry::launch(w, account, name, *mechanism),
        Order::RegisterMiner { netuid } => {
            let n = subnet_index(w, *netuid)?;
            let burn = w.params.miner_burn.0;
            let a = &w.accounts[ai];
            if a.miner[n] {
                return Err(Reject::AlreadyMiner(*netuid));
            }
            if a.free.0 < burn {
                return Err(Reject::InsufficientTao { have_rao: a.free.0, need_rao: burn });
            }
            let a = &mut w.accounts[ai];
            a.free.0 -= burn;
            a.miner[n] = true;
            w.recycle_tao(burn);
            Ok(Fill { tao_in_rao: burn, ..Fill::default() })
        }
        Order::SetWeights { netuid, policy } => {
            let n = subnet_index(w, *netuid)?;
            w.accounts[ai].policy[n] = *policy;
            Ok(Fill::default())
        }
        Order::SetRootWeights { weights } => {
            if w.params.emission_mode != EmissionMode::RootVote {
                return Err(Reject::NotRootVote);
            }
            let mut total: u64 = 0;
            for (n, x) in weights {
                subnet_index(w, *n)?;
                total += u64::from(*x);
            }
            if total == 0 {
                return Err(Reject::EmptyWeights);
            }
            let mut v = weights.clone();
            v.sort_unstable();
            w.accounts[ai].root_weights = v;
            w.root_vote = None;
            Ok(Fill::default())
        }
    }
}

/// The index of an existing subnet.
pub(super) fn subnet_index(w: &World, netuid: Netuid) -> Result<usize, Reject> {
    let n = usize::from(netuid);
    match w.subnets.get(n) {
        Some(Some(_)) => Ok(n),
        _ => Err(Reject::NoSuchSubnet(netuid)),
    }
}

fn pool_of(w: &World, n: usize) -> (u64, u64) {
    w.subnets[n].as_ref().map_or((0, 0), |s| (s.tao, s.alpha_in))
}

fn quote_buy(w: &World, ai: usize, n: usize, tao: u64, limit: Option<U64F64>) -> Result<Swap, Reject> {
    let have = w.accounts[ai].free.0;
    if tao > have && tao != 0 {
        return Err(Reject::InsufficientTao { have_rao: have, need_rao: tao });
    }
    let (t, a) = pool_of(w, n);
    let q = pool::quote_stake(t, a, tao, limit, w.pool_rules())?;
    // Overflow checks for the commit.
    let s = w.subnets[n].as_ref().ok_or(Reject::Overflow)?;
    s.alpha_out.checked_add(q.alpha_rao).ok_or(Reject::Overflow)?;
    w.accounts[ai].alpha[n].checked_add(q.alpha_rao).ok_or(Reject::Overflow)?;
    Ok(q)
}

fn commit_buy(w: &mut World, ai: usize, n: usize, q: &Swap) {
    if let Some(s) = w.subnets[n].as_mut() {
        s.tao = q.new_tao;
        s.alpha_in = q.new_alpha;
        s.alpha_out += q.alpha_rao;
        s.flow += i128::from(q.tao_rao);
    }
    let a = &mut w.accounts[ai];
    a.free.0 -= q.tao_rao;
    a.alpha[n] += q.alpha_rao;
    a.tao_in_rao = a.tao_in_rao.saturating_add(q.tao_rao);
}

fn quote_sell(w: &World, ai: usize, n: usize, alpha: u64, limit: Option<U64F64>) -> Result<Swap, Reject> {
    let have = w.accounts[ai].alpha[n];
    if alpha > have {
        let netuid = Netuid::try_from(n).unwrap_or(0);
        return Err(Reject::InsufficientAlpha { netuid, have_rao: have, need_rao: alpha });
    }
    let (t, a) = pool_of(w, n);
    let q = pool::quote_unstake(t, a, alpha, limit, w.pool_rules())?;
    w.accounts[ai].free.0.checked_add(q.tao_rao).ok_or(Reject::Overflow)?;
    Ok(q)
}

fn commit_sell(w: &mut World, ai: usize, n: usize, q: &Swap) {
    if let Some(s) = w.subnets[n].as_mut() {
        s.tao = q.new_tao;
        s.alpha_in = q.new_alpha;
        s.alpha_out -= q.alpha_rao;
        s.flow -= i128::from(q.tao_rao);
    }
    let a = &mut w.accounts[ai];
    a.free.0 += q.tao_rao;
    a.alpha[n] -= q.alpha_rao;
    a.sold_window[n] = a.sold_window[n].saturating_add(q.alpha_rao);
    a.tao_out_rao = a.tao_out_rao.saturating_add(q.tao_rao);
}

fn stake(w: &mut World, ai: usize, netuid: Netuid, tao: u64, limit: Option<U64F64>) -> Result<Fill, Reject> {
    let n = subnet_index(w, netuid)?;
    let q = quote_buy(w, ai, n, tao, limit)?;
    commit_buy(w, ai, n, &q);
    Ok(Fill { tao_in_rao: q.tao_rao, alpha_in_rao: q.alpha_rao, fee_rao: q.fee_rao, ..Fill::default() })
}

fn unstake(w: &mut World, ai: usize, netuid: Netuid, alpha: u64, limit: Option<U64F64>) -> Result<Fill, Reject> {
    let n = subnet_index(w, netuid)?;
    let q = quote_sell(w, ai, n, alpha, limit)?;
    commit_sell(w, ai, n, &q);
    Ok(Fill { tao_out_rao: q.tao_rao, alpha_out_rao: q.alpha_rao, fee_rao: q.fee_rao, ..Fill::default() })
}

fn dump_all(w: &mut World, ai: usize) -> Result<Fill, Reject> {
    let mut total = Fill::default();
    let mut any = false;
    let mut first_err = None;
    let held: Vec<(usize, u64)> = w.accounts[ai]
        .alpha
        .iter()
        .enumerate()
        .filter(|(n, x)| **x > 0 && w.subnets[*n].is_some())
        .map(|(n, x)| (n, *x))
        .collect();
    for (n, x) in held {
        match quote_sell(w, ai, n, x, None) {
            Ok(q) => {
                commit_sell(w, ai, n, &q);
                any = true;
                total.tao_out_rao = total.tao_out_rao.saturating_add(q.tao_rao);
                total.alpha_out_rao = total.alpha_out_rao.saturating_add(q.alpha_rao);
                total.fee_rao = total.fee_rao.saturating_add(q.fee_rao);
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    if any { Ok(total) } else { Err(first_err.unwrap_or(Reject::NothingToSell)) }
}

fn move_alpha(w: &mut World, ai: usize, from: Netuid, to: Netuid, alpha: u64) -> Result<Fill, Reject> {
    if from == to {
        return Err(Reject::SameSubnet);
    }
    let nf = subnet_index(w, from)?;
    let nt = subnet_index(w, to)?;
    let sell = quote_sell(w, ai, nf, alpha, None)?;
    // The buy spends exactly the sale's proceeds: check it against free + proceeds.
    let (t, a) = pool_of(w, nt);
    let buy = pool::quote_stake(t, a, sell.tao_rao, None, w.pool_rules())?;
    let s = w.subnets[nt].as_ref().ok_or(Reject::Overflow)?;
    s.alpha_out.checked_add(buy.alpha_rao).ok_or(Reject::Overflow)?;
    w.accounts[ai].alpha[nt].checked_add(buy.alpha_rao).ok_or(Reject::Overflow)?;
    commit_sell(w, ai, nf, &sell);
    commit_buy(w, ai, nt, &buy);
    Ok(Fill {
        tao_in_rao: buy.tao_rao,
        tao_out_rao: sell.tao_rao,
        alpha_in_rao: buy.alpha_rao,
        alpha_out_rao: sell.alpha_rao,
        fee_rao: sell.fee_rao + buy.fee_rao,
        netuid: None,
    })
}
