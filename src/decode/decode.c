/* SPDX-License-Identifier: MIT */
/* decode.c — pick the decoder for an advertisement. The first service-data element with a
 * UUID we know wins (Tasmota looked at the first element only and missed sensors that put
 * another element first). Everything else is "not a sensor": the generic tracker's job. */
#include <errno.h>

#include "decode/atc.h"
#include "decode/bthome.h"
#include "decode/decode.h"
#include "decode/mibeacon.h"
#include "util/rd.h"
#include "decode/pvvx.h"
#include "decode/qingping.h"
#include "decode/xiaomi.h"

static bool known_uuid(uint16_t uuid)
{
	switch (uuid) {
	case UUID_MIBEACON:
	case UUID_BTHOME_V2:
	case UUID_BTHOME_V1:
	case UUID_BTHOME_V1_ENC:
	case UUID_QINGPING:
	case UUID_ENV_SENSING:
	case UUID_XIAOMI_FD50:
	case UUID_WEIGHT_SCALE:
	case UUID_BODY_COMP:
		return true;
	default:
		return false;
	}
}

int decode_service_data(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
			const struct aes_key *key, struct decoded *out)
{
	decoded_reset(out);
	switch (uuid) {
	case UUID_MIBEACON:
		return mibeacon_decode(data, len, addr, key, out);
	case UUID_BTHOME_V2:
	case UUID_BTHOME_V1:
	case UUID_BTHOME_V1_ENC:
		return bthome_decode(uuid, data, len, addr, key, out);
	case UUID_QINGPING:
		return qingping_decode(data, len, out);
	case UUID_ENV_SENSING:
		if (len == ATC_LEN)
			return atc_decode(data, len, out);
		return pvvx_decode(data, len, addr, key, out);
	case UUID_XIAOMI_FD50:
	case UUID_WEIGHT_SCALE:
	case UUID_BODY_COMP:
		return xiaomi_decode(uuid, data, len, out);
	default:
		return -ENOMSG;
	}
}

/* Without an ad_info to fill, find the first known 16-bit service data in one pass over the
 * bytes: most adverts in the air (phones, tags, TVs) are not sensors, and this is the whole
 * cost of rejecting them. */
static int decode_fast(const struct adv *adv, const struct aes_key *key, struct decoded *out)
{
	const uint8_t *p = adv->data, *end = adv->data + adv->len;
	bool bad = false;

	while (p < end && *p) {
		uint8_t elen = p[0];

		if ((size_t)(end - p) < (size_t)elen + 1) {
			bad = true;
			break;
		}
		if (p[1] == AD_TYPE_SVC_DATA16 && elen >= 3) {
			uint16_t uuid = get_le16(p + 2);

			if (known_uuid(uuid))
				return decode_service_data(uuid, p + 4, elen - 3u, adv->addr, key,
							   out);
		}
		p += elen + 1;
	}
	return bad && p == adv->data ? -EBADMSG : -ENOMSG;
}

int decode_adv(const struct adv *adv, const struct aes_key *key, struct decoded *out,
	       struct ad_info *ad)
{
	decoded_reset(out);
	if (!ad)
		return decode_fast(adv, key, out);
	(void)ad_parse(adv->data, adv->len, ad);
	/* A malformed tail does not void the elements before it: sensors that pad badly
	 * still decode, and the walk error stays visible in ad->err. */
	for (unsigned int i = 0; i < ad->n_svc; i++) {
		const struct ad_svc *s = &ad->svc[i];

		if (s->bits == 16 && known_uuid(s->uuid16))
			return decode_service_data(s->uuid16, s->data, s->len, adv->addr, key,
						   out);
	}
	if (ad->err && ad->n_elements == 0)
		return -EBADMSG;
	return -ENOMSG;
}

const struct reading *decoded_find(const struct decoded *d, unsigned int type)
{
	for (unsigned int i = 0; i < d->n; i++)
		if (d->r[i].type == type)
			return &d->r[i];
	return NULL;
}

const char *decode_format_name(unsigned int format)
{
	switch (format) {
	case DECODE_FORMAT_MIBEACON:
		return "mibeacon";
	case DECODE_FORMAT_ATC:
		return "atc";
	case DECODE_FORMAT_PVVX:
		return "pvvx";
	case DECODE_FORMAT_BTHOME:
		return "bthome";
	case DECODE_FORMAT_QINGPING:
		return "qingping";
	case DECODE_FORMAT_XIAOMI:
		return "xiaomi";
	case DECODE_FORMAT_GENERIC:
		return "generic";
	default:
		return "none";
	}
}

const char *decode_error_name(int err)
{
	switch (err) {
	case -EBADMSG:
		return "malformed";
	case -ENOKEY:
		return "no_key";
	case -EKEYREJECTED:
		return "wrong_key";
	case -ENOTSUP:
		return "unsupported";
	case -ENOMSG:
		return "not_sensor";
	default:
		return err < 0 ? "internal" : "ok";
	}
}
