/* SPDX-License-Identifier: MIT */
/* mibeacon.c — the MiBeacon frame (service data 0xFE95): header, MAC, capability, the two
 * encryption schemes, and the walk over the object list; the objects themselves are in
 * mibeacon_obj.c. Also the encoder the simulator, benchmark and tests build frames with.
 * Pure: no allocation, I/O or globals. */
#include <string.h>

#include "decode/mibeacon.h"
#include "util/rd.h"

/*
 * Frame layout (SPEC §3.1; Xiaomi "MiBeacon" as read by xiaomi-ble and ble_monitor):
 *
 *   0     2  frame control (LE): bit 3 encrypted, 4 MAC, 5 capability, 6 object,
 *            7 mesh, 8 registered, 12-15 version
 *   2     2  product id (LE)
 *   4     1  frame counter
 *   [6]      MAC, LSB first                       if bit 4
 *   [1]      capability                           if bit 5
 *   [2]      IO capability                        if capability bit 5 (0x20)
 *   [n]      objects: id (LE16), length, data     if bit 6 (encrypted if bit 3)
 *   v4/v5 encrypted: ... ciphertext, ext counter (3), tag (4)
 *   v2/v3 encrypted: ... ciphertext, 3 nonce bytes, 1 byte of unknown meaning
 */

#define HDR_LEN 5
#define V5_TRAILER 7 /* ext counter + tag */
#define V5_TAG 4
#define LEGACY_TRAILER 4
#define MIN_OBJECT 3 /* id + length byte */
#define UNBOUND_OFFSET 11
#define UNBOUND_MARK 0x28

static const uint8_t ccm_aad = 0x11;

void mibeacon_expand_beaconkey(const uint8_t in[12], uint8_t out[16])
{
	static const uint8_t mid[4] = { 0x8d, 0x3d, 0x3c, 0x97 };

	memcpy(out, in, 6);
	memcpy(out + 6, mid, 4);
	memcpy(out + 10, in + 6, 6);
}

static void reverse6(const uint8_t in[6], uint8_t out[6])
{
	for (int i = 0; i < 6; i++)
		out[i] = in[5 - i];
}

/* Walk an object list. An object whose length runs past the end is malformed; fewer than
 * 3 bytes after the last object are ignored, as the references do: the MMC-W505 sends one
 * such byte (vector ble_monitor:test_Xiaomi_MMC_W505). */
static int walk(uint16_t pid, const uint8_t *p, size_t n, struct decoded *out)
{
	struct rd r = rd_init(p, n);

	if (n < MIN_OBJECT)
		return -EBADMSG;
	while (rd_left(&r) >= MIN_OBJECT) {
		uint16_t id = rd_le16(&r);
		uint8_t len = rd_u8(&r);
		const uint8_t *d = rd_take(&r, len);
		int err;

		if (!rd_ok(&r))
			return -EBADMSG;
		err = mibeacon__decode_object(pid, id, d, len, out);
		if (err < 0)
			return err;
	}
	return 0;
}

/* v4/v5: AES-128-CCM, nonce = MAC (LSB first) ‖ pid ‖ counter ‖ ext counter, AAD 0x11,
 * 4-byte tag (SPEC §4.1; here the capability bytes are skipped, which Tasmota did not). */
static int decrypt_v5(struct rd *r, const uint8_t *hdr, const uint8_t mac_lsb[6],
		      const struct aes_key *key, uint8_t *pt, size_t *pt_len,
		      struct decoded *out)
{
	uint8_t nonce[12];
	size_t ct_len = rd_left(r) >= V5_TRAILER ? rd_left(r) - V5_TRAILER : 0;
	const uint8_t *ct, *ext, *tag;
	int err;

	if (rd_left(r) < V5_TRAILER + MIN_OBJECT)
		return -EBADMSG;
	ct = rd_take(r, ct_len);
	ext = rd_take(r, 3);
	tag = rd_take(r, V5_TAG);
	if (!rd_ok(r))
		return -EBADMSG;
	/* the extended counter makes the frame counter 32 bits wide and monotonic */
	out->counter |= (uint32_t)ext[0] << 8 | (uint32_t)ext[1] << 16 | (uint32_t)ext[2] << 24;
	if (!aes_key_valid(key))
		return -ENOKEY;
	memcpy(nonce, mac_lsb, 6);
	memcpy(nonce + 6, hdr + 2, 3); /* pid, counter */
	memcpy(nonce + 9, ext, 3);
	err = aes_ccm_decrypt(key, nonce, sizeof(nonce), &ccm_aad, 1, ct, ct_len, tag,
			      V5_TAG, pt);
	if (err == -EBADMSG)
		return -EKEYREJECTED;
	if (err < 0)
		return -EBADMSG;
	*pt_len = ct_len;
	return 0;
}

