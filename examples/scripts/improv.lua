-- improv.lua — Improv Wi-Fi provisioning over BLE (improv-wifi.com/ble, version 2.1: no
-- Wi-Fi scan), the seed's "Improv Wi-Fi" use of the server API ("use Bluetooth Low-Energy
-- for Wi-Fi commissioning of your ESP32 device"), which the seed names without a listing.
-- A phone or a browser (improv-wifi.com, Home Assistant) finds mi32 by its advertisement,
-- asks for its device info and sends Wi-Fi settings; mi32 answers with its dashboard's URL.
--
-- WHAT HAPPENS TO THE CREDENTIALS. mi32 is a daemon on a Linux machine that has its
-- network already; it does not configure Wi-Fi (NetworkManager or wpa_supplicant do), and
-- a script can neither write files nor run programs. So they go to wifi() below, the one
-- function to adapt. As shipped it publishes the SSID only, on tele/<topic>/IMPROV as
-- {"SSID":"…"}, drops the password (never logged, never published, not kept), and tells
-- the phone "provisioned". To hand the password to a program of yours, publish it from
-- there to a broker you trust (it is then in that broker, and retained if you say so).
--
-- AUTHORIZATION (the protocol's button press): the state starts at "authorization
-- required"; `Script @improv.lua authorize()` (console, MQTT, or HTTP with the web
-- password) authorizes for AUTH_S seconds, as a button would. AUTHORIZED = true starts
-- authorized: then anyone in radio range may send settings. The Mi Dashboard shows the
-- state in a box, and which mi32 a phone asked to identify itself.
--
-- Needs bluetoothd (README "GATT server and advertising").
local AUTH_S = 60 -- the spec suggests 1 min
local AUTHORIZED = false
local NAME = "mi32 Improv" -- in the scan response
local URL = "" -- where the phone goes once provisioned; "" = http://<address>:8080/m32
local WEB_PORT = 8080 -- mi32's --web-port, for that URL

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- Adapt this. Return true when done (the phone is then sent to the URL), or false and a
-- reason (the phone is told "unable to connect", the log gets the reason).
local function wifi(ssid, password) -- password: deliberately unused (see the header)
  local topic = "tele/" .. mi32.cmd("Topic").Topic .. "/IMPROV"
  mi32.publish(topic, '{"SSID":' .. json_string(ssid) .. '}')
  mi32.log("Improv: Wi-Fi settings for " .. json_string(ssid) .. " (the password is dropped)")
  return true
end

-- ---- the protocol ------------------------------------------------------------------------

local SVC = "00467768-6228-2272-4663-277478268000"
local function chr(n) return "00467768-6228-2272-4663-27747826800" .. n end
local STATE, ERROR, RPC, RESULT, CAPS = chr(1), chr(2), chr(3), chr(4), chr(5)
-- current state; error state
local AUTH_REQUIRED, AUTHORIZED_, PROVISIONING, PROVISIONED = 1, 2, 3, 4
local NO_ERROR, INVALID_RPC, UNKNOWN_RPC, UNABLE_TO_CONNECT, NOT_AUTHORIZED = 0, 1, 2, 3, 4
local CAPABILITIES = 0x03 -- identify (bit 0), device info (bit 1)
-- BLE.run(211)'s property bits (NimBLE's, as the seed's arg1)
local READ, WRITE_NO_RSP, WRITE, NOTIFY = 0x02, 0x04, 0x08, 0x10

local cbuf = bytes(-255)
local improv = { state = AUTHORIZED and AUTHORIZED_ or AUTH_REQUIRED, error = NO_ERROR,
                 rx = bytes(), centrals = 0, note = "" }

-- a characteristic's value (created the first time), notified to its subscribers
local function set(uuid, value, props)
  if type(value) == "number" then value = bytes():add(value) end
  BLE.set_svc(SVC)
  BLE.set_chr(uuid)
  cbuf[0] = #value
  cbuf:setbytes(1, value)
  BLE.run(211, false, props)
end

-- the advertisement: the service UUID and service data 4677 (state, capabilities, 4
-- reserved bytes) in the same one, as the spec wants; 31 bytes with bluetoothd's flags
local function advertise()
  local ad = bytes("020106") .. bytes("1107") .. bytes((SVC:gsub("-", ""))):reverse()
  ad:append(bytes("09167746")):add(improv.state):add(CAPABILITIES):add(0, 4)
  cbuf[0] = #ad
  cbuf:setbytes(1, ad)
  BLE.run(201)
end

local function widget()
  local say = {
    [AUTH_REQUIRED] = "waiting for authorization: <code>Script @improv.lua authorize()</code>",
    [AUTHORIZED_] = "authorized: a phone may send Wi-Fi settings",
    [PROVISIONING] = "provisioning",
    [PROVISIONED] = "provisioned",
  }
  MI32.widget("<b>Improv Wi-Fi</b>: " .. say[improv.state] .. improv.note)
end

local function set_state(s)
  if s == improv.state then return end
  improv.state = s
  set(STATE, s, READ | NOTIFY)
  -- a new advertisement while a central is connected would invite a second one: the
  -- next one goes out when it leaves (228)
  if improv.centrals == 0 then advertise() end
  widget()
end

local function set_error(e)
  if e == improv.error then return end
  improv.error = e
  set(ERROR, e, READ | NOTIFY)
end

local function checksum(b, n)
  local sum = 0
  for i = 0, n - 1 do sum = sum + b[i] end
  return sum & 0xFF
end

