/* xform_labels.c - the Chinese labels of a submission's fields (SUBMISSION.md sections 1-2). */
#include <stdbool.h>
#include <string.h>

#include "transform/xform_labels.h"

/* The twelve grades of a per-grade map: "enrollment.by_grade.1" -> "1 年级在校学生数". */
#define GRADE(map, n, zh)                                                                          \
    {                                                                                              \
        map "." #n, #n " " zh                                                                      \
    }
#define GRADES(map, zh)                                                                            \
    GRADE(map, 1, zh), GRADE(map, 2, zh), GRADE(map, 3, zh), GRADE(map, 4, zh), GRADE(map, 5, zh), \
        GRADE(map, 6, zh), GRADE(map, 7, zh), GRADE(map, 8, zh), GRADE(map, 9, zh),                \
        GRADE(map, 10, zh), GRADE(map, 11, zh), GRADE(map, 12, zh)

/*
 * Section 2's wording, without its notes on limits ("(≤ psych_fulltime)"), which the cross-field
 * messages say themselves. Where the spec's text leans on the row above it ("其中持B证人数",
 * "三个清单人数") the label names what it counts, so that it reads alone in a letter or a cell.
 * The section names are not in the spec; they are the headings of the bureau's forms.
 */
const struct xf_label xf_labels[] = {
    {"schema", "填报格式版本"},
    {"school_code", "学校代码"},
    {"school_name", "学校名称"},
    {"district_code", "区县代码"},
    {"period", "学期"},
    {"period.academic_year", "学年"},
    {"period.term", "学期序号"},
    {"submitted_at", "填报时间"},
    {"enrollment", "在校学生数"},
    {"enrollment.by_grade", "各年级在校学生数"},
    {"enrollment.total", "在校学生总数"},
    GRADES("enrollment.by_grade", "年级在校学生数"),
    {"classes", "班级数"},
    {"classes.by_grade", "各年级班级数"},
    {"classes.total", "班级总数"},
    GRADES("classes.by_grade", "年级班级数"),
    {"staff", "心理健康教育师资"},
    {"staff.psych_fulltime", "专职心理健康教师人数"},
    {"staff.psych_parttime", "兼职心理健康教师人数"},
    {"staff.psych_fulltime_degree", "专职教师中具备心理学或相关专业本科及以上学历人数"},
    {"staff.psych_cert_a", "专兼职心理教师中持A证人数"},
    {"staff.parttime_3yr_head", "兼职教师中担任班主任满3年人数"},
    {"staff.head_teachers", "班主任及德育管理者人数"},
    {"staff.head_teachers_cert_b", "班主任及德育管理者中持B证人数"},
    {"staff.subject_teachers", "专任(学科)教师人数"},
    {"staff.subject_teachers_cert_c", "专任(学科)教师中持C证人数"},
    {"funding", "经费保障"},
    {"funding.psych_yuan", "本学期心理健康专项经费支出"},
    {"curriculum", "课程与活动"},
    {"curriculum.lessons_by_grade", "各年级本学期实际开设心理健康课总课时"},
    GRADES("curriculum.lessons_by_grade", "年级心理健康课课时"),
    {"curriculum.theme_meetings", "心理健康主题班会次数"},
    {"curriculum.special_activities", "心理健康/生命教育专题活动次数"},
    {"counseling", "心理辅导"},
    {"counseling.room", "是否建有心理辅导室"},
    {"counseling.open_hours_per_week", "每周开放时长"},
    {"counseling.individual_sessions", "个体咨询人次"},
    {"counseling.group_sessions", "团体辅导场次"},
    {"counseling.group_participants", "团体辅导参与人次"},
    {"screening", "心理普测"},
    {"screening.students_screened", "四年级及以上参加心理普测人数"},
    {"screening.students_flagged", "普测中发现需关注人数"},
    {"screening.archives", "已建立“一生一策”档案人数"},
    {"care", "关爱帮扶"},
    {"care.ledger", "是否建立关爱台账"},
    {"care.left_behind", "留守儿童清单人数"},
    {"care.single_parent", "单亲家庭子女清单人数"},
    {"care.special_needs", "特殊需要学生清单人数"},
    {"home_school", "家校共育"},
    {"home_school.parent_trainings", "家长培训/家校大讲堂场次"},
    {"home_school.psych_parent_trainings", "家长培训中心理健康专题场次"},
    {"home_school.parent_attendees", "参与家长人次"},
    {"home_school.home_visit_rate", "家访覆盖率"},
    {"training", "教师培训"},
    {"training.all_staff_sessions", "全体教师心理健康培训次数"},
    {"training.hours_psych_and_head", "专兼职心理教师和班主任人均培训课时"},
    {"crisis", "危机干预"},
    {"crisis.incidents", "心理危机事件数"},
    {"crisis.referrals", "转介至专业机构人数"},
    {"crisis.major_incident_school_fault", "是否发生因学校原因导致的重大恶性事件"},
    {"governance", "组织管理"},
    {"governance.research_group", "是否成立心理健康教育教研组"},
    {"governance.three_year_plan", "是否有三年以上心理健康发展规划"},
    {"governance.annual_meeting_minutes", "本学年是否召开专题工作会议并有纪要"},
    {"research", "科研成果"},
    {"research.city_awards", "地市级以上获奖成果数"},
    {"research.papers", "公开发表论文数"},
    {"research.books", "公开出版书籍数"},
    {"research.years_of_practice", "开展心理健康工作年数"},
};

const size_t xf_nlabels = sizeof xf_labels / sizeof xf_labels[0];

const char *xf_label_zh(const char *path)
{
    if (path == NULL)
        return NULL;
    for (size_t i = 0; i < xf_nlabels; i++) {
        if (strcmp(xf_labels[i].path, path) == 0)
            return xf_labels[i].zh;
    }
    return NULL;
}

/* Appends s to out (used bytes *n, capacity cap), cut before an incomplete character.
 * Returns false when s was cut: nothing more is to be appended then. */
static bool append(char *out, size_t cap, size_t *n, const char *s)
{
    size_t len = strlen(s);
    bool whole = *n + len < cap;
    if (!whole) {
        len = cap - 1 - *n;
        /* back off to the lead byte of a UTF-8 sequence that would be cut */
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(out + *n, s, len);
    *n += len;
    out[*n] = '\0';
    return whole;
}

size_t xf_label_subject(char *out, size_t cap, const char *path, const char *noun)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (path == NULL || path[0] == '\0')
        return 0;
    const char *label = xf_label_zh(path);
    size_t n = 0;
    if (append(out, cap, &n,
               label != NULL  ? label
               : noun != NULL ? noun
                              : "字段") &&
        append(out, cap, &n, "(") && append(out, cap, &n, path))
        append(out, cap, &n, ")");
    return n;
}
