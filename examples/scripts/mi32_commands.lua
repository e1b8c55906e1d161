-- mi32_commands.lua — the seed's "removed MI32 commands in Berry" (Bluetooth_MI32_legacy,
-- Berry examples), ported line by line: MI32Time, MI32Unit and MI32Bat through BLE.
-- (mi32 also has them built in as the MI32Time/MI32Unit/MI32Battery commands; this is the
-- script the seed gave instead.)
--
-- Call them in this script's state from the console, MQTT or HTTP:
--   Script @mi32_commands.lua MI32Bat(3)
--   Script @mi32_commands.lua MI32Time(2)
--   Script @mi32_commands.lua MI32Unit(2, 1)

j = 0   -- what the next callback answers: 0 a write, 1 LYWSD03/MHO-C401 notification,
        -- 2 LYWSD02 battery, 3 Flora, 4 CGD1
sl = 0  -- the slot the answer is for

cbuf = bytes(-64)
local function cb(err, op)
  if err ~= 0 then
    mi32.log("MI32 commands: slot " .. sl .. " op " .. op .. " error " .. err, 1)
    return
  end
  if j == 0 then
    print(cbuf)
  end
  -- one-shot subscribe (13) answers op 3 with the first notification: T LE16, H, mV LE16
  -- (5 bytes; Berry checked only j, the length keeps a short answer out)
  if j == 1 and cbuf[0] >= 5 then
    local temp = cbuf:get(1, 2) / 100.0
    local hum = cbuf:get(3, 1) * 1.0
    local bat = (cbuf:get(4, 2) - 2100) // 12  -- Berry's int / int
    MI32.set_temp(sl, temp)
    MI32.set_hum(sl, hum)
    MI32.set_bat(sl, bat)
  end
  if j == 2 then
    MI32.set_bat(sl, cbuf:get(1, 1))
  end
  if j == 3 then -- Flora: battery, then the firmware string
    MI32.set_bat(sl, cbuf:get(1, 1))
  end
  if j == 4 then
    local bat = cbuf:get(1, 1)
    MI32.set_bat(sl, bat)
  end
end

cbp = tasmota.gen_cb(cb)
BLE.conn_cb(cbp, cbuf)

function SetMACfromSlot(slot)
  if slot + 1 > MI32.devices() then
    return "out of bounds"
  end
  sl = slot
  BLE.set_MAC(MI32.get_MAC(slot))
end

function MI32Time(slot)
  if SetMACfromSlot(slot) then return "out of bounds" end
  BLE.set_svc("EBE0CCB0-7A0A-4B0C-8A1A-6FF2997DA3A6")
  BLE.set_chr("EBE0CCB7-7A0A-4B0C-8A1A-6FF2997DA3A6")
  cbuf[0] = 5
  -- Berry: tasmota.rtc() utc and timezone (minutes)
  local utc = math.floor(mi32.time())
  local tz = (os.time(os.date("*t", utc)) - os.time(os.date("!*t", utc))) // 3600
  cbuf:set(1, utc, 4)
  cbuf:set(5, tz, 1)
  j = 0
  BLE.run(12, true)
end

function MI32Unit(slot, unit)
  if SetMACfromSlot(slot) then return "out of bounds" end
  BLE.set_svc("EBE0CCB0-7A0A-4B0C-8A1A-6FF2997DA3A6")
  BLE.set_chr("EBE0CCBE-7A0A-4B0C-8A1A-6FF2997DA3A6")
  cbuf[0] = 1
  cbuf[1] = unit
  j = 0
  BLE.run(12, true)
end

function MI32Bat(slot)
  if SetMACfromSlot(slot) then return "out of bounds" end
  local name = MI32.get_name(slot)
  if name == "LYWSD03" then
    BLE.set_svc("ebe0ccb0-7A0A-4B0C-8A1A-6FF2997DA3A6")
    BLE.set_chr("ebe0ccc1-7A0A-4B0C-8A1A-6FF2997DA3A6")
    j = 1
    BLE.run(13)
  end
  if name == "MHOC401" then
    BLE.set_svc("ebe0ccb0-7A0A-4B0C-8A1A-6FF2997DA3A6")
    BLE.set_chr("ebe0ccc1-7A0A-4B0C-8A1A-6FF2997DA3A6")
    j = 1
    BLE.run(13, true)
  end
  if name == "LYWSD02" then
    BLE.set_svc("ebe0ccb0-7A0A-4B0C-8A1A-6FF2997DA3A6")
    BLE.set_chr("ebe0ccc4-7A0A-4B0C-8A1A-6FF2997DA3A6")
    j = 2
    BLE.run(11, true)
  end
  if name == "Flora" then
    BLE.set_svc("00001204-0000-1000-8000-00805f9b34fb")
    BLE.set_chr("00001a02-0000-1000-8000-00805f9b34fb")
    j = 3
    BLE.run(11, true)
  end
  if name == "CGD1" then
    BLE.set_svc("180F")
    BLE.set_chr("2A19")
    j = 4
    BLE.run(11, true)
  end
end
