/* SPDX-License-Identifier: MIT */
/* commands_status.c — Tasmota's Status and State replies for a Linux daemon: the sections
 * Tasmota has (StatusPRM, StatusFWR, StatusLOG, StatusMEM, StatusNET, StatusSNS, StatusSTS)
 * with what is true here. Memory is the process's resident set, "LoadAvg" its share of one
 * CPU since the last State; what has no Linux counterpart (Wi-Fi, flash, boot counters) is
 * left out rather than made up. */
#define _GNU_SOURCE
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/hex.h"
#include "store/report.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "cmd/commands.h"
#include "cmd/commands_int.h"

static uint64_t now(struct commands_ctx *c)
{
	return c->now_us ? c->now_us(c->host) : timefmt_now_us();
}

static void reply_str(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	jw_str(w, val);
}

static void reply_uint(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

/* The resident set in kB (/proc/self/statm), 0 when unknown. */
static unsigned long rss_kb(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	return n == 2 ? resident * (unsigned long)(sysconf(_SC_PAGESIZE) / 1024) : 0;
}

static uint64_t cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Tasmota's LoadAvg: how busy the main loop was, in % of one CPU since the last State (the
 * first: since the daemon set load_mono_us at start). Wall time is CLOCK_MONOTONIC, so
 * replay time does not count. */
static unsigned int load_avg(struct commands_ctx *c)
{
	uint64_t cpu = cpu_us(), mono = clock_mono_us();
	uint64_t dc = cpu - c->load_cpu_us, dw = c->load_mono_us ? mono - c->load_mono_us : 0;

	c->load_cpu_us = cpu;
	c->load_mono_us = mono;
	return dw ? (unsigned int)(dc * 100u / dw) : 0;
}

/* The radio's members of STATE's "MI32" object (README, "The radio in STATE"). */
static void write_radio(struct commands_ctx *c, struct jw *w)
{
	struct sink_radio r;

	if (!sink_radio_get(&c->radio, &r))
		return;
	reply_str(w, "Radio", r.state);
	reply_str(w, "Adapter", r.adapter);
	reply_str(w, "Scan", r.active ? "active" : "passive");
	reply_uint(w, "Duty", r.duty_percent);
	reply_uint(w, "ScanRestarts", r.restarts);
	reply_uint(w, "Reopens", r.reopens);
	if (r.reason[0])
		reply_str(w, "RadioReason", r.reason);
	if (r.retry_in_s)
		reply_uint(w, "RetryIn", r.retry_in_s);
}

/* STATE's "HomeKit" object (README, "Apple Home"): nothing secret, no setup code. */
static void write_homekit(struct commands_ctx *c, struct jw *w)
{
	struct sink_homekit h;

	if (!sink_homekit_get(&c->homekit, &h))
		return;
	jw_key(w, "HomeKit");
	jw_obj_begin(w);
	reply_str(w, "State", h.paired ? "paired" : "not paired");
	reply_uint(w, "Controllers", h.controllers);
	reply_uint(w, "Connections", h.connections);
	reply_uint(w, "Accessories", h.accessories);
	if (h.left_out)
		reply_uint(w, "LeftOut", h.left_out);
	reply_uint(w, "ConfigNumber", h.config_number);
	reply_uint(w, "Port", h.port);
	reply_str(w, "MDNS", h.mdns);
	if (h.mdns_reason[0])
		reply_str(w, "MDNSReason", h.mdns_reason);
	jw_obj_end(w);
}

