/* xinyu_gen.c - deterministic generator of a school registry and term submissions for Xinyu. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_SCHOOLS 1000000L
#define MAX_DISTRICTS 5000L
#define MAX_SCHOOLS_PER_DISTRICT 9999L /* the 4-digit serial of a school code */
#define MAX_TERMS 16
#define MAX_FIXED 100000L
#define MAX_FIXED_FILE (16L * 1024 * 1024)
#define SCHOOLS_PER_DISTRICT_DEFAULT 1500L
#define INACTIVE_PERMILLE 20

/* Exit codes of the tool (ARCHITECTURE.md uses 2 for usage errors). */
#define EXIT_IO 1
#define EXIT_USAGE 2

/* ---- buffers ---------------------------------------------------------------------------- */

/* A growable byte buffer; after an allocation failure it stays failed and ignores appends. */
struct sbuf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
};

static bool sb_reserve(struct sbuf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (!sb_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_putc(struct sbuf *b, char c)
{
    sb_put(b, &c, 1);
}

/* Decimal digits without snprintf: the generator writes tens of millions of numbers. */
static void sb_int(struct sbuf *b, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[n++] = '-';
    if (!sb_reserve(b, (size_t)n))
        return;
    while (n > 0)
        b->data[b->len++] = tmp[--n];
    b->data[b->len] = '\0';
}

/* Zero-padded to width digits; v is never negative here. */
static void sb_int_pad(struct sbuf *b, int64_t v, int width)
{
    char tmp[24];
    int n = 0;
    uint64_t u = (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u != 0);
    while (n < width && n < (int)sizeof tmp)
        tmp[n++] = '0';
    if (!sb_reserve(b, (size_t)n))
        return;
    while (n > 0)
        b->data[b->len++] = tmp[--n];
    b->data[b->len] = '\0';
}

static void sb_reset(struct sbuf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

static void sb_free(struct sbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Appends s as a JSON string literal; registry names from --fixed-schools may hold anything. */
static void sb_json_str(struct sbuf *b, const char *s)
{
    sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            sb_putc(b, '\\');
            sb_putc(b, (char)*p);
        } else if (*p < 0x20) {
            static const char hex[] = "0123456789abcdef";
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            sb_put(b, esc, sizeof esc);
        } else {
            sb_putc(b, (char)*p);
        }
    }
    sb_putc(b, '"');
}

/* ---- deterministic randomness ----------------------------------------------------------- */

/* splitmix64: every stream is keyed by (seed, a, b) so a school's data does not depend on
 * how many other schools or terms are generated before it. */
struct rng {
    uint64_t state;
};

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static struct rng rng_for(uint64_t seed, uint64_t a, uint64_t b)
{
    struct rng r = {mix64(mix64(mix64(seed) ^ a) ^ b)};
    return r;
}

static uint64_t rng_next(struct rng *r)
{
    r->state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = r->state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A value in [lo, hi]; hi < lo gives lo. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (int64_t)(rng_next(r) % span);
}

static bool rng_chance(struct rng *r, int permille)
{
    return (int)(rng_next(r) % 1000) < permille;
}

/* Stream tags of rng_for's second key. */
enum {
    STREAM_PLAN = 1,
    STREAM_DISTRICT = 2,
    STREAM_SCHOOL = 3,
    STREAM_TERM = 0x100,  /* + period key */
    STREAM_RESUB = 0x200, /* + period key */
};

/* x * pct / 100, rounded half up; x and pct are never negative here. */
static int64_t scale_pct(int64_t x, int64_t pct)
{
    return (x * pct + 50) / 100;
}

/* ---- calendar (proleptic Gregorian, no time zone: all times are +08:00 local) ----------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Appends local seconds as RFC 3339 with the +08:00 offset of every school in the city. */
static void sb_timestamp(struct sbuf *b, int64_t local_seconds)
{
    int64_t days = local_seconds / 86400;
    int64_t secs = local_seconds % 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    sb_int_pad(b, y, 4);
    sb_putc(b, '-');
    sb_int_pad(b, m, 2);
    sb_putc(b, '-');
    sb_int_pad(b, d, 2);
    sb_putc(b, 'T');
    sb_int_pad(b, secs / 3600, 2);
    sb_putc(b, ':');
    sb_int_pad(b, secs / 60 % 60, 2);
    sb_putc(b, ':');
    sb_int_pad(b, secs % 60, 2);
    sb_puts(b, "+08:00");
}

/* ---- the city ---------------------------------------------------------------------------- */

enum school_type {
    ST_PRIMARY,
    ST_JUNIOR,
    ST_SENIOR,
    ST_NINE_YEAR,
    ST_COMPLETE,
    ST_TWELVE_YEAR,
    ST_SPECIAL,
    ST_COUNT
};

static const struct type_info {
    const char *id;
    int share_permille; /* of a real city's schools */
    int grade_lo, grade_hi;
    int size_lo, size_hi;    /* students per class */
    int classes_choices[12]; /* classes per grade, drawn uniformly; 0 ends the list */
} type_info[ST_COUNT] = {
    {"primary", 550, 1, 6, 35, 46, {1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6, 8}},
    {"junior", 200, 7, 9, 40, 50, {2, 3, 4, 5, 6, 8, 10, 12}},
    {"senior", 80, 10, 12, 42, 52, {4, 6, 8, 10, 12, 14, 16}},
    {"nine_year", 80, 1, 9, 36, 48, {1, 2, 2, 3, 4}},
    {"complete_secondary", 40, 7, 12, 40, 50, {2, 3, 4, 6, 8}},
    {"twelve_year", 20, 1, 12, 36, 48, {1, 2, 3, 4}},
    {"special", 30, 1, 9, 8, 12, {1}},
};

/* The districts of the city (行政区划代码 3201xx) in the order they are used. */
static const struct {
    const char *code;
    const char *name;
} known_districts[] = {
    {"320102", "玄武区"}, {"320104", "秦淮区"}, {"320105", "建邺区"},   {"320106", "鼓楼区"},
    {"320111", "浦口区"}, {"320113", "栖霞区"}, {"320114", "雨花台区"}, {"320115", "江宁区"},
    {"320116", "六合区"}, {"320117", "溧水区"}, {"320118", "高淳区"},
};
#define N_KNOWN_DISTRICTS (sizeof known_districts / sizeof known_districts[0])

struct district {
    char code[7];
    char name[64];
    uint32_t first; /* index of its first school */
    uint32_t count;
};

/* A registry row given with --fixed-schools; it replaces the generated school of that code. */
struct fixed_school {
    char code[11];
    char *name;
    char *district_name;
    int type;
    bool active;
};

struct school {
    uint32_t district;
    uint32_t serial;  /* 1..9999, the last four digits of the code */
    uint32_t name_no; /* which school of its type in the district the name says */
    int32_t fixed;    /* index into fixed schools, or -1 */
    uint8_t type;
    uint8_t active;
    uint8_t reporting;
};

struct term {
    int year1; /* first year of the academic year */
    int term;  /* 1 autumn, 2 spring */
    char canon[12];
    int64_t deadline_day; /* days since 1970-01-01 */
    uint32_t key;         /* year1 * 10 + term: keys the RNG streams of this period */
};

/* Plan flags of one (school, term) item. */
enum {
    PLAN_SUBMIT = 1 << 0,  /* the school sends something for this term */
    PLAN_INVALID = 1 << 1, /* ...and it must be rejected */
    PLAN_DUP = 1 << 2,     /* the same bytes arrive again */
    PLAN_RESUB = 1 << 3,   /* a corrected version with a later submitted_at follows */
    PLAN_LATE = 1 << 4,    /* submitted after the term's deadline */
};
#define PLAN_KIND_SHIFT 8 /* the invalid kind lives in the high byte */

/* The kinds of rejection, used in rotation so that every kind occurs. */
enum bad_kind {
    BK_NONE,
    BK_NEGATIVE,
    BK_STRING,
    BK_CERT_A,
    BK_SCHEMA,
    BK_PERIOD,
    BK_UNKNOWN_SCHOOL,
    BK_SCREENED,
    BK_JSON,
    BK_FRACTION,
    BK_COUNT
};

static const char *const bad_kind_tag[BK_COUNT] = {
    "",
    "invalid-negative-count",
    "invalid-string-count",
    "invalid-cert-a-exceeds",
    "invalid-unknown-schema",
    "invalid-malformed-period",
    "invalid-unknown-school",
    "invalid-screened-exceeds",
    "invalid-json",
    "invalid-fractional-count",
};

enum out_format { FMT_JSON, FMT_JSONL, FMT_JSON_GZ, FMT_JSONL_GZ };

struct options {
    long schools;
    long districts; /* 0: derived from schools */
    char terms[256];
    uint64_t seed;
    const char *out;
    enum out_format format;
    long per_file;
    double dup_share, resub_share, invalid_share, missing_share, late_share;
    const char *fixed_path;
};

/* ---- submissions ------------------------------------------------------------------------ */

/* Scalar fields in the order of the spec's example and section 2. */
enum field {
    F_FULLTIME,
    F_PARTTIME,
    F_DEGREE,
    F_CERT_A,
    F_P3YR,
    F_HEAD,
    F_CERT_B,
    F_SUBJECT,
    F_CERT_C,
    F_FUNDING,
    F_LESSONS,
    F_THEME,
    F_SPECIAL_ACT,
    F_ROOM,
    F_OPEN_HOURS,
    F_INDIVIDUAL,
    F_GROUP_SESSIONS,
    F_GROUP_PARTICIPANTS,
    F_SCREENED,
    F_FLAGGED,
    F_ARCHIVES,
    F_LEDGER,
    F_LEFT_BEHIND,
    F_SINGLE_PARENT,
    F_SPECIAL_NEEDS,
    F_PARENT_TRAININGS,
    F_PSYCH_PARENT,
    F_ATTENDEES,
    F_VISIT_RATE,
    F_ALL_STAFF,
    F_TRAINING_HOURS,
    F_INCIDENTS,
    F_REFERRALS,
    F_MAJOR_FAULT,
    F_RESEARCH_GROUP,
    F_PLAN,
    F_MINUTES,
    F_AWARDS,
    F_PAPERS,
    F_BOOKS,
    F_YEARS,
    F_COUNT
};

enum value_kind {
    VK_COUNT,
    VK_CENTS,   /* money kept in fen, written with 2 decimals */
    VK_HALVES,  /* hours kept in half hours */
    VK_PERCENT, /* a rate kept in percent, written as 0..1 */
    VK_BOOL,
    VK_LESSONS /* the per-grade lesson map */
};

static const struct field_info {
    const char *section;
    const char *name;
    enum value_kind kind;
    bool droppable; /* may go missing alone without breaking a cross-field rule */
} field_info[F_COUNT] = {
    {"staff", "psych_fulltime", VK_COUNT, false},
    {"staff", "psych_parttime", VK_COUNT, false},
    {"staff", "psych_fulltime_degree", VK_COUNT, true},
    {"staff", "psych_cert_a", VK_COUNT, true},
    {"staff", "parttime_3yr_head", VK_COUNT, true},
    {"staff", "head_teachers", VK_COUNT, false},
    {"staff", "head_teachers_cert_b", VK_COUNT, true},
    {"staff", "subject_teachers", VK_COUNT, false},
    {"staff", "subject_teachers_cert_c", VK_COUNT, true},
    {"funding", "psych_yuan", VK_CENTS, true},
    {"curriculum", "lessons_by_grade", VK_LESSONS, true},
    {"curriculum", "theme_meetings", VK_COUNT, true},
    {"curriculum", "special_activities", VK_COUNT, true},
    {"counseling", "room", VK_BOOL, true},
    {"counseling", "open_hours_per_week", VK_HALVES, true},
    {"counseling", "individual_sessions", VK_COUNT, true},
    {"counseling", "group_sessions", VK_COUNT, true},
    {"counseling", "group_participants", VK_COUNT, true},
    {"screening", "students_screened", VK_COUNT, false},
    {"screening", "students_flagged", VK_COUNT, true},
    {"screening", "archives", VK_COUNT, true},
    {"care", "ledger", VK_BOOL, true},
    {"care", "left_behind", VK_COUNT, true},
    {"care", "single_parent", VK_COUNT, true},
    {"care", "special_needs", VK_COUNT, true},
    {"home_school", "parent_trainings", VK_COUNT, false},
    {"home_school", "psych_parent_trainings", VK_COUNT, true},
    {"home_school", "parent_attendees", VK_COUNT, true},
    {"home_school", "home_visit_rate", VK_PERCENT, true},
    {"training", "all_staff_sessions", VK_COUNT, true},
    {"training", "hours_psych_and_head", VK_HALVES, true},
    {"crisis", "incidents", VK_COUNT, true},
    {"crisis", "referrals", VK_COUNT, true},
    {"crisis", "major_incident_school_fault", VK_BOOL, true},
    {"governance", "research_group", VK_BOOL, true},
    {"governance", "three_year_plan", VK_BOOL, true},
    {"governance", "annual_meeting_minutes", VK_BOOL, true},
    {"research", "city_awards", VK_COUNT, true},
    {"research", "papers", VK_COUNT, true},
    {"research", "books", VK_COUNT, true},
    {"research", "years_of_practice", VK_COUNT, true},
};

#define FIELD_BIT(f) ((uint64_t)1 << (f))
#define ALL_FIELDS (FIELD_BIT(F_COUNT) - 1)

enum period_form { PF_CANONICAL, PF_CHINESE, PF_OBJECT };

/* One submission before it is written. */
struct submission {
    uint32_t school;
    const struct term *term;
    enum period_form period_form;
    enum bad_kind bad;
    int64_t submitted; /* local seconds since 1970 */
    bool with_total;
    int64_t enrolled[13]; /* by grade 1..12; 0 = grade not taught (left out) */
    int64_t classes[13];
    int64_t lessons[13];
    int64_t value[F_COUNT];
    uint64_t present; /* FIELD_BIT per reported field */
};

/* What a school is like; drawn once per school so that its terms resemble each other. */
struct profile {
    int64_t base_classes[13];
    int size_lo, size_hi;
    int64_t fulltime, parttime, degree;
    int cert_a_pct, p3yr_pct, cert_b_pct, cert_c_pct; /* coverage in 2023-2024 */
    int extra_heads;            /* 德育管理者 besides one head per class */
    int subject_per10;          /* subject teachers per 10 classes */
    int funding_lo, funding_hi; /* fen per student per term */
    int lesson_short_permille;
    int theme_ok_permille;
    bool room;
    int open_halves;
    bool ledger, research_group, three_year_plan;
    int minutes_permille;
    int awards, papers, books, years_2023;
};

/* ---- generator state -------------------------------------------------------------------- */

struct emitter {
    enum out_format format;
    char spool[PATH_MAX];
    bool *district_made; /* json formats: subdirectory created */
    FILE *shard;         /* jsonl formats: the open shard */
    char shard_path[PATH_MAX];
    long shard_no;
    long in_shard;
    long per_file;
    z_stream z;
    bool z_ready;
    unsigned char *zout;
    struct sbuf gz;   /* json.gz: one compressed file */
    uint64_t bytes;   /* as stored on disk */
    uint64_t written; /* submissions */
};

struct gen {
    struct options opt;
    struct district *districts;
    uint32_t ndistricts;
    struct school *schools;
    uint32_t nschools;
    struct fixed_school *fixed;
    uint32_t nfixed;
    struct term terms[MAX_TERMS];
    int nterms;
    uint16_t *plan; /* nschools * nterms */
    struct sbuf doc, name, path;
    struct emitter em;
    char err[PATH_MAX + 256]; /* why a step failed */
    uint64_t n_inactive, n_missing, n_invalid, n_dup, n_resub, n_late;
};

/* ---- Chinese names ---------------------------------------------------------------------- */

/* Appends n (1..99999) in Chinese numerals: 3 三, 12 十二, 101 一百零一. */
static void sb_zh_number(struct sbuf *b, uint32_t n)
{
    static const char *const digit[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    static const char *const unit[] = {"", "十", "百", "千", "万"};
    int d[5];
    int top = 0;
    for (int i = 0; i < 5; i++) {
        d[i] = (int)(n % 10);
        n /= 10;
        if (d[i] != 0)
            top = i;
    }
    bool zero_pending = false;
    for (int i = top; i >= 0; i--) {
        if (d[i] == 0) {
            zero_pending = true;
            continue;
        }
        if (zero_pending)
            sb_puts(b, digit[0]);
        zero_pending = false;
        if (!(i == 1 && i == top && d[i] == 1)) /* 十二, not 一十二 */
            sb_puts(b, digit[d[i]]);
        sb_puts(b, unit[i]);
    }
}

/* The generated name of the no-th school of a type in a district (no >= 1). */
static void sb_school_name(struct sbuf *b, const char *district, int type, uint32_t no)
{
    sb_puts(b, district);
    switch (type) {
    case ST_PRIMARY:
        if (no == 1) {
            sb_puts(b, "实验小学");
        } else {
            sb_puts(b, "第");
            sb_zh_number(b, no - 1);
            sb_puts(b, "小学");
        }
        break;
    case ST_JUNIOR:
        if (no == 1) {
            sb_puts(b, "实验初级中学");
        } else {
            sb_puts(b, "第");
            sb_zh_number(b, no - 1);
            sb_puts(b, "初级中学");
        }
        break;
    case ST_SENIOR:
        if (no > 1) {
            sb_puts(b, "第");
            sb_zh_number(b, no);
        }
        sb_puts(b, "高级中学");
        break;
    case ST_NINE_YEAR:
        /* "第N九年一贯制" would read as a number of years: branches are numbered instead */
        if (no == 1) {
            sb_puts(b, "实验学校");
        } else {
            sb_puts(b, "九年一贯制学校");
            if (no > 2) {
                sb_puts(b, "第");
                sb_zh_number(b, no - 2);
                sb_puts(b, "分校");
            }
        }
        break;
    case ST_COMPLETE:
        if (no > 1) {
            sb_puts(b, "第");
            sb_zh_number(b, no);
        }
        sb_puts(b, "完全中学");
        break;
    case ST_TWELVE_YEAR:
        sb_puts(b, "十二年一贯制学校");
        if (no > 1) {
            sb_puts(b, "第");
            sb_zh_number(b, no - 1);
            sb_puts(b, "分校");
        }
        break;
    default:
        if (no > 1) {
            sb_puts(b, "第");
            sb_zh_number(b, no);
        }
        sb_puts(b, "特殊教育学校");
        break;
    }
}

/* Appends the registry name of school s. */
static void sb_registry_name(struct sbuf *b, const struct gen *g, uint32_t s)
{
    const struct school *sc = &g->schools[s];
    if (sc->fixed >= 0)
        sb_puts(b, g->fixed[sc->fixed].name);
    else
        sb_school_name(b, g->districts[sc->district].name, sc->type, sc->name_no);
}

static void sb_school_code(struct sbuf *b, const struct gen *g, uint32_t s)
{
    const struct school *sc = &g->schools[s];
    sb_puts(b, g->districts[sc->district].code);
    sb_int_pad(b, sc->serial, 4);
}

/* ---- option parsing --------------------------------------------------------------------- */

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_seed(const char *s, uint64_t *out)
{
    char *end = NULL;
    if (*s == '-' || *s == '+' || *s == ' ')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

static bool parse_share(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0 && v <= 1.0))
        return false;
    *out = v;
    return true;
}

/* Parses "YYYY-YYYY-T"; returns false when malformed. */
static bool parse_term(const char *s, size_t len, struct term *t)
{
    if (len != 11 || s[4] != '-' || s[9] != '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (i != 4 && i != 9 && (s[i] < '0' || s[i] > '9'))
            return false;
    }
    int y1 = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int y2 = (s[5] - '0') * 1000 + (s[6] - '0') * 100 + (s[7] - '0') * 10 + (s[8] - '0');
    int term = s[10] - '0';
    if (y1 < 2000 || y1 > 2098 || y2 != y1 + 1 || (term != 1 && term != 2))
        return false;
    t->year1 = y1;
    t->term = term;
    memcpy(t->canon, s, 11);
    t->canon[11] = '\0';
    /* the bureau's deadlines: the autumn term on 20 January, the spring term on 15 July */
    t->deadline_day = term == 1 ? days_from_civil(y2, 1, 20) : days_from_civil(y2, 7, 15);
    t->key = (uint32_t)(y1 * 10 + term);
    return true;
}

static int term_cmp(const void *a, const void *b)
{
    const struct term *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

/* Splits the --terms list into g->terms, sorted in time. Returns false with g->err set. */
static bool parse_terms(struct gen *g)
{
    const char *p = g->opt.terms;
    g->nterms = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        if (g->nterms == MAX_TERMS) {
            snprintf(g->err, sizeof g->err, "--terms: at most %d terms", MAX_TERMS);
            return false;
        }
        if (!parse_term(p, len, &g->terms[g->nterms])) {
            snprintf(g->err, sizeof g->err,
                     "--terms: \"%.*s\" is not a period of the form YYYY-YYYY-T (T 1 or 2, the "
                     "second year the first plus one)",
                     (int)(len > 40 ? 40 : len), p);
            return false;
        }
        g->nterms++;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    qsort(g->terms, (size_t)g->nterms, sizeof g->terms[0], term_cmp);
    for (int i = 1; i < g->nterms; i++) {
        if (g->terms[i].key == g->terms[i - 1].key) {
            snprintf(g->err, sizeof g->err, "--terms: %s is given twice", g->terms[i].canon);
            return false;
        }
    }
    return true;
}

static void usage(FILE *f)
{
    fputs("usage: xinyu-gen --out DIR [options]\n"
          "Writes a deterministic test city for Xinyu: DIR/schools.csv (the school registry)\n"
          "and DIR/spool/ (term submissions, spec mhe.submission/1). The same options always\n"
          "give byte-identical output.\n"
          "\n"
          "  --schools N              schools in the registry (default 100)\n"
          "  --districts D            districts (default max(3, ceil(N/1500)))\n"
          "  --terms LIST             comma list of periods YYYY-YYYY-T\n"
          "                           (default 2023-2024-2,2024-2025-1)\n"
          "  --seed S                 seed of all randomness (default 1)\n"
          "  --out DIR                output directory (required; DIR/spool must be empty)\n"
          "  --format F               json (one file per submission, a directory per district),\n"
          "                           jsonl (shards of --per-file submissions), json.gz, jsonl.gz\n"
          "                           (default json)\n"
          "  --per-file N             submissions per jsonl shard (default 1000)\n"
          "  --dup-share X            share of submissions sent twice with the same bytes "
          "(0.01)\n"
          "  --resub-share X          share of submissions followed by a corrected one (0.02)\n"
          "  --invalid-share X        share of submissions that must be rejected (0.01)\n"
          "  --missing-share X        share of schools that never report (0.03)\n"
          "  --deadline-share-late X  share of submissions sent after the deadline (0.05)\n"
          "  --fixed-schools FILE     registry rows (schools.csv format) to use instead of the\n"
          "                           generated schools with the same codes\n"
          "  --help                   this text\n"
          "\n"
          "File names say what an item is: CODE_PERIOD.json, CODE_PERIOD_resub.json (later\n"
          "submitted_at), CODE_PERIOD_copy.json (same bytes), CODE_PERIOD_invalid-KIND.json.\n"
          "Exit status: 0 done, 1 I/O error, 2 bad options.\n",
          f);
}

enum {
    OPT_SCHOOLS = 256,
    OPT_DISTRICTS,
    OPT_TERMS,
    OPT_SEED,
    OPT_OUT,
    OPT_FORMAT,
    OPT_PER_FILE,
    OPT_DUP,
    OPT_RESUB,
    OPT_INVALID,
    OPT_MISSING,
    OPT_LATE,
    OPT_FIXED,
    OPT_HELP
};

/* Returns 0, 1 after --help, or -1 with g->err set. */
static int parse_options(struct gen *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"schools", required_argument, NULL, OPT_SCHOOLS},
        {"districts", required_argument, NULL, OPT_DISTRICTS},
        {"terms", required_argument, NULL, OPT_TERMS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"out", required_argument, NULL, OPT_OUT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"per-file", required_argument, NULL, OPT_PER_FILE},
        {"dup-share", required_argument, NULL, OPT_DUP},
        {"resub-share", required_argument, NULL, OPT_RESUB},
        {"invalid-share", required_argument, NULL, OPT_INVALID},
        {"missing-share", required_argument, NULL, OPT_MISSING},
        {"deadline-share-late", required_argument, NULL, OPT_LATE},
        {"fixed-schools", required_argument, NULL, OPT_FIXED},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct options *o = &g->opt;
    o->schools = 100;
    o->districts = 0;
    snprintf(o->terms, sizeof o->terms, "%s", "2023-2024-2,2024-2025-1");
    o->seed = 1;
    o->out = NULL;
    o->format = FMT_JSON;
    o->per_file = 1000;
    o->dup_share = 0.01;
    o->resub_share = 0.02;
    o->invalid_share = 0.01;
    o->missing_share = 0.03;
    o->late_share = 0.05;
    o->fixed_path = NULL;

    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "", longopts, NULL);
        if (c == -1)
            break;
        bool ok = true;
        const char *what = NULL;
        switch (c) {
        case OPT_SCHOOLS:
            ok = parse_long(optarg, 1, MAX_SCHOOLS, &o->schools);
            what = "--schools: expected a whole number from 1 to 1000000";
            break;
        case OPT_DISTRICTS:
            ok = parse_long(optarg, 1, MAX_DISTRICTS, &o->districts);
            what = "--districts: expected a whole number from 1 to 5000";
            break;
        case OPT_TERMS: {
            int n = snprintf(o->terms, sizeof o->terms, "%s", optarg);
            ok = n >= 0 && (size_t)n < sizeof o->terms;
            what = "--terms: the list is too long";
            break;
        }
        case OPT_SEED:
            ok = parse_seed(optarg, &o->seed);
            what = "--seed: expected a non-negative whole number below 2^64";
            break;
        case OPT_OUT:
            o->out = optarg;
            ok = optarg[0] != '\0';
            what = "--out: the directory name is empty";
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0)
                o->format = FMT_JSON;
            else if (strcmp(optarg, "jsonl") == 0)
                o->format = FMT_JSONL;
            else if (strcmp(optarg, "json.gz") == 0)
                o->format = FMT_JSON_GZ;
            else if (strcmp(optarg, "jsonl.gz") == 0)
                o->format = FMT_JSONL_GZ;
            else
                ok = false;
            what = "--format: expected json, jsonl, json.gz or jsonl.gz";
            break;
        case OPT_PER_FILE:
            ok = parse_long(optarg, 1, 100000000L, &o->per_file);
            what = "--per-file: expected a whole number from 1 to 100000000";
            break;
        case OPT_DUP:
            ok = parse_share(optarg, &o->dup_share);
            what = "--dup-share: expected a number from 0 to 1";
            break;
        case OPT_RESUB:
            ok = parse_share(optarg, &o->resub_share);
            what = "--resub-share: expected a number from 0 to 1";
            break;
        case OPT_INVALID:
            ok = parse_share(optarg, &o->invalid_share);
            what = "--invalid-share: expected a number from 0 to 1";
            break;
        case OPT_MISSING:
            ok = parse_share(optarg, &o->missing_share);
            what = "--missing-share: expected a number from 0 to 1";
            break;
        case OPT_LATE:
            ok = parse_share(optarg, &o->late_share);
            what = "--deadline-share-late: expected a number from 0 to 1";
            break;
        case OPT_FIXED:
            o->fixed_path = optarg;
            break;
        case OPT_HELP:
            usage(stdout);
            return 1;
        default:
            if (optopt != 0 && optopt < 256)
                snprintf(g->err, sizeof g->err, "unknown option -%c", optopt);
            else if (optopt >= OPT_SCHOOLS)
                snprintf(g->err, sizeof g->err, "option %s needs a value", argv[optind - 1]);
            else
                snprintf(g->err, sizeof g->err, "unknown option %s", argv[optind - 1]);
            return -1;
        }
        if (!ok) {
            snprintf(g->err, sizeof g->err, "%s, not \"%s\"", what, optarg);
            return -1;
        }
    }
    if (optind < argc) {
        snprintf(g->err, sizeof g->err, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }
    if (o->out == NULL) {
        snprintf(g->err, sizeof g->err, "--out DIR is required");
        return -1;
    }
    if (!parse_terms(g))
        return -1;
    if (o->districts == 0) {
        long d = (o->schools + SCHOOLS_PER_DISTRICT_DEFAULT - 1) / SCHOOLS_PER_DISTRICT_DEFAULT;
        if (d < 3)
            d = 3;
        o->districts = d < o->schools ? d : o->schools;
    }
    if (o->districts > o->schools) {
        snprintf(g->err, sizeof g->err, "--districts %ld exceeds --schools %ld", o->districts,
                 o->schools);
        return -1;
    }
    /* the largest district may get 1.4 times the mean (see make_districts) */
    if (o->schools > o->districts * MAX_SCHOOLS_PER_DISTRICT * 10 / 14) {
        snprintf(g->err, sizeof g->err,
                 "%ld schools do not fit in %ld districts of at most %ld schools each; give more "
                 "--districts",
                 o->schools, o->districts, MAX_SCHOOLS_PER_DISTRICT * 10 / 14);
        return -1;
    }
    return 0;
}

