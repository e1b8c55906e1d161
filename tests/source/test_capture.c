/* SPDX-License-Identifier: MIT */
/* test_capture.c — capture files: write/read round trip, every btsnoop datalink and pcap
 * link type, truncation at every byte, corrupt headers. With --write-sample FILE or
 * --read FILE it is also the tool tests/integration/test_01_source_capture.py drives to
 * check our files against tshark and text2pcap. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "source/capture.h"
#include "util/hex.h"

/* 2023-11-14 22:13:20 UTC */
#define T0 1700000000000000ULL

/* The sample every test and the integration test share: legacy and extended reports,
 * both address types, unknown RSSI, empty and maximal data. */
static const struct adv sample[] = {
	{ .addr = { 0xA4, 0xC1, 0x38, 0x5B, 0x74, 0x8E }, .addr_type = 0, .rssi = -67,
	  .evt_type = 0, .len = 17, .time_us = T0 + 1,
	  .data = { 0x10, 0x16, 0x1A, 0x18, 0xA4, 0xC1, 0x38, 0x5B, 0x74, 0x8E, 0x00, 0xE6,
		    0x3B, 0x53, 0x0B, 0xF5, 0x3B } },
	{ .addr = { 0xC4, 0x7C, 0x8D, 0x6A, 0x3E, 0x01 }, .addr_type = 1, .rssi = -90,
	  .evt_type = 3, .len = 3, .time_us = T0 + 250000,
	  .data = { 0x02, 0x01, 0x06 } },
	{ .addr = { 0x58, 0x2D, 0x34, 0x35, 0x93, 0x21 }, .addr_type = 0,
	  .rssi = ADV_RSSI_NONE, .evt_type = 4, .len = 0, .time_us = T0 + 999999 },
	{ .addr = { 0xE8, 0x11, 0x22, 0x33, 0x44, 0x55 }, .addr_type = 1, .rssi = -40,
	  .evt_type = 2, .len = 31, .time_us = T0 + 2000000,
	  .data = { 0x1E, 0xFF, 0x69, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
		    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27 } },
	/* extended: 40 bytes of data, a legacy-PDU-through-extended type (0x13) */
	{ .addr = { 0x38, 0x1F, 0x8D, 0x00, 0x00, 0x01 }, .addr_type = 0, .rssi = -100,
	  .evt_type = 0x13, .len = 40, .time_us = T0 + 3000000,
	  .data = { 0x27, 0xFF, 0xFF, 0xFF } },
	{ .addr = { 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE }, .addr_type = 1, .rssi = 20,
	  .evt_type = 0x00, .len = CAPTURE_WRITE_DATA_MAX, .time_us = 0 },
};

#define N_SAMPLE (sizeof(sample) / sizeof(sample[0]))

/* Non-advertising traffic interleaved by the sample writer; the reader must skip it. */
static const char *const noise_h4[] = {
	"01 0B 20 07 01 10 00 10 00 00 00",    /* LE Set Scan Parameters (command) */
	"04 0E 04 01 0B 20 00",                /* Command Complete (event) */
	"02 01 20 07 00 03 00 04 00 0A 03 00", /* ACL: ATT Read Request */
	"04 3E 0A 03 00 40 00 18 00 00 00 2A 00", /* LE Connection Update Complete */
};

static void assert_adv_equal(const struct adv *a, const struct adv *b)
{
	assert_memory_equal(a->addr, b->addr, 6);
	assert_int_equal(a->addr_type, b->addr_type);
	assert_int_equal(a->rssi, b->rssi);
	assert_int_equal(a->evt_type, b->evt_type);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->data, b->data, a->len);
	assert_int_equal(a->time_us, b->time_us);
}

static int put_hex_h4(struct capture_writer *w, const char *h, uint64_t t, bool rx)
{
	uint8_t b[300];
	int n = hex_decode(h, b, sizeof(b));

	if (n <= 0)
		return -EINVAL;
	return capture_write_h4(w, b, (size_t)n, t, rx);
}

