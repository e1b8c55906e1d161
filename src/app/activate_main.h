/* SPDX-License-Identifier: MIT */
/* activate_main.h — `mi32 activate <MAC>`: register a Xiaomi sensor locally and print its
 * bind key and token (src/activate). */
#ifndef MI32_ACTIVATE_MAIN_H
#define MI32_ACTIVATE_MAIN_H

int activate_main(int argc, char **argv);

#endif
