/* SPDX-License-Identifier: MIT */
/* simulate.h — `mi32 simulate`: advertisements of a simulated sensor fleet, made with
 * mi32's own encoders. */
#ifndef MI32_SIMULATE_H
#define MI32_SIMULATE_H

int simulate_main(int argc, char **argv);

#endif