/* The sample, each advert preceded by one noise packet in turn. */
static int write_sample(const char *path)
{
	char err[CAPTURE_ERR_LEN];
	struct capture_writer *w;
	int r;

	r = capture_writer_open(&w, path, err);
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		return r;
	}
	for (size_t i = 0; i < N_SAMPLE && r == 0; i++) {
		const char *h = noise_h4[i % 4];

		r = put_hex_h4(w, h, sample[i].time_us, h[1] != '1');
		if (r == 0)
			r = capture_write_adv(w, &sample[i]);
	}
	if (r == 0)
		return capture_writer_close(w);
	capture_writer_close(w);
	return r;
}

static char *temp_path(const char *name)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *p = malloc(4096);

	assert_non_null(p);
	snprintf(p, 4096, "%s/mi32-test-capture-%ld-%s", dir, (long)getpid(), name);
	return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(1 << 16);

	assert_non_null(f);
	assert_non_null(b);
	*len = fread(b, 1, 1 << 16, f);
	fclose(f);
	return b;
}

static uint8_t *sample_bytes(size_t *len)
{
	char *p = temp_path("sample.btsnoop");
	uint8_t *b;

	assert_int_equal(write_sample(p), 0);
	b = slurp(p, len);
	unlink(p);
	free(p);
	return b;
}

static void round_trip(void **state)
{
	char *p = temp_path("rt.btsnoop");
	char err[CAPTURE_ERR_LEN];
	struct capture_stats st;
	struct capture *c;
	struct adv a;

	(void)state;
	assert_int_equal(write_sample(p), 0);
	assert_int_equal(capture_open(&c, p, err), 0);
	assert_string_equal(capture_format(c), "btsnoop/H4");
	for (size_t i = 0; i < N_SAMPLE; i++) {
		assert_int_equal(capture_next(c, &a), 1);
		assert_adv_equal(&a, &sample[i]);
	}
	assert_int_equal(capture_next(c, &a), 0);
	assert_int_equal(capture_next(c, &a), 0);
	assert_string_equal(capture_error(c), "");
	capture_get_stats(c, &st);
	assert_int_equal(st.records, 2 * N_SAMPLE);
	assert_int_equal(st.adverts, N_SAMPLE);
	assert_int_equal(st.skipped, N_SAMPLE);
	assert_int_equal(st.malformed, 0);
	capture_free(c);
	unlink(p);
	free(p);
}

