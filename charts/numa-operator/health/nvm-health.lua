-- Argo CD health check for numaoperator.io/NumaVirtualMachine (argocd-cm key
-- resource.customizations.health.numaoperator.io_NumaVirtualMachine). docs/gitops.md shows this file verbatim
-- with how each VM state reads; tests/NumaOperator.Packaging.Tests runs it under Lua 5.1 (Argo CD embeds
-- gopher-lua, a Lua 5.1) and Lua 5.4 on VM statuses captured from real runs (tests/fixtures/status-corpus).
-- It reads what kstatus (Flux, kubectl wait) reads, in kstatus's order, so both tools tell the same story:
--   Progressing: being deleted; no status yet; status.observedGeneration behind metadata.generation;
--                Reconciling=True (placing, waiting for capacity, starting, stopping, measuring, a restart due,
--                QEMU exited and waiting for its restart backoff).
--   Degraded:    Stalled=True: it cannot progress without a change (invalid spec, bad boot file, QEMU did not
--                start, guest memory measured off its NUMA nodes, its node's agent lost).
--   Suspended:   stopped as its run strategy asks (Halted, spec.running false, Manual, a guest poweroff under
--                RerunOnFailure).
--   Healthy:     Ready=True (running, and its measured memory is on the placed NUMA nodes).
local hs = {}

local function describe(c, fallback)
  if c == nil then
    return fallback
  end
  local text = c.reason or fallback
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Pending deletion"
  return hs
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe the VM"
  return hs
end

local status = obj.status
local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end

-- As kstatus does: the first Reconciling=True or Stalled=True in list order decides (the controller and the
-- agent never set both).
local ready = nil
for _, c in ipairs(status.conditions or {}) do
  if c.type == "Reconciling" and c.status == "True" then
    hs.status = "Progressing"
    hs.message = describe(c, "Reconciling")
    return hs
  end
  if c.type == "Stalled" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = describe(c, "Stalled")
    return hs
  end
  if c.type == "Ready" then
    ready = c
  end
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

-- Stopped with neither Reconciling nor Stalled: stopped as its run strategy asks (Halted or spec.running false,
-- Manual without a start, a guest that powered off under RerunOnFailure). A VM waiting for a restart is Reconciling.
if status.phase == "Stopped" then
  local running = nil
  for _, c in ipairs(status.conditions or {}) do
    if c.type == "Running" then
      running = c
    end
  end
  hs.status = "Suspended"
  hs.message = describe(running, "Stopped")
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready, "Phase " .. tostring(status.phase or "Pending"))
return hs
