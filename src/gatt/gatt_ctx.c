/* SPDX-License-Identifier: MIT */
/* gatt_ctx.c — gatt_ctx_init() (gatt.h), apart from the engine: the activation's fuzz
 * target links it with a stand-in for the engine (fuzz/fuzz_activation.c). */
#include <stdio.h>
#include <string.h>

#include "gatt/gatt.h"

void gatt_ctx_init(struct gatt_ctx *ctx, const uint8_t mac[6], uint8_t addr_type,
		   const char *svc, const char *chr, int op)
{
	memset(ctx, 0, sizeof(*ctx));
	memcpy(ctx->mac, mac, 6);
	ctx->addr_type = addr_type;
	snprintf(ctx->svc, sizeof(ctx->svc), "%s", svc ? svc : "");
	snprintf(ctx->chr, sizeof(ctx->chr), "%s", chr ? chr : "");
	ctx->op = op;
	ctx->pin = -1;
	ctx->handle = -1;
}
