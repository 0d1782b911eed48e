//! `dtao-arena replay FILE`: watch a recorded match in the terminal, or with `--verify`
//! re-simulate it headlessly and check every recorded state hash.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{CliError, CliResult, recfile};
use crate::session::Session;

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The recording or save to open (`.dtrec`).
    pub file: PathBuf,
    /// Re-simulate headlessly and check every recorded state hash; exit 1 naming the
    /// first block that differs.
    #[arg(long)]
    pub verify: bool,
    /// Re-simulate headlessly (checking every hash, as --verify does) and print the
    /// final report as JSON (the `sim --json` format) instead of opening the game.
    #[arg(long)]
    pub json: bool,
    /// Re-simulate headlessly (checking every hash, as --verify does) and print every
    /// line of the match log, whole, as `[block N] NAME: text` (the bots' own lines,
    /// their faults and the map's narration), instead of opening the game.
    #[arg(long, conflicts_with = "json")]
    pub log: bool,
}

pub fn run(a: &ReplayArgs) -> CliResult {
    let rec = recfile::read(&a.file)?;
    let file = super::shown_path(&a.file);
    let mut session = Session::from_recording(&rec, None).map_err(|e| CliError::input(format!("'{file}': {e}")))?;
    if !a.verify && !a.json && !a.log {
        drop(session);
        return super::play::watch(rec);
    }
    let bar = if std::io::stderr().is_terminal() && rec.block > 100_000 {
        let b = indicatif::ProgressBar::new(rec.block);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} verifying block {pos}/{len} {wide_bar} (eta {eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    session.run_to_end(10_000, |s| bar.set_position(s.world().block))?;
    bar.finish_and_clear();
    if let Some(d) = session.divergence() {
        return Err(CliError::runtime(format!("'{file}': verification failed: {d}")));
    }
    let (checked, _) = session.checked();
    if a.log {
        for l in session.log() {
            out!("[block {}] {}: {}", l.block, crate::text::escape_hidden(&l.who), crate::text::escape_hidden(&l.text));
        }
        return Ok(());
    }
    if a.json {
        let rep = crate::session::report::session_report(&session);
        let text = serde_json::to_string_pretty(&rep).map_err(|e| CliError::runtime(e.to_string()))?;
        out!("{text}");
    } else {
        let h = &rec.header;
        out!(
            "{file}: verified: {} of '{}' (seed {}), {}; state {}",
            crate::text::blocks(rec.block),
            crate::text::escape_hidden(&h.map_name),
            h.seed,
            if checked == 0 {
                "the final state hash agrees".to_string()
            } else {
                format!(
                    "{} and the final one agree",
                    crate::text::count(checked, "recorded state hash", "recorded state hashes")
                )
            },
            &session.world().state_hash_hex()[..16],
        );
        let human = rec.joins().any(|(_, k, _)| k == crate::engine::AccountKind::Human);
        if !rec.is_complete() && !human {
            // A workshop ended early, or a headless recording: nothing to play on as.
            out!(
                "(the match stopped at block {} of {}: it has no human player to resume as)",
                crate::text::thousands(rec.block),
                crate::text::thousands(h.end_block)
            );
        } else if !rec.is_complete() {
            out!(
                "(a save at block {} of {}: resume it with `dtao-arena play --load {}`)",
                crate::text::thousands(rec.block),
                crate::text::thousands(h.end_block),
                super::shell_word(&file.to_string())
            );
        }
    }
    Ok(())
}
