// SPDX-License-Identifier: MIT
// run.js — mi32's web interface in Debian's chromium (playwright-core). Three daemons:
//   frozen: a 3.5-hour capture replayed --fast, so every value, graph bucket and flag is
//           fixed when the browser looks (values, graphs, dimming: wrong key, missing key,
//           never heard, stale);
//   live:   the 10-minute fleet replayed in real time, its first 90 s squeezed into 3 s so
//           every sensor is heard at once (SSE: one widget redrawn per update, the flash);
//   locked: a web password (login refused/accepted) and the mi32cfg editor round trip
//           with a restart.
// Some tests start their own: activate drives MI32Activate against a fake bluetoothd, and
// feeds the sensor's adverts, sealed with the key made during the test, through a mosquitto
// (--mqtt-raw-in) to see its widget turn live.
// Usage: node run.js   (MI32_BIN, MI32_SCREENSHOTS, CHROMIUM from the environment)
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('./lib');
const { test, assert, eq } = L;

const MAC = { LYWSD03: 'A4C138A1B204', MJYD2S: 'E4AAECD4E508', MHOC303: 'E72E01030311', ATC: 'A4C138112212',
  ATTIC: 'A4C138000099' };
const FLEET = ['Flora', 'MJ_HT_V1', 'LYWSD02', 'LYWSD03', 'CGG1', 'CGD1', 'NLIGHT', 'MJYD2S', 'YLYK01', 'MHOC401',
  'MHOC303', 'ATC', 'MCCGQ02', 'SJWS01L', 'PVVX', 'YLKG08', 'YLAI003', 'BTHOME', 'Tag'];

/* the dimming rule, written again here from SPEC §10.3 + decision #10 */
function shouldDim(s) {
  const f = s.flags;
  return !f.seen || s.rssi === 0 || (f.needs_key && !f.has_key) || f.wrong_key || f.stale ||
    (f.unbound && s.pid !== '0576') || ((s.feat & ~1) === 0 && s.pid !== '0000');
}

async function setup(ctx) {
  const hour = 3600;
  const now = Math.floor(Date.now() / 1000);
  const start = Math.floor(now / hour) * hour - 3 * hour - 1800;

  /* frozen: 3.5 h; MHOC303 silent after 30 min (stale), keys broken on purpose */
  const f = L.simulate('frozen', 12600, start);
  let first = null;
  L.reshape(f.cap, f.cap, (ts, data) => {
    if (first === null) first = ts;
    return L.hasMac(data, MAC.MHOC303) && ts - first > 1800000000n ? null : ts;
  });
  const cfg = L.readCfg(f.cfg);
  for (const e of cfg) {
    if (e.MAC === MAC.LYWSD03) e.key = '00112233445566778899AABBCCDDEEFF';
    if (e.MAC === MAC.MJYD2S) { ctx.mjyd2sKey = e.key; e.key = ''; }
  }
  cfg.push({ MAC: MAC.ATTIC, PID: '055b', key: '', name: 'Attic', feat: 143 });
  L.writeCfg(f.cfg, cfg);
  ctx.frozen = await new L.Daemon({ capture: f.cap, mi32cfg: f.cfg, fast: true }).start();

  /* live: the first 90 s in 3 s, then real time */
  const l = L.simulate('live', 600);
  let t0 = null;
  L.reshape(l.cap, l.cap, ts => {
    if (t0 === null) t0 = ts;
    const d = ts - t0;
    return d < 90000000n ? t0 + d / 30n : t0 + 3000000n + (d - 90000000n);
  });
  ctx.liveCfg = l.cfg;
  ctx.liveCap = l.cap;
  ctx.live = await new L.Daemon({ capture: l.cap, mi32cfg: l.cfg }).start();

  /* locked: password; its own mi32cfg file, empty at first */
  ctx.lockedCfg = path.join(L.TMP, 'locked.mi32cfg');
  ctx.locked = await new L.Daemon({ capture: l.cap, mi32cfg: ctx.lockedCfg, password: 's3cret-pw' }).start();

  /* scripted: a Lua script's dashboard box (MI32.widget) whose fragment tries to script */
  const script = path.join(L.TMP, 'widget.lua');
  fs.writeFileSync(script, "MI32.widget('<p id=\"w\">widget of ' .. MI32.devices() .. '</p>' ..\n" +
    "  '<script>parent.document.title = \"pwned\"; document.body.textContent = \"ran\"</script>')\n");
  ctx.scripted = await new L.Daemon({ capture: l.cap, mi32cfg: path.join(L.TMP, 'scripted.mi32cfg'), script }).start();

  ctx.browser = await L.browser();
  /* the frozen daemon has replayed everything once every sensor is in */
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const r = await ctx.frozen.json('/api/node');
    if (r.body.adverts > 1000 && r.body.adverts === last) break;
    last = r.body.adverts;
    await new Promise(res => setTimeout(res, 200));
  }
}

async function teardown(ctx) {
  if (ctx.browser) await ctx.browser.close();
  for (const d of [ctx.frozen, ctx.live, ctx.locked, ctx.scripted]) if (d) await d.stop();
}

async function dashboard(ctx, daemon, vp) {
  const p = await L.page(ctx.browser, vp);
  await p.goto(daemon.base + '/m32');
  const n = (await daemon.json('/api/sensors')).body.sensors.length;
  await p.waitForFunction(k => document.querySelectorAll('#grid .box').length === k + 1, n);
  /* and the full list is in: SSE updates may draw widgets before it arrives */
  await p.waitForFunction(() => window.__m32 && window.__m32.loaded > 0);
  return p;
}

