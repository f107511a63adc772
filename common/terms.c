/* terms.c - the catalogue of the words for stored codes (see terms.h). */
#include <string.h>

#include "common/terms.h"

struct term {
    const char *code, *zh, *en;
};

static const struct term status_terms[] = {
    {"met", "达标", "Met"},
    {"not_met", "未达标", "Not met"},
    {"no_data", "无数据", "No data"},
    {"no_target", "无目标", "No target"},
};
/* in the order of the stages a school enrols, the order every list of types follows */
static const struct term school_type_terms[] = {
    {"primary", "小学", "Primary"},
    {"junior", "初中", "Junior secondary"},
    {"senior", "高中", "Senior secondary"},
    {"nine_year", "九年一贯制", "Nine-year"},
    {"complete_secondary", "完全中学", "Complete secondary"},
    {"twelve_year", "十二年一贯制", "Twelve-year"},
    {"special", "特殊教育学校", "Special education"},
};
static const struct term result_terms[] = {
    {"pass", "通过", "Pass"},
    {"fail", "未通过", "Fail"},
    {"unknown", "待定", "Unknown"},
};
static const struct term bool_terms[] = {
    {"true", "是", "Yes"},
    {"false", "否", "No"},
};
static const struct term run_status_terms[] = {
    {"running", "进行中", "running"},   {"ok", "完成", "ok"},
    {"partial", "部分完成", "partial"}, {"failed", "失败", "failed"},
    {"aborted", "中止", "aborted"},
};
static const struct term run_kind_terms[] = {
    {"run", "夜间运行", "run"},
    {"ingest", "导入", "ingest"},
    {"registry", "名册", "registry"},
    {"report", "报告", "report"},
};
static const struct term outcome_terms[] = {
    {"loaded", "已入库", "loaded"},
    {"duplicate", "重复", "duplicate"},
    {"superseded", "被替代", "superseded"},
    {"rejected", "退回", "rejected"},
};
static const struct term severity_terms[] = {
    {"reject", "退回", "reject"},
    {"warning", "警告", "warning"},
};
static const struct term version_terms[] = {
    {"current", "当前采用", "current"},
    {"superseded", "已被替代", "superseded"},
    {"rejected", "已退回", "rejected"},
};
/* the English words are the codes themselves: the log says "error:" */
static const struct term event_terms[] = {
    {"error", "错误", "error"},
    {"warning", "警告", "warning"},
    {"info", "说明", "info"},
};
static const struct term outlier_terms[] = {
    {"district_median", "与区县中位数相差悬殊", "Far from the district median"},
    {"term_change", "与上学期相比变化异常", "Unusual change from the previous term"},
};

/* INDICATORS.md, "Compliance audit": the clauses by the standard's numbers, with their titles */
static const struct term clause_terms[] = {
    {"6", "配齐配好教师", "Teachers"},
    {"7", "培养培训", "Training"},
    {"9", "阵地建设", "Counseling room"},
    {"10", "经费投入", "Funding"},
    {"11", "课堂教学", "Lessons"},
    {"14", "心理辅导", "Counseling hours"},
    {"15", "社会合作", "Parents and community"},
    {"16", "科学研究", "Research"},
    {"17", "提高实效", "Years of practice"},
    {"2/4", "规划与机构", "Plan and organisation"},
    {"18", "一票否决", "One-vote veto"},
    {"overall", "总体", "Overall"},
};

static const struct {
    const struct term *t;
    size_t n;
} kinds[TERMS_KIND_COUNT] = {
#define KIND(k, a) [k] = {a, sizeof a / sizeof a[0]}
    KIND(TERMS_STATUS, status_terms),         KIND(TERMS_SCHOOL_TYPE, school_type_terms),
    KIND(TERMS_RESULT, result_terms),         KIND(TERMS_BOOL, bool_terms),
    KIND(TERMS_RUN_STATUS, run_status_terms), KIND(TERMS_RUN_KIND, run_kind_terms),
    KIND(TERMS_OUTCOME, outcome_terms),       KIND(TERMS_SEVERITY, severity_terms),
    KIND(TERMS_OUTLIER_KIND, outlier_terms),  KIND(TERMS_CLAUSE, clause_terms),
    KIND(TERMS_VERSION_STATE, version_terms), KIND(TERMS_EVENT, event_terms),
#undef KIND
};

size_t terms_rank(enum terms_kind kind, const char *code)
{
    if ((unsigned)kind >= TERMS_KIND_COUNT)
        return 0;
    size_t i = 0;
    while (code != NULL && i < kinds[kind].n && strcmp(kinds[kind].t[i].code, code) != 0)
        i++;
    return code != NULL ? i : kinds[kind].n;
}

const char *terms_word(enum terms_kind kind, const char *code, bool zh)
{
    size_t i = terms_rank(kind, code);
    if ((unsigned)kind >= TERMS_KIND_COUNT || i >= kinds[kind].n)
        return NULL;
    return zh ? kinds[kind].t[i].zh : kinds[kind].t[i].en;
}

const char *terms_show(enum terms_kind kind, const char *code, bool zh)
{
    const char *w = terms_word(kind, code, zh);
    return w != NULL ? w : code;
}

size_t terms_count(enum terms_kind kind)
{
    return (unsigned)kind < TERMS_KIND_COUNT ? kinds[kind].n : 0;
}

const char *terms_code(enum terms_kind kind, size_t i)
{
    return i < terms_count(kind) ? kinds[kind].t[i].code : NULL;
}

bool terms_lang_zh(const char *lang)
{
    return lang == NULL || strcmp(lang, "en") != 0;
}
