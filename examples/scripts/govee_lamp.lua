-- govee_lamp.lua — the seed's "Govee desk lamp - pre-alpha" (Bluetooth_MI32_legacy, Berry
-- examples), ported line by line: 20-byte command frames (0x33, command, arguments, XOR
-- checksum) written to the lamp with BLE.run(12) (write, then disconnect).
--
-- Set LAMP to the lamp's MAC and address type (1 random, as the seed's). The seed's
-- commands are commands of the daemon (mi32.add_cmd, Tasmota's add_cmd): on the console,
-- over MQTT (cmnd/<topic>/gpower) and HTTP (/cm, POST) alike:
--   gpower 1            on (0 off)
--   bright 128          brightness 0-255
--   color FF000000      RRGGBB + one byte the seed sends first
--   scene 3
--   music 0F000000      (the seed: "does not work at all")
-- Each answers {"gpower":"Done"} once the frame is on its way, or {"gpower":"Error",
-- "Reason":...} for a bad argument (nothing is written); the lamp's answer is logged
-- ("success!", or the error code: 8 = the lamp refused the frame). The Mi Dashboard shows
-- what was sent.
local LAMP = { mac = "AABBCCDDEEFF", type = 1 }

-- Berry: class GOVEE : Driver ... var buf
local GOVEE = {}
GOVEE.__index = GOVEE

function GOVEE.new(MAC, addr_type)
  local self = setmetatable({}, GOVEE)
  self.buf = bytes(-21) -- a byte buffer, first byte reserved for length info
  self.buf[0] = 20      -- length of the data part of the buffer in bytes
  self.buf[1] = 0x33    -- a magic number - control byte for the Govee lamp
  self.sent = "nothing yet"
  -- Berry: tasmota.gen_cb(/e,o,u->self.cb(e,o,u)); a closure is a callback as it is
  BLE.conn_cb(function(e, o, u) self:cb(e, o, u) end, self.buf)
  BLE.set_MAC(bytes(MAC), addr_type)
  return self
end

function GOVEE:cb(error, op, uuid)
  if error == 0 then
    print("success!")
    return
  end
  print("error:", error) -- the seed printed the number alone
end

function GOVEE:chksum()
  local cs = 0
  for i = 1, 19 do
    cs = cs ~ self.buf[i]
  end
  self.buf[20] = cs
end

function GOVEE:clr()
  for i = 2, 19 do
    self.buf[i] = 0
  end
end

function GOVEE:writeBuf(what)
  BLE.set_svc("00010203-0405-0607-0809-0a0b0c0d1910")
  BLE.set_chr("00010203-0405-0607-0809-0a0b0c0d2b11")
  -- the callback's result lands in this buffer too: after a write its length byte is 0
  self.buf[0] = 20
  self:chksum()
  print(self.buf)
  BLE.run(12) -- op: 12 (write, then disconnect)
  self.sent = what
  MI32.widget("<b>Govee lamp</b> " .. LAMP.mac .. ": " .. what)
end

gv = GOVEE.new(LAMP.mac, LAMP.type)

-- Berry's int(payload) of a command's payload: a number, or nil and the reason
local function int(cmd, payload, max)
  local n = math.tointeger(tonumber(payload))
  if not n or n < 0 or n > max then
    return nil, string.format("%s %s: a whole number 0-%d", cmd, payload, max)
  end
  return n
end

-- four bytes as 8 hex digits (the seed's bytes(payload) and its rgb[0..3]), or nil and why
local function rgb4(cmd, payload)
  if not payload:match("^%x+$") or #payload ~= 8 then
    return nil, string.format("%s %s: 8 hex digits, e.g. FF000000", cmd, payload)
  end
  return bytes(payload)
end

-- the seed returned 'error' for a bad argument: here the reply says why
function gv_power(cmd, idx, payload, payload_json)
  local on, why = int(cmd, payload, 1)
  if not on then
    return mi32.resp_cmnd_error(why)
  end
  gv:clr()
  gv.buf[2] = 1 -- power cmd
  gv.buf[3] = on
  gv:writeBuf(on == 1 and "on" or "off")
  mi32.resp_cmnd_done()
end

function gv_bright(cmd, idx, payload, payload_json)
  local b, why = int(cmd, payload, 255)
  if not b then
    return mi32.resp_cmnd_error(why)
  end
  gv:clr()
  gv.buf[2] = 4 -- brightness
  gv.buf[3] = b
  gv:writeBuf("brightness " .. b)
  mi32.resp_cmnd_done()
end

function gv_rgb(cmd, idx, payload, payload_json)
  local rgb, why = rgb4(cmd, payload)
  if not rgb then
    return mi32.resp_cmnd_error(why)
  end
  print(rgb)
  gv:clr()
  gv.buf[2] = 5 -- color
  gv.buf[3] = 5 -- manual ??
  gv.buf[4] = rgb[3]
  gv.buf[5] = rgb[0]
  gv.buf[6] = rgb[1]
  gv.buf[7] = rgb[2]
  gv:writeBuf("color " .. rgb:slice(0, 2):tohex())
  mi32.resp_cmnd_done()
end

function gv_scn(cmd, idx, payload, payload_json)
  local n, why = int(cmd, payload, 255)
  if not n then
    return mi32.resp_cmnd_error(why)
  end
  gv:clr()
  gv.buf[2] = 5 -- color
  gv.buf[3] = 4 -- scene
  gv.buf[4] = n
  gv:writeBuf("scene " .. n)
  mi32.resp_cmnd_done()
end

function gv_mus(cmd, idx, payload, payload_json)
  local rgb, why = rgb4(cmd, payload)
  if not rgb then
    return mi32.resp_cmnd_error(why)
  end
  print(rgb)
  gv:clr()
  gv.buf[2] = 5 -- color
  gv.buf[3] = 1 -- music
  gv.buf[4] = rgb[0]
  gv.buf[5] = 0
  gv.buf[6] = rgb[1]
  gv.buf[7] = rgb[2]
  gv.buf[8] = rgb[3]
  gv:writeBuf("music " .. rgb:tohex())
  mi32.resp_cmnd_done()
end

mi32.add_cmd("gpower", gv_power) -- only on/off
mi32.add_cmd("bright", gv_bright) -- brightness 0 - 255
mi32.add_cmd("color", gv_rgb) -- color 00FF0000 - sometimes the last byte has to be set to something greater 00, usually it should be 00
mi32.add_cmd("scene", gv_scn) -- scene 0 - ?,
mi32.add_cmd("music", gv_mus) -- music 00 - 0f + color 000000   -- does not work at all!!!

--   POWER      = 0x01
--   BRIGHTNESS = 0x04
--   COLOR      = 0x05
--     MANUAL     = 0x02 - seems to be wrong for this lamp
--     MICROPHONE = 0x01 - can not be confirmed yet
--     SCENES     = 0x04
