/* xform_fields.h - finding a section of xf_fields, or a field of a section, by name without a
 * search of the whole table: the validator asks for every key of every submission. */
#ifndef XINYU_XFORM_FIELDS_H
#define XINYU_XFORM_FIELDS_H

#include <stddef.h>

#include "transform/xform.h"

/* The sections of xf_fields in table order: each is a run of consecutive fields. */
struct xf_section {
    const char *name; /* "staff" */
    size_t len;       /* strlen(name) */
    int first, end;   /* its fields are xf_fields[first .. end - 1] */
};

/* Number of sections (at most XF_NFIELDS); never fails. */
int xf_section_count(void);

/* Section s, 0 <= s < xf_section_count(); the table is static and never freed. */
const struct xf_section *xf_section_at(int s);

/* The section named name (len bytes, no NUL needed), or -1 when no section has that name. */
int xf_section_find(const char *name, size_t len);

/* The index in xf_fields of the field key (len bytes) of section s, or -1 when section s has
 * no such field. */
int xf_section_field(int s, const char *key, size_t len);

/* The same for a NUL-terminated key, trying first the field after previous (the field found
 * for the key before it, or -1 for the first key): schools send the fields in the order of the
 * table, so that one comparison finds most keys. */
int xf_section_field_after(int s, const char *key, int previous);

#endif
