/* SPDX-License-Identifier: MIT */
/* web_limit.c — wrong passwords per client address: WEB_LIMIT_FREE tries, then a lockout
 * that doubles with each further wrong password, up to WEB_LIMIT_MAX_S. Each address has
 * its own count, so one client's guesses never lock out another. IPv6 clients count per
 * /64 (one host holds a whole /64). Fixed memory, time passed in: pure and testable. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sink/web_int.h"

/* the key of @sa: IPv4 as ::ffff:a.b.c.d, IPv6 its /64 */
static bool key_of(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a))
			memcpy(key, a, 16);
		else
			memcpy(key, a, 8);
		return true;
	}
	return false;
}

/* an entry without a wrong password for WEB_LIMIT_FORGET_S, counted from the end of its
 * lockout, starts over */
static bool forgotten(const struct web__limit_entry *e, uint64_t now_us)
{
	uint64_t last = e->last_us > e->until_us ? e->last_us : e->until_us;

	return now_us >= last + WEB_LIMIT_FORGET_S * 1000000ull;
}

static struct web__limit_entry *find(struct web__limit *l, const uint8_t key[16],
				     uint64_t now_us, bool make)
{
	struct web__limit_entry *victim = NULL;

	for (size_t i = 0; i < WEB_LIMIT_ADDRS; i++) {
		struct web__limit_entry *e = &l->e[i];

		if (e->used && !memcmp(e->key, key, 16)) {
			if (forgotten(e, now_us))
				memset(e, 0, sizeof(*e));
			else
				return e;
		}
	}
	if (!make)
		return NULL;
	/* room: a free entry, else the one least recently wrong, preferring unlocked ones */
	for (size_t i = 0; i < WEB_LIMIT_ADDRS; i++) {
		struct web__limit_entry *e = &l->e[i];
		bool locked = e->until_us > now_us;

		if (!e->used || forgotten(e, now_us)) {
			victim = e;
			break;
		}
		if (!victim || (victim->until_us > now_us && !locked) ||
		    ((victim->until_us > now_us) == locked && e->last_us < victim->last_us))
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	memcpy(victim->key, key, 16);
	return victim;
}

unsigned int web__limit_locked(struct web__limit *l, const struct sockaddr *sa,
			       uint64_t now_us)
{
	uint8_t key[16];
	struct web__limit_entry *e;

	if (!key_of(sa, key) || !(e = find(l, key, now_us, false)) || e->until_us <= now_us)
		return 0;
	return (unsigned int)((e->until_us - now_us + 999999u) / 1000000u);
}

unsigned int web__limit_fail(struct web__limit *l, const struct sockaddr *sa, uint64_t now_us)
{
	uint8_t key[16];
	struct web__limit_entry *e;
	unsigned int lock_s;

	if (!key_of(sa, key))
		return 0;
	e = find(l, key, now_us, true);
	e->last_us = now_us;
	if (e->until_us > now_us)
		return 0; /* refused before it was checked: does not count */
	if (++e->fails < WEB_LIMIT_FREE)
		return 0;
	lock_s = WEB_LIMIT_BASE_S;
	for (unsigned int i = 0; i < e->level && lock_s < WEB_LIMIT_MAX_S; i++)
		lock_s *= 2;
	if (lock_s > WEB_LIMIT_MAX_S)
		lock_s = WEB_LIMIT_MAX_S;
	e->until_us = now_us + lock_s * 1000000ull;
	e->level++;
	/* after a lockout, the next wrong password locks again, for twice as long */
	e->fails = WEB_LIMIT_FREE - 1;
	return lock_s;
}

void web__limit_ok(struct web__limit *l, const struct sockaddr *sa, uint64_t now_us)
{
	uint8_t key[16];
	struct web__limit_entry *e;

	if (key_of(sa, key) && (e = find(l, key, now_us, false)) && e->until_us <= now_us)
		memset(e, 0, sizeof(*e));
}