test('frozen: the dashboard shows every sensor type with the values of the store', async ctx => {
  const p = await dashboard(ctx, ctx.frozen, 'desktop');
  const api = (await ctx.frozen.json('/api/sensors')).body.sensors;
  const st8 = (await ctx.frozen.json('/cm?cmnd=Status%208')).body.StatusSNS;
  const names = await p.$$eval('#grid .box:not(.node) .nm', els => els.map(e => e.textContent));
  const slots = await p.$$eval('#grid .box:not(.node)', els => els.map(e => +e.dataset.slot));
  eq(slots, api.map(s => s.slot), 'widgets in slot order');
  for (const t of FLEET) assert(names.includes(t), 'a widget for ' + t + ' (have ' + names.join(',') + ')');
  assert(names.includes('Attic'), 'the never-heard sensor named in mi32cfg');
  const node = await p.textContent('#box0');
  assert(node.includes('Sensors observed' + api.length) || node.replace(/\s+/g, '').includes('Sensorsobserved' + api.length), 'node widget count: ' + node);
  assert(/MQTT\s*off/.test(node), 'MQTT says off when not configured');

  for (const s of api) {
    const box = await p.$('#box' + (s.slot + 1));
    assert(box, 'widget of ' + s.name);
    const text = (await box.textContent()).replace(/\s+/g, '');
    assert(text.includes(s.mac), s.name + ' shows its MAC');
    for (const v of s.values) {
      if (v.k === 'Temperature' || v.k === 'Humidity') {
        const shown = await box.$eval('[data-k="' + v.k + '"]', e => e.firstChild.textContent);
        eq(Number(shown), v.v, s.name + ' ' + v.k);
        /* and the same number as Tasmota's SENSOR JSON (another code path: report.c) */
        const key = Object.keys(st8).find(k => st8[k] && st8[k].MAC === s.mac);
        if (key && st8[key][v.k] != null) assert(Math.abs(st8[key][v.k] - v.v) < 0.051, s.name + ' ' + v.k + ' vs Status 8: ' + st8[key][v.k]);
      }
      if (v.k === 'Illuminance') assert(text.includes('Illuminance' + v.v + 'lx'), s.name + ' lux ' + v.v + ' in ' + text);
      if (v.k === 'Battery') assert(text.includes(v.v + '%'), s.name + ' battery');
    }
    if (s.rssi) assert(text.includes('RSSI' + s.rssi + 'dBm'), s.name + ' RSSI');
    if (s.door != null) assert(text.includes('Contact' + (s.door ? 'open' : 'closed')), s.name + ' contact');
    if (s.leak != null) assert(text.includes(s.leak ? 'Leak!!!' : 'Noleak'), s.name + ' leak');
    if (s.button) assert(text.includes('Button' + s.button.n), s.name + ' button');
    if (s.nmt != null && (s.feat & 0x300)) assert(text.includes('Nomotionfor'), s.name + ' no-motion counter');
    if (s.payload) assert(text.includes(s.payload), s.name + ' payload');
    if (s.events != null) assert(text.includes('Events' + s.events), s.name + ' events');
  }
  const knob = api.find(s => s.name === 'YLKG08');
  if (knob.values.some(v => v.k === 'Dimmer')) assert((await p.textContent('#box' + (knob.slot + 1))).includes('Dimmer steps'), 'knob steps');
  eq(p.errors, [], 'no errors in the page');
  await L.shot(p, 'm32-desktop', true);
  await L.shot(p, 'm32-desktop-top', false);
  const ph = await dashboard(ctx, ctx.frozen, 'phone');
  await L.shot(ph, 'm32-phone', false);
  const w = await ph.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert(w[0] <= w[1], 'no sideways scrolling on a phone: ' + w);
});

test('frozen: 24 h graphs draw exactly the valid hourly buckets, the coming hour a gap', async ctx => {
  const p = await dashboard(ctx, ctx.frozen, 'desktop');
  const body = (await ctx.frozen.json('/api/sensors')).body;
  const hour = body.hour;
  let graphs = 0;
  for (const s of body.sensors) {
    for (const kind of Object.keys(s.hist)) {
      const want = [];
      s.hist[kind].forEach((v, h) => { if (v) want.push([h, v]); });
      const got = await p.$$eval('#box' + (s.slot + 1) + ' svg.graph[data-kind="' + kind + '"] circle.pt',
        els => els.map(e => [+e.dataset.h, +e.dataset.v, +e.getAttribute('cx')]));
      eq(got.map(g => [g[0], g[1]]).sort((a, b) => a[0] - b[0]), want, s.name + ' ' + kind + ' buckets');
      /* oldest left, newest right: x grows with the age order starting after the current hour */
      for (const g of got) eq(g[2], ((g[0] - hour - 1 + 48) % 24) * 6 + 3, s.name + ' x of hour ' + g[0]);
      assert(!got.some(g => g[0] === (hour + 1) % 24), s.name + ': the coming hour is a gap');
      graphs++;
    }
  }
  const atc = body.sensors.find(s => s.mac === MAC.ATC);
  assert(atc.hist.temp.filter(Boolean).length >= 4, 'ATC has 4 hours of temperature: ' + atc.hist.temp);
  assert(graphs >= 25, 'graphs drawn: ' + graphs);
  const box = await p.$('#box' + (atc.slot + 1));
  await box.screenshot({ path: path.join(L.SHOTS, 'widget-atc-graphs.png') });
});

