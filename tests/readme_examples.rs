//! The README (and `saves/README.md`, `maps/README.md`) and the `--help` texts stay true
//! to the command line: every `dtao-arena` command they show is accepted by the argument
//! parser, every flag they name exists (on the command they name it for), and every
//! flag of every command is documented in the README. Renaming a flag without updating
//! the docs fails here.
//!
//! The commands are parsed in-process with the binary's own parser ([`Cli`]), which
//! checks flags, values, required arguments and conflicts without running anything.

use std::collections::BTreeSet;

use clap::{CommandFactory, Parser};
use dtao_arena::cli::Cli;

/// Flags of other programs that the README shows (`cargo bench --bench engine`, ...).
const OTHER_TOOLS_FLAGS: &[&str] =
    &["--release", "--test", "--bench", "--check", "--all-targets", "--example", "--tool", "--locked"];

/// The other documents whose `dtao-arena` command lines must parse.
const OTHER_DOCS: &[&str] = &["saves/README.md", "maps/README.md"];

fn doc(name: &str) -> String {
    let path = format!("{}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn readme() -> String {
    doc("README.md")
}

/// A command line found in the docs, and where.
#[derive(Debug)]
struct Example {
    source: String,
    line: String,
}

/// A Markdown document split into fenced code blocks (their language and lines) and
/// the prose around them.
struct Readme {
    blocks: Vec<(String, Vec<String>)>,
    prose: String,
}

fn split_markdown(text: &str) -> Readme {
    let mut blocks = Vec::new();
    let mut prose = String::new();
    let mut open: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (fence, open.take()) {
            (Some(lang), None) => open = Some((lang.trim().to_string(), Vec::new())),
            (Some(_), Some(block)) => blocks.push(block),
            (None, Some((lang, mut lines))) => {
                lines.push(line.to_string());
                open = Some((lang, lines));
            }
            (None, None) => {
                prose.push_str(line);
                prose.push('\n');
            }
        }
    }
    assert!(open.is_none(), "a document has an unclosed code fence");
    Readme { blocks, prose }
}

