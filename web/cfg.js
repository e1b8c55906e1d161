/* cfg.js — the mi32cfg editor (the seed's "MI32CFG Importer"): import by paste or upload, a
 * table with per-row validation by the daemon's own parser, edit names and keys, delete rows,
 * add by MAC + key, Save (applies and writes mi32cfg as MI32Cfg does), Download. And the six
 * MI32Option switches in words. */
'use strict';
(() => {
  let rows = [];        /* {mac,pid,type,key,name,feat,has_key,error} */
  let types = [];
  let keys = true;      /* may we see (and so save) keys? */
  let checkTimer = null;
  const $ = id => document.getElementById(id);

  const OPTIONS = [
    ['Aggregate values', 'Triggered messages carry all known values of a sensor, not only the ones the last packet changed.', 'Only what the last packet changed'],
    ['No TelePeriod summary', 'Send nothing for BLE sensors at TelePeriod.', 'Full sensor data at TelePeriod'],
    ['Direct bridging', 'Every packet that changed a value is published to MQTT at once.', 'Sensor data only at TelePeriod (and events)'],
    ['Add new sensors', 'Sensors heard for the first time are added to the list (off after a mi32cfg was loaded).', 'Only the sensors of the list are watched'],
    ['Active scanning', 'Ask devices for scan responses; a few sensors need it (can have side effects).', 'Passive scanning'],
    ['Generic BLE devices', 'Report every BLE device with a public address, and RPAs whose IRK is given as the key.', 'Xiaomi & friends only'],
  ];

  function msg(id, text, kind) {
    const e = $(id);
    e.className = 'msg ' + (kind || 'info') + (text ? '' : ' hidden');
    e.textContent = text || '';
  }

  const normMac = m => m.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  const hexOk = (s, n) => new RegExp('^[0-9a-fA-F]{' + n + '}$').test(s);

  /* mi32cfg text in Tasmota's shape: MAC upper, PID lower, key upper or "" */
  function toText() {
    return JSON.stringify(rows.map(r => {
      const o = { MAC: normMac(r.mac), PID: r.pid.toLowerCase(), key: r.key == null ? '' : r.key.replace(/\s/g, '').toUpperCase() };
      if (r.name) { o.name = r.name; o.feat = r.feat || 0; }
      else if (r.pid === 'b770' && r.feat != null) o.feat = r.feat;
      return o;
    }));
  }

  function localError(r) {
    if (!hexOk(normMac(r.mac), 12)) return 'MAC must be 12 hex digits';
    if (r.key && !hexOk(r.key.replace(/\s/g, ''), 32)) return 'key must be 32 hex digits, got ' + r.key.replace(/\s/g, '').length;
    if (new TextEncoder().encode(r.name || '').length > 63) return 'name is longer than 63 bytes';
    if (rows.filter(x => normMac(x.mac) === normMac(r.mac)).length > 1) return 'this MAC is in the list twice';
    return null;
  }

  /* every row is two <tr>: the fields, and its error line (hidden while valid) */
  function showErr(i) {
    const r = rows[i];
    if (!r || !r.tr) return;
    const err = r.error || localError(r);
    r.tr.classList.toggle('err', !!err);
    r.el.classList.toggle('hidden', !err);
    r.el.lastChild.textContent = err ? '⚠ ' + err : '';
  }

  function draw() {
    const tb = $('rows');
    tb.textContent = '';
    $('empty').classList.toggle('hidden', rows.length > 0);
    rows.forEach((r, i) => {
      const tr = document.createElement('tr');
      tr.dataset.mac = normMac(r.mac);
      tr.innerHTML = '<td class="muted">' + i + '</td>' +
        '<td><input class="name" value="' + M.esc(r.name) + '" placeholder="' + M.esc(r.type) + '" maxlength="63"></td>' +
        '<td class="mac">' + M.esc(normMac(r.mac).match(/../g) ? normMac(r.mac).match(/../g).join(':') : r.mac) + '</td>' +
        '<td class="ty">' + M.esc(r.type) + '</td><td class="pid">' + M.esc(r.pid) + '</td>' +
        '<td><input class="key" value="' + M.esc(r.key == null ? '' : r.key) + '" placeholder="' + (r.key == null ? 'hidden' : 'no key') + '"' + (r.key == null ? ' disabled' : '') + ' spellcheck="false"></td>' +
        '<td><button class="del" type="button" title="delete this row" aria-label="delete">✕</button></td>';
      const name = tr.querySelector('.name'), key = tr.querySelector('.key');
      name.addEventListener('input', () => { r.name = name.value; r.error = null; showErr(i); changed(); });
      key.addEventListener('input', () => { r.key = key.value.trim(); r.error = null; key.classList.toggle('bad', !!r.key && !hexOk(r.key.replace(/\s/g, ''), 32)); showErr(i); changed(); });
      tr.querySelector('.del').addEventListener('click', () => { rows.splice(i, 1); draw(); changed(); });
      const el = document.createElement('tr');
      el.className = 'errline hidden';
      el.innerHTML = '<td></td><td colspan="6"></td>';
      tb.appendChild(tr);
      tb.appendChild(el);
      r.tr = tr; r.el = el;
      showErr(i);
    });
    $('save').disabled = !keys;
  }

  function changed() {
    msg('savemsg', '');
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 400);
  }

  /* the daemon's parser says which rows are wrong and why; fields are left as typed */
  async function check() {
    const r = await M.post('/api/mi32cfg/check', toText(), 'application/json');
    if (!r.body || !r.body.rows) return;
    r.body.rows.forEach((x, i) => {
      if (!rows[i]) return;
      rows[i].error = x.error || null;
      if (x.type && x.type !== '?' && rows[i].type !== x.type) {
        rows[i].type = x.type;
        rows[i].tr.querySelector('.ty').textContent = x.type;
      }
      showErr(i);
    });
  }

  function adopt(body) {
    rows = (body.rows || []).map(x => ({ mac: x.mac, pid: x.pid, type: x.type, key: x.key, name: x.name, feat: x.feat, error: x.error || null }));
    draw();
  }

  async function loadRunning() {
    const r = await M.api('/api/mi32cfg');
    if (!r.ok) { msg('importmsg', (r.body && r.body.error) || 'cannot load the list', 'err'); return; }
    adopt(r.body);
    $('imported').textContent = '— the running list, ' + rows.length + ' sensors';
  }

  async function importText(text) {
    msg('importmsg', '');
    const r = await M.post('/api/mi32cfg/check', text, 'application/json');
    if (!r.body || !r.body.rows) { msg('importmsg', (r.body && r.body.error) || 'not a mi32cfg', 'err'); return; }
    if (!r.body.ok && !r.body.rows.length) { msg('importmsg', r.body.error, 'err'); return; }
    adopt(r.body);
    $('imported').textContent = '— imported, ' + rows.length + ' sensors';
    if (r.body.ok) msg('importmsg', 'Imported ' + rows.length + ' sensors. Edit, then Save to apply them.', 'ok');
    else msg('importmsg', 'Imported with errors: ' + r.body.error, 'err');
  }

  async function save() {
    const bad = rows.map(localError).find(Boolean);
    if (bad) { msg('savemsg', 'Not saved: ' + bad, 'err'); return; }
    /* an empty list empties the file: the server wants that confirmed explicitly */
    let url = '/api/mi32cfg';
    if (!rows.length) {
      if (!confirm('The list is empty: saving removes every sensor and key from the file. Save anyway?')) return;
      url += '?confirm_empty=1';
    }
    const r = await M.post(url, toText(), 'application/json');
    if (r.ok) {
      msg('savemsg', 'Saved ' + r.body.sensors + ' sensors to ' + r.body.path + '.' + (r.body.note ? ' ' + r.body.note[0].toUpperCase() + r.body.note.slice(1) + '.' : ''), 'ok');
      $('imported').textContent = '— saved, ' + rows.length + ' sensors';
    } else if (r.body && r.body.rows) {
      r.body.rows.forEach((x, i) => { if (rows[i]) { rows[i].error = x.error || null; showErr(i); } });
      msg('savemsg', 'Not saved: ' + (r.body.error || 'errors in the list'), 'err');
    } else {
      msg('savemsg', 'Not saved: ' + ((r.body && r.body.error) || r.status), 'err');
    }
  }

  function download() {
    const blob = new Blob([toText()], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'mi32cfg';
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function add() {
    const mac = normMac($('amac').value), key = $('akey').value.replace(/\s/g, ''), pid = $('atype').value;
    const t = types.find(x => x.pid === pid);
    if (!hexOk(mac, 12)) { msg('addmsg', 'The MAC must be 12 hex digits (colons allowed).', 'err'); return; }
    if (key && !hexOk(key, 32)) { msg('addmsg', 'The key must be 32 hex digits, got ' + key.length + '.', 'err'); return; }
    if (rows.some(r => normMac(r.mac) === mac)) { msg('addmsg', 'This MAC is already in the list.', 'err'); return; }
    rows.push({ mac, pid, type: t ? t.type : pid, key: key.toUpperCase(), name: $('aname').value.trim(), feat: null, error: null });
    msg('addmsg', '');
    $('amac').value = $('akey').value = $('aname').value = '';
    draw(); changed();
  }

  /* MI32Pair through the CSRF-protected POST /cm: the daemon pairs through bluetoothd and
   * keeps the IRK as a PID 0000 entry (it saves the file itself). Its outcome is a RESULT,
   * which reaches this page as a console line on /events; the IRK is never in it. */
  let pairing = null;
  /* the console stream, open before the command so its RESULT cannot slip past */
  const listen = () => new Promise(res => {
    const es = new EventSource('/events');
    const t = setTimeout(() => res(es), 3000);
    es.addEventListener('hello', () => { clearTimeout(t); res(es); }, { once: true });
  });
  async function pair() {
    const mac = $('pmac').value.trim(), pin = $('ppin').value.trim();
    if (!hexOk(normMac(mac.replace(/\/r$/i, '')), 12)) { msg('pairmsg', 'The MAC must be 12 hex digits (colons allowed).', 'err'); return; }
    if (pin && !/^[0-9]{1,6}$/.test(pin)) { msg('pairmsg', 'The PIN is up to 6 digits.', 'err'); return; }
    $('pair').disabled = true;
    if (pairing) pairing.close();
    pairing = await listen();
    pairing.addEventListener('log', async e => {
      const text = JSON.parse(e.data).text || '', at = text.indexOf('{"MI32Pair":{');
      if (at < 0) return;
      pairing.close(); pairing = null;
      $('pair').disabled = false;
      let p;
      try { p = JSON.parse(text.slice(at)).MI32Pair; } catch (err) { return; }
      if (p.Error) { msg('pairmsg', 'Not paired: ' + p.Reason + '.', 'err'); return; }
      msg('pairmsg', 'Paired: ' + p.MAC + ' is in the list (slot ' + p.Slot + ', PID 0000, its IRK as the key); mi32cfg ' + p.MI32Cfg + '.', 'ok');
      await loadRunning();
    });
    const r = await M.command('MI32Pair ' + mac + (pin ? ' ' + pin : ''));
    if (!r.body || r.body.MI32Pair !== 'Pending') {
      pairing.close(); pairing = null;
      $('pair').disabled = false;
      msg('pairmsg', 'Not started: ' + ((r.body && (r.body.Reason || r.body.error)) || r.status), 'err');
      return;
    }
    msg('pairmsg', 'Pairing with ' + mac + '… (accept it on the device if it asks)' +
      (keys ? '' : ' Its outcome goes to the console, which this address may not read.'), 'info');
  }

  async function options() {
    const box = $('options');
    OPTIONS.forEach((o, n) => {
      const d = document.createElement('div');
      d.className = 'opt';
      d.innerHTML = '<div class="t"><b>MI32Option' + n + ' — ' + o[0] + '</b><span class="on">' + o[1] + '</span><span class="off hidden">Off: ' + o[2] + '.</span></div>' +
        '<label class="switch"><input type="checkbox" id="opt' + n + '" aria-label="MI32Option' + n + '"><span></span></label>';
      box.appendChild(d);
      const cb = d.querySelector('input');
      cb.addEventListener('change', async () => {
        const r = await M.command('MI32Option' + n + ' ' + (cb.checked ? 1 : 0));
        if (r.body && ('MI32Option' + n) in r.body) cb.checked = !!r.body['MI32Option' + n];
      });
    });
    const r = await M.api('/api/node');
    if (r.ok) r.body.options.forEach((v, n) => { $('opt' + n).checked = !!v; });
  }

  async function start() {
    await M.header(true);
    const s = await M.sess();
    keys = !!s.keys;
    $('path').textContent = s.mi32cfg || 'mi32cfg';
    const t = await M.api('/api/types');
    types = t.body || [];
    $('atype').innerHTML = types.map(x => '<option value="' + x.pid + '">' + M.esc(x.type) + ' — ' + M.esc(x.model) + ' (' + x.pid + ')</option>').join('') +
      '<option value="0000">generic device / RPA with IRK (0000)</option>';
    $('atype').value = '055b';
    $('import').onclick = () => importText($('paste').value);
    $('upload').onclick = () => $('file').click();
    $('file').onchange = async () => { const f = $('file').files[0]; if (f) { const txt = await f.text(); $('paste').value = txt; importText(txt); } };
    $('save').onclick = save;
    $('download').onclick = download;
    $('reload').onclick = loadRunning;
    $('add').onclick = add;
    $('pair').onclick = pair;
    if (!keys) msg('savemsg', 'Keys are hidden from this address: set a web password to edit and save them from here.', 'info');
    await loadRunning();
    options();
  }
  start();
})();