test('frozen: dimming follows the rules (never heard, no key, wrong key, stale)', async ctx => {
  const p = await dashboard(ctx, ctx.frozen, 'desktop');
  const api = (await ctx.frozen.json('/api/sensors')).body.sensors;
  for (const s of api) {
    const dim = await p.$eval('#box' + (s.slot + 1), e => e.classList.contains('dim'));
    eq(dim, shouldDim(s), s.name + ' dimmed');
    eq(s.dim, shouldDim(s), s.name + ' dim in the API');
  }
  const by = mac => api.find(s => s.mac === mac);
  assert(by(MAC.LYWSD03).flags.wrong_key, 'LYWSD03 has the wrong key');
  assert(by(MAC.MJYD2S).flags.needs_key && !by(MAC.MJYD2S).flags.has_key, 'MJYD2S has no key');
  assert(by(MAC.MHOC303).flags.stale, 'MHOC303 is stale');
  assert(!by(MAC.ATTIC).flags.seen, 'Attic never heard');
  assert(!by(MAC.ATC).dim, 'ATC is not dimmed');
  const txt = async mac => p.textContent('#box' + (by(mac).slot + 1) + ' .kl');
  assert((await txt(MAC.LYWSD03)).includes('Wrong key'), 'wrong key said');
  assert((await txt(MAC.MJYD2S)).includes('No known key'), 'missing key said');
  assert((await txt(MAC.MHOC303)).includes('Stale'), 'stale said');
  assert((await txt(MAC.ATTIC)).includes('Not heard since start'), 'never heard said');
  const op = await p.$eval('#box' + (by(MAC.LYWSD03).slot + 1), e => getComputedStyle(e).opacity);
  assert(Number(op) <= 0.55, 'dimmed opacity ' + op);
});

test('frozen: graphs are readable: 56 px high, the day\'s min and max, a tooltip per hour', async ctx => {
  const p = await dashboard(ctx, ctx.frozen, 'desktop');
  const body = (await ctx.frozen.json('/api/sensors')).body;
  const atc = body.sensors.find(s => s.mac === MAC.ATC);
  const sel = '#box' + (atc.slot + 1);
  const h = await p.$eval(sel + ' svg.graph[data-kind="temp"]', e => e.getBoundingClientRect().height);
  assert(h >= 50, 'graph height ' + h);
  /* the store scales -20..60 °C onto 1..127; the caption turns the buckets back into °C */
  const b = atc.hist.temp.filter(Boolean);
  const deg = v => Math.round((-20 + (v - 1) * 80 / 126) * 10) / 10;
  const capt = await p.$eval(sel + ' .gcap .mm', e => e.textContent);
  eq(capt, 'min ' + deg(Math.min(...b)) + ' °C · max ' + deg(Math.max(...b)) + ' °C', 'ATC temperature range');
  const titles = await p.$$eval(sel + ' svg.graph[data-kind="temp"] rect.hit title', els => els.map(e => e.textContent));
  const want = [];
  atc.hist.temp.forEach((v, hr) => { if (v) want.push(String(hr).padStart(2, '0') + ':00 — ' + deg(v) + ' °C'); });
  eq(titles.slice().sort(), want.sort(), 'one tooltip per hour with data');
  await (await p.$(sel)).screenshot({ path: path.join(L.SHOTS, 'widget-atc-graphs-tall.png') });
});

test('frozen: no battery icon until a battery level is known', async ctx => {
  const p = await dashboard(ctx, ctx.frozen, 'desktop');
  const api = (await ctx.frozen.json('/api/sensors')).body.sensors;
  let with_ = 0, without = 0;
  for (const s of api) {
    const v = s.values.find(x => x.k === 'Battery');
    const icon = await p.$('#box' + (s.slot + 1) + ' .hl .bat svg');
    if (v) { with_++; assert(icon, s.name + ' shows its battery ' + v.v); }
    else if (s.feat & 0x80) { without++; assert(!icon, s.name + ' has no battery level yet: no outline'); }
  }
  assert(with_ >= 3 && without >= 1, 'both cases seen: ' + with_ + ' with, ' + without + ' without');
});

test('frozen: a widget without its key takes one (MI32Key by POST with the CSRF token)', async ctx => {
  const p = await dashboard(ctx, ctx.frozen, 'desktop');
  const api = (await ctx.frozen.json('/api/sensors')).body.sensors;
  const mj = api.find(s => s.mac === MAC.MJYD2S), lyw = api.find(s => s.mac === MAC.LYWSD03);
  const posts = [];
  p.on('request', r => { if (r.url().endsWith('/cm')) posts.push([r.method(), r.headers()['x-csrf-token'] || '', r.postData()]); });
  const atc = api.find(s => s.mac === MAC.ATC);
  assert(!(await p.$('#box' + (atc.slot + 1) + ' .keyf')), 'a working sensor has no key form');
  const sel = '#box' + (mj.slot + 1);
  await p.fill(sel + ' .keyf input', ctx.mjyd2sKey);
  await p.click(sel + ' .keyf button');
  /* the reply, read at once: the widget is redrawn without its form once the key works */
  const reply = q => p.waitForFunction(s => {
    const m = document.querySelector(s + ' .kmsg');
    return m && /ok|bad/.test(m.className) && [m.className, m.textContent];
  }, q).then(h => h.jsonValue());
  const [cls, msg] = await reply(sel);
  assert(/^Done/.test(msg) && / ok/.test(cls), 'key accepted: ' + msg);
  eq(posts.length, 1, 'one POST /cm');
  eq(posts[0][0], 'POST', 'a POST');
  assert(posts[0][1].length >= 16, 'with the CSRF token');
  eq(decodeURIComponent(posts[0][2].replace(/\+/g, ' ')), 'cmnd=MI32Key ' + ctx.mjyd2sKey + MAC.MJYD2S, 'the command');
  const after = (await ctx.frozen.json('/api/sensors')).body.sensors.find(s => s.mac === MAC.MJYD2S);
  assert(after.flags.has_key, 'the daemon has the key');
  /* a key that does not decrypt the last frame is refused, and the reason is shown
   * (the working key stays: MI32Key needs " force" to replace it) */
  const sl = '#box' + (lyw.slot + 1);
  await p.fill(sl + ' .keyf input', 'FFEEDDCCBBAA99887766554433221100');
  await p.click(sl + ' .keyf button');
  const [cls2, msg2] = await reply(sl);
  assert(/wrong key/i.test(msg2) && / bad/.test(cls2), 'wrong key said: ' + msg2);
  eq(p.errors, [], 'no page errors');
});

