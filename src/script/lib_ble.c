/* SPDX-License-Identifier: MIT */
/* lib_ble.c — the seed's `BLE` module (SPEC §11.2) on the GATT engine (src/gatt/gatt.h) and
 * the daemon's adverts. One context per script (MAC, type, service, characteristic) and its
 * callbacks. Nothing calls Lua from inside an I/O callback: GATT results and adverts are
 * queued and delivered from a deferred event of the loop (or BLE.loop()), each through
 * script_call(), so the sandbox's limits and error counting apply (notes/bluez-gatt-lua.md
 * §5.4). When the script goes away, its pending operations are cancelled (gatt_cancel) and
 * nothing of it is called again. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "gatt/gatt.h"
#include "script/advbuf.h"
#include "script/bytes.h"
#include "script/lib.h"
#include "script/script.h"
#include "util/log.h"

#define BLE_META "mi32.ble"
#define BLE_KEY "mi32.ble.state"  /* registry: the script's struct ble userdata */
#define ADV_QUEUE 64              /* adverts waiting for the script; older ones are dropped */
#define EVENT_QUEUE 256           /* GATT results waiting */
#define LIST_MAX 64               /* adv_watch / adv_block entries */

struct event {
	struct event *next;
	struct gatt_result r;
};

struct ble {
	struct script_env *env;
	struct script *s;
	struct ble *next_listener;   /* env->ble_listeners: scripts with an adv_cb */
	struct gatt_ctx ctx;         /* set_MAC, set_svc, set_chr */
	int conn_cb, conn_buf;       /* registry refs, LUA_NOREF = none */
	int adv_cb, adv_buf;
	bool server;                 /* ran a server op: stop the server when it goes */
	sd_event_source *defer;      /* delivers the queues */
	struct adv *advs;            /* ring of ADV_QUEUE */
	unsigned int adv_head, adv_n;
	uint64_t adv_dropped;
	struct event *ev_head, *ev_tail;
	unsigned int ev_n;
	uint8_t watch[LIST_MAX][7], block[LIST_MAX][7]; /* MAC + type */
	unsigned int n_watch, n_block;
};

static struct ble *ble_of(lua_State *L)
{
	struct ble *b;

	lua_getfield(L, LUA_REGISTRYINDEX, BLE_KEY);
	b = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (!b)
		luaL_error(L, "BLE: not opened");
	return b;
}

/* ---- the queues --------------------------------------------------------------------- */

static int deliver(sd_event_source *src, void *data);

static void wake(struct ble *b)
{
	if (!b->defer && sd_event_add_defer(b->env->ev, &b->defer, deliver, b) < 0) {
		b->defer = NULL;
		return;
	}
	sd_event_source_set_enabled(b->defer, SD_EVENT_ONESHOT);
}

static void on_result(const struct gatt_result *r, void *user_data)
{
	struct ble *b = user_data;
	struct event *e;

	if (b->ev_n >= EVENT_QUEUE) {
		log_warn("script %s: BLE: %u results waiting, op %d dropped", script_name(b->s),
			 b->ev_n, r->op);
		return;
	}
	e = malloc(sizeof(*e));
	if (!e)
		return;
	e->next = NULL;
	e->r = *r;
	if (b->ev_tail)
		b->ev_tail->next = e;
	else
		b->ev_head = e;
	b->ev_tail = e;
	b->ev_n++;
	wake(b);
}

static bool listed(uint8_t list[][7], unsigned int n, const struct adv *a)
{
	for (unsigned int i = 0; i < n; i++)
		if (!memcmp(list[i], a->addr, 6) && list[i][6] == a->addr_type)
			return true;
	return false;
}

void lib_ble_adv(struct script_env *env, const struct adv *a)
{
	for (struct ble *b = env->ble_listeners; b; b = b->next_listener) {
		if ((b->n_watch && !listed(b->watch, b->n_watch, a)) ||
		    listed(b->block, b->n_block, a))
			continue;
		if (b->adv_n == ADV_QUEUE) { /* the script is behind: the oldest goes */
			b->adv_head = (b->adv_head + 1) % ADV_QUEUE;
			b->adv_n--;
			b->adv_dropped++;
		}
		b->advs[(b->adv_head + b->adv_n) % ADV_QUEUE] = *a;
		b->adv_n++;
		wake(b);
	}
}

