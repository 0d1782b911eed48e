//! The command line (interface.md): parsing, exit codes and the subcommands. The only
//! layer that wires the others together.
//!
//! Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input (with a message
//! that names the file, the line and what is wrong).

/// `println!` for the commands' output, which goes on when stdout has gone away (`sim
/// --json | head`): `println!` would panic there, and a tournament would lose the files it
/// writes after its table.
macro_rules! out {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod check;
mod fsutil;
mod join;
mod play;
mod recfile;
mod replay;
mod serve;
mod signals;
mod sim;
mod strategy;
mod sweep;
mod tournament;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An error for the user, with the exit code it deserves.
#[derive(Debug)]
pub struct CliError {
    /// 1 (runtime) or 2 (usage, input).
    pub code: u8,
    /// What went wrong and how to fix it.
    pub message: String,
}

impl CliError {
    /// Bad usage or bad input: exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        Self { code: 2, message: message.into() }
    }
    /// A runtime failure: exit code 1.
    pub fn runtime(message: impl Into<String>) -> Self {
        Self { code: 1, message: message.into() }
    }
}

impl From<crate::scenario::MapError> for CliError {
    fn from(e: crate::scenario::MapError) -> Self {
        Self::input(e.to_string())
    }
}

impl From<crate::engine::EngineError> for CliError {
    fn from(e: crate::engine::EngineError) -> Self {
        Self::runtime(e.to_string())
    }
}

/// Result of a subcommand.
pub type CliResult = Result<(), CliError>;

/// A progress bar on stderr when it is a terminal, hidden otherwise.
pub(crate) fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len);
    let template = format!("{{spinner}} {what} {{pos}}/{{len}} {{wide_bar}} {{elapsed_precise}} (eta {{eta}})");
    b.set_style(
        indicatif::ProgressStyle::with_template(&template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b
}

/// `--blocks`: a whole number from 1 to [`crate::scenario::MAX_BLOCKS`], as a map's
/// `blocks` is.
///
/// # Errors
/// Anything else, with the range.
pub fn parse_blocks(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=crate::scenario::MAX_BLOCKS).contains(&n) => Ok(n),
        _ => Err(format!(
            "give a whole number of blocks from 1 to {} (a day is 7200, a year 2628000)",
            crate::scenario::MAX_BLOCKS
        )),
    }
}

/// Parses `--seed`: a whole number from 0 to 2^64 - 1.
///
/// # Errors
/// Anything else, with the range.
pub fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim().parse::<u64>().map_err(|_| format!("give a whole number from 0 to {} (such as 7)", u64::MAX))
}

const AFTER_HELP: &str = "\
Examples:
  dtao-arena                                   play on the default map (dtao-launch)
  dtao-arena sim --map tutorial                run the tutorial headless and print a summary
  dtao-arena sim --map dtao-launch --blocks 7200 --seed 7 --json > day1.json
  dtao-arena sim --map dtao-launch --trace run.csv --every 360
  dtao-arena maps                              list the built-in maps
  dtao-arena sim --map tutorial --bot strategies/momentum.lua
  dtao-arena tournament --strategies strategies/ --matches 32 --jobs 2 --out results/
  dtao-arena sim --map tutorial --record day.dtrec    record a match; then:
  dtao-arena replay day.dtrec                  watch it (space, +/-, t to seek, n next event)
  dtao-arena replay day.dtrec --verify         re-simulate it and check every state hash
  dtao-arena play --load save.dtrec            resume a saved game
  dtao-arena check maps/my-map.toml            validate a map and list every problem
  dtao-arena check my_bot.lua                  load a strategy and run it a few turns
  dtao-arena serve --map tutorial --bot momentum    host a workshop room; prints the room code
  dtao-arena join 192.168.1.20:7447 --name ana --code K7M2QX     join it in the game
  dtao-arena join 192.168.1.20:7447 --code K7M2QX --spectate     watch it (a projector)
  dtao-arena join 192.168.1.20:7447 --code K7M2QX --bot my_bot.lua   enter a Lua bot";

/// dTAO Arena: Bittensor's Dynamic TAO economy as a terminal game and a strategy tournament.
#[derive(Debug, Parser)]
#[command(name = "dtao-arena", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Play a local match in the terminal: you against the shipped bots and the map's NPCs.
    Play(play::PlayArgs),
    /// Run a headless match and print a summary table, or the JSON report with --json.
    Sim(sim::SimArgs),
    /// Run many matches of strategies in parallel and print the leaderboard.
    Tournament(tournament::TournamentArgs),
    /// Run a map over values of a parameter and over seeds, in parallel; a table and a CSV.
    #[command(after_help = sweep::AFTER_HELP)]
    Sweep(sweep::SweepArgs),
    /// Watch a recorded match or save in the terminal; --verify re-simulates it and checks every state hash.
    Replay(replay::ReplayArgs),
    /// Host a shared world for a workshop (prints the room code; host commands on stdin).
    Serve(serve::ServeArgs),
    /// Join a shared world: play in the terminal, --spectate, or --bot FILE.lua.
    Join(join::JoinArgs),
    /// List the built-in maps.
    Maps,
    /// List the shipped strategies.
    Strategies,
    /// Validate a map (.toml) or a strategy (.lua) and report every problem with its line.
    Check {
        /// The map (.toml) or strategy (.lua) to check.
        file: PathBuf,
    },
}

/// Parses the arguments, runs the command, and maps errors to exit codes.
#[must_use]
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

fn run(cli: Cli) -> CliResult {
    match cli.command {
        None => play::run(&play::PlayArgs {
            map: crate::scenario::DEFAULT_MAP.into(),
            name: "you".into(),
            ..play::PlayArgs::default()
        }),
        Some(Command::Play(a)) => play::run(&a),
        Some(Command::Sim(a)) => sim::run(&a),
        Some(Command::Tournament(a)) => tournament::run(&a),
        Some(Command::Sweep(a)) => sweep::run(&a),
        Some(Command::Replay(a)) => replay::run(&a),
        Some(Command::Serve(a)) => serve::run(&a),
        Some(Command::Join(a)) => join::run(&a),
        Some(Command::Maps) => {
            maps();
            Ok(())
        }
        Some(Command::Strategies) => {
            for b in crate::script::builtin::ALL {
                out!("{:<16} {}", b.name, b.description());
            }
            out!(
                "\nUse one by name (--bot momentum, --strategies momentum yield_chaser) or copy strategies/template.lua to write your own."
            );
            Ok(())
        }
        Some(Command::Check { file }) => check::run(&file),
    }
}

fn maps() {
    let list = crate::scenario::builtins();
    let width = list.iter().map(|b| b.name.len()).max().unwrap_or(0);
    for b in list {
        out!("{:width$}  {}", b.name, b.description);
    }
}
