-- Always hostile: reaching for the filesystem and the OS.
function on_tick(w)
  io.open("/etc/passwd")
  os.execute("rm -rf /")
end
