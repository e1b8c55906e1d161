/* SPDX-License-Identifier: MIT */
/* mi32cfg.c — Tasmota's mi32cfg sensor list (SPEC §7) in memory: parse and format. Parsing
 * walks the top-level array itself and hands each element to cJSON alone (memory follows one
 * element, time stays linear), with strict field checks (a typo in a key is an error, not a
 * different key); writing is the fixed-buffer JSON writer into a buffer sized from the entry
 * count. The file itself (size and type checks, atomic replace) is mi32cfg_file.c.
 * Not here: what the entries mean to the store (auto-add, MI32Option5), which is the caller's. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "decode/registry.h"
#include "util/errbuf.h"
#include "util/jw.h"
#include "util/hex.h"
#include "util/name.h"
#include "store/mi32cfg.h"
#include "store/mi32cfg_int.h"

struct mi32cfg {
	struct mi32cfg_entry *v;
	size_t n;
	size_t cap;
	/* MAC -> entry index, open addressing, -1 = free; rebuilt when stale or too full.
	 * Without it a 10,000-entry file took quadratic time to load. NULL = scan linearly
	 * (allocation failed: slower, never wrong). */
	int32_t *idx;
	size_t idx_cap;    /* a power of two, at least twice n when valid */
	bool idx_valid;
};

/* Tasmota wrote one element in well under this: 8+12+9+4+9+32+2 for MAC/PID/key, 10+63*6+1
 * for the worst escaped name, 8+10+1 for feat, braces and comma. */
#define ENTRY_JSON_MAX 512

/* every reason fits the caller's buffer of MI32CFG_ERR_LEN bytes */
#define seterr(err, ...) errbuf_set((err), MI32CFG_ERR_LEN, __VA_ARGS__)

