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
use crate::engine::{AccountId, Alpha, Mechanism, Netuid, Order, Policy};
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
            // `max` and `all` both take everything, in every amount field.
            FieldKind::FreeTao | FieldKind::RootTao => "TAO; or 50%, max/all",
            FieldKind::AlphaOn(_) => "alpha; or 50%, max/all",
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

    /// Adds a warning (after any already given).
    fn warn(&mut self, text: String) {
        self.warning = Some(match self.warning.take() {
            Some(w) => format!("{w}; {text}"),
            None => text,
        });
    }
}

/// The player's orders already queued for the next block (submitted, not yet applied):
/// a new order applies after them, so its form counts what they will spend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queued {
    /// The orders, in the order they were submitted.
    pub orders: Vec<Order>,
}

impl Queued {
    /// Whether nothing is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Free TAO the queued orders will spend: stakes, root stakes, launches (at today's
    /// lock cost) and miner burns.
    #[must_use]
    pub fn tao_spent(&self, snap: &Snapshot) -> u64 {
        self.orders.iter().fold(0u64, |sum, o| {
            sum.saturating_add(match o {
                Order::Stake { tao, .. } | Order::StakeRoot { tao } => tao.0,
                Order::LaunchSubnet { .. } => snap.view.lock_cost_rao,
                Order::RegisterMiner { .. } => snap.params.miner_burn.0,
                _ => 0,
            })
        })
    }

    /// Free TAO the queued root unstakes will give back (exactly: 1:1).
    #[must_use]
    pub fn root_unstaked(&self) -> u64 {
        self.orders.iter().fold(0u64, |sum, o| match o {
            Order::UnstakeRoot { tao } => sum.saturating_add(tao.0),
            _ => sum,
        })
    }

    /// Root stake the queued root stakes will add.
    #[must_use]
    pub fn root_staked(&self) -> u64 {
        self.orders.iter().fold(0u64, |sum, o| match o {
            Order::StakeRoot { tao } => sum.saturating_add(tao.0),
            _ => sum,
        })
    }

    /// Whether a queued sale will bring in TAO (how much depends on the pool then).
    #[must_use]
    pub fn sells(&self) -> bool {
        self.orders.iter().any(|o| matches!(o, Order::Unstake { .. } | Order::Dump { .. }))
    }

    /// Alpha on `netuid` (of `held`) that the queued orders will sell or move away.
    #[must_use]
    pub fn alpha_out(&self, netuid: Netuid, held: u64) -> u64 {
        let out = self.orders.iter().fold(0u64, |sum, o| match o {
            Order::Unstake { netuid: n, alpha, .. } | Order::Move { from: n, alpha, .. } if *n == netuid => {
                sum.saturating_add(alpha.0)
            }
            Order::Dump { netuid: Some(n) } if *n == netuid => held,
            Order::Dump { netuid: None } => held,
            _ => sum,
        });
        out.min(held)
    }

    /// Whether a queued order will bring alpha to `netuid` (how much depends on the pool).
    #[must_use]
    pub fn alpha_in(&self, netuid: Netuid) -> bool {
        self.orders
            .iter()
            .any(|o| matches!(o, Order::Stake { netuid: n, .. } | Order::Move { to: n, .. } if *n == netuid))
    }

    /// Whether a miner registration on `netuid` is queued.
    #[must_use]
    pub fn registers_on(&self, netuid: Netuid) -> bool {
        self.orders.iter().any(|o| matches!(o, Order::RegisterMiner { netuid: n } if *n == netuid))
    }
}

/// What an amount field can take: what the player has, less what queued orders use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Available {
    /// What the player has now.
    have: u64,
    /// What queued orders will take out of it first.
    queued_out: u64,
    /// What they will put in first, exactly.
    queued_in: u64,
    /// Whether they will also put in an amount not known yet (a sale's proceeds).
    more_coming: bool,
}

impl Available {
    /// What is left for a new order.
    fn left(self) -> u64 {
        self.have.saturating_add(self.queued_in).saturating_sub(self.queued_out)
    }

    /// Whether queued orders change what is left.
    fn queued(self) -> bool {
        self.queued_out > 0 || self.queued_in > 0
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
    /// The block at which the match ends (blocks `0..end_block` run), when known: the
    /// launch form warns about a subnet that would not emit before it.
    pub end_block: Option<u64>,
}

impl Form {
    /// A form for `kind`, with the subnet fields set to `netuid`.
    #[must_use]
    pub fn new(kind: OrderKind, netuid: Option<Netuid>, snap: &Snapshot) -> Self {
        let n = netuid.map(|n| n.to_string()).unwrap_or_default();
        // Selling starts from a subnet one holds: the selected one, else the largest.
        let held = Self::held_subnet(netuid, snap).map_or_else(|| n.clone(), |f| f.to_string());
        let fields = match kind {
            OrderKind::Stake => vec![
                Field::new("Subnet", FieldKind::Subnet, n),
                Field::new("Amount τ", FieldKind::FreeTao, ""),
                Field::new("Limit", FieldKind::Limit, ""),
            ],
            OrderKind::Unstake => vec![
                Field::new("Subnet", FieldKind::Subnet, held),
                Field::new("Amount α", FieldKind::AlphaOn(0), ""),
                Field::new("Limit", FieldKind::Limit, ""),
            ],
            OrderKind::Dump => vec![Field::new("Subnet", FieldKind::SubnetOrAll, held)],
            OrderKind::DumpAll => vec![Field::new("Subnet", FieldKind::SubnetOrAll, "all")],
            OrderKind::Move => vec![
                Field::new("From", FieldKind::Subnet, held),
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
        Self { kind, fields, focus, end_block: None }
    }

    /// Where a sale or a move starts: `netuid` if the player holds alpha there, else their largest
    /// position (by what it would fetch), else nowhere.
    fn held_subnet(netuid: Option<Netuid>, snap: &Snapshot) -> Option<Netuid> {
        netuid.filter(|n| Self::held_alpha(snap, *n) > 0).or_else(|| {
            let positions = &snap.me.as_ref()?.positions;
            positions.iter().filter(|p| p.alpha_rao > 0).max_by_key(|p| p.value_rao).map(|p| p.netuid)
        })
    }

    /// The name of the subnet typed in field `k`, once it is a live subnet's netuid.
    #[must_use]
    pub fn subnet_name<'s>(&self, k: usize, snap: &'s Snapshot) -> Option<&'s str> {
        let subnet_field =
            self.fields.get(k).is_some_and(|f| matches!(f.kind, FieldKind::Subnet | FieldKind::SubnetOrAll));
        subnet_field.then(|| self.subnet(k, snap).ok().map(|s| s.name.trim())).flatten()
    }

    /// The same form, knowing that the match ends at `end_block`.
    #[must_use]
    pub fn ending_at(mut self, end_block: u64) -> Self {
        self.end_block = Some(end_block);
        self
    }

