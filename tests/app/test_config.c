/* SPDX-License-Identifier: MIT */
/* test_config.c — config file and command line: defaults, file then command line, errors
 * with file and line, every value kind, the example config, --help, allocation failures.
 * The module's source is included so its allocations can be made to fail (STYLE §6). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "../util/failalloc.h"

#define malloc(n) t_malloc(n)
#define realloc(p, n) t_realloc(p, n)
#include "../../src/app/config.c"
#undef malloc
#undef realloc

#ifndef MI32_SOURCE_DIR
#define MI32_SOURCE_DIR "."
#endif

static char tmpdir[64];

static int make_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *write_conf(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int load(struct config *c, const char *text, char *err)
{
	err[0] = '\0';
	return config_load_text(c, text, strlen(text), "mi32.conf", err);
}

#define ARGS(...) (char *[]){ "run", __VA_ARGS__, NULL }
#define NARGS(...) ((int)(sizeof((char *[]){ "run", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(c, err, ...) config_parse_args(c, NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), err)

static void defaults(void **state)
{
	struct config c;
	char err[CONFIG_ERR_LEN];

	(void)state;
	assert_int_equal(config_init(&c), 0);
	assert_null(c.config);
	assert_false(c.help);
	assert_int_equal(c.hci, -1);
	assert_false(c.hci_raw);
	assert_false(c.hci_user);
	assert_null(c.hci_uart);
	assert_int_equal(c.hci_uart_baud, 0);
	assert_null(c.replay);
	assert_false(c.fast);
	assert_false(c.loop);
	assert_null(c.record);
	assert_string_equal(c.state_dir, "/var/lib/mi32");
	assert_null(c.mi32cfg);
	assert_null(c.mqtt_host);
	assert_int_equal(c.mqtt_port, 1883);
	assert_null(c.mqtt_user);
	assert_null(c.mqtt_password);
	assert_false(c.mqtt_raw_out);
	assert_null(c.mqtt_raw_in);
	assert_null(c.topic);
	assert_string_equal(c.group_topic, "mi32s");
	assert_int_equal(c.teleperiod, 300);
	assert_int_equal(c.option[0], 1);
	assert_int_equal(c.option[1], 0);
	assert_int_equal(c.option[2], 0);
	assert_int_equal(c.option[3], CONFIG_AUTO);
	assert_int_equal(c.option[4], 0);
	assert_int_equal(c.option[5], CONFIG_AUTO);
	assert_int_equal(c.max_auto, 256);
	assert_int_equal(c.stale, 1800);
	assert_int_equal(c.scan_watchdog, 60);
	assert_int_equal(c.web_port, 8080);
	assert_null(c.web_bind); /* derived from the password at start */
	assert_null(c.web_password);
	assert_false(c.json);
	assert_int_equal(c.log_level, 6);
	assert_int_equal(c.temp_res, 1);
	assert_int_equal(c.hum_res, 1);

	/* the derived default */
	assert_int_equal(PARSE(&c, err, "--config", "/dev/null"), 0);
	assert_string_equal(c.mi32cfg, "/var/lib/mi32/mi32cfg");
	config_free(&c);

	assert_int_equal(config_init(&c), 0);
	assert_int_equal(PARSE(&c, err, "--config=/dev/null", "--state-dir", "/srv/mi32"), 0);
	assert_string_equal(c.mi32cfg, "/srv/mi32/mi32cfg");
	config_free(&c);

	assert_int_equal(config_init(&c), 0);
	assert_int_equal(PARSE(&c, err, "--config=/dev/null", "--mi32cfg", "/etc/mi32/mi32cfg"), 0);
	assert_string_equal(c.mi32cfg, "/etc/mi32/mi32cfg");
	config_free(&c);
}

static void file_then_command_line(void **state)
{
	char *path = write_conf("a.conf", "mqtt-host = 192.168.1.2\n"
						"mqtt-port = 1884\n"
						"json = yes\n"
						"topic = kitchen\n"
						"web-port = 80\n");
	struct config c;
	char err[CONFIG_ERR_LEN];

	(void)state;
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(PARSE(&c, err, "--mqtt-port", "1885", "--config", path, "--json=no",
			       "--topic=hall"),
			 0);
	assert_string_equal(c.config, path);
	assert_string_equal(c.mqtt_host, "192.168.1.2"); /* from the file */
	assert_int_equal(c.mqtt_port, 1885);             /* the command line wins */
	assert_false(c.json);
	assert_string_equal(c.topic, "hall");
	assert_int_equal(c.web_port, 80);
	config_free(&c);
}

