/* SPDX-License-Identifier: MIT */
/* mi32cfg_rows.h — a mi32cfg text element by element, for an editor that marks each bad row
 * instead of refusing the whole file as mi32cfg_parse() does. */
#ifndef MI32_MI32CFG_ROWS_H
#define MI32_MI32CFG_ROWS_H

#include <stddef.h>

#include "store/mi32cfg.h"

/* One element. Everything is borrowed: valid during the callback. */
struct mi32cfg_row {
	const char *mac, *pid, *name;      /* as written; "" when absent or not a string */
	const struct mi32cfg_entry *entry; /* the element parsed on its own; NULL when refused */
	const char *error;                 /* why it is refused; NULL when entry is set */
};

typedef void (*mi32cfg_row_fn)(void *ud, const struct mi32cfg_row *row);

/* Check every element of the JSON array in @text (@len bytes) on its own, by the rules of
 * mi32cfg_parse(), and call @fn for each in order. An element without MAC and PID is refused
 * here: it belongs to the element before it. Returns the number of elements, -EBADMSG when
 * the text is not a JSON array (@fn never called), or -ENOMEM. */
int mi32cfg_rows(const char *text, size_t len, mi32cfg_row_fn fn, void *ud);

#endif
