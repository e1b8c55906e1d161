/* SPDX-License-Identifier: MIT */
/* fuzz_bond_store.c — bluetoothd's info key file as the pairing code reads it
 * (bond_store_parse, bond_store_parse_info): any bytes; an IRK found must come from 32 hex
 * digits in the text, the two parsers must agree on it, and the LTK's authentication is
 * one of its three values. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gatt/bond_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t irk[16];
	struct bond_info in;
	int r = bond_store_parse((const char *)data, size, irk);

	if (r != 0 && r != -ENOENT && r != -EBADMSG)
		__builtin_trap();
	if (r == 0 && size < 32 + 4)
		__builtin_trap(); /* "Key=" and 32 digits at least */
	bond_store_parse_info((const char *)data, size, &in);
	if (in.irk_status != r || (r == 0 && memcmp(in.irk, irk, 16)))
		__builtin_trap();
	if (in.ltk_auth < -1 || in.ltk_auth > 1)
		__builtin_trap();
	if (in.ltk_auth >= 0 && size < sizeof("Authenticated=0") - 1)
		__builtin_trap();
	return 0;
}
