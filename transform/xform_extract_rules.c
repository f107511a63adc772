/* xform_extract_rules.c - the fields a summary states and the words that name them. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "transform/xform_extract_int.h"
#include "transform/xform_extract_rules.h"

const struct xf_extract_field xf_extract_fields[] = {
    {"staff.psych_fulltime", "专职心理健康教师人数", XF_EX_COUNT, true},
    {"staff.psych_parttime", "兼职心理健康教师人数", XF_EX_COUNT, true},
    {"staff.psych_fulltime_degree", "专职教师中具备心理学或相关专业本科及以上学历人数", XF_EX_COUNT,
     true},
    {"staff.psych_cert_a", "专兼职心理教师中持A证人数", XF_EX_COUNT, true},
    {"staff.parttime_3yr_head", "兼职教师中担任班主任满3年人数", XF_EX_COUNT, true},
    {"staff.head_teachers", "班主任及德育管理者人数", XF_EX_COUNT, true},
    {"staff.head_teachers_cert_b", "班主任及德育管理者中持B证人数", XF_EX_COUNT, true},
    {"staff.subject_teachers", "专任(学科)教师人数", XF_EX_COUNT, true},
    {"staff.subject_teachers_cert_c", "专任教师中持C证人数", XF_EX_COUNT, true},
    {"funding.psych_yuan", "本学期心理健康专项经费支出(元)", XF_EX_MONEY, true},
    {"curriculum.theme_meetings", "心理健康主题班会次数", XF_EX_COUNT, true},
    {"curriculum.special_activities", "心理健康/生命教育专题活动次数", XF_EX_COUNT, true},
    {"counseling.room", "是否建有心理辅导室", XF_EX_BOOL, true},
    {"counseling.open_hours_per_week", "心理辅导室每周开放时长(小时)", XF_EX_HOURS, true},
    {"counseling.individual_sessions", "个体咨询人次", XF_EX_COUNT, true},
    {"counseling.group_sessions", "团体辅导场次", XF_EX_COUNT, true},
    {"counseling.group_participants", "团体辅导参与人次", XF_EX_COUNT, true},
    {"screening.students_screened", "参加心理普测人数", XF_EX_COUNT, true},
    {"screening.students_flagged", "普测中发现需关注人数", XF_EX_COUNT, true},
    {"screening.archives", "已建立“一生一策”档案人数", XF_EX_COUNT, true},
    {"care.ledger", "是否建立关爱台账", XF_EX_BOOL, true},
    {"care.left_behind", "留守儿童清单人数", XF_EX_COUNT, true},
    {"care.single_parent", "单亲家庭子女清单人数", XF_EX_COUNT, true},
    {"care.special_needs", "特殊需要学生清单人数", XF_EX_COUNT, true},
    {"home_school.parent_trainings", "家长培训/家校大讲堂场次", XF_EX_COUNT, true},
    {"home_school.psych_parent_trainings", "其中心理健康专题场次", XF_EX_COUNT, true},
    {"home_school.parent_attendees", "参与家长人次", XF_EX_COUNT, true},
    {"home_school.home_visit_rate", "家访覆盖率", XF_EX_RATE, true},
    {"training.all_staff_sessions", "全体教师心理健康培训次数", XF_EX_COUNT, true},
    {"training.hours_psych_and_head", "专兼职心理教师和班主任人均培训课时", XF_EX_REAL, true},
    {"crisis.incidents", "心理危机事件数", XF_EX_COUNT, true},
    {"crisis.referrals", "转介至专业机构人数", XF_EX_COUNT, true},
    {"crisis.major_incident_school_fault", "是否发生因学校原因导致的重大恶性事件", XF_EX_BOOL,
     true},
    {"governance.research_group", "是否成立心理健康教育教研组", XF_EX_BOOL, true},
    {"governance.three_year_plan", "是否有三年以上心理健康发展规划", XF_EX_BOOL, true},
    {"governance.annual_meeting_minutes", "是否召开专题工作会议并有纪要", XF_EX_BOOL, true},
    {"research.city_awards", "地市级以上获奖成果数", XF_EX_COUNT, true},
    {"research.papers", "公开发表论文数", XF_EX_COUNT, true},
    {"research.books", "公开出版书籍数", XF_EX_COUNT, true},
    {"research.years_of_practice", "开展心理健康工作年数", XF_EX_COUNT, true},
    {"curriculum.lessons_per_class_week", "每班每周心理健康课节数", XF_EX_LESSONS, false},
};
const int xf_extract_nfields = (int)(sizeof xf_extract_fields / sizeof xf_extract_fields[0]);

int xf_extract_field_find(const char *path)
{
    for (int i = 0; i < xf_extract_nfields; i++) {
        if (strcmp(xf_extract_fields[i].path, path) == 0)
            return i;
    }
    return -1;
}

/* Persons, sessions: the units a count of each may carry. */
#define PERSONS "名|人|位"
#define EVENTS "场|次|场次|期|讲"