struct mi32cfg *mi32cfg_new(void)
{
	struct mi32cfg *cfg = malloc(sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->v = NULL;
	cfg->n = 0;
	cfg->cap = 0;
	cfg->idx = NULL;
	cfg->idx_cap = 0;
	cfg->idx_valid = false;
	return cfg;
}

void mi32cfg_free(struct mi32cfg *cfg)
{
	if (!cfg)
		return;
	free(cfg->v);
	free(cfg->idx);
	free(cfg);
}

size_t mi32cfg_count(const struct mi32cfg *cfg)
{
	return cfg->n;
}

const struct mi32cfg_entry *mi32cfg_get(const struct mi32cfg *cfg, size_t i)
{
	return i < cfg->n ? &cfg->v[i] : NULL;
}

static size_t mac_hash(const uint8_t mac[6])
{
	uint64_t h = 0;

	for (int i = 0; i < 6; i++)
		h = h << 8 | mac[i];
	h *= 0x9E3779B97F4A7C15ull; /* Fibonacci hashing: vendor prefixes repeat */
	return (size_t)(h >> 32);
}

static void idx_insert(struct mi32cfg *cfg, size_t i)
{
	size_t mask = cfg->idx_cap - 1, h = mac_hash(cfg->v[i].mac) & mask;

	while (cfg->idx[h] >= 0)
		h = (h + 1) & mask;
	cfg->idx[h] = (int32_t)i;
}

/* Make the index cover every entry; false (and no index) when memory is short. */
static bool idx_ready(struct mi32cfg *cfg)
{
	size_t cap = 64;

	if (cfg->idx_valid && cfg->n * 2 <= cfg->idx_cap)
		return true;
	while (cap < cfg->n * 2)
		cap *= 2;
	if (cap != cfg->idx_cap) {
		int32_t *idx = malloc(cap * sizeof(*idx));

		if (!idx) {
			free(cfg->idx);
			cfg->idx = NULL;
			cfg->idx_cap = 0;
			cfg->idx_valid = false;
			return false;
		}
		free(cfg->idx);
		cfg->idx = idx;
		cfg->idx_cap = cap;
	}
	memset(cfg->idx, 0xFF, cap * sizeof(*cfg->idx));
	for (size_t i = 0; i < cfg->n; i++)
		idx_insert(cfg, i);
	cfg->idx_valid = true;
	return true;
}

int mi32cfg_find(const struct mi32cfg *cfg, const uint8_t mac[6])
{
	/* the index is a cache: finding does not change the list */
	struct mi32cfg *c = (struct mi32cfg *)cfg;

	if (cfg->n >= 8 && idx_ready(c)) {
		size_t mask = c->idx_cap - 1;

		for (size_t h = mac_hash(mac) & mask; c->idx[h] >= 0; h = (h + 1) & mask)
			if (memcmp(c->v[c->idx[h]].mac, mac, 6) == 0)
				return c->idx[h];
		return -ENOENT;
	}
	for (size_t i = 0; i < cfg->n; i++)
		if (memcmp(cfg->v[i].mac, mac, 6) == 0)
			return (int)i;
	return -ENOENT;
}

/* Append a zeroed entry; returns its index or -ENOMEM. */
static int grow(struct mi32cfg *cfg)
{
	if (cfg->n == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 16;
		struct mi32cfg_entry *v;

		if (cap > (size_t)INT32_MAX / 2)
			return -ENOMEM;
		v = realloc(cfg->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		cfg->v = v;
		cfg->cap = cap;
	}
	memset(&cfg->v[cfg->n], 0, sizeof(cfg->v[0]));
	return (int)cfg->n++;
}

/* Set the MAC of a new entry from grow(), keeping the index in step. */
static void set_mac(struct mi32cfg *cfg, size_t i, const uint8_t mac[6])
{
	memcpy(cfg->v[i].mac, mac, 6);
	if (cfg->idx_valid && cfg->n * 2 <= cfg->idx_cap)
		idx_insert(cfg, i);
	else
		cfg->idx_valid = false;
}

int mi32cfg_put(struct mi32cfg *cfg, const struct mi32cfg_entry *e)
{
	int i;

	if (!memchr(e->name, '\0', sizeof(e->name)))
		return -EINVAL;
	i = mi32cfg_find(cfg, e->mac);
	if (i >= 0) {
		cfg->v[i] = *e;
		return i;
	}
	i = grow(cfg);
	if (i < 0)
		return i;
	cfg->v[i] = *e;
	set_mac(cfg, (size_t)i, e->mac);
	return i;
}

int mi32cfg_remove(struct mi32cfg *cfg, const uint8_t mac[6])
{
	int i = mi32cfg_find(cfg, mac);

	if (i < 0)
		return i;
	memmove(&cfg->v[i], &cfg->v[i + 1], (cfg->n - (size_t)i - 1) * sizeof(cfg->v[0]));
	cfg->n--;
	cfg->idx_valid = false; /* the indexes after it moved */
	return 0;
}

/* ---- parsing ---- */

/* Exactly 2*@n hex digits into @out. Returns 0, or the 1-based position of the first bad
 * character. The length was checked by the caller. */
static size_t hex_exact(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);

		if (hi < 0)
			return 2 * i + 1;
		if (lo < 0)
			return 2 * i + 2;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* "A4C138A1B2C3" or "A4:C1:38:A1:B2:C3". Returns 0 or -EBADMSG with the reason in @why. */
static int parse_mac(const char *s, uint8_t mac[6], char *why, size_t whylen)
{
	size_t len = strlen(s);
	char digits[13];
	size_t bad;

	if (len == 17) {
		for (size_t i = 0; i < 6; i++) {
			if (i < 5 && s[3 * i + 2] != ':') {
				snprintf(why, whylen, "MAC \"%s\" must be 12 hex digits, with or "
					 "without colons between bytes", s);
				return -EBADMSG;
			}
			digits[2 * i] = s[3 * i];
			digits[2 * i + 1] = s[3 * i + 1];
		}
		digits[12] = '\0';
	} else if (len == 12) {
		memcpy(digits, s, 13);
	} else {
		snprintf(why, whylen, "MAC must be 12 hex digits, got %zu characters", len);
		return -EBADMSG;
	}
	bad = hex_exact(digits, mac, 6);
	if (bad) {
		snprintf(why, whylen, "MAC \"%s\" has a non-hex character", s);
		return -EBADMSG;
	}
	return 0;
}

static const char *type_name(const cJSON *j)
{
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsObject(j))
		return "an object";
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNull(j))
		return "null";
	return "something else";
}

