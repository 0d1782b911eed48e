//! The network: emission, issuance and halving, root stake and the average root
//! proportion over time (the seed article's "SN0 share"), the lock cost of a new subnet.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::app::App;
use super::super::format;
use super::{bar, chart, panel};
use crate::engine::emission::SUPPLY_CAP_RAO;
use crate::engine::params::BLOCKS_PER_DAY;
use crate::session::handle::series;

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    let v = &snap.view;
    let p = &snap.params;
    let wide = area.width >= 120;
    let [left, right] = columns(area);
    let per_day = snap.block_emission_rao.saturating_mul(BLOCKS_PER_DAY);
    let block_tao = format::fixed(format::units(snap.block_emission_rao), 4);
    let halving = match snap.until_halving_rao {
        Some(x) if snap.block_emission_rao > 0 => {
            let sep = if wide { " τ to go, ≈ " } else { " τ, ≈" };
            format!("{}{sep}{}", format::rao(x), format::duration_blocks(x / snap.block_emission_rao))
        }
        Some(x) => format!("{} τ to go", format::rao(x)),
        None => "none left".into(),
    };
    let issued = v.total_issuance_rao as f64 / SUPPLY_CAP_RAO as f64;
    let emitting = v.subnets.iter().filter(|s| s.emitting).count();
    let prune = snap
        .prune_candidate
        .and_then(|n| v.subnets.iter().find(|s| s.netuid == n))
        .map_or_else(|| "none (all immune)".into(), |s| format!("SN{} {}", s.netuid, s.name));
    let row = |k: &str, val: String| Line::from(vec![Span::styled(format!(" {k:<17}"), t.dim), Span::raw(val)]);
    let note = |long: &'static str, short: &'static str| if wide { long } else { short };
    let mut lines = vec![
        row("Emission mode", p.emission_mode.name().to_string()),
        row(
            "Block emission",
            // One precision for every halving: 1.0000, 0.5000, 0.2500 (not 0.500000).
            if wide {
                format!("{} τ  ({} τ a day)", block_tao, format::rao(per_day))
            } else {
                format!("{block_tao} τ")
            },
        ),
        row(
            "Total issuance",
            if wide {
                format!("{} τ  ({} of the 21M cap)", format::rao(v.total_issuance_rao), format::pct(issued))
            } else {
                format!("{} τ", format::rao(v.total_issuance_rao))
            },
        ),
        row("Next halving", halving),
        row("Total root stake", format!("{} τ", format::rao(v.total_root_rao))),
        Line::from(vec![
            Span::styled(format!(" {:<17}", "Avg root prop"), t.dim),
            Span::styled(format::pct(snap.average_root_prop), t.accent),
            Span::styled(note("  (the \"SN0 share\")", " (SN0 share)"), t.dim),
        ]),
        row("Subnets", format!("{} of {}, {emitting} emitting", v.subnets.len(), p.subnet_limit)),
        // The launch key only for a player (a spectator or a replay places no orders).
        row(
            "Lock cost",
            if app.watching() {
                format!("{} τ{}", format::rao(v.lock_cost_rao), note(" for the next launch", ""))
            } else {
                format!("{} τ{}", format::rao(v.lock_cost_rao), note(" for the next launch (L)", " (L)"))
            },
        ),
        row("Prune candidate", prune),
        // An epoch runs when `(b + netuid + 1) % (tempo + 1) == 0`: every tempo + 1 blocks.
        row(
            "Tempo",
            if wide {
                format!("{} (epoch every {} blocks, {})", v.tempo, v.tempo + 1, format::duration_blocks(v.tempo + 1))
            } else {
                format!("{} (epoch every {})", v.tempo, v.tempo + 1)
            },
        ),
        row(
            "tao_weight",
            format!("{}{}", format::pct(p.tao_weight.as_f64()), note(" (root's weight against alpha)", "")),
        ),
        row("Staking fee", format!("{} τ{}", format::rao(p.staking_fee.0), note(" per swap", ""))),
    ];
    // A narrow column has the day's emission on a line of its own (beside the block's,
    // its unit was cut).
    if !wide {
        lines.insert(2, row("Emission a day", format!("{} τ", format::rao(per_day))));
        // The issuance's share of the supply cap, named (beside the amount it had no room to be).
        lines.insert(4, row("Share of 21M cap", format::pct(issued)));
    }
    let block = panel(app, " Network ");
    let inner = block.inner(left);
    block.render(left, buf);
    // Top emission shares as bars, under the facts.
    let room = usize::from(inner.height).saturating_sub(lines.len() + 2);
    // (`room` rows for bars under a blank line and the title.)
    if room > 0 {
        lines.push(Line::raw(""));
        let mut by_share: Vec<_> = v.subnets.iter().filter(|s| s.emitting).collect();
        by_share.sort_by(|a, b| b.emission_share.total_cmp(&a.emission_share).then(a.netuid.cmp(&b.netuid)));
        // Before the first block no subnet has a share yet (the Market says "-").
        if snap.block() == 0 {
            by_share.clear();
        }
        let shown = by_share.len().min(room);
        // The list is the top of a longer one: say how much longer.
        let of = if shown < by_share.len() { format!(" · top {shown} of {}", by_share.len()) } else { String::new() };
        lines.push(Line::from(vec![Span::styled(" Largest emission shares", t.header), Span::styled(of, t.dim)]));
        if snap.block() == 0 {
            lines.push(Line::styled(" none yet: no block has run", t.dim));
        }
        let top = by_share.first().map_or(1.0, |s| s.emission_share.max(1e-12));
        let w = usize::from(inner.width).saturating_sub(26).max(4);
        for s in by_share.iter().take(shown) {
            lines.push(Line::from(vec![
                Span::raw(format!(" {:>3} {:<12} ", s.netuid, format::clip(&s.name, 12))),
                Span::styled(bar(s.emission_share / top, w), t.series[2]),
                Span::raw(format!(" {:>6}", format::pct(s.emission_share))),
            ]));
        }
    }
    Paragraph::new(lines).render(inner, buf);

    let right = objectives(app, right, buf);
    let h = &snap.history;
    // Both charts when there is room for them, else the SN0 share alone.
    let split = if right.height >= 18 { 60 } else { 100 };
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(split), Constraint::Percentage(100 - split)]).areas(right);
    chart::draw(
        app,
        top,
        buf,
        if wide { "average root proportion (the \"SN0 share\")" } else { "avg root prop (SN0 share)" },
        &[chart::Series {
            name: "avg root prop".into(),
            data: h.network.series(series::AVG_ROOT_PROP),
            style: t.series[3],
            marker: t.markers[0],
        }],
        chart::Fmt::Pct,
    );
    if bottom.height == 0 {
        return;
    }
    chart::draw(
        app,
        bottom,
        buf,
        "total root stake (τ)",
        &[chart::Series {
            name: "root".into(),
            data: h.network.series(series::TOTAL_ROOT),
            style: t.series[0],
            marker: t.markers[0],
        }],
        chart::Fmt::Amount,
    );
}

