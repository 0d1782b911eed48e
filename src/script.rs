//! Lua strategy host (mlua, Lua 5.4 vendored): sandbox, budgets, the `dtao` API,
//! view -> Lua, Lua -> orders. Uses only `engine`.
