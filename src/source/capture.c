/* SPDX-License-Identifier: MIT */
/* capture.c — the capture file facade: sniffs btsnoop or pcap from the magic, frames the
 * records (header, length checks, offsets for error messages) and queues the adverts that
 * btsnoop.c / pcap.c find in them; also the btsnoop writer. Framing errors stop reading,
 * a record whose inside does not add up is only skipped: its length already told us where
 * the next one starts. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/btsnoop.h"
#include "source/capture.h"
#include "source/hci_event.h"
#include "source/pcap.h"

/* An LE Advertising Report event holds at most 25 reports: 255 parameter bytes, 2 for the
 * subevent and count, at least 10 per report. Extended reports are larger, so fewer. */
#define CAPTURE_QUEUE 25

enum capture_kind {
	CAPTURE_KIND_BTSNOOP,
	CAPTURE_KIND_PCAP,
};

struct capture {
	FILE *f;            /* NULL when reading memory */
	const uint8_t *mem; /* borrowed */
	size_t mem_len;
	uint64_t off; /* bytes consumed so far: the offset in every message */
	enum capture_kind kind;
	uint32_t datalink; /* btsnoop */
	struct pcap_info pcap;
	const char *format;
	int error; /* sticky once set */
	char err[CAPTURE_ERR_LEN];
	struct capture_stats stats;
	unsigned int qhead, qlen;
	struct adv queue[CAPTURE_QUEUE];
	uint8_t *buf; /* CAPTURE_RECORD_MAX bytes, so reading never allocates */
};

struct capture_writer {
	FILE *f;
	int error; /* first write error, reported again by every later call and by close */
};

__attribute__((format(printf, 3, 4))) static int fail(struct capture *c, int code,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	c->error = code;
	return code;
}

/* Read up to @n bytes into @dst; returns how many arrived. A short count is the end of the
 * input unless *@io_err is set. */
static size_t get(struct capture *c, uint8_t *dst, size_t n, int *io_err)
{
	size_t got;

	*io_err = 0;
	if (!c->f) {
		got = c->mem_len - c->off < n ? c->mem_len - c->off : n;
		memcpy(dst, c->mem + c->off, got);
	} else {
		errno = 0;
		got = fread(dst, 1, n, c->f);
		if (got < n && ferror(c->f))
			*io_err = errno ? -errno : -EIO;
	}
	c->off += got;
	return got;
}

static const char *format_name(const struct capture *c)
{
	if (c->kind == CAPTURE_KIND_BTSNOOP) {
		switch (c->datalink) {
		case BTSNOOP_FORMAT_HCI:
			return "btsnoop/HCI";
		case BTSNOOP_FORMAT_UART:
			return "btsnoop/H4";
		default:
			return "btsnoop/monitor";
		}
	}
	switch (c->pcap.linktype) {
	case PCAP_LINKTYPE_BLUETOOTH_HCI_H4:
		return "pcap/H4";
	case PCAP_LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR:
		return "pcap/H4-PHDR";
	default:
		return "pcap/LE-LL";
	}
}

/* Sniff the format and check the file header. The magic is read first, then only the
 * rest of the header it implies, so nothing needs pushing back on a pipe. */
static int start(struct capture *c, char err[static CAPTURE_ERR_LEN])
{
	uint8_t hdr[PCAP_HDR_LEN > BTSNOOP_HDR_LEN ? PCAP_HDR_LEN : BTSNOOP_HDR_LEN];
	size_t got, want;
	int io, r;

	got = get(c, hdr, 4, &io);
	if (io) {
		snprintf(err, CAPTURE_ERR_LEN, "read error at byte 0: %s", strerror(-io));
		return io;
	}
	if (got < 4) {
		snprintf(err, CAPTURE_ERR_LEN,
			 "truncated file header at byte 0: 4 bytes of magic needed, %zu left", got);
		return -EBADMSG;
	}
	if (!memcmp(hdr, BTSNOOP_MAGIC, 4)) {
		c->kind = CAPTURE_KIND_BTSNOOP;
		want = BTSNOOP_HDR_LEN;
	} else if (pcap_is_pcap(hdr, 4) || pcap_is_pcapng(hdr, 4)) {
		c->kind = CAPTURE_KIND_PCAP;
		want = pcap_is_pcapng(hdr, 4) ? 4 : PCAP_HDR_LEN;
	} else {
		snprintf(err, CAPTURE_ERR_LEN,
			 "not a btsnoop or pcap file: magic %02x %02x %02x %02x at byte 0", hdr[0],
			 hdr[1], hdr[2], hdr[3]);
		return -EBADMSG;
	}
	got += get(c, hdr + 4, want - 4, &io);
	if (io) {
		snprintf(err, CAPTURE_ERR_LEN, "read error at byte %zu: %s", got, strerror(-io));
		return io;
	}
	if (c->kind == CAPTURE_KIND_BTSNOOP)
		r = btsnoop_parse_header(hdr, got, &c->datalink, err);
	else
		r = pcap_parse_header(hdr, got, &c->pcap, err);
	if (r < 0)
		return r;
	c->format = format_name(c);
	return 0;
}