/* ---- the registry ----------------------------------------------------------------------- */

static int type_from_id(const char *id)
{
    for (int t = 0; t < ST_COUNT; t++) {
        if (strcmp(type_info[t].id, id) == 0)
            return t;
    }
    return -1;
}

static char *dup_string(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static const char registry_header[] =
    "school_code,school_name,district_code,district_name,school_type,active";

/* Reads --fixed-schools. Returns 0, EXIT_IO or EXIT_USAGE with g->err set. */
static int read_fixed(struct gen *g)
{
    const char *path = g->opt.fixed_path;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(g->err, sizeof g->err, "cannot open %s: %s", path, strerror(errno));
        return EXIT_IO;
    }
    struct sbuf text = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        sb_put(&text, chunk, n);
        if (text.len > (size_t)MAX_FIXED_FILE)
            break;
    }
    bool read_error = ferror(f) != 0;
    fclose(f);
    if (read_error || text.failed) {
        snprintf(g->err, sizeof g->err, "cannot read %s: %s", path,
                 read_error ? "read error" : "out of memory");
        sb_free(&text);
        return EXIT_IO;
    }
    if (text.len > (size_t)MAX_FIXED_FILE) {
        snprintf(g->err, sizeof g->err, "%s: larger than %ld bytes", path, MAX_FIXED_FILE);
        sb_free(&text);
        return EXIT_USAGE;
    }
    g->fixed = calloc(1, sizeof *g->fixed); /* grown below */
    size_t cap = 1;
    int rc = 0;
    if (!sb_reserve(&text, 1)) {
        snprintf(g->err, sizeof g->err, "out of memory");
        return EXIT_IO;
    }
    char *p = text.data;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0) /* a BOM from spreadsheet tools */
        p += 3;
    for (long line = 1; *p != '\0' && rc == 0; line++) {
        char *eol = strchr(p, '\n');
        size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
        char *next = eol != NULL ? eol + 1 : p + len;
        if (len > 0 && p[len - 1] == '\r')
            len--;
        p[len] = '\0';
        if (line == 1) {
            if (strcmp(p, registry_header) != 0) {
                snprintf(g->err, sizeof g->err, "%s:1: the header must be %s", path,
                         registry_header);
                rc = EXIT_USAGE;
            }
            p = next;
            continue;
        }
        if (len == 0) {
            p = next;
            continue;
        }
        char *col[6];
        int ncol = 0;
        char *q = p;
        while (ncol < 6) {
            col[ncol++] = q;
            char *c = strchr(q, ',');
            if (c == NULL)
                break;
            *c = '\0';
            q = c + 1;
        }
        if (ncol != 6 || strchr(col[5], ',') != NULL || strchr(p, '"') != NULL) {
            snprintf(g->err, sizeof g->err,
                     "%s:%ld: expected 6 unquoted fields separated by commas", path, line);
            rc = EXIT_USAGE;
            break;
        }
        bool code_ok = strlen(col[0]) == 10 && strspn(col[0], "0123456789") == 10 &&
                       strncmp(col[0], col[2], 6) == 0 && strlen(col[2]) == 6;
        int type = type_from_id(col[4]);
        bool active = strcmp(col[5], "true") == 0;
        if (!code_ok || type < 0 || (!active && strcmp(col[5], "false") != 0) ||
            col[1][0] == '\0') {
            snprintf(g->err, sizeof g->err,
                     "%s:%ld: expected a 10-digit school code starting with its 6-digit district "
                     "code, a name, a school type of the spec and active true or false",
                     path, line);
            rc = EXIT_USAGE;
            break;
        }
        if (g->nfixed == MAX_FIXED) {
            snprintf(g->err, sizeof g->err, "%s: more than %ld rows", path, MAX_FIXED);
            rc = EXIT_USAGE;
            break;
        }
        if (g->nfixed == cap) {
            struct fixed_school *grown = realloc(g->fixed, cap * 2 * sizeof *grown);
            if (grown == NULL) {
                rc = EXIT_IO;
                snprintf(g->err, sizeof g->err, "out of memory");
                break;
            }
            g->fixed = grown;
            cap *= 2;
        }
        struct fixed_school *fs = &g->fixed[g->nfixed];
        memcpy(fs->code, col[0], 11);
        fs->name = dup_string(col[1], strlen(col[1]));
        fs->district_name = dup_string(col[3], strlen(col[3]));
        fs->type = type;
        fs->active = active;
        g->nfixed++;
        if (fs->name == NULL || fs->district_name == NULL) {
            snprintf(g->err, sizeof g->err, "out of memory");
            rc = EXIT_IO;
        }
        p = next;
    }
    sb_free(&text);
    if (g->fixed == NULL && rc == 0) {
        snprintf(g->err, sizeof g->err, "out of memory");
        rc = EXIT_IO;
    }
    return rc;
}