struct element {
	bool has_mac, has_pid, has_key_field, has_name_field, has_feat_field;
	uint8_t mac[6];
	uint16_t pid;
	bool key_empty;
	uint8_t key[16];
	char name[MI32CFG_NAME_MAX + 1];
	uint32_t feat;
};

/* Check every field of one element before anything is applied. */
static int check_element(const cJSON *el, struct element *x, char *why, size_t whylen)
{
	const cJSON *mac = cJSON_GetObjectItem(el, "MAC");
	const cJSON *pid = cJSON_GetObjectItem(el, "PID");
	const cJSON *key = cJSON_GetObjectItem(el, "key");
	const cJSON *name = cJSON_GetObjectItem(el, "name");
	const cJSON *feat = cJSON_GetObjectItem(el, "feat");

	memset(x, 0, sizeof(*x));
	if (mac) {
		if (!cJSON_IsString(mac)) {
			snprintf(why, whylen, "MAC must be a string, got %s", type_name(mac));
			return -EBADMSG;
		}
		if (parse_mac(mac->valuestring, x->mac, why, whylen) < 0)
			return -EBADMSG;
		x->has_mac = true;
	}
	if (pid) {
		uint8_t b[2];
		size_t len;

		if (!cJSON_IsString(pid)) {
			snprintf(why, whylen, "PID must be a string of 4 hex digits, got %s",
				 type_name(pid));
			return -EBADMSG;
		}
		len = strlen(pid->valuestring);
		if (len != 4) {
			snprintf(why, whylen, "PID must be 4 hex digits, got %zu", len);
			return -EBADMSG;
		}
		if (hex_exact(pid->valuestring, b, 2)) {
			snprintf(why, whylen, "PID \"%s\" has a non-hex character", pid->valuestring);
			return -EBADMSG;
		}
		x->pid = (uint16_t)(b[0] << 8 | b[1]);
		x->has_pid = true;
	}
	if (x->has_mac && !x->has_pid) {
		snprintf(why, whylen, "MAC without PID");
		return -EBADMSG;
	}
	if (x->has_pid && !x->has_mac) {
		snprintf(why, whylen, "PID without MAC");
		return -EBADMSG;
	}
	if (key) {
		size_t len, bad;

		if (!cJSON_IsString(key)) {
			snprintf(why, whylen, "key must be a string, got %s", type_name(key));
			return -EBADMSG;
		}
		len = strlen(key->valuestring);
		if (len != 0 && len != 32) {
			snprintf(why, whylen, "key must be 32 hex digits (or \"\"), got %zu", len);
			return -EBADMSG;
		}
		x->key_empty = len == 0;
		bad = len ? hex_exact(key->valuestring, x->key, 16) : 0;
		if (bad) {
			snprintf(why, whylen, "key has a non-hex character at position %zu", bad);
			return -EBADMSG;
		}
		x->has_key_field = true;
	}
	if (name) {
		char nwhy[NAME_WHY_LEN];
		size_t len;

		if (!cJSON_IsString(name)) {
			snprintf(why, whylen, "name must be a string, got %s", type_name(name));
			return -EBADMSG;
		}
		len = strlen(name->valuestring);
		if (len > MI32CFG_NAME_MAX) {
			snprintf(why, whylen, "name is %zu bytes long, at most %d allowed", len,
				 MI32CFG_NAME_MAX);
			return -EBADMSG;
		}
		if (name_check(name->valuestring, len, nwhy) < 0) {
			snprintf(why, whylen, "name: %s", nwhy);
			return -EBADMSG;
		}
		memcpy(x->name, name->valuestring, len + 1);
		x->has_name_field = true;
	}
	if (feat) {
		double d = feat->valuedouble;

		if (!cJSON_IsNumber(feat)) {
			snprintf(why, whylen, "feat must be a number, got %s", type_name(feat));
			return -EBADMSG;
		}
		if (!isfinite(d) || d < 0 || d > 4294967295.0 || d != floor(d)) {
			snprintf(why, whylen, "feat must be an integer from 0 to 4294967295, got %g",
				 d);
			return -EBADMSG;
		}
		x->feat = (uint32_t)d;
		x->has_feat_field = true;
	}
	if (!x->has_mac && !x->has_key_field && !x->has_name_field && !x->has_feat_field) {
		snprintf(why, whylen, "no MAC, PID, key, name or feat");
		return -EBADMSG;
	}
	return 0;
}

