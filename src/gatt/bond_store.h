/* SPDX-License-Identifier: MIT */
/* bond_store.h — a peer's IRK, and whether its bond is authenticated, from bluetoothd's
 * bond store: the key file
 * <dir>/<adapter address>/<peer identity address>/info that bluetoothd writes after bonding
 * ([IdentityResolvingKey] Key=<32 hex digits>, in the order the kernel gave it: LSB first).
 * Root-only on a stock system (bluetoothd makes the folders 0700); the mgmt event New IRK is
 * the first source, this the second (a pairing made before mi32 started, or no
 * CAP_NET_ADMIN). */
#ifndef MI32_GATT_BOND_STORE_H
#define MI32_GATT_BOND_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOND_STORE_DIR "/var/lib/bluetooth"

/* What an info file says of a bond */
struct bond_info {
	int irk_status;          /* 0 (irk filled), -ENOENT (no IRK), -EBADMSG (not 32 digits) */
	uint8_t irk[16];         /* LSB first, as written */
	int ltk_auth;            /* 1: a long-term key made with MITM protection (Authenticated=
				  * 1 or 3), 0: keys without it (0, 2, 4), -1: no key says */
};

/* Everything of @info's text that bond_info has (@text need not be NUL-terminated). */
void bond_store_parse_info(const char *text, size_t len, struct bond_info *out);

/* Read and parse the info file of @peer on the adapter @adapter (addresses in display
 * order) under @dir (NULL: BOND_STORE_DIR). Returns 0, or -ENOENT (no such bond), -EACCES
 * (not root), or another -errno of reading it. */
int bond_store_read(const char *dir, const uint8_t adapter[6], const uint8_t peer[6],
		    struct bond_info *out);

/* The IRK in the text of an info file (@text need not be NUL-terminated). Returns 0 with
 * @irk filled (LSB first, as written), -ENOENT when the file has no IRK, or -EBADMSG when its
 * Key is not 32 hex digits. */
int bond_store_parse(const char *text, size_t len, uint8_t irk[16]);

/* The IRK of bond_store_read()'s file. Returns 0, -ENOENT, -EBADMSG, -EACCES (not root),
 * or another -errno of reading it. */
int bond_store_irk(const char *dir, const uint8_t adapter[6], const uint8_t peer[6],
		   uint8_t irk[16]);

#endif