/* The code of district i: the known list first, then further valid codes 3201xx, 3202xx, ... */
static void district_code(uint32_t i, char out[7])
{
    if (i < N_KNOWN_DISTRICTS) {
        memcpy(out, known_districts[i].code, 7);
        return;
    }
    uint32_t extra = i - (uint32_t)N_KNOWN_DISTRICTS;
    uint32_t city = 1, county = 19 + extra; /* 320119..320199, then 320201.. */
    if (county > 99) {
        extra = county - 100;
        city = 2 + extra / 99;
        county = 1 + extra % 99;
    }
    out[0] = '3';
    out[1] = '2';
    out[2] = (char)('0' + city / 10);
    out[3] = (char)('0' + city % 10);
    out[4] = (char)('0' + county / 10);
    out[5] = (char)('0' + county % 10);
    out[6] = '\0';
}

/* Districts of uneven size (0.6..1.4 of the mean), each with at least one school.
 * Returns 0, EXIT_IO or EXIT_USAGE with g->err set. */
static int make_districts(struct gen *g)
{
    uint32_t nd = (uint32_t)g->opt.districts;
    uint32_t ns = (uint32_t)g->opt.schools;
    g->districts = calloc(nd, sizeof *g->districts);
    int64_t *weight = calloc(nd, sizeof *weight);
    if (g->districts == NULL || weight == NULL) {
        free(weight);
        snprintf(g->err, sizeof g->err, "out of memory");
        return EXIT_IO;
    }
    g->ndistricts = nd;
    struct rng r = rng_for(g->opt.seed, 0, STREAM_DISTRICT);
    int64_t total = 0;
    for (uint32_t d = 0; d < nd; d++) {
        weight[d] = rng_range(&r, 600, 1400);
        total += weight[d];
    }
    /* every district gets one school, the rest by weight with the largest remainders */
    uint32_t rest = ns - nd, given = 0;
    for (uint32_t d = 0; d < nd; d++) {
        g->districts[d].count = 1 + (uint32_t)((int64_t)rest * weight[d] / total);
        given += g->districts[d].count;
    }
    while (given < ns) {
        uint32_t best = 0;
        int64_t best_rem = -1;
        for (uint32_t d = 0; d < nd; d++) {
            int64_t rem = (int64_t)rest * weight[d] % total;
            if (rem > best_rem && g->districts[d].count < MAX_SCHOOLS_PER_DISTRICT) {
                best_rem = rem;
                best = d;
            }
        }
        g->districts[best].count++;
        weight[best] = 0; /* one extra school per district at most from the remainders */
        given++;
    }
    free(weight);
    uint32_t first = 0;
    for (uint32_t d = 0; d < nd; d++) {
        struct district *di = &g->districts[d];
        district_code(d, di->code);
        if (d < N_KNOWN_DISTRICTS) {
            snprintf(di->name, sizeof di->name, "%s", known_districts[d].name);
        } else {
            struct sbuf nb = {0};
            sb_puts(&nb, "第");
            sb_zh_number(&nb, d + 1);
            sb_puts(&nb, "区");
            snprintf(di->name, sizeof di->name, "%s", nb.failed ? "第?区" : nb.data);
            sb_free(&nb);
        }
        di->first = first;
        first += di->count;
        if (di->count > MAX_SCHOOLS_PER_DISTRICT) {
            snprintf(g->err, sizeof g->err,
                     "district %s would get %u schools, more than a school code allows (%ld); "
                     "give more --districts",
                     di->code, di->count, MAX_SCHOOLS_PER_DISTRICT);
            return EXIT_USAGE;
        }
    }
    return 0;
}