static void write_limits(void **state)
{
	char *p = temp_path("limits.btsnoop");
	char err[CAPTURE_ERR_LEN];
	struct capture_writer *w;
	struct adv a = sample[0];
	uint8_t h4 = 0x04;

	(void)state;
	assert_int_equal(capture_writer_open(&w, p, err), 0);
	a.len = CAPTURE_WRITE_DATA_MAX + 1;
	assert_int_equal(capture_write_adv(w, &a), -EMSGSIZE);
	assert_int_equal(capture_write_h4(w, &h4, 0, 0, true), -EINVAL);
	assert_int_equal(capture_write_h4(w, &h4, CAPTURE_RECORD_MAX + 1, 0, true), -EMSGSIZE);
	assert_int_equal(capture_writer_close(w), 0);
	assert_int_equal(capture_writer_close(NULL), 0);
	assert_int_equal(capture_writer_open(&w, "/nonexistent/dir/x", err), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/dir/x"));
	unlink(p);
	free(p);
}

/* Found by fuzz_capture: a reserved legacy event type (0xCA) was written back as an
 * extended report, whose 7-bit type lost the top bit. */
static void odd_event_types(void **state)
{
	char *p = temp_path("types.btsnoop");
	char err[CAPTURE_ERR_LEN];
	struct capture_writer *w;
	struct capture *c;
	struct adv a = sample[1], b;
	const uint8_t types[] = { 0x00, 0x04, 0x05, 0x10, 0x13, 0x7F, 0x80, 0xCA, 0xFF };

	(void)state;
	assert_int_equal(capture_writer_open(&w, p, err), 0);
	for (size_t i = 0; i < sizeof(types); i++) {
		a.evt_type = types[i];
		assert_int_equal(capture_write_adv(w, &a), 0);
	}
	assert_int_equal(capture_writer_close(w), 0);
	assert_int_equal(capture_open(&c, p, err), 0);
	for (size_t i = 0; i < sizeof(types); i++) {
		a.evt_type = types[i];
		assert_int_equal(capture_next(c, &b), 1);
		assert_adv_equal(&b, &a);
	}
	assert_int_equal(capture_next(c, &b), 0);
	capture_free(c);
	unlink(p);
	free(p);
}

/* A tiny byte builder for hand-made files. */
struct bb {
	uint8_t b[2048];
	size_t n;
};

static void bb_hex(struct bb *b, const char *h)
{
	int n = hex_decode(h, b->b + b->n, sizeof(b->b) - b->n);

	assert_true(n >= 0);
	b->n += (size_t)n;
}

static void bb_u32(struct bb *b, uint32_t v, bool be)
{
	for (int i = 0; i < 4; i++)
		b->b[b->n++] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void bb_btsnoop_hdr(struct bb *b, uint32_t datalink)
{
	bb_hex(b, "62 74 73 6E 6F 6F 70 00 00 00 00 01");
	bb_u32(b, datalink, true);
}

/* A btsnoop record at 2023-11-14 22:13:20 UTC (0x00E2E7D7274DC000 µs since 0 AD). */
static void bb_btsnoop_rec(struct bb *b, uint32_t flags, const char *pkt)
{
	size_t at = b->n;
	uint32_t len;

	b->n += 8;
	bb_u32(b, flags, true);
	bb_u32(b, 0, true);
	bb_hex(b, "00 E2 E7 D7 27 4D C0 00");
	bb_hex(b, pkt);
	len = (uint32_t)(b->n - at - 24);
	b->n = at;
	bb_u32(b, len, true);
	bb_u32(b, len, true);
	b->n = at + 24 + len;
}

static void bb_pcap_hdr(struct bb *b, uint32_t magic, uint32_t linktype, bool be)
{
	bb_u32(b, magic, be);
	bb_u32(b, be ? 0x00020004 : 0x00040002, be);
	bb_u32(b, 0, be);
	bb_u32(b, 0, be);
	bb_u32(b, 65535, be);
	bb_u32(b, linktype, be);
}

static void bb_pcap_rec(struct bb *b, uint32_t frac, const char *pkt, bool be)
{
	size_t at = b->n;
	uint32_t len;

	b->n += 16;
	bb_hex(b, pkt);
	len = (uint32_t)(b->n - at - 16);
	b->n = at;
	bb_u32(b, 1700000000, be);
	bb_u32(b, frac, be);
	bb_u32(b, len, be);
	bb_u32(b, len, be);
	b->n = at + 16 + len;
}

/* ADV_IND from public 58:2D:34:35:93:21, flags AD, RSSI -60, as an HCI event body. */
#define EVT_ADV "3E 0F 02 01 00 00 21 93 35 34 2D 58 03 02 01 06 C4"
#define EVT_CMD_COMPLETE "0E 04 01 0B 20 00"

static void expect_one(const struct bb *b, const char *format, int8_t rssi, uint64_t t,
		       unsigned int skipped)
{
	char err[CAPTURE_ERR_LEN];
	struct capture_stats st;
	struct capture *c;
	struct adv a;

	assert_int_equal(capture_open_mem(&c, b->b, b->n, err), 0);
	assert_string_equal(capture_format(c), format);
	assert_int_equal(capture_next(c, &a), 1);
	assert_int_equal(a.addr[0], 0x58);
	assert_int_equal(a.addr[5], 0x21);
	assert_int_equal(a.addr_type, 0);
	assert_int_equal(a.rssi, rssi);
	assert_int_equal(a.len, 3);
	assert_memory_equal(a.data, "\x02\x01\x06", 3);
	assert_int_equal(a.time_us, t);
	assert_int_equal(capture_next(c, &a), 0);
	capture_get_stats(c, &st);
	assert_int_equal(st.skipped, skipped);
	assert_int_equal(st.malformed, 0);
	capture_free(c);
}

static void btsnoop_hci_1001(void **state)
{
	struct bb b = { .n = 0 };

	(void)state;
	bb_btsnoop_hdr(&b, 1001);
	bb_btsnoop_rec(&b, 2, "0B 20 07 01 10 00 10 00 00 00"); /* command, sent */
	bb_btsnoop_rec(&b, 1, "20 00 05 00 01 00 04 00 0A");   /* ACL, received */
	bb_btsnoop_rec(&b, 3, EVT_ADV);
	expect_one(&b, "btsnoop/HCI", -60, T0, 2);
}

static void btsnoop_h4_1002(void **state)
{
	struct bb b = { .n = 0 };

	(void)state;
	bb_btsnoop_hdr(&b, 1002);
	bb_btsnoop_rec(&b, 3, "04 " EVT_CMD_COMPLETE);
	bb_btsnoop_rec(&b, 3, "04 " EVT_ADV);
	bb_btsnoop_rec(&b, 1, "02 20 00 05 00 01 00 04 00 0A");
	expect_one(&b, "btsnoop/H4", -60, T0, 2);
}

static void btsnoop_monitor_2001(void **state)
{
	struct bb b = { .n = 0 };

	(void)state;
	bb_btsnoop_hdr(&b, 2001);
	/* New Index (opcode 0): type, bus, bdaddr, name */
	bb_btsnoop_rec(&b, 0, "00 01 00 00 00 00 00 00 68 63 69 30 00 00 00 00");
	bb_btsnoop_rec(&b, 1 << 16 | 2, "0B 20 07 01 10 00 10 00 00 00");
	bb_btsnoop_rec(&b, 1 << 16 | 3, EVT_ADV);
	bb_btsnoop_rec(&b, 0xFFFFu << 16 | 12, "00 00 00 00"); /* user logging, no index */
	expect_one(&b, "btsnoop/monitor", -60, T0, 3);
}

static void pcap_h4_187(void **state)
{
	for (int be = 0; be < 2; be++) {
		struct bb b = { .n = 0 };

		(void)state;
		bb_pcap_hdr(&b, 0xA1B2C3D4, 187, be);
		bb_pcap_rec(&b, 5, "01 0B 20 07 01 10 00 10 00 00 00", be);
		bb_pcap_rec(&b, 5, "04 " EVT_ADV, be);
		expect_one(&b, "pcap/H4", -60, T0 + 5, 1);
	}
}

static void pcap_h4_phdr_201(void **state)
{
	for (int be = 0; be < 2; be++) {
		struct bb b = { .n = 0 };

		(void)state;
		/* nanosecond variant: 123456789 ns is 123456 µs */
		bb_pcap_hdr(&b, 0xA1B23C4D, 201, be);
		bb_pcap_rec(&b, 123456789, "00 00 00 00 01 0B 20 07 01 10 00 10 00 00 00", be);
		bb_pcap_rec(&b, 123456789, "00 00 00 01 04 " EVT_CMD_COMPLETE, be);
		bb_pcap_rec(&b, 123456789, "00 00 00 01 04 " EVT_ADV, be);
		expect_one(&b, "pcap/H4-PHDR", -60, T0 + 123456, 2);
	}
}

/* LE LL: phdr(ch 37, signal -60, noise -90, offenses 0, ref AA, flags), AA, header, AdvA,
 * AdvData, CRC. Flags 0x0C13: dewhitened, signal valid, ref AA valid, CRC checked+valid. */
#define LL_AA "D6 BE 89 8E"
#define LL_ADV_NONCONN(flags) "25 C4 A6 00 D6 BE 89 8E " flags " " LL_AA " 02 09 " \
			      "21 93 35 34 2D 58 02 01 06 AA BB CC"

static void pcap_le_ll_256(void **state)
{
	struct bb b = { .n = 0 };
	struct bb nosig = { .n = 0 };

	(void)state;
	bb_pcap_hdr(&b, 0xA1B2C3D4, 256, false);
	/* SCAN_REQ (type 3) and a data channel PDU are not adverts */
	bb_pcap_rec(&b, 7, "25 C4 A6 00 D6 BE 89 8E 13 0C " LL_AA " 03 0C "
		    "01 02 03 04 05 06 21 93 35 34 2D 58 AA BB CC", false);
	bb_pcap_rec(&b, 7, "05 C4 A6 00 D6 BE 89 8E 13 0C 11 22 33 44 01 00 AA BB CC", false);
	bb_pcap_rec(&b, 7, LL_ADV_NONCONN("13 0C"), false);
	expect_one(&b, "pcap/LE-LL", -60, T0 + 7, 2);

	bb_pcap_hdr(&nosig, 0xA1B2C3D4, 256, false);
	bb_pcap_rec(&nosig, 7, LL_ADV_NONCONN("11 0C"), false);
	expect_one(&nosig, "pcap/LE-LL", ADV_RSSI_NONE, T0 + 7, 0);
}

static void pcap_le_ll_bad(void **state)
{
	char err[CAPTURE_ERR_LEN];
	struct capture_stats st;
	struct bb b = { .n = 0 };
	struct capture *c;
	struct adv a;

	(void)state;
	bb_pcap_hdr(&b, 0xA1B2C3D4, 256, false);
	bb_pcap_rec(&b, 1, LL_ADV_NONCONN("13 04"), false); /* CRC checked, not valid */
	/* length 0x0A says one byte more than there is before the CRC */
	bb_pcap_rec(&b, 2, "25 C4 A6 00 D6 BE 89 8E 13 0C " LL_AA " 02 0A "
		    "21 93 35 34 2D 58 02 01 06 AA BB CC", false);
	bb_pcap_rec(&b, 3, "25 C4 A6 00 D6 BE", false); /* cut inside the phdr */
	bb_pcap_rec(&b, 4, LL_ADV_NONCONN("13 0C"), false);
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), 0);
	assert_int_equal(capture_next(c, &a), 1);
	assert_int_equal(a.time_us, T0 + 4);
	assert_int_equal(capture_next(c, &a), 0);
	capture_get_stats(c, &st);
	assert_int_equal(st.malformed, 3);
	capture_free(c);
}

