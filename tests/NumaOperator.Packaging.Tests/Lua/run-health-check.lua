-- Runs an Argo CD health check the way Argo CD does: the object is the global `obj`, the script
-- returns a table {status, message}. Usage: lua5.4 run-health-check.lua HEALTH.lua OBJECT.lua
-- where OBJECT.lua is `return { ... }` (written by the test from a sample object's JSON).
local healthScript, objectFile = arg[1], arg[2]
obj = dofile(objectFile)
-- Argo CD loads the script as a chunk; an error or a missing status is a failed check.
local chunk = assert(loadfile(healthScript, "t"))
local hs = chunk()
assert(type(hs) == "table", "health check returned " .. type(hs) .. ", not a table")
io.write(tostring(hs.status), "\t", tostring(hs.message or ""), "\n")
