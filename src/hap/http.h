/* SPDX-License-Identifier: MIT */
/* http.h — the little HTTP/1.1 that HAP speaks, inside and outside its encrypted session:
 * one request at a time with a Content-Length body (HAP has no chunked requests), and
 * responses and EVENT/1.0 messages written into a caller's buffer. libmicrohttpd cannot
 * serve HAP: after pair-verify every byte on the connection is framed and encrypted. */
#ifndef MI32_HAP_HTTP_H
#define MI32_HAP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/wr.h"

#define HTTP_HEAD_MAX 2048	/* request line and headers */
#define HTTP_BODY_MAX 16384	/* the largest body HAP sends is a PUT of many values */

enum http_method { HTTP_GET, HTTP_PUT, HTTP_POST };

struct http_req {
	enum http_method method;
	char path[256];		/* with the query, as sent */
	char content_type[64];	/* "" when absent */
	const uint8_t *body;	/* inside the parsed buffer */
	size_t body_len;
	size_t total;		/* bytes of the buffer this request took */
};

/* One request at the head of buf[len]. Returns 1 (complete: req filled), 0 (incomplete: read
 * more), or a reason to answer 400 and close: -EBADMSG (malformed), -E2BIG (head or body too
 * large), -ENOSYS (a method or transfer coding HAP does not use). */
int http_parse(const uint8_t *buf, size_t len, struct http_req *req);

/* The value of query parameter @key in @path ("/characteristics?id=1.10,1.11&ev=1"),
 * copied to out[cap]; the length, or -ENOENT / -E2BIG. */
int http_query(const char *path, const char *key, char *out, size_t cap);

/* "HTTP/1.1 <status>" with Content-Type and Content-Length, and the body. */
void http_response(struct wr *w, int status, const char *content_type, const void *body,
		   size_t len);
/* An EVENT/1.0 200 OK message with a hap+json body. */
void http_event(struct wr *w, const void *body, size_t len);

#endif
