/* SPDX-License-Identifier: MIT */
/* mqtt_queue.h — what the MQTT sink could not send while the broker was away: a bounded
 * FIFO of (topic, payload) copies, oldest dropped and counted when full. Pure: no MQTT, no
 * loop, so tests drive it alone. Cold path (only while disconnected), so it allocates. */
#ifndef MI32_MQTT_QUEUE_H
#define MI32_MQTT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mqtt_queue;

/* Create a queue holding at most @max_msgs messages and @max_bytes payload bytes (0 = no byte
 * bound). Returns NULL on ENOMEM or @max_msgs == 0. */
struct mqtt_queue *mqtt_queue_new(unsigned int max_msgs, size_t max_bytes);
void mqtt_queue_free(struct mqtt_queue *q); /* NULL is a no-op */

/* Append a copy of @topic and @len bytes of @payload. When full, the oldest messages are
 * dropped (counted in mqtt_queue_dropped()) to make room; a message larger than max_bytes is
 * itself dropped. Returns 0, -E2BIG (this message dropped) or -ENOMEM (dropped, counted). */
int mqtt_queue_push(struct mqtt_queue *q, const char *topic, const void *payload, size_t len,
		    bool retain);

/* The oldest message, borrowed until the next push/pop/free; false when empty. */
bool mqtt_queue_peek(const struct mqtt_queue *q, const char **topic, const void **payload,
		     size_t *len, bool *retain);
void mqtt_queue_pop(struct mqtt_queue *q); /* drop the oldest (sent); empty is a no-op */

unsigned int mqtt_queue_len(const struct mqtt_queue *q);
size_t mqtt_queue_bytes(const struct mqtt_queue *q);
uint64_t mqtt_queue_dropped(const struct mqtt_queue *q); /* since mqtt_queue_new() */

#endif
