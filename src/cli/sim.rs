//! `dtao-arena sim`: a headless match with a summary table, the JSON report, and the
//! CSV trace.

use std::io::Write;
use std::path::PathBuf;

use super::fsutil::{Output, check_outputs};
use super::{CliError, CliResult};
use crate::engine::amount::format_rao;
use crate::record::fs::AtomicFile;
use crate::session::Session;
use crate::session::report::{self, ACCOUNT_TRACE_HEADER, SUBNET_TRACE_HEADER};
use crate::text::group;

#[derive(Debug, clap::Args, Default)]
pub struct SimArgs {
    /// Built-in map name or path to a map file.
    #[arg(long, default_value = "dtao-launch", value_parser = super::map_arg())]
    pub map: String,
    /// Blocks to simulate (default: the map's length).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_blocks)]
    pub blocks: Option<u64>,
    /// Match seed (default: the map's).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: Option<u64>,
    /// Print the JSON report instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Write a CSV time series of every subnet (and FILE.accounts.csv of every account;
    /// the previous files are kept as .bak).
    #[arg(long, value_name = "FILE.csv")]
    pub trace: Option<PathBuf>,
    /// A Lua strategy to seat in the match: a .lua file or a shipped name, with options as
    /// NAME:key=value,... (repeatable).
    #[arg(long = "bot", value_name = "FILE|NAME")]
    pub bots: Vec<PathBuf>,
    /// Record the match to FILE (`.dtrec`) for `replay` (the previous file is kept as FILE.bak).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Trace sampling interval in blocks (with --trace).
    #[arg(long, value_name = "K", default_value_t = 360, requires = "trace", allow_negative_numbers = true, value_parser = super::parse_every)]
    pub every: u64,
}

