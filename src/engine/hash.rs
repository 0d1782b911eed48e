//! The stable state hash: blake3 over a canonical, versioned byte encoding of the whole
//! state (every field that can influence a future block), in netuid and id order.
//! Pinned by a test against a checked-in constant.

use super::world::World;

/// A state hash.
pub type StateHash = [u8; 32];

/// The encoder: bytes gather in a buffer that goes to the hasher in large pieces (one
/// `update` per field would cost ten times more on a world of hundreds of accounts).
/// The bytes, so the hash, are exactly those of one `update` per field.
struct Enc {
    hasher: blake3::Hasher,
    buf: Vec<u8>,
}

const FLUSH_BYTES: usize = 1 << 16;

impl Enc {
    fn new() -> Self {
        Self { hasher: blake3::Hasher::new(), buf: Vec::with_capacity(FLUSH_BYTES + 64) }
    }
    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= FLUSH_BYTES {
            self.hasher.update(&self.buf);
            self.buf.clear();
        }
    }
    fn u64(&mut self, x: u64) {
        self.bytes(&x.to_le_bytes());
    }
    fn i64(&mut self, x: i64) {
        self.bytes(&x.to_le_bytes());
    }
    fn u128(&mut self, x: u128) {
        self.bytes(&x.to_le_bytes());
    }
    fn i128(&mut self, x: i128) {
        self.bytes(&x.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }
    fn finish(mut self) -> StateHash {
        self.hasher.update(&self.buf);
        *self.hasher.finalize().as_bytes()
    }
}

impl World {
    /// The state hash now. Same map, seed and orders give the same hash at every block,
    /// on every machine.
    #[must_use]
    pub fn state_hash(&self) -> StateHash {
        let mut e = Enc::new();
        e.bytes(b"dtao-arena/state/v1\0");
        e.u64(u64::from(super::ENGINE_VERSION));
        e.u64(self.seed);
        e.u64(self.block);
        e.u64(self.total_issuance);
        e.u64(self.total_root);
        let l = &self.ledger;
        for x in [l.genesis, l.minted, l.recycled, l.burned, l.external_inflow, self.lock.last_lock] {
            e.u64(x);
        }
        e.u64(self.lock.last_lock_block.map_or(u64::MAX, |b| b));
        encode_params(&mut e, &self.params);
        for s in self.subnets() {
            e.u64(u64::from(s.netuid));
            e.str(&s.name);
            e.str(s.mechanism.name());
            for x in [s.tao, s.alpha_in, s.alpha_out, s.lock, s.owner_emission_value, s.pending_owner, s.pending_miner]
            {
                e.u64(x);
            }
            for x in [s.pending_validator, s.pending_root_tao, s.pending_root_alpha, s.alpha_issued, s.alpha_recycled] {
                e.u64(x);
            }
            e.u64(s.alpha_burned);
            e.u128(s.moving_price.to_bits());
            e.i128(s.flow);
            e.i128(s.flow_ema.to_bits());
            e.i64(s.registered_at);
            e.i64(s.first_emission);
            e.u64(u64::from(s.owner.0));
            for m in &s.miners {
                for x in
                    [u64::from(m.quality), m.sell_fraction.0, m.alpha, m.tao, m.to_sell, m.chunks_left, m.sold_window]
                {
                    e.u64(x);
                }
            }
        }
        for a in &self.accounts {
            e.str(&a.name);
            e.u64(a.free.0);
            e.u64(a.root.0);
            for (n, x) in a.alpha.iter().enumerate() {
                if *x > 0 || a.miner[n] || a.sold_window[n] > 0 {
                    e.u64(n as u64);
                    e.u64(*x);
                    e.u64(u64::from(a.miner[n]));
                    e.u64(a.sold_window[n]);
                }
            }
            for p in &a.policy {
                e.str(p.name());
            }
            for (n, x) in &a.root_weights {
                e.u64(u64::from(*n));
                e.u64(u64::from(*x));
            }
            e.u64(u64::from(a.faults));
        }
        for c in &self.npcs.retail {
            e.str(&c.cfg.name);
            for h in &c.hype {
                e.i64(*h);
            }
            for m in &c.members {
                e.u64(m.next);
                for (p, cost) in m.last_price.iter().zip(&m.cost) {
                    e.u128(*p);
                    e.u64(*cost);
                }
            }
        }
        for (acct, o) in &self.queue {
            e.u64(u64::from(acct.0));
            encode_order(&mut e, o);
        }
        e.u64(self.script_next as u64);
        e.u128(self.rng_order.word_pos());
        e.u128(self.rng_npc.word_pos());
        e.finish()
    }

    /// The state hash as lowercase hex.
    #[must_use]
    pub fn state_hash_hex(&self) -> String {
        self.state_hash().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn encode_params(e: &mut Enc, p: &super::params::Params) {
    e.str(p.emission_mode.name());
    for x in [p.tempo, p.tao_weight.0, p.owner_cut.0, p.moving_alpha.0, p.ema_halving_blocks, p.flow_alpha.0] {
        e.u64(x);
    }
    for x in [p.staking_fee.0, p.min_stake.0, p.min_pool_liquidity.0, p.min_lock.0, p.initial_lock.0] {
        e.u64(x);
    }
    for x in [p.lock_reduction_interval, p.start_call_delay, p.network_immunity, p.miner_burn.0, p.kappa.0] {
        e.u64(x);
    }
    for x in [p.subnet_limit, p.max_validators, p.max_root_voters] {
        e.u64(u64::from(x));
    }
    e.u64(p.miner_sell_chunks);
}

fn encode_order(e: &mut Enc, o: &super::order::Order) {
    use super::order::Order;
    e.str(o.kind());
    let limit = |l: &Option<super::math::U64F64>| l.map_or(u128::MAX, |x| x.to_bits());
    match o {
        Order::Stake { netuid, tao, limit: l } => {
            e.u64(u64::from(*netuid));
            e.u64(tao.0);
            e.u128(limit(l));
        }
        Order::Unstake { netuid, alpha, limit: l } => {
            e.u64(u64::from(*netuid));
            e.u64(alpha.0);
            e.u128(limit(l));
        }
        Order::Dump { netuid } => e.u64(netuid.map_or(u64::MAX, u64::from)),
        Order::Move { from, to, alpha } => {
            e.u64(u64::from(*from));
            e.u64(u64::from(*to));
            e.u64(alpha.0);
        }
        Order::StakeRoot { tao } | Order::UnstakeRoot { tao } => e.u64(tao.0),
        Order::LaunchSubnet { name, mechanism } => {
            e.str(name);
            e.str(mechanism.name());
        }
        Order::RegisterMiner { netuid } => e.u64(u64::from(*netuid)),
        Order::SetWeights { netuid, policy } => {
            e.u64(u64::from(*netuid));
            e.str(policy.name());
        }
        Order::SetRootWeights { weights } => {
            for (n, x) in weights {
                e.u64(u64::from(*n));
                e.u64(u64::from(*x));
            }
        }
    }
}
