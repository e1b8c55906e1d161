/* SPDX-License-Identifier: MIT */
/* activation.h — registering ("activating") a Xiaomi BLE sensor locally, on the GATT client
 * (src/gatt), to learn its bind key without Xiaomi's cloud. Standard auth: the Mi Service
 * 0xFE95, opcodes on 0x0010 and rxfer transfers on 0x0019 (device info, ECDH public keys, the
 * DID sealed with the one-time key, REG_VERIFY_SUCC → REG_SUCCESS), then a token login to
 * check the result. Legacy auth (--legacy, MiBeacon v2/v3 remotes and dimmers): RC4 on 0x0001
 * and the 12-byte beacon key read from 0x0014. Protocol: shared/notes/mi-activation.md §2-§7.
 *
 * Activation replaces the device's binding: Mi Home no longer knows it afterwards. The caller
 * says so before it starts (activation_warning).
 *
 * A device that wants its button pressed before it registers (front binding, or "press the
 * button" pairing mode) answers our transfers with ACK BUSY: the progress asks the user to
 * press it (ACTIVATION_STEP_PRESS), the transfer is announced again every second, and after
 * press_timeout_ms without READY the activation ends with ACTIVATION_ERR_BUTTON.
 *
 * Asynchronous, on the daemon's sd-event loop; one activation per object. Every way it ends
 * closes the connection first, then calls done once. */
#ifndef MI32_ACTIVATION_H
#define MI32_ACTIVATION_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "activate/miauth.h"
#include "activate/milegacy.h"

struct gatt;
struct activation;

/* How an activation ended */
enum activation_err {
	ACTIVATION_OK = 0,
	ACTIVATION_ERR_CONNECT,       /* could not connect */
	ACTIVATION_ERR_NO_SERVICE,    /* no Mi Service 0xFE95, or not its characteristics */
	ACTIVATION_ERR_NOT_LOCAL,     /* a device that cannot be activated here (the reason) */
	ACTIVATION_ERR_NOTIFY,        /* the device refused a notification subscription */
	ACTIVATION_ERR_TIMEOUT,       /* the device did not answer a step in time */
	ACTIVATION_ERR_DISCONNECTED,  /* the link went down midway */
	ACTIVATION_ERR_PROTOCOL,      /* a wrong opcode or frame */
	ACTIVATION_ERR_REG_FAILED,    /* the device answered REG_FAILED */
	ACTIVATION_ERR_LOGIN_FAILED,  /* the check with the new token failed */
	ACTIVATION_ERR_IO,            /* a write or read was refused */
	ACTIVATION_ERR_BUTTON,        /* the device kept asking for its button to be pressed */
	ACTIVATION_ERR_INTERNAL,      /* no memory, or libcrypto failed */
};

/* The steps, in order, for progress reports */
enum activation_step {
	ACTIVATION_STEP_CONNECT,
	ACTIVATION_STEP_INFO,         /* version, product id, device info */
	ACTIVATION_STEP_KEYS,         /* ECDH public keys (legacy: the RC4 handshake) */
	ACTIVATION_STEP_REGISTER,     /* the sealed DID and REG_VERIFY_SUCC (legacy: key read) */
	ACTIVATION_STEP_LOGIN,        /* the token login that checks the registration */
	ACTIVATION_STEP_CLOSE,
	ACTIVATION_STEP_PRESS,        /* any time: the device is busy until the user presses its
				       * button; the sentence says so, and how long we wait */
};

/* Where a product id stands (the README's support table) */
enum activation_support {
	ACTIVATION_UNKNOWN,           /* not in the table: standard auth is tried */
	ACTIVATION_STANDARD,          /* registration works locally */
	ACTIVATION_LEGACY,            /* RC4 legacy auth: a 12-byte beacon key */
	ACTIVATION_NO_KEY,            /* sends its values unencrypted: nothing to activate */
};

struct activation_model {
	uint16_t pid;
	const char *name;
	enum activation_support support;
	const char *cloud_version;    /* firmware that must use the cloud token, or NULL */
};

struct activation_opts {
	uint8_t mac[6];               /* display order */
	uint8_t addr_type;            /* 0 public, 1 random */
	uint16_t pid;                 /* the MiBeacon product id, 0 when not known (read from
				       * 0x0002 when the device has it) */
	bool legacy;                  /* RC4 legacy auth (also for product ids known as legacy) */
	unsigned int step_timeout_ms; /* per step; 0: 10 s */
	unsigned int press_timeout_ms; /* how long a device that answers BUSY (it wants its
					* button pressed) is asked again; 0: 60 s */
};

struct activation_result {
	enum activation_err error;
	char message[256];            /* one sentence: the outcome, or what went wrong and what
				       * to do */
	uint16_t pid;
	char version[24];             /* firmware version, "" when not read */
	bool legacy;
	uint8_t bind_key[MIAUTH_KEY_LEN]; /* the MiBeacon key (legacy: the expanded 12 bytes) */
	uint8_t token[MIAUTH_TOKEN_LEN];  /* standard only */
	uint8_t key12[MILEGACY_KEY12_LEN]; /* legacy only: the beacon key as the device holds it */
	char did[MIAUTH_DID_LEN + 1]; /* the device id registered (printable part), standard */
	bool did_invented;            /* the device had none: we made one up */
};

/* A step began; @what is a short sentence for a log or a progress line. */
typedef void (*activation_progress_fn)(enum activation_step step, const char *what,
				       void *user_data);
/* The end; @r valid only during the call. The callback may free the activation. */
typedef void (*activation_done_fn)(const struct activation_result *r, void *user_data);

/* Start activating @o->mac through @g. Returns 0 (the first progress, "connecting", comes
 * from inside this call; done follows later, never from inside it), -EINVAL, -ENOMEM, or gatt_run()'s error (no D-Bus, no bluetoothd). */
int activation_start(sd_event *ev, struct gatt *g, const struct activation_opts *o,
		     activation_progress_fn progress, activation_done_fn done, void *user_data,
		     struct activation **out);

/* Stop (done is not called) and free; the connection is closed. NULL is a no-op. */
void activation_free(struct activation *a);

/* The warning to show before starting: what activation does to Mi Home. */
const char *activation_warning(void);

/* The table entry of @pid, or NULL. */
const struct activation_model *activation_model(uint16_t pid);

/* The table, for the README and --help: @n entries. */
const struct activation_model *activation_models(unsigned int *n);

/* Checking a new key on the sensor's adverts (MI32Activate, `mi32 activate`): after an
 * encrypted advert that does not decrypt, how long to wait for one that does before saying
 * the key is wrong. A sensor may repeat an advert it made before it was bound (and a radio
 * stack may have one queued), so the first failure is no verdict. */
#define ACTIVATION_CHECK_GRACE_S 30

#endif
