//! The player's book: positions with profit and loss, root stake and its dividends, the
//! score, and the leaderboard of players and bots.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

use super::super::app::App;
use super::super::format;
use super::super::layout;
use super::{chart, column_widths, hidden_cue, hidden_rows, panel};
use crate::engine::{AccountId, AccountKind};
use crate::session::handle::PlayerRow;

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    let [summary, positions, board, score_chart] = layout::portfolio(area);
    let Some(me) = &snap.me else {
        let text = if snap.players.is_empty() && app.info().replay {
            " this recording has no players or bots to follow: the world's NPCs alone"
        } else if snap.players.is_empty() {
            " you are watching this match: there is no player yet"
        } else {
            " you are watching this match: p P follow a player's book"
        };
        Paragraph::new(Span::styled(text, t.dim)).render(area, buf);
        leaderboard(app, board, buf);
        return;
    };
    let held: u64 = me.positions.iter().map(|p| p.value_rao).sum();
    let roi = if me.start_rao == 0 { 0.0 } else { me.score_rao as f64 / me.start_rao as f64 - 1.0 };
    let pl = i128::from(me.score_rao) - i128::from(me.start_rao);
    let realized: i64 = me.positions.iter().map(|p| p.realized_rao).sum();
    // Watching (a replay, a spectator) can follow anyone: say whose book this is.
    let mut first = Vec::new();
    if app.watching() {
        let kind = if me.kind == AccountKind::Human { "human" } else { "bot" };
        first.push(Span::styled(format!(" {} ", format::clip(&me.name, 20)), t.you));
        first.push(Span::styled(format!("({kind}) "), t.dim));
    }
    first.extend([
        Span::styled(" Score ", t.dim),
        Span::styled(format!("{} τ ", format::rao(me.score_rao)), t.you),
        Span::styled(format::signed_pct(roi), t.signed(roi)),
        Span::styled(format!(" ({} τ)", format::signed(pl as f64 / 1e9)), t.signed(roi)),
        Span::styled(format!("   rank {} of {}", me.rank, snap.players.len()), t.accent),
    ]);
    // Where the book started, if it fits whole.
    let room = usize::from(summary.width);
    let started = Span::styled(format!("   started with {} τ", format::rao(me.start_rao)), t.dim);
    if Line::from(first.clone()).width() + started.width() <= room {
        first.push(started);
    }
    let mut lines = vec![
        Line::from(first),
        Line::from(vec![
            Span::styled(" Free ", t.dim),
            Span::raw(format!("{} τ", format::rao(me.free_rao))),
            Span::styled("   Positions ", t.dim),
            Span::raw(format!("{} τ", format::rao(held))),
            Span::styled("   Realised ", t.dim),
            Span::styled(format!("{} τ", format::signed(format::signed_units(realized))), t.signed(realized as f64)),
        ]),
        Line::from(vec![
            Span::styled(" Root ", t.dim),
            Span::raw(format!("{} τ", format::rao(me.root_rao))),
            Span::styled("   root dividends ", t.dim),
            Span::styled(format!("+{} τ", format::rao(me.root_dividends_rao)), t.up),
            Span::styled(
                format!(
                    "   miner on {}   policies {}",
                    if me.miner_on.is_empty() {
                        "none".to_string()
                    } else {
                        me.miner_on.iter().map(|n| format!("SN{n}")).collect::<Vec<_>>().join(", ")
                    },
                    if me.policies.is_empty() {
                        "all honest".to_string()
                    } else {
                        me.policies.iter().map(|(n, p)| format!("SN{n} {p}")).collect::<Vec<_>>().join(", ")
                    }
                ),
                t.dim,
            ),
        ]),
    ];
    // Subnets this book launched: their lock is spent (it is in no position), and what
    // they pay is the owner's cut of their alpha once they emit.
    let owned: Vec<String> = snap
        .view
        .subnets
        .iter()
        .filter(|s| s.owner == me.id)
        .map(|s| {
            let when = u64::try_from(s.first_emission).ok().filter(|b| *b > snap.view.block).map_or_else(
                || "emitting".to_string(),
                |b| format!("emits from block {}, in {}", format::int(b), format::duration_blocks(b - snap.view.block)),
            );
            format!("SN{} {} ({when})", s.netuid, format::clip(&s.name, 20))
        })
        .collect();
    if !owned.is_empty() {
        let mut line = Line::from(vec![Span::styled(" Owner of ", t.dim), Span::raw(owned.join(", "))]);
        // What owning means, when it fits whole.
        let hint = Span::styled("   lock spent; earns the owner's cut", t.dim);
        if line.width() + hint.width() <= room {
            line.push_span(hint);
        }
        lines.push(line);
    }
    // Watching: the keys to another player's book, on the first line with room.
    if app.watching() {
        let hint = Span::styled("   p P: another player", t.accent);
        if let Some(l) = lines.iter_mut().find(|l| l.width() + hint.width() <= room) {
            l.push_span(hint);
        }
    }
    Paragraph::new(lines).render(summary, buf);

    // Every column fits at 80 columns but "Earned α", which needs 100: an
    // over-full table would leave ratatui's solver a choice, and its choice can vary.
    let wide = positions.width >= 100;
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Min(8),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(7),
        Constraint::Length(10),
    ];
    let mut headers = vec!["SN", "Name", "Alpha", "Cost τ", "Value τ", "P/L τ", "P/L", "Realised"];
    if wide {
        widths.push(Constraint::Length(10));
        headers.push("Earned α");
    }
    let name_w = column_widths(&widths, Flex::Start, positions.width.saturating_sub(2), 0)
        .get(1)
        .map_or(18, |w| usize::from(*w).min(32));
    let rows: Vec<Row> = me
        .positions
        .iter()
        .map(|p| {
            let un = p.unrealized_rao();
            let pct = if p.cost_rao == 0 { None } else { Some(un as f64 / p.cost_rao as f64) };
            let mut cells = vec![
                Cell::from(Line::raw(p.netuid.to_string()).right_aligned()),
                Cell::from(format::clip(&p.name, name_w)),
                Cell::from(Line::raw(format::column_rao(p.alpha_rao)).right_aligned()),
                Cell::from(Line::raw(format::column_rao(p.cost_rao)).right_aligned()),
                Cell::from(Line::raw(format::column_rao(p.value_rao)).right_aligned()),
                Cell::from(Line::styled(format::column_signed_rao(un), t.signed(un as f64)).right_aligned()),
                Cell::from(
                    Line::styled(pct.map_or_else(|| "-".into(), format::signed_pct), t.signed(pct.unwrap_or(0.0)))
                        .right_aligned(),
                ),
                Cell::from(
                    Line::styled(format::column_signed_rao(p.realized_rao), t.signed(p.realized_rao as f64))
                        .right_aligned(),
                ),
            ];
            if wide {
                cells.push(Cell::from(Line::styled(format::column_rao(p.earned_alpha_rao), t.dim).right_aligned()));
            }
            Row::new(cells)
        })
        .collect();
    let empty = rows.is_empty();
    // The window keeps the selected row in view (its last row, once it scrolls), and
    // says how many rows it hides, as the Market does.
    let (n, page) = (rows.len(), layout::table_rows(positions).max(1));
    let offset = (app.portfolio_row() + 1).saturating_sub(page).min(n.saturating_sub(page));
    let (above, below) = (offset, n.saturating_sub(offset + page));
    // The keys leave the title to the count of rows above when both do not fit.
    // Watching someone, a replay or a match that is over: no orders to offer.
    let read_only = app.watching() || app.is_replay() || app.snap().over;
    let full = positions_title(read_only, me.basis_from, true);
    let room = usize::from(positions.width).saturating_sub(3);
    let keys = above == 0 || full.chars().count() + hidden_cue('↑', above).chars().count() <= room;
    let mut state = TableState::default().with_offset(offset).with_selected((!empty).then_some(app.portfolio_row()));
    StatefulWidget::render(
        Table::new(rows, widths)
            .header(
                Row::new(headers.into_iter().map(|h| {
                    if matches!(h, "SN" | "Name") { Cell::from(h) } else { Cell::from(Line::raw(h).right_aligned()) }
                }))
                .style(t.header),
            )
            .block(panel(app, positions_title(read_only, me.basis_from, keys)))
            .column_spacing(1)
            .row_highlight_style(t.selected),
        positions,
        buf,
        &mut state,
    );
    hidden_rows(app, positions, above, below, buf);
    if empty {
        let inner = positions.inner(ratatui::layout::Margin { horizontal: 2, vertical: 2 });
        let none = if app.snap().over {
            "no positions at the end of the match"
        } else if read_only {
            "no positions yet"
        } else {
            "no positions yet: pick a subnet on the Market screen and press s to stake"
        };
        Paragraph::new(Span::styled(none, t.dim)).render(inner, buf);
    }
    leaderboard(app, board, buf);
    if score_chart.height > 0 {
        scores(app, score_chart, buf);
    }
}

