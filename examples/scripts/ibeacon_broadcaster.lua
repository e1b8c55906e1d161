-- ibeacon_broadcaster.lua — mi32 as an Apple iBeacon: the seed's "iBeacon" use of the
-- server API ("create your own beacon, that can be tracked"). Op 201 without
-- characteristics makes a broadcaster, not a server.
--
-- It advertises UUID, MAJOR and MINOR with the calibrated power at 1 m (TX_1M, dBm) in
-- Apple's manufacturer data (company 0x004C, type 0x02, length 0x15). Phones' beacon apps
-- and Home Assistant's iBeacon integration track it. beacon(major, minor) changes the
-- numbers while it runs: `Script @ibeacon_broadcaster.lua beacon(1, 7)`. Needs bluetoothd
-- (README "GATT server and advertising").
local UUID = "FDA50693A4E24FB1AFCFC6EB07647825"
local MAJOR, MINOR = 1, 2
local TX_1M = -59

local cbuf = bytes(-64) -- [len][AD structures], the seed's server buffer
BLE.serv_cb(function(err, op)
  if err ~= 0 then mi32.log("iBeacon: op " .. op .. " failed with error " .. err, 1) end
end, cbuf)

local function advertise()
  local m = bytes("4C000215")                     -- Apple (0x004C, LE), iBeacon, 21 bytes
  m:append(bytes(UUID))
  m:add(MAJOR, -2) m:add(MINOR, -2)               -- big-endian, as Apple defines them
  m:add(TX_1M, 1)                                 -- signed byte
  local ad = bytes("020106")                      -- flags (bluetoothd writes its own)
  ad:add(#m + 1) ad:add(0xFF) ad:append(m)        -- manufacturer data element
  cbuf[0] = #ad
  cbuf:setbytes(1, ad)
  -- 0: non-connectable. bluetoothd may not be there yet: say so, try again in a second
  local ok, err = pcall(BLE.run, 201, false, 0)
  if not ok then
    mi32.log("iBeacon: " .. tostring(err), 1)
    mi32.add_timer(1000, advertise)
  end
end

function beacon(major, minor)
  assert(math.type(major) == "integer" and major >= 0 and major <= 0xFFFF, "major: 0..65535")
  assert(math.type(minor) == "integer" and minor >= 0 and minor <= 0xFFFF, "minor: 0..65535")
  MAJOR, MINOR = major, minor
  advertise()
end

advertise()