static void unknown_key_names_file_and_line(void **state)
{
	struct config c;
	char err[CONFIG_ERR_LEN];
	char *path;

	(void)state;
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(load(&c, "# mi32\n\n\n\n\n\n\n\n\n\nmqtt-host = a\n"
				   "mqtt-hots = 192.168.1.2\n", err), -EINVAL);
	assert_string_equal(err, "mi32.conf:12: unknown key 'mqtt-hots' (did you mean 'mqtt-host'?)");
	assert_string_equal(c.mqtt_host, "a"); /* lines before the error stay applied */
	assert_int_equal(load(&c, "frobnicate = 1\n", err), -EINVAL);
	assert_string_equal(err, "mi32.conf:1: unknown key 'frobnicate'");
	assert_int_equal(load(&c, "[mqtt]\nhots = x\n", err), -EINVAL);
	assert_string_equal(err, "mi32.conf:2: unknown key 'hots' in section [mqtt] (did you mean 'mqtt-host'?)");
	config_free(&c);

	/* through a real file, the message names the path */
	path = write_conf("b.conf", "json = yes\nweb-prot = 1\n");
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(PARSE(&c, err, "--config", path), -EINVAL);
	assert_non_null(strstr(err, "/b.conf:2: unknown key 'web-prot' (did you mean 'web-port'?)"));
	config_free(&c);
}

struct value_case {
	const char *line;
	const char *err; /* NULL = accepted */
};

static const struct value_case value_cases[] = {
	{ "mqtt-port = 18a3", "mi32.conf:1: mqtt-port: '18a3' is not a number" },
	{ "mqtt-port = -1", "'-1' is not a number" },
	{ "mqtt-port = 0", "mqtt-port: 0 is out of range: 1..65535" },
	{ "mqtt-port = 65536", "65536 is out of range: 1..65535" },
	{ "mqtt-port = 99999999999999999999999", "out of range" },
	{ "mqtt-port =", "'' is not a number" },
	{ "mqtt-port = 65535", NULL },
	{ "teleperiod = 5", "teleperiod: 5 is out of range: 0 or 10..3600" },
	{ "teleperiod = 3601", "out of range: 0 or 10..3600" },
	{ "teleperiod = 0", NULL },
	{ "teleperiod = 10", NULL },
	{ "web-port = 0", NULL },
	{ "temp-res = 4", "temp-res: 4 is out of range: 0..3" },
	{ "hum-res = 0", NULL },
	{ "json = maybe", "json: 'maybe' is not yes/no, true/false, on/off or 1/0" },
	{ "option0 = auto", "option0: 'auto' is not 0 or 1" },
	{ "option3 = 2", "option3: '2' is not 0, 1 or auto" },
	{ "option3 = AUTO", NULL },
	{ "hci = foo", "hci: 'foo' is not an adapter name like hci0" },
	{ "hci = hci", "hci: 'hci' is not an adapter name" },
	{ "hci = hci70000", "is not an adapter name" },
	{ "hci-uart = ,9600", "hci-uart: the device is missing before the comma" },
	{ "hci-uart = /dev/ttyS0,fast", "hci-uart: 'fast' is not a baud rate" },
	{ "hci-uart = /dev/ttyS0,0", "is not a baud rate" },
	{ "topic = a/#", "topic: 'a/#' is not a valid topic" },
	{ "group-topic = +", "is not a valid topic" },
	{ "log-level = loud", "log-level: 'loud' is not error, warning" },
	{ "log-level = 8", "is not error, warning" },
	{ "state-dir =", "state-dir: must not be empty" },
	{ "state-dir = \"\"", "state-dir: must not be empty" },
	{ "config = /etc/other.conf", "mi32.conf:1: 'config' can only be given on the command line" },
	{ "help", "'help' can only be given on the command line" },
	{ "mqtt-host", "mqtt-host needs a value: 'mqtt-host = HOST'" },
	{ "= 1", "mi32.conf:1: expected 'key = value', got '= 1'" },
	{ "mqtt host = x", "expected 'key = value'" },
	{ "[mqtt", "mi32.conf:1: a section header must end with ']'" },
	{ "[mq tt]", "bad section name 'mq tt'" },
	{ "max-auto = 1000001", "out of range: 0..1000000" },
	{ "block = A4C138112233,nope", "is not a list of MACs" },
	{ "watch = A4:C1:38:11:22", "is not a list of MACs" },
	{ "watch = A4C138112233, 58-2D-34-35-93-02", NULL },
	{ "block = ", NULL },
};

