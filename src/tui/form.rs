//! Order forms: the fields of each order, parsing what the player typed, and the live
//! quote (what the order would do against the pools of the latest snapshot).
//!
//! Quotes use the engine's pure pool functions on the snapshot's public picture; the
//! order itself is only checked by the engine when it applies, and its reason for a
//! rejection comes back through the session handle.

use crate::engine::amount::{Tao, rao_from_decimal};
use crate::engine::math::{U64F64, to_f64};
use crate::engine::pool::{quote_stake, quote_unstake, sale_value};
use crate::engine::view::SubnetView;
use crate::engine::{Alpha, Mechanism, Netuid, Order, Policy};
use crate::session::handle::Snapshot;

use super::format;

/// Which order a form builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderKind {
    /// Buy alpha with TAO.
    Stake,
    /// Sell alpha for TAO.
    Unstake,
    /// Sell all alpha of one subnet.
    Dump,
    /// Sell all alpha everywhere.
    DumpAll,
    /// Move alpha between subnets.
    Move,
    /// Stake TAO on root.
    StakeRoot,
    /// Take TAO off root.
    UnstakeRoot,
    /// Launch a subnet.
    Launch,
    /// Register as a miner.
    RegisterMiner,
    /// Choose a validator policy.
    SetPolicy,
}

impl OrderKind {
    /// The form's title.
    #[must_use]
    pub const fn title(self) -> &'static str {
        match self {
            OrderKind::Stake => "Stake: buy alpha with TAO",
            OrderKind::Unstake => "Unstake: sell alpha for TAO",
            OrderKind::Dump => "Dump: sell all alpha of a subnet",
            OrderKind::DumpAll => "Dump everything",
            OrderKind::Move => "Move alpha to another subnet",
            OrderKind::StakeRoot => "Stake TAO on root",
            OrderKind::UnstakeRoot => "Unstake TAO from root",
            OrderKind::Launch => "Launch a subnet",
            OrderKind::RegisterMiner => "Register as a miner",
            OrderKind::SetPolicy => "Set your validator policy",
        }
    }
}

/// What a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// A netuid.
    Subnet,
    /// A netuid or `all`.
    SubnetOrAll,
    /// TAO from the free balance (`50%`, `max` allowed).
    FreeTao,
    /// TAO from root stake.
    RootTao,
    /// Alpha held on the subnet of field `k`.
    AlphaOn(usize),
    /// An optional limit price, TAO per alpha.
    Limit,
    /// A name.
    Name,
    /// A mechanism.
    Mechanism,
    /// A validator policy.
    Policy,
}

/// One field of a form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Label.
    pub label: &'static str,
    /// What it holds.
    pub kind: FieldKind,
    /// What was typed (text fields).
    pub value: String,
    /// The choice (mechanism and policy fields).
    pub choice: usize,
}

impl Field {
    fn new(label: &'static str, kind: FieldKind, value: impl Into<String>) -> Self {
        Self { label, kind, value: value.into(), choice: 0 }
    }

    /// Whether it is a choice (cycled with left and right) rather than text.
    #[must_use]
    pub fn is_choice(&self) -> bool {
        matches!(self.kind, FieldKind::Mechanism | FieldKind::Policy)
    }

    /// What the field shows.
    #[must_use]
    pub fn display(&self) -> String {
        match self.kind {
            FieldKind::Mechanism => Mechanism::ALL.get(self.choice).map_or("", |m| m.name()).to_string(),
            FieldKind::Policy => Policy::ALL.get(self.choice).map_or("", |p| p.name()).to_string(),
            _ => self.value.clone(),
        }
    }

    /// A hint shown beside the field.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self.kind {
            FieldKind::Subnet => "netuid",
            FieldKind::SubnetOrAll => "netuid, or all",
            FieldKind::FreeTao | FieldKind::RootTao => "TAO; or 50%, max",
            FieldKind::AlphaOn(_) => "alpha; or 50%, all",
            FieldKind::Limit => "optional, TAO per alpha",
            FieldKind::Name => "1 to 32 characters",
            FieldKind::Mechanism | FieldKind::Policy => "← → to change",
        }
    }
}

/// The tone of a quote line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Plain.
    Plain,
    /// Good for the player.
    Up,
    /// Bad for the player.
    Down,
    /// A warning.
    Warn,
}

