//! One subnet in depth: its charts, who controls its consensus, its miners and trades.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Widget};

use super::super::app::App;
use super::super::form::mechanism_text;
use super::super::format;
use super::{bar, chart, column_widths, flow, panel};
use crate::engine::AccountKind;
use crate::engine::math::to_f64;
use crate::session::handle::{SubnetDetail, SubnetHistory, series};

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let snap = app.snap();
    let t = &app.theme;
    let Some(s) = app.focus().and_then(|n| snap.view.subnets.iter().find(|s| s.netuid == n)) else {
        Paragraph::new(Span::styled("no subnet selected: pick one on the Market screen (1)", t.dim)).render(area, buf);
        return;
    };
    let detail = snap.detail.as_ref().filter(|d| d.netuid == s.netuid);
    let change = app.change_24h(s);
    let pos = snap.me.as_ref().and_then(|m| m.positions.iter().find(|p| p.netuid == s.netuid));
    let me = snap.me.as_ref();
    let mut facts: Vec<Vec<Span>> = vec![
        vec![Span::styled(format!("SN{} {}", s.netuid, s.name), t.accent)],
        vec![Span::styled(mechanism_text(s.mechanism), t.dim)],
        vec![if s.emitting {
            Span::styled("emitting", t.up)
        } else {
            Span::styled(
                format!("emits from block {}", format::int(u64::try_from(s.first_emission).unwrap_or(0))),
                t.warn,
            )
        }],
        vec![Span::styled(format!("owner {}", detail.map_or("…", |d| d.owner.as_str())), t.dim)],
        vec![
            Span::raw(format!("price {} τ ", format::price(to_f64(s.price)))),
            Span::styled(change.map_or_else(|| "-".into(), format::signed_pct), t.signed(change.unwrap_or(0.0))),
        ],
        vec![Span::raw(format!("moving {}", format::price(to_f64(s.moving_price))))],
        vec![Span::raw(format!("emission {}", format::pct(s.emission_share)))],
        // Not the Consensus box's root share (of the stake weight): the part of the validators'
        // alpha emission that goes to root.
        vec![Span::raw(format!("root prop {} of validators' α", format::pct(to_f64(s.root_prop))))],
        vec![Span::raw(format!("pool {} τ / {} α", format::rao(s.tao_rao), format::rao(s.alpha_in_rao)))],
    ];
    // Whose book: yours, or (watching) the followed player's; nobody's when a spectator
    // follows no one yet.
    let owner = match (app.watching(), me) {
        (false, _) => Some("you".to_string()),
        (true, Some(m)) => Some(m.name.clone()),
        (true, None) => None,
    };
    if let Some(owner) = owner {
        facts.push(vec![Span::styled(
            match pos {
                Some(p) if p.alpha_rao > 0 => format!(
                    "{owner}: {} α worth {} τ ({} τ P/L)",
                    format::rao(p.alpha_rao),
                    format::rao(p.value_rao),
                    format::signed(format::signed_units(p.unrealized_rao()))
                ),
                _ => format!("{owner}: no position"),
            },
            t.you,
        )]);
        let miner = me.is_some_and(|m| m.miner_on.contains(&s.netuid));
        let policy = me
            .and_then(|m| m.policies.iter().find(|(n, _)| *n == s.netuid))
            .map_or("honest".to_string(), |(_, p)| p.name().to_string());
        facts
            .push(vec![Span::styled(format!("miner: {} · policy: {policy}", if miner { "yes" } else { "no" }), t.dim)]);
    }
    if let Some(x) = detail.and_then(|d| d.alpha_until_halving_rao) {
        facts.push(vec![Span::styled(format!("alpha halving in {} α", format::rao(x)), t.dim)]);
    }
    let lines = flow(facts, usize::from(area.width), t.dim);
    let head_h = u16::try_from(lines.len()).unwrap_or(3).min(5);
    let [head, rest] = Layout::vertical([Constraint::Length(head_h), Constraint::Min(6)]).areas(area);
    Paragraph::new(lines).render(head, buf);

    let [left, right] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(rest);
    charts(app, s.netuid, left, buf);
    let Some(d) = detail else {
        Paragraph::new(Span::styled("loading the subnet's holders…", t.dim))
            .block(panel(app, " Consensus "))
            .render(right, buf);
        return;
    };
    let tall = right.height >= 30;
    let (cons_h, miners_h) =
        if tall { (right.height * 45 / 100, right.height * 25 / 100) } else { (right.height / 2 + 1, 0) };
    let [cons, miners, trades] =
        Layout::vertical([Constraint::Length(cons_h), Constraint::Length(miners_h), Constraint::Min(3)]).areas(right);
    consensus(app, d, cons, buf);
    if miners_h > 0 {
        miner_table(app, d, miners, buf);
    }
    trade_table(app, d, trades, buf);
}

