/* SPDX-License-Identifier: MIT */
/* doctor.h — `mi32 doctor`: a first-run self-check that says in plain sentences what is and
 * is not ready for `mi32 run` with the same settings: kernel Bluetooth support, the
 * adapters, rfkill, power, bluetoothd, capabilities, the MQTT broker, the web port, the
 * sensor list and the state directory. It changes nothing. */
#ifndef MI32_DOCTOR_H
#define MI32_DOCTOR_H

#include <stdbool.h>
#include <stdio.h>

#define DOCTOR_LINES_MAX 40
#define DOCTOR_LINE_LEN 320

enum doctor_verdict {
	DOCTOR_OK,   /* ready */
	DOCTOR_NOTE, /* worth knowing, not in the way (bluetoothd stopped, no broker set) */
	DOCTOR_FAIL, /* not ready: mi32 run would fail or miss something it was told to do */
};

/* The findings, in order. A small value type: the checks append to it, the caller prints. */
struct doctor_report {
	unsigned int n;
	unsigned int failed;
	struct {
		enum doctor_verdict verdict;
		char text[DOCTOR_LINE_LEN];
	} line[DOCTOR_LINES_MAX];
};

/* Append one finding (dropped past DOCTOR_LINES_MAX, still counted when it fails). */
void doctor_say(struct doctor_report *r, enum doctor_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The checks that need no Bluetooth; each appends its sentences. */
/* A TCP connection to the broker @host:@port within @timeout_ms (NULL @host: none set). */
void doctor_check_broker(struct doctor_report *r, const char *host, unsigned int port,
			 int timeout_ms);
/* Can the web page bind @port on @bind (NULL: as the daemon picks, loopback unless
 * @password)? 0 @port: the page is off. */
void doctor_check_web_port(struct doctor_report *r, const char *bind, bool password,
			   unsigned int port);
/* The sensor list at @path: readable and valid by the daemon's own parser. */
void doctor_check_mi32cfg(struct doctor_report *r, const char *path);
/* The state directory exists and this user can create a file in it. */
void doctor_check_state_dir(struct doctor_report *r, const char *dir);

/* Write the report: a line a finding ("  ok    …", "  note  …", "  FAIL  …") and a verdict
 * line. */
void doctor_print(const struct doctor_report *r, FILE *f);

/* `mi32 doctor [the options of mi32 run]`: exit code 0 when everything is ready, 1 when
 * something is not (a bad option or settings file too: it is reported, and the rest is
 * checked with the defaults). */
int doctor_main(int argc, char **argv);

#endif