static void write_state(struct commands_ctx *c, struct jw *w)
{
	const struct store_stats *st = store_stats(c->store);
	uint64_t t = now(c);
	uint64_t up = t > c->start_us ? (t - c->start_us) / 1000000u : 0;
	char b[TIMEFMT_LEN];

	timefmt_iso(t, b);
	reply_str(w, "Time", b);
	timefmt_uptime(up, b);
	reply_str(w, "Uptime", b);
	reply_uint(w, "UptimeSec", up);
	/* Tasmota's free heap becomes our resident set; the loop waits in epoll for the next
	 * event (no fixed sleep: Sleep 0, "Dynamic"); no "Wifi": there is none to report */
	reply_uint(w, "Heap", rss_kb());
	reply_str(w, "SleepMode", "Dynamic");
	reply_uint(w, "Sleep", 0);
	reply_uint(w, "LoadAvg", load_avg(c));
	reply_uint(w, "TelePeriod", c->teleperiod);
	jw_key(w, "MI32");
	jw_obj_begin(w);
	reply_uint(w, "Sensors", store_sensor_count(c->store));
	reply_uint(w, "Adverts", st->adverts);
	reply_uint(w, "Decoded", st->decoded);
	reply_uint(w, "Generic", st->generic);
	reply_uint(w, "Duplicates", st->duplicates);
	reply_uint(w, "Replays", st->replays);
	reply_uint(w, "Malformed", st->malformed);
	reply_uint(w, "NoKey", st->no_key);
	reply_uint(w, "WrongKey", st->wrong_key);
	reply_uint(w, "Unsupported", st->unsupported);
	reply_uint(w, "NotSensor", st->not_sensor);
	reply_uint(w, "NotAdded", st->dropped_cap);
	reply_uint(w, "Filtered", st->filtered);
	write_radio(c, w);
	jw_obj_end(w);
	write_homekit(c, w);
	if (c->state_extra)
		c->state_extra(c->state_extra_data, w);
}

int commands__state(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	if (req->payload[0]) {
		*why = "State takes no argument";
		return -EINVAL;
	}
	write_state(ctx, w);
	return 0;
}

/* StatusSNS: the SENSOR message as it would be sent at TelePeriod, without clearing it
 * (Status 8 only looks). TempUnit follows Tasmota's rule: only when a Temperature is in. */
static int write_sns(struct commands_ctx *c, struct jw *w)
{
	struct report_opts o = REPORT_OPTS_DEFAULT;
	char tb[TIMEFMT_LEN];
	size_t start;

	o.temp_res = c->temp_res;
	o.hum_res = c->hum_res;
	timefmt_iso(now(c), tb);
	jw_key(w, "StatusSNS");
	start = w->len;
	jw_obj_begin(w);
	reply_str(w, "Time", tb);
	report_members(c->store, REPORT_TELE, &o, w);
	if (!w->overflow && memmem(w->buf + start, w->len - start, "\"Temperature\"", 13))
		reply_str(w, "TempUnit", "C");
	jw_obj_end(w);
	return w->overflow ? -ENOSPC : 0;
}

/* StatusPRM: the parameters Tasmota shows that exist here. */
static void write_prm(struct commands_ctx *c, struct jw *w)
{
	char b[TIMEFMT_LEN];
	uint64_t t = now(c), up = t > c->start_us ? (t - c->start_us) / 1000000u : 0;

	jw_key(w, "StatusPRM");
	jw_obj_begin(w);
	reply_str(w, "GroupTopic", c->group_topic ? c->group_topic : "");
	timefmt_uptime(up, b);
	reply_str(w, "Uptime", b);
	timefmt_iso(c->start_us, b);
	reply_str(w, "StartupUTC", b);
	reply_uint(w, "Sleep", 0);
	jw_obj_end(w);
}

/* StatusLOG: Tasmota's SerialLog level (0 none .. 4 debug more) from ours. */
static void write_log(struct commands_ctx *c, struct jw *w)
{
	int l = log_level();

	jw_key(w, "StatusLOG");
	jw_obj_begin(w);
	reply_uint(w, "SerialLog", l >= LOG_DEBUG_ ? 4 : l >= LOG_INFO_ ? 2 : 1);
	reply_uint(w, "TelePeriod", c->teleperiod);
	jw_obj_end(w);
}