/* Apply a checked element. @last is the entry the previous element made or touched; an
 * element without MAC/PID modifies it (Tasmota's quirk, SPEC §13.3 #14). */
static int apply_element(struct mi32cfg *cfg, const struct element *x, int *last,
			 size_t *first_el, size_t idx, char *why, size_t whylen)
{
	struct mi32cfg_entry *e;
	int i;

	if (x->has_mac) {
		/* Tasmota merged a repeated MAC into the first; a hand-edited file with two
		 * entries for one sensor then lost one silently */
		i = mi32cfg_find(cfg, x->mac);
		if (i >= 0) {
			snprintf(why, whylen, "the same MAC as element %zu: give each sensor once",
				 first_el[i]);
			return -EBADMSG;
		}
		i = grow(cfg);
		if (i < 0)
			return i;
		set_mac(cfg, (size_t)i, x->mac);
		first_el[i] = idx;
		cfg->v[i].pid = x->pid;
	} else {
		if (*last < 0) {
			snprintf(why, whylen, "no MAC/PID, and no device before it to apply "
				 "key/name/feat to");
			return -EBADMSG;
		}
		i = *last;
	}
	e = &cfg->v[i];
	if (x->has_key_field && !x->key_empty) {
		memcpy(e->key, x->key, 16);
		e->has_key = true;
	}
	if (x->has_name_field) {
		memcpy(e->name, x->name, sizeof(e->name));
		e->has_name = x->name[0] != '\0';
	}
	if (x->has_feat_field) {
		e->feat = x->feat;
		e->has_feat = true;
	}
	*last = i;
	return 0;
}

