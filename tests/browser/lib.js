// SPDX-License-Identifier: MIT
// lib.js — what the browser tests share: the mi32 daemon as a child process on a free port,
// captures made by `mi32 simulate` and reshaped here (btsnoop records retimed or dropped),
// mi32cfg edits, Debian's chromium through playwright-core, and a tiny test harness.
'use strict';
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { spawn, execFile, execFileSync } = require('child_process');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const MI32 = process.env.MI32_BIN || path.join(ROOT, 'build', 'mi32');
const SHOTS = process.env.MI32_SCREENSHOTS || path.join(path.dirname(MI32), 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const MOSQUITTO = '/usr/sbin/mosquitto';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'mi32-browser-'));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

async function waitPort(port, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise(res => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); res(true); });
      c.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error('nothing listens on port ' + port);
}

/* `mi32 simulate`: a capture and the mi32cfg with its keys */
function simulate(name, duration, start) {
  const cap = path.join(TMP, name + '.btsnoop'), cfg = path.join(TMP, name + '.mi32cfg');
  const args = ['simulate', '--out', cap, '--mi32cfg', cfg, '--duration', String(duration)];
  if (start) args.push('--start', String(start));
  execFileSync(MI32, args, { stdio: 'pipe' });
  return { cap, cfg };
}

/* Rewrite a btsnoop file record by record: @fn(tsMicros, data) returns a new timestamp (BigInt)
 * or null to drop the record. */
function reshape(src, dst, fn) {
  const b = fs.readFileSync(src);
  const out = [b.subarray(0, 16)];
  let off = 16;
  while (off + 24 <= b.length) {
    const incl = b.readUInt32BE(off + 4);
    const rec = Buffer.from(b.subarray(off, off + 24 + incl));
    const ts = rec.readBigUInt64BE(16);
    const nts = fn(ts, rec.subarray(24));
    if (nts !== null) { rec.writeBigUInt64BE(nts, 16); out.push(rec); }
    off += 24 + incl;
  }
  fs.writeFileSync(dst, Buffer.concat(out));
}

/* does an HCI advertising report carry @mac (display order hex)? */
function hasMac(data, mac) {
  const rev = Buffer.from(mac, 'hex').reverse();
  return data.indexOf(rev) >= 0;
}

function readCfg(file) { return JSON.parse(fs.readFileSync(file, 'utf8')); }
function writeCfg(file, list) { fs.writeFileSync(file, JSON.stringify(list)); }

