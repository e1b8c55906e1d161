/* index.js — the main page: Tasmota's sensor table, one block per sensor, kept live by SSE. */
'use strict';
(() => {
  const byslot = new Map();
  const root = document.getElementById('sensors');

  function valueRows(s) {
    const rows = [];
    for (const v of s.values) {
      if (v.k === 'Battery') continue;
      let txt;
      if (v.f & 1) txt = v.v ? 'on' : 'off';
      else txt = M.esc(v.v) + (v.u ? ' ' + M.esc(v.u) : '');
      if (v.k === 'Door') txt = v.v ? 'open' : 'closed';
      if (v.k === 'Leak') txt = v.v ? 'leak!' : 'dry';
      if (v.k === 'Motion') txt = v.v ? 'motion' : 'clear';
      if (/^Button/.test(v.k)) txt = ['', 'single', 'double', 'hold', 'triple'][v.v] || v.v;
      rows.push([v.k, txt]);
      if (v.k === 'Humidity' && s.dew != null) rows.push(['DewPoint', M.fmt(s.dew, 1) + ' °C']);
    }
    if (s.events != null) rows.push(['Events', s.events]);
    if (s.nmt) rows.push(['No motion', '> <span class="ti" data-base="' + s.nmt + '">' + s.nmt + '</span> s']);
    const bat = s.values.find(v => v.k === 'Battery');
    if (bat) rows.push(['Battery', bat.v + ' %']);
    rows.push(['RSSI', s.rssi ? s.rssi + ' dBm' : '—']);
    rows.push(['Last seen', '<span class="ago" data-last="' + s.last + '">' + (s.last ? M.ago(M.now() - s.last) : 'never') + '</span>']);
    return rows;
  }

  function render(s) {
    const el = document.createElement('div');
    el.className = 'sensor' + (s.dim ? ' dim' : '');
    el.id = 'sns' + s.slot;
    const mac = s.mac.match(/../g).join(':');
    let h = '<div class="name"><span>' + M.esc(s.name) + '</span><small>' + mac + '</small></div>';
    const w = M.warnings(s);
    if (w.length) h += '<div>' + w.map(x => '<span class="tag ' + x[1] + '">' + x[0] + '</span>').join('') + '</div>';
    h += '<table class="sns">' + valueRows(s).map(r => '<tr><th>' + M.esc(r[0]) + '</th><td>' + r[1] + '</td></tr>').join('') + '</table>';
    el.innerHTML = h;
    el._at = Date.now() / 1000;
    const old = byslot.get(s.slot);
    if (old) old.replaceWith(el);
    else {
      /* keep slot order whatever arrives first, the SSE update or the full list */
      const next = [...byslot.keys()].filter(k => k > s.slot).sort((a, b) => a - b)[0];
      root.insertBefore(el, next === undefined ? null : byslot.get(next));
    }
    byslot.set(s.slot, el);
  }

  function summary(n) { document.getElementById('summary').textContent = 'Mi32 — ' + n + ' devices'; }

  async function load() {
    const r = await M.api('/api/sensors');
    if (!r.ok) return;
    M.clock(r.body.now);
    r.body.sensors.forEach(render);
    summary(r.body.sensors.length);
  }

  function tick() {
    const now = M.now();
    document.querySelectorAll('.ago').forEach(e => {
      const l = +e.dataset.last; if (l) e.textContent = M.ago(now - l);
    });
    document.querySelectorAll('.ti').forEach(e => {
      const box = e.closest('.sensor');
      e.textContent = Math.floor(+e.dataset.base + Date.now() / 1000 - box._at);
    });
  }

  async function start() {
    await M.header(true);
    const s = await M.sess();
    if (s.password) {
      const b = document.getElementById('logout');
      b.classList.remove('hidden');
      b.onclick = async () => { await M.post('/logout', ''); location.reload(); };
    }
    const es = new EventSource('/events');
    es.addEventListener('hello', e => { M.clock(JSON.parse(e.data).now); load(); });
    es.addEventListener('sensor', e => { const s = JSON.parse(e.data); render(s); });
    es.addEventListener('node', e => {
      const n = JSON.parse(e.data); M.clock(n.now); summary(n.sensors);
      M.homekit(document.getElementById('homekit'), n.homekit);
    });
    setInterval(tick, 1000);
  }
  start();
})();
