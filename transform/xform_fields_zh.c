/* xform_fields_zh.c - the template's inputs: each field's label (from the one table of
 * labels, xform_labels.c) and unit, for the template writer and the reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transform/xform_labels.h"
#include "transform/xform_workbook.h"

/* In the order of xf_fields (xform_fields.c): the unit a cell is counted in. */
const struct xf_field_zh xf_fields_zh[XF_NFIELDS] = {
    {"人"}, {"人"}, {"人"}, {"人"},   {"人"},   {"人"}, {"人"},   {"人"}, {"人"}, {"元"},
    {"次"}, {"次"}, {""},   {"小时"}, {"人次"}, {"场"}, {"人次"}, {"人"}, {"人"}, {"人"},
    {""},   {"人"}, {"人"}, {"人"},   {"场"},   {"场"}, {"人次"}, {""},   {"次"}, {"课时"},
    {"件"}, {"人"}, {""},   {""},     {""},     {""},   {"项"},   {"篇"}, {"本"}, {"年"},
};

static const struct {
    const char *section;
    const char *zh;
} sections_zh[] = {
    {"staff", "师资队伍"},        {"funding", "经费保障"},   {"curriculum", "课程与活动"},
    {"counseling", "心理辅导"},   {"screening", "心理普测"}, {"care", "关爱帮扶"},
    {"home_school", "家校协同"},  {"training", "教师培训"},  {"crisis", "危机干预"},
    {"governance", "组织与制度"}, {"research", "科研成果"},
};

const char *xf_section_zh(const char *section)
{
    for (size_t i = 0; i < sizeof sections_zh / sizeof sections_zh[0]; i++)
        if (strcmp(sections_zh[i].section, section) == 0)
            return sections_zh[i].zh;
    return section;
}

const char *xf_grade_zh(int grade)
{
    static const char *const names[XF_GRADES] = {"一年级", "二年级", "三年级", "四年级",
                                                 "五年级", "六年级", "七年级", "八年级",
                                                 "九年级", "高一",   "高二",   "高三"};
    return grade >= 1 && grade <= XF_GRADES ? names[grade - 1] : "";
}

int xf_school_type_grades(const char *school_type, int *lo, int *hi)
{
    static const struct {
        const char *type;
        int lo, hi;
    } types[] = {
        {"primary", 1, 6},
        {"junior", 7, 9},
        {"senior", 10, 12},
        {"nine_year", 1, 9},
        {"complete_secondary", 7, 12},
        {"twelve_year", 1, 12},
        /* special schools teach the compulsory grades (the demo's and the generator's too) */
        {"special", 1, 9},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (school_type != NULL && strcmp(types[i].type, school_type) == 0) {
            *lo = types[i].lo;
            *hi = types[i].hi;
            return 0;
        }
    }
    *lo = 1;
    *hi = XF_GRADES;
    return -1;
}

static const char *const group_key[3] = {"enrollment.by_grade", "classes.by_grade",
                                         "curriculum.lessons_by_grade"};
static const char *const group_zh[3] = {"在校学生数", "班级数", "心理健康课总课时"};

void xf_wb_input_key(int input, char *out, size_t cap)
{
    if (input >= 0 && input < XF_NFIELDS)
        snprintf(out, cap, "%s.%s", xf_fields[input].section, xf_fields[input].name);
    else if (input >= XF_NFIELDS && input < XF_WB_SUBMITTED_AT)
        snprintf(out, cap, "%s.%d", group_key[(input - XF_NFIELDS) / XF_GRADES],
                 (input - XF_NFIELDS) % XF_GRADES + 1);
    else if (input == XF_WB_SUBMITTED_AT)
        snprintf(out, cap, "submitted_at");
    else if (cap > 0)
        out[0] = '\0';
}

int xf_wb_input_find(const char *key)
{
    char k[64];
    for (int i = 0; i < XF_WB_INPUTS; i++) {
        xf_wb_input_key(i, k, sizeof k);
        if (strcmp(k, key) == 0)
            return i;
    }
    return -1;
}

const char *xf_field_label(int field)
{
    char path[64];
    snprintf(path, sizeof path, "%s.%s", xf_fields[field].section, xf_fields[field].name);
    const char *label = xf_label_zh(path);
    return label != NULL ? label : xf_fields[field].name;
}

void xf_wb_input_label(int input, char *out, size_t cap)
{
    if (input >= 0 && input < XF_NFIELDS)
        snprintf(out, cap, "%s", xf_field_label(input));
    else if (input >= XF_NFIELDS && input < XF_WB_SUBMITTED_AT)
        snprintf(out, cap, "%s%s", xf_grade_zh((input - XF_NFIELDS) % XF_GRADES + 1),
                 group_zh[(input - XF_NFIELDS) / XF_GRADES]);
    else if (input == XF_WB_SUBMITTED_AT)
        snprintf(out, cap, "填报时间");
    else if (cap > 0)
        out[0] = '\0';
}

enum xf_kind xf_wb_input_kind(int input)
{
    if (input >= 0 && input < XF_NFIELDS)
        return xf_fields[input].kind;
    return input == XF_WB_SUBMITTED_AT ? XF_REAL : XF_COUNT;
}

const char *xf_wb_input_hint(int input)
{
    if (input == XF_WB_SUBMITTED_AT)
        return "填写本表完成的日期和时间，如 2025-01-15 10:30；留空则按文件保存时间";
    switch (xf_wb_input_kind(input)) {
    case XF_MONEY:
        return "单位：元。填写不小于 0 的金额，最多两位小数；未开支填 0，不掌握请留空";
    case XF_HOURS:
        return "每周开放小时数，0 到 168 之间，可有小数；不掌握请留空";
    case XF_RATE:
        return "填写 0 到 1 之间的小数，如 0.75 表示 75%；不掌握请留空";
    case XF_REAL:
        return "填写不小于 0 的数，可有小数；不掌握请留空";
    case XF_BOOL:
        return "请从下拉列表中选择“是”或“否”";
    default:
        return "填写不小于 0 的整数；没有填 0，不掌握请留空（留空表示未填报）";
    }
}

void xf_wb_values_clear(struct xf_wb_value *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(values[i].text);
        memset(&values[i], 0, sizeof values[i]);
    }
}
