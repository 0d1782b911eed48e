-- dtao-arena strategy host: the Lua half of `src/script`.
--
-- Runs once per Lua state, before the strategy's file, with the Rust helpers `H` as its
-- argument. It captures every builtin it uses as a local first, so nothing a strategy
-- later does to its globals or to the `string` table can change the host's behaviour;
-- then it replaces or removes the unsafe and non-deterministic builtins, builds the `dtao`
-- table and the read-only view `w`, and returns its private functions to Rust.
--
-- Rust helpers return an error message (or nil) instead of raising, and the wrappers
-- here raise it with `error(msg, 2)`: strategies always see plain string errors that
-- name their own file and line.

local H = ...

local type, select, error, next = type, select, error, next
local rawget, rawset_raw, rawlen = rawget, rawset, rawlen
local setmetatable_raw, tostring_raw = setmetatable, tostring
local pcall_raw = pcall
local co_create, co_resume, co_close, co_status = coroutine.create, coroutine.resume, coroutine.close, coroutine.status
local find, match, gmatch, gsub = string.find, string.match, string.gmatch, string.gsub
local rep, format, unpack_bin, sub = string.rep, string.format, string.unpack, string.sub
local concat, unpack = table.concat, table.unpack
local toint, maxinteger, ult, tonumber_c = math.tointeger, math.maxinteger, math.ult, tonumber

local check, metafield, sorted_keys = H.check, H.metafield, H.sorted_keys
local pattern_guard, rep_guard, format_guard = H.pattern, H.rep, H.format
local random_raw, randomseed_raw, log_raw = H.random, H.randomseed, H.log
local charge_size = H.charge_size

-- `return reraise(pcall_raw(f, ...))` calls a library function `f` from a wrapper and
-- passes its results through. An error that `f` itself raised has no position (its
-- caller is pcall) or names this file ("dtao-host:123: ..."): it is re-raised at the
-- strategy's line instead. Errors with a position (the strategy's own callbacks) and
-- non-string errors pass unchanged; a reached limit (or running out of memory) stops the
-- call. Must be called in tail position, so that level 2 is the strategy.
local function reraise(ok, ...)
  if ok then return ... end
  local e = ...
  local stop = check(false, e)
  if stop ~= nil then error(stop, 0) end
  if type(e) == "string" then
    if find(e, "dtao-host:", 1, true) == 1 then
      local at = find(e, ": ", 1, true)
      if at then e = sub(e, at + 2) end
      error(e, 2)
    elseif not match(sub(e, 1, 200), "^[^\n]-:%d+: ") then
      error(e, 2)
    end
  end
  error(e, 0)
end

-- `return named("byte", pcall_raw(byte_raw, ...))`: `reraise`, with the library
-- function's own name in its argument errors ("bad argument #1 to 'byte'"), which Lua
-- cannot find for a function the sandbox has wrapped (it says '?').
local function named(name, ok, ...)
  if ok then return ... end
  local e = ...
  if type(e) == "string" then e = (gsub(e, "^(bad argument #%d+ to )'%?'", "%1'" .. name .. "'", 1)) end
  return reraise(false, e)
end

-- `return named_sized("sub", pcall_raw(sub_raw, ...))`: `named`, and a string result is
-- charged to the budget by its size once made (a copy of up to the memory limit, paid
-- for so that copying megabytes in a loop is a budget fault, not a wall-clock one).
local function named_sized(name, ok, ...)
  if ok then
    local r = ...
    if type(r) == "string" then
      local e = charge_size(r)
      if e ~= nil then error(e, 2) end
    end
    return ...
  end
  return named(name, ok, ...)
end

---------------------------------------------------------------------------------------
-- 1. Catchers re-raise once a limit of the call is spent (budget, clock, memory,
--    orders): a strategy cannot pcall its way past a limit.
---------------------------------------------------------------------------------------
local function pass(ok, ...)
  local e = check(ok, (...))
  if e ~= nil then error(e, 0) end
  return ok, ...
end

pcall = function(f, ...) return pass(pcall_raw(f, ...)) end

-- xpcall runs its message handler after the stack has unwound (as a pcall of the
-- handler), not inside Lua's error handling: there, after an error raised by the hook,
-- Lua runs the handler with hooks disabled, and a looping handler would never stop.
-- (Without the debug library a handler cannot see the unwound stack anyway.)
local function xhandled(ok, ...)
  local e = check(ok, (...))
  if e ~= nil then error(e, 0) end
  return false, (...)
end
local function xpass(msgh, ok, ...)
  local e = check(ok, (...))
  if e ~= nil then error(e, 0) end
  if ok then return true, ... end
  return xhandled(pcall_raw(msgh, (...)))
end
xpcall = function(f, msgh, ...)
  if type(msgh) ~= "function" then
    error("bad argument #2 to 'xpcall' (function expected, got " .. type(msgh) .. ")", 2)
  end
  return xpass(msgh, pcall_raw(f, ...))
end

coroutine.resume = function(co, ...) return pass(co_resume(co, ...)) end

-- A coroutine that died of an error is not closed: if the error came from the hook, the
-- coroutine's hooks are still disabled and its pending `<close>` handlers would run
-- unbudgeted. So `coroutine.close` of a dead coroutine just returns true, and
-- `coroutine.wrap` (rebuilt on create/resume) does not close on error.
coroutine.close = function(co)
  if co_status(co) == "dead" then return true end
  return pass(co_close(co))
end
local function wrap_result(ok, ...)
  local e = check(ok, (...))
  if e ~= nil then error(e, 0) end
  if ok then return ... end
  local err = ...
  if type(err) == "string" then error(err, 2) end
  error(err, 0)