/// The most of a name the Subnet screen's tables show: a player's whole name; the three
/// tables cut a longer bot name alike.
const NAME_W: usize = crate::session::MAX_NAME_CHARS;
/// A subnet's price and moving price, as the market and subnet screens chart them.
pub(super) fn price_series<'a>(app: &App, h: &'a SubnetHistory) -> [chart::Series<'a>; 2] {
    let t = &app.theme;
    [
        chart::Series {
            name: "price".into(),
            data: h.lines.series(series::PRICE),
            style: t.series[0],
            marker: t.markers[0],
        },
        chart::Series {
            name: "moving".into(),
            data: h.lines.series(series::MOVING),
            style: t.series[1],
            marker: t.markers[1],
        },
    ]
}

/// A subnet's emission share over time.
pub(super) fn share_series<'a>(app: &App, h: &'a SubnetHistory) -> chart::Series<'a> {
    let t = &app.theme;
    chart::Series {
        name: "share".into(),
        data: h.lines.series(series::SHARE),
        style: t.series[2],
        marker: t.markers[0],
    }
}

fn charts(app: &App, netuid: u16, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let Some(h) = app.snap().history.subnets.get(&netuid) else { return };
    let price = price_series(app, h);
    let share = [share_series(app, h)];
    let root = [chart::Series {
        name: "root prop".into(),
        data: h.lines.series(series::ROOT_PROP),
        style: t.series[3],
        marker: t.markers[0],
    }];
    // The three charts share one time axis.
    let from = chart::first_x(&[&price, &share, &root]);
    let draw = |area: Rect, buf: &mut Buffer, title: &str, series: &[chart::Series<'_>], fmt: chart::Fmt| {
        chart::draw_from(app, area, buf, title, series, fmt, from);
    };
    if area.height >= 27 {
        let [a, b, c] =
            Layout::vertical([Constraint::Percentage(46), Constraint::Percentage(27), Constraint::Percentage(27)])
                .areas(area);
        draw(a, buf, "τ/α", &price, chart::Fmt::Price);
        draw(b, buf, "emission share", &share, chart::Fmt::Pct);
        draw(c, buf, "root proportion", &root, chart::Fmt::Pct);
    } else {
        let [a, b] = Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
        draw(a, buf, "τ/α", &price, chart::Fmt::Price);
        let [b1, b2] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(b);
        draw(b1, buf, "emission share", &share, chart::Fmt::Pct);
        draw(b2, buf, "root prop", &root, chart::Fmt::Pct);
    }
}

