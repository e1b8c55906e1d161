/* SPDX-License-Identifier: MIT */
/* name.h — what a user-given sensor name may hold. Names travel into SENSOR JSON keys, MQTT
 * payloads, Home Assistant and the web page, so they must be clean UTF-8 text; one check here
 * serves every way a name comes in (mi32cfg, MI32Name, the web editor). */
#ifndef MI32_NAME_H
#define MI32_NAME_H

#include <stddef.h>

#define NAME_WHY_LEN 96

/* Check the @len bytes at @s as a sensor name: well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing past U+10FFFF) and no control character (U+0000–U+001F, U+007F,
 * U+0080–U+009F). The length limit is the caller's. Returns 0, or -EILSEQ with a sentence in
 * @why naming the byte offset and what is wrong, e.g. "byte 3 is a control character (0x0A)". */
int name_check(const char *s, size_t len, char why[NAME_WHY_LEN]);

/* The length of the longest prefix of the @len bytes at @s that name_check() accepts: what
 * a name learned from a device's advertised local name keeps (a control character or a UTF-8
 * sequence cut by the length limit ends it), so a saved list always loads again. */
size_t name_valid_prefix(const char *s, size_t len);

#endif
