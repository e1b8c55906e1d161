// controller.js — a third-party HomeKit controller (hap-controller, IP transport) against
// mi32's bridge at 127.0.0.1:PORT. Prints one JSON line per step for the pytest that runs it.
// Usage: node controller.js PORT CODE full|wrong|pair|multi|check|listen [PAIRING.json]
'use strict';
const { HttpClient } = require('hap-controller');

const [, , port, code, mode] = process.argv;
const out = (o) => console.log(JSON.stringify(o));

// "8A" or "0000008A-0000-1000-8000-0026BB765291", as the accessory or the library writes it
const short = (t) => String(t).toUpperCase().replace(/-0000-1000-8000-0026BB765291$/, '').replace(/^0+/, '');

function findChar(accessories, serviceType, charType) {
  for (const a of accessories) {
    for (const s of a.services) {
      if (short(s.type) !== serviceType) continue;
      for (const c of s.characteristics) if (short(c.type) === charType) return { aid: a.aid, c };
    }
  }
  return null;
}

async function full() {
  const client = new HttpClient('mi32-bridge', '127.0.0.1', Number(port), undefined,
    { usePersistentConnections: true });
  await client.pairSetup(code);
  const pairing = client.getLongTermData();
  out({ step: 'paired', controller: pairing.iOSDevicePairingID });

  const db = await client.getAccessories();
  const temp = findChar(db.accessories, '8A', '11');
  out({
    step: 'accessories', count: db.accessories.length, bridge: db.accessories[0].aid,
    temp: temp && { aid: temp.aid, iid: temp.c.iid, min: temp.c.minValue },
  });
  const id = `${temp.aid}.${temp.c.iid}`;
  const read = await client.getCharacteristics([id], { meta: true, perms: true, type: true, ev: true });
  out({ step: 'read', value: read.characteristics[0].value, status: read.characteristics[0].status ?? 0 });

  // every characteristic that notifies: the demo's values move (humidity, motion, doors)
  const evIds = [];
  for (const a of db.accessories)
    for (const s of a.services)
      for (const c of s.characteristics)
        if ((c.perms || []).includes('ev')) evIds.push(`${a.aid}.${c.iid}`);
  const event = new Promise((resolve) => client.on('event', (ev) => resolve(ev)));
  await client.subscribeCharacteristics(evIds);
  out({ step: 'subscribed', count: evIds.length });
  const ev = await event;
  out({ step: 'event', characteristics: ev.characteristics });

  const list = await client.listPairings();
  // a TLV8 map: 1 identifier, 3 public key, 0x0b permissions (one controller here)
  out({
    step: 'pairings', id: list.get(1).toString(), admin: list.get(0x0b)[0],
    me: Buffer.from(pairing.iOSDevicePairingID, 'hex').toString(),
  });
  await client.removePairing(pairing.iOSDevicePairingID);
  out({ step: 'removed' });
  client.close();

  const again = new HttpClient('mi32-bridge', '127.0.0.1', Number(port), pairing);
  try {
    await again.getAccessories();
    out({ step: 'after-remove', result: 'allowed' });
  } catch (e) {
    out({ step: 'after-remove', result: 'refused', error: String(e && e.message || e) });
  }
  again.close();
}

async function wrong() {
  const client = new HttpClient('mi32-bridge', '127.0.0.1', Number(port));
  try {
    await client.pairSetup('111-22-333');
    out({ step: 'wrong', result: 'accepted' });
  } catch (e) {
    out({ step: 'wrong', result: 'refused', error: String(e && e.message || e) });
  }
  client.close();
}

// pairs and keeps the pairing: prints its long-term data for later modes
async function pair() {
  const client = new HttpClient('mi32-bridge', '127.0.0.1', Number(port));
  await client.pairSetup(code);
  out({ step: 'paired', pairing: client.getLongTermData() });
  client.close();
}

