/* SPDX-License-Identifier: MIT */
/* h4.c — H4 UART transport: termios set-up and a framer that cuts the byte stream into
 * packets (Core Vol 4 Part A 2: a type byte, then the packet; lengths from each type's
 * header). A UART can start mid-packet or pick up noise, so the framer only trusts a
 * header that looks plausible and otherwise drops one byte and looks again. The HCI
 * commands and state machine are hci.c's; the bytes written are the same as on a socket. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "source/h4.h"
#include "source/hci_event.h"

#define H4_READ_SIZE 1024
#define H4_READS_PER_PROCESS 64

/* The shared part reads the tty; the HCI source inside owns the fd (it writes the
 * commands on it and closes it) and delivers the adverts. */
struct h4 {
	struct source src; /* first */
	struct hci *hci;
	struct h4_framer framer;
	int err; /* first error from hci_input() during one feed */
	uint8_t rbuf[H4_READ_SIZE];
};

static const struct source_ops h4_ops;

static struct h4 *of(const struct source *s)
{
	return (struct h4 *)s;
}

void h4_framer_init(struct h4_framer *f)
{
	memset(f, 0, sizeof(*f));
}

static void reset_packet(struct h4_framer *f)
{
	f->have = 0;
	f->need = 0;
}

/* Event codes run 0x01..0x59 in Core 5.4, 0xFF is vendor; leave room for new ones. */
static bool plausible_event(uint8_t code)
{
	return (code >= 0x01 && code <= 0x7F) || code == 0xFF;
}

static void push(struct h4_framer *f, uint8_t b, h4_packet_fn cb, void *user_data);

/* The bytes in buf do not start a packet: drop the first, rescan the rest. */
static void resync(struct h4_framer *f, h4_packet_fn cb, void *user_data)
{
	uint8_t tmp[8];
	size_t n = f->have - 1;

	/* only ever called on a header, at most 5 bytes */
	memcpy(tmp, f->buf + 1, n);
	f->stats.garbage_bytes++;
	reset_packet(f);
	for (size_t i = 0; i < n; i++)
		push(f, tmp[i], cb, user_data);
}

static void push(struct h4_framer *f, uint8_t b, h4_packet_fn cb, void *user_data)
{
	uint32_t len;

	if (f->skip) {
		f->skip--;
		return;
	}
	if (f->have == 0) {
		switch (b) {
		case HCI_H4_EVENT:
			f->need = 3;
			break;
		case HCI_H4_ACL:
		case HCI_H4_ISO:
			f->need = 5; /* handle (2), length (2) */
			break;
		case HCI_H4_SCO:
			f->need = 4; /* handle (2), length (1) */
			break;
		default:
			f->stats.garbage_bytes++;
			return;
		}
	}
	f->buf[f->have++] = b;
	if (f->have < f->need)
		return;
	switch (f->buf[0]) {
	case HCI_H4_EVENT:
		if (f->have == 3) {
			if (!plausible_event(f->buf[1])) {
				resync(f, cb, user_data);
				return;
			}
			f->need = 3u + f->buf[2];
			if (f->have < f->need)
				return;
		}
		f->stats.packets++;
		cb(f->buf, f->have, user_data);
		reset_packet(f);
		return;
	case HCI_H4_SCO:
		f->skip = f->buf[3];
		f->stats.skipped_pkts++;
		reset_packet(f);
		return;
	case HCI_H4_ACL:
	case HCI_H4_ISO:
		len = (uint32_t)f->buf[3] | (uint32_t)f->buf[4] << 8;
		if (f->buf[0] == HCI_H4_ISO)
			len &= 0x3FFF; /* top two bits are RFU */
		if (len > H4_MAX_SKIP_LEN) {
			resync(f, cb, user_data);
			return;
		}
		f->skip = len;
		f->stats.skipped_pkts++;
		reset_packet(f);
		return;
	default:
		reset_packet(f);
		return;
	}
}

void h4_framer_feed(struct h4_framer *f, const uint8_t *p, size_t len, h4_packet_fn cb,
		    void *user_data)
{
	for (size_t i = 0; i < len; i++) {
		/* skipping a long ACL payload byte by byte is needless work */
		if (f->skip) {
			size_t n = len - i < f->skip ? len - i : f->skip;

			f->skip -= n;
			i += n - 1;
			continue;
		}
		push(f, p[i], cb, user_data);
	}
}

int h4_parse_spec(const char *spec, char *path, size_t path_size, unsigned int *baud,
		  bool *flow)
{
	const char *comma;
	size_t n;

	if (!spec || !*spec)
		return -EINVAL;
	*baud = H4_DEFAULT_BAUD;
	*flow = false;
	comma = strchr(spec, ',');
	n = comma ? (size_t)(comma - spec) : strlen(spec);
	if (n == 0 || n >= path_size)
		return -EINVAL;
	memcpy(path, spec, n);
	path[n] = '\0';
	while (comma) {
		const char *item = comma + 1;
		char *end;

		comma = strchr(item, ',');
		n = comma ? (size_t)(comma - item) : strlen(item);
		if (n == 7 && strncmp(item, "crtscts", 7) == 0) {
			*flow = true;
			continue;
		}
		unsigned long v = strtoul(item, &end, 10);

		if (end != item + n || n == 0 || v == 0 || v > 12000000)
			return -EINVAL;
		*baud = (unsigned int)v;
	}
	return 0;
}