/// The screen's columns: the facts, and the objectives and charts.
fn columns(area: Rect) -> [Rect; 2] {
    let left_w = if area.width >= 120 { 58 } else { 42 };
    Layout::horizontal([Constraint::Length(left_w), Constraint::Min(20)]).areas(area)
}

/// The mark of objective `k`: ✓ reached, ○ open (✗ once the match is over and it was
/// not), • a prompt the game does not check.
pub(super) fn objective_bullet(app: &App, k: usize) -> Span<'static> {
    let t = &app.theme;
    let at = app.snap().objectives.get(k).copied().flatten();
    let goal = app.info().objectives.get(k).is_some_and(|o| o.goal.is_some());
    match (goal, at) {
        (true, Some(_)) => Span::styled(" ✓ ", t.up),
        (true, None) if app.snap().over => Span::styled(" ✗ ", t.down),
        (true, None) => Span::styled(" ○ ", t.accent),
        (false, _) => Span::styled(" • ", t.dim),
    }
}

/// The objectives as lines for a column `width` wide, with how many the game checks
/// and how many of those are reached.
fn objective_lines(app: &App, width: u16) -> (Vec<Line<'static>>, usize, usize) {
    let info = app.info();
    let t = &app.theme;
    // Borders, the three columns of the mark, and one blank column before the right
    // border.
    let width = usize::from(width.saturating_sub(6)).max(8);
    let reached = &app.snap().objectives;
    let mut lines = Vec::new();
    let (mut goals, mut done) = (0, 0);
    // Once the match is over, an objective still open will not be reached.
    let over = app.snap().over;
    for (k, o) in info.objectives.iter().enumerate() {
        let at = reached.get(k).copied().flatten();
        let bullet = objective_bullet(app, k);
        for (i, l) in format::wrap(&o.text, width).into_iter().enumerate() {
            let lead = if i == 0 { bullet.clone() } else { Span::raw("   ") };
            lines.push(Line::from(vec![lead, Span::raw(l)]));
        }
        if let Some(g) = &o.goal {
            goals += 1;
            // A goal that waits for an earlier objective or for a block says so (its
            // prices count from then).
            let first = o.after.and_then(|j| info.objectives.get(j)).and_then(|p| p.goal.as_ref());
            // Watching, "you" is the player followed (or each player, when nobody is).
            let who = app.snap().me.as_ref().map_or_else(|| "each player".to_string(), |m| m.name.clone());
            let describe = |g: &crate::scenario::Goal| {
                if app.watching() && g.is_personal() { format!("{} (for {who})", g.describe()) } else { g.describe() }
            };
            let mut goal = match first {
                Some(p) => format!("{}, from when {}", describe(g), describe(p)),
                None => describe(g),
            };
            if let Some(b) = o.from_block {
                let when = super::overlay::date(app, b, "%a %d %b %H:%M");
                match g {
                    // Its start is that block, not the match's: say which price it counts from.
                    // A block still to come says so (its price is not known yet).
                    crate::scenario::Goal::PriceMultiple { netuid, times } if first.is_none() => {
                        goal = if b > app.snap().view.block {
                            format!("SN{netuid} price at {times}x its price at {when}, once that comes")
                        } else {
                            format!("SN{netuid} price at {times}x its price of {when}")
                        };
                    }
                    _ => goal.push_str(&format!(", checked from {when}")),
                }
            }
            let status = match at {
                // `b` blocks had run: the time of the block that reached it, as the Log says.
                Some(b) => {
                    done += 1;
                    format!("↳ {goal}: reached {}", super::overlay::date(app, b.saturating_sub(1), "%a %d %b %H:%M"))
                }
                None if over => format!("↳ {goal}: not reached"),
                None => format!("↳ {goal}"),
            };
            for l in format::wrap(&status, width) {
                lines.push(Line::from(vec![Span::raw("   "), Span::styled(l, t.dim)]));
            }
        }
    }
    (lines, goals, done)
}