/* Words that name a teacher of psychology, between 心理 and the noun. */
#define PSY_NOUN "(?:教师|老师|辅导员|辅导师|咨询师|工作者|人员)"
/* What stands between a staff count's words and its number when it is not that count. */
#define STAFF_BETWEEN "中(?!心)|其中|持|取得|具有|具备|获得|学历|证|学生|家长|培训|担任|兼任|由"

/*
 * The rules, most specific first (on a tie of distance the earlier rule wins). A rule's
 * subject is searched in the clause on both sides of the number; the number's unit must be
 * one of units (a unit of ambiguous makes it an ambiguous figure).
 */
const struct xf_rule xf_rules[] = {
    /* staff: certificates and degrees before the plain counts they are part of */
    {"staff.psych_cert_a", PERSONS, NULL, "A(?:级|类)?(?:证|证书|资格证)", NULL, NULL, NULL,
     XF_R_QUALIFIER, 8},
    {"staff.head_teachers_cert_b", PERSONS, NULL, "B(?:级|类)?(?:证|证书|资格证)", NULL, NULL, NULL,
     XF_R_QUALIFIER, 8},
    {"staff.subject_teachers_cert_c", PERSONS, NULL, "C(?:级|类)?(?:证|证书|资格证)", NULL, NULL,
     NULL, XF_R_QUALIFIER, 8},
    {"staff.psych_fulltime_degree", PERSONS, NULL,
     "(?:心理学|心理|相关)(?:专业)?[^,]{0,10}?本科(?:及以上|以上)(?:学历|学位)?"
     "|本科(?:及以上|以上)?学历",
     "专职", NULL, NULL, XF_R_QUALIFIER, 10},
    {"staff.parttime_3yr_head", PERSONS, NULL,
     "(?:担任|兼任)?班主任(?:工作)?(?:满|超过|已满|达)?(?:3|三)年(?:以上|及以上)?", "兼职", NULL,
     NULL, XF_R_QUALIFIER, 10},
    {"staff.psych_fulltime", PERSONS, NULL,
     "(?<![兼专])专职(?:的)?(?:心理|心育)[^,、和与及]{0,8}?" PSY_NOUN
     "|心理(?:健康)?(?:教育)?专职" PSY_NOUN,
     NULL, NULL, STAFF_BETWEEN, 0, 6},
    {"staff.psych_fulltime", PERSONS, NULL,
     "(?<![兼专])专职(?:的)?(?:教师|老师)|\\((?:专职|全职)\\)", "心理", NULL, STAFF_BETWEEN, 0, 6},
    {"staff.psych_parttime", PERSONS, NULL,
     "(?<!专)(?<!专、)(?<!专和)兼职(?:的)?(?:心理|心育)?[^,、和与及]{0,8}?" PSY_NOUN
     "|心理(?:健康)?(?:教育)?兼职" PSY_NOUN "|兼任(?:的)?心理(?:健康)?(?:教育)?" PSY_NOUN
     "|\\(兼职\\)",
     "心理", NULL, STAFF_BETWEEN, 0, 6},
    {"staff.head_teachers", PERSONS, NULL,
     "班主任(?:(?:及|和|与|、)德育(?:管理者|管理人员|干部|工作者))?", NULL, NULL, "兼职|兼任|人均",
     XF_R_CLAUSE, 6},
    {"staff.subject_teachers", PERSONS, NULL, "专任教师|学科教师|任课教师|科任教师|专任老师", NULL,
     NULL, STAFF_BETWEEN, 0, 6},

    {"funding.psych_yuan", "元|万元", NULL, "经费|资金|投入|支出|拨款|花费|投资|开支|费用", "心理",
     NULL, "生均|人均|每生|每人|每名", XF_R_TERM, 12},

    {"curriculum.lessons_per_class_week", "节|课时", NULL,
     "(?:每|各)(?:个)?班(?:级)?[^,]{0,6}?(?:每|隔)(?:一)?(?:个)?(?:周|星期|两周|双周)"
     "|(?:每|隔)(?:一)?(?:个)?(?:周|星期|两周|双周)[^,]{0,4}?(?:每|各)(?:个)?班",
     "心理", NULL, "班会|团体|教研|讲座", XF_R_PER_OK | XF_R_LESSONS, 10},
    {"curriculum.lessons_per_class_week", "节|课时", NULL,
     "(?:每|隔)(?:一)?(?:个)?(?:周|星期|两周|双周)", "心理(?:健康)?(?:教育)?(?:活动)?课", NULL,
     "班会|团体|教研|讲座|开放|值班", XF_R_PER_OK | XF_R_LESSONS, 10},
    {"curriculum.theme_meetings", "次|节|场", NULL, "主题班(?:队)?会|班(?:队)?会(?:课|活动)?",
     "心理|生命", NULL, "家长", XF_R_TERM, 10},
    {"curriculum.special_activities", "次|场|项|期", NULL,
     "(?:专题|主题)(?:教育)?活动|生命教育活动", "心理|生命", NULL, "团体|班会|讲座|家长|培训|教研",
     XF_R_TERM, 10},

    {"counseling.open_hours_per_week", "小时|个小时|h", NULL, "开放|值班", NULL, NULL, NULL,
     XF_R_PER_OK | XF_R_WEEK, 12},
    {"counseling.individual_sessions", "人次|次|例|个案", "人|名|位",
     "个体(?:心理)?(?:咨询|辅导)|个别(?:心理)?(?:咨询|辅导)|一对一(?:心理)?(?:咨询|辅导|访谈)"
     "|个案(?:辅导|咨询)|(?:个别|一对一)?谈心(?:辅导|谈话)?|(?:接待|来访)(?:了)?(?:学生)?(?:来访|"
     "咨询|个案)?",
     NULL, NULL, "团体|家长|转介|团辅", XF_R_TERM, 12},
    {"counseling.group_sessions", EVENTS "|节", NULL,
     "团体(?:心理)?(?:辅导|咨询|活动|训练|游戏|心理辅导)(?:活动|课)?|团辅(?:活动)?|小组辅导", NULL,
     NULL, "参与|参加", XF_R_TERM, 12},
    {"counseling.group_participants", "人次|人|名", NULL, "团体(?:心理)?(?:辅导|咨询|活动)|团辅",
     NULL, NULL, NULL, XF_R_TERM, 12},

    {"screening.students_flagged", PERSONS, NULL,
     "需(?:要)?(?:重点|特别|进一步|持续)?关注|(?<![一二三四]级)预警|异常|高危|高风险|筛查出|筛出|"
     "检出"
     "|发现(?:有)?(?:心理)?(?:问题|异常|困扰)|心理问题|阳性",
     "普测|测评|筛查|普查|测试|量表|测查", NULL, NULL, XF_R_TERM, 12},
    {"screening.archives", PERSONS "|份", NULL, "一生一策|一人一策|一人一档|一人一案", NULL, NULL,
     NULL, XF_R_TERM, 12},
    {"screening.students_screened", PERSONS "|人次", NULL,
     "普测|测评|筛查|普查|心理(?:健康)?(?:测试|测查|检测|体检|评估)|量表|实测|参测|受测", NULL,
     NULL,
     "应测|需|关注|预警|异常|高危|风险|筛查出|检出|发现|阳性|问题|档案|一生一策|建档|约谈|访谈|"
     "辅导",
     XF_R_TERM, 14},

    {"care.left_behind", PERSONS, NULL, "留守(?:儿童|学生|子女|少年)?", NULL, NULL,
     "单亲|特殊|残疾", 0, 10},
    {"care.single_parent", PERSONS, NULL,
     "单亲(?:家庭)?(?:的)?(?:子女|学生|儿童|孩子)?|离异家庭(?:的)?(?:子女|学生|孩子)?", NULL, NULL,
     "留守|特殊|残疾", 0, 10},
    {"care.special_needs", PERSONS, NULL,
     "特殊(?:需要|需求|教育需要|群体)(?:的)?(?:学生|儿童)?|残疾(?:学生|儿童)|随班就读(?:学生)?"
     "|心理障碍(?:的)?(?:学生)?",
     "清单|台账|名单|名册|三类|留守|单亲|关爱", NULL, "留守|单亲", 0, 10},

    {"home_school.psych_parent_trainings", EVENTS "|节", NULL,
     "心理(?:健康)?(?:教育)?(?:专题|主题|讲座|培训|课)", "家长|家庭教育|家校|亲子", NULL,
     "教师|班主任|学生(?!家长)|团体|班会", XF_R_TERM | XF_R_CLAUSE, 10},
    {"home_school.parent_trainings", EVENTS "|节", NULL,
     "家长(?:学校|课堂|讲座|培训|大讲堂|课程|沙龙|会客厅)(?:活动|课)?"
     "|家庭教育(?:专题)?(?:讲座|培训|课|指导课)|家校(?:大讲堂|讲座|共育讲座|课堂)"
     "|亲子(?:讲座|课堂)",
     NULL, NULL, "心理健康专题|其中|家长会|教师|学生(?!家长)", XF_R_TERM, 10},
    /* "为家长开展了2场专题讲座": only a verb names the field; the noun after the number,
     * when it names one ("心理健康讲座"), wins */
    {"home_school.parent_trainings", EVENTS "|节", NULL,
     "(?:为|面向|对|给|组织)(?:全体|全校|各年级)?(?:学生)?家长(?:们)?"
     "(?:开展|举办|组织|举行|进行|开设)(?:了)?",
     NULL, NULL, "其中|家长会", XF_R_TERM | XF_R_WEAK, 10},
    {"home_school.parent_attendees", "人次|人|名|位", NULL,
     "(?:参与|参加|参训|到会|受益|听讲|出席|惠及|覆盖)(?:的)?(?:学生)?家长|家长(?:参与|参加|参训|"
     "到会|受益|出席|听讲)",
     NULL, NULL, NULL, XF_R_TERM, 10},
    {"home_school.home_visit_rate", "%", NULL,
     "家访|走访|(?:学生)?家长(?:取得)?联系|联系(?:了)?(?:学生)?家长", NULL, NULL, NULL, 0, 10},

    {"training.hours_psych_and_head", "课时|学时|小时", NULL, "培训|学习|研修",
     "班主任|心理(?:健康)?(?:教育)?(?:教师|老师)", NULL, NULL, XF_R_PER_OK | XF_R_PERSON, 12},
    {"training.all_staff_sessions", EVENTS, NULL,
     "全体教师|全校教师|全体教职工|全校教职工|全体教职员工|全员|全体老师|全校老师", NULL,
     "培训|讲座|学习|辅导|研修", "学生|家长", XF_R_TERM, 12},

    {"crisis.incidents", "起|例|件|次", NULL,
     "心理危机(?:事件)?|危机事件|自伤(?:事件)?|自杀(?:事件)?|极端事件", NULL, NULL,
     "预防|避免|潜在|防止|转介|演练|培训", XF_R_TERM, 10},
    {"crisis.referrals", "名|人|例|人次|位", NULL, "转介", NULL, NULL, "机制|制度|通道|流程",
     XF_R_TERM, 12},

    {"research.city_awards", "项|个|次", NULL,
     "(?:地市级|市级|省级|国家级|全国)(?:以上)?[^,]{0,10}?(?:奖|荣誉|表彰|成果)"
     "|获(?:得)?[^,]{0,10}?(?:地市级|市级|省级|国家级|全国)[^,]{0,10}?(?:奖|荣誉|表彰|成果)",
     NULL, NULL, "区级|县级|校级|论文", 0, 12},
    {"research.papers", "篇", NULL, "论文|(?:公开)?发表", NULL, "发表|刊发|刊登",
     "获奖|交流|撰写|评比", 0, 12},
    {"research.books", "本|部", NULL, "出版|专著|著作|书籍|读本", NULL, "出版", NULL, 0, 12},
    {"research.years_of_practice", "年", NULL,
     "(?:开展|从事|进行)[^,]{0,10}?心理[^,]{0,10}?(?:工作|教育)", NULL, NULL, NULL, 0, 8},
};
const int xf_nrules = (int)(sizeof xf_rules / sizeof xf_rules[0]);

