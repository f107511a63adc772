/* xform_fields.c - the section fields of a submission, their types and roll-ups. */
#include <pthread.h>
#include <string.h>

#include "transform/xform.h"
#include "transform/xform_fields.h"

/* Column order here is the column order of xinyu.submission (sql/schema/001_schema.sql,
 * 010_merge_speed.sql). */
const struct xf_field xf_fields[XF_NFIELDS] = {
    {"staff", "psych_fulltime", "staff_psych_fulltime", XF_COUNT, XF_LATEST},
    {"staff", "psych_parttime", "staff_psych_parttime", XF_COUNT, XF_LATEST},
    {"staff", "psych_fulltime_degree", "staff_psych_fulltime_degree", XF_COUNT, XF_LATEST},
    {"staff", "psych_cert_a", "staff_psych_cert_a", XF_COUNT, XF_LATEST},
    {"staff", "parttime_3yr_head", "staff_parttime_3yr_head", XF_COUNT, XF_LATEST},
    {"staff", "head_teachers", "staff_head_teachers", XF_COUNT, XF_LATEST},
    {"staff", "head_teachers_cert_b", "staff_head_teachers_cert_b", XF_COUNT, XF_LATEST},
    {"staff", "subject_teachers", "staff_subject_teachers", XF_COUNT, XF_LATEST},
    {"staff", "subject_teachers_cert_c", "staff_subject_teachers_cert_c", XF_COUNT, XF_LATEST},
    {"funding", "psych_yuan", "funding_psych_yuan", XF_MONEY, XF_SUM},
    {"curriculum", "theme_meetings", "curriculum_theme_meetings", XF_COUNT, XF_SUM},
    {"curriculum", "special_activities", "curriculum_special_activities", XF_COUNT, XF_SUM},
    {"counseling", "room", "counseling_room", XF_BOOL, XF_LATEST},
    {"counseling", "open_hours_per_week", "counseling_open_hours_per_week", XF_HOURS, XF_LATEST},
    {"counseling", "individual_sessions", "counseling_individual_sessions", XF_COUNT, XF_SUM},
    {"counseling", "group_sessions", "counseling_group_sessions", XF_COUNT, XF_SUM},
    {"counseling", "group_participants", "counseling_group_participants", XF_COUNT, XF_SUM},
    {"screening", "students_screened", "screening_students_screened", XF_COUNT, XF_MAX},
    {"screening", "students_flagged", "screening_students_flagged", XF_COUNT, XF_MAX},
    {"screening", "archives", "screening_archives", XF_COUNT, XF_MAX},
    {"care", "ledger", "care_ledger", XF_BOOL, XF_LATEST},
    {"care", "left_behind", "care_left_behind", XF_COUNT, XF_LATEST},
    {"care", "single_parent", "care_single_parent", XF_COUNT, XF_LATEST},
    {"care", "special_needs", "care_special_needs", XF_COUNT, XF_LATEST},
    {"home_school", "parent_trainings", "home_school_parent_trainings", XF_COUNT, XF_SUM},
    {"home_school", "psych_parent_trainings", "home_school_psych_parent_trainings", XF_COUNT,
     XF_SUM},
    {"home_school", "parent_attendees", "home_school_parent_attendees", XF_COUNT, XF_SUM},
    {"home_school", "home_visit_rate", "home_school_home_visit_rate", XF_RATE, XF_LATEST},
    {"training", "all_staff_sessions", "training_all_staff_sessions", XF_COUNT, XF_SUM},
    {"training", "hours_psych_and_head", "training_hours_psych_and_head", XF_REAL, XF_SUM},
    {"crisis", "incidents", "crisis_incidents", XF_COUNT, XF_SUM},
    {"crisis", "referrals", "crisis_referrals", XF_COUNT, XF_SUM},
    {"crisis", "major_incident_school_fault", "crisis_major_incident_school_fault", XF_BOOL,
     XF_ANY},
    {"governance", "research_group", "governance_research_group", XF_BOOL, XF_LATEST},
    {"governance", "three_year_plan", "governance_three_year_plan", XF_BOOL, XF_LATEST},
    {"governance", "annual_meeting_minutes", "governance_annual_meeting_minutes", XF_BOOL, XF_ANY},
    {"research", "city_awards", "research_city_awards", XF_COUNT, XF_LATEST},
    {"research", "papers", "research_papers", XF_COUNT, XF_LATEST},
    {"research", "books", "research_books", XF_COUNT, XF_LATEST},
    {"research", "years_of_practice", "research_years_of_practice", XF_COUNT, XF_LATEST},
};

const int xf_nfields = XF_NFIELDS;

/* The sections and the names' lengths, made from xf_fields once so that they cannot disagree
 * with it; a lookup compares lengths before bytes. */
static struct xf_section sections[XF_NFIELDS];
static int nsections;
static size_t name_len[XF_NFIELDS];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void index_fields(void)
{
    for (int i = 0; i < XF_NFIELDS; i++) {
        name_len[i] = strlen(xf_fields[i].name);
        if (nsections > 0 && strcmp(sections[nsections - 1].name, xf_fields[i].section) == 0) {
            sections[nsections - 1].end = i + 1;
            continue;
        }
        sections[nsections].name = xf_fields[i].section;
        sections[nsections].len = strlen(xf_fields[i].section);
        sections[nsections].first = i;
        sections[nsections].end = i + 1;
        nsections++;
    }
}

int xf_section_count(void)
{
    pthread_once(&index_once, index_fields);
    return nsections;
}

const struct xf_section *xf_section_at(int s)
{
    pthread_once(&index_once, index_fields);
    return &sections[s];
}

int xf_section_find(const char *name, size_t len)
{
    pthread_once(&index_once, index_fields);
    for (int s = 0; s < nsections; s++) {
        if (sections[s].len == len && memcmp(sections[s].name, name, len) == 0)
            return s;
    }
    return -1;
}

int xf_section_field(int s, const char *key, size_t len)
{
    pthread_once(&index_once, index_fields);
    for (int i = sections[s].first; i < sections[s].end; i++) {
        if (name_len[i] == len && memcmp(xf_fields[i].name, key, len) == 0)
            return i;
    }
    return -1;
}

int xf_section_field_after(int s, const char *key, int previous)
{
    pthread_once(&index_once, index_fields);
    int hint = previous < 0 ? sections[s].first : previous + 1;
    if (hint >= sections[s].first && hint < sections[s].end &&
        strcmp(xf_fields[hint].name, key) == 0)
        return hint;
    return xf_section_field(s, key, strlen(key));
}

int xf_field_find(const char *section, const char *name)
{
    int s = xf_section_find(section, strlen(section));
    return s < 0 ? -1 : xf_section_field(s, name, strlen(name));
}