/* SIGTERM, up to 5 s to exit, then SIGKILL; a child never started or gone is a no-op */
async function terminate(proc) {
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  if (!proc || gone()) return;
  const done = new Promise(r => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([done, new Promise(r => setTimeout(r, 5000))]);
  if (!gone()) proc.kill('SIGKILL');
}

class Daemon {
  constructor(opts) { this.opts = opts; this.log = ''; }
  async start() {
    this.port = this.port || await freePort();
    const o = this.opts;
    /* o.uart: a live radio on that H4 UART instead of a replay */
    const args = ['run', ...(o.uart ? ['--hci-uart', o.uart] : ['--replay', o.capture]), '--mi32cfg', o.mi32cfg,
      '--web-port', String(this.port), '--state-dir', TMP, '--teleperiod', '0'];
    if (o.uart) { /* no replay to pace */ } else if (o.fast) args.push('--fast'); else args.push('--loop');
    if (o.password) args.push('--web-password', o.password);
    if (o.stale) args.push('--stale', String(o.stale));
    if (o.extra) args.push(...o.extra);
    if (o.args) args.push(...o.args);
    if (o.script) args.push('--script', o.script);
    /* --fast finishes the replay at once; a console that stays open (a FIFO we hold both
     * ends of: node's pipes are sockets, which the daemon does not wait for) keeps it up */
    let stdin = 'ignore';
    if (o.fast) {
      const fifo = path.join(TMP, 'console-' + this.port);
      if (!fs.existsSync(fifo)) execFileSync('mkfifo', [fifo]);
      this.fifo = this.fifo || fs.openSync(fifo, 'r+');
      stdin = this.fifo;
    }
    this.proc = spawn(MI32, args, { env: Object.assign({}, process.env, { TZ: 'UTC' }), stdio: [stdin, 'ignore', 'pipe'] });
    this.proc.stderr.on('data', d => { this.log += d; });
    try {
      await waitPort(this.port);
    } catch (e) {
      throw new Error(e.message + '; mi32 said: ' + this.log.slice(-600));
    }
    this.base = 'http://127.0.0.1:' + this.port;
    return this;
  }
  stop() { return terminate(this.proc); }
  async json(p, init) {
    const r = await fetch(this.base + p, init);
    return { status: r.status, body: await r.json() };
  }
}

/* A private bus with a fake bluetoothd (tests/activate/fake_mi_device.py: Xiaomi devices
 * that run the device side of activation); ctl() calls its test.Control through dbus-send. */
class FakeBluez {
  async start() {
    const conf = path.join(TMP, 'bus.conf');
    fs.writeFileSync(conf, '<busconfig><type>session</type><listen>unix:path=' + path.join(TMP, 'bus') +
      '</listen><auth>EXTERNAL</auth><policy context="default"><allow send_destination="*" eavesdrop="true"/>' +
      '<allow eavesdrop="true"/>' +
      '<allow own="*"/></policy></busconfig>\n');
    this.bus = spawn('dbus-daemon', ['--config-file=' + conf, '--print-address=1', '--nofork'],
      { stdio: ['ignore', 'pipe', 'ignore'] });
    this.address = (await firstLine(this.bus.stdout)).trim();
    this.fake = spawn('/usr/bin/python3', [path.join(__dirname, '..', 'activate', 'fake_mi_device.py')],
      { env: Object.assign({}, process.env, { FAKE_BUS: this.address }), stdio: ['pipe', 'pipe', 'inherit'] });
    const ready = (await firstLine(this.fake.stdout)).trim();
    if (ready !== 'ready') throw new Error('the fake bluetoothd said ' + ready);
    return this;
  }
  ctl(method, ...args) {
    return execFileSync('dbus-send', ['--bus=' + this.address, '--dest=org.bluez', '--print-reply',
      '/test', 'test.Control.' + method, ...args.map(a => 'string:' + a)], { encoding: 'utf8' });
  }
  async stop() {
    /* the fake first (it lets go of its name on the bus), then the bus */
    if (this.fake && this.fake.exitCode === null) {
      const gone = new Promise(r => this.fake.once('exit', r));
      this.fake.stdin.end();
      await Promise.race([gone, new Promise(r => setTimeout(r, 5000))]);
    }
    if (this.bus) this.bus.kill('SIGTERM');
  }
}

/* Debian's mosquitto on a free loopback port, configured as tests/integration/conftest.py
 * does; ready when its log says it runs (it opens its listeners before it says so).
 * mosquitto_pub/_sub (mosquitto-clients) talk to it. */
class Broker {
  async start() {
    this.port = await freePort();
    const conf = path.join(TMP, 'mosquitto-' + this.port + '.conf');
    fs.writeFileSync(conf, 'listener ' + this.port + ' 127.0.0.1\nallow_anonymous true\npersistence false\n' +
      'log_dest stderr\n');
    this.log = '';
    this.proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr.on('data', d => { this.log += d; });
    await new Promise((resolve, reject) => {
      const limit = setTimeout(() => done(new Error('mosquitto did not say it runs: ' + this.log)), 10000);
      const on = () => { if (/mosquitto version \S+ running/.test(this.log)) done(); };
      const exit = c => done(new Error('mosquitto exited (' + c + '): ' + this.log));
      const done = e => {
        clearTimeout(limit);
        this.proc.stderr.off('data', on);
        this.proc.off('exit', exit);
        if (e) reject(e); else resolve();
      };
      this.proc.stderr.on('data', on);
      this.proc.once('exit', exit);
    });
    return this;
  }
  /* the daemon's options to use this broker under @topic */
  args(topic) { return ['--mqtt-host', '127.0.0.1', '--mqtt-port', String(this.port), '--topic', topic]; }
  /* the first message on @topic (a retained one at once), within 90 s */
  first(topic) {
    return run1('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(this.port), '-t', topic, '-C', '1', '-W', '90']);
  }
  /* publish at QoS 1: the broker has the message when this resolves */
  pub(topic, payload) {
    return run1('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(this.port), '-q', '1', '-t', topic, '-m', payload]);
  }
  stop() { return terminate(this.proc); }
}

/* a command's standard output, trimmed; rejects with its standard error when it fails */
function run1(cmd, args) {
  return new Promise((resolve, reject) => execFile(cmd, args, { encoding: 'utf8' }, (e, out, err) => {
    if (e) reject(new Error(cmd + ': ' + (err || e.message))); else resolve(out.trim());
  }));
}

/* An encrypted MiBeacon v5 advert (AD hex) of @mac with @key (hex) as a bound sensor sends it:
 * tests/activate/mibeacon_seal.py, the encoder the Python tests use. @temp10 in 0.1 °C,
 * @hum10 (optional) in 0.1 %. */
function mibeacon(key, mac, pid, cnt, temp10, hum10) {
  const args = [path.join(ROOT, 'tests', 'activate', 'mibeacon_seal.py'), key, mac, pid, String(cnt), String(temp10)];
  if (hum10 !== undefined) args.push(String(hum10));
  return run1('/usr/bin/python3', args);
}

function firstLine(stream) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const on = d => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) { stream.off('data', on); resolve(buf.slice(0, i)); }
    };
    stream.on('data', on);
    stream.once('end', () => reject(new Error('ended before a line: ' + buf)));
  });
}