/* StatusMEM: the executable's size and the resident set, in kB as Tasmota's. */
static void write_mem(struct jw *w)
{
	struct stat st;

	jw_key(w, "StatusMEM");
	jw_obj_begin(w);
	if (stat("/proc/self/exe", &st) == 0)
		reply_uint(w, "ProgramSize", (uint64_t)st.st_size / 1024u);
	reply_uint(w, "Heap", rss_kb());
	jw_obj_end(w);
}

/* StatusNET: the host name (disco.be took the node's name from it) and the first up,
 * non-loopback interface's IPv4 address and MAC. */
static void write_net(struct jw *w)
{
	struct ifaddrs *ifa = NULL, *i;
	char host[256] = "", ip[INET_ADDRSTRLEN] = "", ifname[IF_NAMESIZE] = "", mac[HEX_MAC_LEN] = "";

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	if (getifaddrs(&ifa) == 0) {
		for (i = ifa; i && !ip[0]; i = i->ifa_next)
			if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			    (i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK)) {
				inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
					  ip, sizeof(ip));
				snprintf(ifname, sizeof(ifname), "%s", i->ifa_name);
			}
		for (i = ifa; i && ifname[0]; i = i->ifa_next) {
			const struct sockaddr_ll *ll = (const void *)i->ifa_addr;

			if (ll && ll->sll_family == AF_PACKET && ll->sll_halen == 6 &&
			    !strcmp(i->ifa_name, ifname)) {
				hex_mac(ll->sll_addr, mac);
				break;
			}
		}
		freeifaddrs(ifa);
	}
	jw_key(w, "StatusNET");
	jw_obj_begin(w);
	reply_str(w, "Hostname", host);
	reply_str(w, "IPAddress", ip);
	reply_str(w, "Mac", mac);
	jw_obj_end(w);
}

int commands__status(void *ctx, const struct cmd_req *req, struct jw *w, const char **why)
{
	static const char usage[] = "Status takes 0 (all), 1 (parameters), 2 (firmware), 3 "
				    "(logging), 4 (memory), 5 (network), 8 or 10 (sensors), 11 "
				    "(state)";
	struct commands_ctx *c = ctx;
	char *end;
	long v = -1;
	bool all;

	if (req->payload[0]) {
		errno = 0;
		v = strtol(req->payload, &end, 10);
		if (errno || *end || v < 0) {
			*why = usage;
			return -EINVAL;
		}
	}
	all = v == 0;
	if (v > 0 && v != 1 && v != 2 && v != 3 && v != 4 && v != 5 && v != 8 && v != 10 &&
	    v != 11) {
		*why = usage;
		return -EINVAL;
	}
	if (v < 0 || all) {
		jw_key(w, "Status");
		jw_obj_begin(w);
		reply_str(w, "DeviceName", "mi32");
		jw_key(w, "FriendlyName");
		jw_arr_begin(w);
		jw_str(w, c->topic ? c->topic : "mi32");
		jw_arr_end(w);
		reply_str(w, "Topic", c->topic ? c->topic : "");
		reply_uint(w, "Sensors", store_sensor_count(c->store));
		jw_obj_end(w);
		if (!all)
			return 0;
	}
	if (all || v == 1)
		write_prm(c, w);
	if (all || v == 2) {
		jw_key(w, "StatusFWR");
		jw_obj_begin(w);
		reply_str(w, "Version", c->version ? c->version : "");
		reply_str(w, "Hardware", "Linux");
		jw_obj_end(w);
	}
	if (all || v == 3)
		write_log(c, w);
	if (all || v == 4)
		write_mem(w);
	if (all || v == 5)
		write_net(w);
	if (all || v == 8 || v == 10) {
		int err = write_sns(c, w);

		if (err < 0) {
			*why = "the sensor list did not fit the reply";
			return err;
		}
	}
	if (all || v == 11) {
		jw_key(w, "StatusSTS");
		jw_obj_begin(w);
		write_state(c, w);
		jw_obj_end(w);
	}
	return 0;
}
