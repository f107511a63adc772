/* report_catalog.c - the 22 district indicators of INDICATORS.md, their names and units. */
#include <string.h>

#include "report/report.h"

/*
 * Order and ids are those of the INDICATORS.md table: the ids are the JSON contract's names
 * and the order is the order of every report, so neither changes without the spec.
 * F = staff.psych_fulltime, P = staff.psych_parttime, E = enrollment, E4 = grades 4-12.
 */
const struct report_indicator report_indicators[REPORT_NINDICATORS] = {
    {"reporting_rate", "上报率", "Reporting rate",
     "已上报（年度：每个学期均已上报）的学校数 / 在册学校数。",
     "Schools with a loaded submission (for a year: for every term) / active schools.",
     REPORT_RATIO},
    {"on_time_rate", "按时上报率", "On-time reporting rate",
     "在截止日当天结束前（UTC+8）提交已采用版本的学校数 / 在册学校数。",
     "Schools whose accepted submission was made by the end of the deadline day (UTC+8) / "
     "active schools.",
     REPORT_RATIO},
    {"psych_teacher_presence", "配备专兼职心理教师学校占比", "Schools with a psychology teacher",
     "专兼职心理教师合计（F+P）不少于1人的学校数 / 参与统计的学校数。",
     "Schools with at least one full- or part-time psychology teacher (F+P >= 1) / schools.",
     REPORT_RATIO},
    {"large_school_fulltime", "500人以上学校专职配备率",
     "Full-time psychology teachers in schools over 500 students",
     "在校生超过500人且专职心理教师不少于1人的学校数 / 在校生超过500人的学校数。",
     "Schools with more than 500 students and F >= 1 / schools with more than 500 students.",
     REPORT_RATIO},
    {"students_per_fulltime", "专职心理教师生师比", "Students per full-time psychology teacher",
     "在校生总数（ΣE）/ 专职心理教师总数（ΣF），越低越好。",
     "Total enrollment (ΣE) / full-time psychology teachers (ΣF); lower is better.",
     REPORT_PER_TEACHER},
    {"fulltime_degree_rate", "专职教师学历达标率", "Degree rate of full-time psychology teachers",
     "学历达标的专职心理教师数 / 专职心理教师总数（ΣF）。",
     "Full-time psychology teachers with the required degree / full-time psychology teachers "
     "(ΣF).",
     REPORT_RATIO},
    {"cert_a_coverage", "专兼职心理教师A证持证率", "A-certificate coverage of psychology teachers",
     "持A证的专兼职心理教师数 / 专兼职心理教师总数（Σ(F+P)）。",
     "Psychology teachers holding the A certificate / full- and part-time psychology teachers "
     "(Σ(F+P)).",
     REPORT_RATIO},
    {"cert_b_coverage", "班主任B证持证率", "B-certificate coverage of head teachers",
     "持B证的班主任数 / 班主任总数。", "Head teachers holding the B certificate / head teachers.",
     REPORT_RATIO},
    {"cert_c_coverage", "专任教师C证持证率", "C-certificate coverage of subject teachers",
     "持C证的专任教师数 / 专任教师总数。",
     "Subject teachers holding the C certificate / subject teachers.", REPORT_RATIO},
    {"funding_per_student", "生均心理健康经费(元/年)",
     "Mental-health funding per student (yuan/year)",
     "心理健康专项经费支出合计（元）/ 在校生总数（ΣE），单学期报表为该学期的生均支出。",
     "Mental-health spending in yuan / total enrollment (ΣE); a term report shows the term's "
     "spending per student.",
     REPORT_MONEY},
    {"funding_compliant_schools", "生均经费达标学校占比",
     "Schools meeting the funding-per-student standard",
     "本校生均心理健康经费达到目标的学校数 / 参与统计的学校数。",
     "Schools whose own funding per student reaches the target / schools.", REPORT_RATIO},
    {"lesson_compliance", "心理课开课达标率", "Psychology lesson compliance",
     "所有在读年级均达到心理课课时要求的学校数 / 参与统计的学校数。",
     "Schools meeting the lesson rule for every grade they enrol / schools.", REPORT_RATIO},
    {"theme_meeting_compliance", "主题班会达标率", "Theme class meeting compliance",
     "主题班会次数不少于班级数×月数的学校数 / 参与统计的学校数。",
     "Schools holding at least classes × months theme class meetings / schools.", REPORT_RATIO},
    {"room_rate", "心理辅导室建设率", "Counseling room rate",
     "建有心理辅导室的学校数 / 参与统计的学校数。", "Schools with a counseling room / schools.",
     REPORT_RATIO},
    {"room_hours_compliance", "辅导室开放时长达标率", "Counseling room opening hours compliance",
     "建有辅导室且每周开放时长达到规定小时数（默认10小时）的学校数 / 参与统计的学校数。",
     "Schools with a counseling room open at least the required hours per week (10 by "
     "default) / schools.",
     REPORT_RATIO},
    {"research_group_compliance", "教研组成立率", "Research group rate",
     "应设教研组（F+P≥3且F≥1）且已设立的学校数 / 应设教研组的学校数。",
     "Schools that must have a research group (F+P >= 3 and F >= 1) and have one / schools that "
     "must have one.",
     REPORT_RATIO},
    {"screening_coverage", "四年级以上心理普测覆盖率", "Screening coverage from grade 4",
     "参加心理普测的学生数 / 四至十二年级在校生数（ΣE4）。",
     "Students screened / enrollment of grades 4 to 12 (ΣE4).", REPORT_RATIO},
    {"archive_rate", "\"一生一策\"建档率", "One-student-one-plan archive rate",
     "已建立\"一生一策\"档案的学生数 / 普测筛查出需关注的学生数。",
     "Students with a one-student-one-plan archive / students flagged by the screening.",
     REPORT_RATIO},
    {"care_ledger_rate", "关爱台账建立率", "Care ledger rate",
     "建立关爱台账的学校数 / 参与统计的学校数。", "Schools keeping a care ledger / schools.",
     REPORT_RATIO},
    {"parent_training_compliance", "家长培训达标率", "Parent training compliance",
     "年度家长培训不少于规定次数（默认7次）且其中心理健康专题不少于规定次数（默认1次）的学校数 / "
     "参与统计的学校数。",
     "Schools with at least the required parent trainings in the year (7 by default), with at "
     "least the required number on mental health (1 by default) / schools.",
     REPORT_RATIO},
    {"teacher_training_compliance", "教师培训达标率", "Teacher training compliance",
     "每学期至少1次全员培训且年度心理教师与班主任培训达到规定学时（默认10学时）的学校数 / "
     "参与统计的学校数。",
     "Schools with at least one all-staff session every term and at least 10 training hours for "
     "psychology and head teachers in the year (10 by default) / schools.",
     REPORT_RATIO},
    {"crisis_rate_per_10k", "每万名学生心理危机事件数", "Mental-health crises per 10,000 students",
     "心理危机事件数×10000 / 在校生总数（ΣE），仅作监测，不设目标。",
     "Crisis incidents × 10,000 / total enrollment (ΣE); monitored, with no target.",
     REPORT_PER_10K},
};

int report_indicator_find(const char *id)
{
    if (id == NULL)
        return -1;
    for (int i = 0; i < REPORT_NINDICATORS; i++) {
        if (strcmp(report_indicators[i].id, id) == 0)
            return i;
    }
    return -1;
}