/* Protected: put @2 (a struct adv) into the adv buffer and call adv_cb(svc, manu). */
static int call_adv(lua_State *L)
{
	struct ble *b = lua_touserdata(L, 1);
	const struct adv *a = lua_touserdata(L, 2);
	uint8_t buf[ADVBUF_HEAD + ADV_DATA_MAX];
	unsigned int svc, manu;
	size_t n, cap;

	lua_rawgeti(L, LUA_REGISTRYINDEX, b->adv_buf);
	/* what fits a fixed buffer (the seed's bytes(-64)); all of it otherwise */
	cap = bytes_fixed(L, -1) ? (bytes_check(L, -1, &n), n) : sizeof(buf);
	n = advbuf_fill(a, buf, cap < sizeof(buf) ? cap : sizeof(buf), &svc, &manu);
	bytes_store(L, -1, buf, n);
	lua_rawgeti(L, LUA_REGISTRYINDEX, b->adv_cb);
	lua_pushinteger(L, svc);
	lua_pushinteger(L, manu);
	lua_call(L, 2, 0);
	return 0;
}

/* Protected: put @2's buffer ([len][data]) into the conn buffer and call
 * conn_cb(error, op, uuid16, handle, MAC). */
static int call_conn(lua_State *L)
{
	struct ble *b = lua_touserdata(L, 1);
	const struct gatt_result *r = lua_touserdata(L, 2);

	lua_rawgeti(L, LUA_REGISTRYINDEX, b->conn_buf);
	bytes_store(L, -1, r->buf, 1u + r->buf[0]);
	lua_rawgeti(L, LUA_REGISTRYINDEX, b->conn_cb);
	lua_pushinteger(L, r->error);
	lua_pushinteger(L, r->op);
	lua_pushinteger(L, r->uuid16);
	lua_pushinteger(L, r->handle);
	bytes_push(L, r->mac, 6);
	lua_call(L, 5, 0);
	return 0;
}

/* Deliver what waits, in order: GATT results first (they answer the script's own calls).
 * The script may unregister a callback from inside one: each step looks again. */
static void drain(struct ble *b)
{
	lua_State *L = script_lua(b->s);

	while (b->ev_head) {
		struct event *e = b->ev_head;

		b->ev_head = e->next;
		if (!b->ev_head)
			b->ev_tail = NULL;
		b->ev_n--;
		if (b->conn_cb != LUA_NOREF) {
			lua_pushcfunction(L, call_conn);
			lua_pushlightuserdata(L, b);
			lua_pushlightuserdata(L, &e->r);
			script_call(b->s, 2, 0, "conn_cb");
		}
		free(e);
	}
	while (b->adv_n && b->adv_cb != LUA_NOREF) {
		struct adv a = b->advs[b->adv_head];

		b->adv_head = (b->adv_head + 1) % ADV_QUEUE;
		b->adv_n--;
		lua_pushcfunction(L, call_adv);
		lua_pushlightuserdata(L, b);
		lua_pushlightuserdata(L, &a);
		script_call(b->s, 2, 0, "adv_cb");
	}
}

static int deliver(sd_event_source *src, void *data)
{
	(void)src;
	drain(data);
	return 0;
}

/* ---- registration ------------------------------------------------------------------- */

static void unref(lua_State *L, int *ref)
{
	luaL_unref(L, LUA_REGISTRYINDEX, *ref);
	*ref = LUA_NOREF;
}

static void adv_listen(struct ble *b, bool on)
{
	struct ble **p = &b->env->ble_listeners;

	while (*p && *p != b)
		p = &(*p)->next_listener;
	if (on && !*p) {
		b->next_listener = b->env->ble_listeners;
		b->env->ble_listeners = b;
	} else if (!on && *p) {
		*p = b->next_listener;
		b->adv_n = 0;
	}
}