-- an RPC result: [command][length][strings, each [length][bytes]][checksum]
local function result(command, strings)
  local data = bytes()
  for _, s in ipairs(strings) do data:add(#s):append(s) end
  local r = bytes():add(command):add(#data):append(data)
  r:add(checksum(r, #r))
  set(RESULT, r, READ | NOTIFY)
end

local function dashboard()
  if URL ~= "" then return URL end
  local ip = (mi32.cmd("Status 5").StatusNET or {}).IPAddress or ""
  return "http://" .. (ip ~= "" and ip or "localhost") .. ":" .. WEB_PORT .. "/m32"
end

local auth_timer
local function revoke()
  auth_timer = nil
  if improv.state == AUTHORIZED_ and not AUTHORIZED then set_state(AUTH_REQUIRED) end
end

-- Script @improv.lua authorize(): the button. Also from "provisioned", to provision anew.
function authorize()
  if improv.state == PROVISIONING then return "provisioning" end
  if auth_timer then mi32.remove_timer(auth_timer) end
  auth_timer = mi32.add_timer(AUTH_S * 1000, revoke)
  set_state(AUTHORIZED_)
  return "authorized for " .. AUTH_S .. " s"
end

local function wifi_settings(d)
  if improv.state ~= AUTHORIZED_ then return set_error(NOT_AUTHORIZED) end
  -- [ssid length][ssid][password length][password], nothing more
  local n = #d > 0 and d[0] or 0
  if #d < n + 2 or #d ~= n + 2 + d[n + 1] then return set_error(INVALID_RPC) end
  local ssid = d:slice(1, n):asstring()
  local password = d:slice(n + 2):asstring()
  set_state(PROVISIONING)
  local ok, done, why = pcall(wifi, ssid, password)
  password = nil
  if ok and done then
    improv.note = "<br>Wi-Fi settings for " .. ssid:gsub("[<&]", "?") .. " taken"
    set_state(PROVISIONED)
    if auth_timer then mi32.remove_timer(auth_timer) auth_timer = nil end
    result(0x01, { dashboard() })
  else
    mi32.log("Improv: wifi() failed: " .. tostring(ok and (why or "false") or done), 1)
    set_error(UNABLE_TO_CONNECT)
    set_state(AUTHORIZED_)
    authorize() -- the spec: the authorization timeout starts over
  end
end

local function command(p)
  local cmd, len = p[0], p[1]
  if checksum(p, len + 2) ~= p[len + 2] then return set_error(INVALID_RPC) end
  if cmd == 0x01 then
    wifi_settings(p:slice(2, len + 1))
  elseif cmd == 0x02 then -- identify: the dashboard says so (mi32 has no light to flash)
    improv.note = "<br>a phone asked this mi32 to identify itself at " .. os.date("%H:%M:%S")
    mi32.log("Improv: identify")
    widget()
  elseif cmd == 0x03 then
    local fw = mi32.cmd("Status 2").StatusFWR or {}
    local st = mi32.cmd("Status").Status or {}
    result(0x03, { "mi32", fw.Version or "", fw.Hardware or "Linux",
                   (st.FriendlyName or {})[1] or st.Topic or "mi32" })
  else
    set_error(UNKNOWN_RPC)
  end
end

-- RPC command writes: a packet may come in several writes (the spec: over 20 bytes, an
-- MTU of 23); it is taken once its length is in, dropped as invalid if no more comes
local partial_timer
local function rpc_write(data)
  if partial_timer then mi32.remove_timer(partial_timer) partial_timer = nil end
  improv.rx:append(data)
  local p = improv.rx
  if #p < 2 or #p < p[1] + 3 then
    partial_timer = mi32.add_timer(2000, function()
      partial_timer, improv.rx = nil, bytes()
      set_error(INVALID_RPC)
    end)
    return
  end
  improv.rx = bytes()
  set_error(NO_ERROR) -- a new command: the last one's error is over
  if #p > p[1] + 3 then return set_error(INVALID_RPC) end
  command(p)
end

BLE.serv_cb(function(err, op, uuid, handle)
  if err ~= 0 then
    mi32.log("Improv: op " .. op .. " failed with error " .. err, 1)
  elseif op == 201 and cbuf[0] > 0 then
    print("Handles:", cbuf:slice(1, cbuf[0]):tohex())
  elseif op == 222 then
    -- the RPC command is our one writable characteristic
    rpc_write(cbuf:slice(1, cbuf[0]))
  elseif op == 227 then
    improv.centrals = improv.centrals + 1
  elseif op == 228 then
    improv.centrals = math.max(improv.centrals - 1, 0)
    improv.rx = bytes()
    -- the state as it is now (mi32 would advertise the last one again)
    local ok, e = pcall(advertise)
    if not ok then mi32.log("Improv: " .. tostring(e), 1) end
  end
end, cbuf)

local function start()
  -- bluetoothd is not there (yet): look again in a second
  if not BLE.info().gatt then return mi32.add_timer(1000, start) end
  set(STATE, improv.state, READ | NOTIFY)
  set(ERROR, improv.error, READ | NOTIFY)
  set(RPC, bytes(), WRITE | WRITE_NO_RSP)
  set(RESULT, bytes(), READ | NOTIFY)
  set(CAPS, CAPABILITIES, READ)
  local name = bytes():add(#NAME + 1):add(0x09):append(NAME)
  cbuf[0] = #name
  cbuf:setbytes(1, name)
  BLE.run(202)
  advertise()
  widget()
end

start()