/// Lines joined where they end in a `\` continuation.
fn join_continuations(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in lines {
        let l = if pending.is_empty() { line.as_str() } else { line.trim_start() };
        if let Some(head) = l.trim_end().strip_suffix('\\') {
            pending.push_str(head.trim_end());
            pending.push(' ');
        } else {
            pending.push_str(l);
            out.push(std::mem::take(&mut pending));
        }
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

/// `dtao-arena ...` lines of a code block (a leading `$ ` prompt allowed).
fn command_lines(lines: &[String]) -> Vec<String> {
    join_continuations(lines)
        .into_iter()
        .map(|l| l.trim().trim_start_matches("$ ").trim().to_string())
        .filter(|l| l == "dtao-arena" || l.starts_with("dtao-arena "))
        .collect()
}

/// The words a shell would pass: up to a comment, a pipe or `;`, without redirections.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    let mut out = Vec::new();
    let mut skip_next = false;
    for w in words {
        if skip_next {
            skip_next = false;
            continue;
        }
        if w.starts_with('#') || w == "|" || w == ";" || w == "&&" || w == "||" {
            break;
        }
        let redirect = w.trim_start_matches(|c: char| c.is_ascii_digit());
        if redirect.starts_with('>') || redirect.starts_with('<') {
            // `> file` takes the next word; `>file` is one word.
            skip_next = redirect.trim_start_matches(['>', '<', '&']).is_empty();
            continue;
        }
        out.push(w);
    }
    out
}

/// Every `--flag` in a text.
fn flags_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i + 2 < b.len() {
        let starts =
            b[i] == b'-' && b[i + 1] == b'-' && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-'));
        if starts && (b[i + 2].is_ascii_lowercase() || b[i + 2].is_ascii_digit()) {
            let mut j = i + 2;
            while j < b.len() && (b[j].is_ascii_lowercase() || b[j].is_ascii_digit() || b[j] == b'-') {
                j += 1;
            }
            out.push(text[i..j].trim_end_matches('-').to_string());
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// The long flags of a command (`--help` and `--version` included).
fn long_flags(cmd: &clap::Command) -> BTreeSet<String> {
    let mut set: BTreeSet<String> =
        cmd.get_arguments().filter_map(|a| a.get_long()).map(|l| format!("--{l}")).collect();
    set.insert("--help".into());
    set
}

fn subcommand_names() -> Vec<String> {
    Cli::command().get_subcommands().map(|s| s.get_name().to_string()).filter(|n| n != "help").collect()
}

/// Inline code spans of the prose, with table escapes (`\|`) undone and line breaks as
/// spaces.
fn inline_spans(prose: &str) -> Vec<String> {
    prose
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.replace("\\|", "|").split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// A synopsis (`[--map NAME|PATH]`, `(--name NAME | --spectate)`, `FILE...`) rather
/// than a command to run.
fn is_synopsis(s: &str) -> bool {
    s.contains(['[', ']', '(', ')', '|']) || s.contains("...")
}

/// What the docs show, sorted: commands to parse, and synopses or mentions whose flags
/// must belong to their command.
#[derive(Default)]
struct Found {
    commands: Vec<Example>,
    synopses: Vec<Example>,
}

fn from_readme() -> Found {
    from_doc("README.md")
}

fn from_doc(name: &str) -> Found {
    let text = doc(name);
    let r = split_markdown(&text);
    let mut found = Found::default();
    for (k, (lang, lines)) in r.blocks.iter().enumerate() {
        for line in command_lines(lines) {
            found.commands.push(Example { source: format!("{name}, code block {} ({lang})", k + 1), line });
        }
    }
    let subcommands = subcommand_names();
    for span in inline_spans(&r.prose) {
        let first = span.split_whitespace().next().unwrap_or_default();
        if first == "dtao-arena" {
            let rest: Vec<&str> = span.split_whitespace().skip(1).collect();
            // `dtao-arena sweep` names the command; it is not a command line.
            let mention = rest.len() == 1 && subcommands.iter().any(|s| s == rest[0]);
            let e = Example { source: format!("{name}, inline"), line: span.clone() };
            if is_synopsis(&span) || mention {
                found.synopses.push(e);
            } else {
                found.commands.push(e);
            }
        } else if subcommands.iter().any(|s| s == first) && span.contains("--") {
            // `sim --json`, `replay FILE --verify`, `serve --map NAME|PATH [--port P] ...`
            found.synopses.push(Example { source: format!("{name}, inline"), line: format!("dtao-arena {span}") });
        }
    }
    found
}

/// The `Examples:` of the top-level help and of every subcommand's help.
fn from_help() -> Vec<Example> {
    let top = Cli::command();
    let mut helps: Vec<(String, String)> =
        vec![("dtao-arena --help".into(), top.get_after_help().map(ToString::to_string).unwrap_or_default())];
    for s in top.get_subcommands() {
        let text = s.get_after_help().map(ToString::to_string).unwrap_or_default();
        helps.push((format!("dtao-arena {} --help", s.get_name()), text));
    }
    let mut out = Vec::new();
    for (source, text) in helps {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        for line in join_continuations(&lines) {
            let line = line.trim();
            if line != "dtao-arena" && !line.starts_with("dtao-arena ") {
                continue;
            }
            // Two spaces or more part the command from its description.
            let command = line.split("  ").next().unwrap_or_default().trim().to_string();
            out.push(Example { source: source.clone(), line: command });
        }
    }
    out
}

/// Parses a command line with the binary's parser; the error as clap renders it.
fn parse(line: &str) -> Result<(), String> {
    let words = shell_words(line);
    Cli::try_parse_from(&words).map(|_| ()).map_err(|e| e.render().to_string())
}

/// The flags of `line` that its command does not have.
fn unknown_flags(line: &str) -> Vec<String> {
    let top = Cli::command();
    let sub = line.split_whitespace().nth(1).and_then(|w| top.find_subcommand(w));
    let known = long_flags(sub.unwrap_or(&top));
    flags_in(line).into_iter().filter(|f| !known.contains(f)).collect()
}

#[test]
fn every_readme_command_line_parses() {
    let found = from_readme();
    // The README's examples are many; finding few means the extraction broke.
    assert!(found.commands.len() >= 20, "only {} command lines found in README.md", found.commands.len());
    let mut failures = Vec::new();
    for e in &found.commands {
        if let Err(err) = parse(&e.line) {
            failures.push(format!("{}: `{}`\n{err}", e.source, e.line));
        }
    }
    assert!(failures.is_empty(), "README.md shows commands the parser refuses:\n\n{}", failures.join("\n\n"));
}

#[test]
fn every_command_line_of_the_other_docs_parses() {
    let mut failures = Vec::new();
    let mut commands = 0;
    for name in OTHER_DOCS {
        let found = from_doc(name);
        commands += found.commands.len();
        for e in &found.commands {
            if let Err(err) = parse(&e.line) {
                failures.push(format!("{}: `{}`\n{err}", e.source, e.line));
            }
        }
        for e in &found.synopses {
            let unknown = unknown_flags(&e.line);
            if !unknown.is_empty() {
                failures.push(format!("{}: `{}`: no such flag {}", e.source, e.line, unknown.join(", ")));
            }
        }
    }
    // saves/README.md alone has the six commands that re-record its files.
    assert!(commands >= 6, "only {commands} command lines found in {OTHER_DOCS:?}");
    assert!(failures.is_empty(), "documents show commands the parser refuses:\n\n{}", failures.join("\n\n"));
}

#[test]
fn every_help_example_parses() {
    let examples = from_help();
    assert!(examples.len() >= 30, "only {} examples found in the help texts", examples.len());
    let mut failures = Vec::new();
    for e in &examples {
        if let Err(err) = parse(&e.line) {
            failures.push(format!("{}: `{}`\n{err}", e.source, e.line));
        }
    }
    assert!(failures.is_empty(), "help examples the parser refuses:\n\n{}", failures.join("\n\n"));
}

#[test]
fn every_subcommand_with_options_has_examples_in_its_help() {
    for s in Cli::command().get_subcommands() {
        let name = s.get_name();
        if matches!(name, "help" | "strategies") {
            continue;
        }
        let text = s.get_after_help().map(ToString::to_string).unwrap_or_default();
        assert!(
            text.contains("Examples:") && text.contains(&format!("dtao-arena {name}")),
            "`dtao-arena {name} --help` has no examples of `dtao-arena {name}`"
        );
    }
}

#[test]
fn synopses_and_mentions_name_only_flags_of_their_command() {
    let found = from_readme();
    assert!(found.synopses.len() >= 10, "only {} synopses found in README.md", found.synopses.len());
    let mut failures = Vec::new();
    for e in found.synopses.iter().chain(&found.commands) {
        let unknown = unknown_flags(&e.line);
        if !unknown.is_empty() {
            failures.push(format!("{}: `{}`: no such flag {}", e.source, e.line, unknown.join(", ")));
        }
        let top = Cli::command();
        if let Some(w) = e.line.split_whitespace().nth(1) {
            if !w.starts_with('-') && top.find_subcommand(w).is_none() && !w.starts_with('[') {
                failures.push(format!("{}: `{}`: no command '{w}'", e.source, e.line));
            }
        }
    }
    assert!(failures.is_empty(), "README.md names flags that do not exist:\n{}", failures.join("\n"));
}

#[test]
fn every_flag_the_readme_names_exists() {
    let text = readme();
    let r = split_markdown(&text);
    // Lua and TOML blocks use `--` for comments.
    let shell: String = r
        .blocks
        .iter()
        .filter(|(lang, _)| matches!(lang.as_str(), "" | "sh" | "bash" | "console" | "text"))
        .flat_map(|(_, lines)| lines.iter().map(|l| format!("{l}\n")))
        .collect();
    let mut known: BTreeSet<String> = OTHER_TOOLS_FLAGS.iter().map(ToString::to_string).collect();
    let top = Cli::command();
    known.extend(long_flags(&top));
    for s in top.get_subcommands() {
        known.extend(long_flags(s));
    }
    let unknown: BTreeSet<String> =
        flags_in(&r.prose).into_iter().chain(flags_in(&shell)).filter(|f| !known.contains(f)).collect();
    assert!(unknown.is_empty(), "README.md names flags no command has: {unknown:?}");
}

#[test]
fn every_command_and_flag_is_documented_in_the_readme() {
    let text = readme();
    let named: BTreeSet<String> = flags_in(&text).into_iter().collect();
    let mut missing = Vec::new();
    for s in Cli::command().get_subcommands() {
        let name = s.get_name();
        if name == "help" {
            continue;
        }
        if !text.contains(&format!("`dtao-arena {name}")) {
            missing.push(format!("the command `dtao-arena {name}`"));
        }
        for f in long_flags(s) {
            if f != "--help" && !named.contains(&f) {
                missing.push(format!("`dtao-arena {name} {f}`"));
            }
        }
    }
    assert!(missing.is_empty(), "README.md does not document: {}", missing.join(", "));
}

#[test]
fn the_extraction_sees_what_a_shell_would() {
    assert_eq!(
        shell_words("dtao-arena sim --map tutorial --json > day1.json   # a comment"),
        ["dtao-arena", "sim", "--map", "tutorial", "--json"]
    );
    assert_eq!(
        shell_words("dtao-arena serve --map tutorial --start < /dev/null"),
        ["dtao-arena", "serve", "--map", "tutorial", "--start"]
    );
    assert_eq!(shell_words("dtao-arena sim --json 2>/dev/null | head"), ["dtao-arena", "sim", "--json"]);
    assert_eq!(
        flags_in("[--trace FILE.csv --every K] -- x --bot-deadline-ms (1 s)"),
        ["--trace", "--every", "--bot-deadline-ms"]
    );
    let lines: Vec<String> = ["$ dtao-arena sweep --map m \\", "    --seeds 4 --out x.csv", "not a command"]
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(command_lines(&lines), ["dtao-arena sweep --map m --seeds 4 --out x.csv"]);
    // A renamed flag is caught.
    assert!(parse("dtao-arena sim --map tutorial --trace t.csv --every 360").is_ok());
    assert!(parse("dtao-arena sim --map tutorial --trace t.csv --interval 360").is_err());
    assert_eq!(unknown_flags("dtao-arena sim [--interval K]"), ["--interval"]);
    assert!(is_synopsis("dtao-arena replay FILE [--verify]") && !is_synopsis("dtao-arena replay day.dtrec"));
}

/// The README's table of the view's fields names fields a strategy can read: each one
/// listed for `w`, `w.me`, a subnet, an account and `w.params` is there (not nil) in a
/// strategy's first call on the tutorial map.
#[test]
fn the_view_fields_the_readme_lists_exist() {
    use dtao_arena::engine::{AccountKind, Tao};
    let text = readme();
    let row = |table: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("| {table}")))
            .unwrap_or_else(|| panic!("no row for {table} in the README's view table"));
        let fields = line.splitn(3, '|').nth(2).unwrap_or_default();
        fields
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|f| f.split('[').next().unwrap_or(f).to_string())
            .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect()
    };
    let checks: Vec<(String, Vec<String>)> = vec![
        ("w".into(), row("`w`").into_iter().filter(|f| f != "results" && f != "accounts").collect()),
        ("w.me".into(), row("`w.me`")),
        ("w.subnets[1]".into(), row("a subnet (")),
        ("w.accounts[1]".into(), row("`w.accounts[i]`")),
        ("w.params".into(), row("`w.params`")),
    ];
    let mut src = String::from("function on_tick(w)\n  local missing = {}\n");
    for (table, fields) in &checks {
        assert!(fields.len() >= 3, "{table}: {fields:?}");
        for f in fields {
            src.push_str(&format!("  if {table}.{f} == nil then missing[#missing + 1] = \"{table}.{f}\" end\n"));
        }
    }
    src.push_str("  if #missing > 0 then error(table.concat(missing, \", \")) end\nend\n");
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    let mut w = map.build(None).expect("world");
    let me = w.add_account("bot", AccountKind::Bot, Tao(1_000_000_000_000));
    let mut s = dtao_arena::script::Strategy::load("fields.lua", &src, 1, dtao_arena::script::Limits::default())
        .expect("loads");
    let out = s.on_tick(&w, me, &[]);
    assert_eq!(out.fault, None, "fields the README lists but the view lacks");
}
