/* SPDX-License-Identifier: MIT */
/* session.c — see session.h. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hap/session.h"

int session_init(struct session *s, const uint8_t shared[HAPC_KEY_LEN], int accessory)
{
	uint8_t rd[HAPC_KEY_LEN], wr[HAPC_KEY_LEN];
	int r = hapc_hkdf(shared, HAPC_KEY_LEN, "Control-Salt", "Control-Read-Encryption-Key", rd,
			  sizeof(rd));

	if (r == 0)
		r = hapc_hkdf(shared, HAPC_KEY_LEN, "Control-Salt", "Control-Write-Encryption-Key",
			      wr, sizeof(wr));
	if (r == 0) {
		memcpy(s->key_out, accessory ? rd : wr, HAPC_KEY_LEN);
		memcpy(s->key_in, accessory ? wr : rd, HAPC_KEY_LEN);
		s->n_in = s->n_out = 0;
	}
	OPENSSL_cleanse(rd, sizeof(rd));
	OPENSSL_cleanse(wr, sizeof(wr));
	return r;
}

void session_wipe(struct session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

size_t session_sealed_len(size_t len)
{
	size_t frames = (len + SESSION_FRAME_MAX - 1) / SESSION_FRAME_MAX;

	return len + frames * SESSION_OVERHEAD;
}

ssize_t session_seal(struct session *s, const uint8_t *in, size_t len, uint8_t *out,
		     size_t cap)
{
	size_t off = 0;

	if (cap < session_sealed_len(len))
		return -ENOSPC;
	while (len) {
		size_t n = len > SESSION_FRAME_MAX ? SESSION_FRAME_MAX : len;
		uint8_t nonce[HAPC_NONCE_LEN];

		out[off] = (uint8_t)n;
		out[off + 1] = (uint8_t)(n >> 8);
		hapc_nonce_counter(nonce, s->n_out++);
		if (hapc_seal(s->key_out, nonce, out + off, 2, in, n, out + off + 2,
			      out + off + 2 + n) < 0)
			return -EIO;
		off += n + SESSION_OVERHEAD;
		in += n;
		len -= n;
	}
	return (ssize_t)off;
}

ssize_t session_open(struct session *s, const uint8_t *in, size_t len, size_t *used,
		     uint8_t *out, size_t cap)
{
	size_t off = 0, n_out = 0;

	*used = 0;
	while (len - off >= 2) {
		size_t n = (size_t)in[off] | (size_t)in[off + 1] << 8;
		uint8_t nonce[HAPC_NONCE_LEN];
		int r;

		if (n > SESSION_FRAME_MAX)
			return -EBADMSG;
		if (len - off < n + SESSION_OVERHEAD)
			break; /* the rest of the frame is still on its way */
		if (cap - n_out < n) {
			if (n_out == 0)
				return -ENOSPC;
			break;
		}
		hapc_nonce_counter(nonce, s->n_in);
		r = hapc_open(s->key_in, nonce, in + off, 2, in + off + 2, n, out + n_out,
			      in + off + 2 + n);
		if (r < 0)
			return r == -EBADMSG ? -EBADMSG : -EIO;
		s->n_in++;
		n_out += n;
		off += n + SESSION_OVERHEAD;
	}
	*used = off;
	return (ssize_t)n_out;
}