/* Every prefix of a valid file either ends cleanly at a record boundary or fails with an
 * offset; whatever came out before is exactly the start of the full file's adverts. */
static void truncate_all(const uint8_t *buf, size_t len, const struct adv *full, size_t nfull)
{
	for (size_t cut = 0; cut < len; cut++) {
		char err[CAPTURE_ERR_LEN];
		struct capture *c;
		struct adv a;
		size_t k = 0;
		int r;

		r = capture_open_mem(&c, buf, cut, err);
		if (r < 0) {
			assert_int_equal(r, -EBADMSG);
			assert_non_null(strstr(err, "at byte 0"));
			continue;
		}
		while ((r = capture_next(c, &a)) == 1) {
			assert_true(k < nfull);
			assert_adv_equal(&a, &full[k]);
			k++;
		}
		if (r < 0) {
			assert_int_equal(r, -EBADMSG);
			assert_non_null(strstr(capture_error(c), "at byte "));
			assert_int_equal(capture_next(c, &a), r); /* sticky */
		}
		capture_free(c);
	}
}

static void truncated_btsnoop(void **state)
{
	size_t len;
	uint8_t *buf = sample_bytes(&len);

	(void)state;
	truncate_all(buf, len, sample, N_SAMPLE);
	free(buf);
}

