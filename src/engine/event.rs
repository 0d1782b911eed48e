//! What happened in a block, for logs, UIs and bots' `w.results`.

use super::init::EventKind;
use super::order::{Fill, Order, Reject};
use super::world::{AccountId, Netuid};

/// Something that happened. `World::events` holds the last block's.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// An order was applied.
    Applied { block: u64, account: AccountId, order: Order, fill: Fill },
    /// An order was rejected; nothing changed.
    Rejected { block: u64, account: AccountId, order: Order, reason: Reject },
    /// A scripted map event fired.
    Scripted { block: u64, kind: EventKind },
    /// A subnet was launched.
    Launched { block: u64, netuid: Netuid, name: String, owner: AccountId },
    /// A subnet was dissolved to make room; `paid` is what each account holding its alpha
    /// got for it (account, alpha, TAO), by account id.
    Dissolved { block: u64, netuid: Netuid, name: String, paid: Vec<(AccountId, u64, u64)> },
    /// A revenue subnet bought back `alpha` of its alpha with `tao` of outside income at
    /// its epoch; burned, or paid to its holders.
    BoughtBack { block: u64, netuid: Netuid, tao: u64, alpha: u64, to_holders: bool },
}
