/* SPDX-License-Identifier: MIT */
/* config.c — settings from the config file and the command line, parsed by the one table of
 * options in config_opts.c (name, kind, field, default, help), which also makes the --help
 * text and the man page. Not here: what the daemon does with the values. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app/config.h"

#include "app/config_opts.h"
#include "store/advfilter.h"
#include "util/errbuf.h"

/* every reason fits the caller's buffer of CONFIG_ERR_LEN bytes */
#define seterr(err, ...) errbuf_set((err), CONFIG_ERR_LEN, __VA_ARGS__)

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}


/* ---- values ---- */

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal digits only: no sign, no spaces, no hex. */
static int parse_uint(const char *v, unsigned long long max, unsigned long long *out)
{
	unsigned long long n = 0;

	if (!*v)
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long long)(*v - '0');
		if (n > max)
			return -ERANGE;
	}
	*out = n;
	return 0;
}

#define FIELD(c, o, type) ((type *)((char *)(c) + (o)->off))

static int set_str(struct config *c, const struct opt *o, const char *v, char *why, size_t wl)
{
	char **field = FIELD(c, o, char *);
	char *s = NULL;

	if (!*v && (o->flags & OPT_NOT_EMPTY)) {
		snprintf(why, wl, "must not be empty");
		return -EINVAL;
	}
	if (*v) {
		s = dup_str(v);
		if (!s)
			return -ENOMEM;
	}
	free(*field);
	*field = s;
	return 0;
}

