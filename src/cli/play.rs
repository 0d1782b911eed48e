//! `dtao-arena play` (and no arguments): the terminal game.
//!
//! Until the TUI lands this runs the map headless and prints the summary.

use super::CliResult;

/// Options of `play`.
#[derive(Debug, clap::Args, Default)]
pub struct PlayArgs {
    /// Built-in map name or path to a map file.
    #[arg(long, default_value = "dtao-launch")]
    pub map: String,
    /// Match seed (default: the map's).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// A Lua strategy to seat as an opponent (repeatable; a file or a shipped strategy's name).
    #[arg(long = "bot", value_name = "FILE")]
    pub bots: Vec<std::path::PathBuf>,
    /// Your player name.
    #[arg(long, default_value = "you")]
    pub name: String,
}

pub fn run(a: &PlayArgs) -> CliResult {
    eprintln!("The terminal game is not built yet; here is a headless run of '{}' instead.", a.map);
    super::sim::run(&super::sim::SimArgs {
        map: a.map.clone(),
        seed: a.seed,
        bots: a.bots.clone(),
        ..super::sim::SimArgs::default()
    })
}