test('live: the full list arriving after an SSE update does not roll that widget back', async ctx => {
  const p = await L.page(ctx.browser, 'desktop');
  /* hold the list the server produced until an SSE update newer than it has been drawn */
  let listLast = null, held = null;
  await p.route('**/api/sensors', async route => {
    const resp = await route.fetch();
    const body = await resp.json();
    listLast = {};
    for (const s of body.sensors) listLast[s.slot] = s.last;
    try {
      await p.waitForFunction(l => window.__m32.events.some(e => e.last > (l[e.slot] || 0)), listLast, { timeout: 30000 });
    } catch (e) {
      held = e;
    }
    await route.fulfill({ response: resp, json: body });
  });
  await p.goto(ctx.live.base + '/m32');
  await p.waitForFunction(() => window.__m32 && window.__m32.loaded > 0, null, { timeout: 40000 });
  assert(!held, 'an SSE update newer than the list arrived: ' + held);
  const ev = await p.evaluate(() => window.__m32.events.map(e => [e.slot, e.last]));
  const newest = {};
  for (const [slot, last] of ev) newest[slot] = Math.max(newest[slot] || 0, last);
  let checked = 0;
  for (const slot of Object.keys(newest)) {
    if (!(newest[slot] > (listLast[slot] || 0))) continue;
    const shown = await p.$eval('#box' + (+slot + 1) + ' .ago', e => +e.dataset.last);
    assert(shown >= newest[slot], 'box' + (+slot + 1) + ' keeps the newer update: ' + shown + ' < ' + newest[slot]);
    checked++;
  }
  assert(checked >= 1, 'an update newer than the list was drawn first');
  const n = Object.keys(listLast).length;
  eq(await p.$$eval('#grid .box', els => els.length), n + 1, 'every sensor has its widget');
});

test('live: a browser clock behind the server never reads "never" for a sensor just heard', async ctx => {
  const p = await dashboard(ctx, ctx.live, 'desktop');
  /* the page's estimate of the server clock 20 s behind (as after a slow first response) */
  await p.evaluate(() => { M.clock(Date.now() / 1000 - 20); M.clock = () => {}; });
  /* the page's 1 s counter redraws the ages with that estimate */
  await p.waitForFunction(() => [...document.querySelectorAll('#grid .box .ago')].some(e => e.textContent === '0 s ago' || e.textContent === 'never'));
  const ago = await p.$$eval('#grid .box .ago', els => els.filter(e => +e.dataset.last > 0).map(e => e.textContent));
  assert(ago.length >= 10, 'sensors heard: ' + ago.length);
  eq(ago.filter(t => t === 'never'), [], 'no "never" for a sensor with a timestamp');
  assert(ago.includes('0 s ago'), 'a just-heard sensor reads "0 s ago": ' + ago.join(', '));
});

test('live: an advertisement redraws exactly one widget, flashes its circle; no polling', async ctx => {
  const p = await dashboard(ctx, ctx.live, 'desktop');
  const requests = [];
  p.on('request', r => requests.push(r.url()));
  /* One 4 s window of updates. The daemon drops an SSE client that reads too slowly (a
   * starved browser on a loaded machine) and the page then reconnects and reloads the list,
   * as it should: such a window proves nothing either way, so it is observed again. */
  const observe = async () => {
    await p.evaluate(() => {
      if (window.__t) { window.__t.mo.disconnect(); document.removeEventListener('m32:sensor', window.__t.on); }
      const t = window.__t = { replaced: [], events: [], loads: window.__m32.loads };
      const take = recs => { for (const m of recs) for (const n of m.removedNodes) if (n.id) t.replaced.push(n.id); };
      t.mo = new MutationObserver(take);
      t.mo.observe(document.getElementById('grid'), { childList: true });
      t.on = e => {
        take(t.mo.takeRecords());
        const id = 'box' + (e.detail.slot + 1);
        const circle = document.querySelector('#' + id + ' .fade');
        t.events.push({ id, fresh: !!e.detail.fresh, replacedSoFar: t.replaced.length,
          flash: circle.classList.contains('flash'), anim: circle.querySelector('circle').getAnimations().length });
      };
      document.addEventListener('m32:sensor', t.on);
    });
    const nreq = requests.length;
    const before = await p.$$eval('#grid .box', els => els.map(e => [e.id, e.dataset.renders]));
    await p.waitForFunction(() => window.__t.events.length >= 3);
    await p.waitForTimeout(1000);
    /* the events, the replacements and the render counts in one go: an update arriving
     * between two reads would count as a widget redrawn without its event */
    const t = await p.evaluate(() => {
      const x = window.__t;
      x.replaced.push(...[].concat(...x.mo.takeRecords().map(m => [...m.removedNodes].map(n => n.id))));
      const after = [...document.querySelectorAll('#grid .box')].map(e => [e.id, e.dataset.renders]);
      return { replaced: x.replaced, events: x.events.slice(), reloaded: window.__m32.loads !== x.loads, after };
    });
    const after = new Map(t.after);
    return Object.assign(t, { before, after, reqs: requests.slice(nreq) });
  };
  let t = null;
  for (let i = 0; i < 3; i++) {
    t = await observe();
    if (!t.reloaded) break;
    console.log('     (the SSE stream was re-established during the window: observing again)');
  }
  assert(!t.reloaded, 'a window without a reconnection in 3 tries');
  eq(t.replaced, t.events.map(e => e.id), 'each update replaced exactly its own widget, nothing else');
  t.events.forEach((e, i) => eq(e.replacedSoFar, i + 1, 'one replacement per update'));
  for (const e of t.events.filter(x => x.fresh)) assert(e.flash && e.anim === 1, 'fresh data flashes the circle of ' + e.id);
  const touched = new Set(t.events.map(e => e.id));
  for (const [id, r] of t.before) if (!touched.has(id) && id !== 'box0') eq(t.after.get(id), r, id + ' untouched');
  assert(!t.reqs.some(u => /\/api\/|\/m32/.test(u)), 'no polling, no reloads: ' + t.reqs.join(' '));
  await L.shot(p, 'm32-live-flash', false);
});

