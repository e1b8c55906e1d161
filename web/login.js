/* login.js — the WebPassword form: POST /login sets a session cookie, then the page the user
 * asked for is loaded again. */
'use strict';
document.getElementById('login').addEventListener('submit', async ev => {
  ev.preventDefault();
  const msg = document.getElementById('msg');
  const pw = document.getElementById('password').value;
  const r = await fetch('/login', { method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'password=' + encodeURIComponent(pw) });
  if (r.ok) { location.reload(); return; }
  let why = 'wrong password';
  try { why = (await r.json()).error || why; } catch (e) { /* keep the default */ }
  msg.textContent = why.charAt(0).toUpperCase() + why.slice(1);
  msg.classList.remove('hidden');
  document.getElementById('password').select();
});