    /// The field being edited.
    #[must_use]
    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    /// Types a character into the focused text field.
    /// Types `c` into the focused field. `Err(max)`: the field is full (`max`
    /// characters), so `c` was not typed.
    ///
    /// # Errors
    /// The field already holds its most characters.
    pub fn type_char(&mut self, c: char) -> Result<(), usize> {
        let Some(f) = self.fields.get_mut(self.focus) else { return Ok(()) };
        if f.is_choice() || c.is_control() {
            return Ok(());
        }
        let max = if f.kind == FieldKind::Name { 32 } else { 24 };
        if f.value.chars().count() >= max {
            return Err(max);
        }
        f.value.push(c);
        Ok(())
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

    /// The subnet whose validators a miner or policy form's quote reads (the subnet's
    /// detail), once one is typed.
    #[must_use]
    pub fn watches(&self, snap: &Snapshot) -> Option<Netuid> {
        matches!(self.kind, OrderKind::RegisterMiner | OrderKind::SetPolicy)
            .then(|| self.subnet(0, snap).ok().map(|s| s.netuid))
            .flatten()
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
        if n == 0 {
            return Err(self.root_hint());
        }
        snap.view.subnets.iter().find(|s| s.netuid == n).ok_or_else(|| format!("there is no subnet {n}"))
    }

    /// What to say when a subnet field is 0: SN0 is root, which has forms of its own.
    fn root_hint(&self) -> String {
        let what = match self.kind {
            OrderKind::Stake => "stake TAO on root with r",
            OrderKind::Unstake | OrderKind::Dump | OrderKind::DumpAll => "take TAO off root with R",
            OrderKind::Move => "alpha cannot move to or from it; stake on root with r, unstake with R",
            OrderKind::RegisterMiner | OrderKind::SetPolicy => "it has no miners; choose a subnet such as 1",
            OrderKind::StakeRoot | OrderKind::UnstakeRoot | OrderKind::Launch => "stake on root with r, unstake with R",
        };
        format!("SN0 is root, not a subnet: {what}")
    }

    fn held_alpha(snap: &Snapshot, netuid: Netuid) -> u64 {
        snap.me.as_ref().and_then(|m| m.positions.iter().find(|p| p.netuid == netuid)).map_or(0, |p| p.alpha_rao)
    }

    /// Free TAO for a new order: what the player has, less what queued orders spend.
    fn free(snap: &Snapshot, queued: &Queued) -> Available {
        Available {
            have: snap.me.as_ref().map_or(0, |m| m.free_rao),
            queued_out: queued.tao_spent(snap),
            queued_in: queued.root_unstaked(),
            more_coming: queued.sells(),
        }
    }

    /// What the amount field `k` can take.
    fn available(&self, k: usize, snap: &Snapshot, queued: &Queued) -> Available {
        let me = snap.me.as_ref();
        match self.fields.get(k).map(|f| f.kind) {
            Some(FieldKind::FreeTao) => Self::free(snap, queued),
            Some(FieldKind::RootTao) => Available {
                have: me.map_or(0, |m| m.root_rao),
                queued_out: queued.root_unstaked(),
                queued_in: queued.root_staked(),
                more_coming: false,
            },
            Some(FieldKind::AlphaOn(j)) => self.subnet(j, snap).map_or_else(
                |_| Available::default(),
                |s| {
                    let held = Self::held_alpha(snap, s.netuid);
                    Available {
                        have: held,
                        queued_out: queued.alpha_out(s.netuid, held),
                        queued_in: 0,
                        more_coming: queued.alpha_in(s.netuid),
                    }
                },
            ),
            _ => Available::default(),
        }
    }

    /// The amount in field `k`, in rao: above zero; `max`, `all` and percentages of what
    /// is left after the queued orders; and a number within the display's rounding of
    /// all that is left is all of it (typing the figure shown for a position sells the
    /// whole position, not a rounded-up amount the player does not have, nor leaves dust).
    ///
    /// A zero amount says why it is zero: nothing typed as zero (`0`, `0%`), less than the
    /// smallest unit (1 rao), or nothing left to take a share of.
    fn amount(&self, k: usize, snap: &Snapshot, queued: &Queued) -> Result<u64, String> {
        let Some(f) = self.fields.get(k) else { return Err("no amount".into()) };
        let a = self.available(k, snap, queued);
        let left = a.left();
        let t = f.value.trim();
        // Nothing to take at all: said before asking for an amount.
        let nothing = || {
            let what = match f.kind {
                FieldKind::RootTao => "no root stake".to_string(),
                FieldKind::AlphaOn(j) => {
                    self.subnet(j, snap).map_or_else(|_| "no alpha".into(), |s| format!("no alpha on SN{}", s.netuid))
                }
                _ => "no free TAO".to_string(),
            };
            let after = if a.queued() && a.have > 0 { " left after your queued orders" } else { "" };
            format!("you have {what}{after}")
        };
        if t.is_empty() && left == 0 {
            return Err(nothing());
        }
        let x = parse_amount(t, left)?;
        let pct = t.strip_suffix('%').map(str::trim);
        let all = t.eq_ignore_ascii_case("max") || t.eq_ignore_ascii_case("all");
        let plain = pct.is_none() && !all;
        let x = if plain && x > 0 && left > 0 && x.abs_diff(left) <= format::rao_rounding(left) { left } else { x };
        if x > 0 {
            return Ok(x);
        }
        let unit = if matches!(f.kind, FieldKind::AlphaOn(_)) { "α" } else { "τ" };
        let smallest = format!("the smallest unit, 1 rao = 0.000000001 {unit}");
        if plain {
            // Parsed above: a number of whole units, zero or below one rao.
            let typed = t.replace(['_', ','], "").parse::<f64>().unwrap_or(0.0);
            return Err(if typed > 0.0 {
                format!("{t} is below {smallest}")
            } else {
                format!("{t} is nothing: enter an amount above 0")
            });
        }
        // A share of something: of nothing is said below.
        if let Some(p) = pct.filter(|_| left > 0) {
            return Err(if p.parse::<f64>().unwrap_or(0.0) > 0.0 {
                format!("{t} of {} {unit} is below {smallest}", format::rao(left))
            } else {
                "0% is nothing: enter a percentage above 0".to_string()
            });
        }
        Err(nothing())
    }

    /// `From` and `To` of a move: two different subnets.
    fn move_subnets<'s>(&self, snap: &'s Snapshot) -> Result<(&'s SubnetView, &'s SubnetView), String> {
        let from = self.subnet(0, snap)?;
        let to = self.subnet(1, snap)?;
        if from.netuid == to.netuid {
            return Err(format!("From and To are both SN{}: moving needs two different subnets", from.netuid));
        }
        Ok((from, to))
    }

    /// The name of a launch: typed, and not the name of a live subnet nor of a launch
    /// already queued (compared ignoring case and how many spaces part the words). The
    /// engine takes a duplicate name; the form refuses it because two subnets of one name
    /// cannot be told apart.
    fn launch_name(&self, snap: &Snapshot, queued: &Queued) -> Result<&str, String> {
        let name = self.text(0);
        if name.is_empty() {
            return Err("enter a name for the subnet".into());
        }
        let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
        let key = words(name);
        let same = |other: &str| words(other) == key;
        if let Some(s) = snap.view.subnets.iter().find(|s| same(&s.name)) {
            return Err(format!("SN{} is already named {}: choose another name", s.netuid, s.name.trim()));
        }
        if queued.orders.iter().any(|o| matches!(o, Order::LaunchSubnet { name: n, .. } if same(n))) {
            return Err(format!("a launch named {name} is already queued: choose another name"));
        }
        if let Some(c) = name.chars().find(|c| crate::text::is_invisible(*c)) {
            return Err(format!("the name holds an invisible character (U+{:04X}): type the name again", u32::from(c)));
        }
        Ok(name)
    }