/* (cb, buf) or (nil): the callback and its buffer as registry refs */
static void set_cb(lua_State *L, int *cb, int *buf, const char *what)
{
	if (!lua_isnoneornil(L, 1)) {
		luaL_checktype(L, 1, LUA_TFUNCTION);
		if (!bytes_test(L, 2, &(size_t){ 0 }))
			luaL_error(L, "BLE.%s(cb, buf): buf must be a bytes buffer (bytes(-64))",
				   what);
	}
	unref(L, cb);
	unref(L, buf);
	if (lua_isnoneornil(L, 1))
		return;
	lua_pushvalue(L, 2);
	*buf = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, 1);
	*cb = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* BLE.adv_cb(cb, buf) / BLE.adv_cb(nil) */
static int l_adv_cb(lua_State *L)
{
	struct ble *b = ble_of(L);

	set_cb(L, &b->adv_cb, &b->adv_buf, "adv_cb");
	if (b->adv_cb != LUA_NOREF && !b->advs) {
		b->advs = calloc(ADV_QUEUE, sizeof(*b->advs));
		if (!b->advs) {
			unref(L, &b->adv_cb);
			unref(L, &b->adv_buf);
			return luaL_error(L, "not enough memory");
		}
	}
	adv_listen(b, b->adv_cb != LUA_NOREF);
	return 0;
}

/* BLE.conn_cb(cb, buf) / BLE.conn_cb(nil); BLE.serv_cb the same (the seed's latest alias),
 * whose nil also withdraws the server */
static int l_conn_cb(lua_State *L)
{
	struct ble *b = ble_of(L);

	set_cb(L, &b->conn_cb, &b->conn_buf, "conn_cb");
	if (b->conn_cb == LUA_NOREF && b->env->gatt) {
		gatt_cancel(b->env->gatt, b);
		if (b->server)
			gatt_server_stop(b->env->gatt);
		b->server = false;
	}
	return 0;
}

/* A MAC argument: bytes(6) (display order) or 12 hex digits; type 0..3 (>= 4 -> 0) */
static void mac_arg(lua_State *L, int idx, uint8_t mac[6], uint8_t *type)
{
	size_t n;
	const uint8_t *p = bytes_test(L, idx, &n);
	lua_Integer t = luaL_optinteger(L, idx + 1, 0);

	if (!p || n != 6)
		luaL_error(L, "BLE: the MAC must be bytes(6), e.g. bytes('A4C138010203')");
	memcpy(mac, p, 6);
	*type = t >= 0 && t <= 3 ? (uint8_t)t : 0;
}

static int list_add(lua_State *L, uint8_t list[][7], unsigned int *n, const char *what)
{
	uint8_t e[7];

	mac_arg(L, 1, e, &e[6]);
	for (unsigned int i = 0; i < *n; i++)
		if (!memcmp(list[i], e, 7))
			return 0;
	if (*n == LIST_MAX)
		return luaL_error(L, "BLE.%s: at most %d addresses", what, LIST_MAX);
	memcpy(list[(*n)++], e, 7);
	return 0;
}

/* BLE.adv_watch(MAC[, type]): from now on adv_cb sees only the watched addresses */
static int l_adv_watch(lua_State *L)
{
	struct ble *b = ble_of(L);

	return list_add(L, b->watch, &b->n_watch, "adv_watch");
}

/* BLE.adv_block(MAC[, type]): adv_cb never sees this address */
static int l_adv_block(lua_State *L)
{
	struct ble *b = ble_of(L);

	return list_add(L, b->block, &b->n_block, "adv_block");
}

/* BLE.set_MAC(MAC[, type[, pin]]) -> true */
static int l_set_mac(lua_State *L)
{
	struct ble *b = ble_of(L);

	lua_Integer pin = luaL_optinteger(L, 3, -1);

	/* the PIN answers bluetoothd's passkey request when BLE.run(8) pairs */
	if (pin < -1 || pin > 999999)
		return luaL_error(L, "BLE.set_MAC: the PIN is 6 digits (0..999999), or -1 for none");
	mac_arg(L, 1, b->ctx.mac, &b->ctx.addr_type);
	b->ctx.pin = (int32_t)pin;
	lua_pushboolean(L, 1);
	return 1;
}

static void uuid_arg(lua_State *L, char *out, size_t size, const char *what)
{
	size_t n;
	const char *s = luaL_checklstring(L, 1, &n);

	if (n >= size)
		luaL_error(L, "BLE.%s: '%s' is not a UUID", what, s);
	memcpy(out, s, n + 1);
}

