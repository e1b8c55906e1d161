/* SPDX-License-Identifier: MIT */
/* decode_line.c — the `mi32 decode` filter. Input is either plain hex (raw AD bytes, or a
 * whole HCI event starting 04 3E) or a JSON object with the fields of shared/vectors; the
 * output is one JSON object per line, in input order, so that any collection of
 * advertisements can be checked from the shell. Cold path: cJSON is fine here. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "decode/decode.h"
#include "decode/mibeacon.h"
#include "decode/registry.h"
#include "source/hci_event.h"
#include "util/hex.h"
#include "util/jw.h"
#include "app/decode_line.h"

struct input {
	struct adv adv;
	bool has_key;
	struct aes_key key;
};

static size_t write_error(char *out, size_t size, const char *error, const char *msg)
{
	struct jw w;
	int n;

	jw_init(&w, out, size);
	jw_obj_begin(&w);
	jw_key(&w, "ok");
	jw_bool(&w, false);
	jw_key(&w, "error");
	jw_str(&w, error);
	jw_key(&w, "message");
	jw_str(&w, msg);
	jw_obj_end(&w);
	n = jw_finish(&w);
	return n < 0 ? 0 : (size_t)n;
}

/* Fill @adv from an HCI event given as bytes (with or without the H4 type byte). */
static int adv_from_hci(const uint8_t *b, size_t n, struct adv *adv, const char **why)
{
	struct adv reports[4];
	int r;

	if (n && b[0] == HCI_H4_EVENT) {
		b++;
		n--;
	}
	r = hci_event_adv_reports(b, n, 0, reports, 4);
	if (r == -ENOMSG) {
		*why = "the HCI event is not an LE advertising report";
		return -EBADMSG;
	}
	if (r <= 0) {
		*why = "the HCI advertising report's lengths do not add up";
		return -EBADMSG;
	}
	*adv = reports[0];
	return 0;
}

/* The key field: 32 hex digits (bind key, BTHome/pvvx key, IRK) or 24 (YLKG beaconkey). */
static int set_key(struct input *in, const char *hex, const char **why)
{
	uint8_t raw[16], k16[16];
	int n = hex_decode(hex, raw, sizeof(raw));

	if (n == 12) {
		mibeacon_expand_beaconkey(raw, k16);
	} else if (n == 16) {
		memcpy(k16, raw, 16);
	} else {
		*why = "the key must be 32 hex digits (or 24 for a YLKG beaconkey)";
		return -EINVAL;
	}
	if (aes_key_set(&in->key, k16) < 0) {
		*why = "the key could not be prepared";
		return -EIO;
	}
	in->has_key = true;
	return 0;
}