end
coroutine.wrap = function(f)
  local co = co_create(f)
  return function(...) return wrap_result(co_resume(co, ...)) end
end

---------------------------------------------------------------------------------------
-- 2. Deterministic tostring: no addresses. Tables, functions and coroutines print as
--    "table: #N" with N their order of first printing.
---------------------------------------------------------------------------------------
local ids = setmetatable_raw({}, { __mode = "k" })
local last_id = 0
local function addr_free(v, name)
  local id = ids[v]
  if id == nil then
    last_id = last_id + 1
    id = last_id
    ids[v] = id
  end
  return name .. ": #" .. id
end

local function tostring_safe(v)
  local t = type(v)
  if t == "table" or t == "userdata" then
    if metafield(v, "__tostring") ~= nil then return reraise(pcall_raw(tostring_raw, v)) end
    local name = metafield(v, "__name")
    if type(name) == "string" then t = name end
    return addr_free(v, t)
  elseif t == "function" or t == "thread" then
    return addr_free(v, t)
  end
  return tostring_raw(v)
end
tostring = tostring_safe

---------------------------------------------------------------------------------------
-- 3. Strings: pattern work bounded by construction, capped `rep`, no `%p`, no dump.
---------------------------------------------------------------------------------------
string.find = function(s, p, init, plain)
  local e = pattern_guard(1, s, p, init, plain)
  if e ~= nil then error(e, 2) end
  return named("find", pcall_raw(find, s, p, init, plain))
end
string.match = function(s, p, init)
  local e = pattern_guard(2, s, p, init, nil)
  if e ~= nil then error(e, 2) end
  return named("match", pcall_raw(match, s, p, init))
end
string.gmatch = function(s, p, init)
  local e = pattern_guard(3, s, p, init, nil)
  if e ~= nil then error(e, 2) end
  return named("gmatch", pcall_raw(gmatch, s, p, init))
end
string.gsub = function(s, p, repl, n)
  local e = pattern_guard(4, s, p, nil, nil)
  if e ~= nil then error(e, 2) end
  return named("gsub", pcall_raw(gsub, s, p, repl, n))
end
string.rep = function(s, n, sep)
  -- The count as C reads it ("3" is 3), so that the cap and the charge see it.
  local ni = toint(n)
  if ni == nil then return named("rep", pcall_raw(rep, s, n, sep)) end
  local e = rep_guard(s, ni, sep)
  if e ~= nil then error(e, 2) end
  return named("rep", pcall_raw(rep, s, ni, sep))
end
local function addressable(v)
  local t = type(v)
  return t == "table" or t == "function" or t == "thread" or t == "userdata"
end
string.format = function(fmt, ...)
  local e = format_guard(fmt)
  if e ~= nil then error(e, 2) end
  local n = select("#", ...)
  -- Tables and functions print without addresses. Many arguments are copied once (a
  -- `select` per argument would walk them all each time: quadratic).
  local args
  if n <= 16 then
    for i = 1, n do
      if addressable((select(i, ...))) then
        args = { ... }
        break
      end
    end
  else
    args = { ... }
  end
  if args ~= nil then
    local changed = false
    for j = 1, n do
      if addressable(args[j]) then
        args[j] = tostring_safe(args[j])
        changed = true
      end
    end
    if changed then return named_sized("format", pcall_raw(format, fmt, unpack(args, 1, n))) end
  end
  return named_sized("format", pcall_raw(format, fmt, ...))
end
string.sub = function(...) return named_sized("sub", pcall_raw(sub, ...)) end
string.dump = nil

-- Library functions whose C work grows with an argument's size (not only with the memory
-- they allocate) are charged to the budget by that size before they run.
local function charged(f, name)
  return function(a, ...)
    local e = charge_size(a)
    if e ~= nil then error(e, 2) end
    return named(name, pcall_raw(f, a, ...))
  end
end
-- Functions that walk a count of elements in C, which their arguments set (not the
-- memory they allocate): `table.move` walks `e - f + 1` of them without allocating, so
-- uncharged it would run past every limit in one call (the hook never runs inside C).
-- Each wrapper reads its integer arguments as Lua does (`math.tointeger`: integers,
-- integral floats, numeric strings), checks them as the C function would, charges the
-- count (64 or fewer are free), then calls C with the integers it charged, so that C
-- walks exactly what was paid for. An argument C would refuse takes the `pcall` path,
-- where C raises its own error at once, before any work: a catchable error, never a
-- budget fault. `#t` is read once (a `__len` may answer differently twice).
local charge_count = H.charge_count
local function charge_over(n)
  if n > 64 then
    local err = charge_count(n)
    if err ~= nil then error(err, 3) end
  end
end
local move_raw, insert_raw, remove_raw = table.move, table.insert, table.remove
local byte_raw, codepoint_raw = string.byte, utf8.codepoint
-- Many results are returned by a direct call, not through `pcall`: mlua's `pcall` pushes
-- its status past the room Lua keeps for a C function's results (an assertion in
-- Lua's debug builds). A million results or more no Lua stack holds: C refuses them at
-- once ("too many results"), on the `pcall` path.
local MAX_RESULTS = 1000000

table.move = function(a1, f, e, t, a2)
  local fi, ei, ti = toint(f), toint(e), toint(t)
  -- C's own checks, in its order: integers, then "too many elements", "wrap around".
  if fi ~= nil and ei ~= nil and ti ~= nil and ei >= fi and (fi > 0 or ei < maxinteger + fi) then
    local n = ei - fi + 1
    if ti <= maxinteger - n + 1 then
      charge_over(n)
      return named("move", pcall_raw(move_raw, a1, fi, ei, ti, a2))
    end
  end
  return named("move", pcall_raw(move_raw, a1, f, e, t, a2))
