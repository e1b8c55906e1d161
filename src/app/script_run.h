/* SPDX-License-Identifier: MIT */
/* script_run.h — `mi32 script FILE...`: run Lua scripts outside the daemon, in the same
 * sandbox, to try them out. The exit status says whether every one ran without an error. */
#ifndef MI32_SCRIPT_RUN_H
#define MI32_SCRIPT_RUN_H

int script_run_main(int argc, char **argv);

#endif
