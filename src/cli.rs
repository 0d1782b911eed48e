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

/// The exit code of a command its user stopped (Ctrl-C), as a shell reports SIGINT.
pub const STOPPED: u8 = 130;

/// An error for the user, with the exit code it deserves.
#[derive(Debug)]
pub struct CliError {
    /// 1 (runtime), 2 (usage, input) or 130 ([`STOPPED`]).
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
    /// Stopped by its user (Ctrl-C) after finishing cleanly: exit code 130.
    pub fn stopped(message: impl Into<String>) -> Self {
        Self { code: STOPPED, message: message.into() }
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

/// `s` as one shell word, to paste into a command we print: as it is when it needs no
/// quoting, else in single quotes (`my save.dtrec` -> `'my save.dtrec'`).
#[must_use]
/// A path as messages show it: control characters and invisible marks escaped (`\u{1b}`),
/// as in error messages, so that a file name cannot drive the terminal.
pub(crate) fn shown_path(p: &std::path::Path) -> String {
    crate::text::escape_hidden(&p.display().to_string())
}

pub(crate) fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-:+,=@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) { s.to_string() } else { format!("'{}'", s.replace('\'', "'\\''")) }
}

/// A `--map` value: a built-in map's name or a map file's path, which must be UTF-8
/// text (a map's name is shown on every screen and in every file).
pub fn map_arg() -> impl clap::builder::TypedValueParser<Value = String> {
    use clap::builder::TypedValueParser as _;
    clap::builder::OsStringValueParser::new().try_map(|s: std::ffi::OsString| {
        s.into_string().map_err(|s| {
            format!("'{}' is not UTF-8 text (the � marks bytes that are not): rename the map file", s.to_string_lossy())
        })
    })
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

/// Parses `check --turns`: a whole number of turns from 1 to 1,000.
///
/// # Errors
/// Anything else, with the range.
pub fn parse_turns(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(n),
        _ => Err("give a whole number of turns from 1 to 1000 (5 if not given)".to_string()),
    }
}

/// Parses `--every`: a whole number of blocks, at least 1.
///
/// # Errors
/// Anything else, with the range and an example.
pub fn parse_every(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("give a whole number of blocks of at least 1 between two samples (360, the default, is a tempo; \
                  7200 a day)"
            .into()),
    }
}

/// Parses a clock's `--speed`: blocks a second, 1 to 7,200 (a day a second).
///
/// # Errors
/// Anything else, with the range.
pub fn parse_speed(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if (1..=7200).contains(&n) => Ok(n),
        _ => {
            Err("give blocks a second from 1 to 7200 (60, the default, is 12 game minutes a second; 7200 a day)".into())
        }
    }
}

/// Parses `--slippage-warn`: a percentage, 0 or more.
///
/// # Errors
/// Anything else, with an example.
pub fn parse_slippage(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches('%').trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err("give a percentage of 0 or more, such as 2 (warn above 2% slippage) or 0.5".into()),
    }
}

/// Parses `--jobs`: worker threads, 1 to 256.
///
/// # Errors
/// Anything else, with the range.
pub fn parse_jobs(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err("give a number of worker threads from 1 to 256 (leave --jobs out to use every core; the results \
                  never depend on it)"
            .into()),
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
  dtao-arena sim --map tutorial --bot momentum  a shipped strategy as a bot
  dtao-arena strategies                        list the shipped strategies
  dtao-arena strategies --show template > my_bot.lua    the API, explained, to start a bot
  dtao-arena tournament --strategies momentum yield_chaser my_bot.lua --matches 32 --out results/
  dtao-arena sweep --map one-year-later --param tao_weight --values 0.2..1.0:0.2 --seeds 2
  dtao-arena sim --map tutorial --record day.dtrec    record a match; then:
  dtao-arena replay day.dtrec                  watch it (space, +/-, t to seek, n next event)
  dtao-arena replay day.dtrec --verify         re-simulate it and check every state hash
  dtao-arena play --load save.dtrec            resume a saved game
  dtao-arena check maps/my-map.toml            validate a map and list every problem
  dtao-arena check my_bot.lua                  load a strategy and run it a few turns
  dtao-arena serve --map tutorial --bot momentum    host a workshop room; prints the room code
  dtao-arena join 192.168.1.20:7447 --name ana --code K7M2QX     join it in the game
  dtao-arena join 192.168.1.20:7447 --code K7M2QX --spectate     watch it (a projector)
  dtao-arena join 192.168.1.20:7447 --code K7M2QX --bot my_bot.lua   enter a Lua bot

Run `dtao-arena help COMMAND` for a command's options and more examples.";

const PLAY_AFTER_HELP: &str = "\
Examples:
  dtao-arena play                              the default map against three shipped bots
  dtao-arena play --map sn28-meme              a lesson: each narration pauses the clock (no bots:
                                               they would change its story; --bot adds some)
  dtao-arena play --map tutorial --bot momentum --bot my_bot.lua --name ana --speed 360
  dtao-arena play --map tutorial --save tutorial.dtrec    save to this file
  dtao-arena play --load tutorial.dtrec        resume a saved game where it was left
  dtao-arena play --load last                  resume the newest saved game that is not over

The game saves every 30 seconds and on quit, by default to a new MAP-DATE-TIME.dtrec
in the platform's data folder (on Linux ~/.local/share/dtao-arena/saves/; the
DTAO_ARENA_DATA environment variable overrides it), and prints the path at the end.";

