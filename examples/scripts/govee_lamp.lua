-- govee_lamp.lua — the seed's "Govee desk lamp - pre-alpha" (Bluetooth_MI32_legacy, Berry
-- examples), ported line by line: 20-byte command frames (0x33, command, arguments, XOR
-- checksum) written to the lamp with BLE.run(12) (write, then disconnect).
--
-- Set LAMP to the lamp's MAC and address type (1 random, as the seed's). The seed's
-- commands gpower, bright, color, scene and music are functions of this script's state:
--   Script @govee_lamp.lua gpower(1)          on (0 off)
--   Script @govee_lamp.lua bright(128)        brightness 0-255
--   Script @govee_lamp.lua color("FF000000")  RRGGBB + one byte the seed sends first
--   Script @govee_lamp.lua scene(3)
--   Script @govee_lamp.lua music("0F000000")  (the seed: "does not work at all")
-- A bad argument is an error with the reason; the lamp's answer is logged ("success!", or
-- the error code: 8 = the lamp refused the frame). The Mi Dashboard shows what was sent.
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

-- Berry's int(payload) of a command's payload: a number, or the error that names it
local function int(cmd, payload, max)
  local n = math.tointeger(tonumber(payload))
  if not n or n < 0 or n > max then
    error(string.format("%s %s: a whole number 0-%d", cmd, tostring(payload), max), 0)
  end
  return n
end

-- four bytes as 8 hex digits (the seed's bytes(payload) and its rgb[0..3])
local function rgb4(cmd, payload)
  local s = tostring(payload)
  if not s:match("^%x+$") or #s ~= 8 then
    error(string.format("%s %s: 8 hex digits, e.g. FF000000", cmd, s), 0)
  end
  return bytes(s)
end

function gpower(payload)
  local on = int("gpower", payload, 1)
  gv:clr()
  gv.buf[2] = 1 -- power cmd
  gv.buf[3] = on
  gv:writeBuf(on == 1 and "on" or "off")
end

function bright(payload)
  local b = int("bright", payload, 255)
  gv:clr()
  gv.buf[2] = 4 -- brightness
  gv.buf[3] = b
  gv:writeBuf("brightness " .. b)
end

function color(payload)
  local rgb = rgb4("color", payload)
  print(rgb)
  gv:clr()
  gv.buf[2] = 5 -- color
  gv.buf[3] = 5 -- manual ??
  gv.buf[4] = rgb[3]
  gv.buf[5] = rgb[0]
  gv.buf[6] = rgb[1]
  gv.buf[7] = rgb[2]
  gv:writeBuf("color " .. rgb:slice(0, 2):tohex())
end

function scene(payload)
  local n = int("scene", payload, 255)
  gv:clr()
  gv.buf[2] = 5 -- color
  gv.buf[3] = 4 -- scene
  gv.buf[4] = n
  gv:writeBuf("scene " .. n)
end

function music(payload)
  local rgb = rgb4("music", payload)
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
end

--   POWER      = 0x01
--   BRIGHTNESS = 0x04
--   COLOR      = 0x05
--     MANUAL     = 0x02 - seems to be wrong for this lamp
--     MICROPHONE = 0x01 - can not be confirmed yet
--     SCENES     = 0x04
