/* common.js — what every page of mi32 shares: the session (CSRF token), JSON fetches, HTML
 * escaping, "12 s ago" and uptime texts, and the server clock offset. No libraries. */
'use strict';
const M = (() => {
  let session = null;
  let offset = 0; /* server seconds - client seconds */

  const esc = s => String(s == null ? '' : s).replace(/[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

  async function api(path, opts) {
    const r = await fetch(path, Object.assign({ credentials: 'same-origin', cache: 'no-store' }, opts || {}));
    let body = null;
    const text = await r.text();
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = { error: text }; }
    if (r.status === 401 && !(opts && opts.noLogin)) { location.reload(); }
    return { status: r.status, ok: r.ok, body };
  }

  async function sess() {
    if (!session) session = (await api('/api/session')).body || {};
    return session;
  }

  /* A state-changing request: POST with the CSRF token. */
  async function post(path, body, type) {
    const s = await sess();
    return api(path, {
      method: 'POST', body,
      headers: { 'Content-Type': type || 'application/x-www-form-urlencoded', 'X-CSRF-Token': s.csrf || '' }
    });
  }

  const command = line => post('/cm', 'cmnd=' + encodeURIComponent(line));

  function clock(serverNow) { if (serverNow) offset = serverNow - Date.now() / 1000; }
  const now = () => Date.now() / 1000 + offset;

  /* Seconds since something was heard. A small negative age is the browser's estimate of
   * the server clock running behind, not "never": it reads as just now. */
  function ago(s) {
    if (s == null || !isFinite(s)) return 'never';
    if (s < 0) s = 0;
    s = Math.floor(s);
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor(s % 3600 / 60) + ' min ago';
    return Math.floor(s / 86400) + ' d ago';
  }
  function uptime(s) {
    s = Math.floor(s);
    const d = Math.floor(s / 86400), p = n => String(n).padStart(2, '0');
    return d + 'T' + p(Math.floor(s % 86400 / 3600)) + ':' + p(Math.floor(s % 3600 / 60)) + ':' + p(s % 60);
  }
  function stamp(epoch) {
    if (!epoch) return '—';
    const d = new Date(epoch * 1000), p = n => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' +
      p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }
  function fmt(v, d) { return v == null ? '—' : Number(v).toFixed(d == null ? 1 : d); }

  /* decimals of a value as the server wrote it */
  function dec(v) { const s = String(v); const i = s.indexOf('.'); return i < 0 ? 0 : s.length - i - 1; }

  /* Warnings of a sensor, as Tasmota words them, plus mi32's stale state. */
  function warnings(s) {
    const w = [];
    if (!s.flags.seen) w.push(['not heard since start', 'warn']);
    if (s.flags.needs_key && !s.flags.has_key) w.push(['needs key', 'bad']);
    if (s.flags.wrong_key) w.push(['wrong key', 'bad']);
    if (s.flags.unbound) w.push(['not paired', 'warn']);
    if (s.flags.stale) w.push(['stale', 'warn']);
    return w;
  }

  async function header(el) {
    const s = await sess();
    document.querySelectorAll('[data-topic]').forEach(e => { e.textContent = s.topic || 'mi32'; });
    document.querySelectorAll('[data-version]').forEach(e => { e.textContent = 'mi32 ' + (s.version || ''); });
    if (el && s.topic) document.title = s.topic + ' — ' + document.title;
  }

  /* Apple Home: while the bridge is unpaired, the setup code and its QR code into @el (from
   * /api/homekit, which answers only a client that may see keys); hidden while it is paired
   * or off. Asked once per unpaired spell, not on every node update. */
  async function homekit(el, hk) {
    const want = !!(hk && !hk.paired);
    el.hidden = !want;
    if (!want) { delete el.dataset.asked; return; }
    if (el.dataset.asked) return;
    el.dataset.asked = '1';
    const r = await api('/api/homekit', { noLogin: true });
    if (!r.ok) {
      el.textContent = r.status === 403 ? 'Apple Home: log in with the web password to see the setup code'
        : 'Apple Home: ' + ((r.body && r.body.error) || 'HTTP ' + r.status);
      return;
    }
    el.innerHTML = '<div class="kl">Apple Home: not paired. In the Home app tap Add Accessory, ' +
      'then scan this code, or enter the setup code</div>' +
      '<img class="hkqr" alt="HomeKit setup QR code" hidden><div class="hkcode"></div>';
    el.querySelector('.hkcode').textContent = r.body.code;
    const img = el.querySelector('.hkqr');
    img.dataset.payload = r.body.payload;
    if (r.body.qr) { img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(r.body.qr); img.hidden = false; }
  }

  return { esc, api, sess, post, command, clock, now, ago, uptime, stamp, fmt, dec, warnings, header, homekit };
})();
