-- nus_console.lua — the seed's "Control Tasmota with your Smartphone via Bluetooth"
-- (Bluetooth_MI32_legacy, More Examples: NRFUART), ported from Berry: mi32 serves the
-- Nordic UART Service through bluetoothd; a phone app (nRF Toolbox "UART", nRF Connect,
-- Serial Bluetooth Terminal) connects, writes the PIN to RX, then commands; each command
-- runs as on the console (mi32.cmd) and its JSON reply comes back as notifications on TX.
--
-- Put it in <state-dir>/scripts/ (or --script nus_console.lua); it needs bluetoothd
-- (README "GATT server and advertising"). CHANGE THE PIN FIRST: whoever is in radio range
-- and knows it runs any command but Script. After 3 wrong PINs in a row every try is
-- refused for LOCK_S seconds (the seed had no such guard). A disconnect asks for the PIN
-- again.
--
-- A notification carries at most the link's ATT MTU - 3 bytes and bluetoothd drops the
-- rest without a word, so a reply goes out in pieces of at most CHUNK bytes (the seed cut
-- at 253 for NimBLE's large MTU): 180 fits iOS's MTU of 185 and the Android apps, which
-- ask for more. An app shows each piece as it comes; joined, they are the reply.
local PIN = "123456"
local CHUNK = 180
local LOCK_S = 30
local NAME = "mi32 UART" -- the scan response's name (the seed: "Tasmota BLE")

local cbuf = bytes(-255) -- Berry: var cbuf = bytes(-255)

-- Berry: class NRFUART : Driver ... static nordic_svc, RX, TX
local NRFUART = {
  nordic_svc = "6E400001-B5A3-F393-E0A9-E50E24DCCA9E",
  RX = "6E400002-B5A3-F393-E0A9-E50E24DCCA9E",
  TX = "6E400003-B5A3-F393-E0A9-E50E24DCCA9E",
}
NRFUART.__index = NRFUART

function NRFUART.new()
  local self = setmetatable({}, NRFUART)
  -- Berry: cb.gen_cb(/e,o,u,h->self.cb(e,o,u,h)); mi32 adds the central's MAC
  BLE.serv_cb(function(e, o, u, h, mac) self:cb(e, o, u, h, mac) end, cbuf)
  self.current_func = function() self:add_TX() end
  mi32.log("BLE: ready for Nordic UART via BLE")
  self.pin_ready = {}   -- by central (MAC hex): the seed had one flag for every phone
  self.msg_buffer = {}  -- pieces of replies waiting for TX (declared, unused in the seed)
  self.sending = false  -- a piece is out, its 211 result not yet back
  self.wrong, self.locked_until = 0, 0
  self.ble_server_up = false
  return self
end

function NRFUART:every_50ms()
  self.current_func()
  self:pump()
end

function NRFUART:wait()
end

-- Berry's then(func): `then` is a Lua keyword. The step after the current BLE op, run by
-- every_50ms once cb saw its result (the server is built one op after the other).
function NRFUART:after(func)
  self.next_func = func
  self.current_func = function() self:wait() end
end

-- Berry cut r at 253 and chained the rest through then(), which the next write replaced,
-- so the rest was lost (and r[0..253] and r[253..] both held byte 253). Here every piece
-- waits in msg_buffer; one goes out per 50 ms tick once the previous one's 211 came back,
-- as the seed paced them. Faster is not better: with several ATT bearers (EATT, which
-- bluetoothd and recent phones use) notifications sent back to back may take different
-- channels and reach the phone out of order.
function NRFUART:sendTX(r)
  local i = 1
  while i <= #r do
    local j = math.min(i + CHUNK - 1, #r)
    -- a piece ends before a UTF-8 continuation byte, so each piece shows as text
    while j < #r and j > i and r:byte(j + 1) & 0xC0 == 0x80 do j = j - 1 end
    self.msg_buffer[#self.msg_buffer + 1] = r:sub(i, j)
    i = j + 1
  end
end

function NRFUART:pump()
  if self.sending or #self.msg_buffer == 0 then return end
  local piece = table.remove(self.msg_buffer, 1)
  BLE.set_svc(self.nordic_svc)
  BLE.set_chr(self.TX)
  cbuf[0] = #piece
  cbuf:setbytes(1, bytes():fromstring(piece))
  self.sending = true
  -- the new value, notified to every central subscribed to TX
  local ok, err = pcall(BLE.run, 211)
  if not ok then -- bluetoothd went away: what waits is for a link that is gone
    self.sending, self.msg_buffer = false, {}
    mi32.log("NUS: " .. tostring(err), 1)
  end
end

function NRFUART:execCmd(c, who)
  local resp
  c = c:gsub("[\r\n]+$", "") -- apps may end a line with CR, LF or both
  if self.pin_ready[who] then
    resp = mi32.cmd_raw(c)
    mi32.log(string.format("NUS %s: %s -> %d bytes", who, c, #resp))
  elseif mi32.millis() < self.locked_until then
    resp = "Too many wrong PINs: wait " .. LOCK_S .. " s"
  elseif c == PIN then
    resp = "PIN accepted ... enter commands"
    self.pin_ready[who] = true
    self.wrong = 0
  else
    resp = "Wrong PIN!!"
    -- the seed printed the typed text and the PIN: neither goes to the log here
    mi32.log("NUS: wrong PIN from " .. who, 1)
    self.wrong = self.wrong + 1
    if self.wrong >= 3 then self.locked_until = mi32.millis() + LOCK_S * 1000 end
  end
  self:sendTX(resp)
end

function NRFUART:cb(error, op, uuid, handle, mac)
  if op == 201 then
    print("Handles:", cbuf:slice(1, cbuf[0]):tohex())
    self.ble_server_up = true
  elseif op == 211 then
    self.sending = false -- the next piece goes at the next tick
  elseif op == 222 then
    -- Berry: handle == 6 (NimBLE's RX handle); bluetoothd picks the handles, the 16-bit
    -- part of the UUID (6E40xxxx) tells RX (2) from TX (3)
    if uuid == 0x0002 then
      self:execCmd(cbuf:slice(1, cbuf[0]):asstring(), mac:tohex())
    end
  elseif op == 228 then
    mi32.log("BLE: Disconnected")
    self.pin_ready = {} -- whoever comes next gives the PIN again
  end
  if error == 0 and op ~= 229 then
    self.current_func = self.next_func
  end
end

-- custom section
function NRFUART:add_TX()
  if not BLE.info().gatt then return end -- bluetoothd is not there (yet): again in 50 ms
  BLE.set_svc(self.nordic_svc)
  BLE.set_chr(self.TX)
  cbuf:setbytes(0, bytes("0100"))
  BLE.run(211)
  self:after(function() self:add_RX() end)
end

function NRFUART:add_RX()
  BLE.set_chr(self.RX)
  local b = bytes():fromstring("Please enter PIN first.")
  cbuf:setbytes(1, b)
  cbuf[0] = #b
  BLE.run(211)
  self:after(function() self:add_ScanResp() end)
end

-- services and characteristics are set, now start the server with first set of
-- advertisement data
function NRFUART:add_ADV()
  local svcuuid = self.nordic_svc:gsub("-", "")
  local payload = bytes("0201061107") + bytes(svcuuid):reverse() -- flags and Nordic svc uuid
  cbuf[0] = #payload
  cbuf:setbytes(1, payload)
  BLE.run(201)
  self:after(function() self:wait() end)
end

function NRFUART:add_ScanResp()
  local payload = bytes("0201060008") + bytes():fromstring(NAME) -- 00 before 08: the size
  payload[3] = #NAME + 1 -- ..set size of name
  cbuf[0] = #payload
  cbuf:setbytes(1, payload)
  BLE.run(202)
  self:after(function() self:add_ADV() end)
end

nrfuart = NRFUART.new()
mi32.add_driver(nrfuart)
