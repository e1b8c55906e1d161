/* activate.js — /activate: the sensors without a key, an Activate button each (MI32Activate
 * through the CSRF-protected POST /cm), and each activation's steps as the daemon's RESULT
 * messages come in on the console stream (/events "log", sent to clients allowed keys). */
'use strict';
(() => {
  const tbody = document.querySelector('#sensors tbody');
  const rows = new Map();   /* MAC "AA:BB:…" → its progress cell */
  const WORDS = {
    Done: 'Done: the key is in use', Decoded: 'Live: its adverts decode with the new key',
    WrongKey: 'Wrong key', NoAdvert: 'No advert yet', Error: 'Failed'
  };

  const colons = mac => mac.replace(/(..)(?!$)/g, '$1:').toUpperCase();

  function step(mac, cls, text) {
    const cell = rows.get(mac);
    if (!cell) return;
    const li = document.createElement('li');
    li.className = cls;
    li.textContent = text;
    cell.querySelector('ol').appendChild(li);
  }

  /* One RESULT of MI32Activate: a line of its sensor's list */
  function result(o) {
    const s = o.MI32Activate;
    if (!o.MAC || s === 'Pending') return;
    /* "press the button on the sensor": the one step that waits for the user */
    if (s === 'Progress') return step(o.MAC, o.Button ? 'warn press' : 'kmsg', o.Step);
    const why = o.Reason || o.Check || '';
    step(o.MAC, s === 'Error' || s === 'WrongKey' ? 'bad' : s === 'NoAdvert' ? 'warn' : 'ok',
         (WORDS[s] || s) + (why ? ': ' + why : ''));
    const b = rows.get(o.MAC) && rows.get(o.MAC).parentNode.querySelector('button');
    if (b && s !== 'Done') b.disabled = s === 'Decoded';
  }

  async function activate(mac, button) {
    button.disabled = true;
    rows.get(mac).querySelector('ol').textContent = '';
    step(mac, 'kmsg', 'connecting');
    const r = await M.command('MI32Activate ' + mac);
    const o = r.body || {};
    if (!r.ok || o.MI32Activate !== 'Pending') {
      step(mac, 'bad', 'Not started: ' + (o.Reason || o.error || r.status));
      button.disabled = false;
    }
  }

  async function list() {
    const r = await M.api('/api/sensors');
    const all = (r.body && r.body.sensors) || [];
    const want = all.filter(s => (s.flags.needs_key && !s.flags.has_key) || s.flags.wrong_key);
    document.getElementById('none').hidden = want.length > 0;
    for (const s of want) {
      const mac = colons(s.mac);
      if (rows.has(mac)) continue;
      const tr = document.createElement('tr');
      tr.dataset.mac = mac;
      tr.innerHTML = '<td>' + M.esc(s.name) + '</td><td class="mono">' + M.esc(mac) + '</td>' +
        '<td><button type="button">Activate</button></td><td><ol class="steps" role="status"></ol></td>';
      tr.querySelector('button').addEventListener('click', ev => activate(mac, ev.target));
      tbody.appendChild(tr);
      rows.set(mac, tr.lastElementChild);
    }
  }

  async function start() {
    await M.header(true);
    await list();
    const es = new EventSource('/events');
    es.addEventListener('log', e => {
      const text = JSON.parse(e.data).text;
      const i = text.indexOf('/RESULT = {"MI32Activate"');
      if (i < 0 || !text.startsWith('RSL: ')) return;
      try { result(JSON.parse(text.slice(i + 10))); } catch (err) { /* a cut line */ }
    });
  }
  start();
})();
