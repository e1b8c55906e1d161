-- adv_listener.lua — the seed's "Simple Advertisement Listener" (Bluetooth_MI32_legacy,
-- Observer), ported from Berry line by line, plus adv_watch and an MQTT message per advert.
--
-- Put it in <state-dir>/scripts/ or run `mi32 run --script adv_listener.lua`. WATCH names
-- the one device to listen to (display order, as MI32Name shows it); "" listens to all.
-- Every advert of it is printed to the log and published on tele/<topic>/ADV as
-- {"MAC":"…","Type":0,"RSSI":-70,"Payload":"…","ServiceData":"…","Manufacturer":"…"}.
local WATCH = "A4C138A1B204"

-- Berry: class LISTENER ... var buf ... def init() ... end
local LISTENER = {}
LISTENER.__index = LISTENER

function LISTENER.new()
  local self = setmetatable({}, LISTENER)
  -- Berry: self.buf = bytes(-64): fixed size, filled by mi32 before each call
  self.buf = bytes(-64)
  -- Berry: cb.gen_cb(/svc,manu->self.cb(svc,manu)); a Lua closure is a callback as it is
  BLE.adv_cb(function(svc, manu) self:cb(svc, manu) end, self.buf)
  if WATCH ~= "" then
    BLE.adv_watch(bytes(WATCH))
  end
  self.topic = "tele/" .. mi32.cmd("Topic").Topic .. "/ADV"
  return self
end

-- the data part of the AD element at index i: the length byte two before it counts type+data
local function element(buf, i)
  local len = buf[i - 2] - 1
  return buf:slice(i, i + len - 1)
end

function LISTENER:cb(svc, manu)
  local buf = self.buf
  -- the seed printed buf[1..buf[0]], but in the advert layout byte 0 is the MAC's first byte;
  -- the payload's length is byte 8
  local payload = buf:slice(9, 8 + buf[8])
  print("Full buffer:", buf:slice(0, 8 + buf[8]):tohex())
  local msg = {
    string.format('"MAC":"%s"', buf:slice(0, 5):tohex()),
    string.format('"Type":%d', buf[6]),
    string.format('"RSSI":%d', buf:geti(7, 1)), -- the seed's unsigned byte, read signed
    string.format('"Payload":"%s"', payload:tohex()),
  }
  if svc ~= 0 then -- service data present
    print("service data:", element(buf, svc):tohex())
    msg[#msg + 1] = string.format('"ServiceData":"%s"', element(buf, svc):tohex())
  end
  if manu ~= 0 then -- manufacturer data present
    print("manufacturer data:", element(buf, manu):tohex())
    msg[#msg + 1] = string.format('"Manufacturer":"%s"', element(buf, manu):tohex())
  end
  mi32.publish(self.topic, "{" .. table.concat(msg, ",") .. "}")
end

listener = LISTENER.new()
