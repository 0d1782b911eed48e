//! Maps: TOML to an engine [`WorldInit`](crate::engine::WorldInit).
