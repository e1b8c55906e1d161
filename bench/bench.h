/* SPDX-License-Identifier: MIT */
/* bench.h — `mi32 bench`: decoder throughput, one line per case. */
#ifndef MI32_BENCH_H
#define MI32_BENCH_H

int bench_main(int argc, char **argv);

#endif
