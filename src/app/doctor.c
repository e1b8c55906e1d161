/* SPDX-License-Identifier: MIT */
/* doctor.c — `mi32 doctor`: each check asks the system the question `mi32 run` would meet
 * (open the management socket, bind the web port, connect to the broker, parse the sensor
 * list) and says the answer in one sentence, with the fix when it is not ready. Bluetooth
 * questions go to the kernel (mgmt_list_adapters(), rfkill_blocked()) and to D-Bus;
 * nothing is changed, nothing is powered on. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "app/config.h"
#include "app/doctor.h"
#include "source/mgmt.h"
#include "source/rfkill.h"
#include "store/mi32cfg.h"
#include "util/exe.h"
#include "util/statefile.h"

#define BT_TIMEOUT_MS 3000
#define BROKER_TIMEOUT_MS 3000
#define ADAPTERS_MAX 16

/* Where Debian, Fedora/Arch and older releases put bluetoothd. */
static const char *const bluetoothd_paths[] = {
	"/usr/libexec/bluetooth/bluetoothd",
	"/usr/lib/bluetooth/bluetoothd",
	"/usr/sbin/bluetoothd",
};

void doctor_say(struct doctor_report *r, enum doctor_verdict v, const char *fmt, ...)
{
	va_list ap;

	if (v == DOCTOR_FAIL)
		r->failed++;
	if (r->n >= DOCTOR_LINES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(r->line[r->n].text, DOCTOR_LINE_LEN, fmt, ap);
	va_end(ap);
	r->line[r->n++].verdict = v;
}

/* ---- Bluetooth ---- */

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/* mgmt needs CAP_NET_ADMIN; the raw and user HCI channels CAP_NET_RAW too. */
static void check_caps(struct doctor_report *r, const struct config *c)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	bool raw = c->hci_raw || c->hci_user, admin, netraw;
	char exe[160];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0) {
		doctor_say(r, DOCTOR_NOTE, "cannot read this process's capabilities (%s): the "
					   "kernel decides when mi32 runs", strerror(errno));
		return;
	}
	admin = has_cap(d, CAP_NET_ADMIN);
	netraw = has_cap(d, CAP_NET_RAW);
	if (admin && (netraw || !raw)) {
		doctor_say(r, DOCTOR_OK, "%s has CAP_NET_ADMIN%s, which the Bluetooth %s needs",
			   geteuid() == 0 ? "running as root, this process" : "this process",
			   netraw ? " and CAP_NET_RAW" : "",
			   raw ? "HCI socket" : "management socket");
		return;
	}
	doctor_say(r, DOCTOR_FAIL, "this process lacks %s%s%s: run mi32 as root, through its "
				   "systemd unit (it grants them), or setcap "
				   "cap_net_admin,cap_net_raw+eip %s",
		   admin ? "" : "CAP_NET_ADMIN", !admin && raw && !netraw ? " and " : "",
		   raw && !netraw ? "CAP_NET_RAW" : "", exe_path(exe, sizeof(exe)));
}

static void check_rfkill_and_power(struct doctor_report *r, const struct mgmt_adapter *a)
{
	int blocked = rfkill_blocked(RFKILL_SYSFS, a->index);
	char why[192];

	if (blocked > 0) {
		rfkill_describe(a->index, blocked, why, sizeof(why));
		doctor_say(r, DOCTOR_FAIL, "%s", why);
		return;
	}
	if (blocked == 0)
		doctor_say(r, DOCTOR_OK, "hci%u is not blocked by rfkill", a->index);
	else
		doctor_say(r, DOCTOR_NOTE, "hci%u's rfkill state cannot be read (%s)", a->index,
			   strerror(-blocked));
	if (a->powered)
		doctor_say(r, DOCTOR_OK, "hci%u is powered", a->index);
	else
		doctor_say(r, DOCTOR_NOTE, "hci%u is powered off: mi32 powers it on when it starts",
			   a->index);
	if (!a->le)
		doctor_say(r, DOCTOR_NOTE, "hci%u has Low Energy off: mi32 switches it on",
			   a->index);
}

static int by_index(const void *a, const void *b)
{
	return (int)((const struct mgmt_adapter *)a)->index -
	       (int)((const struct mgmt_adapter *)b)->index;
}

