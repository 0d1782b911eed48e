-- Always hostile: a catastrophic pattern.
function on_tick(w)
  string.gsub(("a"):rep(40) .. "b", ("a?"):rep(40) .. ("a"):rep(40), "x")
end
