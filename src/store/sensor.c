/* SPDX-License-Identifier: MIT */
/* sensor.c — one sensor record: defaults at creation (SPEC §1.3), naming (§1.4) and the
 * read accessors of sensor.h. Changing a sensor is store.c's job. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

void store__sensor_init(struct sensor *se, unsigned int slot, const uint8_t mac[6],
			uint16_t pid)
{
	memset(se, 0, sizeof(*se));
	se->slot = slot;
	memcpy(se->mac, mac, 6);
	se->pid = pid;
	se->dev = pid ? registry_find(pid) : NULL;
	se->feat = se->dev ? se->dev->feat : 0;
	se->btn_num = -1;
	for (unsigned int t = 0; t < READING__MAX; t++)
		se->val[t].v = NAN;
}

bool store__pending(const struct sensor *se)
{
	for (unsigned int i = 0; i < STORE_TYPE_WORDS; i++)
		if (se->pend[i])
			return true;
	if (se->pend_flags || se->pend_trigger)
		return true;
	for (unsigned int i = 0; i < se->n_extra; i++)
		if (se->extra[i].pending)
			return true;
	return false;
}

unsigned int sensor_slot(const struct sensor *s)
{
	return s->slot;
}

const uint8_t *sensor_mac(const struct sensor *s)
{
	return s->mac;
}

uint16_t sensor_pid(const struct sensor *s)
{
	return s->pid;
}

const struct device_info *sensor_device(const struct sensor *s)
{
	return s->dev;
}

uint32_t sensor_feat(const struct sensor *s)
{
	return s->feat;
}

uint32_t sensor_status(const struct sensor *s)
{
	return s->status;
}

int8_t sensor_rssi(const struct sensor *s)
{
	return s->rssi;
}

uint64_t sensor_last_us(const struct sensor *s)
{
	return s->last_us;
}

const uint8_t *sensor_key(const struct sensor *s)
{
	return s->has_key ? s->key.raw : NULL;
}

const char *sensor_name_override(const struct sensor *s)
{
	return s->name[0] ? s->name : NULL;
}

const char *sensor_firmware(const struct sensor *s)
{
	return s->firmware[0] ? s->firmware : NULL;
}

static size_t fit(int n, size_t size)
{
	if (n < 0 || size == 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

size_t sensor_name(const struct sensor *s, char *buf, size_t size)
{
	if (s->name[0])
		return fit(snprintf(buf, size, "%s", s->name), size);
	if (s->dev)
		return fit(snprintf(buf, size, "%s", s->dev->type), size);
	if (s->pid == PID_GENERIC)
		return fit(snprintf(buf, size, "BLE_%02u", s->slot), size);
	return fit(snprintf(buf, size, "MI_%04X", s->pid), size);
}

size_t sensor_json_key(const struct sensor *s, char *buf, size_t size)
{
	size_t n = sensor_name(s, buf, size);

	if (s->name[0] || size == 0)
		return n;
	return n + fit(snprintf(buf + n, size - n, "-%02x%02x%02x", s->mac[3], s->mac[4],
				s->mac[5]), size - n);
}

bool sensor_value(const struct sensor *s, unsigned int type, double *v, unsigned int *decimals)
{
	if (type >= READING__MAX || !s->val[type].known)
		return false;
	if (v)
		*v = s->val[type].v;
	if (decimals)
		*decimals = s->val[type].dec;
	return true;
}

size_t sensor_values(const struct sensor *s, struct reading *out, size_t max)
{
	size_t n = 0;

	for (unsigned int t = 1; t < READING__MAX; t++) {
		if (s->val[t].known) {
			if (n < max) {
				out[n].type = (uint16_t)t;
				out[n].index = 0;
				out[n].decimals = s->val[t].dec;
				out[n].value = s->val[t].v;
			}
			n++;
		}
		for (unsigned int i = 0; i < s->n_extra; i++) {
			const struct store__extra *x = &s->extra[i];

			if (x->type != t)
				continue;
			if (n < max) {
				out[n].type = x->type;
				out[n].index = x->index;
				out[n].decimals = x->dec;
				out[n].value = x->v;
			}
			n++;
		}
	}
	return n;
}

double sensor_magnus_dew_point(double t, double h)
{
	double g;

	if (!isfinite(t) || !isfinite(h) || h <= 0)
		return NAN;
	g = log(h / 100.0) + 17.62 * t / (243.5 + t);
	return 243.5 * g / (17.62 - g);
}

double sensor_dew_point(const struct sensor *s)
{
	if (!s->val[READING_TEMPERATURE].known || !s->val[READING_HUMIDITY].known)
		return NAN;
	return sensor_magnus_dew_point(s->val[READING_TEMPERATURE].v,
				       s->val[READING_HUMIDITY].v);
}

unsigned int sensor_events(const struct sensor *s)
{
	return s->events;
}

uint32_t sensor_nmt(const struct sensor *s)
{
	return s->nmt;
}

int sensor_door(const struct sensor *s)
{
	return s->val[READING_DOOR].known ? (int)s->val[READING_DOOR].v : -1;
}

int sensor_leak(const struct sensor *s)
{
	return s->val[READING_LEAK].known ? (int)s->val[READING_LEAK].v : -1;
}

bool sensor_button(const struct sensor *s, unsigned int *num, unsigned int *kind)
{
	if (s->btn_num < 0)
		return false;
	if (num)
		*num = (unsigned int)s->btn_num;
	if (kind)
		*kind = s->btn_kind;
	return true;
}

const uint8_t *sensor_payload(const struct sensor *s, size_t *len)
{
	if (len)
		*len = s->payload_len;
	return (s->feat & MI_FEAT_PAYLOAD) && s->payload_len ? s->payload : NULL;
}

const uint8_t *sensor_history(const struct sensor *s, enum sensor_hist kind)
{
	if ((unsigned int)kind >= SENSOR_HIST_KINDS)
		return NULL;
	return s->hist[kind];
}

uint32_t sensor_heard(const struct sensor *s)
{
	return s->heard;
}