static int parse_json(const char *line, struct input *in, const char **why)
{
	cJSON *root = cJSON_Parse(line);
	const cJSON *j;
	int err = -EBADMSG;
	uint8_t buf[ADV_DATA_MAX + 8];
	int n;

	if (!root || !cJSON_IsObject(root)) {
		*why = "the line is neither hex nor a JSON object";
		goto out;
	}
	j = cJSON_GetObjectItemCaseSensitive(root, "mac");
	if (cJSON_IsString(j) && hex_decode(j->valuestring, in->adv.addr, 6) != 6) {
		*why = "mac must be 6 bytes, as AA:BB:CC:DD:EE:FF or AABBCCDDEEFF";
		goto out;
	}
	j = cJSON_GetObjectItemCaseSensitive(root, "addr_type");
	if (cJSON_IsNumber(j))
		in->adv.addr_type = (uint8_t)j->valueint;
	else if (cJSON_IsString(j))
		in->adv.addr_type = strcmp(j->valuestring, "random") == 0 ? 1 : 0;
	j = cJSON_GetObjectItemCaseSensitive(root, "rssi");
	if (cJSON_IsNumber(j))
		in->adv.rssi = (int8_t)j->valueint;

	if ((j = cJSON_GetObjectItemCaseSensitive(root, "hci_event")) && cJSON_IsString(j)) {
		uint8_t ev[300];

		n = hex_decode(j->valuestring, ev, sizeof(ev));
		if (n < 0) {
			*why = "hci_event is not valid hex";
			goto out;
		}
		if (adv_from_hci(ev, (size_t)n, &in->adv, why) < 0)
			goto out;
	} else if ((j = cJSON_GetObjectItemCaseSensitive(root, "raw_adv")) &&
		   cJSON_IsString(j)) {
		n = hex_decode(j->valuestring, in->adv.data, ADV_DATA_MAX);
		if (n < 0) {
			*why = "raw_adv is not valid hex (or longer than 255 bytes)";
			goto out;
		}
		in->adv.len = (uint8_t)n;
	} else {
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(root, "service_uuid");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "service_data");
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(root, "name");
		uint8_t ub[2];
		size_t pos = 0;

		if (!cJSON_IsString(u) || !cJSON_IsString(d)) {
			*why = "give raw_adv, hci_event, or service_uuid with service_data";
			goto out;
		}
		if (hex_decode(u->valuestring, ub, 2) != 2) {
			*why = "service_uuid must be 4 hex digits";
			goto out;
		}
		n = hex_decode(d->valuestring, buf, ADV_DATA_MAX - 4);
		if (n < 0) {
			*why = "service_data is not valid hex (or too long)";
			goto out;
		}
		in->adv.data[pos++] = (uint8_t)(n + 3);
		in->adv.data[pos++] = AD_TYPE_SVC_DATA16;
		in->adv.data[pos++] = ub[1]; /* written MSB first, sent LSB first */
		in->adv.data[pos++] = ub[0];
		memcpy(in->adv.data + pos, buf, (size_t)n);
		pos += (size_t)n;
		if (cJSON_IsString(nm)) {
			size_t l = strlen(nm->valuestring);

			if (l && pos + 2 + l <= ADV_DATA_MAX) {
				in->adv.data[pos++] = (uint8_t)(l + 1);
				in->adv.data[pos++] = AD_TYPE_NAME_COMPLETE;
				memcpy(in->adv.data + pos, nm->valuestring, l);
				pos += l;
			}
		}
		in->adv.len = (uint8_t)pos;
	}
	j = cJSON_GetObjectItemCaseSensitive(root, "bindkey");
	if (cJSON_IsString(j) && j->valuestring[0]) {
		err = set_key(in, j->valuestring, why);
		if (err)
			goto out;
	}
	err = 0;
out:
	cJSON_Delete(root);
	return err;
}

static int parse_hex(const char *line, struct input *in, const char **why)
{
	uint8_t b[300];
	int n = hex_decode(line, b, sizeof(b));

	if (n < 0) {
		*why = "the line is neither hex nor a JSON object";
		return -EBADMSG;
	}
	/* "04 3E" cannot start valid AD data (type 0x3E is unassigned): an HCI event */
	if (n >= 2 && b[0] == HCI_H4_EVENT && b[1] == HCI_EV_LE_META)
		return adv_from_hci(b, (size_t)n, &in->adv, why);
	if (n > ADV_DATA_MAX) {
		*why = "advertising data longer than 255 bytes";
		return -EBADMSG;
	}
	memcpy(in->adv.data, b, (size_t)n);
	in->adv.len = (uint8_t)n;
	return 0;
}

static const char *error_sentence(int err)
{
	switch (err) {
	case -EBADMSG:
		return "the advertisement is malformed (truncated or inconsistent lengths)";
	case -ENOKEY:
		return "the frame is encrypted and no key was given";
	case -EKEYREJECTED:
		return "the frame is encrypted and the key does not decrypt it";
	case -ENOTSUP:
		return "this format version or variant is not supported";
	case -ENOMSG:
		return "no sensor data in this advertisement";
	default:
		return "internal error";
	}
}

static void write_type(struct jw *w, const struct decoded *d)
{
	const struct device_info *di = registry_find(d->pid);
	char b[16];

	jw_key(w, "type");
	if (di) {
		jw_str(w, di->type);
	} else if (d->format == DECODE_FORMAT_MIBEACON) {
		snprintf(b, sizeof(b), "MI_%04X", d->pid);
		jw_str(w, b);
	} else {
		jw_str(w, decode_format_name(d->format));
	}
}

/* Keys: one per reading type. When a frame repeats a type (two probes of a BBQ thermometer,
 * two BTHome temperatures), every instance is numbered from 1, as bthome-ble does, and the
 * plain key carries the last one, as ble_monitor and any latest-value store (Tasmota's,
 * ours) end up with. Buttons always carry their own number. */
