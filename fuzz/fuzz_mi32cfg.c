/* SPDX-License-Identifier: MIT */
/* fuzz_mi32cfg.c — the mi32cfg parser on arbitrary text. Whatever parses must format, and
 * formatting is a fixed point: format(parse(format(x))) == format(x). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/mi32cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mi32cfg *cfg, *again;
	char err[MI32CFG_ERR_LEN];
	char *s1, *s2;
	size_t n1, n2;

	if (mi32cfg_parse((const char *)data, size, &cfg, err) < 0)
		return 0;
	if (mi32cfg_format(cfg, &s1, &n1) < 0)
		abort();
	if (mi32cfg_parse(s1, n1, &again, err) < 0)
		abort(); /* we wrote something we cannot read */
	if (mi32cfg_format(again, &s2, &n2) < 0 || n1 != n2 || memcmp(s1, s2, n1) != 0)
		abort();
	free(s1);
	free(s2);
	mi32cfg_free(again);
	mi32cfg_free(cfg);
	return 0;
}
