/* SPDX-License-Identifier: MIT */
/* advfilter.c — watch and block lists; see advfilter.h */
#include "store/advfilter.h"

#include <errno.h>
#include <string.h>

#include "util/hex.h"

void advfilter_init(struct advfilter *f)
{
	memset(f, 0, sizeof(*f));
}

static int find(const struct advfilter *f, enum advfilter_list list, const uint8_t mac[6])
{
	for (unsigned int i = 0; i < f->n[list]; i++)
		if (!memcmp(f->addr[list][i], mac, 6))
			return (int)i;
	return -1;
}

int advfilter_add(struct advfilter *f, enum advfilter_list list, const uint8_t mac[6])
{
	if (find(f, list, mac) >= 0)
		return 0;
	if (f->n[list] >= ADVFILTER_MAX)
		return -ENOSPC;
	memcpy(f->addr[list][f->n[list]++], mac, 6);
	return 1;
}

int advfilter_remove(struct advfilter *f, enum advfilter_list list, const uint8_t mac[6])
{
	int i = find(f, list, mac);

	if (i < 0)
		return 0;
	/* keep the order the user added them in: the list is shown back as it was given */
	memmove(f->addr[list][i], f->addr[list][i + 1], (f->n[list] - (unsigned int)i - 1) * 6);
	f->n[list]--;
	return 1;
}

void advfilter_clear(struct advfilter *f, enum advfilter_list list)
{
	f->n[list] = 0;
}

unsigned int advfilter_count(const struct advfilter *f, enum advfilter_list list)
{
	return f->n[list];
}

const uint8_t *advfilter_get(const struct advfilter *f, enum advfilter_list list,
			     unsigned int i)
{
	return i < f->n[list] ? f->addr[list][i] : NULL;
}

bool advfilter_pass(const struct advfilter *f, const uint8_t mac[6])
{
	/* the common case, no lists at all, costs two loads */
	if (f->n[ADVFILTER_BLOCK] && find(f, ADVFILTER_BLOCK, mac) >= 0)
		return false;
	return !f->n[ADVFILTER_WATCH] || find(f, ADVFILTER_WATCH, mac) >= 0;
}

int advfilter_parse_mac(const char *s, uint8_t mac[6])
{
	size_t len = strlen(s);

	/* 12 digits, or 6 pairs with one separator between each: hex_decode takes both */
	if (len != 12 && len != 17)
		return -EINVAL;
	if (len == 17)
		for (size_t i = 2; i < 17; i += 3)
			if (s[i] != ':' && s[i] != '-')
				return -EINVAL;
	return hex_decode(s, mac, 6) == 6 ? 0 : -EINVAL;
}