test('live: counters count up in the browser between updates', async ctx => {
  const p = await dashboard(ctx, ctx.live, 'desktop');
  const read = () => p.$$eval('#grid .box .ti', els => els.map(e => [e.closest('.box').id, e.closest('.box').dataset.renders, +e.textContent]));
  const a = await read();
  assert(a.length >= 2, 'no-motion counters on the motion sensors');
  await p.waitForTimeout(3300);
  const b = await read();
  for (const [id, r, v] of a) {
    const x = b.find(y => y[0] === id);
    if (x && x[1] === r) assert(x[2] >= v + 2, id + ' counts up: ' + v + ' → ' + x[2]);
  }
  const up = await p.textContent('#box0 [data-n="uptime"]');
  assert(/^0T00:00:\d\d$/.test(up) || /^0T00:\d\d:\d\d$/.test(up), 'uptime ' + up);
});

test('live: main page lists every sensor, the console runs a command', async ctx => {
  for (const vp of ['desktop', 'phone']) {
    const p = await L.page(ctx.browser, vp);
    await p.goto(ctx.live.base + '/');
    await p.waitForFunction(() => document.querySelectorAll('.sensor').length >= 20);
    eq(await p.textContent('#summary'), 'Mi32 — 20 devices', 'summary row');
    const ids = await p.$$eval('.sensor', els => els.map(e => +e.id.slice(3)));
    eq(ids, [...ids].sort((a, b) => a - b), 'sensors in slot order');
    const t = await p.textContent('#sensors');
    assert(/\d+ s ago/.test(t), 'last seen as "N s ago"');
    assert(/Temperature/.test(t) && /RSSI/.test(t) && /Battery/.test(t), 'rows with values');
    eq(p.errors, [], 'no page errors');
    await L.shot(p, 'main-' + vp, false);
  }
  const c = await L.page(ctx.browser, 'desktop');
  await c.goto(ctx.live.base + '/cs');
  await c.waitForTimeout(300);
  await c.fill('#cmd', 'MI32Option2');
  await c.press('#cmd', 'Enter');
  await c.waitForFunction(() => document.getElementById('log').value.includes('"MI32Option2":0'));
  await c.fill('#cmd', 'Status 8');
  await c.press('#cmd', 'Enter');
  await c.waitForFunction(() => document.getElementById('log').value.includes('StatusSNS'));
  await L.shot(c, 'console-desktop', false);
  const ph = await L.page(ctx.browser, 'phone');
  await ph.goto(ctx.live.base + '/cs');
  await ph.waitForTimeout(500);
  await L.shot(ph, 'console-phone', false);
});

async function login(p, base, password) {
  await p.goto(base + '/cfg');
  await p.fill('#password', password);
  await p.click('button[type=submit]');
}

test('radio: a dead radio is said in the node widget, in red, with its reason', async ctx => {
  /* an H4 UART on /dev/ptmx: a terminal nobody answers on, so every HCI Reset times out */
  const d = await new L.Daemon({ uart: '/dev/ptmx', mi32cfg: path.join(L.TMP, 'radio.mi32cfg') }).start();
  try {
    const p = await L.page(ctx.browser, 'desktop');
    await p.goto(d.base + '/m32');
    /* the radio tries again with backoff (starting, then down again): the widget is read
     * in one go while it shows the radio down */
    const w = await p.waitForFunction(() => {
      const warn = document.querySelector('#box0 [data-n="radiowarn"]');
      const row = document.querySelector('#box0 [data-n="radio"]');
      return warn && !warn.hidden && { warn: warn.textContent, cls: row.className, row: row.textContent };
    }).then(h => h.jsonValue());
    assert(/Radio down: .*no answer from the Bluetooth controller/.test(w.warn), 'warning: ' + w.warn);
    eq(w.cls, 'bad');
    assert(w.row.startsWith('down (H4 UART)'), 'radio row: ' + w.row);
    await p.close();
  } finally {
    await d.stop();
  }
});

test('frozen: a replay has no radio: the node widget says so, no warning', async ctx => {
  const p = await dashboard(ctx, ctx.frozen, 'desktop');
  eq(await p.textContent('#box0 [data-n="radio"]'), 'off (replay)');
  assert(await p.$eval('#box0 [data-n="radiowarn"]', e => e.hidden), 'no warning');
  await p.close();
});