static void line_col(const char *text, size_t off, unsigned int *line, unsigned int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The end of the JSON value starting at @t[@i] (not white space): the offset just past it,
 * or @len + 1 when the text ends inside a string, object or array. Only the nesting is followed (strings with their
 * escapes, so a "]" in a name is no end); cJSON checks the value itself. A "\u0000" escape,
 * which would cut the decoded string short, is reported in *@nul_at (else left alone). */
static size_t value_end(const char *t, size_t i, size_t len, size_t *nul_at)
{
	unsigned int depth = 0;
	bool str = false;

	for (; i < len; i++) {
		char c = t[i];

		if (str) {
			if (c == '\\') {
				if (len - i >= 6 && t[i + 1] == 'u' && !memcmp(t + i + 2, "0000", 4))
					*nul_at = i;
				i++;
			} else if (c == '"') {
				str = false;
				if (depth == 0)
					return i + 1;
			}
			continue;
		}
		if (c == '"') {
			str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (depth == 0 && (c == ',' || is_ws(c))) {
			return i;
		}
	}
	return str || depth ? len + 1 : len;
}

static int syntax_error(const char *text, size_t len, size_t off, char *err)
{
	unsigned int line, col;

	line_col(text, off, &line, &col);
	if (off >= len)
		seterr(err, "line %u, column %u: JSON syntax error: unexpected end of text", line,
		       col);
	else
		seterr(err, "line %u, column %u: JSON syntax error", line, col);
	return -EBADMSG;
}

/* The whole text is one JSON value, but not an array: say what it is (or where its syntax
 * breaks). */
static int not_an_array(const char *buf, size_t len, size_t i, char *err)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(buf + i, len - i, &end, 0);
	size_t off;

	if (!root) {
		off = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : len;
		return syntax_error(buf, len, off, err);
	}
	off = (size_t)(end - buf);
	while (off < len && is_ws(buf[off]))
		off++;
	if (off < len)
		syntax_error(buf, len, off, err);
	else
		seterr(err, "the file must hold a JSON array of objects, not %s",
		       type_name(root));
	cJSON_Delete(root);
	return -EBADMSG;
}

/* One element: its own little cJSON tree, checked and applied, then freed. */
static int parse_element(struct mi32cfg *cfg, const char *buf, size_t len, size_t start,
			 size_t end, size_t nul_at, size_t idx, size_t *first_el, int *last,
			 char *err)
{
	const char *pend = NULL;
	struct element x;
	char why[200];
	cJSON *el;
	int r;

	el = cJSON_ParseWithLengthOpts(buf + start, end - start, &pend, 0);
	if (!el || pend != buf + end) {
		size_t off = pend && pend >= buf && pend <= buf + len ? (size_t)(pend - buf) : end;

		cJSON_Delete(el);
		return syntax_error(buf, len, off, err);
	}
	if (!cJSON_IsObject(el)) {
		seterr(err, "element %zu: must be an object, got %s", idx, type_name(el));
		cJSON_Delete(el);
		return -EBADMSG;
	}
	if (nul_at != SIZE_MAX) {
		unsigned int line, col;

		line_col(buf, nul_at, &line, &col);
		seterr(err, "element %zu: \\u0000 (NUL) at line %u, column %u would cut a text "
		       "short; remove it", idx, line, col);
		cJSON_Delete(el);
		return -EBADMSG;
	}
	why[0] = '\0';
	r = check_element(el, &x, why, sizeof(why));
	cJSON_Delete(el);
	if (r == 0)
		r = apply_element(cfg, &x, last, first_el, idx, why, sizeof(why));
	if (r == -ENOMEM) {
		seterr(err, "out of memory");
		return r;
	}
	if (r < 0) {
		if (x.has_mac)
			seterr(err, "element %zu (%02X%02X%02X%02X%02X%02X): %s", idx, x.mac[0],
			       x.mac[1], x.mac[2], x.mac[3], x.mac[4], x.mac[5], why);
		else
			seterr(err, "element %zu: %s", idx, why);
	}
	return r;
}

/* The top level is walked here and each element parsed on its own, so memory follows the
 * largest element, not the file (a whole-file cJSON tree took ~10 bytes per byte of text),
 * and time stays linear. @buf is NUL-terminated at @len. */
static int parse_array(struct mi32cfg *cfg, const char *buf, size_t len, char *err)
{
	size_t i = 0, idx = 0, fcap = 0, nul_at;
	size_t *first_el = NULL; /* element number that created each entry, for duplicates */
	int last = -1, r = 0;

	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < len && is_ws(buf[i]))
		i++;
	if (i == len)
		return syntax_error(buf, len, len, err);
	if (buf[i] != '[')
		return not_an_array(buf, len, i, err);
	i++;
	while (i < len && is_ws(buf[i]))
		i++;
	if (i < len && buf[i] == ']') {
		i++;
	} else {
		for (;;) {
			size_t start = i, end;

			if (i == len) {
				r = syntax_error(buf, len, len, err);
				break;
			}
			nul_at = SIZE_MAX;
			end = value_end(buf, start, len, &nul_at);
			if (end > len) {
				r = syntax_error(buf, len, len, err);
				break;
			}
			if (fcap < cfg->n + 1) { /* an element adds at most one entry */
				size_t *f = realloc(first_el, (fcap ? fcap * 2 : 16) * sizeof(*f));

				if (!f) {
					seterr(err, "out of memory");
					r = -ENOMEM;
					break;
				}
				first_el = f;
				fcap = fcap ? fcap * 2 : 16;
			}
			r = parse_element(cfg, buf, len, start, end, nul_at, ++idx, first_el, &last,
					  err);
			if (r < 0)
				break;
			i = end;
			while (i < len && is_ws(buf[i]))
				i++;
			if (i < len && buf[i] == ',') {
				i++;
				while (i < len && is_ws(buf[i]))
					i++;
				continue;
			}
			if (i < len && buf[i] == ']') {
				i++;
				break;
			}
			r = syntax_error(buf, len, i, err);
			break;
		}
	}
	free(first_el);
	if (r < 0)
		return r;
	while (i < len && is_ws(buf[i]))
		i++;
	return i < len ? syntax_error(buf, len, i, err) : 0;
}