static void bad_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		struct config c;
		char err[CONFIG_ERR_LEN];
		int r;

		assert_int_equal(config_init(&c), 0);
		r = load(&c, value_cases[i].line, err);
		if (value_cases[i].err ? r != -EINVAL || !strstr(err, value_cases[i].err) : r != 0)
			fail_msg("case '%s': r=%d err=\"%s\", expected \"%s\"", value_cases[i].line, r,
				 err, value_cases[i].err ? value_cases[i].err : "(ok)");
		config_free(&c);
	}
}

static void values(void **state)
{
	struct config c;
	char err[CONFIG_ERR_LEN];

	(void)state;
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(load(&c, "hci = hci1\nhci-uart = /dev/ttyUSB0,921600\nlog-level = debug\n"
				   "option3 = 0\noption5 = yes\noption0 = off\nmqtt-host = broker\n"
				   "stale = 0\n", err), 0);
	assert_int_equal(c.hci, 1);
	assert_string_equal(c.hci_uart, "/dev/ttyUSB0");
	assert_int_equal(c.hci_uart_baud, 921600);
	assert_int_equal(c.log_level, 7);
	assert_int_equal(c.option[3], 0);
	assert_int_equal(c.option[5], 1);
	assert_int_equal(c.option[0], 0);
	assert_int_equal(c.stale, 0);
	assert_int_equal(load(&c, "hci = 2\nhci-uart = /dev/ttyAMA0\nlog-level = warn\n"
				   "mqtt-host =\ngroup-topic =\n", err), 0);
	assert_int_equal(c.hci, 2);
	assert_string_equal(c.hci_uart, "/dev/ttyAMA0");
	assert_int_equal(c.hci_uart_baud, 0);
	assert_int_equal(c.log_level, 4);
	assert_null(c.mqtt_host);   /* an empty value unsets */
	assert_null(c.group_topic);
	assert_int_equal(load(&c, "hci-uart =\nlog-level = 3\nlog-level = err\n", err), 0);
	assert_null(c.hci_uart);
	assert_int_equal(c.log_level, 3);
	config_free(&c);
}

static void comments_whitespace_sections(void **state)
{
	struct config c;
	char err[CONFIG_ERR_LEN];

	(void)state;
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(load(&c, "# a comment\r\n"
				   "   ; another\n"
				   "\t\n"
				   "\tmqtt-user\t=\tmi32  \r\n"
				   "mqtt-password = pa#ss ; word\n" /* no inline comments */
				   "web-password = \"  spaced  \"\n"
				   "MQTT_Client_ID = node1\n"
				   "json\n"
				   "[mqtt]\n"
				   "host = 10.0.0.1\n"
				   "port=1999\n"
				   "raw-out = on\n"
				   "teleperiod = 60\n" /* not mqtt-…: the plain key */
				   "[ web ]\n"
				   "port = 81\n"
				   "[]\n"
				   "stale = 99\n"
				   "[whatever]\n"
				   "fast = true", /* no newline at the end */
			      err),
			 0);
	assert_string_equal(c.mqtt_user, "mi32");
	assert_string_equal(c.mqtt_password, "pa#ss ; word");
	assert_string_equal(c.web_password, "  spaced  ");
	assert_string_equal(c.mqtt_client_id, "node1");
	assert_true(c.json);
	assert_string_equal(c.mqtt_host, "10.0.0.1");
	assert_int_equal(c.mqtt_port, 1999);
	assert_true(c.mqtt_raw_out);
	assert_int_equal(c.teleperiod, 60);
	assert_int_equal(c.web_port, 81);
	assert_int_equal(c.stale, 99);
	assert_true(c.fast);

	/* a NUL byte, and text without a terminating NUL */
	assert_int_equal(config_load_text(&c, "json = no\nfast\0 = no\n", 21, "x.conf", err),
			 -EINVAL);
	assert_string_equal(err, "x.conf:2: NUL byte in the line");
	assert_false(c.json);
	assert_int_equal(config_load_text(&c, "loop = yesXXXX", 10, "x.conf", err), 0);
	assert_true(c.loop);
	assert_int_equal(config_load_text(&c, "", 0, NULL, err), 0);
	config_free(&c);
}

