/* cmd_extract.c - "xinyu extract": the figures of work summaries, drafts for a school to confirm.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/util.h"
#include "transform/xform_extract.h"

static void extract_usage(FILE *out)
{
    fputs("Usage: xinyu extract [--format json|text] FILE...\n"
          "\n"
          "Reads the figures of schools' work summaries (.docx, or .txt in UTF-8 or GB18030)\n"
          "and prints, per file, a draft submission holding only the fields found, the\n"
          "evidence of each value (its sentence, line and column, what was recognised), and\n"
          "the figures that are approximate or ambiguous (300余, 约, 各年级...), which are\n"
          "never taken as values. A draft is not data: the school confirms it.\n"
          "\n"
          "  --format json   one JSON object per file and line (default)\n"
          "  --format text   the same in Chinese for people\n"
          "\n"
          "Exit status 1 when a file was refused (not a summary, too large, corrupt).\n",
          out);
}

int cmd_extract(struct cli *c)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    bool text = false;
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "f:h", opts, NULL)) != -1) {
        if (ch == 'f' && strcmp(optarg, "json") == 0) {
            text = false;
        } else if (ch == 'f' && strcmp(optarg, "text") == 0) {
            text = true;
        } else if (ch == 'h') {
            extract_usage(stdout);
            return EXIT_OK;
        } else {
            extract_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= c->argc_cmd) {
        extract_usage(stderr);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    for (int i = optind; i < c->argc_cmd && rc != EXIT_FATAL; i++) {
        const char *file = c->argv_cmd[i];
        struct xf_extract x;
        struct xf_extract_source src;
        char err[256] = "";
        double t0 = util_monotonic();
        int r = xf_extract_file(file, &x, &src, err, sizeof err);
        double ms = (util_monotonic() - t0) * 1000;
        if (r < 0) {
            fprintf(stderr, "xinyu: cannot extract %s: %s\n", file, err);
            rc = EXIT_FATAL;
        } else if (text) {
            buf out = BUF_INIT;
            if (r == 1) {
                printf("%s: %s(%s)\n", file, xf_extract_refusal_zh(err), err);
                rc = EXIT_PARTIAL;
            } else if (buf_printf(&out, "%s (%s, %s, %.1f ms)\n", file, src.format, src.encoding,
                                  ms) != 0 ||
                       xf_extract_render_text(&x, &out) != 0) {
                rc = EXIT_FATAL;
            } else {
                fwrite(out.data, 1, out.len, stdout);
            }
            buf_free(&out);
        } else {
            json_t *o = r == 0 ? xf_extract_json(&x) : json_object();
            if (o == NULL) {
                rc = EXIT_FATAL;
            } else {
                int bad = json_object_set_new(o, "file", json_string(file));
                if (r == 1) {
                    bad |= json_object_set_new(o, "error", json_string(err));
                    bad |=
                        json_object_set_new(o, "error_zh", json_string(xf_extract_refusal_zh(err)));
                    rc = EXIT_PARTIAL;
                } else {
                    bad |= json_object_set_new(o, "format", json_string(src.format));
                    bad |= json_object_set_new(o, "encoding", json_string(src.encoding));
                    bad |=
                        json_object_set_new(o, "milliseconds", json_real(round(ms * 1000) / 1000));
                }
                char *s = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
                if (s == NULL)
                    rc = EXIT_FATAL;
                else
                    printf("%s\n", s);
                free(s);
                json_decref(o);
            }
        }
        xf_extract_clear(&x);
    }
    if (fflush(stdout) != 0)
        rc = EXIT_FATAL;
    return rc;
}