    /// The subnet of a miner registration: one the player is not a miner on yet, nor
    /// has a registration queued for (the engine would reject either, with this reason).
    fn miner_subnet<'s>(&self, snap: &'s Snapshot, queued: &Queued) -> Result<&'s SubnetView, String> {
        let s = self.subnet(0, snap)?;
        if snap.me.as_ref().is_some_and(|m| m.miner_on.contains(&s.netuid)) {
            return Err(format!("already registered as a miner on SN{}", s.netuid));
        }
        if queued.registers_on(s.netuid) {
            return Err(format!("a miner registration on SN{} is already queued", s.netuid));
        }
        Ok(s)
    }

    fn limit(&self, k: usize) -> Result<Option<U64F64>, String> {
        let t = self.text(k);
        if t.is_empty() {
            return Ok(None);
        }
        let x: f64 = t.parse().map_err(|_| format!("the limit must be a price such as 0.12, not '{t}'"))?;
        if !x.is_finite() {
            return Err(format!("the limit must be a finite price such as 0.12, not '{t}'"));
        }
        if x <= 0.0 {
            return Err("the limit price must be above zero".into());
        }
        U64F64::checked_from_num(x).map(Some).ok_or_else(|| "the limit price is too large".into())
    }

    /// The order the form describes, to apply after the `queued` ones.
    ///
    /// # Errors
    /// What is missing, does not parse, or cannot make an order (a zero amount, a move
    /// to the same subnet), in words.
    pub fn order(&self, snap: &Snapshot, queued: &Queued) -> Result<Order, String> {
        Ok(match self.kind {
            OrderKind::Stake => Order::Stake {
                netuid: self.subnet(0, snap)?.netuid,
                tao: Tao(self.amount(1, snap, queued)?),
                limit: self.limit(2)?,
            },
            OrderKind::Unstake => Order::Unstake {
                netuid: self.subnet(0, snap)?.netuid,
                alpha: Alpha(self.amount(1, snap, queued)?),
                limit: self.limit(2)?,
            },
            OrderKind::Dump | OrderKind::DumpAll => {
                if self.text(0).eq_ignore_ascii_case("all") {
                    Order::Dump { netuid: None }
                } else {
                    Order::Dump { netuid: Some(self.subnet(0, snap)?.netuid) }
                }
            }
            OrderKind::Move => {
                let (from, to) = self.move_subnets(snap)?;
                Order::Move { from: from.netuid, to: to.netuid, alpha: Alpha(self.amount(2, snap, queued)?) }
            }
            OrderKind::StakeRoot => Order::StakeRoot { tao: Tao(self.amount(0, snap, queued)?) },
            OrderKind::UnstakeRoot => Order::UnstakeRoot { tao: Tao(self.amount(0, snap, queued)?) },
            OrderKind::Launch => {
                let name = self.launch_name(snap, queued)?;
                let mechanism = Mechanism::ALL.get(self.fields.get(1).map_or(0, |f| f.choice)).copied();
                Order::LaunchSubnet { name: name.to_string(), mechanism: mechanism.unwrap_or_default() }
            }
            OrderKind::RegisterMiner => Order::RegisterMiner { netuid: self.miner_subnet(snap, queued)?.netuid },
            OrderKind::SetPolicy => Order::SetWeights {
                netuid: self.subnet(0, snap)?.netuid,
                policy: Policy::ALL.get(self.fields.get(1).map_or(0, |f| f.choice)).copied().unwrap_or_default(),
            },
        })
    }

    /// What the order would do now, after the `queued` ones. `slippage_warn` is the
    /// price impact (a fraction) above which the quote warns.
    #[must_use]
    pub fn quote(&self, snap: &Snapshot, queued: &Queued, slippage_warn: f64) -> Quote {
        let mut q = Quote::default();
        if let Err(e) = self.quote_into(&mut q, snap, queued, slippage_warn) {
            q.problem = Some(e);
        }
        q
    }

    fn quote_into(&self, q: &mut Quote, snap: &Snapshot, queued: &Queued, slippage_warn: f64) -> Result<(), String> {
        let me = snap.me.as_ref();
        let free = me.map_or(0, |m| m.free_rao);
        let free_left = Self::free(snap, queued);
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
                q.line("Free", free_text(free_left), Tone::Plain);
                let tao = self.amount(1, snap, queued)?;
                let limit = self.limit(2)?;
                let w = quote_stake(s.tao_rao, s.alpha_in_rao, tao, limit, rules)
                    .map_err(|e| rejected(e, limit, spot, ("above", "raise")))?;
                let avg = ratio(w.tao_rao.saturating_sub(w.fee_rao), w.alpha_rao);
                let impact = if spot > 0.0 { avg / spot - 1.0 } else { 0.0 };
                let paid = if w.tao_rao < tao {
                    format!("{} τ of {} (the limit stops the rest)", r(w.tao_rao), r(tao))
                } else {
                    format!("{} τ (fee {} τ)", r(w.tao_rao), r(w.fee_rao))
                };
                q.line("You pay", paid, Tone::Plain);
                q.line("You get", format!("{} α at {} τ/α", r(w.alpha_rao), format::price(avg)), Tone::Up);
                // Slippage is the average price's; the price moves further (the last
                // alpha bought is the dearest).
                let after = ratio(w.new_tao, w.new_alpha);
                q.line(
                    "Slippage",
                    format!(
                        "{} on average · price after {} ({})",
                        format::signed_pct(impact),
                        format::price(after),
                        format::signed_pct(if spot > 0.0 { after / spot - 1.0 } else { 0.0 })
                    ),
                    tone(impact, slippage_warn),
                );
                slippage(q, impact, slippage_warn, trade_less(limit.is_some()));
                check(q, free_left, tao, "free TAO", "τ");
            }
            OrderKind::Unstake => {
                let s = self.subnet(0, snap)?;
                let spot = to_f64(s.price);
                let held = Self::held_alpha(snap, s.netuid);
                let left = self.available(1, snap, queued);
                let held_text = if held == 0 {
                    format!("no alpha on SN{}", s.netuid)
                } else {
                    format!(
                        "{} α (worth {} τ sold all at once)",
                        r(held),
                        r(sale_value(s.tao_rao, s.alpha_in_rao, held, rules.fee))
                    )
                };
                q.line("Held", held_text, Tone::Plain);
                let alpha = self.amount(1, snap, queued)?;
                let limit = self.limit(2)?;
                let w = quote_unstake(s.tao_rao, s.alpha_in_rao, alpha, limit, rules)
                    .map_err(|e| rejected(e, limit, spot, ("below", "lower")))?;
                let avg = ratio(w.tao_rao.saturating_add(w.fee_rao), w.alpha_rao);
                let impact = if spot > 0.0 { 1.0 - avg / spot } else { 0.0 };
                let sold = if w.alpha_rao < alpha {
                    format!("{} α of {} (the limit stops the rest)", r(w.alpha_rao), r(alpha))
                } else if alpha == held {
                    format!("{} α (all of it)", r(w.alpha_rao))
                } else {
                    format!("{} α", r(w.alpha_rao))
                };
                q.line("You sell", sold, Tone::Plain);
                q.line(
                    "You get",
                    format!("{} τ (fee {} τ) at {} τ/α", r(w.tao_rao), r(w.fee_rao), format::price(avg)),
                    Tone::Up,
                );
                let after = ratio(w.new_tao, w.new_alpha);
                q.line(
                    "Slippage",
                    format!(
                        "{} on average · price after {} ({})",
                        format::signed_pct(-impact),
                        format::price(after),
                        format::signed_pct(if spot > 0.0 { after / spot - 1.0 } else { 0.0 })
                    ),
                    tone(impact, slippage_warn),
                );
                slippage(q, impact, slippage_warn, trade_less(limit.is_some()));
                check(q, left, alpha, &format!("alpha on SN{}", s.netuid), "α");
            }
            OrderKind::Dump | OrderKind::DumpAll => {
                let all = self.text(0).eq_ignore_ascii_case("all");
                let mut total = 0u64;
                let mut count = 0;
                let mut sold_already = false;
                let (mut at_spot, mut got, mut worst) = (0.0f64, 0.0f64, (0u16, 0.0f64));
                for s in &snap.view.subnets {
                    if !all && self.subnet(0, snap)?.netuid != s.netuid {
                        continue;
                    }
                    let held = Self::held_alpha(snap, s.netuid);
                    let left = held - queued.alpha_out(s.netuid, held);
                    if left > 0 {
                        count += 1;
                        let value = sale_value(s.tao_rao, s.alpha_in_rao, left, rules.fee);
                        total = total.saturating_add(value);
                        // Each sale's price impact, weighed by what it is worth at spot.
                        let spot = ratio(left, 1) * to_f64(s.price);
                        at_spot += spot;
                        got += ratio(value, 1);
                        if spot > 0.0 && 1.0 - ratio(value, 1) / spot > worst.1 {
                            worst = (s.netuid, 1.0 - ratio(value, 1) / spot);
                        }
                    } else if held > 0 {
                        sold_already = true;
                    }
                }
                q.line("Positions", count.to_string(), Tone::Plain);
                q.line("You get about", format!("{} τ", r(total)), Tone::Up);
                if count > 0 {
                    // What selling at once costs against the spot prices (fees included).
                    let impact = if at_spot > 0.0 { 1.0 - got / at_spot } else { 0.0 };
                    let most = if count > 1 {
                        format!(" · most on SN{} ({})", worst.0, format::signed_pct(-worst.1))
                    } else {
                        String::new()
                    };
                    q.line(
                        "Slippage",
                        format!("{} against spot{most}", format::signed_pct(-impact)),
                        tone(impact, slippage_warn),
                    );
                    if worst.1 > slippage_warn {
                        q.warn(format!(
                            "selling all of SN{} at once costs {} against its spot price: unstake part of it (u) \
                             instead, with a limit price",
                            worst.0,
                            format::pct(worst.1)
                        ));
                    }
                }
                if count == 0 && sold_already {
                    q.problem = Some("nothing left to sell: your queued orders already sell it".into());
                } else if count == 0 {
                    q.problem = Some("nothing to sell".into());
                }
            }
            OrderKind::Move => {
                // Nothing to move (and none coming from a queued stake): say so at once.
                let holds = me.is_some_and(|m| m.positions.iter().any(|p| p.alpha_rao > 0));
                if !holds && !queued.orders.iter().any(|o| matches!(o, Order::Stake { .. })) {
                    return Err("you hold no alpha anywhere: stake TAO into a subnet first (s)".into());
                }
                let from = self.subnet(0, snap)?;
                let held = Self::held_alpha(snap, from.netuid);
                q.line("Held", format!("{} α on SN{}", r(held), from.netuid), Tone::Plain);
                let (from, to) = self.move_subnets(snap)?;
                let left = self.available(2, snap, queued);
                let alpha = self.amount(2, snap, queued)?;
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
                // Both legs move a pool: the alpha bought is worth less at the target's spot
                // price than the alpha sold was at the source's.
                let given = ratio(sell.alpha_rao, 1) * to_f64(from.price);
                let taken = ratio(buy.alpha_rao, 1) * to_f64(to.price);
                let impact = if given > 0.0 { 1.0 - taken / given } else { 0.0 };
                q.line(
                    "Slippage",
                    format!("{} in value at spot prices, fees included", format::signed_pct(-impact)),
                    tone(impact, slippage_warn),
                );
                slippage(q, impact, slippage_warn, "move less at a time");
                check(q, left, alpha, &format!("alpha on SN{}", from.netuid), "α");
            }
            OrderKind::StakeRoot => {
                let root = me.map_or(0, |m| m.root_rao);
                q.line("Free", free_text(free_left), Tone::Plain);
                q.line(
                    "On root",
                    format!("{} τ (counts {} on every subnet)", r(root), format::pct(snap.params.tao_weight.as_f64())),
                    Tone::Plain,
                );
                let tao = self.amount(0, snap, queued)?;
                check(q, free_left, tao, "free TAO", "τ");
                // The balance after it only for an amount the player has (a trade's quote
                // above is about the pool, and shows for any amount).
                if q.problem.is_none() {
                    q.line("After", format!("{} τ on root", r(root.saturating_add(tao))), Tone::Up);
                }
            }
            OrderKind::UnstakeRoot => {
                let root = me.map_or(0, |m| m.root_rao);
                q.line("On root", format!("{} τ", r(root)), Tone::Plain);
                let left = self.available(0, snap, queued);
                // Nothing on root (nor a root stake queued): say so before asking for an amount.
                if left.have == 0 && left.queued_in == 0 {
                    return Err("you have nothing on root: r stakes TAO on root".into());
                }
                let tao = self.amount(0, snap, queued)?;
                check(q, left, tao, "root stake", "τ");
                if q.problem.is_none() {
                    q.line("After", format!("{} τ free", r(free.saturating_add(tao))), Tone::Up);
                }
            }
            OrderKind::Launch => {
                let cost = snap.view.lock_cost_rao;
                q.line(
                    "Lock cost",
                    format!("{} τ (you have {} τ free)", r(cost), r(free)),
                    if cost > free_left.left() { Tone::Down } else { Tone::Plain },
                );
                // The score counts free TAO, root stake and alpha: the lock is none of them.
                q.line("Your score", format!("falls by the {} τ lock: it is spent, not held", r(cost)), Tone::Warn);
                q.line("Paid back", "if it is dissolved: the lock less the owner cut's value".to_string(), Tone::Plain);
                // Applied at the next block to run, it first emits `start_call_delay` later;
                // the match runs blocks `0..end`.
                let first = snap.block().saturating_add(snap.params.start_call_delay);
                let late = self.end_block.filter(|end| first >= *end);
                q.line(
                    "Emits after",
                    format!(
                        "{} (from block {})",
                        format::duration_blocks(snap.params.start_call_delay),
                        format::int(first)
                    ),
                    if late.is_some() { Tone::Warn } else { Tone::Plain },
                );
                if let Some(end) = late {
                    let when = if first == end {
                        "when the match ends".to_string()
                    } else {
                        format!("after the match ends at block {}", format::int(end))
                    };
                    q.warn(format!(
                        "it would first emit at block {}, {when}: it earns nothing in this match and the lock \
                         is spent for nothing",
                        format::int(first)
                    ));
                }
                let mech = Mechanism::ALL.get(self.fields.get(1).map_or(0, |f| f.choice)).copied().unwrap_or_default();
                q.line("Mechanism", mechanism_text(mech).to_string(), Tone::Plain);
                let count = snap.view.subnets.len();
                if count >= usize::from(snap.params.subnet_limit) {
                    let prune = snap
                        .prune_candidate
                        .map_or_else(|| "none is prunable".into(), |n| format!("SN{n} would be dissolved"));
                    let limit = snap.params.subnet_limit;
                    q.warn(format!("at the limit of {limit} subnet{}: {prune}", format::plural(usize::from(limit))));
                }
                check(q, free_left, cost, &format!("free TAO for the {} τ lock", r(cost)), "τ");
                // What blocks the launch first; a name is quick to fix once it can happen.
                if let (None, Err(e)) = (&q.problem, self.launch_name(snap, queued)) {
                    q.problem = Some(e);
                }
            }
            OrderKind::RegisterMiner => {
                let s = self.subnet(0, snap)?;
                q.line("Burn", format!("{} τ (recycled)", r(snap.params.miner_burn.0)), Tone::Plain);
                q.line("Free", free_text(free_left), Tone::Plain);
                q.line("Subnet", format!("SN{} {} ({})", s.netuid, s.name, mechanism_text(s.mechanism)), Tone::Plain);
                let burn = snap.params.miner_burn.0;
                match self.miner_subnet(snap, queued) {
                    Err(e) => q.problem = Some(e),
                    Ok(_) => check(q, free_left, burn, &format!("free TAO for the {} τ burn", r(burn)), "τ"),
                }
                miner_prospects(q, snap, s);
            }
            OrderKind::SetPolicy => {
                let s = self.subnet(0, snap)?;
                let p = Policy::ALL.get(self.fields.get(1).map_or(0, |f| f.choice)).copied().unwrap_or_default();
                q.line("Subnet", format!("SN{} {} ({})", s.netuid, s.name, s.mechanism), Tone::Plain);
                q.line("Policy", policy_text(p), Tone::Plain);
                q.line("Counts if", "you are among the top validators by stake weight".to_string(), Tone::Plain);
                policy_prospects(q, snap, s, p);
            }
        }
        Ok(())
    }
}

