/* cs.js — the console, as Tasmota's: the log (commands, replies, MQTT messages, sensor
 * notices) live by SSE, and a command line with history. */
'use strict';
(() => {
  const log = document.getElementById('log'), cmd = document.getElementById('cmd');
  const hist = []; let hi = 0; let last = 0;
  const MAX = 400;
  let lines = [];

  function time(t) { const d = new Date(t * 1000), p = n => String(n).padStart(2, '0'); return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()); }

  function add(l) {
    if (l.seq <= last) return;
    last = l.seq;
    lines.push(time(l.t) + ' ' + l.text);
    if (lines.length > MAX) lines = lines.slice(-MAX);
    const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 30;
    log.value = lines.join('\n');
    if (atEnd) log.scrollTop = log.scrollHeight;
  }

  document.getElementById('cmdform').addEventListener('submit', async ev => {
    ev.preventDefault();
    const line = cmd.value.trim();
    if (!line) return;
    hist.push(line); hi = hist.length;
    cmd.value = '';
    const r = await M.command(line);
    if (!r.ok) add({ seq: last + 0.001, t: Date.now() / 1000, text: 'ERR: ' + ((r.body && r.body.error) || r.status) });
    log.scrollTop = log.scrollHeight;
  });
  cmd.addEventListener('keydown', ev => {
    if (ev.key === 'ArrowUp' && hi > 0) { cmd.value = hist[--hi]; ev.preventDefault(); }
    if (ev.key === 'ArrowDown') { hi = Math.min(hist.length, hi + 1); cmd.value = hist[hi] || ''; ev.preventDefault(); }
  });

  async function start() {
    await M.header(true);
    const es = new EventSource('/events');
    es.addEventListener('hello', async () => {
      const r = await M.api('/api/log');
      if (r.ok) r.body.lines.forEach(add);
      else add({ seq: last + 0.001, t: Date.now() / 1000, text: 'the log needs the web password' });
    });
    es.addEventListener('log', e => add(JSON.parse(e.data)));
  }
  start();
})();
