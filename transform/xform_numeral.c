/* xform_numeral.c - Arabic and Chinese numerals of prose summaries as exact numbers. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "transform/xform_extract.h"

/* The Chinese numerals, in UTF-8, with their digit value or multiplier. */
static const struct {
    const char *utf8;
    int digit;       /* 0..9, or -1 */
    double multiple; /* 10, 100, 1000, 1e4, 1e8, or 0 */
} chinese[] = {
    {"零", 0, 0},    {"〇", 0, 0},    {"一", 1, 0},   {"二", 2, 0},    {"两", 2, 0},
    {"三", 3, 0},    {"四", 4, 0},    {"五", 5, 0},   {"六", 6, 0},    {"七", 7, 0},
    {"八", 8, 0},    {"九", 9, 0},    {"十", -1, 10}, {"百", -1, 100}, {"千", -1, 1000},
    {"万", -1, 1e4}, {"亿", -1, 1e8},
};

/* Matches one Chinese numeral at s; returns its index in chinese[] and its length, or -1. */
static int chinese_at(const char *s, size_t len, size_t *step)
{
    for (size_t i = 0; i < sizeof chinese / sizeof chinese[0]; i++) {
        size_t n = strlen(chinese[i].utf8);
        if (n <= len && memcmp(s, chinese[i].utf8, n) == 0) {
            *step = n;
            return (int)i;
        }
    }
    return -1;
}

/*
 * Chinese numerals: a section below 万 is digit-multiplier pairs in falling order (一千二百三十);
 * 零 fills a gap (一百零五); 十 may stand alone at the start (十二). A digit after 百 or 千
 * without its multiplier ("三百五" = 350 in speech) is refused: a reader has to guess.
 */
static int parse_chinese(const char *s, size_t len, double *value)
{
    double total = 0, section = 0;
    int digit = -1;
    double last_mult = 1e9; /* multipliers within a section fall */
    double last_big = 1e12; /* 万 and 亿 fall too */
    bool zero_gap = false, any = false;
    size_t i = 0;
    while (i < len) {
        size_t step;
        int k = chinese_at(s + i, len - i, &step);
        if (k < 0)
            return -1;
        i += step;
        any = true;
        if (chinese[k].digit >= 0) {
            if (chinese[k].digit == 0) {
                /* 零 between a multiplier and a digit; a second digit in a row is a range
                 * ("三四") or a year ("二〇二四") */
                if (digit >= 0)
                    return -1;
                zero_gap = true;
                continue;
            }
            if (digit >= 0)
                return -1;
            digit = chinese[k].digit;
            continue;
        }
        double m = chinese[k].multiple;
        if (m < 1e4) {
            if (digit < 0) {
                /* 十 alone: only as the first thing of a section ("十二", "一百一十" needs 一) */
                if (m != 10 || section != 0 || zero_gap)
                    return -1;
                digit = 1;
            }
            if (m >= last_mult)
                return -1;
            section += digit * m;
            last_mult = m;
            digit = -1;
            zero_gap = false;
        } else {
            if (digit >= 0)
                section += digit;
            digit = -1;
            if (section == 0 || m >= last_big)
                return -1;
            total += section * m;
            section = 0;
            last_mult = 1e9;
            last_big = m;
            zero_gap = false;
        }
    }
    if (!any)
        return -1;
    if (digit >= 0) {
        /* a final digit is units only right after 十, after 零, or standing alone */
        if (!(last_mult == 10 || zero_gap || last_mult == 1e9))
            return -1;
        if (last_mult == 1e9 && total != 0 && !zero_gap)
            return -1; /* "一万二": shorthand for 12000, not said exactly */
        section += digit;
    }
    total += section;
    *value = total;
    return 0;
}

int xf_numeral_parse(const char *s, size_t len, double *value)
{
    if (len == 0)
        return -1;
    if ((unsigned char)s[0] < 0x80) {
        /* Arabic: digits, "," groups of exactly three, one decimal point, then 万/千/亿 */
        double v = 0;
        size_t i = 0, digits = 0;
        bool grouped = false;
        while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == ',')) {
            if (s[i] == ',') {
                if (digits == 0 || i + 3 >= len + 0 || (grouped == false && digits > 3))
                    return -1;
                for (size_t k = 1; k <= 3; k++) {
                    if (i + k >= len || s[i + k] < '0' || s[i + k] > '9')
                        return -1;
                }
                if (i + 4 < len && s[i + 4] >= '0' && s[i + 4] <= '9')
                    return -1;
                grouped = true;
                i++;
                continue;
            }
            if (digits >= 15)
                return -1;
            v = v * 10 + (s[i] - '0');
            digits++;
            i++;
        }
        if (digits == 0)
            return -1;
        if (i < len && s[i] == '.') {
            i++;
            double scale = 0.1;
            size_t frac = 0;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                if (frac < 6)
                    v += (s[i] - '0') * scale;
                scale /= 10;
                frac++;
                i++;
            }
            if (frac == 0)
                return -1;
        }
        if (i < len) {
            size_t step;
            int k = chinese_at(s + i, len - i, &step);
            if (k < 0 || chinese[k].multiple < 1000 || i + step != len)
                return -1;
            v *= chinese[k].multiple;
            /* "1.2万" is 12000, exactly: round away the binary fraction */
            v = round(v * 100) / 100;
            i += step;
        }
        if (i != len)
            return -1;
        *value = v;
        return 0;
    }
    return parse_chinese(s, len, value);
}
