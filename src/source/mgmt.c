/* SPDX-License-Identifier: MIT */
/* mgmt.c — Bluetooth Management API source: the command sequence that sets the adapter up
 * and keeps it scanning, and the events that steer it. Command semantics follow BlueZ
 * doc/mgmt-api.txt (the bytes are in mgmt_wire.c); kernel behaviour noted where it matters
 * is from net/bluetooth/mgmt.c. One command is in flight at a time; each answer (Command
 * Complete / Command Status with the matching opcode) picks the next step. The socket is
 * the only thing that talks to the kernel, so tests play the kernel over a socketpair. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/rd.h"
#include "util/wr.h"
#include "source/mgmt.h"
#include "source/mgmt_wire.h"
#include "source/rfkill.h"

#define MGMT_CMD_TIMEOUT_US 3000000u
#define MGMT_MONITOR_RETRY_US 500000u
#define MGMT_MONITOR_BUSY_TRIES 5
#define MGMT_READS_PER_PROCESS 256
/* A Device Found carries at most 65535 bytes of EIR; one read is one event, and a short
 * buffer would truncate it, so the buffer holds the largest one. */
#define MGMT_BUF_SIZE (MGMT_HDR_SIZE + 4 + 65535 + 16)

/* The order of the sequence; each step is sent only if step_wanted() says so. */
enum mgmt_step {
	STEP_NONE,
	STEP_STOP_DISCOVERY,
	STEP_REMOVE_MONITOR,
	STEP_READ_VERSION,
	STEP_READ_INDEX_LIST,
	STEP_READ_INFO,
	STEP_SET_LE,
	STEP_SET_POWERED,
	STEP_SET_SYSCONFIG,
	STEP_ADD_MONITOR,
	STEP_START_DISCOVERY,
	STEP_RUNNING,
};

static const char *const step_names[] = {
	[STEP_STOP_DISCOVERY] = "Stop Discovery",
	[STEP_REMOVE_MONITOR] = "Remove Advertisement Monitor",
	[STEP_READ_VERSION] = "Read Management Version Information",
	[STEP_READ_INDEX_LIST] = "Read Controller Index List",
	[STEP_READ_INFO] = "Read Controller Information",
	[STEP_SET_LE] = "Set Low Energy",
	[STEP_SET_POWERED] = "Set Powered",
	[STEP_SET_SYSCONFIG] = "Set Default System Configuration",
	[STEP_ADD_MONITOR] = "Add Advertisement Patterns Monitor",
	[STEP_START_DISCOVERY] = "Start Discovery",
};

struct mgmt {
	struct source src; /* first: the shared part (fd, callback, sequence, buffer) */
	uint16_t index;
	const char *sysfs; /* where rfkill blocks are read; borrowed */
	bool monitor_unsupported; /* fall back to discovery */
	uint64_t monitor_retry_us; /* CLOCK_MONOTONIC µs to ask again after Busy; 0: none */
	unsigned int monitor_busy;  /* Busy answers in a row */

	uint8_t version;
	uint16_t revision;
	uint32_t settings;
	bool have_monitor;
	uint16_t monitor_handle;
	bool own_discovery;
	bool discovering;
	bool config_applied;

	struct mgmt_stats stats;
	char note[160];
	struct adv adv;
};

static const struct source_ops mgmt_ops;

static struct mgmt *of(const struct source *s)
{
	return (struct mgmt *)s;
}

struct mgmt *mgmt_new(int fd, uint16_t index, source_adv_fn cb, void *user_data,
		      void (*destroy)(void *user_data))
{
	struct mgmt *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->src.buf = malloc(MGMT_BUF_SIZE);
	if (!m->src.buf || source__init(&m->src, &mgmt_ops, fd, cb, user_data, destroy) < 0) {
		free(m->src.buf);
		free(m);
		return NULL;
	}
	m->src.buf_size = MGMT_BUF_SIZE;
	m->src.max_reads = MGMT_READS_PER_PROCESS;
	m->index = index;
	m->sysfs = RFKILL_SYSFS;
	return m;
}

static void ops_free(struct source *s)
{
	source__release(s);
	free(s->buf);
	free(of(s));
}

struct source *mgmt_source(struct mgmt *m)
{
	return m ? &m->src : NULL;
}

