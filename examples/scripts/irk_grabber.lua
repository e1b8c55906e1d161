-- irk_grabber.lua — the seed's "Retrieve IRK from BLE device with RPA": mi32 poses as a
-- heart-rate sensor; when a phone pairs with it, BLE.info() gives the phone's identity
-- address, name and IRK, and MI32Irk keeps them as a PID 0000 entry of the sensor list
-- (and the mi32cfg file), so mi32 tracks the phone by its private addresses from then on.
--
-- bluetoothd does the pairing: it accepts one only while an agent is registered
-- (`bluetoothctl`, then `agent on` and `default-agent`) or with `AlwaysPairable = true` in
-- its main.conf. The IRK comes from the kernel (CAP_NET_ADMIN) or bluetoothd's bond store
-- (root): README "Pairing and IRKs".
local cbuf = bytes(-255)

local IRK = {}
IRK.__index = IRK

function IRK.new()
  local self = setmetatable({}, IRK)
  BLE.serv_cb(function(e, o, u, h) self:cb(e, o, u, h) end, cbuf)
  self.current_func = function() self:add_bpm() end
  mi32.log("BLE: start heartrate server", 2)
  return self
end

function IRK:every_50ms()
  self.current_func()
end

function IRK:wait()
end

function IRK:after(func) -- the seed's then(), a Lua keyword
  -- save function pointers for callback, typically expecting a closure
  self.next_func = func
  self.current_func = function() self:wait() end
end

function IRK:updateMI32cfg()
  local i = BLE.info().connection or {}
  mi32.log("Authenticated: " .. tostring(i.authenticated) .. ", name " .. tostring(i.name), 2)
  if not i.IRK or not i.peerID_addr then
    mi32.log("M32: could not get IRK (no CAP_NET_ADMIN, and the bond store is root's?)", 1)
    return
  end
  local mac = i.peerID_addr:gsub(":", "")
  local key = bytes(i.IRK):reverse():tohex()
  local r = mi32.cmd("MI32Irk " .. mac .. " " .. key .. " " .. (i.name or ""))
  if type(r.MI32Irk) == "table" then
    mi32.log("Saved " .. mac .. " in slot " .. r.MI32Irk.Slot .. ", mi32cfg " ..
             r.MI32Irk.MI32Cfg, 2)
  else
    mi32.log("MI32Irk " .. mac .. ": " .. tostring(r.Reason), 1)
  end
end

function IRK:cb(error, op, uuid, handle)
  mi32.log(string.format("%d %d %d %d", error, op, uuid, handle), 3)
  if op == 201 then
    mi32.log("Handles: " .. cbuf:slice(1, cbuf[0]):tohex(), 2)
  elseif op == 227 then
    mi32.log("MAC: " .. cbuf:slice(1, cbuf[0]):tohex(), 2)
  elseif op == 228 then
    mi32.log("Disconnected", 2)
  elseif op == 229 then
    mi32.log("Status: " .. cbuf:slice(1, cbuf[0]):tohex(), 1)
  elseif op == 230 then
    self:updateMI32cfg()
  end
  if error == 0 and op ~= 229 then
    self.current_func = self.next_func
  end
end

-- custom section
function IRK:add_bpm()
  BLE.set_svc("180D") -- Heart Rate Service
  BLE.set_chr("2A37") -- Heart Rate Measurements Characteristics (BPM)
  cbuf:setbytes(0, bytes("0100"))
  -- bluetoothd may not be there yet: stay on this step and try again
  local ok, err = pcall(BLE.run, 211, true, 1554) -- READ | READ_ENC | NOTIFY | READ_AUTHENT
  if not ok then
    if not self.said then mi32.log("BLE: " .. tostring(err), 1) end
    self.said = true
    return
  end
  self:after(function() self:add_loc() end)
end

function IRK:add_loc()
  BLE.set_chr("2A38") -- Body Sensor Location
  local b = bytes():fromstring("Please enter PIN first.")
  cbuf:setbytes(1, b)
  cbuf[0] = #b
  BLE.run(211)
  self:after(function() self:add_ScanResp() end)
end

function IRK:add_ADV()
  local payload = bytes("02010603020D18") -- flags and heartrate svc uuid
  cbuf[0] = #payload
  cbuf:setbytes(1, payload)
  BLE.run(201)
  self:after(function() self:wait() end)
end

function IRK:add_ScanResp()
  local local_name = "mi32 BLE"
  local payload = bytes("0201060008") .. bytes():fromstring(local_name) -- 00: the size
  payload[3] = #local_name + 1 -- ..set size of name
  cbuf[0] = #payload
  cbuf:setbytes(1, payload)
  BLE.run(202)
  self:after(function() self:add_ADV() end)
end

local irk = IRK.new()
mi32.add_driver(irk)