/* Chooses k distinct entries of idx[0..n) to the front (a partial Fisher-Yates shuffle). */
static void choose_front(struct rng *r, uint32_t *idx, uint32_t n, uint32_t k)
{
    for (uint32_t i = 0; i < k && i < n; i++) {
        uint32_t j = i + (uint32_t)rng_range(r, 0, (int64_t)(n - i - 1));
        uint32_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

static uint32_t share_count(double share, uint64_t n)
{
    double k = share * (double)n + 0.5;
    if (k >= (double)n)
        return (uint32_t)n;
    return (uint32_t)k;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Lays out the schools: type mix, fixed rows, inactive schools, names. */
static int make_schools(struct gen *g)
{
    uint32_t ns = (uint32_t)g->opt.schools;
    g->schools = calloc(ns, sizeof *g->schools);
    uint32_t *idx = calloc(ns, sizeof *idx);
    if (g->schools == NULL || idx == NULL) {
        free(idx);
        snprintf(g->err, sizeof g->err, "out of memory");
        return EXIT_IO;
    }
    g->nschools = ns;
    for (uint32_t d = 0; d < g->ndistricts; d++) {
        const struct district *di = &g->districts[d];
        for (uint32_t k = 0; k < di->count; k++) {
            struct school *sc = &g->schools[di->first + k];
            sc->district = d;
            sc->serial = k + 1;
            sc->fixed = -1;
            sc->active = 1;
        }
    }
    struct rng r = rng_for(g->opt.seed, 0, STREAM_PLAN);

    /* exact quotas per type (largest remainder, every type present when N >= 7), shuffled */
    uint32_t quota[ST_COUNT], given = 0;
    for (int t = 0; t < ST_COUNT; t++) {
        quota[t] = (uint32_t)((uint64_t)ns * (uint64_t)type_info[t].share_permille / 1000);
        if (quota[t] == 0 && ns >= ST_COUNT)
            quota[t] = 1;
        given += quota[t];
    }
    for (int t = 0; given < ns; t = (t + 1) % ST_COUNT) {
        quota[t]++;
        given++;
    }
    while (given > ns) { /* only when the minimum of one per type overshoots */
        quota[ST_PRIMARY]--;
        given--;
    }
    uint32_t at = 0;
    for (int t = 0; t < ST_COUNT; t++) {
        for (uint32_t k = 0; k < quota[t]; k++)
            g->schools[at++].type = (uint8_t)t;
    }
    for (uint32_t i = ns; i > 1; i--) {
        uint32_t j = (uint32_t)rng_range(&r, 0, (int64_t)i - 1);
        uint8_t t = g->schools[i - 1].type;
        g->schools[i - 1].type = g->schools[j].type;
        g->schools[j].type = t;
    }

    /* fixed rows take the place of the generated school with their code */
    for (uint32_t f = 0; f < g->nfixed; f++) {
        const struct fixed_school *fs = &g->fixed[f];
        uint32_t d = 0;
        while (d < g->ndistricts && strncmp(g->districts[d].code, fs->code, 6) != 0)
            d++;
        long serial = 0;
        if (d < g->ndistricts)
            parse_long(fs->code + 6, 0, 9999, &serial);
        if (d == g->ndistricts || serial < 1 || (uint32_t)serial > g->districts[d].count) {
            snprintf(g->err, sizeof g->err,
                     "--fixed-schools: %s is not a code of the generated registry (its district "
                     "has fewer schools, or is not generated)",
                     fs->code);
            free(idx);
            return EXIT_USAGE;
        }
        if (strcmp(g->districts[d].name, fs->district_name) != 0) {
            snprintf(g->err, sizeof g->err,
                     "--fixed-schools: %s names its district %s, the generated registry %s",
                     fs->code, fs->district_name, g->districts[d].name);
            free(idx);
            return EXIT_USAGE;
        }
        uint32_t s = g->districts[d].first + (uint32_t)serial - 1;
        if (g->schools[s].fixed >= 0) {
            snprintf(g->err, sizeof g->err, "--fixed-schools: %s is given twice", fs->code);
            free(idx);
            return EXIT_USAGE;
        }
        /* swap types with a generated school so that the city's type mix stays as it was */
        if (g->schools[s].type != fs->type) {
            for (uint32_t o = 0; o < ns; o++) {
                if (g->schools[o].fixed < 0 && o != s && g->schools[o].type == fs->type) {
                    g->schools[o].type = g->schools[s].type;
                    break;
                }
            }
            g->schools[s].type = (uint8_t)fs->type;
        }
        g->schools[s].fixed = (int32_t)f;
        g->schools[s].active = fs->active;
    }

    /* closed or merged schools stay in the registry as inactive */
    uint32_t n = 0;
    for (uint32_t s = 0; s < ns; s++) {
        if (g->schools[s].fixed < 0)
            idx[n++] = s;
    }
    uint32_t k_inactive = (uint32_t)(((uint64_t)ns * INACTIVE_PERMILLE + 500) / 1000);
    if (k_inactive > n)
        k_inactive = n;
    choose_front(&r, idx, n, k_inactive);
    for (uint32_t i = 0; i < k_inactive; i++)
        g->schools[idx[i]].active = 0;

    /* names: the n-th school of a type in its district, never repeating a fixed name */
    uint32_t counter[ST_COUNT];
    for (uint32_t d = 0; d < g->ndistricts; d++) {
        const struct district *di = &g->districts[d];
        memset(counter, 0, sizeof counter);
        for (uint32_t s = di->first; s < di->first + di->count; s++) {
            struct school *sc = &g->schools[s];
            if (sc->fixed >= 0)
                continue;
            bool clash;
            do {
                sc->name_no = ++counter[sc->type];
                clash = false;
                if (g->nfixed == 0)
                    break;
                sb_reset(&g->name);
                sb_school_name(&g->name, di->name, sc->type, sc->name_no);
                for (uint32_t f = 0; f < g->nfixed && !clash; f++)
                    clash = strcmp(g->fixed[f].name, g->name.data) == 0;
            } while (clash);
        }
    }
    free(idx);
    return 0;
}

/* Decides which school sends what: non-reporting schools, invalid, duplicate, resubmitted
 * and late items, each an exact share of its base so that small cities get them too. */
static int make_plan(struct gen *g)
{
    uint32_t nt = (uint32_t)g->nterms;
    uint64_t nitems = (uint64_t)g->nschools * nt;
    g->plan = calloc(nitems, sizeof *g->plan);
    uint32_t *idx = calloc(nitems > g->nschools ? nitems : g->nschools, sizeof *idx);
    if (g->plan == NULL || idx == NULL) {
        free(idx);
        snprintf(g->err, sizeof g->err, "out of memory");
        return EXIT_IO;
    }
    struct rng r = rng_for(g->opt.seed, 1, STREAM_PLAN);

    /* a school closed after the terms still sends them (loaded with a warning), so the
     * schools that never report are drawn from the whole registry */
    uint32_t n = 0;
    for (uint32_t s = 0; s < g->nschools; s++) {
        idx[n++] = s;
        g->n_inactive += !g->schools[s].active;
    }
    uint32_t k = share_count(g->opt.missing_share, n);
    choose_front(&r, idx, n, k);
    for (uint32_t i = k; i < n; i++)
        g->schools[idx[i]].reporting = 1;
    g->n_missing = k;

    n = 0;
    for (uint32_t s = 0; s < g->nschools; s++) {
        if (!g->schools[s].reporting)
            continue;
        for (uint32_t t = 0; t < nt; t++) {
            g->plan[(uint64_t)s * nt + t] = PLAN_SUBMIT;
            idx[n++] = s * nt + t;
        }
    }
    uint32_t base = n;
    k = share_count(g->opt.invalid_share, base);
    choose_front(&r, idx, n, k);
    qsort(idx, k, sizeof *idx, u32_cmp); /* kinds rotate in registry order */
    for (uint32_t i = 0; i < k; i++) {
        int kind = 1 + (int)(i % (BK_COUNT - 1));
        g->plan[idx[i]] |= (uint16_t)(PLAN_INVALID | (kind << PLAN_KIND_SHIFT));
    }
    g->n_invalid = k;

    /* the special cases of valid items are kept apart so that each shows on its own */
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!(g->plan[idx[i]] & PLAN_INVALID))
            idx[m++] = idx[i];
    }
    qsort(idx, m, sizeof *idx, u32_cmp);
    uint32_t k_dup = share_count(g->opt.dup_share, base);
    uint32_t k_resub = share_count(g->opt.resub_share, base);
    uint32_t k_late = share_count(g->opt.late_share, base);
    if (k_dup > m)
        k_dup = m;
    if (k_resub > m - k_dup)
        k_resub = m - k_dup;
    if (k_late > m - k_dup - k_resub)
        k_late = m - k_dup - k_resub;
    choose_front(&r, idx, m, k_dup + k_resub + k_late);
    for (uint32_t i = 0; i < k_dup + k_resub + k_late; i++) {
        uint16_t flag = i < k_dup ? PLAN_DUP : i < k_dup + k_resub ? PLAN_RESUB : PLAN_LATE;
        g->plan[idx[i]] |= flag;
    }
    g->n_dup = k_dup;
    g->n_resub = k_resub;
    g->n_late = k_late;
    free(idx);
    return 0;
}

/* ---- one school's data ------------------------------------------------------------------ */

static void make_profile(const struct gen *g, uint32_t s, struct profile *p)
{
    const struct school *sc = &g->schools[s];
    const struct type_info *ti = &type_info[sc->type];
    struct rng r = rng_for(g->opt.seed, s, STREAM_SCHOOL);
    memset(p, 0, sizeof *p);

    int nchoices = 0;
    while (nchoices < 12 && ti->classes_choices[nchoices] != 0)
        nchoices++;
    int64_t per_grade = ti->classes_choices[rng_range(&r, 0, nchoices - 1)];
    int64_t classes = 0;
    for (int gr = ti->grade_lo; gr <= ti->grade_hi; gr++) {
        if (sc->type == ST_SPECIAL) {
            /* special schools run a class only for the grades their pupils are in */
            p->base_classes[gr] = rng_chance(&r, 700) ? 1 : 0;
        } else {
            p->base_classes[gr] = per_grade;
            if (rng_chance(&r, 250))
                p->base_classes[gr] += rng_chance(&r, 500) ? 1 : (per_grade > 1 ? -1 : 0);
        }
        classes += p->base_classes[gr];
    }
    if (classes == 0) {
        p->base_classes[ti->grade_lo] = 1;
        classes = 1;
    }
    p->size_lo = ti->size_lo;
    p->size_hi = ti->size_hi;
    int64_t students = classes * (ti->size_lo + ti->size_hi) / 2;

    /* work points (六): schools over 500 students should have a full-time teacher */
    if (sc->type == ST_SPECIAL)
        p->fulltime = rng_chance(&r, 500) ? 1 : 0;
    else if (students > 1500)
        p->fulltime = rng_chance(&r, 200) ? 1 : (rng_chance(&r, 560) ? 2 : 3);
    else if (students > 500)
        p->fulltime = rng_chance(&r, 100) ? 0 : (rng_chance(&r, 670) ? 1 : 2);
    else
        p->fulltime = rng_chance(&r, 600) ? 0 : 1;
    p->parttime = classes * rng_range(&r, 40, 120) / 100;
    if (p->parttime < 1)
        p->parttime = 1;
    if (p->parttime > 40)
        p->parttime = 40;
    /* a few small schools have nobody at all: the indicator must be able to fail */
    if (students <= 500 && p->fulltime == 0 && rng_chance(&r, 20))
        p->parttime = 0;
    p->degree = p->fulltime > 0 && rng_chance(&r, 150) ? p->fulltime - 1 : p->fulltime;
    p->cert_a_pct = (int)rng_range(&r, 40, 95);
    p->p3yr_pct = (int)rng_range(&r, 40, 90);
    p->cert_b_pct = (int)rng_range(&r, 30, 85);
    p->cert_c_pct = (int)rng_range(&r, 15, 70);
    p->extra_heads = (int)rng_range(&r, 0, 3);
    p->subject_per10 = (int)rng_range(&r, 22, 28);
    p->funding_lo = (int)rng_range(&r, 200, 900);
    p->funding_hi = p->funding_lo + (int)rng_range(&r, 0, 300);
    p->lesson_short_permille = rng_chance(&r, 200) ? 300 : 0;
    p->theme_ok_permille = rng_chance(&r, 850) ? 950 : 400;
    p->room = rng_chance(&r, 930);
    p->open_halves = p->room ? (int)rng_range(&r, 8, 60) : 0;
    p->ledger = rng_chance(&r, 950);
    p->research_group = p->fulltime >= 1 && p->fulltime + p->parttime >= 3 ? rng_chance(&r, 880)
                                                                           : rng_chance(&r, 350);
    p->three_year_plan = rng_chance(&r, 800);
    p->minutes_permille = rng_chance(&r, 900) ? 900 : 300;
    p->awards = rng_chance(&r, 500) ? 0 : (int)rng_range(&r, 1, 3);
    p->papers = (int)rng_range(&r, 0, 5);
    p->books = rng_chance(&r, 100) ? 1 : 0;
    p->years_2023 = (int)rng_range(&r, 1, 15);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Certificates spread over time: coverage grows a few points a term from 2023-2024. */
static int64_t coverage(int64_t of, int base_pct, const struct term *t)
{
    int64_t terms_since = (int64_t)(t->year1 - 2023) * 2 + (t->term - 1);
    int64_t pct = base_pct + 4 * terms_since;
    if (pct > 100)
        pct = 100;
    if (pct < 0)
        pct = 0;
    return min64(of, scale_pct(of, pct));
}

/* Fills the submission of school s for term t, valid by every rule of SUBMISSION.md. */
static void make_submission(const struct gen *g, uint32_t s, int ti, uint16_t plan,
                            struct submission *sub)
{
    const struct school *sc = &g->schools[s];
    const struct term *t = &g->terms[ti];
    struct profile p;
    make_profile(g, s, &p);
    struct rng r = rng_for(g->opt.seed, s, STREAM_TERM + t->key);
    memset(sub, 0, sizeof *sub);
    sub->school = s;
    sub->term = t;
    sub->bad = (enum bad_kind)(plan >> PLAN_KIND_SHIFT);

    int64_t form = rng_range(&r, 0, 999);
    sub->period_form = form < 50 ? PF_CHINESE : form < 70 ? PF_OBJECT : PF_CANONICAL;
    sub->with_total = rng_chance(&r, 300);

    /* near the deadline, on working hours; late ones up to twelve days after it */
    int64_t day = (plan & PLAN_LATE) ? t->deadline_day + rng_range(&r, 1, 12)
                                     : t->deadline_day - rng_range(&r, 0, 20);
    sub->submitted = day * 86400 + rng_range(&r, 8, 20) * 3600 + rng_range(&r, 0, 3599);

    int64_t students = 0, e4 = 0, classes = 0;
    for (int gr = 1; gr <= 12; gr++) {
        int64_t c = p.base_classes[gr];
        if (c == 0)
            continue;
        if (sc->type != ST_SPECIAL && rng_chance(&r, 100))
            c += (c > 1 && rng_chance(&r, 500)) ? -1 : 1;
        int64_t e = 0;
        for (int64_t k = 0; k < c; k++)
            e += rng_range(&r, p.size_lo, p.size_hi);
        sub->classes[gr] = c;
        sub->enrolled[gr] = e;
        students += e;
        classes += c;
        if (gr >= 4)
            e4 += e;
    }

    int64_t *v = sub->value;
    v[F_FULLTIME] = p.fulltime;
    v[F_PARTTIME] = p.parttime;
    if (p.parttime > 1 && rng_chance(&r, 100))
        v[F_PARTTIME] += rng_chance(&r, 500) ? 1 : -1;
    v[F_DEGREE] = min64(p.degree, v[F_FULLTIME]);
    v[F_CERT_A] = coverage(v[F_FULLTIME] + v[F_PARTTIME], p.cert_a_pct, t);
    v[F_P3YR] = coverage(v[F_PARTTIME], p.p3yr_pct, t);
    v[F_HEAD] = classes + p.extra_heads;
    v[F_CERT_B] = coverage(v[F_HEAD], p.cert_b_pct, t);
    v[F_SUBJECT] = (classes * p.subject_per10 + 5) / 10 + 3;
    v[F_CERT_C] = coverage(v[F_SUBJECT], p.cert_c_pct, t);

    v[F_FUNDING] = students * rng_range(&r, p.funding_lo, p.funding_hi);

    /* work points (八): c * months lessons for grades 1-3, c * weeks/2 from grade 4 */
    for (int gr = 1; gr <= 12; gr++) {
        int64_t c = sub->classes[gr];
        if (c == 0)
            continue;
        int64_t need = c * (gr <= 3 ? 5 : 10);
        if (rng_chance(&r, p.lesson_short_permille))
            sub->lessons[gr] = need * rng_range(&r, 50, 95) / 100;
        else
            sub->lessons[gr] = need + (rng_chance(&r, 500) ? 0 : rng_range(&r, 0, c));
    }
    int64_t meetings_needed = classes * 5;
    v[F_THEME] = rng_chance(&r, p.theme_ok_permille)
                     ? meetings_needed + rng_range(&r, 0, classes)
                     : meetings_needed * rng_range(&r, 60, 99) / 100;
    v[F_SPECIAL_ACT] = rng_range(&r, 1, 8);

    v[F_ROOM] = p.room;
    v[F_OPEN_HOURS] = p.open_halves;
    v[F_INDIVIDUAL] = students * rng_range(&r, 1, 6) / 100 + rng_range(&r, 0, 20);
    v[F_GROUP_SESSIONS] = rng_range(&r, 2, 24);
    v[F_GROUP_PARTICIPANTS] = v[F_GROUP_SESSIONS] * rng_range(&r, 15, 40);

    /* work points (十一): grades 4-12 are screened; flagged pupils get an archive */
    if (e4 > 0)
        v[F_SCREENED] = rng_chance(&r, 400) ? e4 : e4 * rng_range(&r, 85, 99) / 100;
    v[F_FLAGGED] = v[F_SCREENED] * rng_range(&r, 3, 8) / 100;
    v[F_ARCHIVES] = rng_chance(&r, 850) ? v[F_FLAGGED] : v[F_FLAGGED] * rng_range(&r, 60, 99) / 100;

    v[F_LEDGER] = p.ledger;
    v[F_LEFT_BEHIND] = students * rng_range(&r, 0, 30) / 1000;
    v[F_SINGLE_PARENT] = students * rng_range(&r, 30, 80) / 1000;
    v[F_SPECIAL_NEEDS] = sc->type == ST_SPECIAL ? students * rng_range(&r, 70, 100) / 100
                                                : students * rng_range(&r, 3, 15) / 1000;

    v[F_PARENT_TRAININGS] = rng_range(&r, 1, 6);
    v[F_PSYCH_PARENT] = rng_chance(&r, 850) ? rng_range(&r, 1, v[F_PARENT_TRAININGS]) : 0;
    v[F_ATTENDEES] = v[F_PARENT_TRAININGS] * rng_range(&r, 40, 200);
    v[F_VISIT_RATE] = rng_range(&r, 50, 100);

    int64_t sessions = rng_range(&r, 0, 9);
    v[F_ALL_STAFF] = sessions == 0 ? 0 : sessions <= 5 ? 1 : sessions <= 8 ? 2 : 3;
    v[F_TRAINING_HOURS] = rng_range(&r, 4, 24);

    int64_t crisis = rng_range(&r, 0, 99);
    v[F_INCIDENTS] = crisis < 92 ? 0 : crisis < 98 ? 1 : 2;
    v[F_REFERRALS] = rng_chance(&r, 800) ? 0 : rng_range(&r, 1, 3);
    v[F_MAJOR_FAULT] = rng_chance(&r, 2);

    v[F_RESEARCH_GROUP] = p.research_group;
    v[F_PLAN] = p.three_year_plan;
    v[F_MINUTES] = rng_chance(&r, p.minutes_permille);
    v[F_AWARDS] = p.awards;
    v[F_PAPERS] = p.papers;
    v[F_BOOKS] = p.books;
    v[F_YEARS] = p.years_2023 + (t->year1 - 2023);
    if (v[F_YEARS] < 1)
        v[F_YEARS] = 1;

    /* some schools leave a section or a field out: the indicators must show no_data */
    sub->present = ALL_FIELDS;
    if (rng_chance(&r, 80)) {
        int64_t drops = rng_range(&r, 1, 3);
        for (int64_t i = 0; i < drops; i++) {
            int f = (int)rng_range(&r, 0, F_COUNT - 1);
            if (rng_chance(&r, 350)) {
                /* a whole section, named by its first field; staff, which every school
                 * knows, goes missing less often than the others */
                static const int first_field[] = {
                    F_FUNDING,          F_LESSONS,   F_ROOM,      F_SCREENED,       F_LEDGER,
                    F_PARENT_TRAININGS, F_ALL_STAFF, F_INCIDENTS, F_RESEARCH_GROUP, F_AWARDS};
                f = rng_chance(&r, 40) ? F_FULLTIME : first_field[rng_range(&r, 0, 9)];
                for (int h = 0; h < F_COUNT; h++) {
                    if (strcmp(field_info[h].section, field_info[f].section) == 0)
                        sub->present &= ~FIELD_BIT(h);
                }
            } else if (field_info[f].droppable) {
                sub->present &= ~FIELD_BIT(f);
            }
        }
    }

    /* one defect per invalid item, in a field no other rule depends on */
    switch (sub->bad) {
    case BK_NEGATIVE:
        sub->present |= FIELD_BIT(F_LEFT_BEHIND);
        v[F_LEFT_BEHIND] = -rng_range(&r, 1, 9);
        break;
    case BK_STRING:
    case BK_FRACTION:
        sub->present |= FIELD_BIT(F_INDIVIDUAL) | FIELD_BIT(F_SPECIAL_ACT);
        break;
    case BK_CERT_A:
        sub->present |= FIELD_BIT(F_FULLTIME) | FIELD_BIT(F_PARTTIME) | FIELD_BIT(F_CERT_A);
        v[F_CERT_A] = v[F_FULLTIME] + v[F_PARTTIME] + rng_range(&r, 1, 3);
        break;
    case BK_SCREENED:
        sub->present |= FIELD_BIT(F_SCREENED);
        v[F_SCREENED] = e4 + rng_range(&r, 1, 20);
        break;
    case BK_PERIOD:
        sub->period_form = PF_CANONICAL;
        break;
    default:
        break;
    }
}

/* A school's correction: a later submitted_at and a few changed values, still valid. */
static void amend_submission(const struct gen *g, struct submission *sub)
{
    const struct term *t = sub->term;
    struct rng r = rng_for(g->opt.seed, sub->school, STREAM_RESUB + t->key);
    int64_t deadline_end = t->deadline_day * 86400 + 86399;
    int64_t latest = sub->submitted + 72 * 3600;
    /* a correction sent before the deadline keeps the school on time */
    if (sub->submitted <= deadline_end && latest > deadline_end)
        latest = deadline_end;
    sub->submitted = rng_range(&r, sub->submitted + 600, latest);

    int64_t *v = sub->value;
    int64_t changes = rng_range(&r, 2, 4);
    for (int64_t i = 0; i < changes; i++) {
        /* the spending is always corrected, so that a resubmission never changes nothing */
        switch (i == 0 ? 0 : rng_range(&r, 1, 5)) {
        case 0:
            v[F_FUNDING] += rng_range(&r, 100, 5000) * 100;
            sub->present |= FIELD_BIT(F_FUNDING);
            break;
        case 1:
            v[F_INDIVIDUAL] += rng_range(&r, 1, 20);
            break;
        case 2:
            v[F_CERT_A] = min64(v[F_FULLTIME] + v[F_PARTTIME], v[F_CERT_A] + rng_range(&r, 1, 3));
            break;
        case 3:
            v[F_THEME] += rng_range(&r, 1, 10);
            break;
        case 4:
            for (int gr = 1; gr <= 12; gr++) {
                if (sub->classes[gr] > 0 && rng_chance(&r, 500))
                    sub->lessons[gr] += sub->classes[gr];
            }
            break;
        default:
            v[F_PARENT_TRAININGS] += 1;
            v[F_ATTENDEES] += rng_range(&r, 30, 150);
            break;
        }
    }
}

/* ---- JSON ------------------------------------------------------------------------------- */

/* Top-level members one per line (as in the spec's example), nested objects on one line;
 * compact for JSON Lines. */
struct jw {
    struct sbuf *b;
    bool compact;
    int depth;
    bool first[8];
};

static void jw_open(struct jw *w)
{
    sb_putc(w->b, '{');
    w->first[++w->depth] = true;
}

static void jw_close(struct jw *w)
{
    if (w->depth == 1 && !w->compact)
        sb_puts(w->b, "\n}");
    else
        sb_putc(w->b, '}');
    w->depth--;
}

static void jw_key(struct jw *w, const char *key)
{
    bool first = w->first[w->depth];
    if (!first)
        sb_putc(w->b, ',');
    if (w->depth == 1 && !w->compact)
        sb_puts(w->b, "\n  ");
    else if (!first && !w->compact)
        sb_putc(w->b, ' ');
    w->first[w->depth] = false;
    sb_putc(w->b, '"');
    sb_puts(w->b, key);
    sb_puts(w->b, w->compact ? "\":" : "\": ");
}

/* A number kept in hundredths, with at most two decimals and no trailing zero after a point. */
static void sb_hundredths(struct sbuf *b, int64_t v, bool keep_two)
{
    sb_int(b, v / 100);
    int64_t frac = v % 100;
    if (keep_two) {
        sb_putc(b, '.');
        sb_int_pad(b, frac, 2);
    } else if (frac != 0) {
        sb_putc(b, '.');
        sb_putc(b, (char)('0' + frac / 10));
        if (frac % 10 != 0)
            sb_putc(b, (char)('0' + frac % 10));
    }
}

static void write_taught_grades(struct jw *w, const struct submission *sub, const int64_t *vals)
{
    static const char *const key[] = {"",  "1", "2", "3",  "4",  "5", "6",
                                      "7", "8", "9", "10", "11", "12"};
    jw_open(w);
    for (int gr = 1; gr <= 12; gr++) {
        if (sub->classes[gr] == 0)
            continue;
        jw_key(w, key[gr]);
        sb_int(w->b, vals[gr]);
    }
    jw_close(w);
}

static void write_value(struct jw *w, const struct submission *sub, int f)
{
    int64_t v = sub->value[f];
    struct sbuf *b = w->b;
    switch (field_info[f].kind) {
    case VK_CENTS:
        sb_hundredths(b, v, true);
        break;
    case VK_HALVES:
        sb_hundredths(b, v * 50, false);
        break;
    case VK_PERCENT:
        sb_hundredths(b, v, false);
        break;
    case VK_BOOL:
        sb_puts(b, v ? "true" : "false");
        break;
    case VK_LESSONS:
        write_taught_grades(w, sub, sub->lessons);
        break;
    default:
        if (sub->bad == BK_STRING && f == F_INDIVIDUAL) {
            sb_putc(b, '"');
            sb_int(b, v);
            sb_putc(b, '"');
        } else if (sub->bad == BK_FRACTION && f == F_SPECIAL_ACT) {
            sb_int(b, v);
            sb_puts(b, ".5");
        } else {
            sb_int(b, v);
        }
        break;
    }
}

static void write_period(struct jw *w, const struct submission *sub)
{
    const struct term *t = sub->term;
    struct sbuf *b = w->b;
    if (sub->bad == BK_PERIOD) {
        /* term 3 does not exist */
        sb_putc(b, '"');
        sb_put(b, t->canon, 10);
        sb_puts(b, "3\"");
        return;
    }
    switch (sub->period_form) {
    case PF_CHINESE:
        sb_putc(b, '"');
        sb_put(b, t->canon, 9);
        sb_puts(b, t->term == 1 ? "学年第一学期\"" : "学年第二学期\"");
        break;
    case PF_OBJECT:
        jw_open(w);
        jw_key(w, "academic_year");
        sb_putc(b, '"');
        sb_put(b, t->canon, 9);
        sb_putc(b, '"');
        jw_key(w, "term");
        sb_int(b, t->term);
        jw_close(w);
        break;
    default:
        sb_putc(b, '"');
        sb_puts(b, t->canon);
        sb_putc(b, '"');
        break;
    }
}

/* Writes sub into g->doc (replacing it), ending with a newline. */
static void write_submission(struct gen *g, const struct submission *sub, bool compact)
{
    struct sbuf *b = &g->doc;
    const struct school *sc = &g->schools[sub->school];
    struct jw w = {b, compact, 0, {false}};
    sb_reset(b);
    jw_open(&w);
    jw_key(&w, "schema");
    sb_puts(b, sub->bad == BK_SCHEMA ? "\"mhe.submission/2\"" : "\"mhe.submission/1\"");
    jw_key(&w, "school_code");
    sb_putc(b, '"');
    if (sub->bad == BK_UNKNOWN_SCHOOL) {
        sb_puts(b, g->districts[sc->district].code); /* serial 0000 is never given out */
        sb_puts(b, "0000");
    } else {
        sb_school_code(b, g, sub->school);
    }
    sb_putc(b, '"');
    jw_key(&w, "school_name");
    sb_reset(&g->name);
    sb_registry_name(&g->name, g, sub->school);
    sb_json_str(b, g->name.failed ? "" : g->name.data);
    jw_key(&w, "district_code");
    sb_putc(b, '"');
    sb_puts(b, g->districts[sc->district].code);
    sb_putc(b, '"');
    jw_key(&w, "period");
    write_period(&w, sub);
    jw_key(&w, "submitted_at");
    sb_putc(b, '"');
    sb_timestamp(b, sub->submitted);
    sb_putc(b, '"');

    jw_key(&w, "enrollment");
    jw_open(&w);
    jw_key(&w, "by_grade");
    write_taught_grades(&w, sub, sub->enrolled);
    if (sub->with_total) {
        int64_t total = 0;
        for (int gr = 1; gr <= 12; gr++)
            total += sub->enrolled[gr];
        jw_key(&w, "total");
        sb_int(b, total);
    }
    jw_close(&w);
    jw_key(&w, "classes");
    jw_open(&w);
    jw_key(&w, "by_grade");
    write_taught_grades(&w, sub, sub->classes);
    jw_close(&w);

    for (int f = 0; f < F_COUNT;) {
        const char *section = field_info[f].section;
        int end = f;
        bool any = false;
        while (end < F_COUNT && strcmp(field_info[end].section, section) == 0) {
            any = any || (sub->present & FIELD_BIT(end));
            end++;
        }
        if (any) {
            jw_key(&w, section);
            jw_open(&w);
            for (int h = f; h < end; h++) {
                if (!(sub->present & FIELD_BIT(h)))
                    continue;
                jw_key(&w, field_info[h].name);
                write_value(&w, sub, h);
            }
            jw_close(&w);
        }
        f = end;
    }
    jw_close(&w);

    if (sub->bad == BK_JSON && b->len > 40) {
        /* cut off as by a failed upload, at an ASCII byte so only the JSON is broken */
        struct rng r = rng_for(g->opt.seed, sub->school, STREAM_RESUB + sub->term->key + 7);
        size_t cut = (size_t)((int64_t)b->len * rng_range(&r, 60, 90) / 100);
        while (cut > 1 && (unsigned char)b->data[cut - 1] >= 0x80)
            cut--;
        b->len = cut;
    }
    sb_putc(b, '\n');
}

/* ---- output ----------------------------------------------------------------------------- */

static int path_join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s/%s", a, b);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

/* mkdir -p; returns 0 or -1 with errno set. */
static int make_dirs(const char *path)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(tmp, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes a whole file; returns 0 or -1 with g->err set. */
static int write_file(struct gen *g, const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(g->err, sizeof g->err, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    if (write_all(fd, data, len) != 0) {
        snprintf(g->err, sizeof g->err, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (close(fd) != 0) {
        snprintf(g->err, sizeof g->err, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    g->em.bytes += len;
    return 0;
}

static bool is_gz(enum out_format f)
{
    return f == FMT_JSON_GZ || f == FMT_JSONL_GZ;
}

static int emitter_open(struct gen *g)
{
    struct emitter *em = &g->em;
    em->format = g->opt.format;
    em->per_file = g->opt.per_file;
    if (path_join(em->spool, sizeof em->spool, g->opt.out, "spool") != 0) {
        snprintf(g->err, sizeof g->err, "output path too long: %s", g->opt.out);
        return EXIT_USAGE;
    }
    if (make_dirs(em->spool) != 0) {
        snprintf(g->err, sizeof g->err, "cannot create %s: %s", em->spool, strerror(errno));
        return EXIT_IO;
    }
    DIR *dir = opendir(em->spool);
    if (dir == NULL) {
        snprintf(g->err, sizeof g->err, "cannot open %s: %s", em->spool, strerror(errno));
        return EXIT_IO;
    }
    bool empty = true;
    struct dirent *de;
    while (empty && (de = readdir(dir)) != NULL)
        empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    closedir(dir);
    if (!empty) {
        /* old files would mix with the new city and break the counts */
        snprintf(g->err, sizeof g->err, "%s is not empty; give a new or empty --out directory",
                 em->spool);
        return EXIT_USAGE;
    }
    em->district_made = calloc(g->ndistricts, sizeof *em->district_made);
    if (em->district_made == NULL) {
        snprintf(g->err, sizeof g->err, "out of memory");
        return EXIT_IO;
    }
    if (is_gz(em->format)) {
        memset(&em->z, 0, sizeof em->z);
        /* windowBits 15 + 16: a gzip wrapper with mtime 0, so the bytes never vary */
        if (deflateInit2(&em->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
            snprintf(g->err, sizeof g->err, "cannot start gzip compression");
            return EXIT_IO;
        }
        em->z_ready = true;
        em->zout = malloc(1 << 16);
        if (em->zout == NULL) {
            snprintf(g->err, sizeof g->err, "out of memory");
            return EXIT_IO;
        }
    }
    return 0;
}

/* Feeds data (or the end of the stream) to the shard's deflater. Returns 0 or -1. */
static int shard_deflate(struct gen *g, const char *data, size_t len, int flush)
{
    struct emitter *em = &g->em;
    em->z.next_in = (unsigned char *)(uintptr_t)data;
    em->z.avail_in = (uInt)len;
    int zrc;
    do {
        em->z.next_out = em->zout;
        em->z.avail_out = 1 << 16;
        zrc = deflate(&em->z, flush);
        if (zrc == Z_STREAM_ERROR) {
            snprintf(g->err, sizeof g->err, "gzip compression failed for %s", em->shard_path);
            return -1;
        }
        size_t have = (1 << 16) - em->z.avail_out;
        if (have > 0 && fwrite(em->zout, 1, have, em->shard) != have) {
            snprintf(g->err, sizeof g->err, "cannot write %s: %s", em->shard_path, strerror(errno));
            return -1;
        }
        em->bytes += have;
    } while (em->z.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
    return 0;
}

static int shard_close(struct gen *g)
{
    struct emitter *em = &g->em;
    if (em->shard == NULL)
        return 0;
    int rc = 0;
    if (is_gz(em->format)) {
        rc = shard_deflate(g, "", 0, Z_FINISH);
        deflateReset(&em->z);
    }
    if (fclose(em->shard) != 0 && rc == 0) {
        snprintf(g->err, sizeof g->err, "cannot write %s: %s", em->shard_path, strerror(errno));
        rc = -1;
    }
    em->shard = NULL;
    return rc;
}

/* Writes one submission (in g->doc) under the name base + suffix. Returns 0 or -1. */
static int emit(struct gen *g, uint32_t s, const char *period, const char *suffix)
{
    struct emitter *em = &g->em;
    em->written++;
    if (em->format == FMT_JSONL || em->format == FMT_JSONL_GZ) {
        if (em->shard == NULL) {
            em->shard_no++;
            int n = snprintf(em->shard_path, sizeof em->shard_path, "%s/part-%05ld.%s", em->spool,
                             em->shard_no, em->format == FMT_JSONL ? "jsonl" : "jsonl.gz");
            if (n < 0 || (size_t)n >= sizeof em->shard_path) {
                snprintf(g->err, sizeof g->err, "output path too long: %s", em->spool);
                return -1;
            }
            em->shard = fopen(em->shard_path, "wb");
            if (em->shard == NULL) {
                snprintf(g->err, sizeof g->err, "cannot create %s: %s", em->shard_path,
                         strerror(errno));
                return -1;
            }
            setvbuf(em->shard, NULL, _IOFBF, 1 << 20);
            em->in_shard = 0;
        }
        if (em->format == FMT_JSONL) {
            if (fwrite(g->doc.data, 1, g->doc.len, em->shard) != g->doc.len) {
                snprintf(g->err, sizeof g->err, "cannot write %s: %s", em->shard_path,
                         strerror(errno));
                return -1;
            }
            em->bytes += g->doc.len;
        } else if (shard_deflate(g, g->doc.data, g->doc.len, Z_NO_FLUSH) != 0) {
            return -1;
        }
        if (++em->in_shard == em->per_file)
            return shard_close(g);
        return 0;
    }

    /* one file per submission, in a directory per district */
    const struct school *sc = &g->schools[s];
    const char *dcode = g->districts[sc->district].code;
    sb_reset(&g->path);
    sb_puts(&g->path, em->spool);
    sb_putc(&g->path, '/');
    sb_puts(&g->path, dcode);
    if (!em->district_made[sc->district]) {
        if (!g->path.failed && mkdir(g->path.data, 0755) != 0 && errno != EEXIST) {
            snprintf(g->err, sizeof g->err, "cannot create %s: %s", g->path.data, strerror(errno));
            return -1;
        }
        em->district_made[sc->district] = true;
    }
    sb_putc(&g->path, '/');
    sb_school_code(&g->path, g, s);
    sb_putc(&g->path, '_');
    sb_puts(&g->path, period);
    sb_puts(&g->path, suffix);
    const char *data = g->doc.data;
    size_t len = g->doc.len;
    if (em->format == FMT_JSON_GZ) {
        sb_puts(&g->path, ".json.gz");
        sb_reset(&em->gz);
        if (!sb_reserve(&em->gz, deflateBound(&em->z, (uLong)len) + 64)) {
            snprintf(g->err, sizeof g->err, "out of memory");
            return -1;
        }
        em->z.next_in = (unsigned char *)(uintptr_t)data;
        em->z.avail_in = (uInt)len;
        em->z.next_out = (unsigned char *)em->gz.data;
        em->z.avail_out = (uInt)(em->gz.cap - 1);
        if (deflate(&em->z, Z_FINISH) != Z_STREAM_END) {
            snprintf(g->err, sizeof g->err, "gzip compression failed");
            return -1;
        }
        em->gz.len = em->gz.cap - 1 - em->z.avail_out;
        deflateReset(&em->z);
        data = em->gz.data;
        len = em->gz.len;
    } else {
        sb_puts(&g->path, ".json");
    }
    if (g->path.failed) {
        snprintf(g->err, sizeof g->err, "out of memory");
        return -1;
    }
    return write_file(g, g->path.data, data, len);
}

static int write_registry(struct gen *g)
{
    struct sbuf csv = {0};
    char path[PATH_MAX];
    if (path_join(path, sizeof path, g->opt.out, "schools.csv") != 0) {
        snprintf(g->err, sizeof g->err, "output path too long: %s", g->opt.out);
        return EXIT_USAGE;
    }
    sb_puts(&csv, registry_header);
    sb_putc(&csv, '\n');
    for (uint32_t s = 0; s < g->nschools; s++) {
        const struct school *sc = &g->schools[s];
        const struct district *di = &g->districts[sc->district];
        sb_school_code(&csv, g, s);
        sb_putc(&csv, ',');
        sb_registry_name(&csv, g, s);
        sb_putc(&csv, ',');
        sb_puts(&csv, di->code);
        sb_putc(&csv, ',');
        sb_puts(&csv, di->name);
        sb_putc(&csv, ',');
        sb_puts(&csv, type_info[sc->type].id);
        sb_puts(&csv, sc->active ? ",true\n" : ",false\n");
    }
    int rc = 0;
    if (csv.failed) {
        snprintf(g->err, sizeof g->err, "out of memory");
        rc = EXIT_IO;
    } else if (write_file(g, path, csv.data, csv.len) != 0) {
        rc = EXIT_IO;
    }
    sb_free(&csv);
    return rc;
}

/* Writes every submission: first what schools send by the deadline, then the copies and
 * corrections that arrive later. Returns 0 or EXIT_IO with g->err set. */
static int write_spool(struct gen *g)
{
    bool compact = g->opt.format == FMT_JSONL || g->opt.format == FMT_JSONL_GZ;
    uint32_t nt = (uint32_t)g->nterms;
    struct submission sub;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t s = 0; s < g->nschools; s++) {
            for (uint32_t t = 0; t < nt; t++) {
                uint16_t plan = g->plan[(uint64_t)s * nt + t];
                if (!(plan & PLAN_SUBMIT))
                    continue;
                const char *period = g->terms[t].canon;
                if (pass == 0) {
                    make_submission(g, s, (int)t, plan, &sub);
                    write_submission(g, &sub, compact);
                    const char *suffix = "";
                    char tag[48];
                    if (sub.bad != BK_NONE) {
                        snprintf(tag, sizeof tag, "_%s", bad_kind_tag[sub.bad]);
                        suffix = tag;
                    }
                    if (g->doc.failed || emit(g, s, period, suffix) != 0)
                        return EXIT_IO;
                } else if (plan & (PLAN_DUP | PLAN_RESUB)) {
                    make_submission(g, s, (int)t, plan, &sub);
                    if (plan & PLAN_RESUB)
                        amend_submission(g, &sub);
                    write_submission(g, &sub, compact);
                    if (g->doc.failed ||
                        emit(g, s, period, (plan & PLAN_RESUB) ? "_resub" : "_copy") != 0)
                        return EXIT_IO;
                }
            }
        }
    }
    if (shard_close(g) != 0)
        return EXIT_IO;
    return 0;
}

static void gen_free(struct gen *g)
{
    for (uint32_t f = 0; f < g->nfixed; f++) {
        free(g->fixed[f].name);
        free(g->fixed[f].district_name);
    }
    free(g->fixed);
    free(g->districts);
    free(g->schools);
    free(g->plan);
    free(g->em.district_made);
    free(g->em.zout);
    if (g->em.z_ready)
        deflateEnd(&g->em.z);
    if (g->em.shard != NULL)
        fclose(g->em.shard);
    sb_free(&g->em.gz);
    sb_free(&g->doc);
    sb_free(&g->name);
    sb_free(&g->path);
}

int main(int argc, char **argv)
{
    static struct gen g;
    int rc = parse_options(&g, argc, argv);
    if (rc == 1)
        return 0;
    if (rc != 0) {
        fprintf(stderr, "xinyu-gen: %s\n", g.err);
        fprintf(stderr, "Try \"xinyu-gen --help\" for the options.\n");
        return EXIT_USAGE;
    }
    rc = 0;
    if (g.opt.fixed_path != NULL)
        rc = read_fixed(&g);
    if (rc == 0)
        rc = make_districts(&g);
    if (rc == 0)
        rc = make_schools(&g);
    if (rc == 0)
        rc = make_plan(&g);
    if (rc == 0)
        rc = emitter_open(&g);
    if (rc == 0)
        rc = write_registry(&g);
    if (rc == 0)
        rc = write_spool(&g);
    if (rc != 0) {
        fprintf(stderr, "xinyu-gen: %s\n", g.err[0] != '\0' ? g.err : "out of memory");
        gen_free(&g);
        return rc;
    }
    fprintf(stderr,
            "xinyu-gen: %u schools in %u districts (%llu inactive, %llu never reporting), "
            "%llu submissions written (%llu duplicates, %llu resubmissions, %llu invalid, %llu "
            "late), %llu bytes\n",
            g.nschools, g.ndistricts, (unsigned long long)g.n_inactive,
            (unsigned long long)g.n_missing, (unsigned long long)g.em.written,
            (unsigned long long)g.n_dup, (unsigned long long)g.n_resub,
            (unsigned long long)g.n_invalid, (unsigned long long)g.n_late,
            (unsigned long long)g.em.bytes);
    gen_free(&g);
    return 0;
}
