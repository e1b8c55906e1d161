/* SPDX-License-Identifier: MIT */
/* mqtt_queue.c — a ring of message pointers; each message is one allocation holding its
 * topic and payload. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sink/mqtt_queue.h"

struct qmsg {
	size_t len;
	bool retain;
	char *topic;     /* points into data[] after the payload */
	char data[];     /* payload, then the NUL-terminated topic */
};

struct mqtt_queue {
	struct qmsg **ring;
	unsigned int cap, head, count;
	size_t bytes, max_bytes;
	uint64_t dropped;
};

struct mqtt_queue *mqtt_queue_new(unsigned int max_msgs, size_t max_bytes)
{
	struct mqtt_queue *q;

	if (!max_msgs)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->ring = calloc(max_msgs, sizeof(*q->ring));
	if (!q->ring) {
		free(q);
		return NULL;
	}
	q->cap = max_msgs;
	q->max_bytes = max_bytes;
	return q;
}

void mqtt_queue_pop(struct mqtt_queue *q)
{
	struct qmsg *m;

	if (!q->count)
		return;
	m = q->ring[q->head];
	q->ring[q->head] = NULL;
	q->bytes -= m->len;
	free(m);
	q->head = (q->head + 1) % q->cap;
	q->count--;
}

void mqtt_queue_free(struct mqtt_queue *q)
{
	if (!q)
		return;
	while (q->count)
		mqtt_queue_pop(q);
	free(q->ring);
	free(q);
}

int mqtt_queue_push(struct mqtt_queue *q, const char *topic, const void *payload, size_t len,
		    bool retain)
{
	size_t tlen = strlen(topic);
	struct qmsg *m;

	if (q->max_bytes && len > q->max_bytes) {
		q->dropped++;
		return -E2BIG;
	}
	m = malloc(sizeof(*m) + len + tlen + 1);
	if (!m) {
		q->dropped++;
		return -ENOMEM;
	}
	m->len = len;
	m->retain = retain;
	memcpy(m->data, payload, len);
	m->topic = m->data + len;
	memcpy(m->topic, topic, tlen + 1);
	while (q->count == q->cap || (q->max_bytes && q->bytes + len > q->max_bytes)) {
		mqtt_queue_pop(q);
		q->dropped++;
	}
	q->ring[(q->head + q->count) % q->cap] = m;
	q->count++;
	q->bytes += len;
	return 0;
}

bool mqtt_queue_peek(const struct mqtt_queue *q, const char **topic, const void **payload,
		     size_t *len, bool *retain)
{
	const struct qmsg *m;

	if (!q->count)
		return false;
	m = q->ring[q->head];
	*topic = m->topic;
	*payload = m->data;
	*len = m->len;
	if (retain)
		*retain = m->retain;
	return true;
}

unsigned int mqtt_queue_len(const struct mqtt_queue *q)
{
	return q->count;
}

size_t mqtt_queue_bytes(const struct mqtt_queue *q)
{
	return q->bytes;
}

uint64_t mqtt_queue_dropped(const struct mqtt_queue *q)
{
	return q->dropped;
}