/* BLE.set_svc(uuid[, discover]); BLE.set_chr(uuid[, response]) */
static int l_set_svc(lua_State *L)
{
	uuid_arg(L, ble_of(L)->ctx.svc, sizeof(((struct gatt_ctx *)0)->svc), "set_svc");
	lua_pushboolean(L, 1);
	return 1;
}

static int l_set_chr(lua_State *L)
{
	struct ble *b = ble_of(L);

	uuid_arg(L, b->ctx.chr, sizeof(b->ctx.chr), "set_chr");
	b->ctx.response = lua_toboolean(L, 2);
	lua_pushboolean(L, 1);
	return 1;
}

/* BLE.run(op[, response[, arg1]]): the conn buffer ([len][data]) goes with the op */
static int l_run(lua_State *L)
{
	struct ble *b = ble_of(L);
	lua_Integer op = luaL_checkinteger(L, 1);
	lua_Integer arg1 = luaL_optinteger(L, 3, -1);
	struct gatt_ctx ctx = b->ctx;
	const uint8_t *p;
	size_t n;
	int r;

	if (!b->env->gatt)
		return luaL_error(L, "BLE.run: GATT is off (no bluetoothd: gatt = yes and a D-Bus)");
	if (b->conn_cb == LUA_NOREF)
		return luaL_error(L, "BLE.run: no callback: call BLE.conn_cb(cb, buf) first");
	if (op < 1 || op > 255 || arg1 < -1 || arg1 > 0xFFFF)
		return luaL_error(L, "BLE.run: op %I or arg1 out of range", (LUAI_UACINT)op);
	ctx.op = (int)op;
	if (!lua_isnoneornil(L, 2))
		ctx.response = lua_toboolean(L, 2);
	ctx.handle = (int)arg1;
	lua_rawgeti(L, LUA_REGISTRYINDEX, b->conn_buf);
	p = bytes_check(L, -1, &n);
	memset(ctx.buf, 0, sizeof(ctx.buf));
	if (n > sizeof(ctx.buf))
		n = sizeof(ctx.buf);
	if (n)
		memcpy(ctx.buf, p, n);
	if (n == 0 || ctx.buf[0] > n - 1) /* a length past the buffer: what is there */
		ctx.buf[0] = n ? (uint8_t)(n - 1) : 0;
	/* op 8 is mi32's: pair and bond, learn the IRK (MI32Pair); NimBLE paired by itself */
	r = op == GATT_OP_PAIR ? gatt_pair(b->env->gatt, &ctx, on_result, b)
			       : gatt_run(b->env->gatt, &ctx, on_result, b);
	if (r < 0)
		return luaL_error(L, "BLE.run(%I): %s", (LUAI_UACINT)op,
				  r == -EINVAL ? "bad op, UUID or buffer" : strerror(-r));
	if (op >= 200)
		b->server = true;
	return 0;
}

/* BLE.loop(): deliver what waits now (the seed's tasmota.add_fast_loop(BLE.loop)) */
static int l_loop(lua_State *L)
{
	drain(ble_of(L));
	return 0;
}

