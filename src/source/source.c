/* SPDX-License-Identifier: MIT */
/* source.c — what the radio sources share: construction, the deferred free, the read
 * loop, the scan-parameter range and the bookkeeping of a one-command-at-a-time set-up
 * sequence. The kinds (mgmt.c, hci.c, h4.c) keep only what differs, behind source_ops. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/clock.h"
#include "source/source.h"

/* Kernel ABI (include/net/bluetooth/hci_sock.h); defined here to avoid libbluetooth. */
#ifndef AF_BLUETOOTH
#define AF_BLUETOOTH 31
#endif
#define MI32_BTPROTO_HCI 1

struct mi32_sockaddr_hci {
	sa_family_t hci_family;
	unsigned short hci_dev;
	unsigned short hci_channel;
};

int source__hci_socket(uint16_t dev, unsigned short channel, const char *what,
		       char err[static 256])
{
	struct mi32_sockaddr_hci sa;
	int fd, e;

	err[0] = '\0';
	fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, MI32_BTPROTO_HCI);
	if (fd < 0) {
		e = errno;
		if (e == EAFNOSUPPORT || e == EPROTONOSUPPORT)
			snprintf(err, 256, "this kernel has no Bluetooth support "
					   "(socket(AF_BLUETOOTH): %s)", strerror(e));
		else
			snprintf(err, 256, "cannot open %s: %s", what, strerror(e));
		return -e;
	}
	memset(&sa, 0, sizeof(sa));
	sa.hci_family = AF_BLUETOOTH;
	sa.hci_dev = dev;
	sa.hci_channel = channel;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int source__init(struct source *s, const struct source_ops *ops, int fd, source_adv_fn cb,
		 void *user_data, void (*destroy)(void *user_data))
{
	if (fd < 0 || !cb)
		return -EINVAL;
	s->ops = ops;
	s->fd = fd;
	s->cb = cb;
	s->user_data = user_data;
	s->destroy = destroy;
	s->interval = SOURCE_SCAN_DEFAULT;
	s->window = SOURCE_SCAN_DEFAULT;
	return 0;
}

void source__release(struct source *s)
{
	if (s->destroy)
		s->destroy(s->user_data);
	close(s->fd);
}

void source_free(struct source *s)
{
	if (!s)
		return;
	if (s->busy) {
		s->dead = true;
		return;
	}
	s->ops->free(s);
}

/* Leave a process/input call: the deferred free happens here. Returns @err, or 0 when the
 * source is gone (its caller asked for that, so there is nothing to report). */
static int leave(struct source *s, int err)
{
	s->busy--;
	if (s->dead && !s->busy) {
		s->ops->free(s);
		return 0;
	}
	return err;
}

int source_fd(const struct source *s)
{
	return s->fd;
}

int source_set_scan_params(struct source *s, uint16_t interval, uint16_t window)
{
	if (interval < 0x0004 || interval > 0x4000 || window < 0x0004 || window > interval)
		return -EINVAL;
	s->interval = interval;
	s->window = window;
	return 0;
}

int source_start(struct source *s, bool active)
{
	return s->ops->start(s, active);
}

int source_restart(struct source *s)
{
	return s->ops->restart(s);
}

int source_stop(struct source *s)
{
	int err = s->ops->stop ? s->ops->stop(s) : 0;

	s->state = SOURCE_STATE_IDLE;
	s->step = 0;
	s->pending_op = 0;
	return err;
}

int source_tick(struct source *s, uint64_t now_us)
{
	return s->ops->tick(s, now_us);
}

int source_input(struct source *s, const uint8_t *p, size_t len)
{
	s->busy++;
	return leave(s, s->ops->input(s, p, len));
}

/* One read: a packet from a socket (recv with MSG_DONTWAIT, since a test's socketpair is
 * blocking), or whatever a tty has. Returns the length, 0 when nothing is pending, or
 * -errno; -ECONNRESET on hang-up. */
static ssize_t read_once(struct source *s)
{
	ssize_t n;

	for (;;) {
		n = s->stream ? read(s->fd, s->buf, s->buf_size)
			      : recv(s->fd, s->buf, s->buf_size, MSG_DONTWAIT);
		if (n > 0)
			return n;
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		/* a USB adapter unplugged, a pty whose other end closed */
		if (s->stream && errno == EIO)
			return -ECONNRESET;
		return -errno;
	}
}

int source_process(struct source *s)
{
	int err = 0;

	s->busy++;
	for (unsigned int i = 0; i < s->max_reads && !s->dead; i++) {
		ssize_t n = read_once(s);
		int e;

		if (n <= 0) {
			/* a read error outranks what the packets before it said */
			if (n < 0)
				err = (int)n;
			break;
		}
		e = s->ops->input(s, s->buf, (size_t)n);
		if (e < 0 && !err)
			err = e;
	}
	return leave(s, err);
}

void source_get_status(const struct source *s, struct source_status *out)
{
	memset(out, 0, sizeof(*out));
	out->state = s->state;
	out->have_addr = s->have_addr;
	memcpy(out->addr, s->addr, 6);
	out->scan_interval = s->interval;
	out->scan_window = s->window;
	out->duty_percent = (unsigned int)s->window * 100u / s->interval;
	out->last_adv_us = s->last_adv_us;
	snprintf(out->error, sizeof(out->error), "%s", s->error);
	if (s->ops->status)
		s->ops->status(s, out);
}

void source__deliver(struct source *s, const struct adv *adv)
{
	s->last_adv_us = clock_mono_us();
	s->cb(adv, s->user_data);
}

void source__begin(struct source *s, bool restarting)
{
	s->restarting = restarting;
	s->error[0] = '\0';
	s->state = SOURCE_STATE_STARTING;
}

void source__sent(struct source *s, int step, uint16_t op)
{
	s->step = step;
	s->pending_op = op;
	s->cmd_sent_us = clock_mono_us();
}

int source__advance(struct source *s, int from, const struct source_seq *seq)
{
	for (int step = from; step < seq->running; step++)
		if (seq->wanted(s, step))
			return seq->send(s, step);
	s->step = seq->running;
	s->pending_op = 0;
	s->restarting = false;
	s->state = SOURCE_STATE_RUNNING;
	return 0;
}

int source__fail(struct source *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	s->state = SOURCE_STATE_FAILED;
	s->step = 0;
	s->pending_op = 0;
	return err;
}

bool source__overdue(const struct source *s, uint64_t now_us, uint64_t timeout_us)
{
	return s->pending_op && now_us >= s->cmd_sent_us + timeout_us;
}