static void command_line(void **state)
{
	struct config c;
	char err[CONFIG_ERR_LEN];

	(void)state;
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(PARSE(&c, err, "--config=/dev/null", "--json", "--fast", "--loop", "no",
			       "--replay", "cap.jsonl", "--mqtt-password=--odd=", "--hci=hci0",
			       "--mqtt_user", "u"),
			 0);
	assert_true(c.json);
	assert_true(c.fast);
	assert_false(c.loop);
	assert_string_equal(c.replay, "cap.jsonl");
	assert_string_equal(c.mqtt_password, "--odd=");
	assert_int_equal(c.hci, 0);
	assert_string_equal(c.mqtt_user, "u");
	config_free(&c);

	struct {
		const char *a, *b;
		const char *err;
	} bad[] = {
		{ "--mqtt-hots", "x", "unknown option '--mqtt-hots' (did you mean 'mqtt-host'?)" },
		{ "--mqtt-port", "0x50", "--mqtt-port: '0x50' is not a number" },
		{ "--mqtt-port=70000", NULL, "--mqtt-port: 70000 is out of range: 1..65535" },
		{ "--mqtt-host", NULL, "--mqtt-host needs a value: --mqtt-host HOST (or --mqtt-host=HOST)" },
		{ "--mqtt-host", "--json", "--mqtt-host needs a value" },
		{ "--json=maybe", NULL, "--json: 'maybe' is not yes/no" },
		{ "extra", NULL, "unexpected argument 'extra': options start with --" },
		{ "--", "x", "unexpected argument '--'" },
		{ "-x", NULL, "unknown option '-x'" },
		{ "--hci-raw", "--hci-user", "hci-raw and hci-user exclude each other" },
		{ "--config=", NULL, "--config: must not be empty" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "run", "--config=/dev/null", (char *)bad[i].a, (char *)bad[i].b,
				 NULL };
		int argc = bad[i].b ? 4 : 3, r;

		assert_int_equal(config_init(&c), 0);
		err[0] = '\0';
		r = config_parse_args(&c, argc, argv, err);
		if (r != -EINVAL || !strstr(err, bad[i].err))
			fail_msg("case %s %s: r=%d err=\"%s\", expected \"%s\"", bad[i].a,
				 bad[i].b ? bad[i].b : "", r, err, bad[i].err);
		config_free(&c);
	}
}

