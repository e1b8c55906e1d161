/* SPDX-License-Identifier: MIT */
/* mi32cfg_store.c — the sensor list file to the store and back (semantics in
 * mi32cfg_store.h). Cold path: runs on MI32Cfg, the editor's save and at start. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "decode/registry.h"
#include "store/mi32cfg.h"
#include "store/mi32cfg_store.h"
#include "store/sensor.h"
#include "store/store.h"

/* One sensor as MI32Cfg writes it. */
static void entry_of(const struct sensor *s, struct mi32cfg_entry *e)
{
	const char *name = sensor_name_override(s);
	const uint8_t *key = sensor_key(s);

	memset(e, 0, sizeof(*e));
	memcpy(e->mac, sensor_mac(s), 6);
	e->pid = sensor_pid(s);
	if (key) {
		memcpy(e->key, key, 16);
		e->has_key = true;
	}
	if (name) {
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->has_name = true;
	}
	/* Tasmota keeps learned features only where the PID cannot give them back: a named
	 * sensor (its entities were chosen by a person) and BTHome (one PID for every device) */
	if (name || e->pid == PID_BTHOME) {
		e->feat = sensor_feat(s);
		e->has_feat = true;
	}
}

int mi32cfg_from_store(const struct store *st, const struct mi32cfg *order,
		       struct mi32cfg **out)
{
	struct mi32cfg *cfg = mi32cfg_new();
	size_t n = order ? mi32cfg_count(order) : store_sensor_count(st);

	*out = NULL;
	if (!cfg)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int slot = order ? store_find(st, mi32cfg_get(order, i)->mac) : (int)i;
		struct mi32cfg_entry e;

		if (slot < 0)
			continue;
		entry_of(store_sensor(st, (unsigned int)slot), &e);
		if (mi32cfg_put(cfg, &e) < 0) {
			mi32cfg_free(cfg);
			return -ENOMEM;
		}
	}
	*out = cfg;
	return 0;
}

static int apply_entry(struct store *st, const struct mi32cfg_entry *e)
{
	unsigned int slot;
	const struct sensor *s;
	int r = store_add_sensor(st, e->mac, e->pid, &slot);

	if (r < 0 && r != -EEXIST)
		return r;
	s = store_sensor(st, slot);
	if (e->has_key)
		r = store_set_key(st, slot, e->key);
	else if (sensor_key(s))
		r = store_clear_key(st, slot);
	else
		r = 0;
	if (r == 0 && (e->has_name || sensor_name_override(s)))
		r = store_set_name(st, slot, e->has_name ? e->name : NULL);
	if (r == 0 && e->has_feat)
		r = store_set_feat(st, slot, e->feat);
	return r;
}

int mi32cfg_apply(struct store *st, const struct mi32cfg *cfg)
{
	size_t n = mi32cfg_count(cfg);

	for (size_t i = 0; i < n; i++) {
		int r = apply_entry(st, mi32cfg_get(cfg, i));

		if (r < 0)
			return r;
	}
	return (int)n;
}

bool mi32cfg_has_generic(const struct mi32cfg *cfg)
{
	for (size_t i = 0; i < mi32cfg_count(cfg); i++)
		if (mi32cfg_get(cfg, i)->pid == PID_GENERIC)
			return true;
	return false;
}
