/* SPDX-License-Identifier: MIT */
/* mi32cfg_store.h — the one conversion between the sensor list file (mi32cfg.h) and the store
 * (store.h), in both directions. MI32Cfg, the web editor and the start-up load all go through
 * these two functions, so a saved file and a restart agree.
 *
 * The semantics, chosen once:
 *  - The file is the truth for every sensor it lists. Applying it adds the sensors the store
 *    does not know yet, and sets each listed sensor's key and name to what the file says: a
 *    key or name the file leaves out is cleared (a user who empties the key field in the
 *    editor and saves means "no key"). Learned features are kept when an element has no
 *    "feat": they come back with the next advert anyway.
 *  - Sensors the file does not list are left alone: the running store never forgets a sensor
 *    (slots are stable); they are gone at the next start.
 *  - At start the store is empty, so loading a file and saving it from the editor end in the
 *    same list.
 *  - Writing follows Tasmota's MI32Cfg: every sensor with its PID and key; the learned
 *    features ("feat") only for a sensor with a name, or for BTHome (whose features cannot be
 *    derived from its PID, SPEC §7.3). An unnamed Xiaomi sensor gets them back from its PID. */
#ifndef MI32_MI32CFG_STORE_H
#define MI32_MI32CFG_STORE_H

#include <stdbool.h>

struct mi32cfg;
struct store;

/* The list MI32Cfg writes: with @order NULL every sensor of @st in slot order; otherwise
 * only the sensors @order lists that the store knows, in @order's order. On success *@out is
 * a new list the caller frees. Returns 0 or -ENOMEM. */
int mi32cfg_from_store(const struct store *st, const struct mi32cfg *order,
		       struct mi32cfg **out);

/* Apply @cfg to @st as described above. Returns the number of entries applied, or -ENOMEM
 * (entries before the failing one stay applied) or -ECANCELED (the store was freed by an
 * event callback). */
int mi32cfg_apply(struct store *st, const struct mi32cfg *cfg);

/* Whether @cfg lists a generic device (PID 0000, an IRK-tracked phone or tag): Tasmota then
 * switches generic tracking (MI32Option5) on. */
bool mi32cfg_has_generic(const struct mi32cfg *cfg);

#endif