int mi32cfg_parse(const char *text, size_t len, struct mi32cfg **out,
		  char err[MI32CFG_ERR_LEN])
{
	struct mi32cfg *cfg;
	const char *nul;
	char *buf;
	size_t ws = 0;
	int r;

	*out = NULL;
	cfg = mi32cfg_new();
	if (!cfg) {
		seterr(err, "out of memory");
		return -ENOMEM;
	}
	/* An empty file is an empty list, so `touch mi32cfg` works. */
	while (ws < len && is_ws(text[ws]))
		ws++;
	if (ws == len) {
		*out = cfg;
		return 0;
	}
	nul = memchr(text, '\0', len);
	if (nul) {
		unsigned int line, col;

		line_col(text, (size_t)(nul - text), &line, &col);
		seterr(err, "line %u, column %u: NUL byte in the file", line, col);
		mi32cfg_free(cfg);
		return -EBADMSG;
	}
	/* cJSON is handed slices of a NUL-terminated copy: nothing past @len is ever read */
	buf = malloc(len + 1);
	if (!buf) {
		mi32cfg_free(cfg);
		seterr(err, "out of memory");
		return -ENOMEM;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	r = parse_array(cfg, buf, len, err);
	free(buf);
	if (r < 0) {
		mi32cfg_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

/* ---- writing ---- */

int mi32cfg_format(const struct mi32cfg *cfg, char **out, size_t *len)
{
	struct jw w;
	size_t size;
	char *buf;
	int n;

	*out = NULL;
	if (cfg->n > (SIZE_MAX - 3) / ENTRY_JSON_MAX)
		return -ENOMEM;
	size = cfg->n * ENTRY_JSON_MAX + 3;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	jw_init(&w, buf, size);
	jw_arr_begin(&w);
	for (size_t i = 0; i < cfg->n; i++) {
		const struct mi32cfg_entry *e = &cfg->v[i];
		uint8_t pid[2] = { (uint8_t)(e->pid >> 8), (uint8_t)e->pid };
		bool named = e->has_name && e->name[0]; /* "" would read back as no name */

		jw_obj_begin(&w);
		jw_key(&w, "MAC");
		jw_hex(&w, e->mac, 6, true);
		jw_key(&w, "PID");
		jw_hex(&w, pid, 2, false);
		jw_key(&w, "key");
		if (e->has_key)
			jw_hex(&w, e->key, 16, true);
		else
			jw_str(&w, "");
		if (named) {
			jw_key(&w, "name");
			jw_strn(&w, e->name, strnlen(e->name, MI32CFG_NAME_MAX));
		}
		/* Tasmota persists learned features only for named records and BTHome ones. */
		if (named || e->pid == PID_BTHOME) {
			jw_key(&w, "feat");
			jw_uint(&w, e->has_feat ? e->feat : 0);
		}
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	n = jw_finish(&w);
	if (n < 0) { /* cannot happen: ENTRY_JSON_MAX bounds every element */
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	if (len)
		*len = (size_t)n;
	return 0;
}

int mi32cfg__element(const cJSON *el, struct mi32cfg_entry *e, char *why, size_t whylen)
{
	struct mi32cfg *one;
	struct element x;
	size_t first_el[1];
	int last = -1, r;

	if (!cJSON_IsObject(el)) {
		snprintf(why, whylen, "must be an object, got %s", type_name(el));
		return -EBADMSG;
	}
	r = check_element(el, &x, why, whylen);
	if (r < 0)
		return r;
	if (!x.has_mac)
		return 1;
	one = mi32cfg_new();
	if (!one)
		return -ENOMEM;
	r = apply_element(one, &x, &last, first_el, 1, why, whylen);
	if (r == 0)
		*e = one->v[0];
	mi32cfg_free(one);
	return r;
}