static int open_common(struct capture **out, FILE *f, const void *data, size_t len,
		       char err[static CAPTURE_ERR_LEN])
{
	struct capture *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (c)
		c->buf = malloc(CAPTURE_RECORD_MAX);
	if (!c || !c->buf) {
		free(c);
		if (f)
			fclose(f);
		snprintf(err, CAPTURE_ERR_LEN, "out of memory");
		return -ENOMEM;
	}
	c->f = f;
	c->mem = data;
	c->mem_len = len;
	r = start(c, err);
	if (r < 0) {
		capture_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int capture_open(struct capture **cap, const char *path, char err[static CAPTURE_ERR_LEN])
{
	FILE *f;
	int r;

	if (!cap || !path) {
		snprintf(err, CAPTURE_ERR_LEN, "no capture file given");
		return -EINVAL;
	}
	f = fopen(path, "rb");
	if (!f) {
		r = -errno;
		snprintf(err, CAPTURE_ERR_LEN, "cannot open %s: %s", path, strerror(errno));
		return r;
	}
	return open_common(cap, f, NULL, 0, err);
}

int capture_open_mem(struct capture **cap, const void *data, size_t len,
		     char err[static CAPTURE_ERR_LEN])
{
	if (!cap || (!data && len)) {
		snprintf(err, CAPTURE_ERR_LEN, "no capture data given");
		return -EINVAL;
	}
	if (!data)
		data = "";
	return open_common(cap, NULL, data, len, err);
}

void capture_free(struct capture *cap)
{
	if (!cap)
		return;
	if (cap->f)
		fclose(cap->f);
	free(cap->buf);
	free(cap);
}

/* Read one record and queue its adverts. Returns 1 (a record was read, maybe with no
 * adverts), 0 at a clean end, or a sticky -errno. */
static int read_record(struct capture *c)
{
	uint8_t hdr[BTSNOOP_REC_HDR_LEN > PCAP_REC_HDR_LEN ? BTSNOOP_REC_HDR_LEN
							   : PCAP_REC_HDR_LEN];
	size_t hlen = c->kind == CAPTURE_KIND_BTSNOOP ? BTSNOOP_REC_HDR_LEN : PCAP_REC_HDR_LEN;
	uint64_t at = c->off;
	struct btsnoop_rec brec;
	struct pcap_rec prec;
	uint32_t incl, orig;
	size_t got;
	int io, n;

	got = get(c, hdr, hlen, &io);
	if (io)
		return fail(c, io, "read error at byte %llu: %s", (unsigned long long)c->off,
			    strerror(-io));
	if (got == 0)
		return 0;
	if (got < hlen)
		return fail(c, -EBADMSG,
			    "truncated record header at byte %llu: %zu bytes needed, %zu left",
			    (unsigned long long)at, hlen, got);
	if (c->kind == CAPTURE_KIND_BTSNOOP) {
		btsnoop_parse_record(hdr, hlen, &brec);
		incl = brec.incl_len;
		orig = brec.orig_len;
	} else {
		if (pcap_parse_record(&c->pcap, hdr, hlen, &prec) < 0)
			return fail(c, -EBADMSG,
				    "corrupt record header at byte %llu: sub-second field "
				    "out of range",
				    (unsigned long long)at);
		incl = prec.incl_len;
		orig = prec.orig_len;
	}
	if (incl > CAPTURE_RECORD_MAX)
		return fail(c, -EMSGSIZE,
			    "record at byte %llu is %u bytes, more than the %u allowed",
			    (unsigned long long)at, incl, (unsigned int)CAPTURE_RECORD_MAX);
	if (incl > orig)
		return fail(c, -EBADMSG,
			    "corrupt record header at byte %llu: %u bytes included of a %u-byte "
			    "packet",
			    (unsigned long long)at, incl, orig);
	got = get(c, c->buf, incl, &io);
	if (io)
		return fail(c, io, "read error at byte %llu: %s", (unsigned long long)c->off,
			    strerror(-io));
	if (got < incl)
		return fail(c, -EBADMSG,
			    "truncated record at byte %llu: header says %u bytes, %zu left",
			    (unsigned long long)at, incl, got);
	c->stats.records++;
	if (c->kind == CAPTURE_KIND_BTSNOOP)
		n = btsnoop_adv_reports(c->datalink, &brec, c->buf, incl, c->queue, CAPTURE_QUEUE);
	else
		n = pcap_adv_reports(&c->pcap, &prec, c->buf, incl, c->queue, CAPTURE_QUEUE);
	if (n == -ENOMSG) {
		c->stats.skipped++;
	} else if (n < 0) {
		c->stats.malformed++;
	} else {
		c->qhead = 0;
		c->qlen = (unsigned int)n;
	}
	return 1;
}

int capture_next(struct capture *cap, struct adv *out)
{
	int r;

	if (!cap || !out)
		return -EINVAL;
	if (cap->error)
		return cap->error;
	while (cap->qlen == 0) {
		r = read_record(cap);
		if (r <= 0)
			return r;
	}
	*out = cap->queue[cap->qhead++];
	cap->qlen--;
	cap->stats.adverts++;
	return 1;
}

const char *capture_error(const struct capture *cap)
{
	return cap ? cap->err : "";
}

const char *capture_format(const struct capture *cap)
{
	return cap ? cap->format : "";
}

void capture_get_stats(const struct capture *cap, struct capture_stats *stats)
{
	if (cap)
		*stats = cap->stats;
	else
		memset(stats, 0, sizeof(*stats));
}

static int writer_put(struct capture_writer *w, const uint8_t *pkt, size_t len, uint32_t flags,
		      uint64_t time_us)
{
	uint8_t hdr[BTSNOOP_REC_HDR_LEN];

	if (w->error)
		return w->error;
	btsnoop_put_record(hdr, (uint32_t)len, flags, time_us);
	errno = 0;
	if (fwrite(hdr, 1, sizeof(hdr), w->f) != sizeof(hdr) ||
	    fwrite(pkt, 1, len, w->f) != len)
		w->error = errno ? -errno : -EIO;
	return w->error;
}

int capture_writer_open(struct capture_writer **w, const char *path,
			char err[static CAPTURE_ERR_LEN])
{
	uint8_t hdr[BTSNOOP_HDR_LEN];
	struct capture_writer *cw;
	int r;

	if (!w || !path) {
		snprintf(err, CAPTURE_ERR_LEN, "no capture file given");
		return -EINVAL;
	}
	cw = calloc(1, sizeof(*cw));
	if (!cw) {
		snprintf(err, CAPTURE_ERR_LEN, "out of memory");
		return -ENOMEM;
	}
	cw->f = fopen(path, "wb");
	if (!cw->f) {
		r = -errno;
		snprintf(err, CAPTURE_ERR_LEN, "cannot create %s: %s", path, strerror(errno));
		free(cw);
		return r;
	}
	btsnoop_put_header(hdr, BTSNOOP_FORMAT_UART);
	errno = 0;
	if (fwrite(hdr, 1, sizeof(hdr), cw->f) != sizeof(hdr)) {
		r = errno ? -errno : -EIO;
		snprintf(err, CAPTURE_ERR_LEN, "cannot write %s: %s", path, strerror(-r));
		fclose(cw->f);
		free(cw);
		return r;
	}
	*w = cw;
	return 0;
}

int capture_write_adv(struct capture_writer *w, const struct adv *adv)
{
	uint8_t pkt[3 + 255];
	int n;

	if (!w || !adv)
		return -EINVAL;
	n = btsnoop_h4_adv_event(adv, pkt);
	if (n < 0)
		return n;
	return writer_put(w, pkt, (size_t)n, BTSNOOP_FLAG_RECEIVED | BTSNOOP_FLAG_CMD_EVT,
			  adv->time_us);
}

int capture_write_h4(struct capture_writer *w, const uint8_t *pkt, size_t len,
		     uint64_t time_us, bool received)
{
	uint32_t flags = received ? BTSNOOP_FLAG_RECEIVED : 0;

	if (!w || !pkt || len == 0)
		return -EINVAL;
	if (len > CAPTURE_RECORD_MAX)
		return -EMSGSIZE;
	/* H4 types 0x01 command and 0x04 event; 0x02 ACL, 0x03 SCO, 0x05 ISO are data. */
	if (pkt[0] == 0x01 || pkt[0] == HCI_H4_EVENT)
		flags |= BTSNOOP_FLAG_CMD_EVT;
	return writer_put(w, pkt, len, flags, time_us);
}

int capture_writer_close(struct capture_writer *w)
{
	int r;

	if (!w)
		return 0;
	r = w->error;
	errno = 0;
	if (fflush(w->f) && !r)
		r = errno ? -errno : -EIO;
	if (fclose(w->f) && !r)
		r = errno ? -errno : -EIO;
	free(w);
	return r;
}
