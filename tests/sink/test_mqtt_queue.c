/* SPDX-License-Identifier: MIT */
/* test_mqtt_queue.c — the MQTT offline queue: order, bounds by count and bytes, drop counting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sink/mqtt_queue.h"

static void expect_head(struct mqtt_queue *q, const char *topic, const char *payload)
{
	const char *t;
	const void *p;
	size_t len;
	bool retain;

	assert_true(mqtt_queue_peek(q, &t, &p, &len, &retain));
	assert_string_equal(t, topic);
	assert_int_equal(len, strlen(payload));
	assert_memory_equal(p, payload, len);
}

static void fifo_order(void **state)
{
	struct mqtt_queue *q = mqtt_queue_new(4, 0);
	const char *t;
	const void *p;
	size_t len;

	(void)state;
	assert_non_null(q);
	assert_false(mqtt_queue_peek(q, &t, &p, &len, NULL));
	mqtt_queue_pop(q); /* empty: no-op */
	assert_int_equal(mqtt_queue_push(q, "a/SENSOR", "1", 1, false), 0);
	assert_int_equal(mqtt_queue_push(q, "b/SENSOR", "22", 2, true), 0);
	assert_int_equal(mqtt_queue_len(q), 2);
	assert_int_equal(mqtt_queue_bytes(q), 3);
	expect_head(q, "a/SENSOR", "1");
	mqtt_queue_pop(q);
	expect_head(q, "b/SENSOR", "22");
	mqtt_queue_pop(q);
	assert_int_equal(mqtt_queue_len(q), 0);
	assert_int_equal(mqtt_queue_bytes(q), 0);
	assert_int_equal(mqtt_queue_dropped(q), 0);
	mqtt_queue_free(q);
}

/* Full by count: the oldest goes, the ring wraps, order stays. */
static void drops_oldest_by_count(void **state)
{
	struct mqtt_queue *q = mqtt_queue_new(3, 0);
	char b[16];

	(void)state;
	for (int i = 0; i < 10; i++) {
		snprintf(b, sizeof(b), "%d", i);
		assert_int_equal(mqtt_queue_push(q, "t", b, strlen(b), false), 0);
	}
	assert_int_equal(mqtt_queue_len(q), 3);
	assert_int_equal(mqtt_queue_dropped(q), 7);
	for (int i = 7; i < 10; i++) {
		snprintf(b, sizeof(b), "%d", i);
		expect_head(q, "t", b);
		mqtt_queue_pop(q);
	}
	mqtt_queue_free(q);
}

static void drops_oldest_by_bytes(void **state)
{
	struct mqtt_queue *q = mqtt_queue_new(100, 10);

	(void)state;
	assert_int_equal(mqtt_queue_push(q, "t", "aaaa", 4, false), 0);
	assert_int_equal(mqtt_queue_push(q, "t", "bbbb", 4, false), 0);
	assert_int_equal(mqtt_queue_push(q, "t", "cccc", 4, false), 0); /* 12 > 10: a goes */
	assert_int_equal(mqtt_queue_dropped(q), 1);
	assert_int_equal(mqtt_queue_bytes(q), 8);
	expect_head(q, "t", "bbbb");
	/* larger than the whole bound: refused and counted, the rest untouched */
	assert_int_equal(mqtt_queue_push(q, "t", "01234567890", 11, false), -E2BIG);
	assert_int_equal(mqtt_queue_dropped(q), 2);
	assert_int_equal(mqtt_queue_len(q), 2);
	/* an empty payload is a message too */
	assert_int_equal(mqtt_queue_push(q, "t", "", 0, false), 0);
	assert_int_equal(mqtt_queue_len(q), 3);
	mqtt_queue_free(q);
}

static void bad_args(void **state)
{
	(void)state;
	assert_null(mqtt_queue_new(0, 0));
	mqtt_queue_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fifo_order),
		cmocka_unit_test(drops_oldest_by_count),
		cmocka_unit_test(drops_oldest_by_bytes),
		cmocka_unit_test(bad_args),
	};
	return cmocka_run_group_tests_name("mqtt_queue", tests, NULL, NULL);
}