/// What the order would do, as lines for the form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Quote {
    /// `(label, value, tone)`.
    pub lines: Vec<(String, String, Tone)>,
    /// A warning (slippage above the threshold, a cost to know about).
    pub warning: Option<String>,
    /// Why the order would be refused, as far as the quote can tell.
    pub problem: Option<String>,
}

impl Quote {
    fn line(&mut self, label: &str, value: String, tone: Tone) {
        self.lines.push((label.to_string(), value, tone));
    }
}

/// An order being filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    /// The order.
    pub kind: OrderKind,
    /// Its fields.
    pub fields: Vec<Field>,
    /// The field being edited.
    pub focus: usize,
}

impl Form {
    /// A form for `kind`, with the subnet fields set to `netuid`.
    #[must_use]
    pub fn new(kind: OrderKind, netuid: Option<Netuid>, snap: &Snapshot) -> Self {
        let n = netuid.map(|n| n.to_string()).unwrap_or_default();
        let fields = match kind {
            OrderKind::Stake => vec![
                Field::new("Subnet", FieldKind::Subnet, n),
                Field::new("Amount τ", FieldKind::FreeTao, ""),
                Field::new("Limit", FieldKind::Limit, ""),
            ],
            OrderKind::Unstake => vec![
                Field::new("Subnet", FieldKind::Subnet, n),
                Field::new("Amount α", FieldKind::AlphaOn(0), ""),
                Field::new("Limit", FieldKind::Limit, ""),
            ],
            OrderKind::Dump => vec![Field::new("Subnet", FieldKind::SubnetOrAll, n)],
            OrderKind::DumpAll => vec![Field::new("Subnet", FieldKind::SubnetOrAll, "all")],
            OrderKind::Move => vec![
                Field::new("From", FieldKind::Subnet, n),
                Field::new("To", FieldKind::Subnet, ""),
                Field::new("Amount α", FieldKind::AlphaOn(0), ""),
            ],
            OrderKind::StakeRoot => vec![Field::new("Amount τ", FieldKind::FreeTao, "")],
            OrderKind::UnstakeRoot => vec![Field::new("Amount τ", FieldKind::RootTao, "")],
            OrderKind::Launch => {
                vec![Field::new("Name", FieldKind::Name, ""), Field::new("Mechanism", FieldKind::Mechanism, "")]
            }
            OrderKind::RegisterMiner => vec![Field::new("Subnet", FieldKind::Subnet, n)],
            OrderKind::SetPolicy => {
                let mut p = Field::new("Policy", FieldKind::Policy, "");
                if let (Some(me), Some(n)) = (&snap.me, netuid) {
                    let current = me.policies.iter().find(|(k, _)| *k == n).map_or(Policy::Honest, |(_, p)| *p);
                    p.choice = Policy::ALL.iter().position(|x| *x == current).unwrap_or(0);
                }
                vec![Field::new("Subnet", FieldKind::Subnet, n), p]
            }
        };
        // Start on the first field that needs typing.
        let optional = |f: &Field| f.kind == FieldKind::Limit;
        let prefilled = |f: &Field| kind == OrderKind::SetPolicy && f.kind == FieldKind::Subnet;
        let focus = fields
            .iter()
            .position(|f| f.value.is_empty() && !f.is_choice() && !optional(f) && !prefilled(f))
            .unwrap_or(0);
        Self { kind, fields, focus }
    }

    /// The field being edited.
    #[must_use]
    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    /// Types a character into the focused text field.
    pub fn type_char(&mut self, c: char) {
        let Some(f) = self.fields.get_mut(self.focus) else { return };
        if f.is_choice() || c.is_control() {
            return;
        }
        let max = if f.kind == FieldKind::Name { 32 } else { 24 };
        if f.value.chars().count() < max {
            f.value.push(c);
        }
    }