test('homekit: the unpaired bridge shows its setup code and a QR code that is the log\'s payload', async ctx => {
  const code = '518-08-582';
  fs.mkdirSync(path.join(L.TMP, 'homekit'), { recursive: true });
  const d = await new L.Daemon({ capture: ctx.liveCap, mi32cfg: ctx.liveCfg,
    extra: ['--homekit', '--homekit-port', '0', '--homekit-bind', '127.0.0.1', '--homekit-code', code,
      '--state-dir', path.join(L.TMP, 'homekit')] }).start();
  try {
    const p = await L.page(ctx.browser, 'desktop');
    await p.goto(d.base + '/m32');
    const w = await p.waitForFunction(() => {
      const c = document.querySelector('#box0 [data-n="hksetup"] .hkcode');
      const img = document.querySelector('#box0 [data-n="hksetup"] .hkqr');
      return c && img && img.complete && img.naturalWidth > 0 && {
        code: c.textContent, row: document.querySelector('#box0 [data-n="homekit"]').textContent,
        payload: img.dataset.payload, w: img.getBoundingClientRect().width, hidden: img.hidden };
    }).then(h => h.jsonValue());
    eq(w.code, code);
    assert(w.row.startsWith('not paired'), 'homekit row: ' + w.row);
    assert(!w.hidden && w.w >= 100, 'QR code shown ' + w.w + ' px wide');
    const said = /QR payload (X-HM:\/\/\w+)/.exec(d.log);
    assert(said && w.payload === said[1], 'payload ' + w.payload + ' vs the log: ' + (said && said[1]));
    await (await p.$('#box0')).screenshot({ path: path.join(L.SHOTS, 'homekit-setup.png') });
    /* the main page too */
    await p.goto(d.base + '/');
    await p.waitForFunction(c => { const e = document.querySelector('#homekit .hkcode'); return e && e.textContent === c; }, code);
    await p.close();
  } finally {
    await d.stop();
  }
});

test('activate: /activate lists the sensor without a key, Activate shows each step, asks for the button, applies the key, and the widget turns live', async ctx => {
  const fb = await new L.FakeBluez().start();
  let d = null, mq = null;
  try {
    mq = await new L.Broker().start();
    /* a sensor that wants its button pressed: BUSY until MiPress */
    const MACC = 'A4:C1:38:00:00:07';
    fb.ctl('MiDevice', MACC, 'standard', 'button');
    const a = L.simulate('act', 60);
    const cfg = L.readCfg(a.cfg);
    cfg.push({ MAC: 'A4C138000007', PID: '055b', key: '', name: 'Porch', feat: 143 });
    L.writeCfg(a.cfg, cfg);
    /* the replay cannot hold adverts sealed with a key made during the test (ECDH): the
     * sensor's adverts come the way other nodes relay theirs, on tele/<node>/BLE */
    d = await new L.Daemon({ capture: a.cap, mi32cfg: a.cfg, fast: true,
      args: ['--dbus-address', fb.address, '--gatt-timeout', '3', ...mq.args('porchnode'),
        '--mqtt-raw-in', 'tele/+/BLE'] }).start();
    /* "Online" (retained) goes out after the daemon's subscriptions: tele/+/BLE is taken */
    eq(await mq.first('tele/porchnode/LWT'), 'Online', 'the daemon on the broker');
    const relay = async (key, cnt, t10, h10) => mq.pub('tele/othernode/BLE', JSON.stringify({
      Node: 'othernode', MAC: 'A4C138000007', AddrType: 0, RSSI: -61, Evt: 0, Time: Date.now(),
      AD: await L.mibeacon(key, MACC, '055b', cnt, t10, h10) }));
    /* the dashboard, open all along: first the sensor as Mi Home left it, heard but sealed
     * with a key nobody here knows */
    const dash = await L.page(ctx.browser, 'desktop');
    await dash.goto(d.base + '/m32');
    const box = '#grid .box[data-name="Porch"]';
    await relay(require('crypto').randomBytes(16).toString('hex'), 1, 198, 612);
    await dash.waitForFunction(b => {
      const e = document.querySelector(b);
      return e && e.classList.contains('dim') && /No known key/.test(e.querySelector('.kl').textContent);
    }, box);
    await dash.$eval(box, e => e.scrollIntoView());
    await L.shot(dash, 'activate-widget-nokey');
    const p = await L.page(ctx.browser, 'desktop');
    const posts = [];
    p.on('request', r => { if (r.url().endsWith('/cm')) posts.push([r.method(), r.headers()['x-csrf-token'] || '', r.postData()]); });
    await p.goto(d.base + '/activate');
    assert(/unbinds it from Mi Home/.test(await p.textContent('#warning')), 'the warning first');
    const row = 'tr[data-mac="' + MACC + '"]';
    await p.waitForSelector(row);
    eq(await p.textContent(row + ' td'), 'Porch', 'the sensor by its name');
    /* only sensors that need a key and have none */
    const names = await p.$$eval('#sensors tbody tr td:first-child', tds => tds.map(t => t.textContent));
    const api = (await d.json('/api/sensors')).body.sensors;
    const want = api.filter(s => (s.flags.needs_key && !s.flags.has_key) || s.flags.wrong_key).map(s => s.name);
    eq(names.sort(), want.sort(), 'the sensors without a key');
    await p.click(row + ' button');
    const ask = await p.waitForSelector(row + ' ol li.press');
    assert(/^press the button on the sensor .*waiting up to 60 s$/.test(await ask.textContent()), 'the button step: ' + await ask.textContent());
    eq(await ask.evaluate(li => li.classList.contains('warn')), true, 'the button step stands out');
    await L.shot(p, 'activate-button');
    fb.ctl('MiPress', MACC);
    await p.waitForFunction(r => /Done: the key is in use/.test(document.querySelector(r + ' ol').textContent), row);
    const steps = await p.$$eval(row + ' ol li', lis => lis.map(l => l.textContent));
    assert(steps.includes('exchanging keys') && steps.includes('logging in with the new token to check it'),
      'the steps: ' + JSON.stringify(steps));
    eq(posts.length, 1, 'one POST /cm');
    assert(posts[0][0] === 'POST' && posts[0][1].length >= 16, 'a POST with the CSRF token');
    eq(decodeURIComponent(posts[0][2].replace(/\+/g, ' ')), 'cmnd=MI32Activate ' + MACC, 'the command');
    const key = /bindkey=([0-9a-f]{32})/.exec(fb.ctl('MiResult', MACC))[1];
    let porch = (await d.json('/api/sensors')).body.sensors.find(s => s.mac === 'A4C138000007');
    assert(porch.flags.has_key && porch.bindkey.toLowerCase() === key, 'the device\'s key is in use');
    assert(!porch.values.some(v => v.k === 'Temperature'), 'no reading yet: nothing decoded before the next advert');
    await L.shot(p, 'activate');
    /* the sensor's next advert, sealed with the key the device derived: 23.4 °C, 56.7 % */
    await relay(key, 2, 234, 567);
    /* a wrong key ends the wait too (the widget says so): the assertions below then fail */
    const w = await dash.waitForFunction(b => {
      const e = document.querySelector(b), kl = e && e.querySelector('.kl');
      if (kl && /Wrong key/.test(kl.textContent)) return { kl: kl.textContent, dim: e.classList.contains('dim') };
      const t = e && e.querySelector('[data-k="Temperature"]'), h = e && e.querySelector('[data-k="Humidity"]');
      return t && h && { kl: kl.textContent, dim: e.classList.contains('dim'), t: t.firstChild.textContent, h: h.firstChild.textContent };
    }, box).then(h => h.jsonValue());
    eq(w, { kl: 'key ' + porch.bindkey, dim: false, t: '23.4', h: '56.7' }, 'the Porch widget live');
    await dash.$eval(box, e => e.scrollIntoView());
    await L.shot(dash, 'activate-widget-live');
    porch = (await d.json('/api/sensors')).body.sensors.find(s => s.mac === 'A4C138000007');
    const val = k => (porch.values.find(v => v.k === k) || {}).v;
    assert(porch.flags.seen && porch.flags.has_key && !porch.flags.wrong_key && !porch.dim, 'the API: ' + JSON.stringify(porch.flags));
    eq([val('Temperature'), val('Humidity')], [23.4, 56.7], 'the reading in the API');
    /* and the check MI32Activate waits for: the next advert decoded with the new key */
    await p.waitForFunction(r => /Live: its adverts decode|Wrong key/.test(document.querySelector(r + ' ol').textContent), row);
    const last = await p.$$eval(row + ' ol li', lis => lis[lis.length - 1].textContent);
    assert(/^Live: its adverts decode with the new key/.test(last), 'the check on /activate: ' + last);
    eq(p.errors, [], 'no page errors');
    eq(dash.errors, [], 'no page errors on the dashboard');
  } finally {
    if (d) await d.stop();
    if (mq) await mq.stop();
    await fb.stop();
  }
});

