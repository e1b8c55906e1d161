/* m32.js — the Mi Dashboard (SPEC §10.3): one widget per sensor, the node widget first. Updates
 * arrive by Server-Sent Events; only the widget of the sensor that changed is redrawn (its box
 * is replaced, as Tasmota's page does) and its circle flashes when new data came. Counters
 * ("no motion for", "12 s ago", uptime) count up here, between updates. */
'use strict';
(() => {
  const grid = document.getElementById('grid');
  const boxes = new Map();       /* slot → element */
  const sseSeq = new Map();      /* slot → SSE updates drawn */
  const state = { hour: new Date().getHours(), node: null, events: [], renders: 0, loads: 0, loaded: 0 };
  window.__m32 = state;          /* for the browser tests */

  const COLORS = { temp: 'var(--temp)', hum: 'var(--hum)', lux: 'var(--lux)', seen: 'var(--seen)' };
  const SCALE = { temp: [-20, 60], hum: [0, 100], lux: [0, 1000] };
  const BTN = ['', 'Single', 'Double', 'Hold', 'Triple', 'Long double', 'Long triple', 'Release'];

  /* A bucket back in the metric's unit: the store scaled it onto 1..127 (Tasmota's
   * changeIntScale), so this is the value to within one step of the scale. */
  const UNIT = { temp: ' °C', hum: ' %', lux: ' lx', seen: '' };
  function unscale(kind, v) {
    const sc = SCALE[kind];
    if (!sc) return v;
    const x = sc[0] + (v - 1) * (sc[1] - sc[0]) / 126;
    return kind === 'temp' ? Math.round(x * 10) / 10 : Math.round(x);
  }
  const hh = h => String(h).padStart(2, '0') + ':00';

  /* 24-hour graph from hourly buckets (0 = none, else 1..127); now at the right, the coming
   * hour (the oldest slot, cleared by the store) is the gap at the left. Each hour with data
   * has a hover target whose title is the hour and its value. */
  function graph(kind, buckets, title) {
    if (!buckets) return '';
    const W = 144, H = 30, pts = [];
    /* the y axis spans the day's own range (at least 8 steps, so noise stays flat), which the
     * caption's min and max label */
    const valid = buckets.filter(Boolean);
    let lo = Math.min(...valid), hi = Math.max(...valid);
    if (hi - lo < 8) { const mid = (lo + hi) / 2; lo = mid - 4; hi = mid + 4; }
    for (let i = 0; i < 24; i++) {
      const h = (state.hour + 1 + i) % 24, v = buckets[h];
      const x = i * 6 + 3;
      pts.push(v ? { h, v, x, y: H - 3 - (v - lo) / (hi - lo) * (H - 7) } : null);
    }
    let segs = '', area = '', dots = '', hits = '', cur = [];
    const flush = () => {
      if (cur.length > 1) {
        const p = cur.map(q => q.x.toFixed(1) + ',' + q.y.toFixed(1)).join(' ');
        segs += '<polyline points="' + p + '" fill="none" stroke="' + COLORS[kind] + '" stroke-width="1.3" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>';
        area += '<polygon points="' + cur[0].x + ',' + (H - 1) + ' ' + p + ' ' + cur[cur.length - 1].x + ',' + (H - 1) + '" fill="url(#g' + kind + ')"/>';
      }
      cur = [];
    };
    for (const p of pts) { if (p) cur.push(p); else flush(); }
    flush();
    for (const p of pts) {
      if (!p) continue;
      dots += '<circle class="pt" data-h="' + p.h + '" data-v="' + p.v + '" cx="' + p.x + '" cy="' + p.y.toFixed(1) + '" r="1.1" fill="' + COLORS[kind] + '"/>';
      hits += '<rect class="hit" x="' + (p.x - 3) + '" y="0" width="6" height="' + H + '"><title>' + hh(p.h) + ' — ' + unscale(kind, p.v) + UNIT[kind] + '</title></rect>';
    }
    return '<svg class="graph" data-kind="' + kind + '" viewBox="0 0 ' + W + ' ' + H + '" preserveAspectRatio="none" role="img" aria-label="' + M.esc(title) + ', last 24 hours">' +
      '<defs><linearGradient id="g' + kind + '" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="' + COLORS[kind] + '" stop-opacity=".45"/><stop offset="1" stop-color="' + COLORS[kind] + '" stop-opacity="0"/></linearGradient></defs>' +
      '<line class="base" x1="0" y1="' + (H - 1) + '" x2="' + W + '" y2="' + (H - 1) + '"/>' +
      '<line class="now" x1="' + (W - 0.5) + '" y1="0" x2="' + (W - 0.5) + '" y2="' + H + '"/>' +
      area + segs + dots + hits + '</svg>';
  }

  const val = (s, k) => { const v = s.values.find(x => x.k === k); return v ? v.v : null; };
  const row = (label, value, cls) => '<div class="row' + (cls ? ' ' + cls : '') + '"><span>' + label + '</span><span class="v">' + value + '</span></div>';

  /* a graph's caption: what, its range over the last 24 hours, and how many hours have data */
  function cap(label, b, kind) {
    const v = b.filter(Boolean);
    const range = v.length && SCALE[kind] ? '<span class="mm">min ' + unscale(kind, Math.min(...v)) + UNIT[kind] +
      ' · max ' + unscale(kind, Math.max(...v)) + UNIT[kind] + '</span>' : '';
    return '<div class="gcap"><span>' + label + '</span>' + range + '<span>' + v.length + ' of 24 h</span></div>';
  }

  function battery(bat) {
    const w = Math.max(0, Math.min(100, bat || 0)) / 100 * 15;
    const col = bat == null ? 'currentColor' : bat < 20 ? 'var(--bad)' : bat < 40 ? 'var(--warn)' : 'var(--green)';
    return '<svg class="ico" viewBox="0 0 22 12" aria-label="battery"><rect x=".6" y=".6" width="18" height="10.8" rx="2" fill="none" stroke="currentColor" stroke-width="1.2"/>' +
      '<rect x="19.4" y="3.5" width="2.2" height="5" rx="1" fill="currentColor"/><rect x="2" y="2" width="' + w.toFixed(1) + '" height="8" rx="1" fill="' + col + '"/></svg>';
  }

  /* Where a key is missing or wrong, the widget takes one: MI32Key through the CSRF-protected
   * POST /cm, so the daemon checks it against the last frame heard and says so. */
  const keyReply = new Map();   /* slot → [class, text] of the last MI32Key reply */
  const kmsg = s => { const r = keyReply.get(s.slot); return '<div class="' + (r ? r[0] : 'kmsg') + '" role="status">' + M.esc(r ? r[1] : '') + '</div>'; };
  function keyForm(s) {
    return '<form class="keyf" data-slot="' + s.slot + '" data-mac="' + M.esc(s.mac) + '"><input name="key" autocomplete="off" spellcheck="false" ' +
      'maxlength="32" pattern="[0-9A-Fa-f]{32}" required placeholder="bind key, 32 hex digits" aria-label="bind key for ' + M.esc(s.name) + '">' +
      '<button type="submit">Set key</button>' + kmsg(s) + '</form>';
  }

  function keyLine(s) {
    if (!s.flags.seen) return '<div class="kl warn">Not heard since start.</div>';
    const w = M.warnings(s);
    const bad = w.find(x => x[1] === 'bad');
    if (bad) return '<div class="kl bad">' + (s.flags.wrong_key ? 'Wrong key!! Check the bind key of this sensor.' : 'No known key!! Set it in Configuration or with MI32Key, or <a href="/activate">get it</a>.') + '</div>' + keyForm(s);
    if (s.flags.unbound) return '<div class="kl warn">Not paired: the sensor advertises it has no bind key yet.</div>';
    if (s.flags.stale) return '<div class="kl warn">Stale: not heard for ' + M.ago(M.now() - s.last).replace(' ago', '') + '.</div>';
    const r = keyReply.has(s.slot) ? '<div class="keyf">' + kmsg(s) + '</div>' : '';
    if (s.bindkey) return '<div class="kl" title="bind key">key ' + s.bindkey + '</div>' + r;
    if (s.flags.has_key) return '<div class="kl">key set (hidden)</div>' + r;
    return '<div class="kl">no key needed</div>';
  }

  function body(s) {
    let h = '';
    const t = val(s, 'Temperature'), hu = val(s, 'Humidity');
    if (t != null || hu != null) {
      h += '<div class="vals">';
      if (t != null) h += '<span class="big" data-k="Temperature">' + t + '<span class="u"> °C</span></span>';
      if (hu != null) h += '<span class="big" data-k="Humidity">' + hu + '<span class="u"> %</span></span>';
      if (s.dew != null) h += '<span class="muted" data-k="DewPoint">dew point ' + M.fmt(s.dew, 1) + ' °C</span>';
      h += '</div>';
    }
    if (s.hist.temp) h += cap('Temperature', s.hist.temp, 'temp') + graph('temp', s.hist.temp, 'Temperature');
    if (s.hist.hum) h += cap('Humidity', s.hist.hum, 'hum') + graph('hum', s.hist.hum, 'Humidity');
    const lux = val(s, 'Illuminance');
    if (s.hist.lux) h += row('Illuminance', lux != null ? lux + ' lx' : '—') + cap('Last 24 h', s.hist.lux, 'lux') + graph('lux', s.hist.lux, 'Illuminance');
    for (const v of s.values) {
      if (['Temperature', 'Humidity', 'Illuminance', 'Battery', 'Motion', 'Door', 'Leak', 'NMT', 'Dimmer', 'Dimmer_P', 'Hold'].includes(v.k) || /^Button/.test(v.k)) continue;
      h += row(M.esc(v.k), (v.f & 1) ? (v.v ? 'on' : 'off') : M.esc(v.v) + (v.u ? ' <small>' + M.esc(v.u) + '</small>' : ''));
    }
    const dim = val(s, 'Dimmer'), dimp = val(s, 'Dimmer_P'), hold = val(s, 'Hold');
    if (dim != null) h += row('Dimmer steps', dim);
    if (dimp != null) h += row('Dimmer steps pressed', dimp);
    if (hold != null) h += row('Hold', hold);
    if (s.button) h += row('Button' + s.button.n, '<span class="state neutral">' + (BTN[s.button.kind] || s.button.kind) + '</span>');
    const motion = val(s, 'Motion');
    if (s.nmt != null && (s.feat & 0x300)) {
      h += row('Motion', motion ? '<span class="state on">motion</span>' : '<span class="state off">clear</span>');
      h += row('No motion for', '&gt; <span class="ti" data-base="' + s.nmt + '">' + s.nmt + '</span> s');
    }
    if (s.door != null) h += row('Contact', s.door ? '<span class="state on">open</span>' : '<span class="state off">closed</span>');
    if (s.events != null) h += row('Events', s.events);
    if (s.leak != null) h += row('Leak', s.leak ? '<span class="state on">Leak !!!</span>' : '<span class="state off">No leak</span>');
    if (s.hist.seen) h += cap('Sightings', s.hist.seen, 'seen') + graph('seen', s.hist.seen, 'Sightings');
    if (s.payload) h += '<div class="payload mono">Payload: ' + s.payload + '</div>';
    return h;
  }

  function render(s, fresh) {
    const el = document.createElement('div');
    el.className = 'box' + (s.dim ? ' dim' : '');
    el.id = 'box' + (s.slot + 1);
    el.dataset.slot = s.slot;
    el.dataset.name = s.name;
    el.dataset.renders = String(((boxes.get(s.slot) && +boxes.get(s.slot).dataset.renders) || 0) + 1);
    const bat = val(s, 'Battery');
    /* no icon until a level is known: an empty outline would read as "battery dead" */
    const batTxt = (s.feat & 0x80) && bat != null ? battery(bat) + ' ' + bat + '%' : '';
    el.innerHTML =
      '<div class="hl"><span>MAC ' + s.mac + '</span><span>RSSI ' + (s.rssi || '—') + (s.rssi ? ' dBm' : '') + '</span><span class="bat">' + batTxt + '</span></div>' +
      keyLine(s) +
      '<h3><span class="nm">' + M.esc(s.name) + '</span><svg class="fade' + (fresh ? ' flash' : '') + '" viewBox="0 0 22 22" aria-hidden="true"><circle cx="11" cy="11" r="11"/></svg>' +
      '<span class="ty">' + M.esc(s.model || s.type || ('PID ' + s.pid)) + '</span></h3>' +
      body(s) +
      '<div class="ts"><span>Timestamp: ' + M.stamp(s.last) + '</span><span class="ago" data-last="' + s.last + '">' + (s.last ? M.ago(M.now() - s.last) : 'never') + '</span></div>';
    el._at = Date.now() / 1000;
    const old = boxes.get(s.slot);
    /* a key half typed survives the redraw that the next advertisement brings */
    const oi = old && old.querySelector('.keyf input'), ni = el.querySelector('.keyf input');
    const typing = oi && document.activeElement === oi;
    if (oi && ni) ni.value = oi.value;
    if (old) old.replaceWith(el);
    else {
      /* keep slot order whatever arrives first, the SSE update or the full list */
      const next = [...boxes.keys()].filter(k => k > s.slot).sort((a, b) => a - b)[0];
      grid.insertBefore(el, next === undefined ? null : boxes.get(next));
    }
    boxes.set(s.slot, el);
    if (typing && ni) ni.focus();
    state.renders++;
  }

  function renderNode(n) {
    state.node = n; state.nodeAt = Date.now() / 1000;
    let el = document.getElementById('box0');
    if (!el) {
      el = document.createElement('div');
      el.id = 'box0'; el.className = 'box node';
      el.innerHTML = '<div class="hl"><span data-n="topic"></span><span data-n="version"></span></div>' +
        '<div class="kl">this node</div><h3>mi32 node</h3>' +
        row('Sensors observed', '<span data-n="sensors"></span>') +
        row('Uptime', '<span data-n="uptime"></span>') +
        row('Adverts/s', '<span data-n="rate"></span>') +
        row('Adverts received', '<span data-n="adverts"></span>') +
        row('Decode errors', '<span data-n="errors"></span>') +
        row('MQTT', '<span data-n="mqtt"></span>') +
        row('Radio', '<span data-n="radio"></span>') +
        '<div class="kl bad" data-n="radiowarn" hidden></div>' +
        row('HomeKit', '<span data-n="homekit"></span>') +
        '<div class="hk" data-n="hksetup" hidden></div>' +
        '<div class="ts"><span>Live updates</span><span class="live" id="nlive"></span></div>';
      grid.prepend(el);
    }
    const set = (k, v) => { el.querySelector('[data-n="' + k + '"]').textContent = v; };
    set('topic', n.topic); set('version', 'v' + n.version); set('sensors', n.sensors);
    set('uptime', M.uptime(n.uptime)); set('rate', M.fmt(n.rate, 1)); set('adverts', n.adverts);
    set('errors', n.errors); set('mqtt', n.mqtt);
    /* the radio: a dead one is said in red, with the reason and its fix (issue 17 #1) */
    const r = n.radio, warn = el.querySelector('[data-n="radiowarn"]');
    set('radio', !r ? 'off (replay)' : r.state === 'scanning'
      ? r.adapter + ', ' + (r.active ? 'active' : 'passive') + (r.duty ? ', duty ' + r.duty + ' %' : '')
      : r.state + ' (' + r.adapter + ')');
    el.querySelector('[data-n="radio"]').className = !r || r.state === 'scanning' ? '' : r.state === 'down' ? 'bad' : 'warn';
    warn.hidden = !r || r.state !== 'down';
    if (r && r.state === 'down')
      warn.textContent = '\u26a0 Radio down: ' + (/no Bluetooth adapter/.test(r.reason) ? 'no Bluetooth adapter. ' : '') +
        r.reason + (r.retry_in ? ' (next try in ' + r.retry_in + ' s)' : '');
    /* the HomeKit bridge (issue 16): paired or not, and whether the Home app can find it */
    const hk = n.homekit;
    set('homekit', !hk ? 'off' : (hk.paired ? 'paired (' + hk.controllers + ')' : 'not paired') +
      (hk.announced ? '' : ', no mDNS'));
    el.querySelector('[data-n="homekit"]').className = hk && !hk.announced ? 'warn' : '';
    el.querySelector('[data-n="homekit"]').title = hk ? hk.mdns_reason : '';
    M.homekit(el.querySelector('[data-n="hksetup"]'), hk);
  }

  /* The scripts' boxes (MI32.widget), after the sensors. A fragment is shown in an iframe
   * with an empty sandbox: no scripts, no forms, no same origin, so it cannot reach this
   * page, its session or its CSRF token, whatever the script put in it. */
  async function loadWidgets() {
    const r = await M.api('/api/widgets');
    if (!r.ok) return;
    const seen = new Set();
    for (const wd of r.body.widgets) {
      const id = 'wbox-' + wd.name;
      let el = document.getElementById(id);
      if (!el) {
        el = document.createElement('div');
        el.id = id; el.className = 'wbox'; /* not a .box: those are the sensors' */
        const h = document.createElement('h3');
        h.textContent = wd.name;
        const f = document.createElement('iframe');
        f.setAttribute('sandbox', '');
        f.setAttribute('referrerpolicy', 'no-referrer');
        f.title = 'widget of the script ' + wd.name;
        el.append(h, f);
        grid.appendChild(el);
      }
      const f = el.querySelector('iframe');
      if (f.srcdoc !== wd.html) f.srcdoc = wd.html;
      seen.add(id);
    }
    grid.querySelectorAll('.wbox').forEach(el => { if (!seen.has(el.id)) el.remove(); });
  }

  function tick() {
    const now = M.now(), t = Date.now() / 1000;
    for (const el of boxes.values()) {
      el.querySelectorAll('.ti').forEach(e => { e.textContent = Math.floor(+e.dataset.base + t - el._at); });
      el.querySelectorAll('.ago').forEach(e => { const l = +e.dataset.last; if (l) e.textContent = M.ago(now - l); });
    }
    if (state.node) {
      const u = document.querySelector('#box0 [data-n="uptime"]');
      if (u) u.textContent = M.uptime(state.node.uptime + t - state.nodeAt);
    }
  }

  function live(ok) {
    for (const id of ['live', 'nlive']) {
      const e = document.getElementById(id);
      if (e) { e.className = 'live ' + (ok ? 'ok' : 'down'); e.textContent = ok ? 'live' : 'reconnecting…'; }
    }
  }

  /* The whole list, at start and when the hour moves on. An SSE update that arrives while the
   * request is under way is newer than the list: that widget is left as the update drew it. */
  async function load() {
    const gen = ++state.loads, since = new Map(sseSeq);
    const r = await M.api('/api/sensors');
    if (!r.ok || gen !== state.loads) return;
    M.clock(r.body.now);
    state.hour = r.body.hour;
    r.body.sensors.forEach(s => { if ((sseSeq.get(s.slot) || 0) === (since.get(s.slot) || 0)) render(s, false); });
    state.loaded = gen;
  }

  async function start() {
    await M.header(true);
    const es = new EventSource('/events');
    es.addEventListener('hello', e => {
      const n = JSON.parse(e.data);
      M.clock(n.now); state.hour = n.hour; renderNode(n); live(true); load(); loadWidgets();
    });
    es.addEventListener('widgets', () => loadWidgets());
    es.addEventListener('node', e => {
      const n = JSON.parse(e.data);
      M.clock(n.now);
      const hourChanged = n.hour !== state.hour;
      state.hour = n.hour;
      renderNode(n);
      if (hourChanged) load(); /* the graphs move on by one hour */
    });
    es.addEventListener('sensor', e => {
      const s = JSON.parse(e.data);
      state.events.push({ slot: s.slot, fresh: !!s.fresh, last: s.last, t: Date.now() });
      if (state.events.length > 500) state.events.shift();
      sseSeq.set(s.slot, (sseSeq.get(s.slot) || 0) + 1);
      render(s, !!s.fresh);
      document.dispatchEvent(new CustomEvent('m32:sensor', { detail: s }));
    });
    grid.addEventListener('submit', async e => {
      const f = e.target.closest('.keyf');
      if (!f) return;
      e.preventDefault();
      const slot = +f.dataset.slot, key = f.key.value.trim();
      f.querySelector('.kmsg').textContent = 'checking…';
      const r = await M.command('MI32Key ' + key + f.dataset.mac);
      const b = r.body || {};
      /* Done with its Check, or Error with the Reason (a key that fails the last frame is refused) */
      const why = b.Check || b.Reason;
      const text = (b.MI32Key || b.Command || b.error || ('HTTP ' + r.status)) + (why ? ' — ' + why : '');
      const cls = 'kmsg ' + (r.ok && /^Done/.test(b.MI32Key || '') && !/wrong/i.test(b.Check || '') ? 'ok' : 'bad');
      keyReply.set(slot, [cls, text]);
      /* the widget may have been redrawn meanwhile (the key changed it): write into the current one */
      const m = boxes.get(slot) && boxes.get(slot).querySelector('.kmsg');
      if (m) { m.className = cls; m.textContent = text; }
    });
    es.onerror = () => live(false);
    es.onopen = () => live(true);
    setInterval(tick, 1000);
  }
  start();
})();
