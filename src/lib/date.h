#ifndef DATE_H
#define DATE_H

#include <time.h>

/* Dates in mail (RFC 5322) and IMAP (RFC 3501) syntax.

   Everything here is a pure function of its arguments: the process's local
   time zone is used only by the functions whose names end in _local. A
   time zone offset is in minutes east of UTC (+0100 is 60, -0830 is -510)
   and lies within +-DATE_TZ_OFFSET_MAX. A time_t is seconds since the Unix
   epoch in UTC; years 1..9999 are supported. */

#define DATE_TZ_OFFSET_MAX (99 * 60 + 59)

/* Parses an RFC 5322 date-time (the value of a Date: header), accepting the
   obsolete forms of section 4.3 as well:
   - an optional day-of-week followed by ','; the name is checked to be a
     day name but not to match the date, since many mailers get it wrong;
   - comments and folding whitespace wherever the obsolete grammar allows
     them, including around the ':' of the time;
   - 1- or 2-digit day, optional seconds (second 60 is accepted);
   - 4-digit years (1900 and later), 2-digit years (00-49 mean 2000-2049,
     50-99 mean 1950-1999) and 3-digit years (1900 is added);
   - zones "+hhmm"/"-hhmm" (minutes 00-59), UT, GMT, the US zones EST, EDT,
     CST, CDT, MST, MDT, PST, PDT, the military letters (J excluded) and
     other alphabetic names of up to 5 letters. Military letters and
     unknown names count as -0000, as RFC 5322 says: offset 0.
   Month and day names are case-insensitive. Nothing but CFWS may follow the
   zone. Returns 0 with *time_r (UTC) and *tz_offset_r (the offset written
   in the date), or -1 with *error_r (a static string). */
int date_parse_rfc5322(const void *data, size_t size, time_t *time_r, int *tz_offset_r,
		       const char **error_r);
/* Appends t as seen at tz_offset: "Tue, 25 Nov 2026 18:33:18 +0000". */
void date_append_rfc5322(string_t *dest, time_t t, int tz_offset);
/* The same in the process's local time zone at t. */
void date_append_rfc5322_local(string_t *dest, time_t t);

/* Parses an RFC 3501 date "25-Nov-2026" or "5-Nov-2026" (the unquoted
   date-text of SEARCH SINCE/BEFORE/ON ...; the IMAP parser removes the
   quotes). Sets *time_r to 00:00:00 UTC of that day: a caller that wants
   the day in another zone subtracts its offset * 60. Returns 0, or -1 with
   *error_r (static). */
int date_parse_imap_date(const char *str, time_t *time_r, const char **error_r);
/* Appends the date of t at tz_offset as "5-Nov-2026". */
void date_append_imap_date(string_t *dest, time_t t, int tz_offset);

/* Parses an RFC 3501 date-time without its quotes, "25-Nov-2026 18:33:18
   +0100" (INTERNALDATE, APPEND). The day may be " 5" (the RFC's fixed
   form), "05" or "5"; the year has 4 digits and the zone is required.
   Returns 0 with *time_r (UTC) and *tz_offset_r, or -1 with *error_r. */
int date_parse_imap_datetime(const char *str, time_t *time_r, int *tz_offset_r,
			     const char **error_r);
/* Appends t at tz_offset as " 5-Nov-2026 18:33:18 +0100" (day padded with
   a space to two characters, as RFC 3501 date-day-fixed requires). */
void date_append_imap_datetime(string_t *dest, time_t t, int tz_offset);
void date_append_imap_datetime_local(string_t *dest, time_t t);

/* Our own timegm(): converts tm (tm_year, tm_mon, tm_mday, tm_hour,
   tm_min, tm_sec read as UTC; the other fields ignored) to a time_t.
   Returns 0, or -1 when a field is out of range (tm_sec may be 60, the day
   must exist in that month, years 1..9999). */
int date_tm_to_time(const struct tm *tm, time_t *time_r);
/* Our own gmtime() at an offset: fills tm_year, tm_mon, tm_mday, tm_hour,
   tm_min, tm_sec, tm_wday and tm_yday of the wall-clock time at tz_offset.
   Times outside years 1..9999 are clamped to that range. */
void date_time_to_tm(time_t t, int tz_offset, struct tm *tm_r);
/* The local time zone's offset at t in minutes (0 if it is unknown). */
int date_local_tz_offset(time_t t);

#endif