test('locked: a wrong password is refused everywhere, the right one lets in', async ctx => {
  const d = ctx.locked;
  eq((await d.json('/api/sensors')).status, 401, 'API without password');
  const basic = pw => ({ headers: { Authorization: 'Basic ' + Buffer.from('admin:' + pw).toString('base64') } });
  eq((await d.json('/api/sensors', basic('nope'))).status, 401, 'API with a wrong password');
  eq((await d.json('/api/sensors', basic('s3cret-pw'))).status, 200, 'API with the password');
  eq((await d.json('/cm?cmnd=MI32Option2%201')).status, 401, '/cm without password');
  const p = await L.page(ctx.browser, 'phone');
  const r = await p.goto(d.base + '/m32');
  eq(r.status(), 401, 'page without password');
  await login(p, d.base, 'wrong');
  await p.waitForSelector('#msg:not(.hidden)');
  eq(await p.textContent('#msg'), 'Wrong password', 'the login says so');
  assert(!(await p.$('#rows')), 'no editor behind a wrong password');
  await L.shot(p, 'login-refused-phone', false);
  await login(p, d.base, 's3cret-pw');
  await p.waitForSelector('#rows');
});

test('locked: the editor round-trips a mi32cfg (import, edit, save, file, restart, same table)', async ctx => {
  const d = ctx.locked;
  const p = await L.page(ctx.browser, 'desktop', { acceptDownloads: true });
  await login(p, d.base, 's3cret-pw');
  await p.waitForSelector('#rows');
  const src = L.readCfg(ctx.liveCfg);
  await p.fill('#paste', JSON.stringify(src));
  await p.click('#import');
  await p.waitForFunction(n => document.querySelectorAll('#rows tr[data-mac]').length === n, src.length);
  /* edit a name, a key; a bad key shows a row error, fixing it clears it */
  const row = mac => '#rows tr[data-mac="' + mac + '"]';
  await p.fill(row(MAC.ATC) + ' input.name', 'Greenhouse');
  await p.fill(row(MAC.LYWSD03) + ' input.key', '0011');
  await p.waitForSelector('#rows tr.errline:not(.hidden)');
  assert((await p.textContent('#rows tr.errline:not(.hidden)')).includes('key must be 32 hex digits'), 'per-row error');
  await L.shot(p, 'cfg-row-error-desktop', false);
  await p.fill(row(MAC.LYWSD03) + ' input.key', 'AABBCCDDEEFF00112233445566778899');
  await p.waitForFunction(() => !document.querySelector('#rows tr.errline:not(.hidden)'));
  /* delete a row, add one by MAC + key */
  await p.click(row(MAC.MHOC303) + ' button.del');
  await p.fill('#amac', 'a4:c1:38:00:00:77');
  await p.selectOption('#atype', '055b');
  await p.fill('#akey', '77112233445566778899aabbccddeeff');
  await p.fill('#aname', 'Cellar');
  await p.click('#add');
  await p.click('#save');
  await p.waitForSelector('#savemsg.ok');
  const table = () => p.$$eval('#rows tr[data-mac]', trs => trs.map(tr => [tr.dataset.mac,
    tr.querySelector('.pid').textContent, tr.querySelector('input.name').value, tr.querySelector('input.key').value]));
  const saved = await table();
  /* the file on disk, as MI32Cfg writes it */
  const file = L.readCfg(ctx.lockedCfg);
  eq(file.map(e => [e.MAC, e.PID, e.name || '', e.key]), saved, 'file on disk = table');
  assert(file.some(e => e.MAC === MAC.ATC && e.name === 'Greenhouse'), 'name saved');
  assert(file.some(e => e.MAC === MAC.LYWSD03 && e.key === 'AABBCCDDEEFF00112233445566778899'), 'key saved');
  assert(file.some(e => e.MAC === 'A4C138000077' && e.key === '77112233445566778899AABBCCDDEEFF' && e.name === 'Cellar'), 'added sensor saved');
  assert(!file.some(e => e.MAC === MAC.MHOC303), 'deleted sensor gone from the file');
  const [dl] = await Promise.all([p.waitForEvent('download'), p.click('#download')]);
  const dlText = fs.readFileSync(await dl.path(), 'utf8');
  eq(JSON.parse(dlText).map(e => e.MAC), file.map(e => e.MAC), 'Download exports the list');
  await L.shot(p, 'cfg-saved-desktop', true);
  /* restart: the same table comes back from the file */
  await d.stop();
  await d.start();
  const q = await L.page(ctx.browser, 'desktop');
  await login(q, d.base, 's3cret-pw');
  await q.waitForFunction(n => document.querySelectorAll('#rows tr[data-mac]').length === n, saved.length);
  const again = await q.$$eval('#rows tr[data-mac]', trs => trs.map(tr => [tr.dataset.mac,
    tr.querySelector('.pid').textContent, tr.querySelector('input.name').value, tr.querySelector('input.key').value]));
  /* a generic device names itself from its advertised local name ("Tag") once heard again */
  const plain = t => t.map(r => r[1] === '0000' ? [r[0], r[1], '', r[3]] : r);
  eq(plain(again), plain(saved), 'same table after a restart');
  const ph = await L.page(ctx.browser, 'phone');
  await login(ph, d.base, 's3cret-pw');
  await ph.waitForSelector('#rows tr[data-mac]');
  await L.shot(ph, 'cfg-phone', false);
});

