/* SPDX-License-Identifier: MIT */
/* source.h — what every source shares: it turns its input into struct adv records and hands
 * each to a callback. Sources never own an event loop: they expose an fd and a process
 * call (BlueZ mainloop style), so tests drive them over socketpair()/pty/files. */
#ifndef MI32_SOURCE_H
#define MI32_SOURCE_H

#include "decode/adv.h"

/* Called once per advertisement. @adv is valid only during the call; copy what you keep. */
typedef void (*source_adv_fn)(const struct adv *adv, void *user_data);

#endif