static void missing_config_file(void **state)
{
	struct config c;
	char err[CONFIG_ERR_LEN], path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/none.conf", tmpdir);
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(PARSE(&c, err, "--config", path), -ENOENT);
	assert_non_null(strstr(err, "none.conf: cannot open: No such file or directory"));
	config_free(&c);

	assert_int_equal(config_init(&c), 0);
	assert_int_equal(PARSE(&c, err, "--config", tmpdir), -EISDIR);
	assert_non_null(strstr(err, "cannot read"));
	config_free(&c);

	/* the default path may be missing */
	if (access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		skip();
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(PARSE(&c, err, "--json"), 0);
	assert_string_equal(err, "");
	assert_true(c.json);
	config_free(&c);
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(config_parse_args(&c, 1, ARGS("x"), err), 0);
	assert_int_equal(config_parse_args(&c, 0, NULL, err), 0);
	config_free(&c);
}

static void help(void **state)
{
	struct config c;
	char err[CONFIG_ERR_LEN], path[128];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.conf", tmpdir);
	/* --help wins over a broken config and other values */
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(PARSE(&c, err, "--config", path, "--mqtt-port=x", "-h"), 0);
	assert_true(c.help);
	config_free(&c);

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	config_usage(f);
	fclose(f);
	for (unsigned int i = 0; config_option_name(i); i++) {
		char opt[64];

		snprintf(opt, sizeof(opt), "\n  --%s ", config_option_name(i));
		if (!strstr(buf, opt))
			fail_msg("--help lacks %s", opt);
	}
	assert_non_null(strstr(buf, "  --mqtt-port PORT           broker port (default 1883)\n"));
	assert_non_null(strstr(buf, "(default <state-dir>/mi32cfg)"));
	assert_non_null(strstr(buf, "--json                     JSON lines of every SENSOR message on stdout (default no)"));
	free(buf);
	assert_string_equal(config_option_name(0), "config");
	assert_null(config_option_name(1000));
}

/* examples/mi32.conf loads, and with every '#key = value' line uncommented it still loads
 * and sets every option but the command-line-only ones — so the example cannot drift. */
static void example_config(void **state)
{
	char path[512], err[CONFIG_ERR_LEN], *text, *out, *p;
	bool seen[256] = { false };

	assert_true(config_n_opts <= sizeof(seen));
	const char *sect = NULL;
	size_t sn = 0, n;
	struct config c;
	FILE *f;
	long size;

	(void)state;
	snprintf(path, sizeof(path), "%s/examples/mi32.conf", MI32_SOURCE_DIR);
	assert_int_equal(config_init(&c), 0);
	if (config_load_file(&c, path, err) != 0)
		fail_msg("%s", err);
	config_free(&c);

	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)size + 1);
	out = calloc(1, (size_t)size + 1);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	n = 0;
	for (p = text; *p;) {
		char *nl = strchr(p, '\n'), *q = p;
		size_t l = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (*q == '#' && (islower((unsigned char)q[1])) && memchr(q, '=', l)) {
			const char *kb = q + 1, *ke = strchr(kb, '=');
			const struct opt *o;

			trim(&kb, &ke);
			o = find_in_section(sect, sn, kb, (size_t)(ke - kb));
			if (!o)
				fail_msg("example: unknown key in '%.*s'", (int)l, p);
			seen[o - config_opts] = true;
			q++;
			l--;
		} else if (*q == '[') {
			sect = q + 1;
			sn = strcspn(sect, "]");
		}
		memcpy(out + n, q, l);
		n += l;
		p += nl ? (size_t)(nl - p + 1) : strlen(p);
	}
	assert_int_equal(config_init(&c), 0);
	if (config_load_text(&c, out, n, "uncommented example", err) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.mqtt_host, "192.168.1.2");
	assert_int_equal(c.hci_uart_baud, 921600);
	config_free(&c);
	for (size_t i = 0; i < config_n_opts; i++)
		if (config_opts[i].name && !(config_opts[i].flags & OPT_CLI_ONLY) && !seen[i])
			fail_msg("examples/mi32.conf does not show '%s'", config_opts[i].name);
	free(text);
	free(out);
}

/* STYLE §6: fail allocation N, raise N until success; a clean -ENOMEM and no leak. */
static void out_of_memory(void **state)
{
	char *path = write_conf("oom.conf", "mqtt-host = h\nmqtt-user = u\nhci-uart = /dev/x,9600\n"
						  "topic = t\n");
	char err[CONFIG_ERR_LEN];
	bool done = false;

	(void)state;
	for (long n = 0; n < 200 && !done; n++) {
		struct config c;
		int r;

		alloc_budget = n;
		r = config_init(&c);
		if (r == 0) {
			r = PARSE(&c, err, "--config", path, "--web-password", "pw", "--mi32cfg=",
				  "--record=r");
			config_free(&c);
		}
		alloc_budget = -1;
		if (r == 0) {
			done = true;
			continue;
		}
		assert_int_equal(r, -ENOMEM);
	}
	assert_true(done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(file_then_command_line),
		cmocka_unit_test(unknown_key_names_file_and_line),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(values),
		cmocka_unit_test(comments_whitespace_sections),
		cmocka_unit_test(command_line),
		cmocka_unit_test(missing_config_file),
		cmocka_unit_test(help),
		cmocka_unit_test(example_config),
		cmocka_unit_test(out_of_memory),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
