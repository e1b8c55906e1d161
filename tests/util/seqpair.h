/* SPDX-License-Identifier: MIT */
/* seqpair.h — the fixture the radio source tests share: a SOCK_SEQPACKET socketpair whose
 * far end plays the kernel or the controller (one message = one packet, as on the
 * Bluetooth sockets), and a sink that records the adverts a source delivers. Every wait is
 * a poll() with a bounded timeout, never a sleep. Include after <cmocka.h>. */
#ifndef MI32_TEST_SEQPAIR_H
#define MI32_TEST_SEQPAIR_H

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "source/source.h"

#define SINK_MAX_ADVS 16

struct sink {
	struct adv advs[SINK_MAX_ADVS];
	int n;
	int destroyed;
	struct source *free_me; /* free this source from inside the callback */
};

/* A source_adv_fn: @user_data is a struct sink. */
static inline void sink_on_adv(const struct adv *a, void *user_data)
{
	struct sink *s = user_data;

	if (s->n < SINK_MAX_ADVS)
		s->advs[s->n++] = *a;
	if (s->free_me) {
		struct source *src = s->free_me;

		s->free_me = NULL;
		source_free(src);
	}
}

/* The destroy function a source runs on free. */
static inline void sink_on_destroy(void *user_data)
{
	((struct sink *)user_data)->destroyed++;
}

/* sv[0] for the source under test, sv[1] for the test's end. */
static inline void seqpair_open(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

/* Receive the next message within 1 s into @buf; returns its length. */
static inline size_t seqpair_recv(int fd, uint8_t *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, 1000), 1);
	n = recv(fd, buf, size, 0);
	assert_true(n >= 0);
	return (size_t)n;
}

/* Nothing is waiting to be read. */
static inline void seqpair_quiet(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 0), 0);
}

static inline void seqpair_send(int fd, const uint8_t *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
}

#endif