const SIM_AFTER_HELP: &str = "\
Examples:
  dtao-arena sim --map tutorial                a summary table of a narrated day
  dtao-arena sim --map dtao-launch --blocks 7200 --seed 7 --json > day1.json
  dtao-arena sim --map sn28-meme --trace sn28.csv --every 360    sn28.csv and sn28.accounts.csv
  dtao-arena sim --map tutorial --bot momentum --bot my_bot.lua --record day.dtrec

The JSON report, the trace's columns and the recording format: see README.";

const TOURNAMENT_AFTER_HELP: &str = "\
Examples:
  dtao-arena tournament --strategies strategies/ --matches 32 --jobs 2 --out results/
  dtao-arena tournament --strategies my_bot.lua momentum root_holder --maps tutorial,sn28-meme
  dtao-arena tournament --strategies momentum:lookback=2 momentum:lookback=8 --out results/ --record
  dtao-arena tournament --strategies workshop/ --skip-broken --out results/    play the bots that load

--out DIR gets matches.csv (one row per strategy per match), leaderboard.csv and
leaderboard.json (rank, mean and median ROI, 95% confidence interval, win rate,
faults, forfeits), and by_map.csv (the same for each map alone); --record adds
DIR/replays/match-0000.dtrec, ...";

const REPLAY_AFTER_HELP: &str = "\
Examples:
  dtao-arena replay day.dtrec                  watch it (space, +/-, t to seek, n next event)
  dtao-arena replay day.dtrec --verify         re-simulate it and check every state hash
  dtao-arena replay day.dtrec --verify --json > final.json    the `sim --json` report
  dtao-arena replay day.dtrec --log > log.txt  every line of the match log, whole

Exit codes with --verify (and --json, --log): 0 verified, 1 the match diverged, 2 the file is not a valid
recording (cut short, damaged or from a newer version).";

const SERVE_AFTER_HELP: &str = "\
Examples:
  dtao-arena serve --map tutorial --bot momentum --bot meme_rider    prints the room code
  dtao-arena serve --map sn28-meme --code K7M2QX --speed 120 --record class.dtrec
  dtao-arena serve --map tutorial --start < /dev/null       no terminal: the clock runs at once

Host commands on standard input: resume (or start), pause, speed BPS, events, event K,
players, kick NAME, allow NAME, end, help. Ctrl-C ends the match like `end`; the
standings are printed and the replay written.";

const JOIN_AFTER_HELP: &str = "\
Examples:
  dtao-arena join 192.168.1.20:7447 --name ana --code K7M2QX        play in the terminal
  dtao-arena join 192.168.1.20:7447 --code K7M2QX --spectate        watch it (a projector)
  dtao-arena join 192.168.1.20:7447 --code K7M2QX --bot my_bot.lua  run a Lua bot (headless)

Joining again with the same code, role and name resumes the same account.";

const CHECK_AFTER_HELP: &str = "\
Examples:
  dtao-arena check maps/my-map.toml               every problem with its line (exit code 2)
  dtao-arena check my_bot.lua                     load it and run 5 of its turns on the tutorial map
  dtao-arena check momentum:lookback=8            a shipped strategy, with options
  dtao-arena check my_bot.lua --map dtao-launch   its turns on the map it will play
  dtao-arena check my_bot.lua --turns 40          more turns, for a bot that warms up first";