    /// Deletes the last character of the focused field.
    pub fn backspace(&mut self) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.value.pop();
        }
    }

    /// Clears the focused field.
    pub fn clear(&mut self) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.value.clear();
        }
    }

    /// Moves the focus by `delta` fields, wrapping.
    pub fn move_focus(&mut self, delta: isize) {
        let n = self.fields.len();
        if n == 0 {
            return;
        }
        let d = usize::try_from(delta.rem_euclid(isize::try_from(n).unwrap_or(1))).unwrap_or(0);
        self.focus = (self.focus + d) % n;
    }

    /// Cycles the focused choice by `delta`.
    pub fn cycle(&mut self, delta: isize) {
        let Some(f) = self.fields.get_mut(self.focus) else { return };
        let n = match f.kind {
            FieldKind::Mechanism => Mechanism::ALL.len(),
            FieldKind::Policy => Policy::ALL.len(),
            _ => return,
        };
        let d = usize::try_from(delta.rem_euclid(isize::try_from(n).unwrap_or(1))).unwrap_or(0);
        f.choice = (f.choice + d) % n;
    }

    fn text(&self, k: usize) -> &str {
        self.fields.get(k).map_or("", |f| f.value.trim())
    }

    fn subnet<'s>(&self, k: usize, snap: &'s Snapshot) -> Result<&'s SubnetView, String> {
        let label = match self.fields.get(k).map_or("Subnet", |f| f.label) {
            "From" => "the subnet to move from",
            "To" => "the subnet to move to",
            _ => "the subnet",
        };
        let t = self.text(k);
        if t.is_empty() {
            return Err(format!("enter {label} (a netuid)"));
        }
        let n: Netuid = t
            .trim_start_matches("SN")
            .trim_start_matches("sn")
            .parse()
            .map_err(|_| format!("{label} must be a netuid such as 1 or 28, not '{t}'"))?;
        snap.view.subnets.iter().find(|s| s.netuid == n).ok_or_else(|| format!("there is no subnet {n}"))
    }

    fn held_alpha(snap: &Snapshot, netuid: Netuid) -> u64 {
        snap.me.as_ref().and_then(|m| m.positions.iter().find(|p| p.netuid == netuid)).map_or(0, |p| p.alpha_rao)
    }

    fn amount(&self, k: usize, snap: &Snapshot) -> Result<u64, String> {
        let Some(f) = self.fields.get(k) else { return Err("no amount".into()) };
        let me = snap.me.as_ref();
        let available = match f.kind {
            FieldKind::FreeTao => me.map_or(0, |m| m.free_rao),
            FieldKind::RootTao => me.map_or(0, |m| m.root_rao),
            FieldKind::AlphaOn(j) => self.subnet(j, snap).map_or(0, |s| Self::held_alpha(snap, s.netuid)),
            _ => 0,
        };
        parse_amount(f.value.trim(), available)
    }

    fn limit(&self, k: usize) -> Result<Option<U64F64>, String> {
        let t = self.text(k);
        if t.is_empty() {
            return Ok(None);
        }
        let x: f64 = t.parse().map_err(|_| format!("the limit must be a price such as 0.12, not '{t}'"))?;
        if !x.is_finite() || x <= 0.0 {
            return Err("the limit price must be above zero".into());
        }
        U64F64::checked_from_num(x).map(Some).ok_or_else(|| "the limit price is too large".into())
    }

    /// The order the form describes.
    ///
    /// # Errors
    /// What is missing or does not parse, in words.
    pub fn order(&self, snap: &Snapshot) -> Result<Order, String> {
        Ok(match self.kind {
            OrderKind::Stake => Order::Stake {
                netuid: self.subnet(0, snap)?.netuid,
                tao: Tao(self.amount(1, snap)?),
                limit: self.limit(2)?,
            },
            OrderKind::Unstake => Order::Unstake {
                netuid: self.subnet(0, snap)?.netuid,
                alpha: Alpha(self.amount(1, snap)?),
                limit: self.limit(2)?,
            },
            OrderKind::Dump | OrderKind::DumpAll => {
                if self.text(0).eq_ignore_ascii_case("all") {
                    Order::Dump { netuid: None }
                } else {
                    Order::Dump { netuid: Some(self.subnet(0, snap)?.netuid) }
                }
            }
            OrderKind::Move => Order::Move {
                from: self.subnet(0, snap)?.netuid,
                to: self.subnet(1, snap)?.netuid,
                alpha: Alpha(self.amount(2, snap)?),
            },
            OrderKind::StakeRoot => Order::StakeRoot { tao: Tao(self.amount(0, snap)?) },
            OrderKind::UnstakeRoot => Order::UnstakeRoot { tao: Tao(self.amount(0, snap)?) },
            OrderKind::Launch => {
                let name = self.text(0);
                if name.is_empty() {
                    return Err("enter a name for the subnet".into());
                }
                let mechanism = Mechanism::ALL.get(self.fields.get(1).map_or(0, |f| f.choice)).copied();
                Order::LaunchSubnet { name: name.to_string(), mechanism: mechanism.unwrap_or_default() }
            }
            OrderKind::RegisterMiner => Order::RegisterMiner { netuid: self.subnet(0, snap)?.netuid },
            OrderKind::SetPolicy => Order::SetWeights {
                netuid: self.subnet(0, snap)?.netuid,
                policy: Policy::ALL.get(self.fields.get(1).map_or(0, |f| f.choice)).copied().unwrap_or_default(),
            },
        })
    }

    /// What the order would do now. `slippage_warn` is the price impact (a fraction)
    /// above which the quote warns.
    #[must_use]
    pub fn quote(&self, snap: &Snapshot, slippage_warn: f64) -> Quote {
        let mut q = Quote::default();
        if let Err(e) = self.quote_into(&mut q, snap, slippage_warn) {
            q.problem = Some(e);
        }
        q
    }

    fn quote_into(&self, q: &mut Quote, snap: &Snapshot, slippage_warn: f64) -> Result<(), String> {
        let me = snap.me.as_ref();
        let free = me.map_or(0, |m| m.free_rao);
        let rules = snap.pool_rules;
        let r = format::rao;
        match self.kind {
            OrderKind::Stake => {
                let s = self.subnet(0, snap)?;
                let spot = to_f64(s.price);
                q.line(
                    "Pool",
                    format!("{} τ / {} α at {} τ/α", r(s.tao_rao), r(s.alpha_in_rao), format::price(spot)),
                    Tone::Plain,
                );
                q.line("Free", format!("{} τ", r(free)), Tone::Plain);
                let tao = self.amount(1, snap)?;
                let limit = self.limit(2)?;
                let w = quote_stake(s.tao_rao, s.alpha_in_rao, tao, limit, rules)
                    .map_err(|e| format!("would be rejected: {e}"))?;
                let avg = ratio(w.tao_rao.saturating_sub(w.fee_rao), w.alpha_rao);
                let impact = if spot > 0.0 { avg / spot - 1.0 } else { 0.0 };
                let paid = if w.tao_rao < tao {
                    format!("{} τ of {} (the limit stops the rest)", r(w.tao_rao), r(tao))
                } else {
                    format!("{} τ (fee {} τ)", r(w.tao_rao), r(w.fee_rao))
                };
                q.line("You pay", paid, Tone::Plain);
                q.line("You get", format!("{} α at {} τ/α", r(w.alpha_rao), format::price(avg)), Tone::Up);
                q.line(
                    "Impact",
                    format!(
                        "{}  price after {}",
                        format::signed_pct(impact),
                        format::price(ratio(w.new_tao, w.new_alpha))
                    ),
                    tone(impact, slippage_warn),
                );
                slippage(q, impact, slippage_warn);
                if tao > free {
                    q.problem = Some(format!("not enough free TAO: you have {} τ", r(free)));
                }
            }
            OrderKind::Unstake => {
                let s = self.subnet(0, snap)?;
                let spot = to_f64(s.price);
                let held = Self::held_alpha(snap, s.netuid);
                q.line(
                    "Held",
                    format!("{} α (worth {} τ)", r(held), r(sale_value(s.tao_rao, s.alpha_in_rao, held, rules.fee))),
                    Tone::Plain,
                );
                let alpha = self.amount(1, snap)?;
                let limit = self.limit(2)?;
                let w = quote_unstake(s.tao_rao, s.alpha_in_rao, alpha, limit, rules)
                    .map_err(|e| format!("would be rejected: {e}"))?;
                let avg = ratio(w.tao_rao.saturating_add(w.fee_rao), w.alpha_rao);
                let impact = if spot > 0.0 { 1.0 - avg / spot } else { 0.0 };
                let sold = if w.alpha_rao < alpha {
                    format!("{} α of {} (the limit stops the rest)", r(w.alpha_rao), r(alpha))
                } else {
                    format!("{} α", r(w.alpha_rao))
                };
                q.line("You sell", sold, Tone::Plain);
                q.line(
                    "You get",
                    format!("{} τ (fee {} τ) at {} τ/α", r(w.tao_rao), r(w.fee_rao), format::price(avg)),
                    Tone::Up,
                );
                q.line(
                    "Impact",
                    format!(
                        "{}  price after {}",
                        format::signed_pct(-impact),
                        format::price(ratio(w.new_tao, w.new_alpha))
                    ),
                    tone(impact, slippage_warn),
                );
                slippage(q, impact, slippage_warn);
                if alpha > held {
                    q.problem = Some(format!("not enough alpha on SN{}: you have {} α", s.netuid, r(held)));
                }
            }
            OrderKind::Dump | OrderKind::DumpAll => {
                let all = self.text(0).eq_ignore_ascii_case("all");
                let mut total = 0u64;
                let mut count = 0;
                for s in &snap.view.subnets {
                    if !all && self.subnet(0, snap)?.netuid != s.netuid {
                        continue;
                    }
                    let held = Self::held_alpha(snap, s.netuid);
                    if held > 0 {
                        count += 1;
                        total = total.saturating_add(sale_value(s.tao_rao, s.alpha_in_rao, held, rules.fee));
                    }
                }
                q.line("Positions", count.to_string(), Tone::Plain);
                q.line("You get about", format!("{} τ", r(total)), Tone::Up);
                if count == 0 {
                    q.problem = Some("nothing to sell".into());
                }
            }
            OrderKind::Move => {
                let from = self.subnet(0, snap)?;
                let held = Self::held_alpha(snap, from.netuid);
                q.line("Held", format!("{} α on SN{}", r(held), from.netuid), Tone::Plain);
                let to = self.subnet(1, snap)?;
                let alpha = self.amount(2, snap)?;
                let sell = quote_unstake(from.tao_rao, from.alpha_in_rao, alpha, None, rules)
                    .map_err(|e| format!("would be rejected: {e}"))?;
                let buy = quote_stake(to.tao_rao, to.alpha_in_rao, sell.tao_rao, None, rules)
                    .map_err(|e| format!("would be rejected: {e}"))?;
                q.line(
                    "Sell",
                    format!("{} α on SN{} for {} τ", r(sell.alpha_rao), from.netuid, r(sell.tao_rao)),
                    Tone::Plain,
                );
                q.line("Buy", format!("{} α on SN{}", r(buy.alpha_rao), to.netuid), Tone::Up);
                q.line("Fees", format!("{} τ", r(sell.fee_rao.saturating_add(buy.fee_rao))), Tone::Plain);
                if alpha > held {
                    q.problem = Some(format!("not enough alpha on SN{}: you have {} α", from.netuid, r(held)));
                }
            }
            OrderKind::StakeRoot => {
                let root = me.map_or(0, |m| m.root_rao);
                q.line("Free", format!("{} τ", r(free)), Tone::Plain);
                q.line(
                    "On root",
                    format!("{} τ (counts {} on every subnet)", r(root), format::pct(snap.params.tao_weight.as_f64())),
                    Tone::Plain,
                );
                let tao = self.amount(0, snap)?;
                q.line("After", format!("{} τ on root", r(root.saturating_add(tao))), Tone::Up);
                if tao > free {
                    q.problem = Some(format!("not enough free TAO: you have {} τ", r(free)));
                }
            }
            OrderKind::UnstakeRoot => {
                let root = me.map_or(0, |m| m.root_rao);
                q.line("On root", format!("{} τ", r(root)), Tone::Plain);
                let tao = self.amount(0, snap)?;
                q.line("After", format!("{} τ free", r(free.saturating_add(tao))), Tone::Up);
                if tao > root {
                    q.problem = Some(format!("not enough root stake: you have {} τ", r(root)));
                }
            }
            OrderKind::Launch => {
                let cost = snap.view.lock_cost_rao;
                q.line(
                    "Lock cost",
                    format!("{} τ (you have {} τ free)", r(cost), r(free)),
                    if cost > free { Tone::Down } else { Tone::Plain },
                );
                q.line("Emits after", format::duration_blocks(snap.params.start_call_delay), Tone::Plain);
                let mech = Mechanism::ALL.get(self.fields.get(1).map_or(0, |f| f.choice)).copied().unwrap_or_default();
                q.line("Mechanism", mechanism_text(mech).to_string(), Tone::Plain);
                let count = snap.view.subnets.len();
                if count >= usize::from(snap.params.subnet_limit) {
                    let prune = snap
                        .prune_candidate
                        .map_or_else(|| "none is prunable".into(), |n| format!("SN{n} would be dissolved"));
                    q.warning = Some(format!("at the limit of {} subnets: {prune}", snap.params.subnet_limit));
                }
                if cost > free {
                    q.problem = Some(format!("not enough free TAO for the lock: need {} τ", r(cost)));
                }
            }
            OrderKind::RegisterMiner => {
                let s = self.subnet(0, snap)?;
                q.line("Burn", format!("{} τ (recycled)", r(snap.params.miner_burn.0)), Tone::Plain);
                q.line("Subnet", format!("SN{} {} ({})", s.netuid, s.name, mechanism_text(s.mechanism)), Tone::Plain);
                if me.is_some_and(|m| m.miner_on.contains(&s.netuid)) {
                    q.problem = Some(format!("already registered as a miner on SN{}", s.netuid));
                }
            }
            OrderKind::SetPolicy => {
                let s = self.subnet(0, snap)?;
                let p = Policy::ALL.get(self.fields.get(1).map_or(0, |f| f.choice)).copied().unwrap_or_default();
                q.line("Subnet", format!("SN{} {} ({})", s.netuid, s.name, s.mechanism), Tone::Plain);
                q.line("Policy", policy_text(p).to_string(), Tone::Plain);
                q.line("Counts if", "you are among the top validators by stake weight".to_string(), Tone::Plain);
            }
        }
        Ok(())
    }
}