static void push_mac(lua_State *L, const uint8_t m[6], const char *key)
{
	char s[18];

	snprintf(s, sizeof(s), "%02X:%02X:%02X:%02X:%02X:%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
	lua_pushstring(L, s);
	lua_setfield(L, -2, key);
}

static void push_bool(lua_State *L, bool v, const char *key)
{
	lua_pushboolean(L, v);
	lua_setfield(L, -2, key);
}

/* The seed's connection map of BLE.info() (README, "BLE.info()"): what bluetoothd cannot
 * tell is left out, never guessed. */
static void push_connection(lua_State *L, const struct gatt_info *in)
{
	char hex[33];

	lua_createtable(L, 0, 12);
	push_mac(L, in->conn.peer, "peer_addr");
	if (in->conn.has_id)
		push_mac(L, in->conn.id, "peerID_addr");
	lua_pushinteger(L, in->conn.random);
	lua_setfield(L, -2, "peer_type");
	push_bool(L, in->conn.central, "master");
	push_bool(L, in->conn.bonded, "bonded");
	push_bool(L, in->conn.encrypted, "encrypted");
	if (in->conn.authenticated >= 0)
		push_bool(L, in->conn.authenticated, "authenticated");
	if (in->conn.rssi) {
		lua_pushinteger(L, in->conn.rssi);
		lua_setfield(L, -2, "RSSI");
	}
	if (in->conn.mtu) {
		lua_pushinteger(L, in->conn.mtu);
		lua_setfield(L, -2, "MTU");
	}
	if (in->conn.name[0]) {
		lua_pushstring(L, in->conn.name);
		lua_setfield(L, -2, "name");
	}
	if (in->conn.has_irk) {
		/* the seed's order (NimBLE's, LSB first): bytes(IRK):reverse():tohex() is the
		 * mi32cfg key, as in the seed's IRK script */
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02X", in->conn.irk[15 - i]);
		lua_pushstring(L, hex);
		lua_setfield(L, -2, "IRK");
	}
	lua_setfield(L, -2, "connection");
}

/* BLE.info() -> {gatt = bluetoothd reachable, role = bits 1 observer, 2 client/server
 * callback, 4 server, adverts_dropped = n, and from bluetoothd local_addr, version, bonds,
 * connection = {…} while a link is up} */
static int l_info(lua_State *L)
{
	struct ble *b = ble_of(L);
	struct gatt_info in = { .ready = false };

	if (b->env->gatt)
		gatt_info(b->env->gatt, NULL, &in);
	lua_createtable(L, 0, 8);
	push_bool(L, in.ready, "gatt");
	lua_pushinteger(L, (b->adv_cb != LUA_NOREF) | (b->conn_cb != LUA_NOREF) << 1 |
			       b->server << 2);
	lua_setfield(L, -2, "role");
	lua_pushinteger(L, (lua_Integer)b->adv_dropped);
	lua_setfield(L, -2, "adverts_dropped");
	if (!in.ready)
		return 1;
	push_mac(L, in.local, "local_addr");
	if (in.version) {
		lua_pushinteger(L, in.version);
		lua_setfield(L, -2, "version");
	}
	lua_pushinteger(L, in.bonds);
	lua_setfield(L, -2, "bonds");
	if (in.conn.known && in.conn.up)
		push_connection(L, &in);
	return 1;
}

/* BLE.store(bonds) -> false: bluetoothd keeps the bonds (/var/lib/bluetooth) */
static int l_store(lua_State *L)
{
	log_notice("script %s: BLE.store: bonds are kept by bluetoothd, not restored by "
		   "scripts", script_name(script_of(L)));
	lua_pushboolean(L, 0);
	return 1;
}

static int ble_gc(lua_State *L)
{
	struct ble *b = luaL_checkudata(L, 1, BLE_META);

	if (b->env->gatt) {
		gatt_cancel(b->env->gatt, b);
		if (b->server)
			gatt_server_stop(b->env->gatt);
	}
	adv_listen(b, false);
	while (b->ev_head) {
		struct event *e = b->ev_head;

		b->ev_head = e->next;
		free(e);
	}
	free(b->advs);
	sd_event_source_disable_unref(b->defer);
	return 0;
}

static const luaL_Reg fns[] = {
	{ "adv_cb", l_adv_cb }, { "adv_watch", l_adv_watch }, { "adv_block", l_adv_block },
	{ "conn_cb", l_conn_cb }, { "serv_cb", l_conn_cb }, { "set_MAC", l_set_mac },
	{ "set_svc", l_set_svc }, { "set_chr", l_set_chr }, { "run", l_run }, { "loop", l_loop },
	{ "info", l_info }, { "store", l_store }, { NULL, NULL },
};

void lib_ble_open(lua_State *L, struct script_env *env)
{
	struct ble *b = lua_newuserdatauv(L, sizeof(*b), 0);

	memset(b, 0, sizeof(*b));
	b->env = env;
	b->s = script_of(L);
	b->conn_cb = b->conn_buf = b->adv_cb = b->adv_buf = LUA_NOREF;
	static const uint8_t none[6];

	gatt_ctx_init(&b->ctx, none, 0, "", "", 0);
	luaL_newmetatable(L, BLE_META);
	lua_pushcfunction(L, ble_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, BLE_KEY);
	luaL_newlib(L, fns);
	lua_setglobal(L, "BLE");
}
