-- Hostile strategy: the <close> attribute hidden behind a comment and a line break.
-- Expected: Strategy::load fails with ScriptError::Refused naming line 6.
local s = "<close> in a string is fine" -- and so is <close> in a comment
function on_tick(w)
  local trap = setmetatable({}, { __close = function() while true do end end })
  local guard < --[[ sneaky ]]
    close > = trap
  while true do end
end