static bool step_wanted(const struct source *src, int step)
{
	const struct mgmt *m = of(src);
	enum mgmt_step s = step;

	switch (s) {
	case STEP_STOP_DISCOVERY:
		return m->src.restarting && m->own_discovery;
	case STEP_REMOVE_MONITOR:
		return m->src.restarting && m->have_monitor;
	case STEP_READ_VERSION:
	case STEP_READ_INDEX_LIST:
		return !m->src.restarting;
	case STEP_READ_INFO:
	case STEP_SET_SYSCONFIG:
	case STEP_RUNNING:
		return true;
	case STEP_SET_LE:
		return !(m->settings & MGMT_SETTING_LE);
	case STEP_SET_POWERED:
		return !(m->settings & MGMT_SETTING_POWERED);
	case STEP_ADD_MONITOR:
		/* Advertisement monitors arrived with Management 1.18 (Linux 5.8+) */
		return !m->monitor_unsupported &&
		       (m->version > 1 || (m->version == 1 && m->revision >= 18));
	case STEP_START_DISCOVERY:
		return m->src.active || !m->have_monitor;
	case STEP_NONE:
		return false;
	}
	return false;
}

static int send_step(struct source *src, int step)
{
	struct mgmt *m = of(src);
	enum mgmt_step s = step;
	int err;
	uint8_t p[256];
	struct wr w = wr_init(p, sizeof(p));
	uint16_t op, idx = m->index;

	switch (s) {
	case STEP_STOP_DISCOVERY:
		op = MGMT_OP_STOP_DISCOVERY;
		wr_u8(&w, MGMT_DISCOVERY_LE);
		break;
	case STEP_REMOVE_MONITOR:
		op = MGMT_OP_REMOVE_ADV_MONITOR;
		wr_le16(&w, m->monitor_handle);
		break;
	case STEP_READ_VERSION:
		op = MGMT_OP_READ_VERSION;
		idx = MGMT_INDEX_NONE;
		break;
	case STEP_READ_INDEX_LIST:
		op = MGMT_OP_READ_INDEX_LIST;
		idx = MGMT_INDEX_NONE;
		break;
	case STEP_READ_INFO:
		op = MGMT_OP_READ_INFO;
		break;
	case STEP_SET_LE:
		op = MGMT_OP_SET_LE;
		wr_u8(&w, 1);
		break;
	case STEP_SET_POWERED:
		op = MGMT_OP_SET_POWERED;
		wr_u8(&w, 1);
		break;
	case STEP_SET_SYSCONFIG:
		op = MGMT_OP_SET_DEF_SYSTEM_CONFIG;
		mgmt__put_sysconfig(&w, m->src.interval, m->src.window);
		break;
	case STEP_ADD_MONITOR:
		op = MGMT_OP_ADD_ADV_PATTERNS_MONITOR;
		mgmt__put_monitor(&w);
		break;
	case STEP_START_DISCOVERY:
		op = MGMT_OP_START_DISCOVERY;
		wr_u8(&w, MGMT_DISCOVERY_LE);
		break;
	case STEP_NONE:
	case STEP_RUNNING:
	default:
		return -EINVAL;
	}
	source__sent(src, s, op);
	err = mgmt__send(m->src.fd, op, idx, p, (uint16_t)wr_len(&w));
	if (err < 0)
		return source__fail(src, err, "cannot send %s to the kernel: %s", step_names[s],
				    strerror(-err));
	return 0;
}

static const struct source_seq sequence = { STEP_RUNNING, step_wanted, send_step };

static int advance(struct mgmt *m, enum mgmt_step from)
{
	return source__advance(&m->src, from, &sequence);
}

static int ops_start(struct source *s, bool active)
{
	s->active = active;
	source__begin(s, false);
	return advance(of(s), STEP_READ_VERSION);
}

static int ops_restart(struct source *s)
{
	if (of(s)->version == 0)
		return ops_start(s, s->active);
	source__begin(s, true);
	return advance(of(s), STEP_STOP_DISCOVERY);
}

/* Best effort: stop our discovery and remove our monitor. */
static int ops_stop(struct source *s)
{
	struct mgmt *m = of(s);
	uint8_t p[2];
	struct wr w;
	int err = 0, e;

	if (m->own_discovery) {
		p[0] = MGMT_DISCOVERY_LE;
		err = mgmt__send(m->src.fd, MGMT_OP_STOP_DISCOVERY, m->index, p, 1);
		m->own_discovery = false;
	}
	if (m->have_monitor) {
		w = wr_init(p, sizeof(p));
		wr_le16(&w, m->monitor_handle);
		e = mgmt__send(m->src.fd, MGMT_OP_REMOVE_ADV_MONITOR, m->index, p, 2);
		if (!err)
			err = e;
		m->have_monitor = false;
	}
	return err;
}

