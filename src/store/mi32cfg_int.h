/* SPDX-License-Identifier: MIT */
/* mi32cfg_int.h — what mi32cfg.c (the file) lends mi32cfg_rows.c (the editor's per-row
 * check): its element checker. Not public. */
#ifndef MI32_MI32CFG_INT_H
#define MI32_MI32CFG_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "store/mi32cfg.h"

/* Check the element @el on its own, by the rules of mi32cfg_parse(). Returns 0 with @e
 * filled, 1 when it is a continuation (no MAC/PID: it applies to the element before it),
 * -EBADMSG with a sentence in @why, or -ENOMEM. */
int mi32cfg__element(const cJSON *el, struct mi32cfg_entry *e, char *why, size_t whylen);

#endif