pub fn run(a: &SimArgs) -> CliResult {
    let map = crate::scenario::load(&a.map)?;
    // Every output is checked before the run, so that the run never ends in a failed
    // write or overwrites the map or a strategy it read.
    let mut outputs = Vec::new();
    if let Some(t) = &a.trace {
        outputs.push(Output::new("--trace", t));
        outputs.push(Output::named_after("--trace", "--trace (its accounts file)", accounts_path(t)));
    }
    if let Some(r) = &a.record {
        outputs.push(Output::new("--record", r));
    }
    let inputs: Vec<&std::path::Path> =
        std::iter::once(std::path::Path::new(&a.map)).chain(a.bots.iter().map(PathBuf::as_path)).collect();
    check_outputs(&inputs, &outputs)?;
    let mut session = Session::new(&map, a.seed, a.blocks)?;
    if a.record.is_some() {
        session.start_recording(chrono::Utc::now());
    }
    let seed = session.world().seed;
    let entrants = a.bots.iter().map(|p| super::strategy::read(p)).collect::<Result<Vec<_>, _>>()?;
    // A bot whose init fails (a mistyped option) would sit the whole run out.
    super::strategy::refuse_failing_init(&map, seed, &[], &entrants)?;
    for (seat, entrant) in entrants.iter().enumerate() {
        let actor = super::strategy::actor(entrant, seed, seat)?;
        session.add_bot(&entrant.name, Box::new(actor));
    }
    // Ctrl-C stops the run: the partial outputs are discarded (a second one quits at
    // once, removing them too).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = std::sync::Arc::clone(&stop);
    super::signals::on_stop(move || stopping.store(true, std::sync::atomic::Ordering::SeqCst));
    // The trace is written as the run goes (a fine trace of a long match is gigabytes),
    // to temporary files that replace the outputs only once the run has finished.
    let mut trace = a.trace.as_deref().map(Trace::create).transpose()?;
    if let Some(t) = &mut trace {
        t.sample(session.world())?;
        let w = session.world();
        let rows =
            trace_rows(session.end_block().saturating_sub(w.block), a.every, w.subnets().count() + w.accounts.len());
        if let Some(text) = trace_size_note(rows) {
            note!("{text}");
        }
    }
    // A write that fails does not lose the run: the report is printed first.
    let mut failed: Option<CliError> = None;
    // A long match shows its progress on stderr when that is a terminal.
    let start = session.world().block;
    let bar = super::progress_bar(session.end_block().saturating_sub(start), "blocks");
    let tick = (session.end_block().saturating_sub(start) / 500).max(1);
    while !session.is_over() {
        session.step()?;
        let b = session.world().block;
        if let Some(t) = trace.as_mut().filter(|_| b % a.every == 0) {
            if let Err(e) = t.sample(session.world()) {
                // The run goes on: its report is still printed, then the error.
                failed.get_or_insert(e);
                trace = None;
            }
        }
        if b % tick == 0 {
            bar.set_position(b - start);
        }
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            bar.finish_and_clear();
            return Err(CliError::stopped(format!(
                "at block {} of {}: nothing was written",
                crate::text::thousands(b),
                crate::text::thousands(session.end_block())
            )));
        }
    }
    bar.finish_and_clear();
    if let Some(mut t) = trace {
        let w = session.world();
        let last = if w.block % a.every == 0 { Ok(()) } else { t.sample(w) };
        match last.and_then(|()| t.commit()) {
            Ok(()) => {
                if let Some(p) = &a.trace {
                    note!(
                        "traced every {} to {} (subnets) and {} (accounts)",
                        crate::text::blocks(a.every),
                        super::shown_path(p),
                        super::shown_path(&accounts_path(p))
                    );
                }
            }
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    if let (Some(path), Some(r)) = (&a.record, session.recording(chrono::Utc::now())) {
        match super::recfile::write(path, &r) {
            Ok(()) => {
                let shown = super::shown_path(path);
                note!(
                    "recorded {} to {shown} (watch: dtao-arena replay {})",
                    crate::text::blocks(r.block),
                    super::shell_word(&shown)
                );
            }
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    let rep = report::session_report(&session);
    if !a.bots.is_empty() {
        // The bots' first lines (not with --json), and every fault whatever its place:
        // why a bot lost turns or forfeited must never be cut off.
        let lines: Vec<_> = session.log().iter().filter(|l| session.seats().iter().any(|s| s.name == l.who)).collect();
        let first = if a.json { 0 } else { SIM_LOG_LINES };
        let mut shown = 0;
        for (k, line) in lines.iter().enumerate() {
            if line.text.starts_with("fault") {
                note!("[block {}] {}: {}", line.block, line.who, line.text);
                shown += 1;
            } else if k < first {
                // A bot may log kilobytes a line: the replay shows it whole.
                let text = match line.text.chars().count() {
                    n if n > SIM_LOG_LINE_CHARS => format!(
                        "{} ({} characters in all)",
                        crate::text::truncate(&line.text, SIM_LOG_LINE_CHARS),
                        crate::text::thousands(n as u64)
                    ),
                    _ => line.text.clone(),
                };
                note!("[block {}] {}: {text}", line.block, line.who);
                shown += 1;
            }
        }
        if lines.len() > shown && !a.json {
            let watch = match &a.record {
                Some(p) => {
                    let f = super::shell_word(&p.display().to_string());
                    format!("watch them: dtao-arena replay {f}, or print them all: dtao-arena replay {f} --log")
                }
                None => "record the match with --record FILE, then watch it: dtao-arena replay FILE, or print every \
                         line: dtao-arena replay FILE --log"
                    .to_string(),
            };
            note!("... and {} more bot log lines ({watch})", lines.len() - shown);
        }
    }
    if a.json {
        let text = serde_json::to_string_pretty(&rep).map_err(|e| CliError::runtime(e.to_string()))?;
        out!("{text}");
    } else {
        print_summary(&session, &rep, &a.map);
    }
    failed.map_or(Ok(()), Err)
}

/// Bot log lines `sim` prints before it cuts (faults are always printed).
const SIM_LOG_LINES: usize = 40;

/// The characters of a bot's log line `sim` prints (faults are printed whole).
const SIM_LOG_LINE_CHARS: usize = 300;

/// `run.csv` -> `run.accounts.csv`.
#[must_use]
pub fn accounts_path(path: &std::path::Path) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!("{stem}.accounts.csv"))
}

/// Rows (subnets and accounts, every sample) from which a trace's size is said first.
const TRACE_ROWS_NOTE: u64 = 10_000_000;

/// A trace's rows: a sample at the start and every `every` blocks of `blocks`, one row
/// for each of `per_sample` subnets and accounts (launches and joins add a few).
fn trace_rows(blocks: u64, every: u64, per_sample: usize) -> u64 {
    (blocks / every.max(1) + 1).saturating_mul(per_sample as u64)
}

/// What a run says before it writes a trace of `rows` rows, when that is a lot.
fn trace_size_note(rows: u64) -> Option<String> {
    (rows >= TRACE_ROWS_NOTE).then(|| {
        format!(
            "this trace will have about {} rows (around {} MB, if about 80 bytes a row); a larger --every writes \
             fewer (--every 360, the default, samples every tempo)",
            crate::text::thousands(rows),
            crate::text::thousands(rows.saturating_mul(80) / 1_000_000)
        )
    })
}

/// The two trace files being written: subnets and accounts.
struct Trace {
    paths: [PathBuf; 2],
    subnets: csv::Writer<AtomicFile>,
    accounts: csv::Writer<AtomicFile>,
}

impl Trace {
    fn create(path: &std::path::Path) -> Result<Self, CliError> {
        let paths = [path.to_path_buf(), accounts_path(path)];
        let open = |p: &std::path::Path, header: &[&str]| -> Result<csv::Writer<AtomicFile>, CliError> {
            let file = AtomicFile::create(p).map_err(|e| write_failed(p, &e))?;
            super::signals::remove_on_quit(file.temporary_path());
            let mut w = csv::Writer::from_writer(file);
            w.write_record(header).map_err(|e| write_failed(p, &e))?;
            Ok(w)
        };
        let subnets = open(&paths[0], SUBNET_TRACE_HEADER)?;
        let accounts = open(&paths[1], ACCOUNT_TRACE_HEADER)?;
        Ok(Self { paths, subnets, accounts })
    }

    /// One row per subnet and per account at the world's block.
    fn sample(&mut self, w: &crate::engine::World) -> CliResult {
        for r in report::subnet_rows(w) {
            self.subnets.write_record(&r).map_err(|e| write_failed(&self.paths[0], &e))?;
        }
        for r in report::account_rows(w) {
            self.accounts.write_record(&r).map_err(|e| write_failed(&self.paths[1], &e))?;
        }
        Ok(())
    }

    /// Replaces both outputs (keeping the previous files as `.bak`).
    /// Both files reach the disk before either replaces its output, so that a failed
    /// write leaves the two old files, not a new one beside an old one.
    fn commit(self) -> CliResult {
        let [subnets, accounts] = self.paths;
        let sync = |w: csv::Writer<AtomicFile>, p: &std::path::Path| {
            let file = w.into_inner().map_err(|e| write_failed(p, e.error()))?;
            file.sync().map_err(|e| write_failed(p, &e))
        };
        let ready = [(sync(self.subnets, &subnets)?, &subnets), (sync(self.accounts, &accounts)?, &accounts)];
        let mut replaced: Option<&PathBuf> = None;
        for (file, p) in ready {
            file.persist(true).map_err(|e| match replaced {
                // The first one is in place: say so, and where its old version is.
                Some(done) => CliError::runtime(format!(
                    "cannot write '{}': {e}; '{}' was replaced already (its previous version is '{}')",
                    p.display(),
                    done.display(),
                    crate::record::fs::backup_path(done).display()
                )),
                None => write_failed(p, &e),
            })?;
            replaced = Some(p);
        }
        Ok(())
    }
}

/// A trace that could not be written once the run had started: a runtime failure
/// (its path was checked before the run).
fn write_failed(path: &std::path::Path, e: &dyn std::fmt::Display) -> CliError {
    CliError::runtime(format!("cannot write '{}': {e}", path.display()))
}

fn print_summary(session: &Session, rep: &report::Report, map_arg: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{} | seed {} | {} blocks | {} | state {}",
        rep.map,
        rep.seed,
        crate::text::thousands(rep.block),
        session.clock().format("%Y-%m-%d %H:%M UTC"),
        &rep.state_hash[..16]
    );
    let _ = writeln!(
        out,
        "issuance {} TAO | root stake {} TAO | average root proportion {:.1}% | lock cost {} TAO\n",
        group(&format_rao(rep.total_issuance_rao)),
        group(&format_rao(rep.total_root_rao)),
        rep.average_root_prop * 100.0,
        group(&format_rao(rep.lock_cost_rao)),
    );
    let mut subnets: Vec<&report::SubnetReport> = rep.subnets.iter().collect();
    subnets.sort_by(|a, b| b.emission_share.total_cmp(&a.emission_share).then(a.netuid.cmp(&b.netuid)));
    let _ = writeln!(
        out,
        "{:>4}  {:<24} {:<8} {:>10} {:>10} {:>7} {:>6} {:>12}  controller",
        "SN", "name", "mech", "price", "moving", "emis%", "root%", "pool TAO"
    );
    let shown = subnets.len().min(16);
    for s in &subnets[..shown] {
        let _ = writeln!(
            out,
            "{:>4}  {:<24} {:<8} {:>10.6} {:>10.6} {:>7.2} {:>6.1} {:>12}  {}",
            s.netuid,
            crate::text::truncate(&s.name, 24),
            s.mechanism,
            s.price,
            s.moving_price,
            s.emission_share * 100.0,
            s.root_prop * 100.0,
            group(&format!("{:.1}", crate::engine::Tao(s.tao_rao).as_f64())),
            s.controller.as_deref().unwrap_or("-")
        );
    }
    if subnets.len() > shown {
        let _ = writeln!(out, "      ... {} more subnets (use --json for all)", subnets.len() - shown);
    }
    let mut accounts: Vec<&report::AccountReport> = rep.accounts.iter().collect();
    // Ties keep the world's order (a crowd's members 1, 2, 3..., not 1, 10, 11 as text).
    accounts.sort_by_key(|a| std::cmp::Reverse(a.score_rao));
    let players = accounts.iter().filter(|a| a.kind != "npc");
    let npcs = accounts.iter().filter(|a| a.kind == "npc").take(8);
    let rows: Vec<_> = players.chain(npcs).collect();
    // Wide enough for whole names (two bots may differ only at the end of their
    // options), up to 60 characters.
    let w = rows.iter().map(|a| a.name.chars().count()).max().unwrap_or(0).clamp(24, 60);
    let _ = writeln!(
        out,
        "\n{:<w$} {:<6} {:>14} {:>14} {:>14} {:>8} {:>6}",
        "account", "kind", "free", "root", "score", "ROI", "faults"
    );
    let listed = rows.len();
    for a in rows {
        let roi = a.roi.map_or_else(|| "-".to_string(), |r| crate::tui::format::pct_fixed(r, 2));
        let _ = writeln!(
            out,
            "{:<w$} {:<6} {:>14} {:>14} {:>14} {:>8} {:>6}",
            crate::text::truncate(&a.name, w),
            a.kind,
            tao3(a.free_rao),
            tao3(a.root_stake_rao),
            tao3(a.score_rao),
            roi,
            a.faults
        );
    }
    if accounts.len() > listed {
        let _ = writeln!(
            out,
            "... {} more NPC accounts (every player and bot is listed, and the 8 richest NPCs; use --json for all)",
            accounts.len() - listed
        );
    }
    lesson(&mut out, rep.lesson.as_ref(), map_arg);
}

