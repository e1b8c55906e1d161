/* SPDX-License-Identifier: MIT */
/* fuzz_bond_store.c — bluetoothd's info key file as the pairing code reads it
 * (bond_store_parse): any bytes; an IRK found must come from 32 hex digits in the text. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt/bond_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t irk[16];
	int r = bond_store_parse((const char *)data, size, irk);

	if (r != 0 && r != -ENOENT && r != -EBADMSG)
		__builtin_trap();
	if (r == 0 && size < 32 + 4)
		__builtin_trap(); /* "Key=" and 32 digits at least */
	return 0;
}
