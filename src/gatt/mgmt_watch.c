/* SPDX-License-Identifier: MIT */
/* mgmt_watch.c — Device Disconnected and New Identity Resolving Key from a management
 * control socket (mgmt_watch.h). Layouts: BlueZ doc/mgmt-api.txt (events 0x000C, 0x0018). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "gatt/mgmt_watch.h"
#include "source/source.h"
#include "util/log.h"
#include "util/rd.h"

#define HCI_CHANNEL_CONTROL 3
#define MGMT_INDEX_NONE 0xFFFF
#define EV_DEVICE_DISCONNECTED 0x000C
#define EV_NEW_IRK 0x0018

struct mgmt_watch {
	struct mgmt_watch_events cb;
	void *data;
	int fd;
	sd_event_source *io;
};

int mgmt_watch_reason_hci(unsigned int mgmt_reason)
{
	/* the kernel's classes (hci_to_mgmt_reason), back to a code of each class */
	static const int hci[] = { -1, 0x08, 0x16, 0x13, 0x05, 0x15 };

	return mgmt_reason < sizeof(hci) / sizeof(hci[0]) ? hci[mgmt_reason] : -1;
}

/* An address as mgmt sends it (little-endian) into display order */
static void take_mac(struct rd *r, uint8_t mac[6])
{
	const uint8_t *p = rd_take(r, 6);

	for (int i = 0; p && i < 6; i++)
		mac[i] = p[5 - i];
}

int mgmt_watch_feed(const struct mgmt_watch_events *cb, void *data, const uint8_t *pkt,
		    size_t len)
{
	struct rd r = rd_init(pkt, len);
	uint16_t code = rd_le16(&r), index = rd_le16(&r), plen = rd_le16(&r);
	uint8_t mac[6], type;

	if (!rd_ok(&r) || rd_left(&r) != plen)
		return -EBADMSG;
	if (code == EV_DEVICE_DISCONNECTED) {
		uint8_t reason;

		take_mac(&r, mac);
		type = rd_u8(&r);
		reason = rd_u8(&r);
		if (!rd_ok(&r))
			return -EBADMSG;
		if (cb->disconnected)
			cb->disconnected(data, index, mac, type, mgmt_watch_reason_hci(reason));
	} else if (code == EV_NEW_IRK) {
		const uint8_t *irk;
		uint8_t rpa[6];

		rd_u8(&r);       /* store hint */
		take_mac(&r, rpa); /* the RPA it was last seen with */
		take_mac(&r, mac);
		type = rd_u8(&r);
		irk = rd_take(&r, 16);
		if (!rd_ok(&r) || !irk)
			return -EBADMSG;
		if (cb->new_irk)
			cb->new_irk(data, index, rpa, mac, type, irk);
	}
	return 0;
}

void mgmt_watch_drain(struct mgmt_watch *w)
{
	uint8_t buf[512];

	if (!w)
		return;
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (mgmt_watch_feed(&w->cb, w->data, buf, (size_t)n) < 0)
			log_debug("gatt: a management event of %zd bytes not understood", n);
	}
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	(void)s;
	(void)fd;
	(void)revents;
	mgmt_watch_drain(data);
	return 0;
}

int mgmt_watch_new(sd_event *ev, const struct mgmt_watch_events *cb, void *data,
		   struct mgmt_watch **out)
{
	struct mgmt_watch *w = calloc(1, sizeof(*w));
	char err[256];
	int r;

	if (!w)
		return -ENOMEM;
	w->cb = *cb;
	w->data = data;
	w->fd = source__hci_socket(MGMT_INDEX_NONE, HCI_CHANNEL_CONTROL, "a management socket",
				   err);
	if (w->fd < 0) {
		r = w->fd;
		free(w);
		return r;
	}
	r = sd_event_add_io(ev, &w->io, w->fd, EPOLLIN, on_io, w);
	if (r < 0) {
		close(w->fd);
		free(w);
		return r;
	}
	*out = w;
	return 0;
}

void mgmt_watch_free(struct mgmt_watch *w)
{
	if (!w)
		return;
	sd_event_source_disable_unref(w->io);
	close(w->fd);
	free(w);
}
