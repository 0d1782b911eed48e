//! `dtao-arena play` (and no arguments): the terminal game. Loads the map and the
//! opponents, starts the match on its own thread behind a
//! [`SessionHandle`](crate::session::handle::SessionHandle), and hands the terminal to
//! the [`tui`](crate::tui).

use std::io::IsTerminal;

use super::{CliError, CliResult};
use crate::session::Session;
use crate::session::handle::{HandleOptions, SPEEDS_BLOCKS_PER_SEC, SessionHandle, Setup};
use crate::session::lua::LuaActor;
use crate::tournament::Entrant;

/// The shipped opponents of a match without `--bot`: `(name, Lua source)`: a trend
/// follower, a rider of the default map's memecoin story, and the passive benchmark.
/// Add or remove a line to change them.
const SHIPPED_BOTS: &[(&str, &str)] = &[
    ("momentum", include_str!("../../strategies/momentum.lua")),
    ("meme_rider", include_str!("../../strategies/meme_rider.lua")),
    ("root_holder", include_str!("../../strategies/root_holder.lua")),
];

/// Options of `play`.
#[derive(Debug, clap::Args, Default)]
pub struct PlayArgs {
    /// Built-in map name or path to a map file.
    #[arg(long, default_value = "dtao-launch")]
    pub map: String,
    /// Match seed (default: the map's).
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// A Lua strategy to seat as an opponent (repeatable; default: three shipped bots).
    #[arg(long = "bot", value_name = "FILE")]
    pub bots: Vec<std::path::PathBuf>,
    /// Your player name.
    #[arg(long, default_value = "you")]
    pub name: String,
    /// Starting speed in blocks per second (the nearest of 1, 2, 5, 10, 30, 60, 120,
    /// 360, 720, 1440, 2880, 7200; default 60).
    #[arg(long, value_name = "BLOCKS_PER_SEC")]
    pub speed: Option<u32>,
    /// Price impact, in percent, above which an order's quote warns (default 2).
    #[arg(long, value_name = "PCT")]
    pub slippage_warn: Option<f64>,
}

pub fn run(a: &PlayArgs) -> CliResult {
    let map = crate::scenario::load(&a.map)?;
    let seed = a.seed.unwrap_or_else(|| map.seed());
    let entrants: Vec<Entrant> = if a.bots.is_empty() {
        SHIPPED_BOTS.iter().map(|(n, s)| Entrant { name: (*n).to_string(), source: (*s).to_string() }).collect()
    } else {
        a.bots.iter().map(|p| super::strategy::read(p)).collect::<Result<_, _>>()?
    };
    // Load each strategy once here so a broken one is a usage error (exit 2) with its
    // message, before the terminal changes mode. The match loads them again on its own
    // thread (Lua states cannot move between threads).
    for (seat, e) in entrants.iter().enumerate() {
        super::strategy::actor(e, seed, seat)?;
    }
    let slippage = a.slippage_warn.unwrap_or(2.0);
    if !slippage.is_finite() || slippage < 0.0 {
        return Err(CliError::input("--slippage-warn must be a percentage of 0 or more, such as 2"));
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::input(
            "the game needs an interactive terminal; for a headless run use `dtao-arena sim --map NAME`",
        ));
    }
    let speed_index = a.speed.map_or(crate::session::handle::DEFAULT_SPEED_INDEX, |bps| {
        SPEEDS_BLOCKS_PER_SEC.iter().enumerate().min_by_key(|(_, s)| s.abs_diff(bps)).map_or(0, |(k, _)| k)
    });
    let name = if a.name.trim().is_empty() { "you".to_string() } else { a.name.trim().to_string() };
    let options = HandleOptions { speed_index, ..HandleOptions::default() };
    let mut handle = SessionHandle::spawn(
        move || {
            let mut session = Session::new(&map, Some(seed), None).map_err(|e| e.to_string())?;
            let human = session.add_human(&name);
            for (seat, e) in entrants.iter().enumerate() {
                let actor = LuaActor::load(&e.name, &e.source, seed, seat).map_err(|err| err.to_string())?;
                session.add_bot(&e.name, Box::new(actor));
            }
            Ok(Setup { session, human: Some(human) })
        },
        options,
    )
    .map_err(|e| CliError::runtime(e.to_string()))?;
    let tui_options = crate::tui::Options { slippage_warn: slippage / 100.0, ..crate::tui::Options::default() };
    crate::tui::run(&mut handle, crate::tui::Theme::from_env(), tui_options)
        .map_err(|e| CliError::runtime(format!("the terminal failed: {e}")))
}