async function browser() {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

async function page(b, vp, extra) {
  const ctx = await b.newContext(Object.assign({ viewport: VIEWPORTS[vp || 'desktop'], timezoneId: 'UTC',
    deviceScaleFactor: 1 }, extra || {}));
  const p = await ctx.newPage();
  /* waits are for events, and a loaded machine (CI beside other jobs, stress-ng) makes them
   * slow, not wrong: allow 90 s where playwright's default is 30 */
  p.setDefaultTimeout(90000);
  p.errors = [];
  p.on('pageerror', e => p.errors.push(e.message));
  p.on('console', m => { if (m.type() === 'error') p.errors.push(m.text()); });
  return p;
}

async function shot(p, name, full) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name + '.png');
  await p.screenshot({ path: file, fullPage: !!full });
  return file;
}

/* ---- harness ---- */
const tests = [];
function test(name, fn) { tests.push({ name, fn }); }
function assert(cond, msg) { if (!cond) throw new Error('assertion failed: ' + msg); }
function eq(a, b, msg) {
  if (JSON.stringify(a) !== JSON.stringify(b))
    throw new Error((msg || 'not equal') + ': got ' + JSON.stringify(a) + ', want ' + JSON.stringify(b));
}

async function run(setup, teardown) {
  const t0 = Date.now();
  let failed = 0;
  const ctx = {};
  try {
    await setup(ctx);
    /* MI32_TEST_FILTER=regex runs the matching tests only (while developing) */
    const only = process.env.MI32_TEST_FILTER ? new RegExp(process.env.MI32_TEST_FILTER) : null;
    for (const t of tests.filter(x => !only || only.test(x.name))) {
      const s = Date.now();
      try {
        await t.fn(ctx);
        console.log('ok   ' + t.name + ' (' + (Date.now() - s) + ' ms)');
      } catch (e) {
        failed++;
        console.log('FAIL ' + t.name + '\n     ' + (e.stack || e).toString().split('\n').slice(0, 4).join('\n     '));
      }
    }
  } catch (e) {
    failed++;
    console.log('FAIL setup: ' + (e.stack || e));
  } finally {
    await teardown(ctx);
  }
  console.log('screenshots in ' + SHOTS + ' (' + ((Date.now() - t0) / 1000).toFixed(1) + ' s)');
  // the plain closing line CI reads: "browser: N passed, N failed"
  const ran = process.env.MI32_TEST_FILTER ? tests.filter(x => new RegExp(process.env.MI32_TEST_FILTER).test(x.name)).length : tests.length;
  console.log('browser: ' + (ran - failed) + ' passed, ' + failed + ' failed');
  if (!process.env.MI32_KEEP_TMP) fs.rmSync(TMP, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

module.exports = { MI32, SHOTS, TMP, simulate, reshape, hasMac, readCfg, writeCfg, Daemon, FakeBluez, Broker, mibeacon,
  browser, page, shot, test, assert, eq, run };