fn consensus(app: &App, d: &SubnetDetail, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let block = panel(app, format!(" Consensus · {} validators ", d.holders.len()));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 3 {
        return;
    }
    let total = d.alpha_weight_rao.saturating_add(d.root_weight_rao);
    let root_frac = if total == 0 { 0.0 } else { d.root_weight_rao as f64 / total as f64 };
    // Root's share of the validators' stake weight (not the header's root prop): named,
    // with a bar when there is room for one.
    let label = if inner.width >= 44 { " stake weight:" } else { " weight:" };
    let w = usize::from(inner.width).saturating_sub(24 + label.len());
    let split = Line::from(vec![
        Span::styled(label, t.dim),
        Span::raw(format!(" root {:>3.0}% ", root_frac * 100.0)),
        if w >= 4 { Span::styled(bar(root_frac, w), t.series[3]) } else { Span::raw("·") },
        Span::raw(format!(" alpha {:>3.0}%", (1.0 - root_frac) * 100.0)),
    ]);
    let top = d.holders.first();
    let control = match (&d.controller, top) {
        (Some(c), Some(h)) => {
            // The share's words shrink before they are cut mid-word.
            let head = format!(" ⚠ {c} controls it");
            let room = usize::from(inner.width).saturating_sub(head.chars().count());
            let share = format::pct(h.share);
            let tail =
                [format!(": {share} of the stake weight"), format!(": {share} of the weight"), format!(": {share}")]
                    .into_iter()
                    .find(|s| s.chars().count() <= room)
                    .unwrap_or_default();
            Line::from(vec![Span::styled(head, t.warn), Span::raw(tail)])
        }
        (None, Some(h)) => Line::from(vec![
            Span::styled(" no single majority", t.up),
            Span::styled(format!(" · largest {} {}", h.name, format::pct(h.share)), t.dim),
        ]),
        _ => Line::styled(" no validators", t.dim),
    };
    let [l1, l2, table] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    split.render(l1, buf);
    control.render(l2, buf);
    let human = app.info().human;
    let wide = table.width >= 56;
    // The policy's whole name (reward_sellers) where it fits, else without its `reward_`.
    let policy_w: u16 = if table.width >= 62 { 14 } else { 8 };
    let (widths, header): (Vec<Constraint>, Vec<Cell>) = if wide {
        (
            vec![
                Constraint::Min(10),
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Length(6),
                Constraint::Length(policy_w),
            ],
            vec![
                Cell::from("Holder"),
                Cell::from(Line::raw("Alpha").right_aligned()),
                Cell::from(Line::raw("τ·Root").right_aligned()),
                Cell::from(Line::raw("Share").right_aligned()),
                Cell::from("Policy"),
            ],
        )
    } else {
        (
            vec![Constraint::Min(8), Constraint::Length(9), Constraint::Length(6)],
            vec![
                Cell::from("Holder"),
                Cell::from(Line::raw("Weight").right_aligned()),
                Cell::from(Line::raw("Share").right_aligned()),
            ],
        )
    };
    let name_w =
        column_widths(&widths, Flex::Start, table.width, 0).first().map_or(NAME_W, |w| usize::from(*w).min(NAME_W));
    let rows = d.holders.iter().take(usize::from(table.height.saturating_sub(1))).map(|h| {
        let style = if Some(h.id) == human {
            t.you
        } else if h.kind == AccountKind::Bot {
            t.accent
        } else {
            t.text
        };
        let mut cells = vec![Cell::from(Line::styled(format::clip(&h.name, name_w), style))];
        if wide {
            cells.push(Cell::from(Line::raw(format::column_rao(h.alpha_rao)).right_aligned()));
            cells.push(Cell::from(Line::raw(format::column_rao(h.root_weight_rao)).right_aligned()));
        } else {
            cells.push(Cell::from(
                Line::raw(format::column_rao(h.alpha_rao.saturating_add(h.root_weight_rao))).right_aligned(),
            ));
        }
        cells.push(Cell::from(Line::raw(format::pct(h.share)).right_aligned()));
        if wide {
            let name = h.policy.name();
            let name = if name.len() > usize::from(policy_w) { name.trim_start_matches("reward_") } else { name };
            cells.push(Cell::from(Line::styled(name, t.dim)));
        }
        Row::new(cells)
    });
    Table::new(rows, widths).header(Row::new(header).style(t.header)).column_spacing(1).render(table, buf);
}

