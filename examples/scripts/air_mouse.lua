-- air_mouse.lua — the seed's "Air mouse controller" (Bluetooth_MI32_legacy, Berry examples),
-- ported line by line: a BPR2S air mouse (a cheap BLE HID remote) as a controller. The
-- script reads the remote's HID characteristics, subscribes to its reports and publishes
-- each key as {"key":"up"} and the pointer as {"mouse":{"x":0-255,"y":0-255}} on TOPIC.
--
-- Set REMOTE to the remote's MAC and address type. bluetoothd must leave the remote's HID
-- service to mi32: run it without its HID plugin (bluetoothd -P hog), or from BlueZ 5.80 with
-- ExportClaimedServices = read-write in main.conf; else bluetoothd makes the remote a Linux
-- input device itself and hides the service (README "GATT": HID remotes).
local REMOTE = { mac = "E007020103C1", type = 1 }
local TOPIC = "tele/BPR2S"

-- Berry: class BLE_BPR2S : Driver ... var buf, connecting, connected, new_position, x, y
local BPR2S = {}
BPR2S.__index = BPR2S

-- the seed tells the reports by their handles on its remote: 34 mouse, 38 consumer keys,
-- 42 keyboard. Another remote's handles differ but come in that order: op 3 answers the
-- handles it subscribed, and report() maps them in order
local SEED_HANDLES = { [34] = "mouse", [38] = "consumer", [42] = "keys" }

function BPR2S.new(MAC, addr_type)
  local self = setmetatable({}, BPR2S)
  self.buf = bytes(-256)
  self.reports = SEED_HANDLES
  -- Berry: tasmota.gen_cb(/e,o,u,h->self.cb(e,o,u,h))
  BLE.conn_cb(function(e, o, u, h) self:cb(e, o, u, h) end, self.buf)
  BLE.set_MAC(bytes(MAC), addr_type)
  print("BLE: will try to connect to BPR2S with MAC:", MAC)
  self:connect()
  -- Berry: tasmota.add_fast_loop(/-> BLE.loop()): mi32 delivers results from its loop
  return self
end

function BPR2S:connect()
  self.connecting = true
  self.connected = false
  self.new_position = false
  self.x = 128
  self.y = 128
  BLE.set_svc("1812")
  BLE.set_chr("2a4a") -- the first characteristic we have to read
  -- bluetoothd may not be there yet: every_second tries again
  local ok, err = pcall(BLE.run, 1) -- read
  if not ok then
    print("BLE: " .. tostring(err))
    self.connecting = false
  end
end

function BPR2S:every_second()
  if self.connecting == false and self.connected == false then
    print("BLE: try to reconnect BPR2S")
    self:connect()
  end
end

function BPR2S:every_50ms()
  if self.new_position == true then
    mi32.publish(TOPIC, string.format('{"mouse":{"x":%s,"y":%s}}', self.x, self.y))
    self.new_position = false
  end
end

function BPR2S:handle_read_CB(uuid) -- uuid is the callback characteristic
  self.connected = true
  -- we just have to read these characteristics before we can finally subscribe
  if uuid == 0x2a4a then -- did receive HID info
    print("BLE: now connecting to BPR2S")
    BLE.set_chr("2a4b")
    BLE.run(1) -- read next characteristic
  elseif uuid == 0x2a4b then -- did receive HID report map
    BLE.set_chr("2a4d")
    BLE.run(1) -- read to trigger notifications of the HID device
  elseif uuid == 0x2a4d then -- did receive HID report
    BLE.set_chr("2a4d")
    BLE.run(3) -- subscribe
  end
end

-- op 3's buffer: the subscribed value handles, 2 bytes each, high byte first
function BPR2S:learn_reports()
  local h = {}
  for i = 1, self.buf[0] - 1, 2 do
    h[#h + 1] = self.buf:get(i, -2)
  end
  table.sort(h)
  if #h == 3 then
    self.reports = { [h[1]] = "mouse", [h[2]] = "consumer", [h[3]] = "keys" }
  end
end

function BPR2S:handle_mouse_pos()
  local x = self.buf:getbits(12, 12)
  if x > 2048 then
    x = x - 4096
  end
  local y = self.buf:getbits(24, 12)
  if y > 2048 then
    y = y - 4096
  end

  -- Berry's >> 7 shifts a negative number arithmetically; Lua's >> would not: // 128
  self.x = self.x + x // 128 -- some conversion factor
  self.y = self.y + y // 128

  -- could be mapped to hue, saturation, brightness, ...
  if self.x > 255 then self.x = 255
  elseif self.x < 0 then self.x = 0
  end
  if self.y > 255 then self.y = 255
  elseif self.y < 0 then self.y = 0
  end
  self.new_position = true
end

local KEYS = { [0x65] = "square", [0x4f] = "right", [0x50] = "left", [0x51] = "down",
               [0x52] = "up", [0x2a] = "back" }
local CONSUMER = { [0x30] = "on", [0xe2] = "mute", [0x23] = "triangle", [0x21] = "circle",
                   [0x41] = "set", [0x24] = "return", [0xea] = "minus", [0xe9] = "plus" }

function BPR2S:handle_HID_notification(h)
  local t = "key"
  local v = ""
  local report = self.reports[h]
  if report == "keys" then
    v = KEYS[self.buf[3]] or ""
  elseif report == "consumer" then
    v = CONSUMER[self.buf[1]] or ""
  elseif report == "mouse" then
    self:handle_mouse_pos()
    return
  end
  if v ~= "" then
    mi32.publish(TOPIC, string.format('{"%s":"%s"}', t, v))
  -- else -- will be triggered on button release too
  --   print(self.buf:slice(1, self.buf[0]), h) -- show the packet as byte buffer
  end
end

function BPR2S:cb(error, op, uuid, handle)
  if op == 5 then -- (mi32 gives the link's end its HCI reason as the error; the seed gave 0)
    self.connected = false
    self.connecting = false
    print("BLE: did disconnect BPR2S ... will try to reconnect")
  elseif error == 0 then
    if op == 1 then -- read OP
      self:handle_read_CB(uuid)
    elseif op == 3 then
      self.connecting = false
      self.connected = true
      self:learn_reports()
      print("BLE: init completed for BPR2S")
    elseif op == 103 then -- notification OP
      if self.connected == false then return end
      self:handle_HID_notification(handle)
    end
  else
    print("BLE: error:", error)
    if self.connecting == true then
      print("BLE: init sequence failed ... try to repeat")
      self.connecting = false
      self.connected = false -- (the seed kept it: a failed sequence was never repeated)
    end
  end
end

ble_hid = BPR2S.new(REMOTE.mac, REMOTE.type) -- HID controller MAC and address type
mi32.add_driver(ble_hid)
