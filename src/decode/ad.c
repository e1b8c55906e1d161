/* SPDX-License-Identifier: MIT */
/* ad.c — the AD structure walker. Each element is [len][type][len-1 bytes]. A zero length
 * ends the data (controllers pad legacy PDUs with zeros; that is not an error), unless
 * non-zero bytes follow it; a length past the end is malformed and ends the walk. */
#include <errno.h>
#include <string.h>

#include "decode/ad.h"
#include "util/rd.h"

static void add_svc(struct ad_info *ad, uint8_t bits, const uint8_t *p, uint8_t n)
{
	uint8_t ulen = bits / 8;
	struct ad_svc *s;

	if (n < ulen)
		return; /* too short to carry its UUID: ignored, like BlueZ does */
	ad->n_svc_seen++;
	if (ad->n_svc >= AD_MAX_SVC)
		return;
	s = &ad->svc[ad->n_svc++];
	s->bits = bits;
	s->uuid = p;
	/* 32/128-bit UUIDs built on the Bluetooth base keep the 16-bit alias in bytes 12-13 */
	s->uuid16 = bits == 128 ? get_le16(p + 12) : get_le16(p);
	s->data = p + ulen;
	s->len = (uint8_t)(n - ulen);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int ad__stop(const uint8_t *p, const uint8_t *end)
{
	return p[0] == 0 && all_zero(p + 1, (size_t)(end - p - 1)) ? 0 : -EBADMSG;
}

int ad_parse(const uint8_t *data, size_t len, struct ad_info *ad)
{
	struct ad_iter it;
	struct ad_elem e;

	memset(ad, 0, sizeof(*ad));
	ad_iter_init(&it, data, len);
	while (ad_next(&it, &e)) {
		const uint8_t *p = e.data;
		uint8_t n = e.len;

		ad->n_elements++;
		switch (e.type) {
		case AD_TYPE_FLAGS:
			if (n >= 1) {
				ad->has_flags = true;
				ad->flags = p[0];
			}
			break;
		case AD_TYPE_NAME_SHORT:
		case AD_TYPE_NAME_COMPLETE:
			/* a complete name wins over a shortened one, whichever comes first */
			if (!ad->name || (e.type == AD_TYPE_NAME_COMPLETE && !ad->name_complete)) {
				ad->name = p;
				ad->name_len = n;
				ad->name_complete = e.type == AD_TYPE_NAME_COMPLETE;
			}
			break;
		case AD_TYPE_TX_POWER:
			if (n >= 1) {
				ad->has_tx_power = true;
				ad->tx_power = (int8_t)p[0];
			}
			break;
		case AD_TYPE_SVC_DATA16:
			add_svc(ad, 16, p, n);
			break;
		case AD_TYPE_SVC_DATA32:
			add_svc(ad, 32, p, n);
			break;
		case AD_TYPE_SVC_DATA128:
			add_svc(ad, 128, p, n);
			break;
		case AD_TYPE_MANUFACTURER:
			if (n >= 2 && !ad->mfr) {
				ad->company = get_le16(p);
				ad->mfr = p + 2;
				ad->mfr_len = (uint8_t)(n - 2);
			}
			break;
		default:
			break;
		}
	}
	ad->err = it.err;
	ad->err_off = it.err_off;
	return it.err;
}

const struct ad_svc *ad_find_svc(const struct ad_info *ad, uint16_t uuid)
{
	for (unsigned int i = 0; i < ad->n_svc; i++)
		if (ad->svc[i].bits == 16 && ad->svc[i].uuid16 == uuid)
			return &ad->svc[i];
	return NULL;
}