fn miner_table(app: &App, d: &SubnetDetail, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let widths = [Constraint::Min(10), Constraint::Length(7), Constraint::Length(11), Constraint::Length(11)];
    let name_w = column_widths(&widths, Flex::Start, area.width.saturating_sub(2), 0)
        .first()
        .map_or(NAME_W, |w| usize::from(*w).min(NAME_W));
    let room = usize::from(area.height.saturating_sub(3));
    let rows = d.miners.iter().take(room).map(|m| {
        Row::new(vec![
            Cell::from(format::clip(&m.name, name_w)),
            Cell::from(Line::raw(if m.quality > 0 { m.quality.to_string() } else { "-".into() }).right_aligned()),
            Cell::from(Line::raw(format::column_rao(m.alpha_rao)).right_aligned()),
            Cell::from(Line::raw(format::column_rao(m.sold_rao)).right_aligned()),
        ])
    });
    Table::new(rows, widths)
        .header(
            Row::new(vec![
                Cell::from("Miner"),
                Cell::from(Line::raw("Quality").right_aligned()),
                Cell::from(Line::raw("Alpha").right_aligned()),
                Cell::from(Line::raw("Sold").right_aligned()),
            ])
            .style(t.header),
        )
        .block(panel(app, format!(" Miners · {} ", d.miners.len())))
        .column_spacing(1)
        .render(area, buf);
    super::hidden_rows(app, area, 0, d.miners.len().saturating_sub(room), buf);
}

fn trade_table(app: &App, d: &SubnetDetail, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let n = usize::from(area.height.saturating_sub(3));
    let wide = area.width >= 52;
    let mut widths = vec![Constraint::Length(6), Constraint::Min(6), Constraint::Length(4), Constraint::Length(9)];
    if wide {
        widths.push(Constraint::Length(11));
    }
    let who_w = column_widths(&widths, Flex::Start, area.width.saturating_sub(2), 0)
        .get(1)
        .map_or(NAME_W, |w| usize::from(*w).min(NAME_W));
    let rows = d.trades.iter().rev().take(n).map(|tr| {
        let who_style = match tr.kind {
            AccountKind::Human => t.you,
            AccountKind::Bot => t.accent,
            AccountKind::Npc => t.text,
        };
        let mut cells = vec![
            Cell::from(Line::styled(format::int(tr.block), t.dim)),
            Cell::from(Line::styled(format::clip(&tr.who, who_w), who_style)),
            Cell::from(Line::styled(if tr.buy { "buy" } else { "sell" }, if tr.buy { t.up } else { t.down })),
            Cell::from(Line::raw(format::column_rao(tr.tao_rao)).right_aligned()),
        ];
        if wide {
            cells.push(Cell::from(Line::raw(format::column_rao(tr.alpha_rao)).right_aligned()));
        }
        Row::new(cells)
    });
    let mut header =
        vec![Cell::from("Block"), Cell::from("Who"), Cell::from("Side"), Cell::from(Line::raw("TAO").right_aligned())];
    if wide {
        header.push(Cell::from(Line::raw("Alpha").right_aligned()));
    }
    Table::new(rows, widths)
        .header(Row::new(header).style(t.header))
        .block(panel(app, " Recent trades "))
        .column_spacing(1)
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use crate::tui::testing::{app_with, keys, rows};

    #[test]
    fn a_players_whole_name_shows_where_a_table_has_room() {
        const NAME: &str = "Maximiliana-Rosenkavali"; // 23 characters; a player may have 24
        let mut app = app_with(|s| {
            crate::tui::testing::watching(s, 1, crate::engine::Policy::Honest, 0.1);
            let d = s.detail.as_mut().expect("the subnet's detail");
            d.holders[0].name = NAME.into();
            d.miners.push(crate::session::handle::MinerRow {
                name: NAME.into(),
                quality: 0,
                alpha_rao: 1,
                sold_rao: 0,
            });
            d.trades.push(crate::session::handle::Trade {
                block: 0,
                who: NAME.into(),
                kind: crate::engine::AccountKind::Human,
                buy: true,
                tao_rao: 1,
                alpha_rao: 1,
            });
        });
        keys(&mut app, "2");
        let screen = rows(&mut app, 160, 48);
        // Whole where the column has room (the trades' and miners'; they cut it at 18 and
        // 20 before); the Holder column, beside four others, cuts it at its width.
        for (header, shown) in [("Miner", NAME), ("Who", NAME), ("Holder", "Maximiliana-Rosenkav…")] {
            let at = screen.iter().position(|r| r.contains(header)).unwrap_or_else(|| panic!("{header}"));
            let below = screen[at..].iter().take(12).cloned().collect::<Vec<_>>().join("\n");
            assert!(below.contains(shown), "the {header} table:\n{below}");
        }
    }
}
