/* SPDX-License-Identifier: MIT */
/* sse.h — Server-Sent Events over libmicrohttpd: one stream per client, each with a bounded
 * queue; a client whose queue overflows (it reads slower than we write) is dropped, never
 * waited for. Streams with nothing to send are suspended, so they cost no loop turns. */
#ifndef MI32_SSE_H
#define MI32_SSE_H

#include <stdbool.h>
#include <stddef.h>

struct MHD_Connection;
struct MHD_Response;
struct sse_hub;

#define SSE_QUEUE_MAX (256u * 1024u) /* bytes queued per client before it is dropped */
#define SSE_CLIENTS_MAX 32u

/* @wake(@data) runs when a suspended stream was resumed: the owner should run MHD soon. */
struct sse_hub *sse_hub_new(size_t queue_max, void (*wake)(void *data), void *data);
/* Free the hub. Call sse_hub_close() and stop MHD first; NULL is a no-op. */
void sse_hub_free(struct sse_hub *hub);
/* End every stream (before MHD_stop_daemon: MHD must not hold suspended connections). */
void sse_hub_close(struct sse_hub *hub);

/* A response streaming to a new client on @conn, with @first (may be NULL) queued as event
 * "hello"; @keys: the client is authenticated. Returns
 * NULL when SSE_CLIENTS_MAX are connected or on ENOMEM. */
struct MHD_Response *sse_hub_attach(struct sse_hub *hub, struct MHD_Connection *conn,
				    const char *first, bool keys);

/* Queue "event: @event\ndata: @data\n\n" (@data on one line) to the clients @to picks:
 * the authenticated ones (who may see keys), the others, or all. */
enum sse_to { SSE_TO_ALL = 0, SSE_TO_KEYS = 1, SSE_TO_NO_KEYS = 2 };
void sse_hub_send(struct sse_hub *hub, enum sse_to to, const char *event, const char *data);
/* Clients of each kind connected now. */
unsigned int sse_hub_count(const struct sse_hub *hub, enum sse_to to);
/* A comment line, so proxies and the browser keep the stream open. */
void sse_hub_ping(struct sse_hub *hub);

unsigned int sse_hub_clients(const struct sse_hub *hub);
unsigned long sse_hub_dropped(const struct sse_hub *hub);

#endif
