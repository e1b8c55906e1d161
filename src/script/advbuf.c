/* SPDX-License-Identifier: MIT */
/* advbuf.c — the seed's advertisement buffer (advbuf.h). */
#include <string.h>

#include "script/advbuf.h"

size_t advbuf_fill(const struct adv *adv, uint8_t *out, size_t size, unsigned int *svc,
		   unsigned int *manu)
{
	size_t n = adv->len, i = 0;

	*svc = *manu = 0;
	if (size < ADVBUF_HEAD)
		return 0;
	if (n > size - ADVBUF_HEAD)
		n = size - ADVBUF_HEAD;
	if (n > ADV_DATA_MAX)
		n = ADV_DATA_MAX;
	memcpy(out, adv->addr, 6);
	out[6] = adv->addr_type;
	out[7] = (uint8_t)adv->rssi; /* two's complement: -70 -> 186, as the seed */
	out[8] = (uint8_t)n;
	memcpy(out + ADVBUF_HEAD, adv->data, n);
	/* [len][type][data...]: len counts type and data */
	while (i < n) {
		size_t len = out[ADVBUF_HEAD + i];

		if (len == 0 || i + 1 + len > n)
			break;
		if (len >= 3 && out[ADVBUF_HEAD + i + 1] == 0x16)
			*svc = (unsigned int)(ADVBUF_HEAD + i + 2);
		else if (len >= 3 && out[ADVBUF_HEAD + i + 1] == 0xFF)
			*manu = (unsigned int)(ADVBUF_HEAD + i + 2);
		i += 1 + len;
	}
	return ADVBUF_HEAD + n;
}