/// Why a stake or unstake at `limit` would be rejected, with the price `spot` named when
/// the limit is already passed (`side`: the price is "above" or "below" it; `fix`: "raise"
/// or "lower" it).
fn rejected(e: crate::engine::Reject, limit: Option<U64F64>, spot: f64, (side, fix): (&str, &str)) -> String {
    match (e, limit) {
        (crate::engine::Reject::LimitPrice, Some(l)) => format!(
            "the price is {} τ/α, already {side} your limit of {}: nothing would fill; {fix} the limit, or leave it \
             empty",
            format::price(spot),
            format::price(to_f64(l))
        ),
        (e, _) => format!("would be rejected: {e}"),
    }
}

/// Whether validator `v`, of `policy`, gives a miner slot of player `me` (quality 0,
/// holding `held` alpha, none sold yet) any weight on a subnet of `mechanism`: the
/// engine's own rule, for that one slot.
fn weighs_player(policy: Policy, mechanism: Mechanism, v: AccountId, me: AccountId, held: u64) -> bool {
    use crate::engine::epoch::{Miner, policy_weights};
    policy_weights(policy, mechanism, v, &[(Miner::Account(me), 0, held, 0)]).is_some()
}

/// What a miner slot of the player's on `s` would earn under its validators' policies
/// now (the subnet's detail, when it is the one watched): a warning when validators
/// short of the consensus majority weigh it.
fn miner_prospects(q: &mut Quote, snap: &Snapshot, s: &SubnetView) {
    let me = snap.me.as_ref();
    let held = me.and_then(|m| m.positions.iter().find(|p| p.netuid == s.netuid)).map_or(0, |p| p.alpha_rao);
    if s.mechanism == Mechanism::Holder && held == 0 {
        q.warn(format!(
            "on a holder subnet its holders are the miners: a slot with no SN{} alpha earns nothing under honest \
             validators; stake into it (s) instead",
            s.netuid
        ));
        return;
    }
    let Some(d) = snap.detail.as_ref().filter(|d| d.netuid == s.netuid) else {
        q.line(
            "Paid if",
            "validators weigh you: honest ones weigh NPC miners by quality, and yours is 0".to_string(),
            Tone::Plain,
        );
        return;
    };
    let Some(me_id) = me.map(|m| m.id) else { return };
    let share: f64 =
        d.holders.iter().filter(|h| weighs_player(h.policy, s.mechanism, h.id, me_id, held)).map(|h| h.share).sum();
    let kappa = snap.params.kappa.as_f64();
    q.line(
        "Weighed by",
        format!("validators with {} of the stake weight (consensus needs {})", format::pct(share), format::pct(kappa)),
        if share >= kappa { Tone::Up } else { Tone::Warn },
    );
    if share < kappa {
        q.warn(format!(
            "it may earn nothing: honest validators weigh NPC miners by quality (yours is 0), and those that would \
             weigh you hold {} of the stake weight, short of the {} consensus needs",
            format::pct(share),
            format::pct(kappa)
        ));
    }
}

/// What setting `policy` on `s` would change, as far as the player's stake and miner
/// slots tell: a warning when it would count for nothing.
fn policy_prospects(q: &mut Quote, snap: &Snapshot, s: &SubnetView, policy: Policy) {
    let Some(me) = snap.me.as_ref() else { return };
    let held = me.positions.iter().find(|p| p.netuid == s.netuid).map_or(0, |p| p.alpha_rao);
    let mines = me.miner_on.contains(&s.netuid) || (s.mechanism == Mechanism::Holder && held > 0);
    if let Some(d) = snap.detail.as_ref().filter(|d| d.netuid == s.netuid) {
        let kappa = snap.params.kappa.as_f64();
        match d.holders.iter().find(|h| h.id == me.id) {
            Some(h) if h.share < kappa && policy != Policy::Honest => {
                q.line("Your weight", format!("{} of SN{}'s stake weight", format::pct(h.share), s.netuid), Tone::Warn);
                q.warn(format!(
                    "with {} of the stake weight your weights cannot set SN{}'s consensus alone (it takes {}): \
                     they count only where enough other validators agree",
                    format::pct(h.share),
                    s.netuid,
                    format::pct(kappa)
                ));
            }
            Some(h) => {
                q.line("Your weight", format!("{} of SN{}'s stake weight", format::pct(h.share), s.netuid), Tone::Plain)
            }
            None => q.warn(format!(
                "you are not among SN{}'s validators: your weights count for nothing until you stake its alpha (s) \
                 or TAO on root",
                s.netuid
            )),
        }
    }
    if policy == Policy::SelfOnly && !mines {
        q.warn(format!(
            "you have no miner slot on SN{}: with self your validator abstains; register one first (M)",
            s.netuid
        ));
    }
}

/// `free TAO` for a quote line: what the player has, and what is left after the queued
/// orders when they spend some.
fn free_text(a: Available) -> String {
    if a.queued() {
        format!("{} τ ({} τ after your queued orders)", format::rao(a.have), format::rao(a.left()))
    } else {
        format!("{} τ", format::rao(a.have))
    }
}

/// Whether `need` fits in what is `a`vailable (of `what`, in `unit`): a problem when it
/// does not, or a warning when a queued sale may still bring in enough.
fn check(q: &mut Quote, a: Available, need: u64, what: &str, unit: &str) {
    if need <= a.left() {
        return;
    }
    let r = format::rao;
    let text = if a.queued() {
        format!(
            "not enough {what} after your queued orders: {} {unit} of your {} {unit} is left",
            r(a.left()),
            r(a.have)
        )
    } else {
        format!("not enough {what}: you have {} {unit}", r(a.have))
    };
    if a.more_coming {
        q.warn(format!("{text}, unless your queued orders bring in more"));
    } else {
        q.problem = Some(text);
    }
}

fn tone(impact: f64, warn: f64) -> Tone {
    if impact > warn { Tone::Warn } else { Tone::Plain }
}

/// A warning, saying `fix`, when the average price is `impact` (a fraction) worse than
/// the spot price and that is above `warn`.
fn slippage(q: &mut Quote, impact: f64, warn: f64, fix: &str) {
    if impact > warn {
        q.warn(format!("slippage {} is above {}: {fix}", format::pct(impact), format::pct(warn)));
    }
}