static int baud_to_speed(unsigned int baud, speed_t *out)
{
	static const struct {
		unsigned int baud;
		speed_t speed;
	} table[] = {
		{ 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },
		{ 57600, B57600 },     { 115200, B115200 },   { 230400, B230400 },
		{ 460800, B460800 },   { 500000, B500000 },   { 576000, B576000 },
		{ 921600, B921600 },   { 1000000, B1000000 }, { 1152000, B1152000 },
		{ 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
		{ 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].baud == baud) {
			*out = table[i].speed;
			return 0;
		}
	}
	return -EINVAL;
}

int h4_setup_tty(int fd, unsigned int baud, bool flow)
{
	struct termios t;
	speed_t speed;

	if (baud_to_speed(baud, &speed) < 0)
		return -EINVAL;
	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)CSTOPB;
	if (flow)
		t.c_cflag |= CRTSCTS;
	else
		t.c_cflag &= ~(tcflag_t)CRTSCTS;
	/* VMIN 1, not 0: with VMIN = VTIME = 0 n_tty_read() returns 0 on an empty
	 * queue even under O_NONBLOCK, which is indistinguishable from a hang-up. */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, speed) < 0 || cfsetospeed(&t, speed) < 0)
		return -errno;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	/* drop whatever the controller said before we listened */
	tcflush(fd, TCIOFLUSH);
	return 0;
}

int h4_open_tty(const char *path, unsigned int baud, bool flow, char err[static 256])
{
	int fd, e;

	err[0] = '\0';
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == EACCES || e == EPERM)
			snprintf(err, 256, "cannot open %s: %s (add the user to group dialout)",
				 path, strerror(e));
		else
			snprintf(err, 256, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	e = h4_setup_tty(fd, baud, flow);
	if (e < 0) {
		close(fd);
		if (e == -EINVAL)
			snprintf(err, 256, "%s: unsupported baud rate %u", path, baud);
		else if (e == -ENOTTY)
			snprintf(err, 256, "%s is not a serial port", path);
		else
			snprintf(err, 256, "cannot set up %s: %s", path, strerror(-e));
		return e;
	}
	return fd;
}

struct h4 *h4_new(int fd, source_adv_fn cb, void *user_data, void (*destroy)(void *user_data))
{
	struct h4 *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	/* the callback and @destroy belong to the HCI source, which delivers */
	if (source__init(&h->src, &h4_ops, fd, cb, NULL, NULL) < 0 ||
	    !(h->hci = hci_new(fd, HCI_MODE_H4, cb, user_data, destroy))) {
		free(h);
		return NULL;
	}
	h->src.buf = h->rbuf;
	h->src.buf_size = sizeof(h->rbuf);
	h->src.max_reads = H4_READS_PER_PROCESS;
	h->src.stream = true;
	h4_framer_init(&h->framer);
	return h;
}

static void ops_free(struct source *s)
{
	hci_free(of(s)->hci);
	free(of(s));
}

struct source *h4_source(struct h4 *h)
{
	return h ? &h->src : NULL;
}

static int ops_start(struct source *s, bool active)
{
	/* a half packet from before the start would misframe the Reset answer */
	h4_framer_init(&of(s)->framer);
	return hci_start(of(s)->hci, active);
}

static int ops_restart(struct source *s)
{
	return hci_restart(of(s)->hci);
}

static void on_packet(const uint8_t *pkt, size_t len, void *user_data)
{
	struct h4 *h = user_data;
	int e;

	if (h->src.dead)
		return;
	e = hci_input(h->hci, pkt, len);
	if (e < 0 && !h->err)
		h->err = e;
}

/* What one read brought: bytes, cut into packets for the HCI source. */
static int ops_input(struct source *s, const uint8_t *p, size_t len)
{
	struct h4 *h = of(s);

	h->err = 0;
	h4_framer_feed(&h->framer, p, len, on_packet, h);
	return h->err;
}

static int ops_tick(struct source *s, uint64_t now_us)
{
	return hci_tick(of(s)->hci, now_us);
}

/* Everything but the framing is the HCI source's. */
static void ops_status(const struct source *s, struct source_status *out)
{
	source_get_status(hci_source(of(s)->hci), out);
}

/* No stop: start() sends Reset, which ends whatever scan ran before. */
static const struct source_ops h4_ops = {
	.kind = "h4",
	.start = ops_start,
	.restart = ops_restart,
	.input = ops_input,
	.tick = ops_tick,
	.status = ops_status,
	.free = ops_free,
};

/* The typed calls: the generic ones on an H4 source. */
void h4_free(struct h4 *h)
{
	source_free(h4_source(h));
}

int h4_fd(const struct h4 *h)
{
	return h->src.fd;
}

int h4_start(struct h4 *h, bool active)
{
	return source_start(&h->src, active);
}

int h4_restart(struct h4 *h)
{
	return source_restart(&h->src);
}

int h4_process(struct h4 *h)
{
	return source_process(&h->src);
}

int h4_input(struct h4 *h, const uint8_t *p, size_t len)
{
	return source_input(&h->src, p, len);
}

uint64_t h4_last_adv_time(const struct h4 *h)
{
	return hci_last_adv_time(h->hci);
}

struct hci *h4_hci(struct h4 *h)
{
	return h->hci;
}

void h4_get_framer_stats(const struct h4 *h, struct h4_framer_stats *out)
{
	*out = h->framer.stats;
}
