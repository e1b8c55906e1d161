-- bthome_broadcaster.lua — mi32 as a BTHome v2 sensor: the seed's "BTHome" use of the
-- server API ("build your own BLE sensor, that sends data via BLE advertisements"). Op 201
-- without characteristics makes a broadcaster, not a server.
--
-- Every INTERVAL ms it advertises the temperature and humidity of a thermometer mi32 hears:
-- SOURCE is its key in SENSOR messages (e.g. "LYWSD03-a1b204"), "" = the first one (by
-- name) that has both. Any BTHome receiver (Home Assistant's BTHome integration, another
-- mi32) decodes it. Needs bluetoothd (README "GATT server and advertising": a broadcaster
-- wants an adapter mi32 does not scan with, or connectable mode).
local SOURCE = ""
local INTERVAL = 10000

local cbuf = bytes(-64) -- [len][AD structures], the seed's server buffer
BLE.serv_cb(function(err, op)
  if err ~= 0 then mi32.log("BTHome: op " .. op .. " failed with error " .. err, 1) end
end, cbuf)

-- the reading, from the same list the Status 8 command answers
local function reading()
  local sns = mi32.cmd("Status 8").StatusSNS or {}
  local keys = {}
  for key, v in pairs(sns) do
    if type(v) == "table" and v.Temperature and v.Humidity and (SOURCE == "" or key == SOURCE) then
      keys[#keys + 1] = key
    end
  end
  table.sort(keys)
  local v = sns[keys[1]]
  if v then return v.Temperature, v.Humidity end
end

local function advertise()
  local t, h = reading()
  if t then
    local sd = bytes("D2FC40")                      -- UUID 0xFCD2 (LE); v2, not encrypted
    sd:add(0x02) sd:add(math.floor(t * 100 + 0.5), 2) -- temperature, sint16 LE, 0.01 °C
    sd:add(0x03) sd:add(math.floor(h * 100 + 0.5), 2) -- humidity, uint16 LE, 0.01 %
    local ad = bytes("020106")                      -- flags (bluetoothd writes its own)
    ad:add(#sd + 1) ad:add(0x16) ad:append(sd)      -- service data element
    cbuf[0] = #ad
    cbuf:setbytes(1, ad)
    -- 0: non-connectable. bluetoothd may not be there yet: say so, try again next time
    local ok, err = pcall(BLE.run, 201, false, 0)
    if not ok then mi32.log("BTHome: " .. tostring(err), 1) end
  end
  -- nothing heard yet: look again in a second
  mi32.add_timer(t and INTERVAL or 1000, advertise)
end

advertise()
