-- Always hostile: loading code at run time.
function on_tick(w)
  load("return 1")()
end