static void check_adapters(struct doctor_report *r, const struct config *c)
{
	struct mgmt_adapter list[ADAPTERS_MAX];
	char err[256], names[128] = "";
	uint16_t want = c->hci >= 0 ? (uint16_t)c->hci : 0;
	size_t used = 0;
	int n = mgmt_list_adapters(list, ADAPTERS_MAX, BT_TIMEOUT_MS, err);
	const struct mgmt_adapter *found = NULL;

	if (n == -EAFNOSUPPORT || n == -EPROTONOSUPPORT) {
		doctor_say(r, DOCTOR_FAIL, "%s: load the module (modprobe bluetooth) or use a "
					   "kernel built with Bluetooth", err);
		return;
	}
	if (n < 0) {
		doctor_say(r, DOCTOR_FAIL, "%s", err);
		return;
	}
	doctor_say(r, DOCTOR_OK, "the kernel has Bluetooth support (AF_BLUETOOTH, the "
				 "management interface answers)");
	/* the kernel lists the newest first */
	qsort(list, (size_t)(n < ADAPTERS_MAX ? n : ADAPTERS_MAX), sizeof(list[0]), by_index);
	for (int i = 0; i < n && i < ADAPTERS_MAX; i++) {
		const struct mgmt_adapter *a = &list[i];

		if (a->index == want)
			found = a;
		if (used < sizeof(names) - 12)
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%shci%u",
						 used ? " " : "", a->index);
	}
	if (!found) {
		doctor_say(r, c->wait_adapter ? DOCTOR_NOTE : DOCTOR_FAIL,
			   "no Bluetooth adapter hci%u (the kernel has: %s)%s", want,
			   n ? names : "none",
			   c->wait_adapter ? ": mi32 waits for it (wait-adapter)"
			   : n ? ": choose one with --hci (hci in mi32.conf)"
			       : ": plug one in, or see dmesg for its driver");
		return;
	}
	doctor_say(r, DOCTOR_OK, "adapter hci%u (%02X:%02X:%02X:%02X:%02X:%02X) is there%s%s",
		   want, found->addr[0], found->addr[1], found->addr[2], found->addr[3],
		   found->addr[4], found->addr[5], n > 1 ? "; the kernel has: " : "",
		   n > 1 ? names : "");
	check_rfkill_and_power(r, found);
}

/* The first line of `bluetoothd --version` ("5.66"), or "" when none answers. */
static void bluetoothd_version(char *v, size_t size)
{
	v[0] = '\0';
	for (size_t i = 0; i < sizeof(bluetoothd_paths) / sizeof(bluetoothd_paths[0]); i++) {
		char cmd[96];
		FILE *p;

		if (access(bluetoothd_paths[i], X_OK) != 0)
			continue;
		snprintf(cmd, sizeof(cmd), "%s --version 2>/dev/null", bluetoothd_paths[i]);
		p = popen(cmd, "r");
		if (!p)
			return;
		if (!fgets(v, (int)size, p))
			v[0] = '\0';
		pclose(p);
		v[strcspn(v, "\r\n")] = '\0';
		return;
	}
}

/* Is org.bluez owned on the system bus? 1, 0, or -errno (no bus). */
static int bluez_on_bus(char err[128])
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	sd_bus *bus = NULL;
	int has = 0, rc;

	rc = sd_bus_open_system(&bus);
	if (rc < 0) {
		snprintf(err, 128, "%s", strerror(-rc));
		return rc;
	}
	rc = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				"org.freedesktop.DBus", "NameHasOwner", &e, &m, "s", "org.bluez");
	if (rc >= 0)
		rc = sd_bus_message_read(m, "b", &has);
	if (rc < 0)
		snprintf(err, 128, "%s", e.message ? e.message : strerror(-rc));
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return rc < 0 ? rc : has;
}

/* mi32 scans without bluetoothd (the kernel's mgmt interface); GATT and the coming BlueZ
 * features need it, so its absence is a note, not a failure. */
static void check_bluetoothd(struct doctor_report *r)
{
	char v[32], err[128], ver[48] = "";
	int on;

	bluetoothd_version(v, sizeof(v));
	if (v[0])
		snprintf(ver, sizeof(ver), " %s", v);
	on = bluez_on_bus(err);
	if (on > 0)
		doctor_say(r, DOCTOR_OK, "bluetoothd%s is running (org.bluez on the system D-Bus)",
			   ver);
	else if (on == 0)
		doctor_say(r, DOCTOR_NOTE, "bluetoothd%s is not running: mi32 scans without it, "
					   "through the kernel (systemctl start bluetooth)",
			   v[0] ? ver : " (not found)" );
	else
		doctor_say(r, DOCTOR_NOTE, "no system D-Bus (%s), so no bluetoothd: mi32 scans "
					   "without it, through the kernel", err);
}