/* The answer to the command in flight: @status, then @r over the return parameters. */
static int step_done(struct mgmt *m, uint8_t status, struct rd *r)
{
	enum mgmt_step s = m->src.step;

	m->src.pending_op = 0;
	/* Steps where failure has a fallback. */
	if (s == STEP_STOP_DISCOVERY) {
		m->own_discovery = false;
		return advance(m, s + 1);
	}
	if (s == STEP_REMOVE_MONITOR) {
		/* gone already is as good as removed */
		m->have_monitor = false;
		return advance(m, s + 1);
	}
	if (s == STEP_SET_SYSCONFIG) {
		m->config_applied = status == MGMT_STATUS_SUCCESS;
		if (!m->config_applied)
			snprintf(m->note, sizeof(m->note),
				 "kernel refused the scan interval/window (%s): it keeps its "
				 "default duty cycle", mgmt_status_str(status));
		return advance(m, s + 1);
	}
	if (s == STEP_ADD_MONITOR) {
		/* Busy is the kernel still settling the scan of a monitor just removed (mi32
		 * restarted, bluetoothd starting): ask again from the tick, a few times,
		 * rather than fall back to a discovery that is refused as Busy too. */
		if (status == MGMT_STATUS_BUSY && m->monitor_busy < MGMT_MONITOR_BUSY_TRIES) {
			m->monitor_busy++;
			m->monitor_retry_us = clock_mono_us() + MGMT_MONITOR_RETRY_US;
			return 0;
		}
		m->monitor_busy = 0;
		if (status != MGMT_STATUS_SUCCESS) {
			m->monitor_unsupported = true;
			snprintf(m->note, sizeof(m->note),
				 "kernel refused the advertisement monitor (%s): scanning "
				 "actively through discovery instead", mgmt_status_str(status));
			return advance(m, s + 1);
		}
		m->monitor_handle = rd_le16(r);
		if (!rd_ok(r))
			return source__fail(&m->src, -EBADMSG, "short answer to %s",
					    step_names[s]);
		m->have_monitor = true;
		return advance(m, s + 1);
	}
	if (s == STEP_START_DISCOVERY && status == MGMT_STATUS_BUSY) {
		/* Someone else (bluetoothd) is discovering; Device Found events go to
		 * every control socket, so we hear them anyway. */
		snprintf(m->note, sizeof(m->note),
			 "another program is already discovering; sharing its scan");
		return advance(m, s + 1);
	}
	if (s == STEP_SET_POWERED && status != MGMT_STATUS_SUCCESS) {
		/* A soft-blocked adapter is refused as Failed, not RFKilled (the kernel's
		 * mgmt_status() has no entry for -ERFKILL): ask rfkill itself. */
		int blocked = rfkill_blocked(m->sysfs, m->index);

		if (blocked > 0) {
			char why[192];

			rfkill_describe(m->index, blocked, why, sizeof(why));
			return source__fail(&m->src, -ERFKILL, "%s", why);
		}
	}
	if (status != MGMT_STATUS_SUCCESS)
		return source__fail(&m->src, mgmt__status_errno(status),
				    "hci%u: %s failed: %s (0x%02x)", m->index, step_names[s],
				    mgmt_status_str(status), status);

	switch (s) {
	case STEP_READ_VERSION:
		m->version = rd_u8(r);
		m->revision = rd_le16(r);
		break;
	case STEP_READ_INDEX_LIST: {
		char list[96];
		int found = mgmt__parse_index_list(r, m->index, list);

		if (found < 0)
			return source__fail(&m->src, -EBADMSG, "short answer to %s",
					    step_names[s]);
		if (!found)
			return source__fail(&m->src, -ENODEV,
					    "no Bluetooth adapter hci%u (the kernel has: %s)",
					    m->index, list[0] ? list : "none");
		break;
	}
	case STEP_READ_INFO:
		if (mgmt__parse_info(r, m->src.addr, &m->settings) < 0)
			return source__fail(&m->src, -EBADMSG, "short answer to %s",
					    step_names[s]);
		m->src.have_addr = true;
		break;
	case STEP_SET_LE:
		m->settings |= MGMT_SETTING_LE;
		break;
	case STEP_SET_POWERED:
		m->settings |= MGMT_SETTING_POWERED;
		break;
	case STEP_START_DISCOVERY:
		m->own_discovery = true;
		m->discovering = true;
		break;
	case STEP_NONE:
	case STEP_STOP_DISCOVERY:
	case STEP_REMOVE_MONITOR:
	case STEP_SET_SYSCONFIG:
	case STEP_ADD_MONITOR:
	case STEP_RUNNING:
		break;
	}
	return advance(m, s + 1);
}

