/* SPDX-License-Identifier: MIT */
/* daemon.h — `mi32 run`: sources → store → outputs on one sd-event loop. */
#ifndef MI32_DAEMON_H
#define MI32_DAEMON_H

int daemon_main(int argc, char **argv);

#endif
