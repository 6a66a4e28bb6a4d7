-- Argo CD health check for numaoperator.io/NumaVirtualMachine (argocd-cm key
-- resource.customizations.health.numaoperator.io_NumaVirtualMachine). docs/gitops.md shows this
-- file verbatim and tests/NumaOperator.Packaging.Tests runs it against sample VMs under Lua 5.1
-- (Argo CD embeds gopher-lua, a Lua 5.1) and Lua 5.4.
--   Progressing: the controller has not yet observed the current spec (observedGeneration lags).
--   Degraded:    Stalled=True (the VM cannot be placed or started), or phase Failed.
--   Healthy:     Ready=True (running, and its measured memory is on the placed NUMA nodes).
--   Suspended:   spec.running is false and the VM is Stopped.
local hs = {}

local function condition(status, conditionType)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

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

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe the VM"
  return hs
end

local status = obj.status
local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end

local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "Stalled")
  return hs
end

local ready = condition(status, "Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

if status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = describe(ready, "Failed")
  return hs
end

if obj.spec ~= nil and obj.spec.running == false and status.phase == "Stopped" then
  hs.status = "Suspended"
  hs.message = "Stopped (spec.running is false)"
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready, "Phase " .. tostring(status.phase or "Pending"))
return hs