/* v2/v3 ("legacy"): CCM's counter mode without a tag, nonce = frame control ‖ pid ‖
 * counter ‖ the 3 bytes before the last one ‖ MAC (LSB first) without its top byte
 * (SPEC §4.2). Without a tag the only check is that a 0x10xx object comes out. */
static int decrypt_legacy(struct rd *r, const uint8_t *hdr, const uint8_t mac_lsb[6],
			  const struct aes_key *key, uint8_t *pt, size_t *pt_len)
{
	uint8_t nonce[13];
	size_t ct_len = rd_left(r) >= LEGACY_TRAILER ? rd_left(r) - LEGACY_TRAILER : 0;
	const uint8_t *ct, *ext;

	if (rd_left(r) < LEGACY_TRAILER + MIN_OBJECT)
		return -EBADMSG;
	ct = rd_take(r, ct_len);
	ext = rd_take(r, 3);
	rd_skip(r, 1);
	if (!rd_ok(r))
		return -EBADMSG;
	if (!aes_key_valid(key))
		return -ENOKEY;
	memcpy(nonce, hdr, HDR_LEN);
	memcpy(nonce + 5, ext, 3);
	memcpy(nonce + 8, mac_lsb, 5);
	if (aes_ccm_ctr(key, nonce, sizeof(nonce), ct, ct_len, pt) < 0)
		return -EBADMSG;
	if (pt[1] != 0x10)
		return -EKEYREJECTED;
	*pt_len = ct_len;
	return 0;
}

static int decode_frame(const uint8_t *data, size_t len, const uint8_t addr[6],
			const struct aes_key *key, struct decoded *out)
{
	struct rd r = rd_init(data, len);
	uint8_t mac_lsb[6] = { 0 };
	uint8_t pt[MIBEACON_FRAME_MAX];
	const uint8_t *hdr = rd_take(&r, HDR_LEN);
	const uint8_t *body;
	size_t body_len;
	uint16_t fc;
	int err;

	if (!hdr)
		return -EBADMSG;
	fc = get_le16(hdr);
	out->version = (uint8_t)(fc >> MIBEACON_FC_VERSION_SHIFT);
	out->pid = get_le16(hdr + 2);
	out->counter = hdr[4];
	out->has_counter = true;
	out->encrypted = fc & MIBEACON_FC_ENCRYPTED;
	if (fc & MIBEACON_FC_REGISTERED)
		out->flags |= DECODED_F_REGISTERED;
	/* v0/v1 frames predate this layout; mesh frames are laid out differently */
	if (out->version < 2 || out->version > 5 || (fc & MIBEACON_FC_MESH))
		return -ENOTSUP;

	if (fc & MIBEACON_FC_MAC) {
		rd_bytes(&r, mac_lsb, 6);
		reverse6(mac_lsb, out->mac);
		out->has_mac = rd_ok(&r);
	} else if (addr) {
		reverse6(addr, mac_lsb);
	}
	if (fc & MIBEACON_FC_CAPABILITY) {
		out->capability = rd_u8(&r);
		if (out->capability & MIBEACON_CAP_IO)
			out->io_cap = rd_le16(&r);
	}
	if (!rd_ok(&r))
		return -EBADMSG;

	if (!(fc & MIBEACON_FC_OBJECT)) {
		/* Tasmota's "not paired" test reads offset 11 whatever the MAC flag says
		 * (SPEC §3.1): a firmware quirk, kept as such. */
		struct rd u = rd_init(data, len);

		rd_skip(&u, UNBOUND_OFFSET);
		if (rd_left(&u) > 0 && rd_u8(&u) == UNBOUND_MARK)
			out->flags |= DECODED_F_UNBOUND;
		out->flags |= DECODED_F_NO_OBJECTS;
		return 0;
	}

	if (out->encrypted) {
		if (!(fc & MIBEACON_FC_MAC) && !addr)
			return -EBADMSG; /* no MAC for the nonce */
		if (out->version >= 4)
			err = decrypt_v5(&r, hdr, mac_lsb, key, pt, &body_len, out);
		else
			err = decrypt_legacy(&r, hdr, mac_lsb, key, pt, &body_len);
		if (err)
			return err;
		body = pt;
	} else {
		body_len = rd_left(&r);
		body = rd_take(&r, body_len);
	}
	err = walk(out->pid, body, body_len, out);
	if (err)
		return err;
	if (out->n == 0)
		out->flags |= DECODED_F_NO_OBJECTS;
	return out->n;
}

