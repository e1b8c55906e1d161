/* SPDX-License-Identifier: MIT */
/* http.c — see http.h. Strict on purpose: what HAP controllers send is small and regular, and
 * everything else is closed with a 400. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hap/http.h"

/* The end of the head ("\r\n\r\n"): its offset past the blank line, or 0. */
static size_t head_end(const uint8_t *buf, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

static bool token_char(uint8_t c)
{
	return c > 0x20 && c < 0x7f;
}

/* Parses "Content-Length" digits strictly: no sign, no spaces inside, at most 9 digits. */
static int content_length(const char *v, size_t n, size_t *out)
{
	size_t x = 0;

	if (!n || n > 9)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		x = x * 10 + (size_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

int http_parse(const uint8_t *buf, size_t len, struct http_req *req)
{
	size_t end = head_end(buf, len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX);
	const char *p = (const char *)buf, *line_end, *sp1, *sp2;
	size_t clen = 0;
	bool have_clen = false;

	memset(req, 0, sizeof(*req));
	if (!end)
		return len >= HTTP_HEAD_MAX ? -E2BIG : 0;
	/* request line: METHOD SP path SP HTTP/1.1 */
	line_end = memchr(p, '\r', end); /* found: the head ends in CR LF CR LF */
	if (line_end[1] != '\n')
		return -EBADMSG;
	sp1 = memchr(p, ' ', (size_t)(line_end - p));
	if (!sp1)
		return -EBADMSG;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1));
	if (!sp2 || (size_t)(line_end - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.1", 8))
		return -EBADMSG;
	if (sp1 - p == 3 && !memcmp(p, "GET", 3))
		req->method = HTTP_GET;
	else if (sp1 - p == 3 && !memcmp(p, "PUT", 3))
		req->method = HTTP_PUT;
	else if (sp1 - p == 4 && !memcmp(p, "POST", 4))
		req->method = HTTP_POST;
	else
		return -ENOSYS;
	if (sp2 - sp1 - 1 < 1 || (size_t)(sp2 - sp1 - 1) >= sizeof(req->path) || sp1[1] != '/')
		return -EBADMSG;
	for (const char *c = sp1 + 1; c < sp2; c++)
		if (!token_char((uint8_t)*c))
			return -EBADMSG;
	memcpy(req->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));

	/* headers: Name: value CRLF, until the blank line */
	for (p = line_end + 2; p < (const char *)buf + end - 2; p = line_end + 2) {
		const char *colon, *v;
		size_t nl, vl;

		line_end = memchr(p, '\r', (size_t)((const char *)buf + end - p));
		if (!line_end || line_end[1] != '\n')
			return -EBADMSG;
		colon = memchr(p, ':', (size_t)(line_end - p));
		if (!colon || colon == p)
			return -EBADMSG;
		nl = (size_t)(colon - p);
		for (size_t i = 0; i < nl; i++)
			if (!token_char((uint8_t)p[i]))
				return -EBADMSG;
		v = colon + 1;
		while (v < line_end && (*v == ' ' || *v == '\t'))
			v++;
		vl = (size_t)(line_end - v);
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		for (size_t i = 0; i < vl; i++)
			if ((uint8_t)v[i] < 0x20 && v[i] != '\t')
				return -EBADMSG;
		if (nl == 14 && !strncasecmp(p, "Content-Length", 14)) {
			if (have_clen || content_length(v, vl, &clen) < 0)
				return -EBADMSG; /* two lengths: a smuggling attempt or a bug */
			have_clen = true;
		} else if (nl == 17 && !strncasecmp(p, "Transfer-Encoding", 17)) {
			return -ENOSYS;
		} else if (nl == 12 && !strncasecmp(p, "Content-Type", 12)) {
			if (vl >= sizeof(req->content_type))
				return -EBADMSG;
			memcpy(req->content_type, v, vl);
			req->content_type[vl] = '\0';
		}
	}
	if (clen > HTTP_BODY_MAX)
		return -E2BIG;
	if (len - end < clen)
		return 0;
	req->body = buf + end;
	req->body_len = clen;
	req->total = end + clen;
	return 1;
}

int http_query(const char *path, const char *key, char *out, size_t cap)
{
	const char *q = strchr(path, '?');
	size_t kl = strlen(key);

	while (q) {
		const char *v = q + 1, *amp = strchr(v, '&');
		size_t n;

		if (!strncmp(v, key, kl) && v[kl] == '=') {
			v += kl + 1;
			n = amp ? (size_t)(amp - v) : strlen(v);
			if (n >= cap)
				return -E2BIG;
			memcpy(out, v, n);
			out[n] = '\0';
			return (int)n;
		}
		q = amp;
	}
	return -ENOENT;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 207: return "Multi-Status";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 470: return "Connection Authorization Required";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

static void head(struct wr *w, const char *first, const char *type, size_t len)
{
	char h[256];
	int n;

	if (type)
		n = snprintf(h, sizeof(h), "%s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
			     first, type, len);
	else
		n = snprintf(h, sizeof(h), "%s\r\nContent-Length: %zu\r\n\r\n", first, len);
	wr_bytes(w, h, (size_t)n);
}

void http_response(struct wr *w, int status, const char *content_type, const void *body,
		   size_t len)
{
	char first[64];

	snprintf(first, sizeof(first), "HTTP/1.1 %d %s", status, reason(status));
	head(w, first, len ? content_type : NULL, len);
	if (len)
		wr_bytes(w, body, len);
}

void http_event(struct wr *w, const void *body, size_t len)
{
	head(w, "EVENT/1.0 200 OK", "application/hap+json", len);
	wr_bytes(w, body, len);
}
