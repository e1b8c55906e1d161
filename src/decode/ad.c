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

int ad_parse(const uint8_t *data, size_t len, struct ad_info *ad)
{
	struct rd r = rd_init(data, len);

	memset(ad, 0, sizeof(*ad));
	while (rd_left(&r) > 0) {
		size_t at = r.off;
		uint8_t elen = rd_u8(&r);
		const uint8_t *p;
		uint8_t type, n;

		if (elen == 0) {
			if (all_zero(data + r.off, rd_left(&r)))
				return 0;
			ad->err = -EBADMSG;
			ad->err_off = (uint8_t)at;
			return ad->err;
		}
		p = rd_take(&r, elen);
		if (!p) {
			ad->err = -EBADMSG;
			ad->err_off = (uint8_t)at;
			return ad->err;
		}
		type = p[0];
		n = (uint8_t)(elen - 1);
		p++;
		ad->n_elements++;
		switch (type) {
		case AD_TYPE_FLAGS:
			if (n >= 1) {
				ad->has_flags = true;
				ad->flags = p[0];
			}
			break;
		case AD_TYPE_NAME_SHORT:
		case AD_TYPE_NAME_COMPLETE:
			/* a complete name wins over a shortened one, whichever comes first */
			if (!ad->name || (type == AD_TYPE_NAME_COMPLETE && !ad->name_complete)) {
				ad->name = p;
				ad->name_len = n;
				ad->name_complete = type == AD_TYPE_NAME_COMPLETE;
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
	return 0;
}

const struct ad_svc *ad_find_svc(const struct ad_info *ad, uint16_t uuid)
{
	for (unsigned int i = 0; i < ad->n_svc; i++)
		if (ad->svc[i].bits == 16 && ad->svc[i].uuid16 == uuid)
			return &ad->svc[i];
	return NULL;
}