int mibeacon_decode(const uint8_t *data, size_t len, const uint8_t addr[6],
		    const struct aes_key *key, struct decoded *out)
{
	int ret;

	decoded_reset(out);
	out->format = DECODE_FORMAT_MIBEACON;
	if (!data)
		return -EBADMSG;
	ret = decode_frame(data, len, addr, key, out);
	if (ret < 0)
		out->n = 0; /* readings of a frame that failed later are not trusted */
	return ret;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
}

int mibeacon_put_object(uint8_t *buf, size_t size, size_t *pos, uint16_t id,
			const void *data, size_t len)
{
	if (!buf || !pos || len > 255 || (len && !data))
		return -EINVAL;
	if (*pos > size || size - *pos < MIN_OBJECT + len)
		return -ENOSPC;
	put_le16(buf + *pos, id);
	buf[*pos + 2] = (uint8_t)len;
	if (len)
		memcpy(buf + *pos + 3, data, len);
	*pos += MIN_OBJECT + len;
	return 0;
}

int mibeacon_encode(const struct mibeacon_frame *f, const struct aes_key *key,
		    const uint8_t addr[6], uint8_t *out, size_t size)
{
	const uint16_t owned = MIBEACON_FC_ENCRYPTED | MIBEACON_FC_MAC |
			       MIBEACON_FC_CAPABILITY | MIBEACON_FC_OBJECT | 0xf000;
	bool enc = key != NULL;
	bool io;
	uint8_t mac_lsb[6] = { 0 };
	uint16_t fc;
	size_t need, pos = 0;

	if (!f || !out || f->version < 2 || f->version > 5)
		return -EINVAL;
	if ((enc && !aes_key_valid(key)) || (enc && !f->objects_len) ||
	    (f->objects_len && !f->objects) || f->objects_len > MIBEACON_FRAME_MAX)
		return -EINVAL;
	if (f->mac)
		reverse6(f->mac, mac_lsb);
	else if (addr)
		reverse6(addr, mac_lsb);
	else if (enc)
		return -EINVAL;
	io = f->has_capability && (f->capability & MIBEACON_CAP_IO);

	fc = (uint16_t)((f->fc_extra & ~owned) | (unsigned int)f->version << 12);
	if (enc)
		fc |= MIBEACON_FC_ENCRYPTED;
	if (f->mac)
		fc |= MIBEACON_FC_MAC;
	if (f->has_capability)
		fc |= MIBEACON_FC_CAPABILITY;
	if (f->objects_len)
		fc |= MIBEACON_FC_OBJECT;

	need = HDR_LEN + (f->mac ? 6 : 0) + (f->has_capability ? 1 : 0) + (io ? 2 : 0) +
	       f->objects_len;
	if (enc)
		need += f->version >= 4 ? V5_TRAILER : LEGACY_TRAILER;
	if (need > size)
		return -ENOSPC;

	put_le16(out, fc);
	put_le16(out + 2, f->pid);
	out[4] = f->counter;
	pos = HDR_LEN;
	if (f->mac) {
		memcpy(out + pos, mac_lsb, 6);
		pos += 6;
	}
	if (f->has_capability)
		out[pos++] = f->capability;
	if (io) {
		put_le16(out + pos, f->io_cap);
		pos += 2;
	}

	if (!enc) {
		if (f->objects_len)
			memcpy(out + pos, f->objects, f->objects_len);
		return (int)(pos + f->objects_len);
	}
	if (f->version >= 4) {
		uint8_t nonce[12];

		memcpy(nonce, mac_lsb, 6);
		memcpy(nonce + 6, out + 2, 3);
		put_le24(nonce + 9, f->ext_counter);
		if (aes_ccm_encrypt(key, nonce, sizeof(nonce), &ccm_aad, 1, f->objects,
				    f->objects_len, out + pos, out + pos + f->objects_len + 3,
				    V5_TAG) < 0)
			return -EINVAL;
		pos += f->objects_len;
		put_le24(out + pos, f->ext_counter);
		return (int)(pos + V5_TRAILER);
	} else {
		uint8_t nonce[13];

		memcpy(nonce, out, HDR_LEN);
		put_le24(nonce + 5, f->ext_counter);
		memcpy(nonce + 8, mac_lsb, 5);
		if (aes_ccm_ctr(key, nonce, sizeof(nonce), f->objects, f->objects_len,
				out + pos) < 0)
			return -EINVAL;
		pos += f->objects_len;
		put_le24(out + pos, f->ext_counter);
		out[pos + 3] = 0; /* meaning unknown; the decoder ignores it */
		return (int)(pos + LEGACY_TRAILER);
	}
}
