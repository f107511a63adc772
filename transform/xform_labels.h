/* xform_labels.h - the Chinese label of every field of a submission, by its JSON path. */
#ifndef XINYU_XFORM_LABELS_H
#define XINYU_XFORM_LABELS_H

#include <stddef.h>

/* One labelled path: "staff.psych_cert_a" -> "专兼职心理教师中持A证人数". */
struct xf_label {
    const char *path;
    const char *zh;
};

/*
 * The labels, in the order of SUBMISSION.md: the envelope, the per-grade maps (and each of
 * their grades 1-12), the sections and every field of section 2. Static; never freed.
 */
extern const struct xf_label xf_labels[];
extern const size_t xf_nlabels;

/*
 * The Chinese label of the field at path ("staff.psych_cert_a", "enrollment.by_grade.3"),
 * as SUBMISSION.md section 2 names it, or NULL when the path is not a field of the format
 * (an unknown key, a grade outside 1-12). The string is static. Never fails.
 */
const char *xf_label_zh(const char *path);

/*
 * Writes how a Chinese message names the field at path: its label with the path in
 * parentheses, "专兼职心理教师中持A证人数(staff.psych_cert_a)", or, for a path without a
 * label, noun and the path, "字段(staff.extra)". Writes "" for the empty path (the whole
 * document). out is always terminated; the text is cut (on a character boundary) when cap
 * is too small. Returns the length it wrote.
 */
size_t xf_label_subject(char *out, size_t cap, const char *path, const char *noun);

#endif