// with a pairing kept by `pair` (its JSON in a file): pair-verify and read /accessories
async function check() {
  const pairing = JSON.parse(require('fs').readFileSync(process.argv[5], 'utf8'));
  const client = new HttpClient('mi32-bridge', '127.0.0.1', Number(port), pairing);
  try {
    const db = await client.getAccessories();
    out({ step: 'check', result: 'allowed', count: db.accessories.length });
  } catch (e) {
    out({ step: 'check', result: 'refused', error: String(e && e.message || e) });
  }
  client.close();
}

// every characteristic that notifies
function notifying(db) {
  const ids = [];
  for (const a of db.accessories)
    for (const s of a.services)
      for (const c of s.characteristics)
        if ((c.perms || []).includes('ev')) ids.push(`${a.aid}.${c.iid}`);
  return ids;
}

// A second controller's long-term keys, as hap-controller keeps them: Ed25519 from node's
// crypto, the secret key libsodium-style (seed | public key)
function newController(admin, id) {
  const { publicKey, privateKey } = require('crypto').generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d, 'base64url');
  return {
    AccessoryPairingID: admin.AccessoryPairingID, AccessoryLTPK: admin.AccessoryLTPK,
    iOSDevicePairingID: Buffer.from(id).toString('hex'),
    iOSDeviceLTSK: Buffer.concat([seed, pub]).toString('hex'), iOSDeviceLTPK: pub.toString('hex'),
  };
}

// Two controllers at once (an iPhone and a home hub): the admin pairs and adds the second
// (not admin); both verify, read and subscribe concurrently, and both get events
async function multi() {
  const admin = new HttpClient('mi32-bridge', '127.0.0.1', Number(port));
  await admin.pairSetup(code);
  const a = admin.getLongTermData();
  const b = newController(a, 'B0B0B0B0-1111-4222-8333-444455556666');
  await admin.addPairing('B0B0B0B0-1111-4222-8333-444455556666', Buffer.from(b.iOSDeviceLTPK, 'hex'), false);
  admin.close();
  out({ step: 'paired', a, b });
  const ca = new HttpClient('mi32-bridge', '127.0.0.1', Number(port), a, { usePersistentConnections: true });
  const cb = new HttpClient('mi32-bridge', '127.0.0.1', Number(port), b, { usePersistentConnections: true });
  const [da, db] = await Promise.all([ca.getAccessories(), cb.getAccessories()]);
  out({ step: 'accessories', a: da.accessories.length, b: db.accessories.length });
  const ea = new Promise((resolve) => ca.on('event', resolve));
  const eb = new Promise((resolve) => cb.on('event', resolve));
  await Promise.all([ca.subscribeCharacteristics(notifying(da)), cb.subscribeCharacteristics(notifying(db))]);
  const [va, vb] = await Promise.all([ea, eb]);
  out({ step: 'events', a: va.characteristics.length, b: vb.characteristics.length });
  try {
    await cb.listPairings();
    out({ step: 'b-list', result: 'allowed' });
  } catch (e) {
    out({ step: 'b-list', result: 'refused', error: String(e && e.message || e) });
  }
  const list = await ca.listPairings();
  out({ step: 'a-list', ids: list.get(1).toString() });
  ca.close();
  cb.close();
}

// with a kept pairing: subscribe and print every event until killed (a controller that
// vanishes mid-stream)
async function listen() {
  const pairing = JSON.parse(require('fs').readFileSync(process.argv[5], 'utf8'));
  const client = new HttpClient('mi32-bridge', '127.0.0.1', Number(port), pairing,
    { usePersistentConnections: true });
  const db = await client.getAccessories();
  client.on('event', (ev) => out({ step: 'event', n: ev.characteristics.length }));
  await client.subscribeCharacteristics(notifying(db));
  out({ step: 'subscribed' });
  await new Promise(() => {});
}

const modes = { full, wrong, pair, check, multi, listen };
modes[mode]().then(() => process.exit(0), (e) => {
  out({ step: 'error', error: String(e && e.stack || e) });
  process.exit(1);
});