static void list_clear(struct config_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int list_add(struct config_list *l, const char *v)
{
	char **nv;

	if (!*v) {
		list_clear(l);
		return 0;
	}
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	if (!(nv[l->n] = dup_str(v)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static int set_value(struct config *c, const struct opt *o, const char *v, char *why,
		     size_t wl)
{
	unsigned long long n;
	bool b;
	int r;

	switch (o->kind) {
	case OPT_KIND_HEADING:
		return -EINVAL;
	case OPT_KIND_STR:
		return set_str(c, o, v, why, wl);
	case OPT_KIND_TOPIC:
		if (strpbrk(v, "+#")) {
			snprintf(why, wl, "'%.64s' is not a valid topic: no '+' or '#' allowed", v);
			return -EINVAL;
		}
		return set_str(c, o, v, why, wl);
	case OPT_KIND_MACS:
		if ((r = config_each_mac(v, NULL, NULL)) < 0) {
			snprintf(why, wl, "'%.64s' is not a list of MACs (AA:BB:CC:DD:EE:FF or 12 "
				 "hex digits, separated by commas)", v);
			return r;
		}
		if (r > ADVFILTER_MAX) {
			snprintf(why, wl, "%d addresses: at most %d", r, ADVFILTER_MAX);
			return -EINVAL;
		}
		return set_str(c, o, v, why, wl);
	case OPT_KIND_LIST:
		return list_add(FIELD(c, o, struct config_list), v);
	case OPT_KIND_BOOL:
		if (parse_bool(v, &b) < 0) {
			snprintf(why, wl, "'%.64s' is not yes/no, true/false, on/off or 1/0", v);
			return -EINVAL;
		}
		*FIELD(c, o, bool) = b;
		return 0;
	case OPT_KIND_UINT:
		r = parse_uint(v, o->max, &n);
		if (r == -EINVAL) {
			snprintf(why, wl, "'%.64s' is not a number", v);
			return r;
		}
		if (r < 0 || (n < o->min && !(n == 0 && (o->flags & OPT_ZERO_OFF)))) {
			snprintf(why, wl, "%.64s is out of range: %s%u..%u", v,
				 o->flags & OPT_ZERO_OFF ? "0 or " : "", o->min, o->max);
			return -EINVAL;
		}
		*FIELD(c, o, unsigned int) = (unsigned int)n;
		return 0;
	case OPT_KIND_TRI:
		if (strcasecmp(v, "auto") == 0 && !(o->flags & OPT_NO_AUTO)) {
			*FIELD(c, o, int) = CONFIG_AUTO;
			return 0;
		}
		if (parse_bool(v, &b) < 0) {
			snprintf(why, wl, "'%.64s' is not %s", v,
				 o->flags & OPT_NO_AUTO ? "0 or 1" : "0, 1 or auto");
			return -EINVAL;
		}
		*FIELD(c, o, int) = b;
		return 0;
	case OPT_KIND_HCI:
		if (parse_uint(strncasecmp(v, "hci", 3) == 0 ? v + 3 : v, 0xffff, &n) < 0) {
			snprintf(why, wl, "'%.64s' is not an adapter name like hci0", v);
			return -EINVAL;
		}
		*FIELD(c, o, int) = (int)n;
		return 0;
	case OPT_KIND_UART: {
		const char *comma = strrchr(v, ',');
		unsigned int baud = 0;
		char *dev;

		if (comma) {
			if (parse_uint(comma + 1, 4000000, &n) < 0 || n == 0) {
				snprintf(why, wl, "'%.64s' is not a baud rate (1..4000000)",
					 comma + 1);
				return -EINVAL;
			}
			baud = (unsigned int)n;
		}
		if (comma == v) {
			snprintf(why, wl, "the device is missing before the comma");
			return -EINVAL;
		}
		if (!*v) { /* unset */
			free(c->hci_uart);
			c->hci_uart = NULL;
			c->hci_uart_baud = 0;
			return 0;
		}
		dev = dup_str(v);
		if (!dev)
			return -ENOMEM;
		if (comma)
			dev[comma - v] = '\0';
		free(c->hci_uart);
		c->hci_uart = dev;
		c->hci_uart_baud = baud;
		return 0;
	}
	case OPT_KIND_LEVEL: {
		static const char *const names[8] = { "emerg", "alert", "crit", "error",
						       "warning", "notice", "info", "debug" };

		if (strcasecmp(v, "err") == 0)
			v = "error";
		else if (strcasecmp(v, "warn") == 0)
			v = "warning";
		for (int i = 0; i < 8; i++) {
			if (strcasecmp(v, names[i]) == 0) {
				*FIELD(c, o, int) = i;
				return 0;
			}
		}
		if (parse_uint(v, 7, &n) < 0) {
			snprintf(why, wl, "'%.64s' is not error, warning, notice, info, debug "
				 "or 0..7", v);
			return -EINVAL;
		}
		*FIELD(c, o, int) = (int)n;
		return 0;
	}
	}
	return -EINVAL;
}

int config_each_mac(const char *list, void (*fn)(const uint8_t mac[6], void *arg), void *arg)
{
	int n = 0;

	while (list && *list) {
		size_t len = strcspn(list, ",");
		char one[24];
		uint8_t mac[6];

		while (len && isspace((unsigned char)*list)) {
			list++;
			len--;
		}
		while (len && isspace((unsigned char)list[len - 1]))
			len--;
		if (len >= sizeof(one))
			return -EINVAL;
		memcpy(one, list, len);
		one[len] = '\0';
		if (advfilter_parse_mac(one, mac) < 0)
			return -EINVAL;
		if (fn)
			fn(mac, arg);
		n++;
		list += strcspn(list, ",");
		if (*list == ',')
			list++;
	}
	return n;
}

/* ---- life cycle ---- */

void config_free(struct config *c)
{
	for (size_t i = 0; i < config_n_opts; i++) {
		if (config_opts[i].kind == OPT_KIND_STR || config_opts[i].kind == OPT_KIND_TOPIC ||
		    config_opts[i].kind == OPT_KIND_UART || config_opts[i].kind == OPT_KIND_MACS) {
			char **p = FIELD(c, &config_opts[i], char *);

			free(*p);
			*p = NULL;
		} else if (config_opts[i].kind == OPT_KIND_LIST) {
			list_clear(FIELD(c, &config_opts[i], struct config_list));
		}
	}
}

int config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->hci = -1;
	for (size_t i = 0; i < config_n_opts; i++) {
		char why[128];
		int r;

		if (!config_opts[i].def)
			continue;
		r = set_value(c, &config_opts[i], config_opts[i].def, why, sizeof(why));
		if (r < 0) { /* only -ENOMEM: the defaults are tested */
			config_free(c);
			return r;
		}
	}
	return 0;
}

/* ---- lookup ---- */

/* Compare the first @n bytes of an option name with a key as typed: '_' stands for '-',
 * any case. */
static bool eq_norm(const char *name, const char *key, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char k = key[i] == '_' ? '-' : (char)tolower((unsigned char)key[i]);

		if (k == '\0' || name[i] != k) /* also stops at the end of @name */
			return false;
	}
	return true;
}

static bool name_is(const char *name, const char *key, size_t n)
{
	return memchr(key, '\0', n) == NULL && strlen(name) == n && eq_norm(name, key, n);
}

static const struct opt *find_opt(const char *key, size_t n)
{
	for (size_t i = 0; i < config_n_opts; i++)
		if (config_opts[i].name && name_is(config_opts[i].name, key, n))
			return &config_opts[i];
	return NULL;
}

/* Under [sect], "host" is "sect-host" if that exists, else "host". */
static const struct opt *find_in_section(const char *sect, size_t sn, const char *key,
					 size_t kn)
{
	if (sn) {
		for (size_t i = 0; i < config_n_opts; i++) {
			const char *name = config_opts[i].name;

			if (name && strlen(name) == sn + 1 + kn && eq_norm(name, sect, sn) &&
			    name[sn] == '-' && name_is(name + sn + 1, key, kn))
				return &config_opts[i];
		}
	}
	return find_opt(key, kn);
}

/* Levenshtein distance, capped: small names only. */
static size_t distance(const char *a, const char *b, size_t bn)
{
	size_t an = strlen(a), row[64];

	if (an >= 63 || bn >= 63)
		return SIZE_MAX;
	for (size_t j = 0; j <= bn; j++)
		row[j] = j;
	for (size_t i = 1; i <= an; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= bn; j++) {
			char bj = b[j - 1] == '_' ? '-' : (char)tolower((unsigned char)b[j - 1]);
			size_t up = row[j], best = diag + (a[i - 1] != bj);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[bn];
}

/* " (did you mean 'mqtt-host'?)" for a near miss, else "". */
static void suggest(const char *key, size_t n, char *out, size_t outlen)
{
	const char *best = NULL;
	size_t bestd = 3; /* at most two edits: "mqtt-hots" → "mqtt-host" */

	out[0] = '\0';
	for (size_t i = 0; i < config_n_opts; i++) {
		size_t d;

		if (!config_opts[i].name)
			continue;
		d = distance(config_opts[i].name, key, n);
		if (d < bestd) {
			bestd = d;
			best = config_opts[i].name;
		}
	}
	if (best)
		snprintf(out, outlen, " (did you mean '%s'?)", best);
}

/* ---- the file ---- */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

static void trim(const char **b, const char **e)
{
	while (*b < *e && is_space(**b))
		(*b)++;
	while (*e > *b && is_space((*e)[-1]))
		(*e)--;
}

static bool valid_key(const char *b, const char *e)
{
	if (b == e)
		return false;
	for (; b < e; b++)
		if (!isalnum((unsigned char)*b) && *b != '-' && *b != '_')
			return false;
	return true;
}

int config_load_text(struct config *c, const char *text, size_t len, const char *name,
		     char err[CONFIG_ERR_LEN])
{
	const char *p = text, *end = text + len;
	const char *sect = NULL;
	size_t sn = 0;
	unsigned int line = 0;

	if (!name)
		name = "config";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *b = p, *e = nl ? nl : end;
		const char *eq, *kb, *ke, *vb, *ve;
		const struct opt *o;
		char why[160], hint[64];
		char *val;
		int r;

		p = nl ? nl + 1 : end;
		line++;
		if (memchr(b, '\0', (size_t)(e - b))) {
			seterr(err, "%s:%u: NUL byte in the line", name, line);
			return -EINVAL;
		}
		trim(&b, &e);
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (*b == '[') {
			const char *sb = b + 1, *se = e - 1;

			if (e - b < 2 || *se != ']') {
				seterr(err, "%s:%u: a section header must end with ']'", name, line);
				return -EINVAL;
			}
			trim(&sb, &se);
			if (sb != se && !valid_key(sb, se)) {
				seterr(err, "%s:%u: bad section name '%.*s'", name, line,
				       (int)(se - sb > 64 ? 64 : se - sb), sb);
				return -EINVAL;
			}
			sect = sb;
			sn = (size_t)(se - sb);
			continue;
		}
		eq = memchr(b, '=', (size_t)(e - b));
		kb = b;
		ke = eq ? eq : e;
		trim(&kb, &ke);
		if (!valid_key(kb, ke)) {
			seterr(err, "%s:%u: expected 'key = value', got '%.*s'", name, line,
			       (int)(e - b > 64 ? 64 : e - b), b);
			return -EINVAL;
		}
		o = find_in_section(sect, sn, kb, (size_t)(ke - kb));
		if (!o) {
			hint[0] = '\0';
			if (sn) {
				/* in [mqtt], "hots" is most likely "mqtt-host" */
				char full[128];
				int fl = snprintf(full, sizeof(full), "%.*s-%.*s", (int)sn, sect,
						  (int)(ke - kb), kb);

				if (fl > 0 && (size_t)fl < sizeof(full))
					suggest(full, (size_t)fl, hint, sizeof(hint));
			}
			if (!hint[0])
				suggest(kb, (size_t)(ke - kb), hint, sizeof(hint));
			if (sn)
				seterr(err, "%s:%u: unknown key '%.*s' in section [%.*s]%s", name,
				       line, (int)(ke - kb > 64 ? 64 : ke - kb), kb,
				       (int)(sn > 32 ? 32 : sn), sect, hint);
			else
				seterr(err, "%s:%u: unknown key '%.*s'%s", name, line,
				       (int)(ke - kb > 64 ? 64 : ke - kb), kb, hint);
			return -EINVAL;
		}
		if (o->flags & OPT_CLI_ONLY) {
			seterr(err, "%s:%u: '%s' can only be given on the command line", name, line,
			       o->name);
			return -EINVAL;
		}
		if (!eq) {
			if (o->kind != OPT_KIND_BOOL) {
				seterr(err, "%s:%u: %s needs a value: '%s = %s'", name, line, o->name,
				       o->name, o->arg ? o->arg : "VALUE");
				return -EINVAL;
			}
			*FIELD(c, o, bool) = true;
			continue;
		}
		vb = eq + 1;
		ve = e;
		trim(&vb, &ve);
		if (ve - vb >= 2 && *vb == '"' && ve[-1] == '"') {
			vb++;
			ve--;
		}
		val = malloc((size_t)(ve - vb) + 1);
		if (!val) {
			seterr(err, "%s:%u: out of memory", name, line);
			return -ENOMEM;
		}
		memcpy(val, vb, (size_t)(ve - vb));
		val[ve - vb] = '\0';
		why[0] = '\0';
		r = set_value(c, o, val, why, sizeof(why));
		free(val);
		if (r == -ENOMEM) {
			seterr(err, "%s:%u: out of memory", name, line);
			return r;
		}
		if (r < 0) {
			seterr(err, "%s:%u: %s: %s", name, line, o->name, why);
			return r;
		}
	}
	return 0;
}

int config_load_file(struct config *c, const char *path, char err[CONFIG_ERR_LEN])
{
	size_t cap = 4096, n = 0;
	char *buf;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		seterr(err, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		seterr(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t k;

		if (n == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	if (r < 0)
		seterr(err, "%s: cannot read: %s", path, strerror(-r));
	else
		r = config_load_text(c, buf, n, path, err);
	free(buf);
	return r;
}

/* ---- the command line ---- */

/* Take the option at argv[*i] (advancing *i past its value). *@value points into argv or
 * at a constant; NULL only for --help. Returns 0, or -EINVAL with the reason in @err. */
static int next_arg(int argc, char **argv, int *i, const struct opt **o, const char **value,
		    char *err)
{
	const char *a = argv[*i], *name, *eq;
	char hint[64];
	bool b;

	if (strcmp(a, "-h") == 0)
		a = "--help";
	if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
		if (a[0] == '-' && a[1] != '\0' && strcmp(a, "--") != 0)
			seterr(err, "unknown option '%.64s'", a);
		else
			seterr(err, "unexpected argument '%.64s': options start with --", a);
		return -EINVAL;
	}
	name = a + 2;
	eq = strchr(name, '=');
	*o = find_opt(name, eq ? (size_t)(eq - name) : strlen(name));
	if (!*o) {
		size_t n = eq ? (size_t)(eq - name) : strlen(name);

		suggest(name, n, hint, sizeof(hint));
		seterr(err, "unknown option '--%.*s'%s", (int)(n > 64 ? 64 : n), name, hint);
		return -EINVAL;
	}
	(*i)++;
	if (eq) {
		*value = eq + 1;
		return 0;
	}
	if ((*o)->kind == OPT_KIND_BOOL) {
		/* "--json" alone is yes; "--json no" reads the word, since nothing positional
		 * could follow anyway. */
		if (*i < argc && parse_bool(argv[*i], &b) == 0)
			*value = argv[(*i)++];
		else
			*value = "yes";
		return 0;
	}
	if (*i >= argc || strncmp(argv[*i], "--", 2) == 0) {
		seterr(err, "--%s needs a value: --%s %s (or --%s=%s)", (*o)->name, (*o)->name,
		       (*o)->arg, (*o)->name, (*o)->arg);
		return -EINVAL;
	}
	*value = argv[(*i)++];
	return 0;
}

static int apply_arg(struct config *c, const struct opt *o, const char *v, char *err)
{
	char why[160];
	int r;

	why[0] = '\0';
	r = set_value(c, o, v, why, sizeof(why));
	if (r == -ENOMEM)
		seterr(err, "out of memory");
	else if (r < 0)
		seterr(err, "--%s: %s", o->name, why);
	return r;
}

/* Defaults that depend on other settings, and combinations. */
static int finish(struct config *c, char *err)
{
	if (!c->mi32cfg) {
		size_t n = strlen(c->state_dir);
		char *p = malloc(n + sizeof("/mi32cfg"));

		if (!p) {
			seterr(err, "out of memory");
			return -ENOMEM;
		}
		memcpy(p, c->state_dir, n);
		memcpy(p + n, "/mi32cfg", sizeof("/mi32cfg"));
		c->mi32cfg = p;
	}
	if (strcmp(c->hass_unique_ids, "mi32") && strcmp(c->hass_unique_ids, "disco")) {
		seterr(err, "hass-unique-ids is mi32 or disco");
		return -EINVAL;
	}
	if (c->hci_raw && c->hci_user) {
		seterr(err, "hci-raw and hci-user exclude each other: choose one");
		return -EINVAL;
	}
	return 0;
}

int config_parse_args(struct config *c, int argc, char **argv, char err[CONFIG_ERR_LEN])
{
	const struct opt *o;
	const char *v;
	int i, r;

	/* First pass: only --config and --help, and every syntax error. */
	for (i = 1; i < argc;) {
		r = next_arg(argc, argv, &i, &o, &v, err);
		if (r < 0)
			return r;
		if (o->flags & OPT_CLI_ONLY) {
			r = apply_arg(c, o, v, err);
			if (r < 0)
				return r;
		}
	}
	if (c->help)
		return 0;
	if (c->config) {
		r = config_load_file(c, c->config, err);
		if (r < 0)
			return r;
	} else {
		r = config_load_file(c, CONFIG_DEFAULT_PATH, err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	for (i = 1; i < argc;) {
		next_arg(argc, argv, &i, &o, &v, err);
		if (o->flags & OPT_CLI_ONLY)
			continue;
		r = apply_arg(c, o, v, err);
		if (r < 0)
			return r;
	}
	if (err)
		err[0] = '\0';
	return finish(c, err);
}