static void check_bluetooth(struct doctor_report *r, const struct config *c)
{
	if (c->replay) {
		doctor_say(r, DOCTOR_NOTE, "replaying %s: no radio is used", c->replay);
		return;
	}
	if (c->hci_uart) {
		if (access(c->hci_uart, R_OK | W_OK) == 0)
			doctor_say(r, DOCTOR_OK, "the H4 UART %s can be opened for reading and "
						 "writing", c->hci_uart);
		else
			doctor_say(r, DOCTOR_FAIL, "the H4 UART %s cannot be opened: %s (is this "
						   "user in the dialout group?)",
				   c->hci_uart, strerror(errno));
		return;
	}
	check_adapters(r, c);
	check_caps(r, c);
	check_bluetoothd(r);
}

/* ---- network, files ---- */

/* Connect to @ai within @timeout_ms: 0 or -errno. */
static int connect_within(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), rc = 0;
	socklen_t len = sizeof(rc);
	struct pollfd p;

	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			rc = -errno;
			close(fd);
			return rc;
		}
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		rc = poll(&p, 1, timeout_ms);
		if (rc == 0)
			rc = -ETIMEDOUT;
		else if (rc < 0)
			rc = -errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &rc, &len) < 0)
			rc = -errno;
		else
			rc = -rc;
	}
	close(fd);
	return rc;
}

void doctor_check_broker(struct doctor_report *r, const char *host, unsigned int port,
			 int timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char ps[8];
	int rc = -EHOSTUNREACH;

	if (!host || !*host) {
		doctor_say(r, DOCTOR_NOTE, "no MQTT broker is set (mqtt-host): readings go to the "
					   "web page and --json only");
		return;
	}
	snprintf(ps, sizeof(ps), "%u", port);
	rc = getaddrinfo(host, ps, &hints, &res);
	if (rc != 0) {
		doctor_say(r, DOCTOR_FAIL, "the MQTT broker's name %s does not resolve: %s", host,
			   gai_strerror(rc));
		return;
	}
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		rc = connect_within(ai, timeout_ms);
		if (rc == 0)
			break;
	}
	freeaddrinfo(res);
	if (rc == 0)
		doctor_say(r, DOCTOR_OK, "the MQTT broker %s port %u accepts connections", host,
			   port);
	else
		doctor_say(r, DOCTOR_FAIL, "the MQTT broker %s port %u cannot be reached: %s "
					   "(is it running? mqtt-host and mqtt-port in mi32.conf)",
			   host, port, strerror(-rc));
}

