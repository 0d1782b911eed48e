//! The shipped strategies (`strategies/*.lua`), embedded in the binary so that
//! `dtao-arena strategies`, `--bot NAME`, `--strategies NAME` and the game can use them
//! anywhere.

/// A shipped strategy.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// Name (the file stem).
    pub name: &'static str,
    /// Source text.
    pub source: &'static str,
}

impl Builtin {
    /// The one-line description: the text after `name.lua:` on the file's first line.
    #[must_use]
    pub fn description(&self) -> &'static str {
        let first = self.source.lines().next().unwrap_or("");
        let text = first.trim_start_matches("--").trim();
        text.split_once(": ").map_or(text, |(_, d)| d)
    }
}

macro_rules! builtins {
    ($($name:literal),+ $(,)?) => {
        &[$(Builtin { name: $name, source: include_str!(concat!("../../strategies/", $name, ".lua")) }),+]
    };
}

/// Every shipped strategy, the template last.
pub const ALL: &[Builtin] =
    builtins!["root_holder", "yield_chaser", "momentum", "mean_reversion", "meme_rider", "subnet_launcher", "template"];

/// The shipped strategy with this name (with or without `.lua`).
#[must_use]
pub fn find(name: &str) -> Option<Builtin> {
    let name = name.strip_suffix(".lua").unwrap_or(name);
    ALL.iter().copied().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_file_is_embedded_with_a_description() {
        let mut on_disk: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/strategies"))
            .expect("strategies/")
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".lua")).map(str::to_string))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = ALL.iter().map(|b| b.name.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "add new strategies to builtin::ALL");
        for b in ALL {
            assert!(b.description().len() > 10, "{}: {}", b.name, b.description());
        }
        assert_eq!(find("momentum.lua").map(|b| b.name), Some("momentum"));
    }
}