static void truncated_pcap(void **state)
{
	struct bb b = { .n = 0 };
	struct adv full[2];
	char err[CAPTURE_ERR_LEN];
	struct capture *c;

	(void)state;
	bb_pcap_hdr(&b, 0xA1B2C3D4, 201, true);
	bb_pcap_rec(&b, 1, "00 00 00 01 04 " EVT_ADV, true);
	bb_pcap_rec(&b, 2, "00 00 00 00 01 0B 20 07 01 10 00 10 00 00 00", true);
	bb_pcap_rec(&b, 3, "00 00 00 01 04 " EVT_ADV, true);
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), 0);
	assert_int_equal(capture_next(c, &full[0]), 1);
	assert_int_equal(capture_next(c, &full[1]), 1);
	capture_free(c);
	truncate_all(b.b, b.n, full, 2);
}

static void exact_messages(void **state)
{
	char err[CAPTURE_ERR_LEN];
	struct bb b = { .n = 0 };
	struct capture *c;
	struct adv a;

	(void)state;
	bb_btsnoop_hdr(&b, 1002);
	bb_btsnoop_rec(&b, 3, "04 " EVT_ADV);
	/* first record: 24-byte header + 18 bytes at 16; cut 6 bytes off it */
	assert_int_equal(capture_open_mem(&c, b.b, b.n - 6, err), 0);
	assert_int_equal(capture_next(c, &a), -EBADMSG);
	assert_string_equal(capture_error(c),
			    "truncated record at byte 16: header says 18 bytes, 12 left");
	capture_free(c);

	assert_int_equal(capture_open_mem(&c, b.b, 16 + 10, err), 0);
	assert_int_equal(capture_next(c, &a), -EBADMSG);
	assert_string_equal(capture_error(c),
			    "truncated record header at byte 16: 24 bytes needed, 10 left");
	capture_free(c);

	assert_int_equal(capture_open_mem(&c, b.b, 5, err), -EBADMSG);
	assert_string_equal(err, "truncated btsnoop header at byte 0: 16 bytes needed, 5 left");
	assert_int_equal(capture_open_mem(&c, b.b, 0, err), -EBADMSG);
	assert_int_equal(capture_open_mem(&c, NULL, 0, err), -EBADMSG);
}