/// An amount in rao as TAO to the thousandth, with separators: `1,002,291.817`.
fn tao3(rao: u64) -> String {
    group(&format!("{:.3}", crate::engine::Tao(rao).as_f64()))
}

/// A lesson's story (its narration, launches and dissolutions) and which of its
/// objectives the world reached, so that a teacher can try a lesson headless (`map_arg`:
/// the map as `--map` named it, for the command that plays it).
fn lesson(out: &mut impl Write, lesson: Option<&report::Lesson>, map_arg: &str) {
    let Some(lesson) = lesson else { return };
    let story = &lesson.story;
    if !story.is_empty() {
        let _ = writeln!(out, "\nstory (the map's narration, launches and dissolutions):");
        for l in story.iter().take(STORY_LINES) {
            let text = l.text.replace('\n', "\n                   ");
            let _ = writeln!(out, "  block {:>9}  {text}", crate::text::thousands(l.block));
        }
        if story.len() > STORY_LINES {
            let _ = writeln!(
                out,
                "  ... and {} more (watch them: --record FILE, then replay FILE; all are in --json)",
                story.len() - STORY_LINES
            );
        }
    }
    if lesson.objectives.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nobjectives:");
    for o in &lesson.objectives {
        let text = o.text.replace('\n', " ");
        let line = match (o.status, o.reached_at_block) {
            (report::ObjectiveStatus::Prompt, _) => format!("  -  {text} (a prompt: nothing to check)"),
            (report::ObjectiveStatus::AboutThePlayer, _) => {
                let map = super::shell_word(map_arg);
                format!("  ?  {text} (about the player: play it with `dtao-arena play --map {map}`)")
            }
            (report::ObjectiveStatus::Reached, Some(b)) => {
                // After b blocks: block b - 1 (counted from 0) reached it, as the game's Log says.
                format!("  ✓  {text}: reached after {}", crate::text::blocks(b))
            }
            (report::ObjectiveStatus::Reached | report::ObjectiveStatus::NotReached, _) => {
                format!("  ✗  {text}: not reached")
            }
        };
        let _ = writeln!(out, "{line}");
    }
}

/// Story lines `sim` prints at most.
const STORY_LINES: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_trace_is_announced_with_its_size() {
        // The default map traced every block: 50,401 samples of 64 subnets and 576 accounts.
        let rows = trace_rows(50_400, 1, 640);
        assert_eq!(rows, 32_256_640);
        let note = trace_size_note(rows).expect("announced");
        assert!(note.starts_with("this trace will have about 32,256,640 rows (around 2,580 MB"), "{note}");
        // Every tempo, the default: 140 samples, nothing said.
        assert_eq!(trace_size_note(trace_rows(50_400, 360, 640)), None);
    }
}
