//! `dtao-arena check FILE`: validates a map and reports every problem with its line.

use std::path::Path;

use super::{CliError, CliResult};

pub fn run(file: &Path) -> CliResult {
    let path = file.to_string_lossy();
    let map = crate::scenario::load(&path)?;
    let w = crate::engine::World::new(&map.init).map_err(|e| CliError::input(format!("{path}: {e}")))?;
    println!(
        "ok: map '{}' ({path}): {} subnets, {} accounts, {} NPC groups, {} events, {} blocks",
        map.init.name,
        map.init.subnets.len(),
        w.accounts.len(),
        map.init.npcs.len(),
        map.init.events.len(),
        map.blocks
    );
    Ok(())
}
