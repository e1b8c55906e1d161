/* SPDX-License-Identifier: MIT */
/* fakebus.h — a private dbus-daemon and the fake org.bluez (fake_bluez.py) for tests: start
 * them, script the fake through test.Control, restart it (bluetoothd restarting), stop. */
#ifndef MI32_TEST_FAKEBUS_H
#define MI32_TEST_FAKEBUS_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

struct fakebus {
	char dir[64];
	char address[256];
	pid_t daemon_pid;
	pid_t fake_pid;
	int fake_stdin;     /* closing it ends the fake */
	sd_bus *ctl;        /* the test's own connection, for test.Control */
};

/* Read one line from @fd (blocking, bounded). */
static int fakebus_line(int fd, char *out, size_t size)
{
	size_t n = 0;

	while (n + 1 < size) {
		ssize_t r = read(fd, out + n, 1);

		if (r <= 0)
			return -EIO;
		if (out[n] == '\n')
			break;
		n++;
	}
	out[n] = '\0';
	return 0;
}

static pid_t fakebus_spawn(char *const argv[], int *in_fd, int *out_fd, char **envp_extra,
			   bool quiet)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		if (quiet) /* dbus-daemon's notes on fd limits */
			dup2(open("/dev/null", O_WRONLY), 2);
		for (char **e = envp_extra; e && *e; e++)
			putenv(*e);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*in_fd = in[1];
	*out_fd = out[0];
	return pid;
}

/* Start the fake org.bluez and wait until it owns the name. */
static int fakebus_start_fake(struct fakebus *fb)
{
	static char env[300];
	char *extra[] = { env, NULL };
	/* MI32_FAKE_BLUEZ: a fake that extends this one (tests/gatt/fake_bluez_server.py) */
	char *script = getenv("MI32_FAKE_BLUEZ");
	char *argv[] = { "/usr/bin/python3",
			 script ? script : MI32_SOURCE_DIR "/tests/gatt/fake_bluez.py", NULL };
	char line[64];
	int out;

	snprintf(env, sizeof(env), "FAKE_BUS=%s", fb->address);
	fb->fake_pid = fakebus_spawn(argv, &fb->fake_stdin, &out, extra, false);
	if (fb->fake_pid < 0)
		return -errno;
	if (fakebus_line(out, line, sizeof(line)) < 0 || strcmp(line, "ready")) {
		close(out);
		return -EIO;
	}
	close(out);
	return 0;
}

static void fakebus_stop_fake(struct fakebus *fb)
{
	if (fb->fake_pid <= 0)
		return;
	close(fb->fake_stdin);
	waitpid(fb->fake_pid, NULL, 0);
	fb->fake_pid = 0;
}

static int fakebus_start(struct fakebus *fb)
{
	char conf[128], *argv[] = { "dbus-daemon", NULL, "--print-address=1", "--nofork", NULL };
	char arg[160];
	FILE *f;
	int in, out, r;

	memset(fb, 0, sizeof(*fb));
	snprintf(fb->dir, sizeof(fb->dir), "/tmp/mi32-fakebus-XXXXXX");
	if (!mkdtemp(fb->dir))
		return -errno;
	snprintf(conf, sizeof(conf), "%s/bus.conf", fb->dir);
	f = fopen(conf, "w");
	if (!f)
		return -errno;
	fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
		   "1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		   "<busconfig><type>session</type><listen>unix:path=%s/bus</listen>"
		   "<auth>EXTERNAL</auth><policy context=\"default\">"
		   "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>"
		   "<allow own=\"*\"/></policy></busconfig>\n", fb->dir);
	fclose(f);
	snprintf(arg, sizeof(arg), "--config-file=%s", conf);
	argv[1] = arg;
	fb->daemon_pid = fakebus_spawn(argv, &in, &out, NULL, true);
	if (fb->daemon_pid < 0)
		return -errno;
	close(in);
	r = fakebus_line(out, fb->address, sizeof(fb->address));
	close(out);
	if (r < 0)
		return r;
	r = sd_bus_new(&fb->ctl);
	if (r >= 0)
		r = sd_bus_set_address(fb->ctl, fb->address);
	if (r >= 0)
		r = sd_bus_set_bus_client(fb->ctl, 1);
	if (r >= 0)
		r = sd_bus_start(fb->ctl);
	if (r < 0)
		return r;
	return fakebus_start_fake(fb);
}

static void fakebus_stop(struct fakebus *fb)
{
	char path[128];

	fakebus_stop_fake(fb);
	fb->ctl = sd_bus_flush_close_unref(fb->ctl);
	if (fb->daemon_pid > 0) {
		kill(fb->daemon_pid, SIGTERM);
		waitpid(fb->daemon_pid, NULL, 0);
	}
	snprintf(path, sizeof(path), "%s/bus.conf", fb->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bus", fb->dir);
	unlink(path);
	rmdir(fb->dir);
}

/* Call test.Control.@method with @sig and the arguments; 0 or -errno. */
static int fakebus_ctl(struct fakebus *fb, sd_bus_message **reply, const char *method,
		       const char *sig, ...)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	va_list ap;
	int r = sd_bus_message_new_method_call(fb->ctl, &m, "org.bluez", "/test",
					       "test.Control", method);

	if (r >= 0 && sig && *sig) {
		va_start(ap, sig);
		r = sd_bus_message_appendv(m, sig, ap);
		va_end(ap);
	}
	if (r >= 0)
		r = sd_bus_call(fb->ctl, m, 5000000, &e, reply);
	if (r < 0)
		fprintf(stderr, "test.Control.%s: %s\n", method, e.message ? e.message : strerror(-r));
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	return r < 0 ? r : 0;
}

#endif