/// How to trade with less slippage, for an order that has a limit price or not.
fn trade_less(limited: bool) -> &'static str {
    if limited { "your limit allows it; trade less, or tighten the limit" } else { "trade less, or set a limit price" }
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
pub fn policy_text(p: Policy) -> String {
    format!("{}: {}", p.name(), p.meaning())
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
    if t.starts_with('-') {
        return Err(format!("'{t}' has a minus sign: an amount must be positive, such as 10"));
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
    if t.contains(',') && !thousands_commas(t) {
        return Err(format!(
            "'{t}': write decimals with a point (1.5), not a comma; commas only group thousands (1,000)"
        ));
    }
    let plain = t.replace(['_', ','], "");
    let too_large = || format!("'{t}' is more than there is: you have {}", crate::text::rao_amount(available));
    if let Some((whole, frac)) = decimal_digits(&plain) {
        // Typed digits are read exactly (a float keeps about 16 of them).
        if frac.len() > 9
            && frac[9..].bytes().any(|b| b != b'0')
            && (whole.bytes().any(|b| b != b'0') || frac[..9].bytes().any(|b| b != b'0'))
        {
            return Err(format!(
                "'{t}' has more than 9 decimals: the smallest unit is 1 rao (0.000000001); write at most 9"
            ));
        }
        let frac9: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
        let rao = format!("{whole}{frac9}").trim_start_matches('0').parse::<u128>().unwrap_or(0);
        return u64::try_from(rao).map_err(|_| too_large());
    }
    let x: f64 = plain.parse().map_err(|_| format!("'{t}' is not an amount"))?;
    rao_from_decimal(x).map_err(|e| match e {
        crate::engine::amount::AmountError::TooLarge => too_large(),
        e => format!("the amount {e}"),
    })
}

/// A plain decimal's digits before and after its point (`12.5` is `("12", "5")`), or
/// `None` for anything else (an exponent, a sign, a word).
fn decimal_digits(t: &str) -> Option<(&str, &str)> {
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (digits(whole) && digits(frac) && !(whole.is_empty() && frac.is_empty())).then_some((whole, frac))
}

/// Whether the commas of `t` group thousands (`1,000`, `12,345.5`): 1 to 3 digits, then
/// groups of exactly 3, before any decimal point. `1,5` (a decimal comma) is not.
fn thousands_commas(t: &str) -> bool {
    let whole = t.split('.').next().unwrap_or(t);
    let mut groups = whole.split(',');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    first_ok
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
        && !t.split('.').skip(1).any(|d| d.contains(','))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::handle::Position;
    use crate::tui::testing::{TAO, base};

    /// A form of `kind` on SN1 with its text fields set to `values` (in order; `None`
    /// keeps a field as it is).
    fn form(kind: OrderKind, snap: &Snapshot, values: &[Option<&str>]) -> Form {
        let mut f = Form::new(kind, Some(1), snap);
        for (field, v) in f.fields.iter_mut().zip(values) {
            if let Some(v) = v {
                field.value = (*v).to_string();
            }
        }
        f
    }

    fn quote(f: &Form, snap: &Snapshot, queued: &Queued) -> Quote {
        f.quote(snap, queued, 0.02)
    }

    fn none() -> Queued {
        Queued::default()
    }

    #[test]
    fn a_move_to_the_same_subnet_is_refused_by_the_form() {
        let snap = holding();
        let f = form(OrderKind::Move, &snap, &[Some("1"), Some("1"), Some("5")]);
        let problem = quote(&f, &snap, &none()).problem.expect("a problem");
        assert!(problem.contains("two different subnets"), "{problem}");
        assert_eq!(f.order(&snap, &none()), Err(problem));
    }

    #[test]
    fn registering_a_miner_needs_the_burn_in_free_tao() {
        let (_, mut snap) = base();
        let f = form(OrderKind::RegisterMiner, &snap, &[Some("1")]);
        assert_eq!(quote(&f, &snap, &none()).problem, None);
        snap.me.as_mut().expect("a player").free_rao = 0;
        let problem = quote(&f, &snap, &none()).problem.expect("a problem");
        assert_eq!(problem, "not enough free TAO for the 0.100000 τ burn: you have 0 τ");
        // Twice in one block: the second is the problem.
        snap.me.as_mut().expect("a player").free_rao = 10 * TAO;
        let queued = Queued { orders: vec![Order::RegisterMiner { netuid: 1 }] };
        let problem = quote(&f, &snap, &queued).problem.expect("a problem");
        assert!(problem.contains("already queued"), "{problem}");
    }

    #[test]
    fn a_zero_amount_is_refused_by_the_form() {
        let (_, mut snap) = base();
        for (typed, said) in [
            ("0", "0 is nothing: enter an amount above 0"),
            ("0.000", "0.000 is nothing: enter an amount above 0"),
            ("0.0000000001", "0.0000000001 is below the smallest unit, 1 rao = 0.000000001 τ"),
            ("0%", "0% is nothing: enter a percentage above 0"),
            ("0.0000000001%", "0.0000000001% of 100.00 τ is below the smallest unit, 1 rao = 0.000000001 τ"),
        ] {
            let f = form(OrderKind::StakeRoot, &snap, &[Some(typed)]);
            assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some(said), "{typed}");
            assert_eq!(f.order(&snap, &none()), Err(said.to_string()), "{typed}");
        }
        snap.me.as_mut().expect("a player").free_rao = 0;
        let f = form(OrderKind::StakeRoot, &snap, &[Some("max")]);
        assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some("you have no free TAO"));
        let f = form(OrderKind::UnstakeRoot, &snap, &[Some("all")]);
        assert_eq!(f.order(&snap, &none()), Err("you have no root stake".into()));
    }

    #[test]
    fn a_limit_already_passed_names_the_price() {
        let snap = holding();
        let f = form(OrderKind::Stake, &snap, &[Some("1"), Some("10"), Some("0.1")]);
        let problem = quote(&f, &snap, &none()).problem.expect("a problem");
        assert!(
            problem.starts_with("the price is 0.35") && problem.contains("already above your limit of 0.1"),
            "{problem}"
        );
        let f = form(OrderKind::Unstake, &snap, &[Some("1"), Some("10"), Some("1")]);
        let problem = quote(&f, &snap, &none()).problem.expect("a problem");
        assert!(problem.contains("already below your limit of 1.0"), "{problem}");
    }

    #[test]
    fn dump_move_and_limited_orders_warn_about_slippage() {
        let mut snap = holding();
        // 20 α on SN1 (a 14,000 τ pool) sells at the spot price, less the fee.
        let f = form(OrderKind::Dump, &snap, &[Some("1")]);
        let q = quote(&f, &snap, &none());
        assert!(q.lines.iter().any(|l| l.0 == "Slippage"), "{:?}", q.lines);
        assert_eq!(q.warning, None);
        // 100,000 α on SN9, whose pool holds 30,000 α: selling it at once costs most of it.
        let me = snap.me.as_mut().expect("a player");
        me.positions.push(Position {
            netuid: 9,
            name: "Pretrain".into(),
            alpha_rao: 100_000 * TAO,
            ..Position::default()
        });
        let f = form(OrderKind::Dump, &snap, &[Some("9")]);
        let warning = quote(&f, &snap, &none()).warning.expect("a warning");
        assert!(warning.starts_with("selling all of SN9 at once costs"), "{warning}");
        let f = form(OrderKind::DumpAll, &snap, &[Some("all")]);
        let q = quote(&f, &snap, &none());
        let line = q.lines.iter().find(|l| l.0 == "Slippage").expect("a slippage line");
        assert!(line.1.contains("most on SN9"), "{line:?}");
        assert!(q.warning.is_some_and(|w| w.contains("SN9")));
        // Moving it to SN1 loses on both legs.
        let f = form(OrderKind::Move, &snap, &[Some("9"), Some("1"), Some("100000")]);
        let warning = quote(&f, &snap, &none()).warning.expect("a warning");
        assert!(warning.contains("move less at a time"), "{warning}");
        let f = form(OrderKind::Move, &snap, &[Some("1"), Some("4"), Some("1")]);
        assert_eq!(quote(&f, &snap, &none()).warning, None);
        // A limit price far above the price lets the slippage through: the warning says so.
        let f = form(OrderKind::Stake, &snap, &[Some("9"), Some("90"), Some("1")]);
        let warning = quote(&f, &snap, &none()).warning.expect("a warning");
        assert!(warning.contains("your limit allows it"), "{warning}");
        let f = form(OrderKind::Stake, &snap, &[Some("9"), Some("90")]);
        let warning = quote(&f, &snap, &none()).warning.expect("a warning");
        assert!(warning.contains("set a limit price"), "{warning}");
    }

    #[test]
    fn miner_and_policy_forms_say_when_they_would_earn_nothing() {
        let mut snap = holding();
        // Honest validators weigh NPC miners by quality: a player's slot (quality 0) gets
        // nothing while they hold the majority.
        crate::tui::testing::watching(&mut snap, 1, Policy::Honest, 0.2);
        let f = form(OrderKind::RegisterMiner, &snap, &[Some("1")]);
        let q = quote(&f, &snap, &none());
        let warning = q.warning.expect("a warning");
        assert!(warning.starts_with("it may earn nothing") && warning.contains("0.0%"), "{warning}");
        assert_eq!(q.problem, None, "a warning: the player may still register");
        // Under uniform validators it is paid.
        crate::tui::testing::watching(&mut snap, 1, Policy::Uniform, 0.2);
        let q = quote(&f, &snap, &none());
        assert_eq!(q.warning, None);
        assert!(
            q.lines.iter().any(|l| l.0 == "Weighed by" && l.1.starts_with("validators with 80.0%")),
            "{:?}",
            q.lines
        );
        // Another subnet watched: the quote says what pays, without figures.
        crate::tui::testing::watching(&mut snap, 4, Policy::Honest, 0.2);
        let q = quote(&f, &snap, &none());
        assert!(q.warning.is_none() && q.lines.iter().any(|l| l.0 == "Paid if"), "{:?}", q.lines);
        // A holder subnet's miners are its holders.
        let f = form(OrderKind::RegisterMiner, &snap, &[Some("28")]);
        assert!(quote(&f, &snap, &none()).warning.is_some_and(|w| w.starts_with("on a holder subnet")));

        // `self` without a miner slot abstains.
        let self_only = Policy::ALL.iter().position(|p| *p == Policy::SelfOnly).expect("self");
        crate::tui::testing::watching(&mut snap, 1, Policy::Honest, 0.2);
        let mut f = form(OrderKind::SetPolicy, &snap, &[Some("1")]);
        f.fields[1].choice = self_only;
        let q = quote(&f, &snap, &none());
        let warning = q.warning.expect("warnings");
        assert!(warning.contains("no miner slot on SN1"), "{warning}");
        assert!(warning.contains("cannot set SN1's consensus alone (it takes 50.0%)"), "{warning}");
        assert!(q.lines.iter().any(|l| l.0 == "Your weight" && l.1.starts_with("20.0%")), "{:?}", q.lines);
        snap.me.as_mut().expect("a player").miner_on.push(1);
        crate::tui::testing::watching(&mut snap, 1, Policy::Honest, 0.6);
        assert_eq!(quote(&f, &snap, &none()).warning, None, "a majority sets it");
        // Not a validator of the subnet: the weights count for nothing.
        crate::tui::testing::watching(&mut snap, 1, Policy::Honest, 0.0);
        let warning = quote(&f, &snap, &none()).warning.expect("a warning");
        assert!(warning.starts_with("you are not among SN1's validators"), "{warning}");
    }

    /// The player with 100 τ free, 50 τ on root and 20 α on SN1 and on SN4.
    fn holding() -> Snapshot {
        let (_, mut snap) = base();
        let me = snap.me.as_mut().expect("a player");
        me.free_rao = 100 * TAO;
        me.root_rao = 50 * TAO;
        me.positions = [(1, "Apex"), (4, "Targon")]
            .into_iter()
            .map(|(netuid, name)| Position { netuid, name: name.into(), alpha_rao: 20 * TAO, ..Position::default() })
            .collect();
        snap
    }

    /// Every amount form, with its fields set so that `amount` is the amount.
    fn amount_forms(snap: &Snapshot, amount: &'static str) -> Vec<(Form, &'static str)> {
        vec![
            (form(OrderKind::Stake, snap, &[Some("1"), Some(amount)]), "τ"),
            (form(OrderKind::Unstake, snap, &[Some("1"), Some(amount)]), "α"),
            (form(OrderKind::Move, snap, &[Some("1"), Some("4"), Some(amount)]), "α"),
            (form(OrderKind::StakeRoot, snap, &[Some(amount)]), "τ"),
            (form(OrderKind::UnstakeRoot, snap, &[Some(amount)]), "τ"),
        ]
    }

    #[test]
    fn every_amount_form_says_why_an_amount_is_zero() {
        let snap = holding();
        for (f, unit) in amount_forms(&snap, "0%") {
            let said = "0% is nothing: enter a percentage above 0";
            assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some(said), "{:?}", f.kind);
            assert_eq!(f.order(&snap, &none()), Err(said.into()), "{:?} {unit}", f.kind);
        }
        for (f, unit) in amount_forms(&snap, "0.0000000001") {
            let said = format!("0.0000000001 is below the smallest unit, 1 rao = 0.000000001 {unit}");
            assert_eq!(quote(&f, &snap, &none()).problem, Some(said.clone()), "{:?}", f.kind);
            assert_eq!(f.order(&snap, &none()), Err(said), "{:?}", f.kind);
        }
        for (f, _) in amount_forms(&snap, "0") {
            let said = "0 is nothing: enter an amount above 0";
            assert_eq!(f.order(&snap, &none()), Err(said.into()), "{:?}", f.kind);
        }
        // One rao is an amount.
        for (f, _) in amount_forms(&snap, "0.000000001") {
            assert!(f.order(&snap, &none()).is_ok(), "{:?}", f.kind);
        }
        // Nothing to take a share of is still said so.
        let mut empty = snap.clone();
        let me = empty.me.as_mut().expect("a player");
        me.free_rao = 0;
        me.root_rao = 0;
        me.positions.clear();
        let said = ["you have no free TAO", "you have no alpha on SN1", "you have no alpha on SN1"];
        let said = said.into_iter().chain(["you have no free TAO", "you have no root stake"]);
        for ((f, _), said) in amount_forms(&empty, "0%").into_iter().zip(said) {
            assert_eq!(f.order(&empty, &none()), Err(said.into()), "{:?}", f.kind);
        }
    }

    #[test]
    fn subnet_0_points_to_the_root_keys() {
        let snap = holding();
        for (kind, values, said) in [
            (OrderKind::Stake, [Some("0"), Some("1")], "SN0 is root, not a subnet: stake TAO on root with r"),
            (OrderKind::Unstake, [Some("0"), Some("1")], "SN0 is root, not a subnet: take TAO off root with R"),
            (OrderKind::Dump, [Some("0"), None], "SN0 is root, not a subnet: take TAO off root with R"),
            (
                OrderKind::RegisterMiner,
                [Some("sn0"), None],
                "SN0 is root, not a subnet: it has no miners; choose a subnet such as 1",
            ),
        ] {
            let f = form(kind, &snap, &values);
            assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some(said), "{kind:?}");
            assert_eq!(f.order(&snap, &none()), Err(said.into()), "{kind:?}");
        }
        let said = "SN0 is root, not a subnet: alpha cannot move to or from it; stake on root with r, unstake with R";
        for values in [[Some("0"), Some("4"), Some("1")], [Some("1"), Some("0"), Some("1")]] {
            let f = form(OrderKind::Move, &snap, &values);
            assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some(said), "{values:?}");
            assert_eq!(f.order(&snap, &none()), Err(said.into()));
        }
        // Another missing subnet is just missing.
        let f = form(OrderKind::Stake, &snap, &[Some("3"), Some("1")]);
        assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some("there is no subnet 3"));
    }

    #[test]
    fn a_limit_price_says_what_is_wrong_with_it() {
        let (_, snap) = base();
        let said = |limit: &str| {
            let f = form(OrderKind::Stake, &snap, &[Some("1"), Some("1"), Some(limit)]);
            f.order(&snap, &none()).expect_err("refused")
        };
        for t in ["inf", "1e400", "nan", "-inf"] {
            assert_eq!(said(t), format!("the limit must be a finite price such as 0.12, not '{t}'"));
        }
        assert_eq!(said("0"), "the limit price must be above zero");
        assert_eq!(said("-1"), "the limit price must be above zero");
        assert_eq!(said("1e20"), "the limit price is too large");
        assert_eq!(said("abc"), "the limit must be a price such as 0.12, not 'abc'");
    }

    /// The labels of a quote's lines.
    fn labels(q: &Quote) -> Vec<&str> {
        q.lines.iter().map(|(l, _, _)| l.as_str()).collect()
    }

    #[test]
    fn an_amount_beyond_what_is_held_shows_no_balance_after() {
        let snap = holding();
        // Root unstake: 60 of 50 τ; no "After" line that could not happen.
        let f = form(OrderKind::UnstakeRoot, &snap, &[Some("60")]);
        let q = quote(&f, &snap, &none());
        assert_eq!(q.problem.as_deref(), Some("not enough root stake: you have 50.0000 τ"));
        assert_eq!(labels(&q), ["On root"]);
        let f = form(OrderKind::UnstakeRoot, &snap, &[Some("40")]);
        let q = quote(&f, &snap, &none());
        assert_eq!(q.problem, None);
        assert!(q.lines.iter().any(|(l, v, _)| l == "After" && v == "140.00 τ free"), "{q:?}");
        // In every amount form: no balance after an amount the player does not have; a
        // trade's quote (what that size would do to the pool) still shows.
        for (f, _) in amount_forms(&snap, "500") {
            let q = quote(&f, &snap, &none());
            assert!(q.problem.as_deref().is_some_and(|p| p.starts_with("not enough")), "{:?}: {q:?}", f.kind);
            assert!(!labels(&q).contains(&"After"), "{:?}: {q:?}", f.kind);
            let trade = matches!(f.kind, OrderKind::Stake | OrderKind::Unstake | OrderKind::Move);
            assert_eq!(labels(&q).iter().any(|l| ["You get", "Buy"].contains(l)), trade, "{:?}: {q:?}", f.kind);
        }
        for (f, _) in amount_forms(&snap, "5") {
            let q = quote(&f, &snap, &none());
            assert_eq!(q.problem, None, "{:?}", f.kind);
            let shown = labels(&q);
            assert!(["After", "You get", "Buy"].iter().any(|l| shown.contains(l)), "{:?}: {q:?}", f.kind);
        }
        let f = form(OrderKind::StakeRoot, &snap, &[Some("100")]);
        assert!(labels(&quote(&f, &snap, &none())).contains(&"After"));
        let f = form(OrderKind::StakeRoot, &snap, &[Some("100.5")]);
        assert_eq!(labels(&quote(&f, &snap, &none())), ["Free", "On root"]);
    }

    #[test]
    fn the_launch_form_warns_when_the_subnet_would_not_emit_in_the_match() {
        let (_, snap) = base();
        let delay = snap.params.start_call_delay;
        let first = format::int(snap.block() + delay);
        let f = form(OrderKind::Launch, &snap, &[Some("Mine")]);
        // Not knowing the end, nothing to say; emitting before it, nothing either.
        assert_eq!(quote(&f, &snap, &none()).warning, None);
        let q = quote(&f.clone().ending_at(snap.block() + delay + 1), &snap, &none());
        assert_eq!(q.warning, None);
        assert!(
            q.lines.iter().any(|(l, v, t)| l == "Emits after"
                && v == &format!("6h 00m (from block {first})")
                && *t == Tone::Plain)
        );
        // It would first emit at the end: the match never runs that block.
        let q = quote(&f.clone().ending_at(snap.block() + delay), &snap, &none());
        assert_eq!(
            q.warning,
            Some(format!(
                "it would first emit at block {first}, when the match ends: it earns nothing in this match and \
                 the lock is spent for nothing"
            ))
        );
        assert!(q.lines.iter().any(|(l, _, t)| l == "Emits after" && *t == Tone::Warn));
        assert_eq!(q.problem, None, "a warning: the player may still launch");
        let q = quote(&f.ending_at(100), &snap, &none());
        assert!(
            q.warning
                .as_deref()
                .is_some_and(|w| w
                    .starts_with(&format!("it would first emit at block {first}, after the match ends at block 100:"))),
            "{q:?}"
        );
    }

    #[test]
    fn the_launch_form_refuses_a_blank_name_or_one_in_use() {
        let (_, snap) = base();
        for typed in ["", "   "] {
            let f = form(OrderKind::Launch, &snap, &[Some(typed)]);
            let said = "enter a name for the subnet";
            assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some(said), "'{typed}'");
            assert_eq!(f.order(&snap, &none()), Err(said.into()));
        }
        for typed in ["Apex", " apex ", "APEX"] {
            let f = form(OrderKind::Launch, &snap, &[Some(typed)]);
            let said = "SN1 is already named Apex: choose another name";
            let q = quote(&f, &snap, &none());
            assert_eq!(q.problem.as_deref(), Some(said), "'{typed}'");
            assert!(labels(&q).contains(&"Lock cost"), "the costs still show");
            assert_eq!(f.order(&snap, &none()), Err(said.into()));
        }
        for typed in ["tao accumulation CORP", "TAO  Accumulation\tcorp"] {
            let f = form(OrderKind::Launch, &snap, &[Some(typed)]);
            assert!(
                quote(&f, &snap, &none()).problem.is_some_and(|p| p.starts_with("SN28 is already named")),
                "{typed}"
            );
        }
        // A launch of that name already queued.
        let queued =
            Queued { orders: vec![Order::LaunchSubnet { name: "Mine".into(), mechanism: Mechanism::Utility }] };
        let f = form(OrderKind::Launch, &snap, &[Some("mine")]);
        let said = "a launch named mine is already queued: choose another name";
        assert_eq!(quote(&f, &snap, &queued).problem.as_deref(), Some(said));
        assert_eq!(f.order(&snap, &queued), Err(said.into()));
        // An invisible mark would let it pass for another subnet's name.
        let f = form(OrderKind::Launch, &snap, &[Some("Ap\u{200b}ex II")]);
        let said = "the name holds an invisible character (U+200B): type the name again";
        assert_eq!(f.order(&snap, &none()), Err(said.into()));
        // A new name goes.
        let f = form(OrderKind::Launch, &snap, &[Some(" Apex II ")]);
        assert_eq!(quote(&f, &snap, &none()).problem, None);
        assert_eq!(
            f.order(&snap, &none()),
            Ok(Order::LaunchSubnet { name: "Apex II".into(), mechanism: Mechanism::Utility })
        );
    }

    #[test]
    fn a_form_says_what_blocks_it_before_what_is_quick_to_fix() {
        // A launch the player cannot pay for: the lock, not the missing name.
        let mut snap = holding();
        snap.me.as_mut().expect("a player").free_rao = snap.view.lock_cost_rao / 2;
        let f = form(OrderKind::Launch, &snap, &[Some("")]);
        let problem = quote(&f, &snap, &none()).problem.unwrap_or_default();
        assert!(problem.starts_with("not enough free TAO for the ") && problem.contains(" τ lock"), "{problem}");
        // With the TAO, the name is asked for.
        let snap = holding();
        let mut rich = snap.clone();
        rich.me.as_mut().expect("a player").free_rao = 2 * snap.view.lock_cost_rao;
        let f = form(OrderKind::Launch, &rich, &[Some("")]);
        assert_eq!(quote(&f, &rich, &none()).problem.as_deref(), Some("enter a name for the subnet"));
        // An unstake from a subnet the player holds nothing on: that, not "enter an amount".
        let f = form(OrderKind::Unstake, &snap, &[Some("9"), Some("")]);
        assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some("you have no alpha on SN9"));
        let f = form(OrderKind::Unstake, &snap, &[Some("1"), Some("")]);
        assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some("enter an amount"));
    }

    #[test]
    fn the_miner_form_refuses_a_subnet_the_player_mines_on() {
        let (_, mut snap) = base();
        snap.me.as_mut().expect("a player").miner_on = vec![1];
        let f = form(OrderKind::RegisterMiner, &snap, &[Some("1")]);
        let said = "already registered as a miner on SN1";
        let q = quote(&f, &snap, &none());
        assert_eq!(q.problem.as_deref(), Some(said));
        assert!(labels(&q).contains(&"Burn"));
        assert_eq!(f.order(&snap, &none()), Err(said.into()));
        // Another subnet goes; one with a registration queued does not.
        let f = form(OrderKind::RegisterMiner, &snap, &[Some("4")]);
        assert_eq!(f.order(&snap, &none()), Ok(Order::RegisterMiner { netuid: 4 }));
        let queued = Queued { orders: vec![Order::RegisterMiner { netuid: 4 }] };
        assert_eq!(f.order(&snap, &queued), Err("a miner registration on SN4 is already queued".into()));
    }

    /// The game with `change` made to its snapshot, an order form opened with `key`, and
    /// `typed` typed into it, then Enter: the form stays open, nothing is sent, the form
    /// and the status bar say `said`.
    fn enter_is_refused(change: impl FnOnce(&mut Snapshot), key: &str, typed: &str, said: &str) {
        use crate::session::handle::Command;
        use crate::tui::app::Overlay;
        use crate::tui::testing::{app_with, keys, text};
        let mut app = app_with(change);
        keys(&mut app, key);
        assert!(matches!(app.overlay(), Some(Overlay::Order(_))), "{key} opens a form");
        keys(&mut app, typed);
        let screen = text(&mut app, 80, 24);
        assert!(screen.contains(&format!("✗ {said}")), "{said}\n{screen}");
        app.take_commands();
        keys(&mut app, "\n");
        assert!(matches!(app.overlay(), Some(Overlay::Order(_))), "the form stays open");
        let sent = app.take_commands();
        assert!(!sent.iter().any(|c| matches!(c, Command::Submit(_))), "{sent:?}");
        assert!(app.queued().is_empty());
        assert_eq!(app.toast().map(|t| t.text.as_str()), Some(format!("✗ {said}").as_str()));
    }

    #[test]
    fn enter_does_not_submit_a_refused_launch_or_miner_form() {
        enter_is_refused(|_| {}, "L", "  ", "enter a name for the subnet");
        enter_is_refused(|_| {}, "L", "apex", "SN1 is already named Apex: choose another name");
        let mine = |s: &mut Snapshot| s.me.as_mut().expect("a player").miner_on = vec![1];
        enter_is_refused(mine, "M", "", "already registered as a miner on SN1");
        enter_is_refused(|_| {}, "s", "0%", "0% is nothing: enter a percentage above 0");
    }

    #[test]
    fn the_game_warns_about_a_launch_that_never_emits() {
        use crate::tui::testing::{app_with, keys, text};
        // The tutorial ends at block 7,200 and a launch emits 1,800 blocks later.
        let mut app = app_with(|s| s.view.block = 5399);
        keys(&mut app, "LMine");
        let screen = text(&mut app, 80, 24);
        assert!(screen.contains("(from block 7,199)") && !screen.contains("⚠ it would first emit"), "{screen}");
        let mut app = app_with(|s| s.view.block = 5400);
        keys(&mut app, "LMine");
        let screen = text(&mut app, 80, 24).replace(['│', '\n'], " ");
        let screen = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            screen.contains(
                "⚠ it would first emit at block 7,200, when the match ends: it earns nothing in this match and the \
                 lock is spent for nothing"
            ),
            "{screen}"
        );
    }

    #[test]
    fn minus_zero_is_not_too_large_but_negative() {
        for typed in ["-0", "-1", "-0.5", "-10%"] {
            let e = parse_amount(typed, 7).expect_err(typed);
            assert!(e.contains("must be positive") && !e.contains("too large"), "{typed}: {e}");
        }
    }

    #[test]
    fn queued_orders_count_against_free_tao() {
        let (_, mut snap) = base();
        snap.me.as_mut().expect("a player").free_rao = 1000 * TAO;
        let f = form(OrderKind::Stake, &snap, &[None, Some("600")]);
        assert_eq!(quote(&f, &snap, &none()).problem, None);
        let queued = Queued { orders: vec![Order::Stake { netuid: 4, tao: Tao(600 * TAO), limit: None }] };
        let q = quote(&f, &snap, &queued);
        assert_eq!(
            q.problem.as_deref(),
            Some("not enough free TAO after your queued orders: 400.00 τ of your 1,000.00 τ is left")
        );
        assert!(q.lines.iter().any(|(l, v, _)| l == "Free" && v.contains("400.00 τ after your queued orders")));
        // `max` is what is left.
        let f = form(OrderKind::StakeRoot, &snap, &[Some("max")]);
        assert_eq!(f.order(&snap, &queued), Ok(Order::StakeRoot { tao: Tao(400 * TAO) }));
        // A queued root unstake gives its TAO back first, exactly.
        let mut more = queued.clone();
        more.orders.push(Order::UnstakeRoot { tao: Tao(300 * TAO) });
        let f = form(OrderKind::Stake, &snap, &[None, Some("600")]);
        assert_eq!(quote(&f, &snap, &more).problem, None);
        // A queued sale may bring in enough: a warning, not a problem.
        let mut selling = queued;
        selling.orders.push(Order::Dump { netuid: Some(4) });
        let q = quote(&f, &snap, &selling);
        assert_eq!(q.problem, None);
        assert!(q.warning.is_some_and(|w| w.contains("unless your queued orders bring in more")));
        // Launching: the lock counts too.
        let launch = Queued { orders: vec![Order::LaunchSubnet { name: "x".into(), mechanism: Mechanism::Utility }] };
        let f = form(OrderKind::Stake, &snap, &[None, Some("960")]);
        assert!(snap.view.lock_cost_rao >= 50 * TAO && snap.view.lock_cost_rao < 1000 * TAO);
        assert!(quote(&f, &snap, &launch).problem.is_some_and(|p| p.contains("after your queued orders")));
    }

    #[test]
    fn the_figure_shown_for_a_position_sells_all_of_it() {
        let (_, mut snap) = base();
        // Shown rounded up (typing it asked for more than held), and rounded down
        // (typing it left dust).
        for (held, shown, typed) in [
            (88_123_456_789, "88.1235", "88.1235"),
            (88_123_456_789, "88.1235", "88.12346"),
            (88_123_440_000, "88.1234", "88.1234"),
        ] {
            snap.me.as_mut().expect("a player").positions =
                vec![Position { netuid: 1, name: "Apex".into(), alpha_rao: held, ..Position::default() }];
            assert_eq!(format::rao(held), shown);
            let f = form(OrderKind::Unstake, &snap, &[None, Some(typed)]);
            let q = quote(&f, &snap, &none());
            assert_eq!(q.problem, None, "{typed}");
            assert!(q.lines.iter().any(|(l, v, _)| l == "You sell" && v.contains("(all of it)")), "{typed}: {q:?}");
            assert_eq!(
                f.order(&snap, &none()),
                Ok(Order::Unstake { netuid: 1, alpha: Alpha(held), limit: None }),
                "{typed}"
            );
        }
        let held = 88_123_456_789;
        snap.me.as_mut().expect("a player").positions =
            vec![Position { netuid: 1, name: "Apex".into(), alpha_rao: held, ..Position::default() }];
        // Beyond the rounding it is what was typed, and more than held is a problem.
        let f = form(OrderKind::Unstake, &snap, &[None, Some("88.2")]);
        assert!(quote(&f, &snap, &none()).problem.is_some_and(|p| p.contains("not enough alpha on SN1")));
        let f = form(OrderKind::Unstake, &snap, &[None, Some("88")]);
        assert_eq!(f.order(&snap, &none()), Ok(Order::Unstake { netuid: 1, alpha: Alpha(88 * TAO), limit: None }));
        // Moving the shown figure moves all of it too.
        let f = form(OrderKind::Move, &snap, &[Some("1"), Some("4"), Some("88.1235")]);
        assert_eq!(f.order(&snap, &none()), Ok(Order::Move { from: 1, to: 4, alpha: Alpha(held) }));
    }

    #[test]
    fn the_launch_form_says_the_lock_leaves_the_score() {
        let (_, snap) = base();
        let f = form(OrderKind::Launch, &snap, &[Some("Mine")]);
        let q = quote(&f, &snap, &none());
        let text: Vec<String> = q.lines.iter().map(|(l, v, _)| format!("{l}: {v}")).collect();
        let text = text.join("\n");
        assert!(text.contains("Your score: falls by the 50.0000 τ lock"), "{text}");
        assert!(text.contains("Paid back: if it is dissolved: the lock less the owner cut's value"), "{text}");
    }

    #[test]
    fn amounts_parse() {
        assert_eq!(parse_amount("10", 0), Ok(10_000_000_000));
        assert_eq!(parse_amount("0.5", 0), Ok(500_000_000));
        assert_eq!(parse_amount("1,000", 0), Ok(1_000_000_000_000));
        assert_eq!(parse_amount("12,345.5", 0), Ok(12_345_500_000_000));
        // A decimal comma is refused, never read as a bigger number ("1,5" was 15).
        for t in ["1,5", "0,5", "1,50", "12,34,5", "1,0000", ",5", "1.5,0"] {
            let e = parse_amount(t, 0).expect_err(t);
            assert!(e.contains("write decimals with a point (1.5), not a comma"), "{t}: {e}");
        }
        assert_eq!(parse_amount("50%", 1_000_000_000), Ok(500_000_000));
        assert_eq!(parse_amount("max", 7), Ok(7));
        assert_eq!(parse_amount("ALL", 7), Ok(7));
        // Typed digits are exact, to the rao, past a float's 16 digits.
        assert_eq!(parse_amount("12345678.123456789", 0), Ok(12_345_678_123_456_789));
        assert_eq!(parse_amount(".5", 0), Ok(500_000_000));
        assert_eq!(parse_amount("1e3", 0), Ok(1_000_000_000_000));
        assert_eq!(parse_amount("1.5000000000", 0), Ok(1_500_000_000), "trailing zeros are no more decimals");
        // More decimals than a rao holds are refused, not cut without a word; below a
        // rao is the caller's "below the smallest unit".
        let e = parse_amount("1.1234567891234", 0).expect_err("10+ decimals");
        assert!(e.contains("more than 9 decimals"), "{e}");
        assert_eq!(parse_amount("0.0000000001", 0), Ok(0));
        // Beyond what any amount can be: what the player has, not the engine's limit.
        let e = parse_amount("99999999999999999999999", 100_000_000_000).expect_err("too large");
        assert_eq!(e, "'99999999999999999999999' is more than there is: you have 100.00");
        let e = parse_amount("1e30", 100_000_000_000).expect_err("too large");
        assert!(e.contains("more than there is"), "{e}");
        assert!(parse_amount("", 7).is_err());
        assert!(parse_amount("abc", 7).is_err());
        assert!(parse_amount("-1", 7).is_err());
        assert!(parse_amount("150%", 7).is_err());
    }

    #[test]
    fn root_unstake_with_nothing_on_root_says_so_at_once() {
        let (_, snap) = base();
        assert_eq!(snap.me.as_ref().map(|m| m.root_rao), Some(0));
        let f = Form::new(OrderKind::UnstakeRoot, None, &snap);
        let said = "you have nothing on root: r stakes TAO on root";
        assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some(said));
        // A root stake queued before it is something to take off.
        let queued = Queued { orders: vec![Order::StakeRoot { tao: Tao(5 * TAO) }] };
        assert_eq!(quote(&f, &snap, &queued).problem.as_deref(), Some("enter an amount"));
    }

    #[test]
    fn a_move_or_a_sale_starts_on_a_subnet_held() {
        let mut snap = holding();
        let me = snap.me.as_mut().expect("a player");
        me.positions[0].value_rao = 5 * TAO;
        me.positions[1].value_rao = 9 * TAO;
        // The selected subnet if held there, else the largest position.
        for kind in [OrderKind::Move, OrderKind::Unstake, OrderKind::Dump] {
            assert_eq!(Form::new(kind, Some(1), &snap).fields[0].value, "1", "{kind:?}");
            assert_eq!(Form::new(kind, Some(9), &snap).fields[0].value, "4", "{kind:?}");
            assert_eq!(Form::new(kind, None, &snap).fields[0].value, "4", "{kind:?}");
        }
        // A stake starts on the selected subnet, held or not.
        assert_eq!(Form::new(OrderKind::Stake, Some(9), &snap).fields[0].value, "9");
        // Holding nothing anywhere, it says so.
        snap.me.as_mut().expect("a player").positions.clear();
        let f = Form::new(OrderKind::Move, Some(9), &snap);
        assert_eq!(f.fields[0].value, "9");
        let said = "you hold no alpha anywhere: stake TAO into a subnet first (s)";
        assert_eq!(quote(&f, &snap, &none()).problem.as_deref(), Some(said));
    }

    #[test]
    fn every_amount_hint_names_max_and_all() {
        for kind in [FieldKind::FreeTao, FieldKind::RootTao, FieldKind::AlphaOn(0)] {
            let hint = Field::new("Amount", kind, "").hint();
            assert!(hint.ends_with("or 50%, max/all"), "{hint}");
        }
    }

    #[test]
    fn a_subnet_field_names_its_subnet_once_valid() {
        let (_, snap) = base();
        let name = snap.view.subnets.iter().find(|s| s.netuid == 1).map(|s| s.name.trim()).expect("SN1");
        let mut f = form(OrderKind::Stake, &snap, &[]);
        assert_eq!(f.subnet_name(0, &snap), Some(name));
        assert_eq!(f.subnet_name(1, &snap), None, "an amount field names no subnet");
        for typed in ["", "0", "999", "x"] {
            f.fields[0].value = typed.into();
            assert_eq!(f.subnet_name(0, &snap), None, "{typed:?}");
        }
    }
}