fn tone(impact: f64, warn: f64) -> Tone {
    if impact > warn { Tone::Warn } else { Tone::Plain }
}

fn slippage(q: &mut Quote, impact: f64, warn: f64) {
    if impact > warn {
        q.warning = Some(format!(
            "price impact {} is above {}: trade less, or set a limit price",
            format::pct(impact),
            format::pct(warn)
        ));
    }
}

#[allow(clippy::cast_precision_loss)]
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 { 0.0 } else { num as f64 / den as f64 }
}

/// What a mechanism means, in a few words.
#[must_use]
pub const fn mechanism_text(m: Mechanism) -> &'static str {
    match m {
        Mechanism::Utility => "utility: miners paid by quality",
        Mechanism::Holder => "holder: holding the alpha is mining",
        Mechanism::Revenue => "revenue: outside revenue buys back alpha",
    }
}

/// What a validator policy means, in a few words.
#[must_use]
pub const fn policy_text(p: Policy) -> &'static str {
    match p {
        Policy::Honest => "honest: follow the subnet's mechanism",
        Policy::RewardSellers => "reward_sellers: weight miners by alpha sold",
        Policy::RewardHolders => "reward_holders: weight miners by alpha held",
        Policy::Uniform => "uniform: the same weight for every miner",
        Policy::SelfOnly => "self: weight only your own miner slot",
    }
}