test('locked: the Pair card sends MI32Pair through the CSRF-protected POST /cm', async ctx => {
  const p = await L.page(ctx.browser, 'desktop');
  await login(p, ctx.locked.base, 's3cret-pw');
  await p.waitForSelector('#rows');
  /* checked in the page first */
  await p.fill('#pmac', '5c:f3:70');
  await p.click('#pair');
  await p.waitForSelector('#pairmsg.err');
  assert((await p.textContent('#pairmsg')).includes('12 hex digits'), 'a short MAC is refused in the page');
  /* a replay has no bluetoothd: the daemon's own answer comes back, so the POST passed the
   * password and the CSRF check and reached MI32Pair */
  await p.fill('#pmac', '5C:F3:70:11:22:33');
  await p.fill('#ppin', '123456');
  await p.click('#pair');
  await p.waitForFunction(() => /GATT is off/.test(document.getElementById('pairmsg').textContent));
  assert(!(await p.$eval('#pair', b => b.disabled)), 'the button is usable again');
});

test('scripted: a script\'s widget is shown in a sandboxed frame, its script does not run', async ctx => {
  const p = await L.page(ctx.browser, 'desktop');
  await p.goto(ctx.scripted.base + '/m32');
  await p.waitForSelector('#grid .wbox iframe');
  eq(await p.getAttribute('#grid .wbox iframe', 'sandbox'), '', 'an empty sandbox');
  eq(await p.textContent('#grid .wbox h3'), 'widget.lua', 'the box names its script');
  assert((await p.getAttribute('#grid .wbox iframe', 'srcdoc')).startsWith('<p id="w">widget of '), 'the fragment');
  const frame = p.frames().find(f => f !== p.mainFrame());
  assert(frame, 'the frame is there');
  await frame.waitForSelector('#w');
  assert((await frame.textContent('#w')).startsWith('widget of '), 'its HTML renders');
  assert((await p.title()) !== 'pwned', 'the fragment\'s script did not reach the page');
  /* had it run, the body would be just "ran" and #w gone (the script's own source text is
   * part of body.textContent, so look at the element, not for the word) */
  assert(await frame.$('#w'), 'the fragment\'s script did not run');
  assert((await frame.textContent('body')).trim() !== 'ran', 'the body is as written');
  eq(await p.$$eval('#grid .box', els => els.length) >= 1, true, 'the node box is a .box, the widget is not');
  await L.shot(p, 'widget-desktop', false);
});

L.run(setup, teardown);
