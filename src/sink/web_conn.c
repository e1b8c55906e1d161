/* SPDX-License-Identifier: MIT */
/* web_conn.c — the web interface's connections and their deadline. libmicrohttpd's timeout
 * is for silence: a client that sends one header line every few seconds keeps a connection
 * forever. Each connection here has a deadline by which its request (headers and body) must
 * be in: WEB_REQUEST_S after it opened or after its last request ended. The daemon's
 * one-second tick cuts what is late; idle keep-alive connections go the same way. */
#include <string.h>
#include <sys/socket.h>

#include "sink/web_int.h"
#include "util/log.h"

static struct web__conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void web__conn_stamp(struct web *w, struct MHD_Connection *c, bool waiting)
{
	struct web__conn *k = conn_of(c);

	if (k)
		k->deadline_us = waiting ? web__mono_us(w) + WEB_REQUEST_S * 1000000ull : 0;
}

void web__on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			 enum MHD_ConnectionNotificationCode toe)
{
	struct web *w = cls;
	struct web__conn *k = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (k)
			memset(k, 0, sizeof(*k));
		*socket_context = NULL;
		return;
	}
	/* WEB_CONN_MAX is libmicrohttpd's limit too, so a slot is always free */
	for (size_t i = 0; i < WEB_CONN_MAX; i++) {
		k = &w->conns[i];
		if (!k->c) {
			const union MHD_ConnectionInfo *ci =
				MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

			k->c = c;
			k->fd = ci ? ci->connect_fd : -1;
			k->deadline_us = web__mono_us(w) + WEB_REQUEST_S * 1000000ull;
			*socket_context = k;
			return;
		}
	}
}

void web__cut_slow(struct web *w)
{
	uint64_t now;
	unsigned int cut = 0;

	/* what arrived while the loop was busy is read first: on a loaded machine a request
	 * that is in the socket is not late */
	web__run(w);
	now = web__mono_us(w);

	for (size_t i = 0; i < WEB_CONN_MAX; i++) {
		struct web__conn *k = &w->conns[i];

		/* shutdown, not close: libmicrohttpd owns the fd, sees the end and closes it */
		if (k->c && k->deadline_us && now > k->deadline_us && k->fd >= 0) {
			shutdown(k->fd, SHUT_RDWR);
			k->deadline_us = 0;
			cut++;
		}
	}
	/* libmicrohttpd's epoll set sees the shut sockets and wakes the loop: no run here */
	if (cut) {
		w->cut_slow += cut;
		log_debug("web: cut %u connection(s) whose request was not in after %u s", cut,
			  WEB_REQUEST_S);
	}
}