void doctor_check_web_port(struct doctor_report *r, const char *bind_to, bool password,
			   unsigned int port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *res = NULL;
	const char *addr = bind_to && *bind_to ? bind_to : password ? "0.0.0.0" : "127.0.0.1";
	char ps[8], a[64];
	int fd, rc, one = 1;

	if (!port) {
		doctor_say(r, DOCTOR_NOTE, "the web page is off (web-port 0)");
		return;
	}
	/* "[::1]" and "localhost" as the daemon takes them */
	snprintf(a, sizeof(a), "%s", strcmp(addr, "localhost") ? addr : "127.0.0.1");
	if (a[0] == '[') {
		memmove(a, a + 1, strlen(a));
		a[strcspn(a, "]")] = '\0';
	}
	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(a, ps, &hints, &res) != 0) {
		doctor_say(r, DOCTOR_FAIL, "web-bind %s is not an IPv4 or IPv6 address", addr);
		return;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = fd < 0 ? -errno : 0;
	/* as the web server does: a port in TIME_WAIT is free */
	if (!rc && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		rc = -errno;
	if (!rc && bind(fd, res->ai_addr, res->ai_addrlen) < 0)
		rc = -errno;
	if (!rc && listen(fd, 1) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	if (!rc)
		doctor_say(r, DOCTOR_OK, "the web port %u on %s is free", port, a);
	else if (rc == -EADDRINUSE)
		doctor_say(r, DOCTOR_FAIL, "the web port %u on %s is in use by another program "
					   "(mi32 itself, if it runs already): choose another "
					   "with web-port", port, a);
	else if (rc == -EACCES)
		doctor_say(r, DOCTOR_FAIL, "the web port %u needs privileges (ports below 1024): "
					   "choose another with web-port", port);
	else
		doctor_say(r, DOCTOR_FAIL, "the web port %u on %s cannot be bound: %s", port, a,
			   strerror(-rc));
}

void doctor_check_mi32cfg(struct doctor_report *r, const char *path)
{
	struct mi32cfg *cfg = NULL;
	char err[MI32CFG_ERR_LEN];
	int rc = mi32cfg_load(path, &cfg, err);

	if (rc == 0)
		doctor_say(r, DOCTOR_OK, "the sensor list %s is readable and valid (%zu %s)", path,
			   mi32cfg_count(cfg), mi32cfg_count(cfg) == 1 ? "sensor" : "sensors");
	else if (rc == -ENOENT)
		doctor_say(r, DOCTOR_NOTE, "there is no sensor list %s yet: mi32 starts with an "
					   "empty one", path);
	else
		doctor_say(r, DOCTOR_FAIL, "%s", err);
	mi32cfg_free(cfg);
}

void doctor_check_state_dir(struct doctor_report *r, const char *dir)
{
	char path[512];
	struct stat st;
	int e;

	if (stat(dir, &st) < 0) {
		doctor_say(r, DOCTOR_FAIL, "the state directory %s %s: create it (mkdir -p), or "
					   "let the systemd unit make it (StateDirectory=)",
			   dir, errno == ENOENT ? "does not exist" : strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		doctor_say(r, DOCTOR_FAIL, "the state directory %s is not a directory", dir);
		return;
	}
	/* the very write a save of mi32cfg makes: a temporary copy, fsync, rename */
	snprintf(path, sizeof(path), "%s/.mi32-doctor.%ld", dir, (long)getpid());
	e = statefile_write(path, "", 0, NULL, 0);
	if (e < 0) {
		doctor_say(r, DOCTOR_FAIL, "the state directory %s is not writable by this user "
					   "(uid %u): %s", dir, (unsigned int)geteuid(),
			   strerror(-e));
		return;
	}
	unlink(path);
	doctor_say(r, DOCTOR_OK, "the state directory %s is writable", dir);
}

void doctor_print(const struct doctor_report *r, FILE *f)
{
	static const char *const tag[] = { "ok", "note", "FAIL" };

	for (unsigned int i = 0; i < r->n; i++)
		fprintf(f, "  %-5s %s\n", tag[r->line[i].verdict], r->line[i].text);
	if (r->failed)
		fprintf(f, "mi32 doctor: %u %s not ready\n", r->failed,
			r->failed == 1 ? "thing is" : "things are");
	else
		fprintf(f, "mi32 doctor: ready to run\n");
}

int doctor_main(int argc, char **argv)
{
	struct doctor_report *r = calloc(1, sizeof(*r));
	struct config c;
	char err[CONFIG_ERR_LEN];
	int rc;

	if (!r || config_init(&c) < 0) {
		fprintf(stderr, "mi32 doctor: out of memory\n");
		free(r);
		return 1;
	}
	rc = config_parse_args(&c, argc, argv, err);
	if (rc == 0 && c.help) {
		printf("usage: mi32 doctor [the options of mi32 run]\n\nChecks what `mi32 run` "
		       "with the same settings needs and says what is not ready.\nExit code 0: "
		       "ready; 1: something is not.\n");
		config_free(&c);
		free(r);
		return 0;
	}
	if (rc < 0) {
		/* the rest is still worth knowing: check it with the defaults */
		doctor_say(r, DOCTOR_FAIL, "the settings are not valid: %s; the rest is checked "
					   "with the defaults", err);
		config_free(&c);
		if (config_init(&c) < 0 || config_parse_args(&c, 3, (char *[]){ "doctor",
				"--config", "/dev/null", NULL }, err) < 0) {
			fprintf(stderr, "mi32 doctor: %s\n", err);
			free(r);
			return 1;
		}
	} else {
		doctor_say(r, DOCTOR_OK, "the settings are valid (%s)",
			   c.config ? c.config
				    : access(CONFIG_DEFAULT_PATH, F_OK) == 0
					      ? CONFIG_DEFAULT_PATH
					      : "no " CONFIG_DEFAULT_PATH ": the defaults");
	}
	check_bluetooth(r, &c);
	doctor_check_broker(r, c.mqtt_host, c.mqtt_port, BROKER_TIMEOUT_MS);
	doctor_check_web_port(r, c.web_bind, c.web_password && *c.web_password, c.web_port);
	doctor_check_mi32cfg(r, c.mi32cfg);
	doctor_check_state_dir(r, c.state_dir);
	printf("mi32 doctor: what `mi32 run` needs, checked with these settings\n");
	doctor_print(r, stdout);
	rc = r->failed ? 1 : 0;
	config_free(&c);
	free(r);
	return rc;
}