/// The objectives panel's height in the column `area` for `lines` lines (leaving at
/// least 8 rows for a chart), if it has room.
fn panel_height(lines: usize, area: Rect) -> Option<u16> {
    let most = area.height.saturating_sub(8);
    let h = u16::try_from(lines + 2).unwrap_or(u16::MAX).min(most);
    (h >= 3).then_some(h)
}

/// How far the objectives scroll at most on a Network screen drawn in `body`.
pub(super) fn objectives_scroll_max(app: &App, body: Rect) -> usize {
    if app.info().objectives.is_empty() {
        return 0;
    }
    let [_, right] = columns(body);
    let (lines, ..) = objective_lines(app, right.width);
    panel_height(lines.len(), right).map_or(0, |h| lines.len().saturating_sub(usize::from(h - 2)))
}

/// The map's objectives in a panel at the top of `area` (leaving at least 8 rows for a
/// chart): ✓ reached, ○ open (✗ once the match is over), • a prompt the game does not check; under each checked one,
/// its goal and when it was reached. When they do not fit, ↑ and ↓ scroll them and the
/// bottom border says how many lines are hidden. Returns what is left below.
fn objectives(app: &App, area: Rect, buf: &mut Buffer) -> Rect {
    let info = app.info();
    if info.objectives.is_empty() {
        return area;
    }
    let t = &app.theme;
    let (lines, goals, done) = objective_lines(app, area.width);
    let Some(h) = panel_height(lines.len(), area) else { return area };
    let shown = usize::from(h - 2);
    let skip = app.objectives_scroll().min(lines.len().saturating_sub(shown));
    let below = lines.len().saturating_sub(skip + shown);
    let [top, rest] = Layout::vertical([Constraint::Length(h), Constraint::Min(0)]).areas(area);
    let title = if info.lesson { "Lesson objectives" } else { "Objectives" };
    // Prompts (objectives without a condition) are never reached: the count says so.
    let prompts = info.objectives.len().saturating_sub(goals);
    let title = match (goals, prompts) {
        (0, _) => format!(" {title} "),
        (_, 0) => format!(" {title} · {done} of {goals} reached "),
        // The longest that fits the panel's top edge.
        _ => [
            format!(" {title} · {done} of {goals} checked ones reached · {prompts} for discussion "),
            format!(" {title} · {done} of {goals} reached · {prompts} to discuss "),
            format!(" {title} · {done}/{goals} reached · {prompts} to discuss "),
            format!(" {title} · {done}/{goals} reached "),
            format!(" Objectives · {done}/{goals} reached "),
        ]
        .into_iter()
        .find(|t| t.chars().count() + 2 <= usize::from(area.width))
        .unwrap_or_else(|| format!(" {title} ")),
    };
    let mut block = panel(app, title);
    if below > 0 || skip > 0 {
        let more = if below > 0 {
            format!(" ↓ {below} more line{} · ↑↓ scroll ", format::plural(below))
        } else {
            " ↑ scroll back ".to_string()
        };
        block = block.title_bottom(Line::styled(more, t.warn).right_aligned());
    }
    Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).block(block).render(top, buf);
    rest
}