static void bad_headers(void **state)
{
	char err[CAPTURE_ERR_LEN];
	struct capture *c;
	struct bb b;

	(void)state;
	assert_int_equal(capture_open_mem(&c, "GIF89a\0\0\0\0\0\0\0\0\0\0\0\0", 18, err),
			 -EBADMSG);
	assert_string_equal(err, "not a btsnoop or pcap file: magic 47 49 46 38 at byte 0");

	b.n = 0;
	bb_hex(&b, "0A 0D 0D 0A 1C 00 00 00 4D 3C 2B 1A 01 00 00 00 FF FF FF FF FF FF FF FF");
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), -ENOTSUP);
	assert_string_equal(err, "pcapng is not supported, convert with editcap -F pcap");

	b.n = 0;
	bb_hex(&b, "62 74 73 6E 6F 6F 7A 00 00 00 00 01 00 00 03 EA");
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), -EBADMSG);

	b.n = 0;
	bb_hex(&b, "62 74 73 6E 6F 6F 70 00 00 00 00 02 00 00 03 EA");
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), -ENOTSUP);

	b.n = 0;
	bb_btsnoop_hdr(&b, 1003); /* BCSP */
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), -ENOTSUP);
	assert_non_null(strstr(err, "1003"));

	b.n = 0;
	bb_pcap_hdr(&b, 0xA1B2C3D4, 1, false); /* Ethernet */
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), -ENOTSUP);
	assert_non_null(strstr(err, "link type 1 "));

	b.n = 0;
	bb_pcap_hdr(&b, 0xA1B2C3D4, 201, false);
	b.b[4] = 1; /* version 1.4 */
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), -EBADMSG);

	assert_int_equal(capture_open(&c, "/nonexistent/capture", err), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/capture"));
}

static void bad_records(void **state)
{
	char err[CAPTURE_ERR_LEN];
	struct capture *c;
	struct adv a;
	struct bb b = { .n = 0 };

	(void)state;
	/* one good record, then one claiming 70000 bytes */
	bb_btsnoop_hdr(&b, 1002);
	bb_btsnoop_rec(&b, 3, "04 " EVT_ADV);
	bb_u32(&b, 70000, true);
	bb_u32(&b, 70000, true);
	bb_hex(&b, "00 00 00 03 00 00 00 00 00 E2 E7 D7 27 4D C0 00");
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), 0);
	assert_int_equal(capture_next(c, &a), 1);
	assert_int_equal(a.addr[0], 0x58);
	assert_int_equal(capture_next(c, &a), -EMSGSIZE);
	assert_string_equal(capture_error(c),
			    "record at byte 58 is 70000 bytes, more than the 65544 allowed");
	capture_free(c);

	/* included longer than original */
	b.n = 58;
	bb_u32(&b, 4, true);
	bb_u32(&b, 8, true);
	bb_hex(&b, "00 00 00 03 00 00 00 00 00 E2 E7 D7 27 4D C0 00 04 0E 01 00 00 00 00 00");
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), 0);
	assert_int_equal(capture_next(c, &a), 1);
	assert_int_equal(capture_next(c, &a), -EBADMSG);
	assert_non_null(strstr(capture_error(c), "at byte 58"));
	capture_free(c);

	/* pcap sub-second field past one second */
	b.n = 0;
	bb_pcap_hdr(&b, 0xA1B2C3D4, 187, false);
	bb_pcap_rec(&b, 1000000, "04 " EVT_ADV, false);
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), 0);
	assert_int_equal(capture_next(c, &a), -EBADMSG);
	assert_string_equal(capture_error(c), "corrupt record header at byte 24: sub-second "
					      "field out of range");
	capture_free(c);
}