end

-- `#t` as C's `luaL_len` takes it: an integer, or its error.
local function length(t, name)
  local n = toint(#t)
  if n == nil then error("bad argument #1 to '" .. name .. "' (object length is not an integer)", 3) end
  return n
end
local function int_arg(v, k, name)
  local n = toint(v)
  if n ~= nil then return n end
  local why = tonumber_c(v) ~= nil and "number has no integer representation" or ("number expected, got " .. type(v))
  error("bad argument #" .. k .. " to '" .. name .. "' (" .. why .. ")", 3)
end

-- `insert(t, pos, v)` and `remove(t, pos)` on a table shift the elements after `pos`:
-- here in Lua, as C does it (the same reads and writes, metamethods included), so that
-- the budget counts every step. Appending, popping and other values stay with C.
table.insert = function(t, ...)
  if select("#", ...) ~= 2 or type(t) ~= "table" then
    return named("insert", pcall_raw(insert_raw, t, ...))
  end
  local pos, v = ...
  local e = length(t, "insert") + 1
  pos = int_arg(pos, 2, "insert")
  if not ult(pos - 1, e) then error("bad argument #2 to 'insert' (position out of bounds)", 2) end
  for i = e, pos + 1, -1 do t[i] = t[i - 1] end
  t[pos] = v
end
table.remove = function(t, ...)
  if select("#", ...) == 0 or type(t) ~= "table" then
    return named("remove", pcall_raw(remove_raw, t, ...))
  end
  local size = length(t, "remove")
  local pos = ...
  if pos == nil then pos = size else pos = int_arg(pos, 2, "remove") end
  if pos ~= size and not (pos - 1 == size or ult(pos - 1, size)) then
    error("bad argument #2 to 'remove' (position out of bounds)", 2)
  end
  local v = t[pos]
  while pos < size do
    t[pos] = t[pos + 1]
    pos = pos + 1
  end
  t[pos] = nil
  return v
end

table.unpack = function(t, i, j)
  local ii = i == nil and 1 or toint(i)
  local jj
  if j == nil then
    if type(t) == "table" then
      jj = toint(#t)
      -- Read once: C would read a `__len` again.
      if jj == nil then error("object length is not an integer", 2) end
    end
  else
    jj = toint(j)
  end
  if ii ~= nil and jj ~= nil then
    if ii > jj then return end
    local n = jj - ii
    if ult(n, MAX_RESULTS - 1) then
      n = n + 1
      if n > 16 then
        charge_over(n)
        return unpack(t, ii, jj)
      end
      return named("unpack", pcall_raw(unpack, t, ii, jj))
    end
  end
  return named("unpack", pcall_raw(unpack, t, i, j))
end

-- `s:byte(i, j)` and `utf8.codepoint(s, i, j)`: the bytes C walks, with its rules for
-- positions (negative ones count from the end, and are clamped as C clamps them).
string.byte = function(s, i, j)
  local l = type(s) == "string" and #s or nil
  local pi = i == nil and 1 or toint(i)
  local pe
  if j == nil then pe = pi else pe = toint(j) end
  if l ~= nil and pi ~= nil and pe ~= nil then
    -- posrelatI and getendpos (lstrlib.c).
    if pi < -l then pi = 1 elseif pi < 0 then pi = l + pi + 1 elseif pi == 0 then pi = 1 end
    if pe > l then pe = l elseif pe < -l then pe = 0 elseif pe < 0 then pe = l + pe + 1 end
    if pi > pe then return end
    local n = pe - pi + 1
    if n > 16 and n < MAX_RESULTS then
      charge_over(n)
      return byte_raw(s, pi, pe)
    end
    return named("byte", pcall_raw(byte_raw, s, pi, pe))
  end
  return named("byte", pcall_raw(byte_raw, s, i, j))
end
utf8.codepoint = function(s, i, j, lax)
  local l = type(s) == "string" and #s or nil
  local pi = i == nil and 1 or toint(i)
  if l ~= nil and pi ~= nil then
    -- u_posrelat (lutf8lib.c).
    if pi < 0 then pi = (-pi > l) and 0 or (l + pi + 1) end
    local pe = j == nil and pi or toint(j)
    if pe ~= nil then
      if pe < 0 then pe = (-pe > l) and 0 or (l + pe + 1) end
      local n = pe - pi + 1
      if pi >= 1 and pe <= l and n > 16 and n < MAX_RESULTS then
        charge_over(n)
        return codepoint_raw(s, pi, pe, lax)
      end
    end
  end
  return named("codepoint", pcall_raw(codepoint_raw, s, i, j, lax))
end
string.upper = charged(string.upper, "upper")
string.lower = charged(string.lower, "lower")
string.reverse = charged(string.reverse, "reverse")
string.pack = charged(string.pack, "pack")
string.packsize = charged(string.packsize, "packsize")
string.unpack = charged(string.unpack, "unpack")
table.concat = charged(table.concat, "concat")
utf8.len = charged(utf8.len, "len")
utf8.offset = charged(utf8.offset, "offset")
tonumber = charged(tonumber, "tonumber")

---------------------------------------------------------------------------------------
-- 4. Tables: a stable merge sort written in Lua (every comparison is counted by the
--    budget, ties keep their order, no random pivot), and a `pairs` and a `next` that
--    visit keys in sorted order (numbers, then strings, then booleans, then the view's
--    subnets by netuid and accounts by id). Two or more other keys that are tables or
--    functions are refused: Lua orders them by address, which differs from run to run.
---------------------------------------------------------------------------------------
local function lt(a, b) return a < b end

local function sort(t, comp)
  local n = #t
  if n < 2 then return end
  local a, b = {}, {}
  for i = 1, n do a[i] = t[i] end
  -- Insertion sort of runs of 8, then bottom-up merges.
  for lo = 1, n, 8 do
    local hi = lo + 7
    if hi > n then hi = n end
    for i = lo + 1, hi do
      local v = a[i]
      local j = i - 1
      while j >= lo and comp(v, a[j]) do
        a[j + 1] = a[j]
        j = j - 1
      end
      a[j + 1] = v
    end
  end
  local width = 8
  while width < n do
    for lo = 1, n, 2 * width do
      local mid = lo + width - 1
      if mid < n then
        local hi = lo + 2 * width - 1
        if hi > n then hi = n end
        local i, j, k = lo, mid + 1, lo
        while i <= mid and j <= hi do
          if comp(a[j], a[i]) then
            b[k] = a[j]
            j = j + 1
          else
            b[k] = a[i]
            i = i + 1
          end
          k = k + 1
        end
        while i <= mid do
          b[k] = a[i]
          i = i + 1
          k = k + 1
        end
        while j <= hi do
          b[k] = a[j]
          j = j + 1
          k = k + 1
        end
      else
        for k = lo, n do b[k] = a[k] end
      end
    end
    a, b = b, a
    width = width * 2
  end
  for i = 1, n do t[i] = a[i] end
end

table.sort = function(t, comp)
  if type(t) ~= "table" then
    error("bad argument #1 to 'sort' (table expected, got " .. type(t) .. ")", 2)
  end
  if comp == nil then
    comp = lt
  elseif type(comp) ~= "function" then
    error("bad argument #2 to 'sort' (function expected, got " .. type(comp) .. ")", 2)
  end
  return reraise(pcall_raw(sort, t, comp))
end

local VIEW_W -- (section 8) `w`, whose `accounts` is built on first use: a traversal builds it
local function pairs_sorted(t)
  local mm = metafield(t, "__pairs")
  if mm ~= nil then
    local f, s, c = mm(t)
    return f, s, c
  end
  if t == VIEW_W then local _ = t.accounts end
  if type(t) ~= "table" then
    error("bad argument #1 to 'pairs' (table expected, got " .. type(t) .. ")", 2)
  end
  local keys, n, e = sorted_keys(t)
  if e ~= nil then error("pairs: " .. e, 2) end
  local i = 0
  if keys == nil then
    -- The keys are exactly 1..n.
    return function()
      while i < n do
        i = i + 1
        local v = rawget(t, i)
        if v ~= nil then return i, v end
      end
    end, t, nil
  end
  return function()
    while i < n do
      i = i + 1
      local k = keys[i]
      local v = rawget(t, k)
      if v ~= nil then return k, v end
    end
  end, t, nil
end
pairs = pairs_sorted

-- `next` in the order of `pairs` (Lua's own follows string hashes seeded per run and
-- table addresses), on the view's tables too. A traversal's sorted keys are kept for the
-- table (weakly) while it runs, so that `for k, v in next, t` costs what `pairs` does;
-- `next(t)` starts anew.
local NEXT_KEYS = setmetatable_raw({}, { __mode = "k" })
local PDATA -- (section 5) a view proxy's data: `next` on the view goes through it
local function next_sorted(t, k)
  if type(t) ~= "table" then
    error("bad argument #1 to 'next' (table expected, got " .. type(t) .. ")", 2)
  end
  t = PDATA[t] or t
  if k == nil and t == VIEW_W then local _ = t.accounts end
  local c = NEXT_KEYS[t]
  if k == nil or c == nil or c.pos[k] == nil then
    local keys, n, e = sorted_keys(t)
    if e ~= nil then error("next: " .. e, 2) end
    if keys == nil then
      keys = {}
      for i = 1, n do keys[i] = i end
    end
    local pos = {}
    for i = 1, n do pos[keys[i]] = i end
    c = { keys = keys, pos = pos, n = n }
    NEXT_KEYS[t] = c
    if k ~= nil and pos[k] == nil then error("invalid key to 'next'", 2) end
  end
  local i = 0
  if k ~= nil then i = c.pos[k] end
  local keys = c.keys
  while i < c.n do
    i = i + 1
    local key = keys[i]
    local v = rawget(t, key)
    if v ~= nil then return key, v end
  end
  return nil
end
-- (`next` alone would set the host's local raw `next`, which its own loops keep using.)
_ENV.next = next_sorted

---------------------------------------------------------------------------------------
-- 5. Read-only tables (the view): an empty proxy whose metatable reads from the data.
--    Every table a strategy can reach from `w` is such a proxy: a read finds nothing in
--    the empty proxy and goes straight to the data table through `__index` (a table, not
--    a function: no call per read), and every write reaches `__newindex`, which raises.
--    The data tables never leave the host: `pairs` over a proxy hands out the proxy as
--    its state, not the data.
---------------------------------------------------------------------------------------
PDATA = setmetatable_raw({}, { __mode = "k" }) -- proxy -> data
local RO = setmetatable_raw({}, { __mode = "k" }) -- every read-only table of the view
local function ro_newindex(_, k)
  error("the view is read-only (cannot set '" .. tostring_safe(k) .. "')", 2)
end
local function ro_len(p) return rawlen(PDATA[p]) end
local function ro_pairs(p)
  local f = pairs_sorted(PDATA[p])
  return f, p, nil
end
local function make_ro(data)
  local p = {}
  local mt = {
    __index = data,
    __newindex = ro_newindex,
    __len = ro_len,
    __pairs = ro_pairs,
    __metatable = "read-only",
  }
  setmetatable_raw(p, mt)
  PDATA[p] = data
  RO[p] = true
  return p, mt
end

setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("setmetatable: __gc metamethods are not available to strategies", 2)
  end
  return reraise(pcall_raw(setmetatable_raw, t, mt))
end
rawset = function(t, k, v)
  if RO[t] then error("rawset: the view is read-only", 2) end
  return reraise(pcall_raw(rawset_raw, t, k, v))
end

---------------------------------------------------------------------------------------
-- 6. The match's seeded random stream, the capped logger, and removals.
---------------------------------------------------------------------------------------
math.random = function(...)
  local x, e = random_raw(...)
  if e ~= nil then error(e, 2) end
  return x
end
math.randomseed = function(...)
  local e = randomseed_raw(...)
  if e ~= nil then error(e, 2) end
end

local function log(...)
  local n = select("#", ...)
  if n == 1 then
    local v = ...
    if type(v) == "string" then
      log_raw(v)
      return
    end
  end
  local parts = {}
  for i = 1, n do parts[i] = tostring_safe((select(i, ...))) end
  log_raw(concat(parts, "\t"))
end
print = log

-- Files, the clock, the process, code from strings and the collector: the list is Rust's
-- (`REMOVED_GLOBALS`), which also names them when a fault reaches one.
for i = 1, #H.removed_globals do _ENV[H.removed_globals[i]] = nil end

---------------------------------------------------------------------------------------
-- 7. The dtao table.
---------------------------------------------------------------------------------------
local A = H.api
local function order_fn(f)
  return function(...)
    local e = f(...)
    if e ~= nil then error(e, 2) end
  end
end
local function quote_fn(f)
  return function(...)
    local status, a, b, c, d, e = f(...)
    if status == nil then error(a, 2) end
    if status == false then return nil, a end
    return a, b, c, d, e
  end
end

-- dtao.options(given, spec): a strategy's options (`cfg.options`: strings) checked
-- against what it takes, with defaults; see the README ("Strategies") and template.lua.
-- `spec` maps each option to { default = x, min = a, above = a, max = b, integer = true }
-- (a number) or { default = "text", one_of = { ... } } (a string). An unknown option or
-- a bad value is an error naming it and what it takes, and the strategy forfeits the
-- match at once: it would otherwise play other settings than its name says.
local tonumber_raw, tointeger, math_type, huge = tonumber, math.tointeger, math.type, math.huge
local bad_options = H.bad_options
local options_read = H.options_read

local function num_text(x)
  if math_type(x) == "integer" then return tostring_raw(x) end
  return format("%.10g", x)
end

local function range_text(s)
  if s.one_of ~= nil then return "one of: " .. concat(s.one_of, ", ") end
  if type(s.default) == "string" then return "a text" end
  local what = s.integer and "a whole number" or "a number"
  if s.min ~= nil and s.max ~= nil and s.above == nil then
    return what .. " from " .. num_text(s.min) .. " to " .. num_text(s.max)
  end
  local parts = {}
  if s.above ~= nil then parts[#parts + 1] = "above " .. num_text(s.above) end
  if s.min ~= nil then parts[#parts + 1] = "of at least " .. num_text(s.min) end
  if s.max ~= nil then parts[#parts + 1] = "at most " .. num_text(s.max) end
  if #parts == 0 then return what end
  return what .. " " .. concat(parts, " and ")
end

-- "Did you mean": the host's rule, shared with maps and the command line.
local suggest = H.suggest

local function shown(v)
  -- Lua writes 0/0 as "-nan" or "nan", depending on the machine.
  if v ~= v then return "NaN (0/0, not a number)" end
  local t = tostring_safe(v)
  if #t > 40 then t = sub(t, 1, 40) .. "..." end
  return t
end

-- A wrong value in a declaration: a text in quotes, so that `min = "a"` reads as one.
local function shown_value(v)
  if type(v) == "string" then return '"' .. shown(v) .. '"' end
  return shown(v)
end

-- One option's value, or nil and why not.
local function option_value(key, text, s)
  local fail = key .. "=" .. shown(text) .. ": " .. key .. " takes " .. range_text(s)
    .. " (default " .. shown(s.default) .. ")"
  if type(s.default) == "string" then
    text = tostring_safe(text)
    if text == "" then return nil, fail end
    if s.one_of ~= nil then
      for i = 1, #s.one_of do
        if s.one_of[i] == text then return text end
      end
      return nil, fail
    end
    return text
  end
  -- Decimal numbers only: Lua would read "0x10" as 16, and messages hide what follows
  -- "0x" (an address, in Lua's own messages).
  if type(text) == "string" and find(text, "^%s*[-+]?0[xX]") then
    -- Not the digits: messages scrub "0x" and hex digits as an address.
    return nil, key .. "=0x… (hexadecimal): " .. key .. " takes " .. range_text(s)
      .. " (default " .. shown(s.default) .. "), written in decimal"
  end
  local x = tonumber_raw(text)
  if x == nil or x ~= x or x == huge or x == -huge then return nil, fail end
  if s.integer then
    x = tointeger(x)
    if x == nil then return nil, fail end
  end
  if (s.min ~= nil and x < s.min) or (s.above ~= nil and x <= s.above) or (s.max ~= nil and x > s.max) then
    return nil, fail
  end
  return x
end

-- What is wrong with the strategy's own declaration of option `k`, if anything: a key
-- it does not know (a typo would silently drop a bound), a bound of the wrong type, an
-- empty range, or a default its own rule refuses.
local SPEC_KEYS = { default = true, min = true, max = true, above = true, integer = true, one_of = true }
local SPEC_KEY_NAMES = { "above", "default", "integer", "max", "min", "one_of" }
local function spec_problem(k, s)
  local where = "the option '" .. k .. "'"
  for key in pairs_sorted(s) do
    if type(key) ~= "string" or not SPEC_KEYS[key] then
      local best = type(key) == "string" and suggest(key, SPEC_KEY_NAMES) or nil
      local hint = best and (" (did you mean '" .. best .. "'?)") or ""
      return where .. " has an unknown rule '" .. shown(key) .. "'" .. hint .. "; the rules are "
        .. concat(SPEC_KEY_NAMES, ", ")
    end
  end
  if type(s.default) == "string" then
    for _, key in ipairs({ "min", "max", "above", "integer" }) do
      if s[key] ~= nil then return where .. " is a text (its default is): '" .. key .. "' is for numbers" end
    end
    if s.one_of ~= nil then
      if type(s.one_of) ~= "table" or #s.one_of == 0 then
        return where .. ": one_of takes a list of texts, such as { \"slow\", \"fast\" }"
      end
      for i = 1, #s.one_of do
        if type(s.one_of[i]) ~= "string" then return where .. ": one_of takes a list of texts" end
      end
    end
  else
    if s.one_of ~= nil then return where .. " is a number (its default is): one_of is for texts" end
    for _, key in ipairs({ "min", "max", "above" }) do
      local x = s[key]
      if x ~= nil and (type(x) ~= "number" or x ~= x) then
        return where .. ": " .. key .. " must be a number, not " .. shown_value(x)
      end
    end
    if s.integer ~= nil and type(s.integer) ~= "boolean" then
      return where .. ": integer takes true or false, not " .. shown_value(s.integer)
    end
    if s.min ~= nil and s.above ~= nil then
      return where .. " has both min and above: keep one"
    end
    local low = s.min or s.above
    if low ~= nil and s.max ~= nil and (s.max < low or (s.above ~= nil and s.max <= s.above)) then
      return where .. " takes nothing: its max is below its lower bound"
    end
  end
  -- (An empty text is a default a user could not give, and may mean "none".)
  local why = nil
  if s.default ~= "" then why = select(2, option_value(k, s.default, s)) end
  if why ~= nil then
    return "the default " .. shown(s.default) .. " of the option '" .. k .. "' breaks its own rule: " .. k
      .. " takes " .. range_text(s)
  end
  return nil
end

-- Refuses the options: tells the host why (the strategy forfeits, even if it catches
-- the error) and raises it at the caller of dtao.options.
local function refuse(why)
  bad_options(why)
  error(why, 3)
end

local function options(given, spec, ...)
  options_read()
  if select("#", ...) > 0 then
    refuse("dtao.options takes two tables, cfg.options and the options it takes, not "
      .. (2 + select("#", ...)) .. " arguments")
  end
  -- A call that cannot read the options forfeits too: the bot would play its defaults
  -- under a name that says otherwise.
  if type(given) ~= "table" then
    refuse("bad argument #1 to 'options' (cfg.options expected, got " .. type(given) .. ")")
  end
  if type(spec) ~= "table" then
    refuse("bad argument #2 to 'options' (a table of the options it takes expected, got " .. type(spec) .. ")")
  end
  local names = {}
  for k, s in pairs_sorted(spec) do
    if type(k) ~= "string" or type(s) ~= "table" or (type(s.default) ~= "number" and type(s.default) ~= "string") then
      -- A misspelt `default` is the likeliest cause: name it.
      local typo = ""
      if type(s) == "table" and s.default == nil then
        for key in pairs_sorted(s) do
          if type(key) == "string" and not SPEC_KEYS[key] and suggest(key, { "default" }) then
            typo = " ('" .. shown(key) .. "' is not a rule: did you mean 'default'?)"
            break
          end
        end
      end
      refuse("dtao.options: the option '" .. shown(k) .. "' needs { default = ... } (a number or a text)" .. typo)
    end
    if not find(k, "^[%w_]+$") then
      refuse("dtao.options: the option '" .. shown(k) .. "' could never be given: an option's name takes "
        .. "letters, digits and _ (as in NAME:key=value)")
    end
    local bad = spec_problem(k, s)
    if bad ~= nil then
      -- Its settings cannot be what its author meant: it forfeits, as for a bad option.
      refuse("dtao.options: " .. bad)
    end
    names[#names + 1] = k
  end
  local out = {}
  for k, v in pairs_sorted(given) do
    if type(k) ~= "string" or spec[k] == nil then
      local key = shown(k)
      local best = suggest(key, names)
      local hint = best and (" (did you mean '" .. best .. "'?)") or ""
      local takes = #names > 0 and ("the options are " .. concat(names, ", ")) or "this strategy takes no options"
      refuse("unknown option '" .. key .. "'" .. hint .. "; " .. takes)
    end
    local x, why = option_value(k, v, spec[k])
    if x == nil then
      refuse("bad option " .. why)
    end
    out[k] = x
  end
  for i = 1, #names do
    local k = names[i]
    if out[k] == nil then out[k] = spec[k].default end
  end
  return out
end

dtao = {
  options = options,
  stake = order_fn(A.stake),
  unstake = order_fn(A.unstake),
  dump = order_fn(A.dump),
  move = order_fn(A.move),
  stake_root = order_fn(A.stake_root),
  unstake_root = order_fn(A.unstake_root),
  launch_subnet = order_fn(A.launch_subnet),
  register_miner = order_fn(A.register_miner),
  set_weights = order_fn(A.set_weights),
  set_root_weights = order_fn(A.set_root_weights),
  quote_stake = quote_fn(A.quote_stake),
  quote_unstake = quote_fn(A.quote_unstake),
  log = log,
}

---------------------------------------------------------------------------------------
-- 8. The view `w`: persistent read-only tables refreshed in place before every call.
--
--    Every table is a read-only proxy (section 5) of a host-owned data table: `w`,
--    `w.me`, `w.me.alpha`, `w.me.miner`, `w.subnets`, each subnet, `w.by_netuid`,
--    `w.params`, `w.results` and each result, `w.accounts`, each account and its
--    `alpha` and `policy`. A subnet is one proxy for the whole match, shared by `w.subnets` and
--    `w.by_netuid`; its data table holds every field (the per-block ones, rewritten before
--    every call, and the rarely changing ones). Refresh writes only to data tables.
--    `w.accounts` is built on first use in a call.
---------------------------------------------------------------------------------------
-- A misspelt field of the view is an error naming it (a typo would otherwise read nil
-- and the strategy would quietly never trade): a record's data table gets a metatable
-- whose `__index`, reached only by a key the table lacks, raises for a string that is
-- none of its fields. A field that may be nil is listed, and reads nil.
local suggest = H.suggest
-- Raises "no field" for `k` unless it is one of `known` (a set; `names` sorted), at the
-- strategy's line (`level` above the caller).
local function no_field(what, known, names, k, level)
  if type(k) ~= "string" or known[k] then return nil end
  local near = suggest(k, names)
  local hint = near and ("did you mean '" .. near .. "'?") or ("its fields: " .. table.concat(names, ", "))
  error("no field '" .. k .. "' in " .. what .. " (" .. hint .. ")", level + 1)
end
local function strict(what, fields)
  local known, names = {}, {}
  for i = 1, #fields do
    known[fields[i]] = true
    names[i] = fields[i]
  end
  table.sort(names)
  return {
    -- (Not a tail call: the level counts this frame.)
    __index = function(_, k)
      local v = no_field(what, known, names, k, 2)
      return v
    end,
    known = known,
    names = names,
  }
end
local SUBNET_META = strict("a subnet", {
  "netuid", "name", "mechanism", "emitting", "price", "moving_price", "emission_share", "root_prop", "tao",
  "alpha_in", "alpha_out", "registered_at", "first_emission", "owner", "owner_name", "is_mine", "npc_miners",
})
local ACCOUNT_META = strict("an account of w.accounts",
  { "id", "name", "kind", "free", "root", "score", "alpha", "policy" })
-- Every field a result can have (each order kind sets its own; `reason` when refused,
-- the fill's when applied): reading one it lacks gives nil, a name no result has raises.
local RESULT_META = strict("a result of w.results", {
  "block", "kind", "text", "ok", "reason", "netuid", "tao", "alpha", "limit", "from", "to", "name",
  "mechanism", "policy", "tao_in", "tao_out", "alpha_in", "alpha_out", "fee",
})

local W = {}
VIEW_W = W
local WP = make_ro(W)
local BY_NETUID = {}   -- netuid -> subnet proxy (the data of `w.by_netuid`)
local SUB_DATA = {}    -- netuid -> subnet data table (host-private)
local SUBNETS = {}     -- the data of `w.subnets`: subnet proxies by netuid order
local ORDER = {}       -- subnet data tables in netuid order: refresh's rows
local ME, ME_ALPHA, ME_MINER = {}, {}, {}
local PARAMS = {}
local EMPTY = make_ro({})
local CTX = {} -- the call's scoped Rust functions (invalid once the call has ended)

setmetatable_raw(ME_ALPHA, {
  __index = function(_, k)
    if type(k) == "number" then return 0 end
  end,
})
-- An account's validator policy on a subnet where it set none (nil for a netuid that is
-- not a subnet's, so that `ipairs` ends as it does on `alpha`).
local HONEST = {
  __index = function(_, k)
    if SUB_DATA[k] ~= nil then return "honest" end
  end,
}
local ALL_HONEST = make_ro(setmetatable_raw({}, HONEST))
ME.alpha = make_ro(ME_ALPHA)
ME.miner = make_ro(ME_MINER)
setmetatable_raw(ME, strict("w.me", { "id", "name", "free", "root", "alpha", "miner", "score", "start_value" }))
W.me = make_ro(ME)
W.subnets = make_ro(SUBNETS)
W.by_netuid = make_ro(BY_NETUID)
W.params = make_ro(PARAMS)
-- The parameters are the map's, all set: a key it lacks is a misspelt one.
setmetatable_raw(PARAMS, {
  __index = function(t, k)
    if type(k) ~= "string" then return nil end
    local names = {}
    for key in next, t do names[#names + 1] = key end
    table.sort(names)
    local v = no_field("w.params", {}, names, k, 2)
    return v
  end,
})
W.results = EMPTY

-- An account's proxies are made once for the match, like a subnet's (a new policy table
-- is the only data a proxy is pointed at anew): a default map's 576 accounts made three
-- tables each for every call that read them, and their garbage (weak-keyed in the
-- view's tables) cost the collector more than the strategy's own work.
local ACC, ACC_ALPHA, ACC_POLICY = {}, {}, {} -- index -> { proxy, its metatable }
-- The data of `w.accounts` (account proxies by id order) and its proxy, made on the
-- first read and kept for the match.
local ACCOUNTS, ACCOUNTS_P
local function reuse(cache, i, data)
  local kept = cache[i]
  if kept == nil then
    local p, mt = make_ro(data)
    cache[i] = { p, mt }
    return p
  end
  local p = kept[1]
  kept[2].__index = data
  PDATA[p] = data
  return p
end

local W_META = strict("w", {
  "block", "total_root", "total_issuance", "me", "subnets", "by_netuid", "accounts", "params", "results",
})
setmetatable_raw(W, {
  __index = function(t, k)
    if k ~= "accounts" then
      local v = no_field("w", W_META.known, W_META.names, k, 2)
      return v
    end
    local build = CTX.accounts
    if build == nil then return nil end
    -- The host keeps each account's data tables for the match and writes only what
    -- changed; it hands over, as `index, data` pairs, the accounts whose tables need
    -- their read-only proxies here (a new account, a new policy table).
    local fresh = build()
    if ACCOUNTS == nil then
      ACCOUNTS = {}
      ACCOUNTS_P = make_ro(ACCOUNTS)
    end
    for k = 1, #fresh, 2 do
      local i, a = fresh[k], fresh[k + 1]
      local alpha, policy = rawget(a, "alpha"), rawget(a, "policy")
      if not RO[alpha] then rawset_raw(a, "alpha", reuse(ACC_ALPHA, i, alpha)) end
      if policy == nil then
        rawset_raw(a, "policy", ALL_HONEST)
      elseif not RO[policy] then
        rawset_raw(a, "policy", reuse(ACC_POLICY, i, setmetatable_raw(policy, HONEST)))
      end
      ACCOUNTS[i] = reuse(ACC, i, setmetatable_raw(a, ACCOUNT_META))
    end
    rawset_raw(t, "accounts", ACCOUNTS_P)
    return ACCOUNTS_P
  end,
})

local function set_subnet_meta(netuid, name, mechanism, emitting, registered_at, first_emission, owner,
                               owner_name, npc_miners, is_mine)
  local d = SUB_DATA[netuid]
  if d == nil then
    d = setmetatable_raw({
      price = 0.0, moving_price = 0.0, emission_share = 0.0, root_prop = 0.0, tao = 0.0, alpha_in = 0.0,
      alpha_out = 0.0,
    }, SUBNET_META)
    SUB_DATA[netuid] = d
    BY_NETUID[netuid] = make_ro(d)
  end
  d.netuid = netuid
  d.name = name
  d.mechanism = mechanism
  d.emitting = emitting
  d.registered_at = registered_at
  d.first_emission = first_emission
  d.owner = owner
  d.owner_name = owner_name
  d.npc_miners = npc_miners
  d.is_mine = is_mine
end

local function set_netuids(...)
  local n = select("#", ...)
  local keep = {}
  for i = 1, n do
    local netuid = (select(i, ...))
    keep[netuid] = true
    SUBNETS[i] = BY_NETUID[netuid]
    ORDER[i] = SUB_DATA[netuid]
  end
  for i = #SUBNETS, n + 1, -1 do SUBNETS[i] = nil end
  for i = #ORDER, n + 1, -1 do ORDER[i] = nil end
  for netuid in next, SUB_DATA do
    if not keep[netuid] then
      SUB_DATA[netuid] = nil
      BY_NETUID[netuid] = nil
    end
  end
end

-- `...` are the rows, 5 floats per subnet in netuid order: moving price, emission
-- share, pool TAO, pool alpha, outstanding alpha (passed as arguments: cheaper than
-- unpacking them from a string; measured with callgrind on 64 subnets, 145 k
-- instructions a refresh against 177 k with one `string.unpack` of every row and 188 k
-- with one per subnet); price and root proportion are derived here. `buf` packs the
-- strategy's own balances and positions.
local function refresh(buf, nsub, block, total_root, total_issuance, lock_cost, tau_r, results, accounts, ...)
  CTX.accounts = accounts
  W.block = block
  W.total_root = total_root
  W.total_issuance = total_issuance
  rawset_raw(W, "accounts", nil)
  PARAMS.lock_cost = lock_cost
  if results == nil then
    W.results = EMPTY
  else
    for i = 1, #results do results[i] = make_ro(setmetatable_raw(results[i], RESULT_META)) end
    W.results = make_ro(results)
  end
  local v = { ... }
  local order = ORDER
  local i = 0
  for j = 1, nsub * 5, 5 do
    i = i + 1
    local d = order[i]
    local tao, ain, aout = v[j + 2], v[j + 3], v[j + 4]
    d.moving_price = v[j]
    d.emission_share = v[j + 1]
    d.tao = tao
    d.alpha_in = ain
    d.alpha_out = aout
    if ain > 0 then d.price = tao / ain else d.price = 0.0 end
    local den = tau_r + ain + aout
    if den > 0 then d.root_prop = tau_r / den else d.root_prop = 0.0 end
  end
  local free, root, score, start, na, nm, pos = unpack_bin("<ddddI2I2", buf)
  ME.free = free
  ME.root = root
  ME.score = score
  ME.start_value = start
  for k in next, ME_ALPHA do ME_ALPHA[k] = nil end
  for _ = 1, na do
    local netuid, x
    netuid, x, pos = unpack_bin("<I2d", buf, pos)
    ME_ALPHA[netuid] = x
  end
  for k in next, ME_MINER do ME_MINER[k] = nil end
  for _ = 1, nm do
    local netuid
    netuid, pos = unpack_bin("<I2", buf, pos)
    ME_MINER[netuid] = true
  end
  return WP
end

-- The refresh runs on its own coroutine, which Rust creates without the instruction
-- hook: host code is bounded and need not pay the hook's per-instruction cost.
local co_yield = coroutine.yield
local function refresh_loop(...)
  local w = refresh(...)
  while true do
    w = refresh(co_yield(w))
  end
end

local function set_me(id, name)
  ME.id = id
  ME.name = name
end

return {
  refresh_loop = refresh_loop,
  set_subnet_meta = set_subnet_meta,
  set_netuids = set_netuids,
  set_me = set_me,
  make_ro = make_ro,
  params = PARAMS,
}