/* Statements that say yes or no without a number; read only from sentences of fact. */
const struct xf_bool_rule xf_bool_rules[] = {
    {"counseling.room", 1,
     "(?:建有|建成|建立了|设有|设立了|拥有|配有|配备了|有)[^,;。]{0,16}?心理(?:健康)?(?:辅导|咨询)"
     "(?:室|中心|站)|心理(?:健康)?(?:辅导|咨询)(?:室|中心)[^。]{0,60}?(?:开放|接待|配备|开展)"
     "|(?:利用|依托|通过|在)心理(?:健康)?(?:辅导|咨询)(?:室|中心)",
     false},
    {"care.ledger", 1,
     "(?:建立|建好|完善|形成)(?:了)?[^,;。]{0,12}?(?:关爱|帮扶)台账|(?:关爱|帮扶)台账(?:已)?(?:"
     "建立|建成)",
     false},
    {"governance.research_group", 1,
     "(?:成立|组建|建立)(?:了)?[^,;。]{0,12}?心理(?:健康)?(?:教育)?教研组"
     "|心理(?:健康)?(?:教育)?教研组(?:已)?(?:成立|组建)",
     false},
    {"governance.three_year_plan", 1,
     "(?:制定|制订|编制|出台)(?:了)?[^,;。]{0,16}?(?:三|3)年(?:发展)?(?:工作)?规划"
     "|(?:三|3)年(?:发展)?规划(?:已)?(?:制定|出台)",
     false},
    {"governance.annual_meeting_minutes", 1,
     "召开(?:了)?[^。]{0,24}?(?:专题)?(?:工作)?会议[^。]{0,24}?(?:形成|并有|留有|整理)(?:了)?(?:"
     "会议)?纪要",
     false},
    {"crisis.major_incident_school_fault", 0,
     "(?:未|没有|无)(?:发生|出现)(?:过)?(?:任何)?(?:一起)?(?:因学校原因(?:导致|造成|引发)的)?"
     "(?:重大)?(?:恶性|安全责任|责任)事件",
     true},
    {"staff.psych_fulltime", 1, "唯一(?:的)?(?:一名|一位)?专职心理(?:健康)?(?:教育)?(?:教师|老师)",
     false},
    {"crisis.incidents", 0,
     "(?:未|没有)(?:发生|出现)(?:过)?(?:任何)?(?:一起)?(?:学生)?(?:心理危机|危机|自伤|自杀)事件",
     true},
};
const int xf_nbool_rules = (int)(sizeof xf_bool_rules / sizeof xf_bool_rules[0]);

