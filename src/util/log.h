/* SPDX-License-Identifier: MIT */
/* log.h — one sentence per event to stderr (journald adds the time under systemd), with
 * syslog priorities so `--log-level` and journalctl -p filter alike. */
#ifndef MI32_LOG_H
#define MI32_LOG_H

#define LOG_ERR_ 3
#define LOG_WARNING_ 4
#define LOG_NOTICE_ 5
#define LOG_INFO_ 6
#define LOG_DEBUG_ 7

void log_set_level(int level);

/* One listener (the web console) gets every line that passes the level, after it was
 * written to stderr. NULL removes it. The line is valid during the call only. */
void log_set_listener(void (*fn)(void *user_data, int level, const char *line),
		      void *user_data);
int log_level(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR_, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING_, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE_, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO_, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG_, __VA_ARGS__)

#endif
