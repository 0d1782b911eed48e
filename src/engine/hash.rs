//! The stable state hash: blake3 over a canonical, versioned byte encoding of the whole
//! state (every field that can influence a future block), in netuid and id order.
//! Pinned by a test against a checked-in constant.

use super::world::World;

/// A state hash.
pub type StateHash = [u8; 32];

struct Enc(blake3::Hasher);

impl Enc {
    fn u64(&mut self, x: u64) {
        self.0.update(&x.to_le_bytes());
    }
    fn i64(&mut self, x: i64) {
        self.0.update(&x.to_le_bytes());
    }
    fn u128(&mut self, x: u128) {
        self.0.update(&x.to_le_bytes());
    }
    fn i128(&mut self, x: i128) {
        self.0.update(&x.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.update(s.as_bytes());
    }
}

impl World {
    /// The state hash now. Same map, seed and orders give the same hash at every block,
    /// on every machine.
    #[must_use]
    pub fn state_hash(&self) -> StateHash {
        let mut e = Enc(blake3::Hasher::new());
        e.0.update(b"dtao-arena/state/v1\0");
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
        e.str(&format!("{:?}", self.params));
        for s in self.subnets() {
            e.u64(u64::from(s.netuid));
            e.str(&s.name);
            e.str(s.mechanism.name());
            for x in [s.tao, s.alpha_in, s.alpha_out, s.lock, s.owner_emission_value, s.pending_owner, s.pending_miner] {
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
                for x in [u64::from(m.quality), m.sell_fraction.0, m.alpha, m.tao, m.to_sell, m.chunks_left, m.sold_window] {
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
                e.0.update(&[*p as u8]);
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
            e.str(&format!("{o:?}"));
        }
        e.u64(self.script_next as u64);
        e.u128(self.rng_order.word_pos());
        e.u128(self.rng_npc.word_pos());
        *e.0.finalize().as_bytes()
    }

    /// The state hash as lowercase hex.
    #[must_use]
    pub fn state_hash_hex(&self) -> String {
        self.state_hash().iter().map(|b| format!("{b:02x}")).collect()
    }
}