/* ---------------------------------------------------------------------------------------- */

#define NUM_AR                                                                                     \
    "[0-9]{1,3}(?:,[0-9]{3})+(?:\\.[0-9]+)?(?:万|千|亿)?|[0-9]+(?:\\.[0-9]+)?(?:万|千|亿)?"
#define NUM_ZH "[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*"
#define UNITS                                                                                                               \
    "%|万元|元|人次|场次|名(?![单称义次校师额])|人(?![员民们格文口数])|位(?![置于])"              \
    "|场(?![所地景合面])|次(?![数序])|节(?![日目约奏])|课时|学时|个?小时|篇|项(?!目)"               \
    "|本(?![学校次着地人市区届领身质])|部(?![门分署])|年(?![级度龄代初底终末])"                   \
    "|起(?![来到初步])|例|件|份(?![额子])|期(?![间末中待刊望])|讲(?![座话解授述究])|个案|h(?![a-" \
    "z])"

static struct xf_patterns patterns;
struct xf_rule_re xf_rule_re[XF_MAX_RULES];
struct xf_rule_re xf_bool_re[XF_MAX_BOOL_RULES];
static bool patterns_ok;
static pthread_once_t patterns_once = PTHREAD_ONCE_INIT;

pcre2_code *xf_pattern_compile(const char *pattern)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_NO_UTF_CHECK, &code, &off, NULL);
    if (re != NULL)
        (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

static bool match_at(pcre2_code *re, const char *s, size_t start, size_t end, size_t *ms,
                     size_t *me, uint32_t options)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (md == NULL)
        return false;
    int rc = pcre2_match(re, (PCRE2_SPTR)s, end, start, options | PCRE2_NO_UTF_CHECK, md, NULL);
    bool found = rc > 0;
    if (found) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        *ms = ov[0];
        *me = ov[1];
    }
    pcre2_match_data_free(md);
    return found;
}

