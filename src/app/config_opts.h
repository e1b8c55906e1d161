/* SPDX-License-Identifier: MIT */
/* config_opts.h — the one table of options behind config.c (the parser) and config_opts.c
 * (the table itself, --help and the man page rows). Private to src/app/config*.c. */
#ifndef MI32_CONFIG_OPTS_H
#define MI32_CONFIG_OPTS_H

#include <stddef.h>

#include "app/config.h"

enum opt_kind {
	OPT_KIND_HEADING,	/* a line of --help only */
	OPT_KIND_STR,
	OPT_KIND_BOOL,
	OPT_KIND_UINT,
	OPT_KIND_TRI,		/* int: 0, 1 or CONFIG_AUTO */
	OPT_KIND_HCI,		/* int adapter index from "hciN" or "N" */
	OPT_KIND_UART,		/* "DEV[,BAUD]" into hci_uart and hci_uart_baud */
	OPT_KIND_LEVEL,		/* syslog priority from a name or 0..7 */
	OPT_KIND_TOPIC,		/* string without MQTT wildcards */
	OPT_KIND_MACS,		/* string "MAC[,MAC…]", each checked */
	OPT_KIND_LIST,		/* struct config_list: every occurrence adds one */
};

#define OPT_CLI_ONLY	0x1	/* not a file key */
#define OPT_ZERO_OFF	0x2	/* UINT: 0 allowed besides min..max */
#define OPT_NOT_EMPTY	0x4	/* STR: an empty value is an error, not "unset" */
#define OPT_NO_AUTO	0x8	/* TRI: "auto" not accepted */

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t off;
	const char *def;	/* parsed by the same setter at config_init(); NULL = unset */
	unsigned int min, max;
	unsigned int flags;
	const char *arg;	/* the argument's name in --help ("PORT") */
	const char *help;
};

extern const struct opt config_opts[];
extern const size_t config_n_opts;

#endif
