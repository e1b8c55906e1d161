/* SPDX-License-Identifier: MIT */
/* mi32cfg.h — the sensor list file Tasmota's MI32 driver keeps in /mi32cfg (SPEC §7): parse it
 * into a list of entries and write a list back, byte for byte in Tasmota's shape. This module
 * knows nothing of the store; the caller copies entries in and out. Single-threaded. */
#ifndef MI32_MI32CFG_H
#define MI32_MI32CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mi32cfg; /* opaque growable list of entries, at most one per MAC */

#define MI32CFG_NAME_MAX 63	/* bytes of a name, without the NUL */
#define MI32CFG_ERR_LEN 256
/* The largest file mi32cfg_load() reads: about 10,000 sensors at ~100 bytes each, far past
 * any real list (Tasmota's ESP32 kept 2 KB), and small enough that a wrong file (a disk
 * image, /dev/zero) is refused at once instead of filling memory. */
#define MI32CFG_FILE_MAX (1024u * 1024u)

/* One element of the file. @mac in display order (A4:C1:38:… → a4 c1 38 …). @pid as written,
 * MSB-first ("055b" = 0x055B); 0 = generic/RPA device, whose @key is an IRK (the store should
 * switch MI32Option5 on when it loads one, as Tasmota does). @name is NUL-terminated. */
struct mi32cfg_entry {
	uint8_t mac[6];
	uint16_t pid;
	bool has_key;
	uint8_t key[16];
	char name[MI32CFG_NAME_MAX + 1];
	bool has_name;
	uint32_t feat;
	bool has_feat;
};

/* An empty list. Returns NULL only on ENOMEM. */
struct mi32cfg *mi32cfg_new(void);
void mi32cfg_free(struct mi32cfg *cfg); /* NULL is a no-op */

/* Parse the text of a mi32cfg file (@len bytes, need not be NUL-terminated). On success
 * *@out is a new list the caller frees, and 0 is returned. An empty (or all-white-space) text
 * is an empty list.
 *
 * The whole text is refused if any element is malformed: nothing is half-applied, and the
 * caller should leave the file alone until the user saves explicitly. Then -EBADMSG is
 * returned with a sentence in @err naming the element (1-based) and the reason, e.g.
 * "element 3 (A4C138A1B2C3): key must be 32 hex digits, got 30", or the line and column of a
 * JSON syntax error. -ENOMEM on allocation failure. *@out is NULL on every failure.
 *
 * Accepted, beyond Tasmota's writer: MAC in any case and with colons ("A4:C1:38:A1:B2:C3"),
 * PID in any case, unknown keys (ignored, as is "Alias"), a leading UTF-8 BOM.
 * Kept from Tasmota (SPEC §13.3 #14): an element without MAC and PID applies its
 * key/name/feat to the element before it (an empty key is ignored).
 * Refused, where Tasmota read garbage, merged or stopped silently: MAC without PID or PID
 * without MAC, an element with no MAC/PID/key/name/feat at all, a MAC given by two elements,
 * non-hex digits, wrong lengths, a name longer than 63 bytes (never truncated) or that is not
 * clean UTF-8 text (name_check(): no control characters), a "\u0000" escape anywhere (it
 * would cut the string short), feat that is not an integer in 0..4294967295.
 * Time and memory are linear in @len: each element is a cJSON tree of its own. */
int mi32cfg_parse(const char *text, size_t len, struct mi32cfg **out,
		  char err[MI32CFG_ERR_LEN]);

/* Read and parse the file at @path. Returns 0, -ENOENT when the file does not exist (the
 * daemon then starts with an empty list; @err still says so), -EISDIR or -EINVAL when it is
 * not a regular file (a FIFO is refused without waiting for a writer), -EFBIG past
 * MI32CFG_FILE_MAX bytes, another -errno when it cannot be read, or what mi32cfg_parse()
 * returns. Messages start with @path. */
int mi32cfg_load(const char *path, struct mi32cfg **out, char err[MI32CFG_ERR_LEN]);

/* Format @cfg exactly as Tasmota's MI32Cfg writes it (SPEC §7.3), no spaces, no newline:
 * [{"MAC":"A4C138A1B2C3","PID":"055b","key":"0011…EEFF"},…]
 * MAC upper-case, PID lower-case, key upper-case or "". "name":"…","feat":N follow only when
 * the entry has a non-empty name; a BTHome entry (PID b770) without a name gets "feat":N alone. feat is
 * written as 0 when !has_feat. An empty list is "[]". On success *@out is a NUL-terminated
 * string the caller frees, *@len (if not NULL) its length. Returns 0 or -ENOMEM. */
int mi32cfg_format(const struct mi32cfg *cfg, char **out, size_t *len);

/* Write mi32cfg_format() to @path atomically: when @path is a symbolic link (or a chain),
 * to the file it leads to, so the link stays a link; a temporary "<file>.tmp.<pid>" next to
 * that file (mode 0600), fsync, rename over it, fsync the directory. The result is mode 0600
 * whatever the old file's mode was: it holds keys. On any failure before the rename the old
 * file is untouched and the temporary removed; the return is -errno with a sentence in @err.
 * Writes "[]" for an empty list (Tasmota wrote nothing; callers wanting that check
 * mi32cfg_count() first). */
int mi32cfg_save(const char *path, const struct mi32cfg *cfg, char err[MI32CFG_ERR_LEN]);

/* Remove the "<file>.tmp.<pid>" copies that saves killed mid-way left next to @path (and
 * next to the file a link @path leads to), each holding the keys, unless their process is
 * still running. Call at start, before any save. *@removed counts them. Returns 0, or -errno
 * with a sentence in @err (copies that could be removed are gone anyway). */
int mi32cfg_clean_stale(const char *path, unsigned int *removed, char err[MI32CFG_ERR_LEN]);

size_t mi32cfg_count(const struct mi32cfg *cfg);
/* The entry at @i in file order, or NULL past the end. Borrowed: valid until the list is
 * changed or freed. */
const struct mi32cfg_entry *mi32cfg_get(const struct mi32cfg *cfg, size_t i);
/* The index of the entry with @mac, or -ENOENT. */
int mi32cfg_find(const struct mi32cfg *cfg, const uint8_t mac[6]);
/* Copy @e into the list: replaces the entry with the same MAC in place, otherwise appends.
 * Returns the index, -EINVAL if @e->name is not NUL-terminated, or -ENOMEM. */
int mi32cfg_put(struct mi32cfg *cfg, const struct mi32cfg_entry *e);
/* Remove the entry with @mac, keeping the order of the others. Returns 0 or -ENOENT. */
int mi32cfg_remove(struct mi32cfg *cfg, const uint8_t mac[6]);

#endif
