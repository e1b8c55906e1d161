/* SPDX-License-Identifier: MIT */
/* tlv8.c — see tlv8.h. */
#include <errno.h>
#include <string.h>

#include "hap/tlv8.h"

int tlv8_check(const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		if (len - off < 2 || len - off - 2 < buf[off + 1])
			return -EBADMSG;
		off += 2 + (size_t)buf[off + 1];
	}
	return 0;
}

ssize_t tlv8_get(const uint8_t *buf, size_t len, uint8_t type, uint8_t *out, size_t cap)
{
	size_t off = 0, n = 0;
	int found = 0;

	if (tlv8_check(buf, len) < 0)
		return -EBADMSG;
	while (off < len) {
		uint8_t t = buf[off], l = buf[off + 1];
		const uint8_t *v = buf + off + 2;

		if (found) {
			/* here the previous fragment was 255 long: the value goes on only in an
			 * item of the same type right after it */
			if (t != type)
				break;
		} else if (t != type) {
			off += 2 + (size_t)l;
			continue;
		}
		if (cap - n < l)
			return -EMSGSIZE;
		memcpy(out + n, v, l);
		n += l;
		found = 1;
		off += 2 + (size_t)l;
		if (l != 255)
			break;
	}
	return found ? (ssize_t)n : -ENOENT;
}

int tlv8_get_u8(const uint8_t *buf, size_t len, uint8_t type, uint8_t *v)
{
	uint8_t tmp[2];
	ssize_t n = tlv8_get(buf, len, type, tmp, sizeof(tmp));

	if (n == -EMSGSIZE || n == 0 || n == 2)
		return -EBADMSG;
	if (n < 0)
		return (int)n;
	*v = tmp[0];
	return 0;
}

void tlv8_put(struct wr *w, uint8_t type, const void *v, size_t len)
{
	const uint8_t *p = v;

	do {
		size_t l = len > 255 ? 255 : len;

		wr_u8(w, type);
		wr_u8(w, (uint8_t)l);
		if (l)
			wr_bytes(w, p, l);
		p += l;
		len -= l;
	} while (len);
}

void tlv8_put_u8(struct wr *w, uint8_t type, uint8_t v)
{
	tlv8_put(w, type, &v, 1);
}