const STRATEGIES_AFTER_HELP: &str = "\
Examples:
  dtao-arena strategies                                  the shipped strategies, one line each
  dtao-arena strategies --show template > my_bot.lua     the API, explained, to start from
  dtao-arena check my_bot.lua                            then check it, and play against it:
  dtao-arena play --bot my_bot.lua";

const MAPS_AFTER_HELP: &str = "\
Examples:
  dtao-arena maps                                  the built-in maps, one line each
  dtao-arena maps --show tutorial > my-map.toml    a built-in map's source, to change
  dtao-arena check my-map.toml                     then check it, and play it:
  dtao-arena play --map my-map.toml";

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
    #[command(after_help = PLAY_AFTER_HELP)]
    Play(play::PlayArgs),
    /// Run a headless match and print a summary table, or the JSON report with --json.
    #[command(after_help = SIM_AFTER_HELP)]
    Sim(sim::SimArgs),
    /// Run many matches of strategies in parallel and print the leaderboard.
    #[command(after_help = TOURNAMENT_AFTER_HELP)]
    Tournament(tournament::TournamentArgs),
    /// Run a map over values of a parameter and over seeds, in parallel; a table and a CSV.
    #[command(after_help = sweep::AFTER_HELP)]
    Sweep(sweep::SweepArgs),
    /// Watch a recorded match or save in the terminal; --verify re-simulates it and checks every state hash.
    #[command(after_help = REPLAY_AFTER_HELP)]
    Replay(replay::ReplayArgs),
    /// Host a shared world for a workshop (prints the room code; host commands on stdin).
    #[command(after_help = SERVE_AFTER_HELP)]
    Serve(serve::ServeArgs),
    /// Join a shared world: play in the terminal, --spectate, or --bot FILE.lua.
    #[command(after_help = JOIN_AFTER_HELP)]
    Join(join::JoinArgs),
    /// List the built-in maps, or print one's source with --show NAME.
    #[command(after_help = MAPS_AFTER_HELP)]
    Maps {
        /// Print this built-in map's TOML source, to copy and change.
        #[arg(long, value_name = "NAME")]
        show: Option<String>,
    },
    /// List the shipped strategies, or print one's Lua source with --show NAME.
    #[command(after_help = STRATEGIES_AFTER_HELP)]
    Strategies {
        /// Print this shipped strategy's Lua source (`template` explains the whole API).
        #[arg(long, value_name = "NAME")]
        show: Option<String>,
    },
    /// Validate a map (.toml) or a strategy (.lua) and report every problem with its line.
    #[command(after_help = CHECK_AFTER_HELP)]
    Check {
        /// The map (.toml), or the strategy (a .lua file or a shipped name, with options as
        /// NAME:key=value,...) to check.
        #[arg(value_name = "FILE|NAME")]
        file: PathBuf,
        /// For a strategy: the map to run its turns on (a built-in name or a .toml file;
        /// the tutorial if not given).
        #[arg(long, value_name = "MAP")]
        map: Option<String>,
        /// For a strategy: how many of its turns to run (1 to 1,000; 5 if not given), for a
        /// bot that warms up before it trades.
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_turns)]
        turns: Option<u64>,
    },
}

/// Parses the arguments, runs the command, and maps errors to exit codes.
#[must_use]
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(mut e) => {
            suggest_flag(&mut e, std::env::args().skip(1));
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // 130: its user stopped it (Ctrl-C), which is no error.
            let what = if e.code == STOPPED { "stopped" } else { "error" };
            note!("{what}: {}", crate::text::escape_controls(&e.message));
            ExitCode::from(e.code)
        }
    }
}

