//! `dtao-arena check FILE`: validates a map and reports every problem with its line.

use std::path::Path;

use super::{CliError, CliResult};

pub fn run(file: &Path) -> CliResult {
    let ext = file.extension().map(|x| x.to_string_lossy().to_ascii_lowercase());
    let shipped = !file.exists() && file.to_str().and_then(crate::script::builtin::find).is_some();
    if ext.as_deref() == Some("lua") || shipped {
        return check_strategy(file);
    }
    if ext.as_deref() == Some(crate::record::EXTENSION) {
        return Err(CliError::input(format!(
            "{}: check takes a map (.toml) or a strategy (.lua); to check a recording, run: dtao-arena replay {} --verify",
            file.display(),
            file.display()
        )));
    }
    let path = file.to_string_lossy();
    let map = crate::scenario::load(&path)?;
    let w = crate::engine::World::new(&map.init).map_err(|e| CliError::input(format!("{path}: {e}")))?;
    let objectives = match (map.objectives.len(), map.objectives.iter().filter(|o| o.goal.is_some()).count()) {
        (0, _) => String::new(),
        (n, 0) => format!(", {n} objectives"),
        (n, g) => format!(", {n} objectives ({g} checked by the game)"),
    };
    out!(
        "ok: map '{}' ({path}): {} subnets, {} accounts, {} NPC groups, {} events{objectives}, {} blocks",
        map.init.name,
        map.init.subnets.len(),
        w.accounts.len(),
        map.init.npcs.len(),
        map.init.events.len(),
        map.blocks
    );
    Ok(())
}

/// Loads a strategy and runs it for a few of its turns on the tutorial map; any fault is
/// reported with its message and exit code 2.
fn check_strategy(file: &Path) -> CliResult {
    let entrant = super::strategy::read(file)?;
    let actor = super::strategy::actor(&entrant, 1, 0)?;
    let map = crate::scenario::load("tutorial")?;
    let mut session = crate::session::Session::new(&map, None, None)?;
    let id = session.add_bot(&entrant.name, Box::new(actor));
    let cadence = session.seats()[0].actor.cadence();
    let turns = 5;
    // A bot decides after the blocks it has run reach a multiple of its cadence (0,
    // cadence, ...): running up to block `cadence * (turns - 1) + 1` gives `turns` calls.
    let end = (cadence * (turns - 1) + 1).min(session.end_block());
    while session.world().block < end {
        session.step()?;
    }
    let faults = session.world().account(id).map_or(0, |a| a.faults);
    let lines: Vec<String> = session
        .log()
        .iter()
        .filter(|l| l.who == entrant.name)
        .map(|l| format!("  [block {}] {}", l.block, l.text))
        .collect();
    let traded =
        session.world().account(id).is_some_and(|a| a.tao_in_rao > 0 || a.root.0 > 0 || a.alpha.iter().any(|x| *x > 0));
    if faults > 0 {
        return Err(CliError::input(format!(
            "{}: {faults} fault(s) in {turns} turns on the tutorial map:\n{}",
            file.display(),
            lines.iter().filter(|l| l.contains("fault")).cloned().collect::<Vec<_>>().join("\n")
        )));
    }
    out!(
        "ok: strategy '{}' ({}): loads, runs {turns} turns (cadence {cadence}) on the tutorial map without a fault{}",
        entrant.name,
        file.display(),
        if traded { "; it trades" } else { "; none of its orders filled" }
    );
    for l in lines.iter().take(10) {
        out!("{l}");
    }
    Ok(())
}
