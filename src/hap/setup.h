/* SPDX-License-Identifier: MIT */
/* setup.h — what a user types or scans to add the bridge to Apple Home: the eight-digit setup
 * code (eight digits written 518-08-582), the setup id (four of [0-9A-Z]), the X-HM:// payload of the QR code,
 * and the setup hash ("sh") that the mDNS TXT record carries so iOS matches a scanned code
 * to the right accessory. */
#ifndef MI32_HAP_SETUP_H
#define MI32_HAP_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#define SETUP_CODE_LEN 10	/* "518-08-582" */
#define SETUP_ID_LEN 4
#define SETUP_PAYLOAD_LEN 20	/* "X-HM://" + 9 base-36 digits + the setup id */
#define SETUP_HASH_LEN 8	/* base64 of 4 bytes */

/* The accessory categories mi32 uses. */
#define SETUP_CATEGORY_BRIDGE 2

/* True for eight digits written as 3-2-3 with dashes ("518-08-582"), none of the codes HAP forbids (all digits equal,
 * 123-45-678, 876-54-321). */
bool setup_code_valid(const char *code);

/* A random valid code into out[SETUP_CODE_LEN + 1]; a random setup id into
 * id[SETUP_ID_LEN + 1]. 0 or -EIO. */
int setup_code_generate(char out[SETUP_CODE_LEN + 1]);
int setup_id_generate(char id[SETUP_ID_LEN + 1]);
bool setup_id_valid(const char *id);

/* The QR payload for a @code (NULL once paired: the code is then left out), an IP accessory
 * of @category. 0, or -EINVAL for a bad code or id. */
int setup_payload(char out[SETUP_PAYLOAD_LEN + 1], const char *code, const char *setup_id,
		  unsigned int category, bool paired);

/* base64(SHA-512(setup id | device id)[0..3]); device id is "XX:XX:XX:XX:XX:XX". */
int setup_hash(char out[SETUP_HASH_LEN + 1], const char *setup_id, const char *device_id);

#endif
