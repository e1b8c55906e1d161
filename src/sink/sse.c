/* SPDX-License-Identifier: MIT */
/* sse.c — Server-Sent Events streams (see sse.h). MHD pulls from each client's queue through
 * a content reader; an empty queue suspends the connection, a send resumes it. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "sink/sse.h"

struct sse_client {
	struct sse_client *next;
	struct sse_hub *hub;   /* NULL once the hub is gone */
	struct MHD_Connection *conn;
	char *buf;
	size_t len, off, cap;
	bool suspended;
	bool dead;             /* overflowed or closing: the reader ends the stream */
	bool keys;             /* authenticated: gets the variant with keys */
};

struct sse_hub {
	struct sse_client *clients;
	unsigned int n;
	unsigned long dropped;
	size_t queue_max;
	void (*wake)(void *data);
	void *data;
};

struct sse_hub *sse_hub_new(size_t queue_max, void (*wake)(void *data), void *data)
{
	struct sse_hub *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->queue_max = queue_max ? queue_max : SSE_QUEUE_MAX;
	h->wake = wake;
	h->data = data;
	return h;
}

static void resume(struct sse_client *c)
{
	if (!c->suspended)
		return;
	c->suspended = false;
	MHD_resume_connection(c->conn);
	if (c->hub && c->hub->wake)
		c->hub->wake(c->hub->data);
}

void sse_hub_close(struct sse_hub *h)
{
	if (!h)
		return;
	for (struct sse_client *c = h->clients; c; c = c->next) {
		c->dead = true;
		resume(c);
	}
}

void sse_hub_free(struct sse_hub *h)
{
	if (!h)
		return;
	for (struct sse_client *c = h->clients; c; c = c->next)
		c->hub = NULL;
	free(h);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *c = cls;
	size_t n;

	(void)pos;
	if (c->dead)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = c->len - c->off;
	if (!n) {
		/* nothing to say: leave the loop alone until sse_hub_send() resumes us */
		c->suspended = true;
		MHD_suspend_connection(c->conn);
		return 0;
	}
	if (n > max)
		n = max;
	memcpy(buf, c->buf + c->off, n);
	c->off += n;
	if (c->off == c->len)
		c->off = c->len = 0;
	return (ssize_t)n;
}

static void client_free(void *cls)
{
	struct sse_client *c = cls;

	if (c->hub) {
		struct sse_client **pp = &c->hub->clients;

		while (*pp && *pp != c)
			pp = &(*pp)->next;
		if (*pp)
			*pp = c->next;
		c->hub->n--;
	}
	free(c->buf);
	free(c);
}

/* Append @n bytes; a queue past queue_max drops the client. */
static void put(struct sse_client *c, const char *p, size_t n)
{
	if (c->dead)
		return;
	if (c->off && c->len + n > c->cap) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len + n > c->hub->queue_max) {
		c->dead = true;
		c->hub->dropped++;
		return;
	}
	if (c->len + n > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *b;

		while (cap < c->len + n)
			cap *= 2;
		if (cap > c->hub->queue_max)
			cap = c->hub->queue_max;
		b = realloc(c->buf, cap);
		if (!b) {
			c->dead = true;
			return;
		}
		c->buf = b;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

static void put_event(struct sse_client *c, const char *event, const char *data)
{
	if (event) {
		put(c, "event: ", 7);
		put(c, event, strlen(event));
		put(c, "\n", 1);
	}
	put(c, "data: ", 6);
	/* one data line: a line break inside would end the field early */
	for (const char *p = data; *p;) {
		size_t k = strcspn(p, "\r\n");

		put(c, p, k);
		p += k;
		if (*p) {
			put(c, " ", 1);
			p++;
		}
	}
	put(c, "\n\n", 2);
}

struct MHD_Response *sse_hub_attach(struct sse_hub *h, struct MHD_Connection *conn,
				    const char *first, bool keys)
{
	struct sse_client *c;
	struct MHD_Response *r;

	if (h->n >= SSE_CLIENTS_MAX)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->hub = h;
	c->conn = conn;
	c->keys = keys;
	/* the browser reconnects after 2 s if the stream breaks */
	put(c, "retry: 2000\n\n", 13);
	if (first)
		put_event(c, "hello", first);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, reader, c, client_free);
	if (!r) {
		free(c->buf);
		free(c);
		return NULL;
	}
	c->next = h->clients;
	h->clients = c;
	h->n++;
	return r;
}

static bool wants(const struct sse_client *c, enum sse_to to)
{
	return to == SSE_TO_ALL || (to == SSE_TO_KEYS) == c->keys;
}

unsigned int sse_hub_count(const struct sse_hub *h, enum sse_to to)
{
	unsigned int n = 0;

	for (const struct sse_client *c = h ? h->clients : NULL; c; c = c->next)
		n += wants(c, to) && !c->dead;
	return n;
}

void sse_hub_send(struct sse_hub *h, enum sse_to to, const char *event, const char *data)
{
	for (struct sse_client *c = h->clients; c; c = c->next) {
		if (!wants(c, to))
			continue;
		put_event(c, event, data);
		resume(c);
	}
}

void sse_hub_ping(struct sse_hub *h)
{
	for (struct sse_client *c = h->clients; c; c = c->next) {
		put(c, ": ping\n\n", 8);
		resume(c);
	}
}

unsigned int sse_hub_clients(const struct sse_hub *h)
{
	return h ? h->n : 0;
}

unsigned long sse_hub_dropped(const struct sse_hub *h)
{
	return h ? h->dropped : 0;
}
