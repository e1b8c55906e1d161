/* SPDX-License-Identifier: MIT */
/* decode.c — pick the decoder for an advertisement. The first service-data element with a
 * UUID we know wins (Tasmota looked at the first element only and missed sensors that put
 * another element first). Everything else is "not a sensor": the generic tracker's job. */
#include <errno.h>

#include "decode/atc.h"
#include "decode/bthome.h"
#include "decode/decode.h"
#include "decode/mibeacon.h"
#include "decode/pvvx.h"
#include "decode/qingping.h"
#include "decode/xiaomi.h"
#include "util/rd.h"

typedef int (*svc_decode_fn)(uint16_t uuid, const uint8_t *data, size_t len,
			     const uint8_t addr[6], const struct aes_key *key,
			     struct decoded *out);

/* Adapters to one signature: each decoder takes only what its format needs. */
static int dec_mibeacon(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
			const struct aes_key *key, struct decoded *out)
{
	(void)uuid;
	return mibeacon_decode(data, len, addr, key, out);
}

static int dec_bthome(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
		      const struct aes_key *key, struct decoded *out)
{
	return bthome_decode(uuid, data, len, addr, key, out);
}

static int dec_qingping(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
			const struct aes_key *key, struct decoded *out)
{
	(void)uuid, (void)addr, (void)key;
	return qingping_decode(data, len, out);
}

/* 0x181A carries two firmwares: ATC1441's 13-byte frame, every other length is pvvx's */
static int dec_env_sensing(uint16_t uuid, const uint8_t *data, size_t len,
			   const uint8_t addr[6], const struct aes_key *key, struct decoded *out)
{
	(void)uuid;
	if (len == ATC_LEN)
		return atc_decode(data, len, out);
	return pvvx_decode(data, len, addr, key, out);
}

static int dec_xiaomi(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
		      const struct aes_key *key, struct decoded *out)
{
	(void)addr, (void)key;
	return xiaomi_decode(uuid, data, len, out);
}

/* The one place that says which service data is a sensor and who decodes it. Ordered by
 * how often each is heard, since the hot path scans it for every service-data element. */
static const struct {
	uint16_t uuid;
	svc_decode_fn decode;
} decoders[] = {
	{ UUID_MIBEACON, dec_mibeacon },
	{ UUID_ENV_SENSING, dec_env_sensing },
	{ UUID_BTHOME_V2, dec_bthome },
	{ UUID_QINGPING, dec_qingping },
	{ UUID_BTHOME_V1, dec_bthome },
	{ UUID_BTHOME_V1_ENC, dec_bthome },
	{ UUID_XIAOMI_FD50, dec_xiaomi },
	{ UUID_WEIGHT_SCALE, dec_xiaomi },
	{ UUID_BODY_COMP, dec_xiaomi },
};

static svc_decode_fn decoder_of(uint16_t uuid)
{
	for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
		if (decoders[i].uuid == uuid)
			return decoders[i].decode;
	return NULL;
}

int decode_service_data(uint16_t uuid, const uint8_t *data, size_t len, const uint8_t addr[6],
			const struct aes_key *key, struct decoded *out)
{
	svc_decode_fn decode = decoder_of(uuid);

	decoded_reset(out);
	return decode ? decode(uuid, data, len, addr, key, out) : -ENOMSG;
}

int decode_adv(const struct adv *adv, const struct aes_key *key, struct decoded *out,
	       struct ad_info *ad)
{
	struct ad_iter it;
	struct ad_elem e;

	decoded_reset(out);
	/* The AD walk into @ad is for callers that want the name or manufacturer data; the
	 * hot path passes NULL and pays only for the one walk below. */
	if (ad)
		(void)ad_parse(adv->data, adv->len, ad);
	/* A malformed tail does not void the elements before it: sensors that pad badly
	 * still decode, and the walk error stays visible in ad->err. */
	ad_iter_init(&it, adv->data, adv->len);
	while (ad_next(&it, &e)) {
		svc_decode_fn decode;
		uint16_t uuid;

		if (e.type != AD_TYPE_SVC_DATA16 || e.len < 2)
			continue;
		uuid = get_le16(e.data);
		decode = decoder_of(uuid);
		if (decode)
			return decode(uuid, e.data + 2, e.len - 2u, adv->addr, key, out);
	}
	return it.err && it.n == 0 ? -EBADMSG : -ENOMSG;
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
