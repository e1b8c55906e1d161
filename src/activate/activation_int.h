/* SPDX-License-Identifier: MIT */
/* activation_int.h — what the files of the activation share: the object, its states, and
 * the core's helpers (activation.c: ending, the step timer, our one-at-a-time operations,
 * the beginning) for the standard-auth steps (activation_std.c) and the legacy ones
 * (activation_legacy.c). Not for other folders. */
#ifndef MI32_ACTIVATION_INT_H
#define MI32_ACTIVATION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "activate/activation.h"
#include "activate/rxfer.h"

#define MI_SVC           "FE95"
#define CHR_LEGACY_TOKEN 0x0001
#define CHR_PRODUCT_ID   0x0002
#define CHR_VERSION      0x0004
#define CHR_CTRL         0x0010
#define CHR_BEACON_KEY   0x0014
#define CHR_SECURE_AUTH  0x0016
#define CHR_STD_AUTH     0x0019

#define IOQ_MAX   24 /* a transfer is at most 4 frames plus its control writes */
#define CHARS_MAX 32

enum state {
	ST_CHARS,           /* op 7 on 0xFE95: connects, and says which auth the device has */
	ST_VERSION,         /* read 0x0004 */
	ST_PID,             /* read 0x0002 */
	ST_SUBSCRIBE,       /* 0x0010 then 0x0019 */
	ST_INFO,            /* A2 sent: the device info transfer */
	ST_PUBKEY_TX,       /* 15 sent: our public key */
	ST_PUBKEY_RX,       /* the device's public key */
	ST_DID_TX,          /* the sealed DID */
	ST_REG_RESULT,      /* 13 sent: waiting for 11 or 12 */
	ST_LOGIN_TX_RANDOM, /* 24 sent: our random */
	ST_LOGIN_RX_RANDOM,
	ST_LOGIN_RX_CONFIRM,
	ST_LOGIN_TX_CONFIRM,
	ST_LOGIN_RESULT,  /* waiting for 21 */
	ST_LEG_SUBSCRIBE, /* 90CA85DE written, subscribing 0x0001 */
	ST_LEG_TOKEN,     /* RC4(mixA, token) written: waiting for the device's answer */
	ST_LEG_KEY,       /* reading 0x0014 */
	ST_LEG_VERSION,   /* reading 0x0004 */
	ST_CLOSING,       /* our Disconnect is queued */
	ST_DONE,
};

struct io {
	int op;
	uint16_t chr;
	bool response;
	uint8_t len;
	uint8_t data[RXFER_FRAME_MAX];
};

/* One transfer on 0x0019 */
struct xfer {
	bool active;
	bool tx;
	bool ready; /* tx: READY came; rx: the CMD came and READY went */
	uint8_t type;
	uint8_t payload[MIAUTH_PUB_LEN];
	size_t len;
	unsigned int resends;
	struct rxfer_rx rx;
};

struct activation {
	sd_event *ev;
	struct gatt *g;
	struct activation_opts o;
	sd_event_source *retry; /* the next announcement to a device that answered BUSY */
	uint64_t press_until;   /* CLOCK_MONOTONIC µs: the end of the wait for its button; 0
				 * while the device never answered BUSY */
	activation_progress_fn progress;
	activation_done_fn done;
	void *user_data;
	enum state state;
	sd_event_source *timer;
	struct io ioq[IOQ_MAX];
	unsigned int n_io;
	bool busy; /* one of our operations is in flight */
	uint16_t chars[CHARS_MAX];
	unsigned int n_chars;
	struct xfer x;
	struct miauth_keypair *kp;
	uint8_t pub[MIAUTH_PUB_LEN];
	uint8_t did[MIAUTH_DID_LEN];
	struct miauth_reg_keys keys;
	uint8_t app_random[MIAUTH_RANDOM_LEN], dev_random[MIAUTH_RANDOM_LEN];
	struct miauth_login_keys login;
	uint8_t leg_token[MILEGACY_TOKEN_LEN];
	struct activation_result res;
};

/* activation.c */
const char *activation__doing(const struct activation *a); /* "sending our public key" */
void activation__progress(struct activation *a, enum activation_step step, const char *what);
/* End with @err and a sentence (it names the step itself where it helps): forget our
 * queue, disconnect, then report. Nothing after the first ending counts. */
void activation__fail(struct activation *a, enum activation_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void activation__succeed(struct activation *a);
/* Enter @s and (re)start the step timer; arm alone restarts it (the device answered) */
void activation__enter(struct activation *a, enum state s);
void activation__arm(struct activation *a);
void activation__stop_timers(struct activation *a);
/* (Re)arm the step timer; stop both timers (the step's and the BUSY retry's) */
/* Queue one of our operations on the Mi Service: a read, write or subscribe of @chr */
void activation__io_put(struct activation *a, int op, uint16_t chr, const uint8_t *data,
			size_t len, bool response);
bool activation__has_char(const struct activation *a, uint16_t uuid);

/* activation_std.c: standard auth */
void activation__std_subscribed(struct activation *a); /* both subscribed: A2 */
void activation__std_ctrl(struct activation *a, const uint8_t *v, size_t len);
void activation__std_auth(struct activation *a, const uint8_t *v, size_t len);

/* activation_legacy.c */
void activation__leg_begin(struct activation *a);
void activation__leg_subscribed(struct activation *a);
void activation__leg_token(struct activation *a, const uint8_t *v, size_t len);
void activation__leg_read(struct activation *a, uint16_t uuid, const uint8_t *v, size_t len);

#endif