static void malformed_event_skipped(void **state)
{
	char err[CAPTURE_ERR_LEN];
	struct capture_stats st;
	struct bb b = { .n = 0 };
	struct capture *c;
	struct adv a[3];

	(void)state;
	bb_btsnoop_hdr(&b, 1002);
	/* report count 2 but one report's worth of bytes */
	bb_btsnoop_rec(&b, 3, "04 3E 0F 02 02 00 00 21 93 35 34 2D 58 03 02 01 06 C4");
	/* two reports in one event come out one per call */
	bb_btsnoop_rec(&b, 3, "04 3E 19 02 02 04 01 01 00 00 00 00 00 01 AA B0 "
		       "00 00 02 00 00 00 00 00 02 BB CC B1");
	assert_int_equal(capture_open_mem(&c, b.b, b.n, err), 0);
	assert_int_equal(capture_next(c, &a[0]), 1);
	assert_int_equal(capture_next(c, &a[1]), 1);
	assert_int_equal(capture_next(c, &a[2]), 0);
	assert_int_equal(a[0].addr[5], 1);
	assert_int_equal(a[0].evt_type, 4);
	assert_int_equal(a[1].addr[5], 2);
	assert_int_equal(a[1].len, 2);
	capture_get_stats(c, &st);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.adverts, 2);
	capture_free(c);
}

/* --read FILE: one line per advert, for the integration test. */
static int read_main(const char *path)
{
	char err[CAPTURE_ERR_LEN], hex[2 * ADV_DATA_MAX + 1];
	struct capture *c;
	struct adv a;
	int r;

	r = capture_open(&c, path, err);
	if (r < 0) {
		fprintf(stderr, "error: %s\n", err);
		return 1;
	}
	printf("format %s\n", capture_format(c));
	while ((r = capture_next(c, &a)) == 1) {
		hex_encode(a.data, a.len, hex, 1);
		printf("%02X:%02X:%02X:%02X:%02X:%02X %u %d %u %llu %s\n", a.addr[0], a.addr[1],
		       a.addr[2], a.addr[3], a.addr[4], a.addr[5], a.addr_type, a.rssi,
		       a.evt_type, (unsigned long long)a.time_us, hex);
	}
	if (r < 0)
		fprintf(stderr, "error: %s\n", capture_error(c));
	capture_free(c);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(write_limits),
		cmocka_unit_test(odd_event_types),
		cmocka_unit_test(btsnoop_hci_1001),
		cmocka_unit_test(btsnoop_h4_1002),
		cmocka_unit_test(btsnoop_monitor_2001),
		cmocka_unit_test(pcap_h4_187),
		cmocka_unit_test(pcap_h4_phdr_201),
		cmocka_unit_test(pcap_le_ll_256),
		cmocka_unit_test(pcap_le_ll_bad),
		cmocka_unit_test(truncated_btsnoop),
		cmocka_unit_test(truncated_pcap),
		cmocka_unit_test(exact_messages),
		cmocka_unit_test(bad_headers),
		cmocka_unit_test(bad_records),
		cmocka_unit_test(malformed_event_skipped),
	};

	if (argc == 3 && !strcmp(argv[1], "--write-sample"))
		return write_sample(argv[2]) < 0;
	if (argc == 3 && !strcmp(argv[1], "--read"))
		return read_main(argv[2]);
	return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