/// An unknown `--flag` that clap found nothing like (`--mpa`): the closest flag of the
/// command by our own rule (transpositions count as one edit), as clap's tip. And two
/// slips of a first run: a game's flag without `play` (`dtao-arena --map tutorial`),
/// and a map or a strategy given without its flag (`dtao-arena play tutorial`).
fn suggest_flag(e: &mut clap::Error, args: impl Iterator<Item = String>) {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue};
    if e.kind() != clap::error::ErrorKind::UnknownArgument || e.get(ContextKind::SuggestedArg).is_some() {
        return;
    }
    let Some(ContextValue::String(bad)) = e.get(ContextKind::InvalidArg) else { return };
    let bad = bad.clone();
    let root = Cli::command();
    let args: Vec<String> = args.collect();
    let sub = args.iter().filter(|a| !a.starts_with('-')).find_map(|a| root.find_subcommand(a).cloned());
    let cmd = sub.clone().unwrap_or_else(|| root.clone());
    let longs = |c: &clap::Command| -> Vec<String> {
        c.get_arguments().filter_map(|a| a.get_long().map(str::to_string)).collect()
    };
    let tip = |e: &mut clap::Error, text: String| {
        e.insert(ContextKind::Suggested, ContextValue::StyledStrs(vec![text.into()]));
    };
    if let Some(word) = bad.strip_prefix("--").map(|w| w.split('=').next().unwrap_or(w).to_string()) {
        if let Some(best) = crate::scenario::suggest_name(&word, longs(&cmd).iter().map(String::as_str)) {
            e.insert(ContextKind::SuggestedArg, ContextValue::String(format!("--{best}")));
        } else if sub.is_none() && root.find_subcommand("play").is_some_and(|p| longs(p).contains(&word)) {
            let rest = args.join(" ");
            tip(e, format!("the game's options follow 'play': dtao-arena play {rest}"));
        }
        return;
    }
    // A bare word where the command takes none: a map, or a strategy, without its flag.
    let takes = |flag: &str| longs(&cmd).iter().any(|l| l == flag);
    let name = sub.as_ref().map_or("play", clap::Command::get_name);
    let lua = std::path::Path::new(&bad).extension().is_some_and(|x| x.eq_ignore_ascii_case("lua"));
    let strategy = lua || crate::script::builtin::ALL.iter().any(|b| b.name == bad);
    let map = !strategy
        && (std::path::Path::new(&bad).extension().is_some_and(|x| x.eq_ignore_ascii_case("toml"))
            || crate::scenario::builtins().iter().any(|m| m.name == bad));
    let word = shell_word(&bad);
    if map && takes("map") {
        tip(e, format!("a map is given with --map: dtao-arena {name} --map {word}"));
    } else if strategy && takes("bot") {
        tip(e, format!("a strategy is given with --bot: dtao-arena {name} --bot {word}"));
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
        Some(Command::Maps { show: None }) => {
            maps();
            Ok(())
        }
        Some(Command::Maps { show: Some(name) }) => show_map(&name),
        Some(Command::Strategies { show: None }) => {
            for b in crate::script::builtin::ALL {
                out!("{:<16} {}", b.name, b.description());
            }
            out!(
                "\nUse one by name (--bot momentum, --strategies momentum yield_chaser); to write your own, start \
                 from the template, which explains the whole API: dtao-arena strategies --show template > my_bot.lua"
            );
            Ok(())
        }
        Some(Command::Strategies { show: Some(name) }) => show_strategy(&name),
        Some(Command::Check { file, map, turns }) => check::run(&file, map.as_deref(), turns),
    }
}

/// Prints a built-in map's source (the file a teacher copies to write a map).
fn show_map(name: &str) -> CliResult {
    let list = crate::scenario::builtins();
    let names: Vec<&str> = list.iter().map(|b| b.name).collect();
    let b = list
        .iter()
        .find(|b| b.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| no_such(("built-in map", "built-in maps"), name, name.trim(), &names))?;
    out!("{}", b.source.trim_end());
    Ok(())
}

/// Prints a shipped strategy's source (`template` to start one's own).
fn show_strategy(name: &str) -> CliResult {
    let wanted = name.trim();
    let wanted = wanted.strip_suffix(".lua").unwrap_or(wanted);
    let all = crate::script::builtin::ALL;
    let names: Vec<&str> = all.iter().map(|b| b.name).collect();
    let b = all
        .iter()
        .find(|b| b.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| no_such(("shipped strategy", "shipped strategies"), name, wanted, &names))?;
    out!("{}", b.source.trim_end());
    Ok(())
}

/// No `what` (one, many) called `name` (compared as `wanted`): the close one, if any, and
/// the list.
fn no_such(what: (&str, &str), name: &str, wanted: &str, names: &[&str]) -> CliError {
    let close = crate::scenario::suggest_name(wanted, names.iter().copied())
        .map(|n| format!("did you mean '{n}'? "))
        .unwrap_or_default();
    CliError::input(format!(
        "no {} '{}'; {close}the {} are: {}",
        what.0,
        crate::scenario::escape_text(name),
        what.1,
        names.join(", ")
    ))
}

fn maps() {
    let list = crate::scenario::builtins();
    let width = list.iter().map(|b| b.name.len()).max().unwrap_or(0);
    for b in list {
        out!("{:width$}  {}", b.name, b.description);
    }
}