static void write_values(struct jw *w, const struct decoded *d)
{
	char key[40];

	jw_key(w, "values");
	jw_obj_begin(w);
	for (unsigned int i = 0; i < d->n; i++) {
		const struct reading *r = &d->r[i];
		const struct reading_info *ri = reading_info(r->type);
		unsigned int nth = 0, total = 0, last = i;

		if (ri->flags & READING_F_INDEXED) {
			reading_key(r, key, sizeof(key));
			jw_key(w, key);
			jw_double(w, r->value, r->decimals);
			continue;
		}
		for (unsigned int k = 0; k < d->n; k++) {
			if (d->r[k].type != r->type)
				continue;
			total++;
			if (k < i)
				nth++;
			last = k;
		}
		if (nth == 0) { /* the first instance writes the plain key */
			const struct reading *l = &d->r[last];

			jw_key(w, ri->key ? ri->key : "Unknown");
			jw_double(w, l->value, l->decimals);
		}
		if (total > 1) {
			snprintf(key, sizeof(key), "%s%u", ri->key ? ri->key : "Unknown", nth + 1);
			jw_key(w, key);
			jw_double(w, r->value, r->decimals);
		}
	}
	jw_obj_end(w);
}

size_t decode_line(const char *line, char *out, size_t size)
{
	struct input in;
	struct decoded d;
	struct ad_info ad;
	const char *why = NULL;
	struct jw w;
	int err, n;

	memset(&in, 0, sizeof(in));
	in.adv.rssi = ADV_RSSI_NONE;
	while (isspace((unsigned char)*line))
		line++;
	err = *line == '{' ? parse_json(line, &in, &why) : parse_hex(line, &in, &why);
	if (err) {
		aes_key_clear(&in.key);
		return write_error(out, size, err == -EINVAL ? "bad_input" : "malformed", why);
	}
	err = decode_adv(&in.adv, in.has_key ? &in.key : NULL, &d, &ad);
	aes_key_clear(&in.key);
	if (err < 0)
		return write_error(out, size, decode_error_name(err), error_sentence(err));

	jw_init(&w, out, size);
	jw_obj_begin(&w);
	jw_key(&w, "ok");
	jw_bool(&w, true);
	jw_key(&w, "mac");
	jw_hex(&w, d.has_mac && d.format != DECODE_FORMAT_MIBEACON ? d.mac : in.adv.addr, 6,
	       true);
	jw_key(&w, "format");
	jw_str(&w, decode_format_name(d.format));
	write_type(&w, &d);
	jw_key(&w, "pid");
	{
		char p[5];

		snprintf(p, sizeof(p), "%04x", d.pid);
		jw_str(&w, p);
	}
	if (d.version) {
		jw_key(&w, "version");
		jw_uint(&w, d.version);
	}
	if (d.has_counter) {
		jw_key(&w, "counter");
		jw_uint(&w, d.counter);
	}
	jw_key(&w, "encrypted");
	jw_bool(&w, d.encrypted);
	if (ad.name && ad.name_len) {
		jw_key(&w, "name");
		jw_strn(&w, (const char *)ad.name, ad.name_len);
	}
	if (in.adv.rssi != ADV_RSSI_NONE) {
		jw_key(&w, "rssi");
		jw_int(&w, in.adv.rssi);
	}
	if (d.flags & DECODED_F_UNBOUND) {
		jw_key(&w, "paired");
		jw_bool(&w, false);
	}
	write_values(&w, &d);
	jw_obj_end(&w);
	n = jw_finish(&w);
	if (n < 0)
		return write_error(out, size, "internal", "the result did not fit the buffer");
	return (size_t)n;
}

int decode_line_stream(FILE *in, FILE *out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	char res[DECODE_LINE_OUT_MAX];

	while ((len = getline(&line, &cap, in)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		decode_line(line, res, sizeof(res));
		fputs(res, out);
		fputc('\n', out);
	}
	free(line);
	fflush(out);
	return 0;
}

int decode_line_main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("usage: mi32 decode < lines\n"
		     "Each input line is hex advertising data, a hex HCI event (04 3E ...), or a\n"
		     "JSON object with mac, rssi, addr_type, raw_adv | hci_event |\n"
		     "service_uuid+service_data, and bindkey. One JSON result per line.");
		return 0;
	}
	return decode_line_stream(stdin, stdout);
}