/// The positions panel's title: its keys (when `keys`), and where the cost basis starts
/// when the book was picked up mid-match (positions held then cost their value then).
fn positions_title(read_only: bool, basis_from: Option<u64>, keys: bool) -> String {
    let mut title = " Positions ".to_string();
    if let Some(b) = basis_from {
        title.push_str(&format!("· cost from block {} ", format::int(b)));
    }
    if keys {
        title.push_str(if read_only { "· Enter opens " } else { "· Enter opens, u unstakes, d dumps " });
    }
    title
}

fn leaderboard(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    // The human, or the player a replay follows.
    let human = app.snap().me.as_ref().map(|m| m.id).or(app.info().human);
    let widths = [
        Constraint::Length(3),
        Constraint::Min(8),
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(6),
    ];
    let name_w = column_widths(&widths, Flex::Start, area.width.saturating_sub(2), 0)
        .get(1)
        .map_or(20, |w| usize::from(*w).min(20));
    // Rows that fit inside the borders under the header.
    let fit = usize::from(area.height.saturating_sub(3));
    let at = human.and_then(|h| snap.players.iter().position(|p| p.id == h));
    let rows = board_rows(snap.players.len(), at, fit).into_iter().filter_map(|k| snap.players.get(k).map(|p| (k, p)));
    let rows = rows.map(|(k, p)| {
        let style = if Some(p.id) == human { t.you } else { t.text };
        Row::new(vec![
            Cell::from(Line::raw(format!("{}", crate::session::handle::rank(&snap.players, k))).right_aligned()),
            Cell::from(Line::styled(format::clip(&p.name, name_w), style)),
            Cell::from(Line::styled(if p.kind == AccountKind::Human { "human" } else { "bot" }, t.dim)),
            Cell::from(Line::raw(format::column_rao(p.score_rao)).right_aligned()),
            Cell::from(Line::styled(format::signed_pct_fixed(p.roi, 2), t.signed(p.roi)).right_aligned()),
            Cell::from(Line::raw(p.faults.to_string()).right_aligned()),
        ])
    });
    let table = Table::new(rows, widths)
        .header(
            Row::new(["#", "Player", "Kind", "Score τ", "ROI", "Faults"].map(|h| {
                if matches!(h, "Player" | "Kind") { Cell::from(h) } else { Cell::from(Line::raw(h).right_aligned()) }
            }))
            .style(t.header),
        )
        .block(panel(app, " Leaderboard "))
        .column_spacing(1);
    Widget::render(table, area, buf);
}

