/* SPDX-License-Identifier: MIT */
/* mi32cfg.c — read and write Tasmota's mi32cfg sensor list (SPEC §7). Parsing is cJSON plus
 * strict field checks (a typo in a key is an error, not a different key); writing is the
 * fixed-buffer JSON writer into a buffer sized from the entry count, then an atomic replace.
 * Not here: what the entries mean to the store (auto-add, MI32Option5), which is the caller's. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "util/jw.h"
#include "util/hex.h"
#include "store/mi32cfg.h"

struct mi32cfg {
	struct mi32cfg_entry *v;
	size_t n;
	size_t cap;
};

/* Tasmota wrote one element in well under this: 8+12+9+4+9+32+2 for MAC/PID/key, 10+63*6+1
 * for the worst escaped name, 8+10+1 for feat, braces and comma. */
#define ENTRY_JSON_MAX 512

static void seterr(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void seterr(char *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err, MI32CFG_ERR_LEN, fmt, ap);
	va_end(ap);
}

struct mi32cfg *mi32cfg_new(void)
{
	struct mi32cfg *cfg = malloc(sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->v = NULL;
	cfg->n = 0;
	cfg->cap = 0;
	return cfg;
}

void mi32cfg_free(struct mi32cfg *cfg)
{
	if (!cfg)
		return;
	free(cfg->v);
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

int mi32cfg_find(const struct mi32cfg *cfg, const uint8_t mac[6])
{
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

int mi32cfg_put(struct mi32cfg *cfg, const struct mi32cfg_entry *e)
{
	int i;

	if (!memchr(e->name, '\0', sizeof(e->name)))
		return -EINVAL;
	i = mi32cfg_find(cfg, e->mac);
	if (i < 0)
		i = grow(cfg);
	if (i < 0)
		return i;
	cfg->v[i] = *e;
	return i;
}

int mi32cfg_remove(struct mi32cfg *cfg, const uint8_t mac[6])
{
	int i = mi32cfg_find(cfg, mac);

	if (i < 0)
		return i;
	memmove(&cfg->v[i], &cfg->v[i + 1], (cfg->n - (size_t)i - 1) * sizeof(cfg->v[0]));
	cfg->n--;
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
static int apply_element(struct mi32cfg *cfg, const struct element *x, int *last, char *why,
			 size_t whylen)
{
	struct mi32cfg_entry *e;
	int i;

	if (x->has_mac) {
		i = mi32cfg_find(cfg, x->mac);
		if (i < 0) {
			i = grow(cfg);
			if (i < 0)
				return i;
			memcpy(cfg->v[i].mac, x->mac, 6);
		}
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

int mi32cfg_parse(const char *text, size_t len, struct mi32cfg **out,
		  char err[MI32CFG_ERR_LEN])
{
	struct mi32cfg *cfg;
	const char *end = NULL;
	const char *nul;
	char *buf;
	cJSON *root;
	const cJSON *el;
	size_t idx = 0, ws = 0;
	int last = -1;
	int r = 0;

	*out = NULL;
	cfg = mi32cfg_new();
	if (!cfg) {
		seterr(err, "out of memory");
		return -ENOMEM;
	}
	/* An empty file is an empty list, so `touch mi32cfg` works. */
	while (ws < len && (text[ws] == ' ' || text[ws] == '\t' || text[ws] == '\r' ||
			    text[ws] == '\n'))
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
	/* cJSON wants the terminating NUL inside the length to refuse trailing garbage. */
	buf = malloc(len + 1);
	if (!buf) {
		mi32cfg_free(cfg);
		seterr(err, "out of memory");
		return -ENOMEM;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	root = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
	if (!root) {
		unsigned int line, col;
		size_t off = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : len;

		line_col(buf, off, &line, &col);
		if (off >= len)
			seterr(err, "line %u, column %u: JSON syntax error: unexpected end of "
			       "text", line, col);
		else
			seterr(err, "line %u, column %u: JSON syntax error", line, col);
		free(buf);
		mi32cfg_free(cfg);
		return -EBADMSG;
	}
	free(buf);
	if (!cJSON_IsArray(root)) {
		seterr(err, "the file must hold a JSON array of objects, not %s",
		       type_name(root));
		r = -EBADMSG;
		goto out;
	}
	cJSON_ArrayForEach(el, root) {
		struct element x;
		char why[200];

		idx++;
		why[0] = '\0';
		if (!cJSON_IsObject(el)) {
			seterr(err, "element %zu: must be an object, got %s", idx, type_name(el));
			r = -EBADMSG;
			goto out;
		}
		r = check_element(el, &x, why, sizeof(why));
		if (r == 0)
			r = apply_element(cfg, &x, &last, why, sizeof(why));
		if (r == -ENOMEM) {
			seterr(err, "out of memory");
			goto out;
		}
		if (r < 0) {
			if (x.has_mac)
				seterr(err, "element %zu (%02X%02X%02X%02X%02X%02X): %s", idx,
				       x.mac[0], x.mac[1], x.mac[2], x.mac[3], x.mac[4], x.mac[5],
				       why);
			else
				seterr(err, "element %zu: %s", idx, why);
			goto out;
		}
	}
out:
	cJSON_Delete(root);
	if (r < 0) {
		mi32cfg_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

static int read_all(int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	*out = NULL;
	*len = 0;
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *b;

			cap *= 2;
			b = realloc(buf, cap);
			if (!b) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

int mi32cfg_load(const char *path, struct mi32cfg **out, char err[MI32CFG_ERR_LEN])
{
	char why[MI32CFG_ERR_LEN];
	char *text;
	size_t len;
	int fd, r;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			seterr(err, "%s: no such file, starting with an empty sensor list", path);
		else
			seterr(err, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	r = read_all(fd, &text, &len);
	close(fd);
	if (r < 0) {
		seterr(err, "%s: cannot read: %s", path, strerror(-r));
		return r;
	}
	why[0] = '\0';
	r = mi32cfg_parse(text, len, out, why);
	free(text);
	if (r < 0)
		seterr(err, "%s: %s", path, why);
	return r;
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
		if (named || e->pid == MI32CFG_PID_BTHOME) {
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

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* fsync the directory holding @path so the rename itself is durable. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	size_t n;
	int fd, r = 0;

	if (!slash)
		n = 0; /* "." */
	else if (slash == path)
		n = 1; /* "/" */
	else
		n = (size_t)(slash - path);
	dir = malloc(n + 2);
	if (!dir)
		return -ENOMEM;
	if (n)
		memcpy(dir, path, n);
	else
		dir[n++] = '.';
	dir[n] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	/* Some file systems cannot sync a directory; that is no reason to fail a save. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		r = -errno;
	close(fd);
	return r;
}

int mi32cfg_save(const char *path, const struct mi32cfg *cfg, char err[MI32CFG_ERR_LEN])
{
	struct stat st;
	mode_t mode = 0600;
	size_t len, tmplen = strlen(path) + 32;
	char *text = NULL, *tmp;
	int fd, r;

	tmp = malloc(tmplen);
	if (!tmp || mi32cfg_format(cfg, &text, &len) < 0) {
		free(tmp);
		seterr(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid());
	/* Keys are secrets: a new file is 0600; an existing one keeps its mode. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		mode = st.st_mode & 07777;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0) /* left by a crash of this pid */
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		seterr(err, "%s: cannot create %s: %s", path, tmp, strerror(-r));
		goto out;
	}
	r = write_all(fd, text, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		seterr(err, "%s: cannot write %s: %s; the old file is unchanged", path, tmp,
		       strerror(-r));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		seterr(err, "%s: cannot replace it with %s: %s; the old file is unchanged", path,
		       tmp, strerror(-r));
		unlink(tmp);
		goto out;
	}
	r = sync_dir(path);
	if (r < 0)
		seterr(err, "%s: written, but syncing its directory failed: %s", path,
		       strerror(-r));
out:
	free(text);
	free(tmp);
	return r;
}