static void deliver(struct mgmt *m, struct rd *r, bool monitor)
{
	struct mgmt_found f;
	int err;

	if (mgmt__parse_found(r, monitor, &f) < 0) {
		m->stats.malformed++;
		return;
	}
	/* During our discovery the kernel sends every advert as Device Found and, once per
	 * device, a copy as Adv Monitor Device Found (mgmt_adv_monitor_device_found()):
	 * keep only the former. */
	if (monitor && m->discovering) {
		m->stats.duplicates++;
		return;
	}
	err = mgmt__found_adv(&f, &m->adv);
	if (err == -EPFNOSUPPORT) {
		m->stats.not_le++;
		return;
	}
	if (err < 0) {
		m->stats.too_long++;
		return;
	}
	m->adv.time_us = clock_real_us();
	m->stats.adverts++;
	source__deliver(&m->src, &m->adv);
}

static int ops_input(struct source *s, const uint8_t *pkt, size_t len)
{
	struct mgmt *m = of(s);
	struct rd r = rd_init(pkt, len);
	uint16_t ev = rd_le16(&r), idx = rd_le16(&r), plen = rd_le16(&r);

	m->stats.events++;
	if (!rd_ok(&r) || plen != rd_left(&r)) {
		m->stats.malformed++;
		return 0;
	}
	switch (ev) {
	case MGMT_EV_CMD_COMPLETE:
	case MGMT_EV_CMD_STATUS: {
		uint16_t op = rd_le16(&r);
		uint8_t status = rd_u8(&r);

		if (!rd_ok(&r)) {
			m->stats.malformed++;
			return 0;
		}
		/* Answers to commands other sockets sent never reach us, but stray late
		 * answers (source_stop(), a timed-out step) may: match opcode and index. */
		if (!m->src.pending_op || op != m->src.pending_op)
			return 0;
		if (idx != m->index && !(op == MGMT_OP_READ_VERSION ||
					 op == MGMT_OP_READ_INDEX_LIST))
			return 0;
		/* A successful Command Status is only "in progress" for commands that
		 * also complete; mgmt commands we use answer with one or the other. */
		return step_done(m, status, &r);
	}
	case MGMT_EV_DEVICE_FOUND:
	case MGMT_EV_ADV_MONITOR_DEVICE_FOUND:
		if (idx != m->index) {
			m->stats.other_index++;
			return 0;
		}
		deliver(m, &r, ev == MGMT_EV_ADV_MONITOR_DEVICE_FOUND);
		return 0;
	case MGMT_EV_DISCOVERING: {
		uint8_t on;

		rd_skip(&r, 1);
		on = rd_u8(&r);
		if (!rd_ok(&r)) {
			m->stats.malformed++;
			return 0;
		}
		if (idx != m->index)
			return 0;
		m->discovering = on;
		/* Kernel LE discovery ends by itself after ~10 s (DISCOV_LE_TIMEOUT);
		 * bluetoothd restarts it, and so do we. */
		if (!on && m->own_discovery && m->src.state == SOURCE_STATE_RUNNING) {
			m->own_discovery = false;
			m->src.state = SOURCE_STATE_STARTING;
			return advance(m, STEP_START_DISCOVERY);
		}
		return 0;
	}
	case MGMT_EV_ADV_MONITOR_REMOVED: {
		uint16_t h = rd_le16(&r);

		if (!rd_ok(&r)) {
			m->stats.malformed++;
			return 0;
		}
		/* Another client removed it: add it again. Handle 0 is "every monitor":
		 * bluetoothd removes them all this way each time it starts, and the kernel
		 * echoes the 0 in this event rather than naming each monitor. A restarting
		 * bluetoothd has powered the adapter down on its way out, and the kernel
		 * refuses a monitor then (Failed): so power and scan settings first. */
		if (idx == m->index && m->have_monitor && (h == m->monitor_handle || h == 0)) {
			m->have_monitor = false;
			if (m->src.state == SOURCE_STATE_RUNNING) {
				m->src.state = SOURCE_STATE_STARTING;
				if (h != 0)
					return advance(m, STEP_ADD_MONITOR);
				m->src.restarting = true;
				return advance(m, STEP_READ_INFO);
			}
		}
		return 0;
	}
	case MGMT_EV_INDEX_REMOVED:
		if (idx != m->index)
			return 0;
		m->src.state = SOURCE_STATE_GONE;
		m->src.step = STEP_NONE;
		m->src.pending_op = 0;
		m->have_monitor = false;
		m->own_discovery = false;
		m->discovering = false;
		snprintf(m->src.error, sizeof(m->src.error),
			 "Bluetooth adapter hci%u was removed", m->index);
		return -ENODEV;
	case MGMT_EV_NEW_SETTINGS: {
		uint32_t settings = rd_le32(&r);

		if (!rd_ok(&r)) {
			m->stats.malformed++;
			return 0;
		}
		if (idx != m->index)
			return 0;
		m->settings = settings;
		/* Powered off under us (bluetoothctl power off, an rfkill block): scanning
		 * stopped without a word, so re-arm and power it on again; when rfkill
		 * refuses, Set Powered fails and says so. */
		if (!(settings & MGMT_SETTING_POWERED) &&
		    m->src.state == SOURCE_STATE_RUNNING) {
			snprintf(m->note, sizeof(m->note),
				 "hci%u was powered off; powering it on again", m->index);
			source__begin(&m->src, true);
			return advance(m, STEP_STOP_DISCOVERY);
		}
		return 0;
	}
	case MGMT_EV_INDEX_ADDED:
		if (idx != m->index || m->src.state != SOURCE_STATE_GONE)
			return 0;
		m->src.restarting = true;
		m->settings = 0;
		m->src.error[0] = '\0';
		m->src.state = SOURCE_STATE_STARTING;
		return advance(m, STEP_READ_INFO);
	default:
		m->stats.unknown++;
		return 0;
	}
}