/// Parses an amount: a decimal number of whole units, a percentage of `available`
/// (`50%`), or `max`/`all`.
///
/// # Errors
/// The text is empty or is not an amount.
pub fn parse_amount(text: &str, available: u64) -> Result<u64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("enter an amount".into());
    }
    if t.eq_ignore_ascii_case("max") || t.eq_ignore_ascii_case("all") {
        return Ok(available);
    }
    if let Some(p) = t.strip_suffix('%') {
        let p: f64 = p.trim().parse().map_err(|_| format!("'{t}' is not a percentage"))?;
        if !(0.0..=100.0).contains(&p) {
            return Err("a percentage must be between 0 and 100".into());
        }
        let ppm = rao_from_decimal(p).map_err(|e| format!("the percentage {e}"))?;
        return Ok(u64::try_from(u128::from(available) * u128::from(ppm) / 100_000_000_000).unwrap_or(available));
    }
    let x: f64 = t.replace(['_', ','], "").parse().map_err(|_| format!("'{t}' is not an amount"))?;
    rao_from_decimal(x).map_err(|e| format!("the amount {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse() {
        assert_eq!(parse_amount("10", 0), Ok(10_000_000_000));
        assert_eq!(parse_amount("0.5", 0), Ok(500_000_000));
        assert_eq!(parse_amount("1,000", 0), Ok(1_000_000_000_000));
        assert_eq!(parse_amount("50%", 1_000_000_000), Ok(500_000_000));
        assert_eq!(parse_amount("max", 7), Ok(7));
        assert_eq!(parse_amount("ALL", 7), Ok(7));
        assert!(parse_amount("", 7).is_err());
        assert!(parse_amount("abc", 7).is_err());
        assert!(parse_amount("-1", 7).is_err());
        assert!(parse_amount("150%", 7).is_err());
    }
}