bool xf_pattern_full_match(pcre2_code *re, const char *s, size_t len)
{
    size_t ms, me;
    return match_at(re, s, 0, len, &ms, &me, PCRE2_ANCHORED) && me == len;
}

bool xf_pattern_find(pcre2_code *re, const char *s, size_t start, size_t end, size_t *ms,
                     size_t *me)
{
    if (start >= end)
        return false;
    return match_at(re, s, start, end, ms, me, 0);
}

bool xf_pattern_find_last(pcre2_code *re, const char *s, size_t start, size_t end, size_t *ms,
                          size_t *me)
{
    bool any = false;
    size_t a, b, from = start;
    while (from < end && match_at(re, s, from, end, &a, &b, 0)) {
        if (!any || b >= *me) {
            *ms = a;
            *me = b;
        }
        any = true;
        /* step one character past the match start, so overlapping later matches count */
        from = a + 1;
        while (from < end && ((unsigned char)s[from] & 0xc0) == 0x80)
            from++;
    }
    return any;
}

static void compile_all(void)
{
    struct xf_patterns *p = &patterns;
    p->value_cell = xf_pattern_compile("(?:" NUM_AR "|" NUM_ZH ")(?:余|多)?(?:" UNITS ")?");
    p->mention = xf_pattern_compile(
        "(?<![0-9.,第零〇一二两三四五六七八九十百千万A-Za-z])(?<![0-9] )"
        "(?:(?<approx>(?:近|上|数|几|成)(?:十|百|千|万)(?:余)?)"
        "|(?<pct>百分之(?<pctnum>[零〇一二两三四五六七八九十百点]+))"
        "|(?<num>" NUM_AR "|" NUM_ZH ")"
        "(?<range>\\s?(?:-|~|—|–|至|到)\\s?(?:[0-9]+(?:\\.[0-9]+)?|[一二两三四五六七八九十]+))?)"
        "(?<a1>余|多|来)?(?<unit>" UNITS
        ")?(?<a2>左右|上下|以上|以下|之多|余|多(?![样种彩元形方]))?");
    p->approx_before =
        xf_pattern_compile("(?:约|大约|近|将近|接近|逾|超过|大概|估计|几乎|多达|上下)[^,]{0,2}$");
    p->bound_before = xf_pattern_compile(
        "(?:至少|最少|不少于|不低于|不下|高于|多于|不足|不到|少于|低于|最多|不超过|不高于|以内)"
        "[^,]{0,4}$");
    p->change_before =
        xf_pattern_compile("(?:增加|增长|减少|提高|提升|下降|上升|新增|多出|少了)(?:了)?(?:约)?$");
    p->per_unit = xf_pattern_compile(
        "每(?:个)?班|各班|各(?:个)?年级|每(?:个)?年级|每校|每人|人均|每位|每名|平均|生均|每周|"
        "每星期|每月|每天|每日|每学年|每年|每次|每场|每节|各校|每所");
    p->other_period = xf_pattern_compile("(?<![较比与])(?:上学期|上一学期|上学年|上一学年|去年|"
                                         "上年)|往年|历年|以往|全年|全学年|一年来|"
                                         "自[^,]{0,10}以来|近[0-9一二两三四五六七八九十]+年|"
                                         "[0-9一二两三四五六七八九十]+年来");
    p->requirement = xf_pattern_compile(
        "应(?![用对激急邀聘答届测考到])|必须|(?<!无)须|原则上|不得|"
        "(?<![主需重只想必紧首纪概摘提])要(?![点素闻求])|一般(?:应|每|不)|标准(?!化)");
    p->plan = xf_pattern_compile("计划(?:于|在|开展|组织|举办|召开|新增|增加|用|将)|争取|力争|"
                                 "(?<![模比])拟|预计|下学期|下一学期|下学年|下一步|下阶段|"
                                 "今后|明年|将(?:要|会|继续|进一步)|目标");
    p->bound_word = xf_pattern_compile("至少|不少于|不低于|最少");
    p->fact_word = xf_pattern_compile("本学期|本学年|共|了|累计|合计|达|实际|已");
    p->total_word = xf_pattern_compile("共|合计|总计|全学期|总共|一共");
    p->negation = xf_pattern_compile("(?:未|没有|尚未|不曾|无)(?!论|不|法)");
    p->unit_in_label = xf_pattern_compile(
        "\\((?<u>人次|名|人|场次|场|次|节|课时|学时|小时|元|万元|篇|项|本|部|起|例|件|%)\\)");
    p->two_weeks = xf_pattern_compile("两周|双周|隔周|两个星期");
    p->separately = xf_pattern_compile("分别(?:为|是|有|达|达到)?");
    p->carry = xf_pattern_compile(
        "\\G(?:本学期|这学期|每周|每星期|每天|共计|总共|一共|共|合计|总计|达到|达|累计|计|不少于|"
        "不低于|至少|约|"
        "近|"
        "超过|参与|参加|参训|参测|实测|受测|完成|受益|覆盖|惠及|学生|家长|人数|为|有|了|时间|时长|"
        "其中|的|咨询|辅导)*$");
    p->conjunction =
        xf_pattern_compile("、|和(?!谐)|(?<![参给授赋])与|(?<![涉普波危顾])及(?![时格早])");
    p->this_term = xf_pattern_compile("本学期|这学期|这一学期|本学期内");
    p->year_summary = xf_pattern_compile("年度|一年来|全年|学年(?:度)?(?:工作)?总结");
    p->term_word = xf_pattern_compile("学期");
    p->unit_cell = xf_pattern_compile("(?:" UNITS ")");
    pcre2_code **all = (pcre2_code **)p;
    patterns_ok = true;
    for (size_t i = 0; i < sizeof *p / sizeof(pcre2_code *); i++)
        patterns_ok = patterns_ok && all[i] != NULL;
    patterns_ok = patterns_ok && xf_nrules <= XF_MAX_RULES && xf_nbool_rules <= XF_MAX_BOOL_RULES;
    for (int i = 0; i < xf_nrules && patterns_ok; i++) {
        const struct xf_rule *r = &xf_rules[i];
        struct xf_rule_re *c = &xf_rule_re[i];
        c->field_index = xf_extract_field_find(r->field);
        c->subject = xf_pattern_compile(r->subject);
        c->context = r->context ? xf_pattern_compile(r->context) : NULL;
        c->near = r->near ? xf_pattern_compile(r->near) : NULL;
        c->exclude = r->exclude ? xf_pattern_compile(r->exclude) : NULL;
        patterns_ok = c->field_index >= 0 && c->subject != NULL &&
                      (r->context == NULL || c->context != NULL) &&
                      (r->near == NULL || c->near != NULL) &&
                      (r->exclude == NULL || c->exclude != NULL);
    }
    for (int i = 0; i < xf_nbool_rules && patterns_ok; i++) {
        xf_bool_re[i].field_index = xf_extract_field_find(xf_bool_rules[i].field);
        xf_bool_re[i].subject = xf_pattern_compile(xf_bool_rules[i].pattern);
        patterns_ok = xf_bool_re[i].field_index >= 0 && xf_bool_re[i].subject != NULL;
    }
}

const struct xf_patterns *xf_patterns_get(void)
{
    (void)pthread_once(&patterns_once, compile_all);
    return patterns_ok ? &patterns : NULL;
}