static int ops_tick(struct source *s, uint64_t now_us)
{
	struct mgmt *m = of(s);

	if (m->monitor_retry_us && now_us >= m->monitor_retry_us) {
		m->monitor_retry_us = 0;
		return advance(m, STEP_ADD_MONITOR);
	}
	if (!source__overdue(s, now_us, MGMT_CMD_TIMEOUT_US))
		return 0;
	return source__fail(s, -ETIMEDOUT, "hci%u: no answer from the kernel to %s",
			    of(s)->index, step_names[s->step]);
}

/* The kernel keeps its own duty cycle when it refused ours. */
static void ops_status(const struct source *s, struct source_status *out)
{
	if (of(s)->config_applied)
		return;
	out->scan_interval = 0;
	out->scan_window = 0;
	out->duty_percent = 0;
}

static const struct source_ops mgmt_ops = {
	.kind = "mgmt",
	.start = ops_start,
	.restart = ops_restart,
	.stop = ops_stop,
	.input = ops_input,
	.tick = ops_tick,
	.status = ops_status,
	.free = ops_free,
};

/* The typed calls: the generic ones on a mgmt source. */
void mgmt_free(struct mgmt *m)
{
	source_free(mgmt_source(m));
}

int mgmt_set_scan_params(struct mgmt *m, uint16_t interval, uint16_t window)
{
	return source_set_scan_params(&m->src, interval, window);
}

int mgmt_start(struct mgmt *m, bool active)
{
	return source_start(&m->src, active);
}

int mgmt_restart(struct mgmt *m)
{
	return source_restart(&m->src);
}

int mgmt_process(struct mgmt *m)
{
	return source_process(&m->src);
}

int mgmt_input(struct mgmt *m, const uint8_t *pkt, size_t len)
{
	return source_input(&m->src, pkt, len);
}

int mgmt_tick(struct mgmt *m, uint64_t now_us)
{
	return source_tick(&m->src, now_us);
}

uint64_t mgmt_last_adv_time(const struct mgmt *m)
{
	return m->src.last_adv_us;
}

void mgmt_get_info(const struct mgmt *m, struct mgmt_info *out)
{
	memset(out, 0, sizeof(*out));
	out->state = (enum mgmt_state)m->src.state;
	out->version = m->version;
	out->revision = m->revision;
	out->have_addr = m->src.have_addr;
	memcpy(out->addr, m->src.addr, 6);
	out->monitor = m->have_monitor;
	out->monitor_handle = m->monitor_handle;
	out->discovery = m->own_discovery;
	if (m->config_applied) {
		out->scan_interval = m->src.interval;
		out->scan_window = m->src.window;
		out->duty_percent = (unsigned int)m->src.window * 100u / m->src.interval;
	}
	snprintf(out->note, sizeof(out->note), "%s", m->note);
	snprintf(out->error, sizeof(out->error), "%s", m->src.error);
}

void mgmt_set_sysfs(struct mgmt *m, const char *sysfs)
{
	m->sysfs = sysfs;
}

void mgmt_get_stats(const struct mgmt *m, struct mgmt_stats *out)
{
	*out = m->stats;
}