/// The leaderboard's rows (indices, best first) in `fit` lines: the leaders, and the
/// human or followed player in the last line when they rank below what fits (a room of
/// students: everyone sees their own rank).
pub(super) fn board_rows(players: usize, me: Option<usize>, fit: usize) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..players.min(fit)).collect();
    if let Some(me) = me.filter(|m| *m >= fit && *m < players && fit > 0) {
        rows.pop();
        rows.push(me);
    }
    rows
}

/// Score lines drawn at most: a room of students would be a blur (and a long legend).
const SCORE_LINES: usize = 5;

/// The players whose scores are charted: everyone when they are few; else the leaders
/// (by the leaderboard, best first) and the human or followed player.
fn charted(players: &[PlayerRow], me: Option<AccountId>) -> Vec<AccountId> {
    let mut ids: Vec<AccountId> = players.iter().take(SCORE_LINES).map(|p| p.id).collect();
    if let Some(me) = me.filter(|m| !ids.contains(m) && players.iter().any(|p| p.id == *m)) {
        ids.pop();
        ids.push(me);
    }
    ids
}

fn scores(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    let h = &snap.history;
    // The human, or the player a replay or a spectator follows.
    let human = snap.me.as_ref().map(|m| m.id).or(app.info().human);
    let shown = charted(&snap.players, human);
    let series: Vec<chart::Series> = h
        .players
        .iter()
        .enumerate()
        .filter(|(_, (id, _))| h.players.len() <= SCORE_LINES || shown.contains(id))
        .map(|(k, (id, name))| chart::Series {
            name: name.clone(),
            data: h.scores.series(k),
            style: if Some(*id) == human { t.you } else { t.series[(k % 3) + 1] },
            marker: t.markers[k % 4],
        })
        .collect();
    let title = if h.players.len() > SCORE_LINES {
        format!("score (τ), {} of {} players", series.len(), h.players.len())
    } else {
        "score (τ)".to_string()
    };
    chart::draw(app, area, buf, &title, &series, chart::Fmt::Amount);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_match_offers_no_orders_on_the_portfolio() {
        use crate::tui::testing::{app_with, keys, text};
        for (over, says, keys_shown) in [
            (false, "press s to stake", "u unstakes, d dumps"),
            (true, "no positions at the end of the match", "Positions · Enter opens "),
        ] {
            let mut app = app_with(|s| {
                s.over = over;
                if let Some(me) = s.me.as_mut() {
                    me.positions.clear();
                }
            });
            keys(&mut app, "\u{1b}3");
            let shown = text(&mut app, 120, 40);
            assert!(shown.contains(says) && shown.contains(keys_shown), "over {over}:\n{shown}");
            assert_eq!(shown.contains("u unstakes"), !over, "{shown}");
        }
    }

    fn row(id: u32) -> PlayerRow {
        PlayerRow {
            id: AccountId(id),
            name: format!("p{id}"),
            kind: AccountKind::Human,
            score_rao: 0,
            roi: 0.0,
            faults: 0,
            free_rao: 0,
            root_rao: 0,
        }
    }

    #[test]
    fn a_long_leaderboard_keeps_the_player_in_its_last_line() {
        assert_eq!(board_rows(3, Some(2), 10), vec![0, 1, 2]);
        assert_eq!(board_rows(200, Some(3), 5), vec![0, 1, 2, 3, 4]);
        assert_eq!(board_rows(200, Some(149), 5), vec![0, 1, 2, 3, 149]);
        assert_eq!(board_rows(200, None, 5), vec![0, 1, 2, 3, 4]);
        assert_eq!(board_rows(200, Some(149), 0), Vec::<usize>::new());
        assert_eq!(board_rows(200, Some(149), 1), vec![149]);
    }

    #[test]
    fn a_crowded_score_chart_shows_the_leaders_and_the_followed_player() {
        // The leaderboard's order, best first.
        let board: Vec<PlayerRow> = [9, 3, 7, 1, 5, 2, 8].into_iter().map(row).collect();
        let ids = |v: Vec<AccountId>| v.into_iter().map(|a| a.0).collect::<Vec<_>>();
        assert_eq!(ids(charted(&board, None)), vec![9, 3, 7, 1, 5]);
        assert_eq!(ids(charted(&board, Some(AccountId(3)))), vec![9, 3, 7, 1, 5], "already a leader");
        assert_eq!(ids(charted(&board, Some(AccountId(8)))), vec![9, 3, 7, 1, 8], "the last leader gives way");
        assert_eq!(ids(charted(&board, Some(AccountId(42)))), vec![9, 3, 7, 1, 5], "not a player");
        assert_eq!(ids(charted(&board[..2], Some(AccountId(3)))), vec![9, 3]);
    }
}
